package format

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/kubectl-harden/kubectl-harden/internal/formattest"
	"github.com/kubectl-harden/kubectl-harden/internal/golden"
	"github.com/kubectl-harden/kubectl-harden/internal/reportsample"
	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// render runs one format of the registry on doc.
func render(t *testing.T, output string, doc any, w Writer) string {
	t.Helper()
	f, err := NewSet(Names(Report | Diff | Document)).Lookup(output)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w.Out = &out
	if err := f.Print(doc, w); err != nil {
		t.Fatalf("-o %s: %v", output, err)
	}
	return out.String()
}

func TestPrintReportGolden(t *testing.T) {
	cases := []struct {
		name, format, ext string
		w                 Writer
	}{
		{"table", "", "txt", Writer{}},
		{"table-hide-na", "", "txt", Writer{HideNA: true}},
		{"wide", "wide", "txt", Writer{}},
		{"no-headers", "", "txt", Writer{NoHeaders: true}},
		{"json", "json", "json", Writer{HideNA: true}},
		{"yaml", "yaml", "yaml", Writer{}},
		{"junit", "junit", "xml", Writer{}},
		{"sarif", "sarif", "sarif.json", Writer{}},
		{"html", "html", "html", Writer{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := render(t, tc.format, reportsample.Report(), tc.w)
			golden.Assert(t, filepath.Join("testdata", "report-"+tc.name+"."+tc.ext+".golden"), []byte(out))
		})
	}
}

func TestPrintReportJSONRoundTrip(t *testing.T) {
	want := reportsample.Report()
	out := render(t, "json", want, Writer{})
	var got report.Report
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("output is not one valid report document: %v", err)
	}
	if dec.More() {
		t.Fatal("output holds more than one JSON document")
	}
	if diff := cmp.Diff(want, &got); diff != "" {
		t.Errorf("round trip differs (-want +got):\n%s", diff)
	}
	back, err := report.Decode(strings.NewReader(out))
	if err != nil || back.Summary != want.Summary {
		t.Errorf("the report does not read back: %v", err)
	}
}

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, mk := range registry {
		f := mk()
		if seen[f.Name()] || f.Help() == "" || f.Docs() == 0 {
			t.Errorf("format %q: duplicate, or no help, or prints nothing", f.Name())
		}
		seen[f.Name()] = true
		// A format with state (options, a template) is fresh per command.
		_, optioned := f.(Optioned)
		_, templated := f.(Templated)
		if (optioned || templated) && mk() == f {
			t.Errorf("%s: the registry hands out one shared instance", f.Name())
		}
	}
	for d, want := range map[Doc][]string{
		Report:   {"wide", "json", "yaml", "junit", "sarif", "asff", "html", "ckl", "jsonpath", "go-template"},
		Diff:     {"wide", "json", "yaml", "markdown", "jsonpath", "go-template"},
		Document: {"wide", "json", "yaml", "jsonpath", "go-template"},
	} {
		if got := Names(d); !cmp.Equal(got, want) {
			t.Errorf("Names(%d) = %v, want %v", d, got, want)
		}
	}
}

func TestLookup(t *testing.T) {
	tmpl := filepath.Join(t.TempDir(), "t.tmpl")
	testutil.WriteFile(t, tmpl, "{{.kind}}")
	reports := NewSet(Names(Report))
	for _, tc := range []struct {
		set    *Set
		output string
		want   string // format name, or "error:<substring>"
	}{
		{reports, "", ""},
		{reports, "JSON", "json"},
		{reports, "wide", "wide"},
		{reports, "ckl", "ckl"},
		{reports, "jsonpath={.kind}", "jsonpath"},
		{reports, "go-template-file=" + tmpl, "go-template"},
		{reports, "xml", "error:--output \"xml\" is not supported: use one of wide, json, yaml, junit, sarif, asff, html, ckl, jsonpath=..., jsonpath-file=..., go-template=..., go-template-file=..."},
		{reports, "markdown", "error:is not supported"},
		{reports, "jsonpath=", "error:--output jsonpath needs a template"},
		{reports, "json=x", "error:is not supported"},
		{reports, "json-file=x", "error:is not supported"},
		{reports, "=x", "error:is not supported"},
		{reports, "jsonpath={.kind", "error:--output jsonpath"},
		{reports, "go-template-file=/nonexistent", "error:--output go-template-file"},
		{NewSet(Names(Document)), "sarif", "error:use one of wide, json, yaml, jsonpath=..."},
		{NewSet(Names(Diff)), "markdown", "markdown"},
		{NewSet([]string{"yaml", "json"}), "wide", "error:use one of yaml, json"},
	} {
		f, err := tc.set.Lookup(tc.output)
		if want, isErr := strings.CutPrefix(tc.want, "error:"); isErr {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%q: error %v, want one containing %q", tc.output, err, want)
			}
			continue
		}
		if err != nil || f.Name() != tc.want {
			t.Errorf("%q: %v, %v; want %q", tc.output, f, err, tc.want)
		}
	}
}

