package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod/sim"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/workloads"
)

// These tests run the commands the way users run them and each guards a
// defect seen in the field: a report that names workload findings as a
// node, a --fail-on gate that passed on what could not be evaluated,
// node-controlled text that reached the terminal raw, diff inputs that
// were never validated, ASFF Ids cut inside a character.

// editEvidence writes a copy of an evidence fixture changed by edit and
// returns its path.
func editEvidence(t *testing.T, src string, edit func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	readJSON(t, src, &m)
	edit(m)
	return testutil.WriteJSON(t, filepath.Join(t.TempDir(), "node.json"), m)
}

// readJSON decodes the JSON file path into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

const kindWorkerEvidence = "../evidence/testdata/kind-worker.json"

// workloads -o sarif and -o asff file workload findings as the cluster's
// workloads, never as a node named "workloads".
func TestWorkloadFindingsAreNotFiledAsANode(t *testing.T) {
	out, errOut, code := run(t, "workloads", "--from-snapshot", workloadSnapshot, "-o", "sarif")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, `"node/workloads`) {
		t.Errorf("SARIF names the workloads target a node:\n%.600s", out[strings.Index(out, "node/workloads")-200:])
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					LogicalLocations []struct {
						Name, FullyQualifiedName, Kind string
					} `json:"logicalLocations"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	for _, r := range log.Runs[0].Results {
		if got := r.Locations[0].LogicalLocations[0].FullyQualifiedName; got != "workloads" {
			t.Errorf("target location %q, want workloads", got)
		}
	}

	arn := "arn:aws:eks:us-east-1:123456789012:cluster/prod"
	out, errOut, code = run(t, "workloads", "--from-snapshot", workloadSnapshot, "-o", "asff", "--cluster-arn", arn)
	if code != ExitOK {
		t.Fatalf("asff: exit %d: %s", code, errOut)
	}
	var findings []struct {
		Resources []struct{ Type, ID string } `json:"Resources"`
	}
	if err := json.Unmarshal([]byte(out), &findings); err != nil || len(findings) == 0 {
		t.Fatalf("asff: %v, %d findings", err, len(findings))
	}
	for _, f := range findings {
		if f.Resources[0].Type != "AwsEksCluster" || f.Resources[0].ID != arn {
			t.Errorf("a workload finding is filed on %+v, want the AwsEksCluster %s", f.Resources[0], arn)
			break
		}
	}
}

// A gate must not pass on what could not be evaluated: an ERROR result
// trips --fail-on FAIL and --fail-on WARN.
func TestFailOnCountsError(t *testing.T) {
	ev := editEvidence(t, kindWorkerEvidence, func(m map[string]any) {
		m["configs"].(map[string]any)["/var/lib/kubelet/config.yaml"] = "kind: ["
	})
	for _, threshold := range []string{"FAIL", "WARN"} {
		out, errOut, code := run(t, "scan", "--from-evidence", ev, "--control", "4.2.1", "--fail-on", threshold)
		if !strings.Contains(out, "ERROR") {
			t.Fatalf("the broken kubelet config gives no ERROR for 4.2.1:\n%s", out)
		}
		if code != ExitFindings || !strings.Contains(errOut, "ERROR") {
			t.Errorf("--fail-on %s with an ERROR result: exit %d, stderr %q; want exit 2 naming the ERROR", threshold, code, errOut)
		}
	}
	// Without a gate the exit code does not change.
	if _, _, code := run(t, "scan", "--from-evidence", ev, "--control", "4.2.1"); code != ExitOK {
		t.Errorf("without --fail-on: exit %d", code)
	}
}

// The condition reason of a node comes from the node: it must reach the
// terminal inert in every human format, including the error line under
// the table's summary and raw 8-bit C1 bytes (0x9b is CSI in 8-bit
// terminals).
func TestHostileNodeTextIsInertInTables(t *testing.T) {
	hostile := "KubeletNotReady\x1b]0;pwned\x07\x1b[2J\x9b31m\xff\u202egnp.exe"
	for _, format := range []string{"", "wide"} {
		c := sim.New(2, simFast, 0, 0)
		n, err := c.Client.CoreV1().Nodes().Get(context.Background(), sim.NodeName(1), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n.Status.Conditions[0].Status, n.Status.Conditions[0].Reason = corev1.ConditionFalse, hostile
		if _, err := c.Client.CoreV1().Nodes().UpdateStatus(context.Background(), n, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		out, _, _, _ := runScan(t, c, "nodes", "-o", format)
		if !strings.Contains(out, "KubeletNotReady") {
			t.Fatalf("-o %q: the node's error is not shown:\n%s", format, out)
		}
		for _, bad := range []string{"\x1b", "\x07", "\x9b", "\xff", "\u202e"} {
			if strings.Contains(out, bad) {
				t.Errorf("-o %q: %q reached stdout:\n%q", format, bad, out)
			}
		}
	}
}

// `all` hands the kubelet's seccompDefault, seen on the nodes, to the
// workload control that needs it, whatever the benchmark: under
// gke-1.9.0 the node controls have other IDs than CIS 1.12's 4.2.14.
func TestAllPassesSeccompDefaultUnderEveryBenchmark(t *testing.T) {
	ev := editEvidence(t, kindWorkerEvidence, func(m map[string]any) {
		c := m["configs"].(map[string]any)
		c["/var/lib/kubelet/config.yaml"] = c["/var/lib/kubelet/config.yaml"].(string) + "\nseccompDefault: true\n"
	})
	nodes, err := evidence.Load(ev)
	if err != nil {
		t.Fatal(err)
	}
	for _, bench := range []string{report.BenchmarkCIS112, "gke-1.9.0"} {
		snap, err := readSnapshot(workloadSnapshot, workloads.DecodeSnapshot)
		if err != nil {
			t.Fatal(err)
		}
		nrep := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: bench})
		nrep.AddTarget(checks.EvaluateNode(nodes[0], checks.EvalOptions{Benchmark: bench, Now: time.Now()}))
		rrep := report.NewReport(report.KindRBAC, report.Metadata{Benchmark: bench})
		out := mergeReports(report.Metadata{Benchmark: bench}, nrep, rrep, nil, snap, nil, false)
		found := false
		for _, r := range out.Results() {
			for _, o := range r.Evidence {
				if o.Location == "kubelet seccompDefault" {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("--benchmark %s: the workloads' seccomp control does not see the nodes' seccompDefault", bench)
		}
	}
}

// diff validates what it is given before comparing.
func TestDiffRejectsWhatIsNotAReport(t *testing.T) {
	oldPath, _ := diffFiles(t)
	dir := t.TempDir()
	for name, tc := range map[string]struct{ doc, want string }{
		"empty object":  {`{}`, "kind"},
		"null":          {`null`, "not a kubectl-harden report"},
		"other kind":    {`{"apiVersion":"v1","kind":"Pod","metadata":{},"targets":[]}`, `kind "Pod"`},
		"other group":   {`{"apiVersion":"example.com/v1","kind":"NodeScanReport","metadata":{"benchmark":"cis-1.12"},"targets":[]}`, "apiVersion"},
		"bad status":    {`{"apiVersion":"harden.kubectl.io/v1alpha1","kind":"NodeScanReport","metadata":{"benchmark":"cis-1.12"},"targets":[{"name":"n","results":[{"controlID":"1.1.1","status":"GREAT"}]}]}`, "status"},
		"no control id": {`{"apiVersion":"harden.kubectl.io/v1alpha1","kind":"NodeScanReport","metadata":{"benchmark":"cis-1.12"},"targets":[{"name":"n","results":[{"status":"PASS"}]}]}`, "controlID"},
		"no target":     {`{"apiVersion":"harden.kubectl.io/v1alpha1","kind":"NodeScanReport","metadata":{"benchmark":"cis-1.12"},"targets":[{"results":[]}]}`, "name"},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		testutil.WriteFile(t, p, tc.doc)
		_, errOut, code := run(t, "diff", oldPath, p)
		if code != ExitError || !strings.Contains(errOut, p) || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 naming the file and %q", name, code, errOut, tc.want)
		}
	}
}

// ASFF Ids are cut to 512 bytes: never inside a UTF-8 character.
func TestASFFIdsStayValidUTF8(t *testing.T) {
	t.Setenv("AWS_ACCOUNT_ID", "123456789012")
	t.Setenv("AWS_REGION", "eu-west-1")
	ev := editEvidence(t, kindWorkerEvidence, func(m map[string]any) {
		m["nodeName"] = strings.Repeat("ü", 300)
	})
	out, errOut, code := run(t, "scan", "--from-evidence", ev, "-o", "asff")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil || len(raw) == 0 {
		t.Fatalf("%v: %d findings", err, len(raw))
	}
	for _, f := range raw {
		// encoding/json turns an invalid byte into \ufffd: look at the
		// raw text of the Id.
		if bytes.Contains(f["Id"], []byte(`\ufffd`)) || !utf8.Valid(f["Id"]) {
			t.Errorf("Id cut inside a character: %s", f["Id"])
		}
	}
}

// -o html puts findings first, names sections, and -o wide keeps rows
// readable (1.1.19's evidence alone is 1 401 characters).
func TestHumanFormatsReadWell(t *testing.T) {
	out, errOut, code := run(t, "scan", "--from-evidence", kindCPEvidence, "-o", "html")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	sec := out[strings.Index(out, `data-section="1.2"`):]
	sec = sec[:strings.Index(sec, "</section>")]
	if !strings.Contains(sec, "API Server") {
		t.Errorf("section 1.2 is not named:\n%.300s", sec)
	}
	for _, finding := range []string{"FAIL", "WARN"} {
		if pass, last := strings.Index(sec, `data-status="PASS"`), strings.LastIndex(sec, `data-status="`+finding+`"`); pass < 0 || last < 0 || last > pass {
			t.Errorf("section 1.2 shows a %s after a PASS (or has none of either)", finding)
		}
	}
	out, _, _ = run(t, "scan", "--from-evidence", kindCPEvidence, "-o", "wide")
	longest := 0
	for _, l := range strings.Split(out, "\n") {
		longest = max(longest, utf8.RuneCountInString(l))
	}
	if longest > 700 {
		t.Errorf("-o wide has a row of %d characters", longest)
	}
}

// diff compares the objects of a control that stays a finding: a second
// privileged workload next to an old one is a new finding, named by its
// object, and one that was fixed is fixed — as the workload engine
// reports them, through the commands.
func TestDiffMatchesObjects(t *testing.T) {
	var snap map[string]any
	readJSON(t, workloadSnapshot, &snap)
	// The new cluster: daemonset risky/agent is gone, and a copy of it,
	// daemonset risky/agent-2, is new.
	var kept []any
	for _, w := range snap["workloads"].([]any) {
		w := w.(map[string]any)
		if w["kind"] == "daemonset" && w["name"] == "agent" {
			copied := map[string]any{}
			for k, v := range w {
				copied[k] = v
			}
			copied["name"] = "agent-2"
			kept = append(kept, copied)
			continue
		}
		kept = append(kept, w)
	}
	snap["workloads"] = kept
	dir := t.TempDir()
	newSnap := testutil.WriteJSON(t, filepath.Join(dir, "snapshot-2.json"), snap)
	write := func(name, snapshot string) string {
		out, errOut, code := run(t, "workloads", "--from-snapshot", snapshot, "-o", "json")
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		p := filepath.Join(dir, name)
		testutil.WriteFile(t, p, out)
		return p
	}
	oldPath, newPath := write("old.json", workloadSnapshot), write("new.json", newSnap)
	out, errOut, code := run(t, "diff", oldPath, newPath, "-o", "json", "--fail-on-new", "FAIL")
	if code != ExitFindings {
		t.Errorf("a new privileged workload must regress at FAIL: exit %d %s", code, errOut)
	}
	var d report.Diff
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	has := func(cs []report.Change, control, obj string) bool {
		for _, c := range cs {
			if c.ControlID == control && c.Object.String() == obj && c.TargetKind == report.TargetWorkloads {
				return true
			}
		}
		return false
	}
	if !has(d.NewFindings, "5.2.2", "daemonset/risky/agent-2") || !has(d.FixedFindings, "5.2.2", "daemonset/risky/agent") {
		t.Errorf("per-object changes of 5.2.2 missing:\nnew %+v\nfixed %+v", d.NewFindings, d.FixedFindings)
	}
	for _, c := range append(d.NewFindings, d.FixedFindings...) {
		if c.Object.IsZero() {
			t.Errorf("a control-level change where only objects changed: %+v", c)
		}
	}
	wide, _, _ := run(t, "diff", oldPath, newPath, "-o", "wide")
	if !strings.Contains(wide, "daemonset/risky/agent-2") {
		t.Errorf("-o wide lacks the object:\n%s", wide)
	}
}

// A file named on the node with a space, "#" or "%" in its path is one
// valid, percent-encoded file URI in SARIF.
func TestSARIFFileURIsAreEncoded(t *testing.T) {
	b, err := os.ReadFile(kindWorkerEvidence)
	if err != nil {
		t.Fatal(err)
	}
	odd := "/var/lib/kubelet/my config#1%.yaml"
	ev := filepath.Join(t.TempDir(), "node.json")
	if err := os.WriteFile(ev, bytes.ReplaceAll(b, []byte("/var/lib/kubelet/config.yaml"), []byte(odd)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "scan", "--from-evidence", ev, "-o", "sarif")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range log.Runs[0].Results {
		for _, l := range r.Locations {
			if l.PhysicalLocation == nil || !strings.Contains(l.PhysicalLocation.ArtifactLocation.URI, "kubelet/my") {
				continue
			}
			found = true
			u, err := url.Parse(l.PhysicalLocation.ArtifactLocation.URI)
			if err != nil || u.Path != odd || strings.ContainsAny(l.PhysicalLocation.ArtifactLocation.URI, " #") {
				t.Fatalf("URI %q (%v) is not the encoded path %q", l.PhysicalLocation.ArtifactLocation.URI, err, odd)
			}
		}
	}
	if !found {
		t.Fatal("no physical location for the kubelet config")
	}
}
