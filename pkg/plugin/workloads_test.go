package plugin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

const workloadSnapshot = "../workloads/testdata/snapshot.json"

func TestWorkloadsFromSnapshot(t *testing.T) {
	out, errOut, code := run(t, "workloads", "--from-snapshot", workloadSnapshot, "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decode(t, out)
	if r.Kind != report.KindWorkloads || len(r.Targets) != 1 || r.Targets[0].Name != "workloads" || len(r.Targets[0].Results) != 21 {
		t.Fatalf("kind %s, targets %+v", r.Kind, r.Targets)
	}
	if r.Summary.Fail == 0 || r.Metadata.Source != "snapshot:"+workloadSnapshot {
		t.Errorf("summary %+v source %q", r.Summary, r.Metadata.Source)
	}

	// The alias, filters and --fail-on as in scan and rbac.
	out, _, code = run(t, "policies", "--from-snapshot", workloadSnapshot, "--control", "5.4.1", "-o", "wide", "--fail-on", "FAIL")
	if code != ExitFindings || !strings.Contains(out, "statefulset/risky/db spec.containers[app].env[PGPASSWORD]") || strings.Contains(out, "5.2.2") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	out, _, code = run(t, "workloads", "--from-snapshot", workloadSnapshot, "--status", "INFO")
	if code != ExitOK || !strings.Contains(out, "5.6.1") || strings.Contains(out, "5.2.2") {
		t.Errorf("--status INFO: exit %d\n%s", code, out)
	}
}

func TestWorkloadsFlagErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"workloads", "-n", "prod", "-A"}, "cannot be used together"},
		{[]string{"workloads", "--from-snapshot", workloadSnapshot, "--save-snapshot", filepath.Join(dir, "x")}, "cannot be used together"},
		{[]string{"workloads", "--from-snapshot", kindSnapshot}, `is not WorkloadSnapshot`},
		{[]string{"workloads", "--from-snapshot", filepath.Join(dir, "missing.json")}, "--from-snapshot"},
		{[]string{"workloads", "-o", "xml"}, `--output "xml"`},
	}
	for _, tc := range cases {
		_, errOut, code := run(t, tc.args...)
		if code != ExitError || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := run(t, "workloads", "--from-snapshot", bad); code != ExitError || !strings.Contains(errOut, "not a workload snapshot") {
		t.Errorf("bad JSON: exit %d %q", code, errOut)
	}
}

func TestWorkloadsWithoutClusterFailsClearly(t *testing.T) {
	_, errOut, code := run(t, "workloads")
	if code != ExitError || errOut == "" {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestWorkloadsRejectsNonSnapshots: a document that only names the kind is
// an error (exit 1), never 18 PASS.
func TestWorkloadsRejectsNonSnapshots(t *testing.T) {
	dir := t.TempDir()
	for name, doc := range map[string]string{"kind-only": `{"kind":"WorkloadSnapshot"}`, "null": `null`,
		"no-lists": `{"kind":"WorkloadSnapshot","apiVersion":"harden.kubectl.io/v1alpha1","collected":"2026-01-02T03:04:05Z"}`} {
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := run(t, "workloads", "--from-snapshot", path)
		if code == ExitOK || !strings.Contains(errOut, "snapshot") || strings.Contains(out, "PASS") {
			t.Errorf("workloads --from-snapshot %s: exit %d\nstdout: %s\nstderr: %s", doc, code, out, errOut)
		}
	}
}
