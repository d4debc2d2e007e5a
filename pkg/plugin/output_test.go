package plugin

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

func TestOutputFlagsValidation(t *testing.T) {
	tmpl := filepath.Join(t.TempDir(), "t.tmpl")
	if err := os.WriteFile(tmpl, []byte("{{.kind}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		formats []string
		output  string
		want    string // format, or "error:<substring>"
	}{
		{nil, "", ""},
		{nil, "JSON", "json"},
		{nil, "html", "html"},
		{nil, "asff", "asff"},
		{nil, "jsonpath={.kind}", "jsonpath"},
		{nil, "go-template-file=" + tmpl, "go-template"},
		{nil, "xml", "error:--output \"xml\" is not supported: use one of wide, json, yaml, junit, sarif, asff, html, jsonpath=..."},
		{nil, "jsonpath=", "error:--output jsonpath needs a template"},
		{nil, "json=x", "error:is not supported"},
		{nil, "jsonpath={.kind", "error:--output jsonpath"},
		{nil, "go-template-file=/nonexistent", "error:--output go-template-file"},
		{documentFormats, "sarif", "error:use one of wide, json, yaml, jsonpath=..."},
		{documentFormats, "go-template={{.kind}}", "go-template"},
		{diffFormats, "markdown", "markdown"},
		{[]string{"yaml", "json"}, "wide", "error:use one of yaml, json"},
	}
	for _, tc := range cases {
		f := OutputFlags{Output: tc.output, Formats: tc.formats}
		p, err := f.ToPrinter()
		if want, isErr := strings.CutPrefix(tc.want, "error:"); isErr {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%v %q: error %v, want one containing %q", tc.formats, tc.output, err, want)
			}
			continue
		}
		if err != nil || p.Format != tc.want {
			t.Errorf("%v %q: format %v, error %v; want %q", tc.formats, tc.output, p, err, tc.want)
		}
	}
}

