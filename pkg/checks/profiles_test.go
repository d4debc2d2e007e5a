package checks

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

func TestProfilesParseAndReferenceValidChecks(t *testing.T) {
	entries, err := benchmarkFiles.ReadDir("benchmarks")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, e := range entries {
		b, _ := benchmarkFiles.ReadFile("benchmarks/" + e.Name())
		p, err := ParseProfile(b, e.Name())
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if ids[p.ID] {
			t.Errorf("benchmark %s defined twice", p.ID)
		}
		ids[p.ID] = true
		if strings.TrimSuffix(e.Name(), ".yaml") != p.ID {
			t.Errorf("file %s holds benchmark %s", e.Name(), p.ID)
		}
		for _, c := range p.Controls {
			chk, ok := LookupCheck(c.Check)
			if !ok || chk.Validate(c.Params) != nil {
				t.Errorf("%s %s: check %q params %v", p.ID, c.ID, c.Check, c.Params)
			}
			if c.Source == "" && p.ID != "stig" {
				t.Errorf("%s %s: no source", p.ID, c.ID)
			}
			if p.Managed != "" && (c.Role == RoleControlPlane || c.Role == RoleEtcd) {
				t.Errorf("%s %s: a managed platform's benchmark has no control-plane node control", p.ID, c.ID)
			}
		}
	}
	for _, want := range []string{"cis-1.12", "eks-1.8.0", "gke-1.9.0", "aks-1.8", "stig"} {
		if !ids[want] {
			t.Errorf("benchmark %s missing", want)
		}
	}
}

func TestParseProfileRejects(t *testing.T) {
	base := "id: x\ntitle: X\nsources: [s]\ncontrols:\n"
	ctl := func(extra string) string {
		return base + "- {id: '1', title: t, level: 1, role: worker, remediation: r, " + extra + "}\n"
	}
	for name, doc := range map[string]string{
		"unknown check":            ctl("check: nope"),
		"unknown param":            ctl("check: file.mode, params: {locate: kubelet-config, max: '0600', extra: 1}"),
		"missing param":            ctl("check: file.mode, params: {locate: kubelet-config}"),
		"bad enum":                 ctl("check: file.mode, params: {locate: nowhere, max: '0600'}"),
		"bad octal":                ctl("check: file.mode, params: {locate: kubelet-config, max: '0999'}"),
		"bad bool":                 ctl("check: kubelet.read-only-port-off, params: {explicit: 'yes'}"),
		"unknown role":             base + "- {id: '1', title: t, level: 1, role: moon, remediation: r, check: manual, params: {review: x}}\n",
		"duplicate ID":             ctl("check: manual, params: {review: x}") + "- {id: '1', title: t, level: 1, role: worker, remediation: r, check: manual, params: {review: x}}\n",
		"no level":                 base + "- {id: '1', title: t, role: worker, remediation: r, check: manual, params: {review: x}}\n",
		"KH in a profile":          base + "- {id: KH-X, title: t, level: 1, role: worker, remediation: r, check: manual, params: {review: x}}\n",
		"unknown field":            ctl("check: manual, params: {review: x}, colour: red"),
		"api on a node":            ctl("check: api.control, params: {engine: rbac, control: '5.1.1'}"),
		"node check on the API":    base + "- {id: '1', title: t, level: 1, role: cluster, remediation: r, check: file.mode, params: {locate: kubelet-config, max: '0600'}}\n",
		"unknown engine":           base + "- {id: '1', title: t, level: 1, role: cluster, remediation: r, check: api.control, params: {engine: dns, control: '5.1.1'}}\n",
		"no control":               base + "- {id: '1', title: t, level: 1, role: cluster, remediation: r, check: api.control, params: {engine: rbac}}\n",
		"engine on a node control": ctl("check: manual, params: {review: x, engine: rbac}"),
	} {
		if _, err := ParseProfile([]byte(doc), name); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestCIS112LevelsMatchSource compares every CIS 1.12 control's level and
// Automated flag with Prowler's CIS 1.12 mapping (testdata), and the counts
// per level and per mode over the controls implemented here.
func TestCIS112LevelsMatchSource(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "prowler-cis-1.12-levels.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type rec struct {
		level     string
		automated bool
	}
	src := map[string]rec{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 3 && !strings.HasPrefix(fs[0], "#") {
			src[fs[0]] = rec{fs[1], fs[2] == "Automated"}
		}
	}
	if len(src) != 131 {
		t.Fatalf("source has %d controls, want 131", len(src))
	}
	p, _ := LookupProfile(BenchmarkCIS112)
	got, want := map[string]int{}, map[string]int{}
	for _, c := range p.Controls {
		s, ok := src[c.ID]
		if !ok {
			t.Errorf("%s is not in the source", c.ID)
			continue
		}
		if lv := string(rune('0' + c.Level)); lv != s.level {
			t.Errorf("%s: level %d, source says %s", c.ID, c.Level, s.level)
		}
		// kube-bench's title says Automated for 4.3.1; Prowler says Manual.
		if c.Automated != s.automated && c.ID != "4.3.1" {
			t.Errorf("%s: automated %t, source says %t", c.ID, c.Automated, s.automated)
		}
		got["level"+string(rune('0'+c.Level))]++
		want["level"+s.level]++
		if c.Automated {
			got["automated"]++
		}
		if s.automated {
			want["automated"]++
		}
	}
	want["automated"]++ // 4.3.1, see above
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d controls, source %d", k, got[k], n)
		}
	}
	if got["level1"] != 91 || got["level2"] != 6 || got["automated"] != 65 {
		t.Errorf("counts %v, want level1 91, level2 6, automated 65", got)
	}
}

