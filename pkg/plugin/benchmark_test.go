package plugin

import (
	"bytes"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
)

// TestControlsPerBenchmarkGolden pins `controls --benchmark X -o wide` for
// every benchmark.
func TestControlsPerBenchmarkGolden(t *testing.T) {
	for _, b := range checks.KnownBenchmarks() {
		out, errOut, code := run(t, "controls", "--benchmark", b, "-o", "wide")
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", b, code, errOut)
		}
		golden(t, "controls-"+b+".txt.golden", []byte(out))
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
	p, kept := detectPlatform("v1.33.2-eks-4ef4b32", nodes, &errOut)
	if p.Name != "eks" || len(kept) != 1 || kept[0].Name != "ip-1" || !strings.Contains(errOut.String(), "Not scanned: 1 EKS Fargate node") {
		t.Errorf("platform %+v kept %d, stderr %q", p, len(kept), errOut.String())
	}
	b, reason, err := chooseBenchmark("", "v1.33.2-eks-4ef4b32", &p, &errOut)
	if err != nil || b != "eks-1.8.0" || !strings.Contains(reason, "Amazon EKS") {
		t.Errorf("benchmark %s (%s) %v", b, reason, err)
	}
}

func fakeNodes(names ...string) []*corev1.Node {
	out := make([]*corev1.Node, len(names))
	for i, n := range names {
		out[i] = &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n}, Spec: corev1.NodeSpec{ProviderID: "aws:///eu-west-1a/i-" + n}}
	}
	return out
}
