package format

import (
	"errors"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/json"
	"k8s.io/cli-runtime/pkg/printers"
)

// templateFormat is -o jsonpath=TEMPLATE and -o go-template=TEMPLATE (and
// their -file variants), run by cli-runtime's printers over the JSON form
// of the document, exactly as kubectl runs them.
type templateFormat struct {
	name    string
	printer printers.ResourcePrinter
}

func (f *templateFormat) Name() string { return f.name }

func (f *templateFormat) Help() string {
	if f.name == "jsonpath" {
		return "fields picked by a JSONPath template, as kubectl's"
	}
	return "the document through a Go template, as kubectl's"
}

func (f *templateFormat) Docs() Doc { return Report | Diff | Document }

// SetTemplate parses the template. Missing keys print nothing, as with
// kubectl's default --allow-missing-template-keys.
func (f *templateFormat) SetTemplate(text string) error {
	switch f.name {
	case "jsonpath":
		p, err := printers.NewJSONPathPrinter(text)
		if err != nil {
			return err
		}
		p.AllowMissingKeys(true)
		f.printer = p
	default:
		// kubectl's GoTemplatePrinter on an engine without method calls
		// (gotemplate.go): the standard one costs the binary 18 MB.
		p, err := newGoTemplatePrinter(text)
		if err != nil {
			return err
		}
		f.printer = p
	}
	return nil
}

// Print runs the template. The printers take a runtime.Object; every
// document has apiVersion and kind, so its JSON is an Unstructured.
func (f *templateFormat) Print(doc any, w Writer) error {
	if f.printer == nil {
		return errors.New("--output " + f.name + " needs a template")
	}
	obj, _, err := jsonMap(doc)
	if err != nil {
		return err
	}
	return f.printer.PrintObj(&unstructured.Unstructured{Object: obj}, w.Out)
}

// jsonMap is v's JSON form (returned too) decoded the way kubectl decodes
// the objects it prints (k8s.io/apimachinery/pkg/util/json): whole numbers
// become int64, so {.summary.total} and {{.summary.total}} print 1300000,
// not 1.3e+06.
func jsonMap(v any) (map[string]any, []byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, nil, err
	}
	return m, data, nil
}