func outcomeOf(t *testing.T, bench, id string, ev *evidence.Node) Outcome {
	t.Helper()
	for _, c := range NodeControls(bench) {
		if c.ID == id {
			return c.Check(ev)
		}
	}
	t.Fatalf("%s has no control %s", bench, id)
	return Outcome{}
}

// TestParameterisedControls has a pass and a fail case for every control
// whose parameters differ from CIS 1.12's.
func TestParameterisedControls(t *testing.T) {
	withConfig := func(extra string) func(*evidence.Node) {
		return func(n *evidence.Node) { n.Configs[kubeletConfigPath] = kubeletConfigKubeadm + extra }
	}
	kubeconfigMode := func(m uint32) func(*evidence.Node) {
		return func(n *evidence.Node) { n.Files["/etc/kubernetes/kubelet.conf"].Mode = m }
	}
	configMode := func(m uint32) func(*evidence.Node) {
		return func(n *evidence.Node) { n.Files[kubeletConfigPath].Mode = m }
	}
	flag := func(f, v string) func(*evidence.Node) {
		return func(n *evidence.Node) { setFlag(n, evidence.Kubelet, f, v) }
	}
	for _, tc := range []struct {
		bench, id string
		mutate    func(*evidence.Node)
		want      Status
	}{
		{"eks-1.8.0", "3.1.1", kubeconfigMode(0o644), StatusPass},
		{"eks-1.8.0", "3.1.1", kubeconfigMode(0o664), StatusFail},
		{"cis-1.12", "4.1.5", kubeconfigMode(0o644), StatusFail},
		{"eks-1.8.0", "3.1.3", configMode(0o644), StatusPass},
		{"eks-1.8.0", "3.1.3", configMode(0o666), StatusFail},
		{"eks-1.8.0", "3.2.4", withConfig("readOnlyPort: 0\n"), StatusPass},
		{"eks-1.8.0", "3.2.4", withConfig(""), StatusFail},
		{"cis-1.12", "4.2.4", withConfig(""), StatusPass},
		{"eks-1.8.0", "3.2.9", withConfig("featureGates:\n  RotateKubeletServerCertificate: true\n"), StatusPass},
		{"eks-1.8.0", "3.2.9", withConfig(""), StatusFail},
		{"aks-1.8", "3.2.1", withConfig(""), StatusPass},
		{"aks-1.8", "3.2.1", flag("anonymous-auth", "true"), StatusFail},
		{"gke-1.9.0", "3.1.3", configMode(0o644), StatusPass},
		{"gke-1.9.0", "3.1.3", configMode(0o646), StatusFail},
		{"stig", "V-242387", withConfig("readOnlyPort: 0\n"), StatusPass},
		{"stig", "V-242387", flag("read-only-port", "0"), StatusFail},
		{"stig", "V-242434", withConfig("protectKernelDefaults: true\n"), StatusPass},
		{"stig", "V-242434", withConfig(""), StatusFail},
		// kubeadm sets staticPodPath on every node: the STIG conflicts.
		{"stig", "V-242397", func(n *evidence.Node) {
			n.Configs[kubeletConfigPath] = strings.Replace(kubeletConfigKubeadm, "staticPodPath: /etc/kubernetes/manifests\n", "", 1)
		}, StatusPass},
		{"stig", "V-242397", withConfig(""), StatusFail},
		{"stig", "V-245541", withConfig("streamingConnectionIdleTimeout: 5m0s\n"), StatusPass},
		{"stig", "V-245541", withConfig("streamingConnectionIdleTimeout: 1m0s\n"), StatusFail},
		{"stig", "V-242407", configMode(0o644), StatusPass},
		{"stig", "V-242407", configMode(0o664), StatusFail},
		{"stig", "V-242393", nil, StatusWarn},
	} {
		n := kubeadmWorker()
		if tc.mutate != nil {
			tc.mutate(n)
		}
		o := outcomeOf(t, tc.bench, tc.id, n)
		if o.Status != tc.want {
			t.Errorf("%s %s: %s (%s), want %s", tc.bench, tc.id, o.Status, o.Reason, tc.want)
		}
	}
	for _, tc := range []struct {
		id     string
		mutate func(*evidence.Node)
		want   Status
	}{
		{"V-242382", nil, StatusPass},
		{"V-242382", func(n *evidence.Node) { setFlag(n, evidence.APIServer, "authorization-mode", "RBAC") }, StatusFail},
		{"V-242378", func(n *evidence.Node) { setFlag(n, evidence.APIServer, "tls-min-version", "VersionTLS12") }, StatusPass},
		{"V-242378", nil, StatusFail},
		{"V-242400", nil, StatusPass},
		{"V-242400", func(n *evidence.Node) { setFlag(n, evidence.APIServer, "feature-gates", "AllAlpha=true") }, StatusFail},
		{"V-242460", nil, StatusPass},
		{"V-242460", func(n *evidence.Node) { n.Files["/etc/kubernetes/scheduler.conf"].Mode = 0o664 }, StatusFail},
		{"V-242408", nil, StatusPass},
		{"V-242408", func(n *evidence.Node) { n.Files["/etc/kubernetes/manifests/etcd.yaml"].Mode = 0o664 }, StatusFail},
	} {
		n := hardenedControlPlane()
		addDir(n, "/etc/kubernetes/manifests", 0o755, 0, 0)
		if tc.mutate != nil {
			tc.mutate(n)
		}
		if o := outcomeOf(t, "stig", tc.id, n); o.Status != tc.want {
			t.Errorf("stig %s: %s (%s), want %s", tc.id, o.Status, o.Reason, tc.want)
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
		bench         string
		fargate       int
	}{
		{"eks version suffix", "v1.33.2-eks-4ef4b32", nil, "eks", "eks-1.8.0", 0},
		{"eks labels", "v1.33.2", []NodeFacts{node("n", "aws:///eu-west-1a/i-1", "Amazon Linux 2023.6.20250115", "eks.amazonaws.com/nodegroup", "ng")}, "eks", "eks-1.8.0", 0},
		{"eks bottlerocket", "v1.32.1-eks-1", []NodeFacts{node("n", "aws:///eu-west-1a/i-1", "Bottlerocket OS 1.26.1 (aws-k8s-1.32)")}, "eks", "eks-1.8.0", 0},
		{"eks fargate", "v1.32.1-eks-1", []NodeFacts{node("fargate-ip-1", "aws:///eu-west-1a/f", "", "eks.amazonaws.com/compute-type", "fargate")}, "eks", "eks-1.8.0", 1},
		{"gke version suffix", "v1.33.1-gke.1107000", nil, "gke", "gke-1.9.0", 0},
		{"gke labels and COS", "v1.33.1", []NodeFacts{node("n", "gce://p/z/n", "Container-Optimized OS from Google", "cloud.google.com/gke-nodepool", "default-pool")}, "gke", "gke-1.9.0", 0},
		{"aks labels", "v1.32.4", []NodeFacts{node("n", "azure:///subscriptions/x", "Ubuntu 22.04.5 LTS", "kubernetes.azure.com/cluster", "MC_rg")}, "aks", "aks-1.8", 0},
		{"self-managed on Azure VMs", "v1.32.4", []NodeFacts{node("n", "azure:///subscriptions/x", "Ubuntu 22.04.5 LTS", "node-role.kubernetes.io/control-plane", "")}, "", "cis-1.12", 0},
		{"self-managed on AWS", "v1.33.0", []NodeFacts{node("n", "aws:///eu-west-1a/i-1", "Ubuntu 24.04 LTS")}, "", "cis-1.12", 0},
		{"self-managed on GCE", "v1.33.0", []NodeFacts{node("n", "gce://p/z/n", "Ubuntu 24.04 LTS")}, "", "cis-1.12", 0},
		{"kind", "v1.34.4", []NodeFacts{node("kind-worker", "kind://docker/kind/kind-worker", "Debian GNU/Linux 12 (bookworm)")}, "", "cis-1.12", 0},
	} {
		p := DetectPlatform(tc.version, tc.nodes)
		if p.Name != tc.want || p.Managed != (tc.want != "") || len(p.Fargate) != tc.fargate || len(p.Evidence) == 0 {
			t.Errorf("%s: %+v, want %q", tc.name, p, tc.want)
		}
		b, reason, _ := SelectBenchmarkFor(tc.version, p)
		if b != tc.bench || reason == "" {
			t.Errorf("%s: benchmark %s (%s), want %s", tc.name, b, reason, tc.bench)
		}
	}
	if _, _, w := SelectBenchmarkFor("v1.29.0-eks-1", DetectPlatform("v1.29.0-eks-1", nil)); !strings.Contains(w, "outside") {
		t.Errorf("EKS 1.29: warning %q", w)
	}
}

// Section 4 of the managed benchmarks is API-level: every cluster control
// of eks-1.8.0, gke-1.9.0 and aks-1.8 is decided by an engine, and the
// counts per benchmark match kube-bench's policies.yaml of each.
func TestManagedPolicySections(t *testing.T) {
	for id, want := range map[string]int{"eks-1.8.0": 23, "gke-1.9.0": 20, "aks-1.8": 24} {
		var api, manual int
		for _, e := range APIEngines {
			pcs, native := APIControls(id, e)
			if native {
				t.Fatalf("%s: treated as native", id)
			}
			for _, pc := range pcs {
				if !strings.HasPrefix(pc.ID, "4.") {
					continue
				}
				if pc.Check == CheckAPIControl {
					api++
				} else {
					manual++
				}
			}
		}
		if api+manual != want {
			t.Errorf("%s: %d section 4 controls (%d decided, %d manual), want %d", id, api+manual, api, manual, want)
		}
		if manual > 1 {
			t.Errorf("%s: %d section 4 controls left manual; only the cloud-side one may be", id, manual)
		}
	}
	if _, native := APIControls(BenchmarkCIS112, "rbac"); !native {
		t.Error("cis-1.12 is not native to the engines")
	}
}
