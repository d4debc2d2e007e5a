package format

import (
	"encoding/base64"
	"fmt"
	"io"
	"reflect"

	template "github.com/DataDog/datadog-agent/pkg/template/text"
	"k8s.io/apimachinery/pkg/runtime"
)

// goTemplatePrinter is -o go-template as kubectl prints it (k8s.io/cli-runtime
// pkg/printers GoTemplatePrinter): the object's JSON decoded into maps, the
// extra functions exists and base64decode, missing keys printed as
// "<no value>", and on an execution error the template and the data printed
// after the partial output.
//
// It runs on a copy of text/template that cannot call methods
// (github.com/DataDog/datadog-agent/pkg/template/text). The standard
// library's engine looks methods up with reflect.Value.MethodByName and a name
// known only at run time; once that call is reachable the linker keeps every
// exported method of every type in the program, which made the binary 18 MB
// larger. Data decoded from JSON into maps has no methods, so templates behave
// the same.
type goTemplatePrinter struct {
	raw  string
	tmpl *template.Template
}

// newGoTemplatePrinter parses a -o go-template template.
func newGoTemplatePrinter(text string) (*goTemplatePrinter, error) {
	t, err := template.New("output").Funcs(template.FuncMap{
		"exists":       templateExists,
		"base64decode": templateBase64Decode,
	}).Parse(text)
	if err != nil {
		return nil, err
	}
	// kubectl's default --allow-missing-template-keys=true.
	t.Option("missingkey=default")
	return &goTemplatePrinter{raw: text, tmpl: t}, nil
}

// PrintObj executes the template over obj's JSON form.
func (p *goTemplatePrinter) PrintObj(obj runtime.Object, w io.Writer) error {
	doc, data, err := jsonMap(obj)
	if err != nil {
		return err
	}
	if err := p.execute(w, doc); err != nil {
		// kubectl prints what it had on the output too, where a person
		// debugging a template looks first.
		fmt.Fprintf(w, "Error executing template: %v. Printing more information for debugging the template:\n", err)
		fmt.Fprintf(w, "\ttemplate was:\n\t\t%v\n", p.raw)
		fmt.Fprintf(w, "\traw data was:\n\t\t%v\n", string(data))
		fmt.Fprintf(w, "\tobject given to template engine was:\n\t\t%+v\n\n", doc)
		return fmt.Errorf("error executing template %q: %v", p.raw, err)
	}
	return nil
}

// execute runs the template and turns a panic of the engine into an error.
func (p *goTemplatePrinter) execute(w io.Writer, doc any) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("caught panic: %+v", x)
		}
	}()
	return p.tmpl.Execute(w, doc)
}

// templateExists reports whether item has a non-nil element at each index in
// turn: {{if exists . "metadata" "labels"}}. Integer indices address slices,
// arrays and strings, any key addresses maps. A missing map key stands for the
// map's zero element, as in kubectl.
func templateExists(item any, indices ...any) bool {
	v := reflect.ValueOf(item)
	for _, i := range indices {
		var isNil bool
		if v, isNil = templateIndirect(v); isNil {
			return false
		}
		index := reflect.ValueOf(i)
		switch v.Kind() {
		case reflect.Array, reflect.Slice, reflect.String:
			var n int64
			switch {
			case index.CanInt():
				n = index.Int()
			case index.CanUint():
				n = int64(index.Uint())
			default:
				return false
			}
			if n < 0 || n >= int64(v.Len()) {
				return false
			}
			v = v.Index(int(n))
		case reflect.Map:
			if !index.IsValid() {
				index = reflect.Zero(v.Type().Key())
			}
			if !index.Type().AssignableTo(v.Type().Key()) {
				return false
			}
			e := v.MapIndex(index)
			if !e.IsValid() {
				e = reflect.Zero(v.Type().Elem())
			}
			v = e
		default:
			return false
		}
	}
	_, isNil := templateIndirect(v)
	return !isNil
}

// templateIndirect follows pointers and empty interfaces and reports a nil on
// the way.
func templateIndirect(v reflect.Value) (reflect.Value, bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return v, true
		}
		if v.Kind() == reflect.Interface && v.NumMethod() > 0 {
			break
		}
		v = v.Elem()
	}
	return v, false
}

// templateBase64Decode decodes standard base64, as in kubectl's templates.
func templateBase64Decode(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("base64 decode failed: %v", err)
	}
	return string(b), nil
}
