package plugin

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/internal/reportsample"
	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/report/format"
)

// diffFiles writes the sample report and a changed copy of it: 1.2.15 is
// fixed, 1.2.20 goes WARN->FAIL, worker-1 4.2.1 stays FAIL, worker-2 is gone
// and worker-3 (with a FAIL) is new.
func diffFiles(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	old := reportsample.Report()
	cur := reportsample.Report()
	cur.Targets[0].Results[1].Status = report.StatusPass
	cur.Targets[0].Results[2].Status = report.StatusFail
	cur.Targets = cur.Targets[:2]
	cur.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: "worker-3", Results: []report.Result{{ControlID: "4.2.1", Title: "Kubelet anonymous authentication is disabled", Target: "worker-3", Status: report.StatusFail}}})
	write := func(name string, r *report.Report, asYAML bool) string {
		var buf bytes.Buffer
		output := "json"
		if asYAML {
			output = "yaml"
		}
		pr, err := (&OutputFlags{Output: output}).ToPrinter()
		if err != nil {
			t.Fatal(err)
		}
		if err := pr.Print(r, format.Writer{Out: &buf}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("old.json", old, false), write("new.yaml", cur, true)
}

func TestDiffCommand(t *testing.T) {
	oldPath, newPath := diffFiles(t)
	out, errOut, code := run(t, "diff", oldPath, newPath)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	testutil.Contains(t, "table", out,
		"CHANGE", "target-added     node/worker-3", "target-removed   node/worker-2",
		"new              node/worker-3   4.2.1     -      FAIL", "fixed            node/cp-1       1.2.15    FAIL   PASS", "changed          node/cp-1       1.2.20    WARN   FAIL",
	)
	out, _, code = run(t, "diff", oldPath, newPath, "-o", "json")
	var d report.Diff
	if err := json.Unmarshal([]byte(out), &d); err != nil || code != ExitOK {
		t.Fatalf("json: %v exit %d\n%s", err, code, out)
	}
	if d.Kind != report.KindReportDiff || len(d.NewFindings) != 1 || len(d.FixedFindings) != 1 || len(d.Changed) != 1 || d.Old.File != oldPath {
		t.Errorf("json diff: %+v", d)
	}
	out, _, _ = run(t, "diff", oldPath, newPath, "-o", "yaml")
	if err := yaml.Unmarshal([]byte(out), &d); err != nil || d.Kind != report.KindReportDiff {
		t.Errorf("yaml: %v", err)
	}
	out, _, _ = run(t, "diff", oldPath, newPath, "-o", "markdown")
	testutil.Contains(t, "markdown", out, "### kubectl-harden diff", "| new findings | 1 |", "#### Fixed findings", "| node/cp-1 | 1.2.15 |  | FAIL | PASS |", "- node/worker-3: 1 result(s), 1 FAIL/WARN")
	out, _, _ = run(t, "diff", oldPath, newPath, "-o", "jsonpath={.newFindings[*].target}")
	if out != "worker-3" {
		t.Errorf("jsonpath: %q", out)
	}

	// --fail-on-new: worker-3's FAIL and 1.2.20 WARN->FAIL regress.
	_, errOut, code = run(t, "diff", oldPath, newPath, "--fail-on-new", "FAIL")
	if code != ExitFindings || !strings.Contains(errOut, "2 finding(s) at or above --fail-on-new=FAIL") {
		t.Errorf("--fail-on-new FAIL: exit %d %q", code, errOut)
	}
	if _, _, code := run(t, "diff", newPath, newPath, "--fail-on-new", "WARN"); code != ExitOK {
		t.Errorf("no change: exit %d", code)
	}
	if _, errOut, code := run(t, "diff", newPath, newPath); code != ExitOK || !strings.Contains(errOut, "No differences.") {
		t.Errorf("no change: exit %d %q", code, errOut)
	}
	// Errors name the flag or the file.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"diff", oldPath, newPath, "--fail-on-new", "PASS"}, "--fail-on-new \"PASS\" is not supported"},
		{[]string{"diff", oldPath, newPath, "-o", "html"}, "--output \"html\" is not supported: use one of wide, json, yaml, markdown"},
		{[]string{"diff", oldPath, filepath.Join(t.TempDir(), "missing.json")}, "missing.json"},
		{[]string{"diff", oldPath}, "needs OLD.json and NEW.json: missing NEW.json"},
	} {
		if _, errOut, code := run(t, tc.args...); code != ExitError || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}
