package fix

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/golden"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// nodeReport wraps node targets of the node engine's golden reports (made
// from the evidence fixtures) in a report.
func nodeReport(t *testing.T, platform *report.Platform, benchmark string, files ...string) *report.Report {
	t.Helper()
	r := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: benchmark, Platform: platform, Source: "cluster"})
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join("..", "checks", "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		var tr report.TargetReport
		if err := json.Unmarshal(data, &tr); err != nil {
			t.Fatal(err)
		}
		r.AddTarget(tr)
	}
	return r
}

// render joins a plan directory into one text, file by file.
func render(files map[string]string) []byte {
	names := slices.Sorted(maps.Keys(files))
	var b strings.Builder
	for _, n := range names {
		b.WriteString("===== " + n + "\n")
		b.WriteString(files[n])
	}
	return []byte(b.String())
}

func TestGoldenPlans(t *testing.T) {
	cases := map[string]struct {
		platform  *report.Platform
		benchmark string
		files     []string
	}{
		"kind":         {nil, "cis-1.12", []string{"kind-control-plane.golden", "kind-worker.golden"}},
		"kubeadm":      {nil, "cis-1.12", []string{"kubeadm-control-plane.golden", "kubeadm-worker.golden"}},
		"eks-al2023":   {&report.Platform{Name: "eks", Provider: "Amazon EKS", Managed: true}, "eks-1.8.0", []string{"eks-al2023-worker.eks-1.8.0.golden"}},
		"gke-cos":      {&report.Platform{Name: "gke", Provider: "Google GKE", Managed: true}, "gke-1.9.0", []string{"gke-cos-worker.gke-1.9.0.golden"}},
		"kind-stig":    {nil, "stig-v2r6", []string{"kind-control-plane-stig.stig-v2r6.golden"}},
		"kind-as-rke2": {&report.Platform{Distribution: &report.Distribution{ID: "rke2", Name: "RKE2", LayoutEvaluated: true}}, "cis-1.12", []string{"kind-control-plane.golden", "kind-worker.golden"}},
	}
	for _, d := range []struct{ id, name, file, benchmark string }{
		{"k3s", "K3s", "distros/k3s.k3s-cis-1.12.golden", "k3s-cis-1.12"},
		{"rke2", "RKE2", "distros/rke2.rke2-cis-1.12.golden", "rke2-cis-1.12"},
		{"openshift", "OpenShift", "distros/openshift.cis-1.12.golden", "cis-1.12"},
		{"talos", "Talos", "distros/talos.cis-2.0.golden", "cis-2.0"},
		{"microk8s", "MicroK8s", "distros/microk8s.cis-1.12.golden", "cis-1.12"},
		{"k0s", "k0s", "distros/k0s-worker.cis-1.12.golden", "cis-1.12"},
	} {
		cases["distro-"+d.id] = struct {
			platform  *report.Platform
			benchmark string
			files     []string
		}{&report.Platform{Distribution: &report.Distribution{ID: d.id, Name: d.name, LayoutEvaluated: true}}, d.benchmark, []string{d.file}}
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := Generate(nodeReport(t, c.platform, c.benchmark, c.files...), Options{})
			if err != nil {
				t.Fatal(err)
			}
			files := p.Files()
			golden.Assert(t, filepath.Join("testdata", name+".plan.golden"), render(files))
			for f, content := range files {
				if strings.HasSuffix(f, ".sh") {
					cmd := exec.Command("sh", "-n")
					cmd.Stdin = strings.NewReader(content)
					if out, err := cmd.CombinedOutput(); err != nil {
						t.Errorf("%s is not valid sh: %v\n%s", f, err, out)
					}
				}
			}
		})
	}
}
