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

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

var (
	update        = goflag.Bool("update", false, "rewrite testdata/*.golden from the current results")
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
	if *update {
		if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/checks/ -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("report differs from %s (run with -update and review the diff):\n%s", goldenPath, firstDiff(string(want), string(got)))
	}
}

// firstDiff shows the first differing line.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + itoa(i+1) + ":\n- " + a + "\n+ " + b
		}
	}
	return ""
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

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