// The options of -o asff are its own: registered hidden, listed under the
// format, and the spellings of earlier releases still work.
func TestFormatOptionsBelongToTheirFormat(t *testing.T) {
	t.Setenv("AWS_ACCOUNT_ID", "")
	t.Setenv("HARDEN_AWS_ACCOUNT_ID", "")
	s := NewSet(Names(Report))
	fs := pflag.NewFlagSet("scan", pflag.ContinueOnError)
	s.AddFlags(fs)
	visible := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			visible++
		}
	})
	if visible != 0 || fs.Lookup("asff-account") == nil || fs.Lookup("aws-account") == nil {
		t.Errorf("%d option flags in the command's flag list; asff-account %v, aws-account %v", visible, fs.Lookup("asff-account"), fs.Lookup("aws-account"))
	}
	help := s.OptionsHelp()
	testutil.Contains(t, "options help", help, "Options of -o asff", "--asff-account", "--asff-region", "--asff-cluster-arn", "--asff-include-pass", "--asff-dir")
	if strings.Contains(help, "--aws-account") || strings.Contains(help, "--cluster-arn ") {
		t.Errorf("options help shows the old spellings:\n%s", help)
	}
	if NewSet(Names(Document)).OptionsHelp() != "" {
		t.Error("a set without asff has options")
	}
	// The old spelling sets the same option.
	if err := fs.Parse([]string{"--aws-account", "123456789012", "--asff-region", "eu-west-1"}); err != nil {
		t.Fatal(err)
	}
	f, err := s.Lookup("asff")
	if err != nil {
		t.Fatalf("-o asff with the old --aws-account: %v", err)
	}
	if o := f.(*asffFormat).o; o.Account != "123456789012" || o.Region != "eu-west-1" {
		t.Errorf("options %+v", o)
	}
	// Another command's formats do not share the options.
	if _, err := NewSet(Names(Report)).Lookup("asff"); err == nil || !strings.Contains(err.Error(), "--asff-account") {
		t.Errorf("a fresh set sees another command's options: %v", err)
	}
}

// Every machine format is exactly one document, whatever the report holds:
// results, none, or only a target that could not be scanned.
func TestMachineFormatsAreOneDocument(t *testing.T) {
	t.Setenv("AWS_ACCOUNT_ID", "123456789012")
	t.Setenv("AWS_REGION", "eu-west-1")
	empty := report.NewReport(report.KindRBAC, report.Metadata{Benchmark: "stig-v2r6"})
	errOnly := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: "stig-v2r6"})
	errOnly.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: "n1", Error: "pod did not start", Results: []report.Result{{ControlID: "V-242387", Benchmark: "stig-v2r6", Target: "n1", Status: report.StatusError, Reason: "pod did not start"}}})
	stig := reportsample.Report()
	stig.Metadata.Benchmark = "stig-v2r6"
	for _, r := range []*report.Report{empty, errOnly, reportsample.Report(), stig} {
		for _, name := range []string{"json", "yaml", "junit", "sarif", "html", "asff", "ckl"} {
			if name == "ckl" && r.Metadata.Benchmark != "stig-v2r6" {
				continue
			}
			formattest.ParsesAs(t, name, []byte(render(t, name, r, Writer{})))
		}
	}
}

func TestTemplates(t *testing.T) {
	for _, tc := range []struct{ output, want string }{
		{"jsonpath={.kind} {.summary.fail}", "NodeScanReport 2"},
		{`jsonpath={range .targets[*]}{.kind}/{.name}={.summary.fail}{"\n"}{end}`, "node/cp-1=1\nnode/worker-1=1\nnode/worker-2=0\n"},
		{`go-template={{range .targets}}{{.name}} {{end}}`, "cp-1 worker-1 worker-2 "},
		{`jsonpath={.metadata.nosuchkey}`, ""},
	} {
		if got := render(t, tc.output, reportsample.Report(), Writer{}); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.output, got, tc.want)
		}
	}
	// A large count prints as kubectl prints the integers of the objects
	// it decodes, never in exponent form.
	big := reportsample.Report()
	big.Summary.Total = 1300000
	for _, output := range []string{"jsonpath={.summary.total}", "go-template={{.summary.total}}"} {
		if got := render(t, output, big, Writer{}); got != "1300000" {
			t.Errorf("%s: got %q, want 1300000", output, got)
		}
	}
}
