package format

import "sigs.k8s.io/yaml"

// yamlFormat is the document itself, as YAML.
type yamlFormat struct{}

func (yamlFormat) Name() string { return "yaml" }
func (yamlFormat) Help() string { return "the document as YAML" }
func (yamlFormat) Docs() Doc    { return Report | Diff | Document }

func (yamlFormat) Print(doc any, w Writer) error {
	b, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = w.Out.Write(b)
	return err
}
