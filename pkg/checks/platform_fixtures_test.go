package checks

import (
	"path/filepath"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// Worker nodes of managed platforms, built from the layouts documented in
// /work/shared/reference/platforms.md (kubelet config at the path the
// kubelet's --config names). Each has a golden report under its benchmark.

// platformWorker is a node with only what a platform puts there: a
// kubelet started with args, its config file, and the given files.
func platformWorker(name string, kubeletArgs []string, configPath, config string, files map[string]uint32) *evidence.Node {
	n := &evidence.Node{
		Schema: evidence.SchemaVersion, NodeName: name, CollectedAt: testNow, CollectorVersion: "1",
		Processes:    map[evidence.Component]*evidence.Process{evidence.Kubelet: proc(700, kubeletArgs...)},
		Files:        map[string]*evidence.File{},
		Users:        map[int]string{0: "root"},
		Groups:       map[int]string{0: "root"},
		Configs:      map[string]string{configPath: config},
		Certificates: map[string]*evidence.Certificate{},
	}
	for _, l := range [][]string{evidence.KubeletUnits, evidence.KubeletConfigs, evidence.KubeletKubeconfigs, evidence.ProxyKubeconfigs, evidence.CNIDirs} {
		addMissing(n, l...)
	}
	for p, m := range files {
		addFile(n, p, m, 0, 0)
	}
	return n
}

// gkeCOSWorker: /home/kubernetes/bin/kubelet with --config
// /home/kubernetes/kubelet-config.yaml, kubeconfig /var/lib/kubelet/kubeconfig,
// kube-proxy as a static pod with /var/lib/kube-proxy/kubeconfig.
func gkeCOSWorker() *evidence.Node {
	const cfg = "/home/kubernetes/kubelet-config.yaml"
	n := platformWorker("gke-pool-1-abcd", []string{"/home/kubernetes/bin/kubelet", "--v=2",
		"--kubeconfig=/var/lib/kubelet/kubeconfig", "--bootstrap-kubeconfig=/var/lib/kubelet/bootstrap-kubeconfig",
		"--config=" + cfg, "--cert-dir=/var/lib/kubelet/pki/",
		"--node-labels=cloud.google.com/gke-nodepool=pool-1,cloud.google.com/gke-os-distribution=cos"},
		cfg, `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: /etc/srv/kubernetes/pki/ca-certificates.crt
authorization:
  mode: Webhook
readOnlyPort: 10255
featureGates:
  RotateKubeletServerCertificate: true
serverTLSBootstrap: true
staticPodPath: /etc/kubernetes/manifests
`, map[string]uint32{
			cfg: 0o644, "/var/lib/kubelet/kubeconfig": 0o644, "/var/lib/kube-proxy/kubeconfig": 0o644,
			"/etc/systemd/system/kubelet.service": 0o644, "/etc/srv/kubernetes/pki/ca-certificates.crt": 0o644,
		})
	n.Processes[evidence.KubeProxy] = proc(900, "kube-proxy", "--kubeconfig=/var/lib/kube-proxy/kubeconfig", "--v=2")
	return n
}

var platformFixtures = map[string]struct {
	build     func() *evidence.Node
	benchmark string
}{
	"gke-cos-worker": {gkeCOSWorker, "gke-1.9.0"},
}

func TestPlatformFixtures(t *testing.T) {
	for name, fx := range platformFixtures {
		t.Run(name, func(t *testing.T) {
			tr := EvaluateNode(fx.build(), EvalOptions{Benchmark: fx.benchmark, Now: testNow})
			if tr.Error != "" {
				t.Fatal(tr.Error)
			}
			for _, r := range tr.Results {
				if r.Benchmark != fx.benchmark && r.Benchmark != BenchmarkHarden {
					t.Errorf("%s: benchmark %s", r.ControlID, r.Benchmark)
				}
			}
			checkGolden(t, filepath.Join("testdata", name+"."+fx.benchmark+".golden"), tr)
		})
	}
}
