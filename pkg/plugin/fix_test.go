package plugin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
)

// TestFixFromEvidenceReport: scan --from-evidence, then fix from that
// report: the plan directory holds the node's scripts and PLAN.md;
// --apply without --yes refuses before anything is written; a non-empty
// directory is never overwritten.
func TestFixFromEvidenceReport(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := run(t, "scan", "--from-evidence", kindCPEvidence, "-o", "json")
	if code != ExitOK {
		t.Fatalf("scan exit %d: %s", code, errOut)
	}
	rep := filepath.Join(dir, "report.json")
	testutil.WriteFile(t, rep, out)
	plan := filepath.Join(dir, "plan")
	if _, errOut, code := run(t, "fix", "--from-report", rep, "-o", plan, "--apply", "node/harden-e2e-control-plane"); code == ExitOK || !strings.Contains(errOut, "without --yes") {
		t.Errorf("--apply without --yes: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(plan); err == nil {
		t.Errorf("a refused --apply wrote the plan")
	}
	out, errOut, code = run(t, "fix", "--from-report", rep, "-o", plan, "--level", "1")
	if code != ExitOK {
		t.Fatalf("fix exit %d: %s", code, errOut)
	}
	for _, f := range []string{"PLAN.md", "nodes/harden-e2e-control-plane/apply.sh", "nodes/harden-e2e-control-plane/rollback.sh", "durable/kubeadm/clusterconfiguration.yaml"} {
		fi, err := os.Stat(filepath.Join(plan, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if strings.HasSuffix(f, ".sh") && fi.Mode().Perm()&0o100 == 0 {
			t.Errorf("%s is not executable", f)
		}
	}
	if !strings.Contains(out, "fixed by the plan") {
		t.Errorf("stdout: %s", out)
	}
	if _, errOut, code := run(t, "fix", "--from-report", rep, "-o", plan); code == ExitOK || !strings.Contains(errOut, "not empty") {
		t.Errorf("a second plan into the same directory: exit %d, %s", code, errOut)
	}
	if _, errOut, code := run(t, "fix", "--from-report", rep, "-o", filepath.Join(dir, "p2"), "--status", "PASS"); code == ExitOK || !strings.Contains(errOut, "only FAIL and WARN") {
		t.Errorf("--status PASS: exit %d, %s", code, errOut)
	}
}
