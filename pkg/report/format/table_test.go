package format

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kubectl-harden/kubectl-harden/internal/reportsample"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// hostile is text a hostile node can put in evidence, reasons, pod
// messages and log tails: terminal escapes (7-bit and raw 8-bit CSI),
// invalid UTF-8, a bidirectional override, newlines that would forge a
// table row, markup.
const hostile = "x\x1b]0;pwned\x07\x1b[2J\x9b31m\xff\u202egnp.exe\nFAKE ROW PASS | <b>*_[a]_*</b>"

func hostileReport() *report.Report {
	r := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: report.BenchmarkCIS112, BenchmarkReason: hostile})
	c := report.Control{ID: "1.2.1", Title: hostile, Section: "1.2", Benchmark: report.BenchmarkCIS112, Level: 1, Remediation: hostile}
	r.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: "n" + hostile, Results: []report.Result{
		report.NewResult(c, "n", report.Outcome{Status: report.StatusFail, Reason: hostile, Evidence: []report.Observation{{Location: hostile, Value: hostile}}}),
	}})
	r.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: "down", Error: "pod message: " + hostile, Results: []report.Result{
		report.NewResult(c, "down", report.Outcome{Status: report.StatusError, Reason: hostile}),
	}})
	return r
}

// inert fails when out holds a byte or character that acts on a terminal.
func inert(t *testing.T, what, out string) {
	t.Helper()
	if !strings.Contains(out, "pwned") {
		t.Fatalf("%s: the hostile text is not shown at all:\n%s", what, out)
	}
	for _, bad := range []string{"\x1b", "\x07", "\x9b", "\xff", "\u202e"} {
		if strings.Contains(out, bad) {
			t.Errorf("%s: %q reached the output:\n%q", what, bad, out)
		}
	}
	if !utf8.ValidString(out) {
		t.Errorf("%s: invalid UTF-8 in the output", what)
	}
}

// Every human format keeps node text inert, including the per-target
// error line under the summary.
func TestHostileTextIsInertInHumanFormats(t *testing.T) {
	for _, w := range []Writer{{}, {NoHeaders: true}} {
		for _, name := range []string{"", "wide"} {
			out := render(t, name, hostileReport(), w)
			inert(t, fmt.Sprintf("-o %q no-headers=%v", name, w.NoHeaders), out)
			if name == "wide" && strings.Contains(out, "\nFAKE ROW") {
				t.Errorf("a newline in node text forged a table row:\n%s", out)
			}
		}
	}
	if out := render(t, "", hostileReport(), Writer{}); !strings.Contains(out, "node/down: pod message: x") {
		t.Errorf("the error line of the failed target is missing:\n%s", out)
	}
	d := report.Compare(report.NewReport(report.KindNodeScan, report.Metadata{}), hostileReport())
	for _, name := range []string{"", "wide", "markdown"} {
		out := render(t, name, d, Writer{})
		inert(t, "diff -o "+name, out)
		if name == "markdown" && (strings.Contains(out, "<b>") || strings.Contains(out, "\nFAKE")) {
			t.Errorf("markdown not escaped:\n%s", out)
		}
	}
}

// A STIG rule has a category instead of a level: the table shows it.
func TestResultTableShowsSTIGCategory(t *testing.T) {
	r := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: "stig-v2r6"})
	r.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: "n1", Results: []report.Result{
		{ControlID: "V-242387", Title: "kubelet read-only port is off", Benchmark: "stig-v2r6", Severity: "CAT I", Target: "n1", Status: report.StatusFail, Reason: "r"},
		{ControlID: "4.2.4", Title: "read-only port", Benchmark: report.BenchmarkCIS112, Level: 1, Target: "n1", Status: report.StatusPass, Reason: "r"},
	}})
	lines := strings.Split(render(t, "", r, Writer{}), "\n")
	if len(lines) < 3 || !strings.Contains(lines[1], "CAT I ") || !strings.Contains(lines[2], " 1 ") {
		t.Errorf("table:\n%s", strings.Join(lines, "\n"))
	}
}

// -o wide keeps a row readable: long evidence, reasons and remediation are
// shortened, and the full text stays in -o json.
func TestWideShortensLongText(t *testing.T) {
	var ev []report.Observation
	for i := range 24 {
		ev = append(ev, report.Observation{Location: fmt.Sprintf("/etc/kubernetes/pki/etcd/file-%02d.crt", i), Value: "0644 root:root (0:0) " + strings.Repeat("x", 20)})
	}
	ciphers := strings.Repeat("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,", 12)
	r := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: report.BenchmarkCIS112})
	c := report.Control{ID: "1.1.19", Title: "PKI files are owned by root", Section: "1.1", Benchmark: report.BenchmarkCIS112, Level: 1, Remediation: "Set --tls-cipher-suites=" + ciphers}
	r.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: "cp", Results: []report.Result{
		report.NewResult(c, "cp", report.Outcome{Status: report.StatusFail, Reason: "reason " + ciphers, Evidence: ev}),
	}})
	out := render(t, "wide", r, Writer{NoHeaders: true})
	if n := utf8.RuneCountInString(strings.TrimSpace(out)); n > 700 {
		t.Errorf("a row of %d characters:\n%s", n, out)
	}
	if !strings.Contains(out, "… 2") || !strings.Contains(out, "more (-o json shows all)") {
		t.Errorf("the cut is not said:\n%s", out)
	}
	var full bytes.Buffer
	if err := (jsonFormat{}).Print(r, Writer{Out: &full}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(full.String(), "file-23.crt") || !strings.Contains(full.String(), ciphers) {
		t.Error("-o json lost the full text")
	}
}

func TestTableHintsGoToErrOut(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := (&tableFormat{}).Print(reportsample.Report(), Writer{Out: &out, ErrOut: &errOut, HideNA: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "not shown") || !strings.Contains(errOut.String(), "1 N/A result(s) not shown") {
		t.Errorf("stdout %q\nstderr %q", out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "Benchmark: cis-1.12") {
		t.Errorf("the summary belongs to the table on stdout:\n%s", out.String())
	}
	out.Reset()
	errOut.Reset()
	if err := (&tableFormat{}).Print(report.NewReport(report.KindRBAC, report.Metadata{}), Writer{Out: &out, ErrOut: &errOut}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "No results.") || strings.Contains(out.String(), "No results.") {
		t.Errorf("stdout %q stderr %q", out.String(), errOut.String())
	}
}
