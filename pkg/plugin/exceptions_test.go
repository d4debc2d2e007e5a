package plugin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

const workloadsSnapshot = "../workloads/testdata/snapshot.json"

// writeExceptions writes an exceptions file with the given entries.
func writeExceptions(t *testing.T, entries string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "exceptions.yaml")
	if err := os.WriteFile(p, []byte("apiVersion: kubectl-harden.io/v1\nkind: Exceptions\nexceptions:\n"+entries), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func decodeReport(t *testing.T, out string) *report.Report {
	t.Helper()
	r, err := report.Decode(strings.NewReader(out))
	if err != nil {
		t.Fatalf("not a report: %v\n%.500s", err, out)
	}
	return r
}

func resultOf(r *report.Report, id string) report.Result {
	for _, t := range r.Targets {
		for _, res := range t.Results {
			if res.ControlID == id {
				return res
			}
		}
	}
	return report.Result{}
}

func auditState(r *report.Report, source string) string {
	if r.Metadata.Exceptions == nil {
		return "<no audit>"
	}
	for _, e := range r.Metadata.Exceptions.Entries {
		if strings.HasSuffix(e.Source, source) {
			return e.State
		}
	}
	return "<none>"
}

// On kind's control-plane evidence 1.1.12 (etcd data directory owner)
// fails: the case the exceptions file exists for.
func TestScanExceptionsGate(t *testing.T) {
	soon := time.Now().UTC().AddDate(0, 0, 5).Format("2006-01-02")
	ex := writeExceptions(t, `- controls: ["1.1.12"]
  targets: ["*-control-plane"]
  reason: "etcd runs as root on kind; tracked in OPS-123"
  owner: platform-team
  expires: `+soon+`
- controls: ["1.2.16"]
  reason: "audit logs are shipped by the platform"
  expires: 2020-01-01
- controls: ["1.1.*"]
  targets: ["*-worker"]
  reason: "not on this node"
- controls: ["V-242387"]
  reason: "a STIG rule; this scan runs CIS"
`)
	// Without exceptions, 1.1.12 trips the gate.
	if _, _, code := run(t, "scan", "--from-evidence", kindCPEvidence, "--control", "1.1.12", "--fail-on", "FAIL"); code != ExitFindings {
		t.Fatalf("raw 1.1.12: exit %d, want %d", code, ExitFindings)
	}
	out, errOut, code := run(t, "scan", "--from-evidence", kindCPEvidence, "--control", "1.1.12,1.2.16", "--exceptions", ex, "--fail-on", "FAIL", "-o", "json")
	// The expired exception does not hide 1.2.16: the gate still trips.
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d (1.2.16's exception expired)\n%s", code, ExitFindings, errOut)
	}
	r := decodeReport(t, out)
	acc := resultOf(r, "1.1.12")
	if acc.Status != report.StatusAccepted || acc.AcceptedStatus != report.StatusFail || acc.Exception == nil ||
		acc.Exception.Reason != "etcd runs as root on kind; tracked in OPS-123" || acc.Exception.Owner != "platform-team" || acc.Exception.Expires != soon {
		t.Errorf("1.1.12: %+v %+v", acc, acc.Exception)
	}
	exp := resultOf(r, "1.2.16")
	if exp.Status != report.StatusFail || !strings.Contains(exp.Reason, "exception expired on 2020-01-01") || exp.Exception == nil || !exp.Exception.Expired {
		t.Errorf("1.2.16: %+v", exp)
	}
	if r.Summary.Accepted != 1 || r.Summary.Fail != 1 || r.Summary.Pass != 0 {
		t.Errorf("summary %+v", r.Summary)
	}
	for src, want := range map[string]string{":4": report.AuditApplied, ":9": report.AuditExpired, ":12": report.AuditUnused, ":15": report.AuditUnknownControl} {
		if got := auditState(r, src); got != want {
			t.Errorf("exception at line %s: %s, want %s", src, got, want)
		}
	}
	testutil.Contains(t, "stderr", errOut,
		"Exceptions: 4 in "+ex+": 1 applied, 1 unused, 1 expired, 1 unknown-control; accepted 1 finding(s).",
		"expires on "+soon+" (in 5 days): renew or remove it.",
		"(controls 1.2.16) expired on 2020-01-01: it no longer applies",
		"(controls 1.1.*) matched no finding (unused)",
		"(controls V-242387) names controls that no selected benchmark has: V-242387.",
	)
	if strings.Contains(out, "Exceptions:") {
		t.Error("the audit went to stdout")
	}

	// ACCEPTED never trips the gate: only the accepted control, exit 0.
	if _, errOut, code := run(t, "scan", "--from-evidence", kindCPEvidence, "--control", "1.1.12", "--exceptions", ex, "--fail-on", "WARN"); code != ExitOK {
		t.Errorf("accepted only: exit %d\n%s", code, errOut)
	}
	// --ignore-exceptions shows the raw verdict, and gates on it.
	out, _, code = run(t, "scan", "--from-evidence", kindCPEvidence, "--control", "1.1.12", "--exceptions", ex, "--ignore-exceptions", "--fail-on", "FAIL", "-o", "json")
	if code != ExitFindings || resultOf(decodeReport(t, out), "1.1.12").Status != report.StatusFail {
		t.Errorf("--ignore-exceptions: exit %d", code)
	}
	// --status ACCEPTED lists the accepted risks; the table shows the column.
	table, _, code := run(t, "scan", "--from-evidence", kindCPEvidence, "--exceptions", ex, "--status", "ACCEPTED")
	rows := strings.Split(strings.SplitN(table, "\n\n", 2)[0], "\n")
	if code != ExitOK || len(rows) != 2 || !strings.Contains(rows[1], "1.1.12    ACCEPTED") || !strings.Contains(table, "ACCEPTED   PASS") {
		t.Errorf("--status ACCEPTED: exit %d\n%s", code, table)
	}
}

func TestExceptionsFromEnvironment(t *testing.T) {
	a := writeExceptions(t, "- controls: [\"1.1.12\"]\n  reason: kind\n")
	b := writeExceptions(t, "- controls: [\"1.2.16\"]\n  reason: audit elsewhere\n")
	t.Setenv(EnvExceptions, a+string(os.PathListSeparator)+b)
	out, errOut, code := run(t, "scan", "--from-evidence", kindCPEvidence, "--control", "1.1.12,1.2.16", "--fail-on", "FAIL", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if r := decodeReport(t, out); r.Summary.Accepted != 2 || len(r.Metadata.Exceptions.Files) != 2 {
		t.Errorf("summary %+v, files %v", r.Summary, r.Metadata.Exceptions.Files)
	}
	// --exceptions replaces the environment's files.
	out, _, _ = run(t, "scan", "--from-evidence", kindCPEvidence, "--control", "1.1.12,1.2.16", "--exceptions", a, "-o", "json")
	if r := decodeReport(t, out); r.Summary.Accepted != 1 {
		t.Errorf("with --exceptions: %+v", r.Summary)
	}
}

func TestExceptionsMalformedFileIsAnError(t *testing.T) {
	bad := writeExceptions(t, "- controls: [\"1.1.12\"]\n  justification: no reason field\n")
	for _, args := range [][]string{
		{"scan", "--from-evidence", kindCPEvidence},
		{"rbac", "--from-snapshot", kindSnapshot},
		{"workloads", "--from-snapshot", workloadsSnapshot},
		{"diff", kindCPEvidence, kindCPEvidence},
		{"exceptions", "check"},
		// all fails before contacting the cluster (the kubeconfig points nowhere).
		{"all"},
	} {
		out, errOut, code := run(t, append(args, "--exceptions", bad)...)
		if args[0] == "exceptions" {
			out, errOut, code = run(t, "exceptions", "check", bad)
		}
		if code != ExitError || out != "" {
			t.Errorf("%s: exit %d, stdout %q", args[0], code, out)
		}
		for _, want := range []string{bad + ":5:3: exception 1: unknown field \"justification\"", bad + ":4:3: exception 1: reason is missing"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", args[0], want, errOut)
			}
		}
		if strings.Contains(errOut, "kubeconfig") || strings.Contains(errOut, "connect") {
			t.Errorf("%s: contacted the cluster before checking the file:\n%s", args[0], errOut)
		}
	}
	if _, errOut, code := run(t, "scan", "--from-evidence", kindCPEvidence, "--ignore-exceptions"); code != ExitError || !strings.Contains(errOut, "no exceptions file") {
		t.Errorf("--ignore-exceptions alone: exit %d %s", code, errOut)
	}
}

// Object exceptions on workloads: the DaemonSet risky/agent is accepted
// everywhere it is named; 5.2.7 also names pod/default/debug, so it stays
// FAIL with the DaemonSet's lines accepted.
func TestWorkloadsObjectExceptions(t *testing.T) {
	ex := writeExceptions(t, `- controls: ["5.2.*"]
  objects: ["daemonset/risky/agent"]
  reason: "node agent, reviewed in SEC-9"
`)
	out, errOut, code := run(t, "workloads", "--from-snapshot", workloadsSnapshot, "--exceptions", ex, "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	r := decodeReport(t, out)
	whole := resultOf(r, "5.2.2")
	if whole.Status != report.StatusAccepted || whole.AcceptedStatus != report.StatusFail || whole.Evidence[0].Status != report.StatusAccepted {
		t.Errorf("5.2.2 (only the agent): %+v", whole)
	}
	partial := resultOf(r, "5.2.7")
	if partial.Status != report.StatusFail {
		t.Errorf("5.2.7 (the agent and a pod): %s", partial.Status)
	}
	var acc, fail int
	for _, o := range partial.Evidence {
		switch {
		case o.Object.String() == "daemonset/risky/agent" && o.Status == report.StatusAccepted && o.AcceptedStatus == report.StatusFail && o.Exception != nil:
			acc++
		case o.Object.String() == "pod/default/debug" && o.Status == report.StatusFail:
			fail++
		}
	}
	if acc != 2 || fail != 1 {
		t.Errorf("5.2.7 evidence: %d accepted, %d failing: %+v", acc, fail, partial.Evidence)
	}
	// 5.2.10 (a StatefulSet) is not the agent's.
	if st := resultOf(r, "5.2.10").Status; st != report.StatusFail {
		t.Errorf("5.2.10: %s", st)
	}
	if got := auditState(r, ":4"); got != report.AuditApplied {
		t.Errorf("audit %s", got)
	}
}

func TestRBACTargetException(t *testing.T) {
	ex := writeExceptions(t, "- controls: [\"5.1.5\"]\n  targets: [\"cluster\"]\n  reason: default SA reviewed\n")
	out, errOut, code := run(t, "rbac", "--from-snapshot", kindSnapshot, "--exceptions", ex, "--fail-on", "WARN", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if res := resultOf(decodeReport(t, out), "5.1.5"); res.Status != report.StatusAccepted || res.AcceptedStatus != report.StatusWarn {
		t.Errorf("5.1.5: %+v", res)
	}
}

func TestDiffAcceptedIsNotFixed(t *testing.T) {
	dir := t.TempDir()
	ex := writeExceptions(t, "- controls: [\"1.1.12\"]\n  reason: kind\n")
	raw, _, _ := run(t, "scan", "--from-evidence", kindCPEvidence, "-o", "json")
	accepted, _, _ := run(t, "scan", "--from-evidence", kindCPEvidence, "--exceptions", ex, "-o", "json")
	oldPath, newPath := filepath.Join(dir, "old.json"), filepath.Join(dir, "new.json")
	os.WriteFile(oldPath, []byte(raw), 0o600)
	os.WriteFile(newPath, []byte(accepted), 0o600)

	out, _, code := run(t, "diff", oldPath, newPath, "-o", "json", "--fail-on-new", "FAIL")
	var d report.Diff
	if err := json.Unmarshal([]byte(out), &d); err != nil || code != ExitOK {
		t.Fatalf("exit %d: %v", code, err)
	}
	if len(d.FixedFindings) != 0 || len(d.AcceptedFindings) != 1 || d.AcceptedFindings[0].ControlID != "1.1.12" || d.AcceptedFindings[0].NewStatus != report.StatusAccepted {
		t.Errorf("fixed %+v, accepted %+v", d.FixedFindings, d.AcceptedFindings)
	}
	// Back to FAIL (the exception removed, expired or ignored) is a new finding.
	out, _, code = run(t, "diff", newPath, oldPath, "-o", "json", "--fail-on-new", "FAIL")
	d = report.Diff{}
	if err := json.Unmarshal([]byte(out), &d); err != nil || code != ExitFindings || len(d.NewFindings) != 1 || d.NewFindings[0].OldStatus != report.StatusAccepted {
		t.Errorf("accepted to FAIL: exit %d, %+v", code, d.NewFindings)
	}
	// With --exceptions both sides are compared under the same file: no change.
	out, errOut, code := run(t, "diff", oldPath, newPath, "--exceptions", ex)
	if code != ExitOK || !strings.Contains(errOut, "No differences.") || !strings.Contains(errOut, "1 applied") {
		t.Errorf("diff --exceptions: exit %d\n%s%s", code, out, errOut)
	}
	// --ignore-exceptions compares the raw verdicts.
	if _, errOut, code := run(t, "diff", newPath, oldPath, "--exceptions", ex, "--ignore-exceptions", "--fail-on-new", "FAIL"); code != ExitOK || !strings.Contains(errOut, "No differences.") {
		t.Errorf("diff --ignore-exceptions: exit %d\n%s", code, errOut)
	}
}

func TestExceptionsCheck(t *testing.T) {
	ex := writeExceptions(t, "- controls: [\"1.1.12\", \"1.1.99\"]\n  reason: kind\n  expires: 2020-01-01\n- controls: [\"V-242387\"]\n  reason: stig\n")
	out, _, code := run(t, "exceptions", "check", ex)
	if code != ExitOK || !strings.Contains(out, ex+":4: controls 1.1.12,1.1.99: expired on 2020-01-01; no such control: 1.1.99") ||
		!strings.Contains(out, ex+":7: controls V-242387: live") || !strings.Contains(out, "2 exception(s) in 1 file(s): valid.") {
		t.Errorf("exit %d\n%s", code, out)
	}
	out, _, _ = run(t, "exceptions", "check", ex, "--benchmark", "cis-1.12")
	if !strings.Contains(out, "no such control: V-242387") {
		t.Errorf("--benchmark cis-1.12:\n%s", out)
	}
	if _, _, code := run(t, "exceptions", "check"); code != ExitError {
		t.Errorf("no file: exit %d", code)
	}
}

func TestExceptionsFlagsOnEveryReportCommand(t *testing.T) {
	for _, c := range []string{"scan", "rbac", "workloads", "all", "diff"} {
		out, _, code := run(t, c, "--help")
		for _, want := range []string{"--exceptions stringArray", "--ignore-exceptions", "apiVersion: kubectl-harden.io/v1", "reason: \"etcd runs as root on kind"} {
			if code != ExitOK || !strings.Contains(out, want) {
				t.Errorf("%s --help lacks %q", c, want)
			}
		}
	}
}
