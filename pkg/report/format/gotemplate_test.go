package format

import (
	"bytes"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/printers"
)

// TestGoTemplateLikeKubectl runs every template through our printer and through
// kubectl's own (k8s.io/cli-runtime printers.GoTemplatePrinter with missing
// keys allowed): output and error must be the same.
func TestGoTemplateLikeKubectl(t *testing.T) {
	doc := map[string]any{
		"apiVersion": "harden.kubectl.io/v1alpha1",
		"kind":       "Report",
		"summary":    map[string]any{"total": int64(1000000), "fail": int64(3), "ratio": 0.25},
		"results": []any{
			map[string]any{"id": "1.1.1", "status": "FAIL", "evidence": []any{"a", "b"}, "note": nil},
			map[string]any{"id": "4.2.1", "status": "PASS", "secret": "c2VjcmV0"},
		},
		"labels": map[string]any{"a": "x", "b": "y", "empty": ""},
	}
	for _, tc := range []struct{ name, tmpl string }{
		{"field", `{{.kind}} {{.summary.total}} {{.summary.fail}} {{.summary.ratio}}`},
		{"range", `{{range .results}}{{.id}}={{.status}};{{end}}`},
		{"range else and index", `{{range .nothing}}x{{else}}none{{end}} {{index .results 1 "id"}}`},
		{"missing key", `{{.nope}} {{.summary.nope}}`},
		{"map order", `{{range $k, $v := .labels}}{{$k}}:{{$v}} {{end}}`},
		{"printf len", `{{printf "%05d" (len .results)}} {{len .labels}}`},
		{"exists", `{{exists . "labels" "a"}} {{exists . "labels" "z"}} {{exists . "results" 0 "evidence" 1}} {{exists . "results" 5}} {{exists . "results" 0 "note"}} {{exists . "labels" "empty"}} {{exists . "kind" 0}} {{exists . "summary" "total" "x"}}`},
		{"base64decode", `{{range .results}}{{if .secret}}{{base64decode .secret}}{{end}}{{end}}`},
		{"base64decode error", `{{base64decode "***"}}`},
		{"execution error", `before {{index .results 9}} after`},
		{"method call is a field lookup", `{{.kind.Len}}`},
		{"comparison and with", `{{with .summary}}{{if gt .fail 2}}many{{end}}{{end}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, wantErr := printWith(t, func() (printers.ResourcePrinter, error) {
				p, err := printers.NewGoTemplatePrinter([]byte(tc.tmpl))
				if err == nil {
					p.AllowMissingKeys(true)
				}
				return p, err
			}, doc)
			got, gotErr := printWith(t, func() (printers.ResourcePrinter, error) { return newGoTemplatePrinter(tc.tmpl) }, doc)
			if got != want {
				t.Errorf("output differs from kubectl's\n got: %q\nwant: %q", got, want)
			}
			if gotErr != wantErr {
				t.Errorf("error differs from kubectl's\n got: %q\nwant: %q", gotErr, wantErr)
			}
		})
	}
}

func TestGoTemplateParseError(t *testing.T) {
	_, want := printers.NewGoTemplatePrinter([]byte(`{{.a`))
	_, got := newGoTemplatePrinter(`{{.a`)
	if want == nil || got == nil || got.Error() != want.Error() {
		t.Errorf("parse error %v, kubectl's %v", got, want)
	}
}

// printWith prints doc with the printer make returns and gives the output and
// the error text ("" for none).
func printWith(t *testing.T, make func() (printers.ResourcePrinter, error), doc map[string]any) (string, string) {
	t.Helper()
	p, err := make()
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var out bytes.Buffer
	err = p.PrintObj(&unstructured.Unstructured{Object: doc}, &out)
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	// kubectl prints the data it gave the engine with %+v; both decode the
	// same JSON, so the text is the same, map order included.
	return strings.TrimSpace(out.String()), errText
}
