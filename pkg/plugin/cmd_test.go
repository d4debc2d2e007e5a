package plugin

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/report/format"
	"github.com/kubectl-harden/kubectl-harden/pkg/workloads"
)

const (
	kindCPEvidence = "../evidence/testdata/kind-control-plane.json"
	kindSnapshot   = "../rbac/testdata/kind-1.34-snapshot.json"
)

// run executes the root command with args, as main does, and returns
// stdout, stderr and the exit code. A kubeconfig that points nowhere makes
// sure no test reaches a real cluster by accident.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	cmd := NewCmdHarden(streams)
	kubeconfig := filepath.Join(t.TempDir(), "missing-kubeconfig")
	cmd.SetArgs(append([]string{"--kubeconfig", kubeconfig}, args...))
	err := cmd.Execute()
	if err != nil {
		errOut.WriteString("error: " + err.Error() + "\n")
	}
	return out.String(), errOut.String(), ExitCode(err)
}

func TestRootHelpShowsKubectlHarden(t *testing.T) {
	out, _, code := run(t, "--help")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	testutil.Contains(t, "help", out, "kubectl harden [command]", "scan", "rbac", "controls", "cleanup", "version", "completion", "Exit codes:", "--kubeconfig", "--context")
}

func TestVersion(t *testing.T) {
	out, _, code := run(t, "version", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var info map[string]string
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if info["version"] == "" || info["goVersion"] == "" {
		t.Errorf("missing fields: %v", info)
	}
	if _, errOut, code := run(t, "version", "-o", "xml"); code != ExitError || !strings.Contains(errOut, `--output "xml"`) {
		t.Errorf("bad -o: exit %d, %q", code, errOut)
	}
}

func TestCompletionBash(t *testing.T) {
	out, _, code := run(t, "completion", "bash")
	if code != ExitOK || !strings.Contains(out, "bash completion V2") {
		t.Fatalf("exit %d, output %.200q", code, out)
	}
	if _, _, code := run(t, "completion", "tcsh"); code != ExitError {
		t.Errorf("unknown shell: exit %d", code)
	}
}

func TestControls(t *testing.T) {
	cis, _ := benchmarks.Lookup("cis-1.12")
	count := func(keep func(benchmarks.Control) bool) int {
		n := 0
		for _, c := range cis.Controls {
			if keep(c) {
				n++
			}
		}
		return n
	}
	own := len(checks.OwnCatalog()) + len(rbac.OwnCatalog()) + len(workloads.OwnCatalog())
	cases := []struct {
		args       []string
		want       int
		everyMatch func(report.Control) bool
	}{
		{[]string{"--benchmark", "cis-1.12"}, len(cis.Controls), func(c report.Control) bool { return c.Benchmark == "cis-1.12" }},
		{[]string{"--benchmark", "harden"}, own, func(c report.Control) bool { return strings.HasPrefix(c.ID, "KH-") }},
		{[]string{"--benchmark", "cis-1.12", "--section", "1.2"}, count(func(c benchmarks.Control) bool { return strings.HasPrefix(c.ID, "1.2.") }),
			func(c report.Control) bool { return strings.HasPrefix(c.ID, "1.2.") }},
		{[]string{"--benchmark", "cis-1.12", "--section", "4", "--level", "1"}, count(func(c benchmarks.Control) bool { return c.Level == 1 && strings.HasPrefix(c.ID, "4.") }),
			func(c report.Control) bool { return c.Level == 1 && strings.HasPrefix(c.ID, "4.") }},
		{[]string{"--benchmark", "cis-1.12", "--section", "5.1"}, count(func(c benchmarks.Control) bool { return strings.HasPrefix(c.ID, "5.1.") }),
			func(c report.Control) bool { return c.Role == report.RoleCluster && c.Engine == benchmarks.EngineRBAC }},
		{[]string{"--benchmark", "cis-1.12", "--section", "5.2"}, count(func(c benchmarks.Control) bool { return strings.HasPrefix(c.ID, "5.2.") }),
			func(c report.Control) bool {
				return c.Role == report.RoleCluster && c.Engine == benchmarks.EngineWorkloads
			}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, code := run(t, append([]string{"controls", "-o", "json"}, tc.args...)...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var list format.ControlList
			if err := json.Unmarshal([]byte(out), &list); err != nil {
				t.Fatal(err)
			}
			if n := len(list.Items); n != tc.want || n == 0 {
				t.Errorf("%d controls, want %d", n, tc.want)
			}
			for _, c := range list.Items {
				if tc.everyMatch != nil && !tc.everyMatch(c) {
					t.Errorf("control %s does not match the filter", c.ID)
				}
			}
		})
	}
	out, _, _ := run(t, "controls", "-o", "json")
	var bl format.BenchmarkList
	if err := json.Unmarshal([]byte(out), &bl); err != nil || bl.Kind != "BenchmarkList" || len(bl.Items) != len(benchmarks.All()) {
		t.Errorf("controls -o json without --benchmark: %v %+v", err, bl)
	}
	out, _, _ = run(t, "controls")
	if !strings.HasPrefix(out, "BENCHMARK ") || !strings.Contains(out, "cis-1.12") || !strings.Contains(out, "1.32-1.34") {
		t.Errorf("table:\n%.400s", out)
	}
	if _, errOut, code := run(t, "controls", "--benchmark", "cis-9"); code != ExitError || !strings.Contains(errOut, "--benchmark") {
		t.Errorf("unknown benchmark: exit %d %q", code, errOut)
	}
}

func TestScanFromEvidence(t *testing.T) {
	out, errOut, code := run(t, "scan", "--from-evidence", kindCPEvidence, "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decode(t, out)
	if r.Kind != report.KindNodeScan || r.APIVersion != report.ReportAPIVersion || len(r.Targets) != 1 {
		t.Fatalf("report %s/%s with %d targets", r.APIVersion, r.Kind, len(r.Targets))
	}
	status := map[string]report.Status{}
	for _, res := range r.Targets[0].Results {
		status[res.ControlID] = res.Status
	}
	// kind's kubeadm defaults: profiling on, data dir root:root, kubelet anonymous auth off.
	for id, want := range map[string]report.Status{"1.2.15": report.StatusFail, "1.1.12": report.StatusFail, "4.2.1": report.StatusPass, "1.1.1": report.StatusPass} {
		if status[id] != want {
			t.Errorf("%s: %s, want %s", id, status[id], want)
		}
	}
	if r.Metadata.Benchmark != benchmarks.Default("").ID || !strings.HasPrefix(r.Metadata.Source, "evidence:") {
		t.Errorf("metadata %+v", r.Metadata)
	}
}

func TestScanFiltersAndExitCodes(t *testing.T) {
	out, _, code := run(t, "scan", "--from-evidence", kindCPEvidence, "--status", "FAIL", "--control", "1.2.*", "--no-headers")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || !strings.HasPrefix(f[1], "1.2.") || f[2] != "FAIL" {
			t.Errorf("row not filtered: %q", line)
		}
	}
	if _, errOut, code := run(t, "scan", "--from-evidence", kindCPEvidence, "--fail-on", "FAIL", "-o", "json"); code != ExitFindings || !strings.Contains(errOut, "--fail-on=FAIL") {
		t.Errorf("--fail-on FAIL: exit %d, %q", code, errOut)
	}
	if _, _, code := run(t, "scan", "--from-evidence", kindCPEvidence, "--fail-on", "FAIL", "--control", "1.1.1"); code != ExitOK {
		t.Errorf("--fail-on with only passing results: exit %d", code)
	}
	if out, _, code := run(t, "scan", "--from-evidence", kindCPEvidence, "--level", "1", "-o", "json"); code != ExitOK || strings.Contains(out, `"level": 2`) {
		t.Errorf("--level 1 kept level-2 controls (exit %d)", code)
	}
}

func TestScanFlagErrors(t *testing.T) {
	cases := map[string][]string{
		"name the nodes":          {"scan"},
		"--status":                {"scan", "--from-evidence", kindCPEvidence, "--status", "BAD"},
		"--fail-on":               {"scan", "--from-evidence", kindCPEvidence, "--fail-on", "INFO"},
		"--level must be 1 or 2":  {"scan", "--from-evidence", kindCPEvidence, "--level", "3"},
		"not a valid glob":        {"scan", "--from-evidence", kindCPEvidence, "--control", "[1"},
		"--output":                {"scan", "--from-evidence", kindCPEvidence, "-o", "csv"},
		"--from-evidence":         {"scan", "--from-evidence", filepath.Join(os.TempDir(), "no-such-evidence-dir")},
		"do not name nodes":       {"scan", "--from-evidence", kindCPEvidence, "node/a"},
		"--benchmark":             {"scan", "--from-evidence", kindCPEvidence, "--benchmark", "cis-0.1"},
		"--parallel must be":      {"scan", "--from-evidence", kindCPEvidence, "--parallel", "0"},
		"--dry-run=server is not": {"scan", "--from-evidence", kindCPEvidence, "--dry-run=server"},
	}
	for want, args := range cases {
		t.Run(want, func(t *testing.T) {
			_, errOut, code := run(t, args...)
			if code != ExitError || !strings.Contains(errOut, want) {
				t.Errorf("exit %d, stderr %q, want exit %d and %q", code, errOut, ExitError, want)
			}
		})
	}
}

func TestRBACFromSnapshot(t *testing.T) {
	out, errOut, code := run(t, "rbac", "--from-snapshot", kindSnapshot, "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decode(t, out)
	if r.Kind != report.KindRBAC || r.Summary.Fail != 0 || r.Summary.Total < 17 {
		t.Errorf("default kind cluster: kind %s, summary %+v", r.Kind, r.Summary)
	}
	if _, _, code := run(t, "rbac", "--from-snapshot", kindSnapshot, "--fail-on", "WARN"); code != ExitFindings {
		t.Errorf("--fail-on WARN on a default cluster (5.1.5 WARN): exit %d", code)
	}
}

func TestWhoCanAndSubjectFromSnapshot(t *testing.T) {
	out, errOut, code := run(t, "rbac", "who-can", "get", "secrets", "-n", "kube-system", "--from-snapshot", kindSnapshot, "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var wc rbac.WhoCanResult
	if err := json.Unmarshal([]byte(out), &wc); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, g := range wc.Grants {
		found[g.Subject.Kind+" "+g.Subject.Name] = true
	}
	if !found["Group system:masters"] || !found["Group kubeadm:cluster-admins"] {
		t.Errorf("who can get secrets in kube-system: %v", found)
	}
	table, _, _ := run(t, "rbac", "who-can", "get", "secrets", "-n", "kube-system", "--from-snapshot", kindSnapshot)
	if !strings.HasPrefix(table, "KIND ") || !strings.Contains(table, "clusterrolebinding/") {
		t.Errorf("table:\n%s", table)
	}
	out, errOut, code = run(t, "rbac", "subject", "serviceaccount/kube-system:coredns", "--from-snapshot", kindSnapshot, "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var sp rbac.SubjectPermissions
	if err := json.Unmarshal([]byte(out), &sp); err != nil {
		t.Fatal(err)
	}
	if len(sp.Rules) == 0 || !strings.Contains(out, "endpointslices") {
		t.Errorf("coredns permissions: %s", out)
	}
	if _, errOut, code := run(t, "rbac", "subject", "robot/x", "--from-snapshot", kindSnapshot); code != ExitError || errOut == "" {
		t.Errorf("bad subject kind: exit %d %q", code, errOut)
	}
}

func TestScanWithoutClusterFailsClearly(t *testing.T) {
	_, errOut, code := run(t, "scan", "node/a")
	if code != ExitError || errOut == "" {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestOutputGoesToStdoutOnly(t *testing.T) {
	out, errOut, code := run(t, "scan", "--from-evidence", kindCPEvidence, "-o", "yaml")
	if code != ExitOK || errOut != "" || !bytes.HasPrefix([]byte(out), []byte("apiVersion: harden.kubectl.io/v1alpha1")) {
		t.Errorf("exit %d, stderr %q, stdout starts %.60q", code, errOut, out)
	}
}

// TestFlagValueNames walks every command's flags: pflag takes the first
// `quoted` word of a usage as the value's name in help (--from-report
// FILE), so a command quoted in a usage would read as
// "--benchmark kubectl harden controls".
func TestFlagValueNames(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		// LocalFlags holds the command's own flags, persistent ones too.
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			n++
			if name, _ := pflag.UnquoteUsage(f); strings.ContainsAny(name, " \t") {
				t.Errorf("%s --%s: help shows the value as %q", c.CommandPath(), f.Name, name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewCmdHarden(streams))
	if n < 100 {
		t.Fatalf("only %d flags walked: the command tree was not walked", n)
	}
}
