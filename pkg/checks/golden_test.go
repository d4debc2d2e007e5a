package checks

import (
	"bytes"
	"encoding/json"
	goflag "flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/golden"
	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

var (
	writeFixtures = goflag.Bool("write-fixtures", false, "rewrite testdata/kubeadm-*.json from the Go builders")
)

// fixtures are the full-node evidence files and the builders they came from.
var fixtures = map[string]func() *evidence.Node{
	"kubeadm-control-plane": kubeadmControlPlane,
	"kubeadm-worker":        kubeadmWorker,
}

func loadEvidence(t testing.TB, path string) *evidence.Node {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := evidence.Unmarshal(b, path)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func checkGolden(t *testing.T, goldenPath string, tr TargetReport) {
	t.Helper()
	got, err := json.MarshalIndent(tr, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	// The verdict summary first (one line per changed result), then the
	// whole line diff from the shared helper: evidence changes are shown,
	// never folded into a count.
	if want, err := os.ReadFile(goldenPath); err == nil && !bytes.Equal(want, got) {
		t.Logf("%s: verdicts that changed:\n%s", goldenPath, resultDiff(want, got))
	}
	golden.Assert(t, goldenPath, got)
}

// resultDiff summarises how two golden reports differ, one line per result
// (target, control, old -> new status and reason), then a count of results
// whose other fields (evidence, remediation, ...) changed, instead of a wall
// of JSON. It falls back to the first differing line when either side does
// not decode.
func resultDiff(want, got []byte) string {
	var w, g TargetReport
	if json.Unmarshal(want, &w) != nil || json.Unmarshal(got, &g) != nil {
		return golden.Diff(want, got)
	}
	old := map[string]Result{}
	for _, r := range w.Results {
		old[r.ControlID] = r
	}
	var lines []string
	otherChanged := 0
	seen := map[string]bool{}
	for _, r := range g.Results {
		seen[r.ControlID] = true
		o, ok := old[r.ControlID]
		switch {
		case !ok:
			lines = append(lines, fmt.Sprintf("  + %s %s: %s (%s)", r.Target, r.ControlID, r.Status, r.Reason))
		case o.Status != r.Status || o.Reason != r.Reason:
			lines = append(lines, fmt.Sprintf("  ~ %s %s: %s (%s) -> %s (%s)", r.Target, r.ControlID, o.Status, o.Reason, r.Status, r.Reason))
		default:
			a, _ := json.Marshal(o)
			b, _ := json.Marshal(r)
			if !bytes.Equal(a, b) {
				otherChanged++
			}
		}
	}
	for _, o := range w.Results {
		if !seen[o.ControlID] {
			lines = append(lines, fmt.Sprintf("  - %s %s: %s (%s)", o.Target, o.ControlID, o.Status, o.Reason))
		}
	}
	if otherChanged > 0 {
		lines = append(lines, fmt.Sprintf("  %d result(s) changed only in other fields (evidence, title, remediation, ...)", otherChanged))
	}
	w.Results, g.Results = nil, nil
	a, _ := json.Marshal(w)
	b, _ := json.Marshal(g)
	if !bytes.Equal(a, b) {
		lines = append(lines, "  target fields changed:\n"+golden.Diff(a, b))
	}
	if len(lines) == 0 {
		return golden.Diff(want, got) // formatting only
	}
	return strings.Join(lines, "\n")
}

func TestGoldenFixtures(t *testing.T) {
	for name, build := range fixtures {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name+".json")
			if *writeFixtures {
				b, err := build().Marshal()
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			tr := EvaluateNode(loadEvidence(t, path), testOpts())
			checkGolden(t, filepath.Join("testdata", name+".golden"), tr)
		})
	}
}

// TestKubeadmFixtureVerdicts pins the verdicts that make the kubeadm
// fixture a realistic kubeadm node (kubeadm's known deviations).
func TestKubeadmFixtureVerdicts(t *testing.T) {
	tr := EvaluateNode(loadEvidence(t, filepath.Join("testdata", "kubeadm-control-plane.json")), testOpts())
	want := map[string]Status{
		"1.1.1": StatusPass, "1.1.9": StatusFail, "1.1.12": StatusFail, "1.2.1": StatusFail, "1.2.6": StatusPass,
		"1.2.15": StatusFail, "1.2.16": StatusFail, "1.3.2": StatusFail, "1.3.7": StatusPass, "2.7": StatusPass,
		"4.2.1": StatusPass, "4.2.4": StatusPass, "4.2.5": StatusPass, "4.2.10": StatusPass, "4.3.1": StatusPass,
		"KH-PKI-4": StatusPass,
	}
	for _, r := range tr.Results {
		if w, ok := want[r.ControlID]; ok && r.Status != w {
			t.Errorf("%s: got %s (%s), want %s", r.ControlID, r.Status, r.Reason, w)
		}
	}
}

// TestKindEvidence evaluates evidence captured from a real kind cluster,
// when it is present, and checks that kubeadm's known defaults show.
func TestKindEvidence(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "evidence", "testdata", "kind-*.json"))
	if len(files) != 2 {
		t.Fatalf("want the kind control-plane and worker evidence in pkg/evidence/testdata, found %v", files)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			n := loadEvidence(t, f)
			tr := EvaluateNode(n, testOpts())
			if tr.Error != "" {
				t.Fatalf("target error: %s", tr.Error)
			}
			byID := map[string]Result{}
			for _, r := range tr.Results {
				byID[r.ControlID] = r
			}
			if !n.Has(evidence.Kubelet) {
				t.Fatal("kind node without a kubelet process")
			}
			// kind's kubelet is configured by kubeadm: a config file with
			// webhook authn/authz and no read-only port.
			for _, id := range []string{"4.2.1", "4.2.2", "4.2.3", "4.2.4"} {
				if byID[id].Status != StatusPass {
					t.Errorf("%s: %s (%s)", id, byID[id].Status, byID[id].Reason)
				}
			}
			if n.Has(evidence.APIServer) {
				if r := byID["1.2.15"]; r.Status != StatusFail {
					t.Errorf("1.2.15 (kubeadm leaves profiling on): %s %s", r.Status, r.Reason)
				}
				if r := byID["1.1.12"]; r.Status != StatusFail {
					t.Errorf("1.1.12 (kubeadm root:root data dir): %s %s", r.Status, r.Reason)
				}
			} else if r := byID["1.2.1"]; r.Status != StatusNA {
				t.Errorf("worker 1.2.1: %s", r.Status)
			}
			// Every control was seen on a real node: on the kind control
			// plane, which runs every component, no control may end in
			// ERROR or N/A.
			if n.Has(evidence.APIServer) {
				for _, r := range tr.Results {
					if r.Status == StatusError || r.Status == StatusNA {
						t.Errorf("%s on a real kubeadm control plane: %s (%s)", r.ControlID, r.Status, r.Reason)
					}
				}
			}
			checkGolden(t, filepath.Join("testdata", name+".golden"), tr)
		})
	}
}

