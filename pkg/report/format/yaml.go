package format

import "sigs.k8s.io/yaml"

// yamlFormat is the document itself, as YAML.
type yamlFormat struct{ about }

func newYAML() Format {
	return yamlFormat{about{"yaml", "the document as YAML", Report | Diff | Document}}
}

func (yamlFormat) Print(doc any, w Writer) error {
	b, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = w.Out.Write(b)
	return err
}
