package checks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// Worker nodes of managed platforms, built from the layouts their public
// node bootstrap code writes (kubelet config at the path the kubelet's
// --config names): GKE from kubernetes/kubernetes
// cluster/gce/gci/configure-helper.sh (start-kubelet) and kube-bench issue
// #852 (a GKE node's kubelet command line); EKS AL2023 from
// awslabs/amazon-eks-ami nodeadm/internal/kubelet (config.go,
// kubeconfig.go, environment.go); Bottlerocket from
// bottlerocket-os/bottlerocket-core-kit packages/kubernetes-1.31
// (kubelet-exec-start-conf, kubelet-config); AKS from Azure/AgentBaker
// parts/linux/cloud-init/artifacts (kubelet.service,
// cse_config_kubelet.sh). Each has a golden report under its benchmark.

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
		cfg, platformFile("gke-cos-kubelet-config.yaml"), map[string]uint32{
			cfg: 0o644, "/var/lib/kubelet/kubeconfig": 0o644, "/var/lib/kube-proxy/kubeconfig": 0o644,
			"/etc/systemd/system/kubelet.service": 0o644, "/etc/srv/kubernetes/pki/ca-certificates.crt": 0o644,
		})
	n.Processes[evidence.KubeProxy] = proc(900, "kube-proxy", "--kubeconfig=/var/lib/kube-proxy/kubeconfig", "--v=2")
	return n
}

// eksAL2023Worker: nodeadm's kubelet with --config
// /etc/kubernetes/kubelet/config.json (0644) and nodeadm's defaults
// (readOnlyPort 0, protectKernelDefaults, serverTLSBootstrap, no
// streamingConnectionIdleTimeout/eventRecordQPS keys); kubeconfig
// /var/lib/kubelet/kubeconfig (0644).
func eksAL2023Worker() *evidence.Node {
	const cfg = "/etc/kubernetes/kubelet/config.json"
	return platformWorker("ip-10-0-1-23.eu-west-1.compute.internal", []string{"/usr/bin/kubelet",
		"--config=" + cfg, "--kubeconfig=/var/lib/kubelet/kubeconfig", "--image-credential-provider-bin-dir=/etc/eks/image-credential-provider",
		"--node-ip=10.0.1.23", "--cloud-provider=external", "--hostname-override=ip-10-0-1-23.eu-west-1.compute.internal"},
		cfg, platformFile("eks-al2023-kubelet-config.json"), map[string]uint32{cfg: 0o644, "/var/lib/kubelet/kubeconfig": 0o644, "/etc/kubernetes/pki/ca.crt": 0o644, "/etc/systemd/system/kubelet.service": 0o644})
}

// eksBottlerocketWorker: the kubelet from exec-start.conf with --config
// /etc/kubernetes/kubelet/config and --kubeconfig
// /etc/kubernetes/kubelet/kubeconfig; the config sets readOnlyPort 0,
// tlsCertFile/tlsPrivateKeyFile and staticPodPath; no systemd kubelet unit
// at the kubeadm paths.
func eksBottlerocketWorker() *evidence.Node {
	const cfg = "/etc/kubernetes/kubelet/config"
	return platformWorker("ip-10-0-2-34.eu-west-1.compute.internal", []string{"/usr/bin/kubelet",
		"--cloud-provider", "external", "--kubeconfig=/etc/kubernetes/kubelet/kubeconfig", "--config=" + cfg,
		"--root-dir=/var/lib/kubelet", "--cert-dir=/var/lib/kubelet/pki", "--node-ip=10.0.2.34"},
		cfg, platformFile("eks-bottlerocket-kubelet-config.yaml"), map[string]uint32{cfg: 0o644, "/etc/kubernetes/kubelet/kubeconfig": 0o600, "/etc/kubernetes/pki/ca.crt": 0o644})
}

// aksUbuntuWorker: /usr/local/bin/kubelet with --config
// /etc/default/kubeletconfig.json, kubeconfig /var/lib/kubelet/kubeconfig
// (0644), CA /etc/kubernetes/certs/ca.crt (0600) and settings in
// KUBELET_FLAGS on the command line.
func aksUbuntuWorker() *evidence.Node {
	const cfg = "/etc/default/kubeletconfig.json"
	n := platformWorker("aks-nodepool1-12345678-vmss000000", []string{"/usr/local/bin/kubelet", "--enable-server",
		"--node-labels=kubernetes.azure.com/cluster=MC_rg_aks_westeurope,kubernetes.azure.com/mode=system", "--v=2",
		"--volume-plugin-dir=/etc/kubernetes/volumeplugins", "--config=" + cfg,
		"--kubeconfig=/var/lib/kubelet/kubeconfig", "--bootstrap-kubeconfig=/var/lib/kubelet/bootstrap-kubeconfig",
		"--tls-cert-file=/etc/kubernetes/certs/kubeletserver.crt", "--tls-private-key-file=/etc/kubernetes/certs/kubeletserver.key",
		"--read-only-port=0"},
		cfg, platformFile("aks-ubuntu-kubeletconfig.json"), map[string]uint32{cfg: 0o644, "/var/lib/kubelet/kubeconfig": 0o644, "/etc/kubernetes/certs/ca.crt": 0o600, "/etc/systemd/system/kubelet.service": 0o644})
	return n
}

var platformFixtures = map[string]struct {
	build     func() *evidence.Node
	benchmark string
}{
	"gke-cos-worker":          {gkeCOSWorker, "gke-1.9.0"},
	"eks-al2023-worker":       {eksAL2023Worker, "eks-1.8.0"},
	"eks-bottlerocket-worker": {eksBottlerocketWorker, "eks-1.8.0"},
	"aks-ubuntu-worker":       {aksUbuntuWorker, "aks-1.8"},
	"eks-al2023-worker-stig":  {eksAL2023Worker, "stig-v2r6"},
	// The STIG's node rules on a real kind (kubeadm) control plane.
	"kind-control-plane-stig": {kindControlPlane, "stig-v2r6"},
}

// kindControlPlane is the evidence collected from a real kind v1.34
// control-plane node (pkg/evidence/testdata).
func kindControlPlane() *evidence.Node {
	path := filepath.Join("..", "evidence", "testdata", "kind-control-plane.json")
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	n, err := evidence.Unmarshal(b, path)
	if err != nil {
		panic(err)
	}
	return n
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

// platformFile reads a platform's kubelet configuration fixture from
// testdata/platforms.
func platformFile(name string) string {
	b, err := os.ReadFile(filepath.Join("testdata", "platforms", name))
	if err != nil {
		panic(err)
	}
	return string(b)
}