func BenchmarkEvaluateNode(b *testing.B) {
	n := loadEvidence(b, filepath.Join("testdata", "kubeadm-control-plane.json"))
	opts := testOpts()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		EvaluateNode(n, opts)
	}
}

// BenchmarkEvaluate100Nodes evaluates a 100-node cluster of real kind
// evidence (3 control planes, 97 workers, each a distinct evidence value),
// the client-side cost of `scan nodes` on such a cluster.
func BenchmarkEvaluate100Nodes(b *testing.B) {
	var nodes []*evidence.Node
	for i := 0; i < 100; i++ {
		src := filepath.Join("..", "evidence", "testdata", "kind-worker.json")
		if i < 3 {
			src = filepath.Join("..", "evidence", "testdata", "kind-control-plane.json")
		}
		n := loadEvidence(b, src)
		n.NodeName = fmt.Sprintf("node-%03d", i)
		nodes = append(nodes, n)
	}
	opts := testOpts()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, n := range nodes {
			EvaluateNode(n, opts)
		}
	}
}

// TestResultDiff pins the compact summary printed for a golden mismatch.
func TestResultDiff(t *testing.T) {
	mk := func(rs ...Result) []byte {
		b, err := json.Marshal(TargetReport{Name: "n1", Results: rs})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := Result{ControlID: "1.1.1", Target: "n1", Status: StatusPass, Reason: "mode 600"}
	b := Result{ControlID: "1.2.1", Target: "n1", Status: StatusFail, Reason: "--anonymous-auth is true"}
	b2 := b
	b2.Status, b2.Reason = StatusPass, "--anonymous-auth is false"
	c := Result{ControlID: "4.2.1", Target: "n1", Status: StatusNA, Reason: "no kubelet"}
	a2 := a
	a2.Title = "new title"
	got := resultDiff(mk(a, b, c), mk(a2, b2))
	testutil.Contains(t, "resultDiff", got,
		"~ n1 1.2.1: FAIL (--anonymous-auth is true) -> PASS (--anonymous-auth is false)",
		"- n1 4.2.1: N/A (no kubelet)",
		"1 result(s) changed only in other fields",
	)
	if strings.Contains(got, "1.1.1:") {
		t.Errorf("resultDiff lists 1.1.1, whose status and reason did not change:\n%s", got)
	}
}
