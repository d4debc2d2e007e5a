package checks

import (
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/enginetest"
	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// TestEveryBenchmarkResolves: every node control of every benchmark names
// a registered node check with valid parameters. A benchmark that names a
// check wrongly, or gives it a parameter it does not take or a value
// outside its schema, fails here, in the package that owns the check.
func TestEveryBenchmarkResolves(t *testing.T) {
	enginetest.EveryBenchmarkResolves(t, Registry(), map[string]benchmarks.Control{
		"unknown check": {ID: "1", Check: "nope"},
		"unknown param": {ID: "1", Check: "file.mode", Params: Params{"locate": "kubelet-config", "max": "0600", "extra": 1.0}},
		"missing param": {ID: "1", Check: "file.mode", Params: Params{"locate": "kubelet-config"}},
		"bad enum":      {ID: "1", Check: "file.mode", Params: Params{"locate": "nowhere", "max": "0600"}},
		"bad octal":     {ID: "1", Check: "file.mode", Params: Params{"locate": "kubelet-config", "max": "0999"}},
		"bad bool":      {ID: "1", Check: "kubelet.read-only-port-off", Params: Params{"explicit": "yes"}},
		"bad int":       {ID: "1", Check: "component.flag-min", Params: Params{"component": "kube-apiserver", "flag": "x", "min": "ten"}},
		"fractional":    {ID: "1", Check: "component.flag-min", Params: Params{"component": "kube-apiserver", "flag": "x", "min": 1.5}},
		"empty list":    {ID: "1", Check: "component.flags-set", Params: Params{"component": "kube-apiserver", "flags": " , "}},
		"api check":     {ID: "1", Check: "rbac.wildcard-roles"},
	})
}

// benchmarkCase is one verdict of a benchmark's control on a fixture: the
// cases that guard the (check, parameters) pairs the testBenchmark table
// (controls_test.go) does not reach.
type benchmarkCase struct {
	bench, id string
	// base builds the evidence; nil is the hardened control plane.
	base   func() *evidence.Node
	mutate func(*evidence.Node)
	want   Status
}

var (
	withKubeletConfig = func(extra string) func(*evidence.Node) {
		return func(n *evidence.Node) { n.Configs[kubeletConfigPath] = kubeletConfigKubeadm + extra }
	}
	kubeletFlag = func(f, v string) func(*evidence.Node) {
		return func(n *evidence.Node) { setFlag(n, evidence.Kubelet, f, v) }
	}
	worker = kubeadmWorker
)

var benchmarkCases = []benchmarkCase{
	{"eks-1.8.0", "3.1.1", worker, chmod("/etc/kubernetes/kubelet.conf", 0o644), StatusPass},
	{"eks-1.8.0", "3.1.1", worker, chmod("/etc/kubernetes/kubelet.conf", 0o664), StatusFail},
	{"eks-1.8.0", "3.1.3", worker, chmod(kubeletConfigPath, 0o644), StatusPass},
	{"eks-1.8.0", "3.1.3", worker, chmod(kubeletConfigPath, 0o666), StatusFail},
	{"eks-1.8.0", "3.2.4", worker, withKubeletConfig("readOnlyPort: 0\n"), StatusPass},
	{"eks-1.8.0", "3.2.4", worker, withKubeletConfig(""), StatusFail},
	{"eks-1.8.0", "3.2.9", worker, withKubeletConfig("featureGates:\n  RotateKubeletServerCertificate: true\n"), StatusPass},
	{"eks-1.8.0", "3.2.9", worker, withKubeletConfig(""), StatusFail},
	{"aks-1.8", "3.2.1", worker, withKubeletConfig(""), StatusPass},
	{"aks-1.8", "3.2.1", worker, kubeletFlag("anonymous-auth", "true"), StatusFail},
	{"gke-1.9.0", "3.1.3", worker, chmod(kubeletConfigPath, 0o644), StatusPass},
	{"gke-1.9.0", "3.1.3", worker, chmod(kubeletConfigPath, 0o646), StatusFail},
	{"stig", "V-242387", worker, withKubeletConfig("readOnlyPort: 0\n"), StatusPass},
	{"stig", "V-242387", worker, kubeletFlag("read-only-port", "0"), StatusFail},
	{"stig", "V-242434", worker, withKubeletConfig("protectKernelDefaults: true\n"), StatusPass},
	{"stig", "V-242434", worker, withKubeletConfig(""), StatusFail},
	// kubeadm sets staticPodPath on every node: the STIG conflicts.
	{"stig", "V-242397", worker, func(n *evidence.Node) {
		n.Configs[kubeletConfigPath] = strings.Replace(kubeletConfigKubeadm, "staticPodPath: /etc/kubernetes/manifests\n", "", 1)
	}, StatusPass},
	{"stig", "V-242397", worker, withKubeletConfig(""), StatusFail},
	{"stig", "V-245541", worker, withKubeletConfig("streamingConnectionIdleTimeout: 5m0s\n"), StatusPass},
	{"stig", "V-245541", worker, withKubeletConfig("streamingConnectionIdleTimeout: 1m0s\n"), StatusFail},
	{"stig", "V-242407", worker, chmod(kubeletConfigPath, 0o644), StatusPass},
	{"stig", "V-242407", worker, chmod(kubeletConfigPath, 0o664), StatusFail},
	{"stig", "V-242393", worker, nil, StatusWarn},
	{"stig", "V-242382", nil, nil, StatusPass},
	{"stig", "V-242382", nil, flag(api, "authorization-mode", "RBAC"), StatusFail},
	{"stig", "V-242378", nil, flag(api, "tls-min-version", "VersionTLS12"), StatusPass},
	{"stig", "V-242378", nil, nil, StatusFail},
	{"stig", "V-242400", nil, nil, StatusPass},
	{"stig", "V-242400", nil, flag(api, "feature-gates", "AllAlpha=true"), StatusFail},
	{"stig", "V-242460", nil, nil, StatusPass},
	{"stig", "V-242460", nil, chmod("/etc/kubernetes/scheduler.conf", 0o664), StatusFail},
	{"stig", "V-242408", nil, nil, StatusPass},
	{"stig", "V-242408", nil, chmod("/etc/kubernetes/manifests/etcd.yaml", 0o664), StatusFail},
	{"eks-1.8.0", "3.2.2", worker, nil, StatusPass},
	{"eks-1.8.0", "3.2.2", worker, editKubelet(func(m map[string]any) { delete(m, "authorization") }), StatusFail},
	{"gke-1.9.0", "3.1.1", worker, nil, StatusPass},
	{"gke-1.9.0", "3.1.1", worker, chmod("/var/lib/kube-proxy/kubeconfig.conf", 0o664), StatusFail},
	{"stig", "V-242376", nil, flag(kcm, "tls-min-version", "VersionTLS12"), StatusPass},
	{"stig", "V-242376", nil, flag(kcm, "tls-min-version", "VersionTLS11"), StatusFail},
	{"stig", "V-242376", nil, nil, StatusFail}, // unset: Go's default minimum applies
	{"stig", "V-242377", nil, flag(sched, "tls-min-version", "VersionTLS13"), StatusPass},
	{"stig", "V-242377", nil, flag(sched, "tls-min-version", "VersionTLS10"), StatusFail},
	{"stig-v2r4", "V-242388", nil, nil, StatusPass},
	{"stig-v2r4", "V-242388", nil, flag(api, "insecure-bind-address", "127.0.0.1"), StatusFail},
	{"stig", "V-242389", nil, nil, StatusPass},
	{"stig", "V-242389", nil, flag(api, "secure-port", "0"), StatusFail},
	{"stig", "V-242391", worker, nil, StatusPass},
	{"stig", "V-242391", worker, kubeletFlag("anonymous-auth", "false"), StatusFail},
	{"stig", "V-242391", worker, editKubelet(func(m map[string]any) { delete(m, "authentication") }), StatusFail},
	{"stig", "V-242392", worker, nil, StatusPass},
	{"stig", "V-242392", worker, editKubelet(func(m map[string]any) { sub(m, "authorization")["mode"] = "AlwaysAllow" }), StatusFail},
	{"stig", "V-242405", nil, nil, StatusPass},
	{"stig", "V-242405", nil, chown("/etc/kubernetes/manifests/kube-apiserver.yaml", 1000, 0), StatusFail},
	{"stig", "V-242418", nil, nil, StatusPass},
	{"stig", "V-242418", nil, flag(api, "tls-cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"), StatusFail},
	{"stig", "V-242420", worker, nil, StatusPass},
	{"stig", "V-242420", worker, kubeletFlag("client-ca-file", "/etc/kubernetes/pki/ca.crt"), StatusFail},
	{"stig", "V-242424", worker, withKubeletConfig("tlsCertFile: /var/lib/kubelet/pki/kubelet.crt\ntlsPrivateKeyFile: /var/lib/kubelet/pki/kubelet.key\n"), StatusPass},
	{"stig", "V-242424", worker, nil, StatusFail},
	{"stig", "V-242425", worker, withKubeletConfig("tlsCertFile: /var/lib/kubelet/pki/kubelet.crt\ntlsPrivateKeyFile: /var/lib/kubelet/pki/kubelet.key\n"), StatusPass},
	{"stig", "V-242425", worker, kubeletFlag("tls-cert-file", "/var/lib/kubelet/pki/kubelet.crt"), StatusFail},
	{"stig", "V-242446", nil, nil, StatusPass},
	{"stig", "V-242446", nil, chown("/etc/kubernetes/admin.conf", 1000, 0), StatusFail},
	{"stig", "V-242455", worker, nil, StatusPass},
	{"stig", "V-242455", worker, chmod(kubeadmUnit, 0o664), StatusFail},
	{"stig", "V-245542", nil, nil, StatusPass},
	{"stig", "V-245542", nil, flag(api, "basic-auth-file", "/etc/kubernetes/basic.csv"), StatusFail},
	{"stig", "V-254800", nil, flag(api, "admission-control-config-file", "/etc/kubernetes/admission.yaml"), StatusPass},
	{"stig", "V-254800", nil, nil, StatusFail},
}

// TestBenchmarkCases runs benchmarkCases.
func TestBenchmarkCases(t *testing.T) {
	for _, tc := range benchmarkCases {
		base := tc.base
		if base == nil {
			base = func() *evidence.Node {
				n := hardenedControlPlane()
				addDir(n, "/etc/kubernetes/manifests", 0o755, 0, 0)
				return n
			}
		}
		n := base()
		if tc.mutate != nil {
			tc.mutate(n)
		}
		tr := EvaluateNode(n, EvalOptions{Benchmark: tc.bench, Now: testNow})
		found := false
		for _, r := range tr.Results {
			if r.ControlID == tc.id {
				found = true
				if r.Status != tc.want {
					t.Errorf("%s %s: %s (%s), want %s; evidence %v", tc.bench, tc.id, r.Status, r.Reason, tc.want, r.Evidence)
				}
			}
		}
		if !found {
			t.Errorf("%s has no control %s", tc.bench, tc.id)
		}
	}
}

func TestManagedBenchmarkNeverPassesControlPlane(t *testing.T) {
	for _, b := range []string{"eks-1.8.0", "gke-1.9.0", "aks-1.8"} {
		tr := EvaluateNode(hardenedControlPlane(), EvalOptions{Benchmark: b, Now: testNow})
		for _, r := range tr.Results {
			if (r.Role == RoleControlPlane || r.Role == RoleEtcd) && (r.Status != StatusNA || !strings.HasPrefix(r.Reason, "control plane is managed by ")) {
				t.Errorf("%s %s: %s %s", b, r.ControlID, r.Status, r.Reason)
			}
		}
	}
}

func TestDetectPlatform(t *testing.T) {
	node := func(name, pid, osImage string, labels ...string) NodeFacts {
		l := map[string]string{}
		for i := 0; i+1 < len(labels); i += 2 {
			l[labels[i]] = labels[i+1]
		}
		return NodeFacts{Name: name, ProviderID: pid, OSImage: osImage, Labels: l}
	}
	for _, tc := range []struct {
		name, version string
		nodes         []NodeFacts
		want          string
		fargate       int
	}{
		{"eks version suffix", "v1.33.2-eks-4ef4b32", nil, "eks", 0},
		{"eks labels", "v1.33.2", []NodeFacts{node("n", "aws:///eu-west-1a/i-1", "Amazon Linux 2023.6.20250115", "eks.amazonaws.com/nodegroup", "ng")}, "eks", 0},
		{"eks bottlerocket", "v1.32.1-eks-1", []NodeFacts{node("n", "aws:///eu-west-1a/i-1", "Bottlerocket OS 1.26.1 (aws-k8s-1.32)")}, "eks", 0},
		{"eks fargate", "v1.32.1-eks-1", []NodeFacts{node("fargate-ip-1", "aws:///eu-west-1a/f", "", "eks.amazonaws.com/compute-type", "fargate")}, "eks", 1},
		{"gke version suffix", "v1.33.1-gke.1107000", nil, "gke", 0},
		{"gke labels and COS", "v1.33.1", []NodeFacts{node("n", "gce://p/z/n", "Container-Optimized OS from Google", "cloud.google.com/gke-nodepool", "default-pool")}, "gke", 0},
		{"aks labels", "v1.32.4", []NodeFacts{node("n", "azure:///subscriptions/x", "Ubuntu 22.04.5 LTS", "kubernetes.azure.com/cluster", "MC_rg")}, "aks", 0},
		{"self-managed on Azure VMs", "v1.32.4", []NodeFacts{node("n", "azure:///subscriptions/x", "Ubuntu 22.04.5 LTS", "node-role.kubernetes.io/control-plane", "")}, "", 0},
		{"self-managed on AWS", "v1.33.0", []NodeFacts{node("n", "aws:///eu-west-1a/i-1", "Ubuntu 24.04 LTS")}, "", 0},
		{"self-managed on GCE", "v1.33.0", []NodeFacts{node("n", "gce://p/z/n", "Ubuntu 24.04 LTS")}, "", 0},
		{"kind", "v1.34.4", []NodeFacts{node("kind-worker", "kind://docker/kind/kind-worker", "Debian GNU/Linux 12 (bookworm)")}, "", 0},
	} {
		p := DetectPlatform(tc.version, tc.nodes)
		if p.Name != tc.want || p.Managed != (tc.want != "") || len(p.Fargate) != tc.fargate || len(p.Evidence) == 0 {
			t.Errorf("%s: %+v, want %q", tc.name, p, tc.want)
		}
		sel := SelectBenchmarkFor(tc.version, p)
		if b, _ := benchmarks.Lookup(sel.ID); b == nil || b.Platform != tc.want || sel.Reason == "" || sel.Warning != "" {
			t.Errorf("%s: benchmark %+v, want one of platform %q", tc.name, sel, tc.want)
		}
		if tc.want != "" && !strings.Contains(sel.Reason, p.Provider) {
			t.Errorf("%s: reason %q does not name the platform", tc.name, sel.Reason)
		}
	}
	if w := SelectBenchmarkFor("v1.29.0-eks-1", DetectPlatform("v1.29.0-eks-1", nil)).Warning; !strings.Contains(w, "outside") || !strings.Contains(w, "v1.29") {
		t.Errorf("EKS 1.29: warning %q", w)
	}
}
