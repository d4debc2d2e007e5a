package plugin

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-harden/kubectl-harden/internal/formattest"
	goldenfile "github.com/kubectl-harden/kubectl-harden/internal/golden"
	"github.com/kubectl-harden/kubectl-harden/internal/reportsample"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/report/format"
)

// golden compares got with testdata/name (-update rewrites it and prints
// the diff).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Assert(t, filepath.Join("testdata", name), got)
}

// TestOutputFlagsValidation: -o is looked up among the formats the
// command offers (the report formats by default) and a chosen format's own
// options are validated; how a value is parsed is format.Set's, tested
// there.
func TestOutputFlagsValidation(t *testing.T) {
	cases := []struct {
		formats []string
		output  string
		want    string // format, or "error:<substring>"
	}{
		{nil, "", ""},
		{nil, "html", "html"},
		{nil, "asff", "error:--asff-account"},
		{nil, "xml", "error:--output \"xml\" is not supported: use one of wide, json, yaml, junit, sarif, asff, html, ckl, jsonpath=..."},
		{documentFormats, "sarif", "error:use one of wide, json, yaml, jsonpath=..."},
		{documentFormats, "go-template={{.kind}}", "go-template"},
		{diffFormats, "markdown", "markdown"},
		{[]string{"yaml", "json"}, "wide", "error:use one of yaml, json"},
	}
	t.Setenv("AWS_ACCOUNT_ID", "")
	t.Setenv("HARDEN_AWS_ACCOUNT_ID", "")
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
	out, errOut, code := run(t, "controls", "--benchmark", "harden", "-o", "jsonpath={.kind}")
	if code != ExitOK || out != "ControlList" {
		t.Errorf("controls -o jsonpath: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, _, code = run(t, "rbac", "subject", "serviceaccount/kube-system:coredns", "--from-snapshot", kindSnapshot, "-o", "go-template={{.kind}}")
	if code != ExitOK || out != "SubjectPermissions" {
		t.Errorf("subject -o go-template: exit %d, stdout %q", code, out)
	}
	out, _, code = run(t, "scan", "--from-evidence", kindCPEvidence, "-o", `jsonpath={.targets[0].kind}/{.targets[0].name}`)
	if code != ExitOK || out != "node/harden-e2e-control-plane" {
		t.Errorf("scan -o jsonpath: exit %d, stdout %q", code, out)
	}
	if _, errOut, code := run(t, "controls", "-o", "sarif"); code != ExitError || !strings.Contains(errOut, "--output \"sarif\" is not supported: use one of wide, json, yaml") {
		t.Errorf("controls -o sarif: exit %d, %q", code, errOut)
	}
}

// TestMachineFormatsStdoutParses runs every machine format through the
// command, with reports that have results, none at all (filters remove
// everything), and checks stdout is exactly one document of that format.
func TestMachineFormatsStdoutParses(t *testing.T) {
	t.Setenv("AWS_ACCOUNT_ID", "123456789012")
	t.Setenv("AWS_REGION", "eu-west-1")
	for _, name := range []string{"json", "yaml", "junit", "sarif", "html", "asff", "ckl"} {
		for what, args := range map[string][]string{
			"scan":         {"scan", "--from-evidence", kindCPEvidence},
			"scan-empty":   {"scan", "--from-evidence", kindCPEvidence, "--control", "9.9.9"},
			"rbac":         {"rbac", "--from-snapshot", kindSnapshot},
			"rbac-no-fail": {"rbac", "--from-snapshot", kindSnapshot, "--status", "ERROR"},
			"workloads":    {"workloads", "--from-snapshot", workloadSnapshot},
		} {
			if name == "ckl" {
				args = append(args, "--benchmark", "stig")
			}
			out, errOut, code := run(t, append(args, "-o", name)...)
			if code != ExitOK {
				t.Fatalf("%s -o %s: exit %d: %s", what, name, code, errOut)
			}
			t.Run(what+"-"+name, func(t *testing.T) { formattest.ParsesAs(t, name, []byte(out)) })
		}
	}
	// A checklist needs the STIG, and says so before printing anything.
	if out, errOut, code := run(t, "scan", "--from-evidence", kindCPEvidence, "-o", "ckl"); code != ExitError || out != "" || !strings.Contains(errOut, "--benchmark stig") {
		t.Errorf("-o ckl without the STIG: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestTableHintsGoToStderr(t *testing.T) {
	out, errOut, code := run(t, "scan", "--from-evidence", kindCPEvidence, "--control", "9.9.9")
	if code != ExitOK || strings.Contains(out, "No results.") || !strings.Contains(errOut, "No results.") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	var buf, ebuf bytes.Buffer
	o := &ReportOptions{}
	_ = o.Finish(reportsample.Report(), &buf, &ebuf)
	if strings.Contains(buf.String(), "not shown") || !strings.Contains(ebuf.String(), "1 N/A result(s) not shown") {
		t.Errorf("stdout %q\nstderr %q", buf.String(), ebuf.String())
	}
}

// The options of -o asff are listed under the format in help, not among
// the command's flags, and both their names and the old ones work.
func TestASFFOptionsInHelpAndFlags(t *testing.T) {
	for _, v := range []string{"AWS_ACCOUNT_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "HARDEN_AWS_ACCOUNT_ID", "HARDEN_AWS_REGION", "HARDEN_CLUSTER_ARN"} {
		t.Setenv(v, "")
	}
	help, _, _ := run(t, "scan", "--help")
	flags := help[strings.Index(help, "\nFlags:"):]
	options := help[strings.Index(help, "Options of -o asff"):]
	for _, name := range []string{"--asff-account", "--asff-region", "--asff-cluster-arn", "--asff-include-pass", "--asff-dir", "--aws-account", "--cluster-arn"} {
		if strings.Contains(flags, name) {
			t.Errorf("%s is in the command's flag list", name)
		}
	}
	for _, name := range []string{"--asff-account", "--asff-region", "--asff-cluster-arn", "--asff-include-pass", "--asff-dir"} {
		if !strings.Contains(options, name) {
			t.Errorf("%s is not listed under -o asff", name)
		}
	}
	if _, errOut, code := run(t, "scan", "--from-evidence", kindCPEvidence, "-o", "asff"); code != ExitError || !strings.Contains(errOut, "--asff-account") {
		t.Errorf("-o asff without an account: exit %d %q", code, errOut)
	}
	for _, args := range [][]string{
		{"--asff-account", "123456789012", "--asff-region", "eu-west-1", "--asff-cluster-arn", "arn:aws:eks:eu-west-1:123456789012:cluster/x"},
		{"--aws-account", "123456789012", "--aws-region", "eu-west-1", "--cluster-arn", "arn:aws:eks:eu-west-1:123456789012:cluster/x"},
	} {
		out, errOut, code := run(t, append([]string{"rbac", "--from-snapshot", kindSnapshot, "-o", "asff"}, args...)...)
		if code != ExitOK || !strings.Contains(out, `"AwsEksCluster"`) {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
}

// The scan records the node's provider ID in the target, where -o asff
// finds it: a node with an AWS provider ID becomes an AwsEc2Instance
// resource.
func TestScanRecordsProviderID(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "ip-10-0-1-5"}, Spec: corev1.NodeSpec{ProviderID: "aws:///eu-west-1b/i-0123456789abcdef0"}}
	tg := withProviderID(report.TargetReport{Kind: report.TargetNode, Name: n.Name, Results: []report.Result{{ControlID: "3.2.4", Target: n.Name, Status: report.StatusFail, Title: "t", Reason: "r"}}}, n)
	if tg.ProviderID != n.Spec.ProviderID || len(tg.Notes) != 0 {
		t.Fatalf("target %+v", tg)
	}
	r := report.NewReport(report.KindNodeScan, report.Metadata{})
	r.AddTarget(tg)
	fs := format.ASFFFindings(r, format.ASFFOptions{Account: "123456789012", Region: "eu-west-1"})
	if len(fs) != 1 || fs[0].Resources[0].Type != "AwsEc2Instance" || fs[0].Resources[0].ID != "arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0" {
		t.Errorf("resource of a node with an AWS provider ID: %+v", fs)
	}
}
