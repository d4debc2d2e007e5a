package plugin

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestControlsPerBenchmarkGolden pins `controls --benchmark X -o wide` for
// every benchmark (and harden), and the benchmark list of `controls`.
func TestControlsPerBenchmarkGolden(t *testing.T) {
	ids := []string{benchmarks.Harden}
	for _, b := range benchmarks.All() {
		ids = append(ids, b.ID)
	}
	for _, b := range ids {
		out, errOut, code := run(t, "controls", "--benchmark", b, "-o", "wide")
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", b, code, errOut)
		}
		golden(t, "controls-"+b+".txt.golden", []byte(out))
	}
	out, errOut, code := run(t, "controls", "-o", "wide")
	if code != ExitOK {
		t.Fatalf("controls: exit %d: %s", code, errOut)
	}
	golden(t, "benchmarks.txt.golden", []byte(out))
}

// TestControlsListsEveryBenchmarkWithItsRange: `controls` names each
// benchmark with its Kubernetes range, and a family name lists its newest
// edition's controls.
func TestControlsListsEveryBenchmarkWithItsRange(t *testing.T) {
	out, _, code := run(t, "controls")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, b := range benchmarks.All() {
		if !strings.Contains(out, b.ID) || !strings.Contains(out, b.Kubernetes.String()) {
			t.Errorf("controls does not list %s with its range %s:\n%s", b.ID, b.Kubernetes, out)
		}
	}
	for _, f := range benchmarks.Families() {
		newest, _ := benchmarks.Newest(f)
		byFamily, _, _ := run(t, "controls", "--benchmark", f, "-o", "wide")
		byID, _, _ := run(t, "controls", "--benchmark", newest.ID, "-o", "wide")
		if byFamily != byID {
			t.Errorf("--benchmark %s does not list %s", f, newest.ID)
		}
	}
	if _, errOut, code := run(t, "controls", "--section", "4.2"); code == ExitOK || !strings.Contains(errOut, "--benchmark") {
		t.Errorf("--section without --benchmark: exit %d %q", code, errOut)
	}
}

func TestProfileFlag(t *testing.T) {
	one, _, _ := run(t, "controls", "--benchmark", "cis-1.12", "--profile", "level1", "--no-headers")
	alias, _, _ := run(t, "controls", "--benchmark", "cis-1.12", "--level", "1", "--no-headers")
	all, _, _ := run(t, "controls", "--benchmark", "cis-1.12", "--no-headers")
	if one != alias || len(one) >= len(all) {
		t.Errorf("--profile level1 and --level 1 differ or keep level 2:\n%s", one)
	}
	if _, errOut, code := run(t, "controls", "--profile", "level3"); code == ExitOK || !strings.Contains(errOut, "level1 or level2") {
		t.Errorf("--profile level3: exit %d %q", code, errOut)
	}
}

func TestDetectPlatformSkipsFargate(t *testing.T) {
	var errOut bytes.Buffer
	nodes := fakeNodes("ip-1", "fargate-ip-2")
	nodes[1].Labels = map[string]string{"eks.amazonaws.com/compute-type": "fargate"}
	p, kept := detectPlatform(fake.NewSimpleClientset(), "v1.33.2-eks-4ef4b32", nodes, &errOut)
	if p.Name != "eks" || len(kept) != 1 || kept[0].Name != "ip-1" || !strings.Contains(errOut.String(), "Not scanned: 1 EKS Fargate node") {
		t.Errorf("platform %+v kept %d, stderr %q", p, len(kept), errOut.String())
	}
	var md report.Metadata
	err := chooseBenchmark("", "v1.33.2-eks-4ef4b32", &p, &md, &errOut)
	if b, _ := benchmarks.Lookup(md.Benchmark); err != nil || b == nil || b.Platform != "eks" || !strings.Contains(md.BenchmarkReason, "Amazon EKS") {
		t.Errorf("benchmark %s (%s) %v", md.Benchmark, md.BenchmarkReason, err)
	}
}

func fakeNodes(names ...string) []*corev1.Node {
	out := make([]*corev1.Node, len(names))
	for i, n := range names {
		out[i] = &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n}, Spec: corev1.NodeSpec{ProviderID: "aws:///eu-west-1a/i-" + n}}
	}
	return out
}

// TestUnknownBenchmarkRejectedBeforeContact: scan, all, rbac and workloads
// reject --benchmark bogus before any request reaches the API server.
func TestUnknownBenchmarkRejectedBeforeContact(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "not expected", http.StatusInternalServerError)
	}))
	defer srv.Close()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: " + srv.URL + "}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: t}\n"
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"scan", "nodes"}, {"all"}, {"rbac"}, {"workloads"}} {
		streams, _, _, _ := genericiooptions.NewTestIOStreams()
		cmd := NewCmdHarden(streams)
		cmd.SetArgs(append([]string{"--kubeconfig", kubeconfig}, append(args, "--benchmark", "bogus")...))
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), "--benchmark") || !strings.Contains(err.Error(), `unknown benchmark "bogus"`) {
			t.Errorf("%v: error %v, want the unknown --benchmark named", args, err)
		}
		if n := requests.Swap(0); n != 0 {
			t.Errorf("%v --benchmark bogus: %d request(s) reached the API server first", args, n)
		}
	}
}

// TestBenchmarkWarningInMetadata: a server newer than every benchmark's
// range is evaluated against the newest, with a warning naming the server
// version, the benchmark and its range, both on stderr and in the report's
// metadata; a benchmark chosen by hand for a server outside its range says
// so too; a server in range has no warning.
func TestBenchmarkWarningInMetadata(t *testing.T) {
	newest := benchmarks.Default("")
	for _, tc := range []struct {
		flag, version string
		want          string
		warn          []string
	}{
		{"", "v1.99.3", newest.ID, []string{"v1.99", newest.ID, newest.Kubernetes.String()}},
		{"cis-1.12", "v1.99.3", "cis-1.12", []string{"v1.99", "cis-1.12", "1.32-1.34"}},
		{"", "v" + newest.Kubernetes.Min + ".0", newest.ID, nil},
	} {
		var errOut bytes.Buffer
		var md report.Metadata
		if err := chooseBenchmark(tc.flag, tc.version, &checks.Platform{}, &md, &errOut); err != nil {
			t.Fatal(err)
		}
		if md.Benchmark != tc.want {
			t.Errorf("%q %s: benchmark %s, want %s", tc.flag, tc.version, md.Benchmark, tc.want)
		}
		if (len(tc.warn) == 0) != (md.BenchmarkWarning == "") {
			t.Errorf("%q %s: warning %q", tc.flag, tc.version, md.BenchmarkWarning)
		}
		for _, w := range tc.warn {
			if !strings.Contains(md.BenchmarkWarning, w) || !strings.Contains(errOut.String(), "Warning: "+md.BenchmarkWarning) {
				t.Errorf("%q %s: warning %q (stderr %q) does not name %q", tc.flag, tc.version, md.BenchmarkWarning, errOut.String(), w)
			}
		}
		if !strings.Contains(errOut.String(), "Benchmark: "+md.Benchmark+" ("+md.BenchmarkReason+")") {
			t.Errorf("stderr does not say the choice and why: %q", errOut.String())
		}
	}
}