func TestTemplateOutputs(t *testing.T) {
	for _, tc := range []struct{ output, want string }{
		{"jsonpath={.kind} {.summary.fail}", "NodeScanReport 2"},
		{`jsonpath={range .targets[*]}{.name}={.summary.fail}{"\n"}{end}`, "cp-1=1\nworker-1=1\nworker-2=0\n"},
		{`go-template={{range .targets}}{{.name}} {{end}}`, "cp-1 worker-1 worker-2 "},
		{`jsonpath={.metadata.nosuchkey}`, ""},
	} {
		p, err := (&OutputFlags{Output: tc.output}).ToPrinter()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := PrintReport(sampleReport(), PrintOptions{Format: p.Format, Printer: p}, &buf); err != nil {
			t.Fatalf("%s: %v", tc.output, err)
		}
		if buf.String() != tc.want {
			t.Errorf("%s: got %q, want %q", tc.output, buf.String(), tc.want)
		}
	}
	// The document commands take templates too.
	out, errOut, code := run(t, "controls", "--benchmark", "harden", "-o", "jsonpath={.kind}")
	if code != ExitOK || out != "ControlList" {
		t.Errorf("controls -o jsonpath: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, _, code = run(t, "rbac", "subject", "serviceaccount/kube-system:coredns", "--from-snapshot", kindSnapshot, "-o", "go-template={{.kind}}")
	if code != ExitOK || out != "SubjectPermissions" {
		t.Errorf("subject -o go-template: exit %d, stdout %q", code, out)
	}
	if _, errOut, code := run(t, "controls", "-o", "sarif"); code != ExitError || !strings.Contains(errOut, "--output \"sarif\" is not supported: use one of wide, json, yaml") {
		t.Errorf("controls -o sarif: exit %d, %q", code, errOut)
	}
}

// parsesAs checks that out is one document of the format and nothing else.
func parsesAs(t *testing.T, format string, out []byte) {
	t.Helper()
	switch format {
	case "json", "sarif", "asff":
		dec := json.NewDecoder(bytes.NewReader(out))
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v\n%s", format, err, out)
		}
		if dec.More() {
			t.Fatalf("%s: more than one document", format)
		}
		if format == "asff" {
			if _, ok := v.([]any); !ok {
				t.Fatalf("asff: not an array: %s", out)
			}
		}
	case "yaml":
		var v map[string]any
		if err := yaml.UnmarshalStrict(out, &v); err != nil || v["apiVersion"] == nil {
			t.Fatalf("yaml: %v %v\n%s", err, v, out)
		}
	case "junit":
		var v junitSuites
		if err := xml.Unmarshal(out, &v); err != nil {
			t.Fatalf("junit: %v\n%s", err, out)
		}
	case "html":
		s := string(out)
		if !strings.HasPrefix(s, "<!DOCTYPE html>") || !strings.HasSuffix(strings.TrimSpace(s), "</html>") {
			t.Fatalf("html: not one page: %.80q ... %.80q", s, s[max(0, len(s)-80):])
		}
		if _, err := html.Parse(bytes.NewReader(out)); err != nil {
			t.Fatalf("html: %v", err)
		}
	default:
		t.Fatalf("no parser for %s", format)
	}
}

// TestMachineFormatsStdoutParses runs every machine format through the
// command, with reports that have results, none at all (filters remove
// everything), and only an error target, and checks stdout is exactly one
// document of that format.
func TestMachineFormatsStdoutParses(t *testing.T) {
	t.Setenv("AWS_ACCOUNT_ID", "123456789012")
	t.Setenv("AWS_REGION", "eu-west-1")
	for _, format := range []string{"json", "yaml", "junit", "sarif", "html", "asff"} {
		for name, args := range map[string][]string{
			"scan":         {"scan", "--from-evidence", kindCPEvidence},
			"scan-empty":   {"scan", "--from-evidence", kindCPEvidence, "--control", "9.9.9"},
			"rbac":         {"rbac", "--from-snapshot", kindSnapshot},
			"rbac-no-fail": {"rbac", "--from-snapshot", kindSnapshot, "--status", "ERROR"},
		} {
			out, errOut, code := run(t, append(args, "-o", format)...)
			if code != ExitOK {
				t.Fatalf("%s -o %s: exit %d: %s", name, format, code, errOut)
			}
			t.Run(name+"-"+format, func(t *testing.T) { parsesAs(t, format, []byte(out)) })
		}
	}
	// Reports built in memory: empty, and only a target that failed.
	empty := report.NewReport(report.KindRBAC, report.Metadata{Benchmark: report.BenchmarkCIS112})
	errOnly := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: report.BenchmarkCIS112})
	errOnly.AddTarget(report.TargetReport{Name: "n1", Error: "pod did not start", Results: []report.Result{{ControlID: "4.2.1", Target: "n1", Status: report.StatusError, Reason: "pod did not start"}}})
	for _, r := range []*report.Report{empty, errOnly, sampleReport()} {
		for _, format := range []string{"json", "yaml", "junit", "sarif", "html", "asff"} {
			var out, errOut bytes.Buffer
			o := &ReportOptions{Format: format, ASFF: ASFFOptions{Account: "123456789012", Region: "eu-west-1"}}
			_ = o.Finish(r, &out, &errOut)
			parsesAs(t, format, out.Bytes())
		}
	}
}

func TestTableHintsGoToStderr(t *testing.T) {
	out, errOut, code := run(t, "scan", "--from-evidence", kindCPEvidence, "--control", "9.9.9")
	if code != ExitOK || strings.Contains(out, "No results.") || !strings.Contains(errOut, "No results.") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	var buf, ebuf bytes.Buffer
	if err := PrintReport(sampleReport(), PrintOptions{HideNA: true, ErrOut: &ebuf}, &buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "not shown") || !strings.Contains(ebuf.String(), "1 N/A result(s) not shown") {
		t.Errorf("stdout %q\nstderr %q", buf.String(), ebuf.String())
	}
	if !strings.Contains(buf.String(), "Benchmark: cis-1.12") {
		t.Errorf("the summary belongs to the table on stdout:\n%s", buf.String())
	}
}
