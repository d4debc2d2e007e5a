package fix

import (
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestGenerators: each generator on the layouts it meets, with the case
// that must not be fixed beside the one that is.
func TestGenerators(t *testing.T) {
	kubeadm := &report.NodeLayout{
		Manifests:     map[string]string{"kube-apiserver": "/etc/kubernetes/manifests/kube-apiserver.yaml", "kube-scheduler": "/etc/kubernetes/manifests/kube-scheduler.yaml"},
		KubeletConfig: "/var/lib/kubelet/config.yaml", KubeletFlags: []string{"config", "kubeconfig"},
	}
	dropIn := &report.NodeLayout{KubeletConfig: "/etc/kubernetes/kubelet/config.json", KubeletConfigDir: "/etc/kubernetes/kubelet/config.json.d", KubeletFlags: []string{"config", "config-dir"}}
	flagged := &report.NodeLayout{KubeletConfig: "/var/lib/kubelet/config.yaml", KubeletFlags: []string{"config", "pod-max-pids"}, KubeletEnvFiles: []string{"/var/lib/kubelet/kubeadm-flags.env"}}
	hostile := &report.NodeLayout{Manifests: map[string]string{"kube-apiserver": "/etc/kubernetes/manifests/$(reboot).yaml"}}
	k3s := &report.Platform{Distribution: &report.Distribution{ID: "k3s", Name: "K3s"}}
	eks := &report.Platform{Name: "eks", Provider: "Amazon EKS", Managed: true}
	cases := []struct {
		name     string
		check    string
		params   map[string]string
		layout   *report.NodeLayout
		platform *report.Platform
		evidence []report.Observation
		want     Disposition
		contains string // in the first change, the durable entry or the reason
	}{
		{"profiling in the manifest", "component.flag-false", map[string]string{"component": "kube-scheduler", "flag": "profiling"}, kubeadm, nil, nil, Fixed, "--profiling=false (/etc/kubernetes/manifests/kube-scheduler.yaml)"},
		{"no manifest on the node", "component.flag-false", map[string]string{"component": "kube-controller-manager", "flag": "profiling"}, kubeadm, nil, nil, Manual, "no static pod manifest"},
		{"k3s: config.yaml line", "component.flag-false", map[string]string{"component": "kube-apiserver", "flag": "profiling"}, kubeadm, k3s, nil, Manual, "/etc/rancher/k3s/config.yaml kube-apiserver-arg profiling=false"},
		{"a path a script must not carry", "component.flag-false", map[string]string{"component": "kube-apiserver", "flag": "profiling"}, hostile, nil, nil, Manual, "characters a plan does not write"},
		{"audit brings its policy and mounts", "component.flags-set", map[string]string{"component": "kube-apiserver", "flags": "audit-log-path"}, kubeadm, nil, nil, Fixed, "write /etc/kubernetes/audit/policy.yaml"},
		{"certificate flags need values", "component.flags-set", map[string]string{"component": "kube-apiserver", "flags": "kubelet-client-certificate,kubelet-client-key"}, kubeadm, nil, nil, Manual, "need values"},
		{"kubelet CA is a decision", "component.flags-set", map[string]string{"component": "kube-apiserver", "flags": "kubelet-certificate-authority"}, kubeadm, nil, nil, Decision, "self-signed"},
		{"anonymous-auth breaks the probes", "apiserver.anonymous-auth-disabled", nil, kubeadm, nil, nil, Decision, "liveness"},
		{"EventRateLimit brings its config", "apiserver.admission-plugin-enabled", map[string]string{"plugin": "EventRateLimit"}, kubeadm, nil, nil, Fixed, "write /etc/kubernetes/admission/admission-config.yaml"},
		{"AlwaysPullImages is a decision", "apiserver.admission-plugin-enabled", map[string]string{"plugin": "AlwaysPullImages"}, kubeadm, nil, nil, Decision, "registry"},
		{"kubelet key in the config file", "kubelet.pod-pids-limit", nil, kubeadm, nil, nil, Fixed, "kubelet: podPidsLimit: 4096 in /var/lib/kubelet/config.yaml"},
		{"kubelet key in a drop-in", "kubelet.pod-pids-limit", nil, dropIn, nil, nil, Fixed, "/etc/kubernetes/kubelet/config.json.d/90-kubectl-harden.conf"},
		{"a flag overrides the file", "kubelet.pod-pids-limit", nil, flagged, nil, nil, Manual, "a flag overrides the config file"},
		{"nested key without a drop-in dir", "kubelet.anonymous-auth-off", nil, kubeadm, nil, nil, Manual, "nested"},
		{"nested key in a drop-in", "kubelet.anonymous-auth-off", nil, dropIn, nil, nil, Fixed, "authentication.anonymous.enabled: false"},
		{"EKS: nodeadm NodeConfig", "kubelet.rotate-certificates", nil, dropIn, eks, nil, Fixed, "nodeadm NodeConfig"},
		{"serving certificate is a decision", "kubelet.serving-cert", nil, kubeadm, nil, nil, Decision, "CSR"},
		{"chmod the evidence's files", "file.mode", map[string]string{"locate": "kubelet-config", "max": "0600"}, kubeadm, nil, []report.Observation{{Location: "/var/lib/kubelet/config.yaml", Path: "/var/lib/kubelet/config.yaml"}}, Fixed, "chmod /var/lib/kubelet/config.yaml to at most 0600"},
		{"CNI files belong to the plugin", "file.mode", map[string]string{"locate": "cni-files", "max": "0600"}, kubeadm, nil, []report.Observation{{Path: "/etc/cni/net.d/10-kindnet.conflist"}}, Manual, "network plugin"},
		{"chown", "file.owner", map[string]string{"locate": "kubelet-config", "user": "root", "group": "root"}, kubeadm, nil, []report.Observation{{Path: "/var/lib/kubelet/config.yaml"}}, Fixed, "chown root:root /var/lib/kubelet/config.yaml"},
		{"etcd user is a decision", "etcd.data-dir-owner", nil, kubeadm, nil, nil, Decision, "etcd user"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			params := map[string]any{}
			for k, v := range c.params {
				params[k] = v
			}
			g, ok := generators[c.check]
			if !ok {
				t.Fatalf("no generator for %s", c.check)
			}
			tr := &report.TargetReport{Kind: report.TargetNode, Name: "n", Layout: c.layout}
			f := g(Input{Result: report.Result{Status: report.StatusFail, Evidence: c.evidence}, Params: params, Target: tr, Platform: c.platform})
			if err := validate(f); err != nil {
				f = Fix{Disposition: Manual, Why: "the fix was not written: " + err.Error()}
			}
			if f.Disposition != c.want {
				t.Fatalf("disposition %q (%s), want %q", f.Disposition, f.Why, c.want)
			}
			text := f.Why
			for _, ch := range f.Changes {
				text += "\n" + describe(ch)
			}
			for _, d := range f.Durable {
				text += "\n" + d.Target + " " + d.Name + "=" + d.Value
			}
			if c.want == Fixed && len(f.Changes) == 0 {
				t.Errorf("fixed without a change")
			}
			if !strings.Contains(text, c.contains) {
				t.Errorf("want %q in:\n%s", c.contains, text)
			}
		})
	}
}

// TestSelection: accepted findings are never fixed; --level, --control and
// --status select.
func TestSelection(t *testing.T) {
	r := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: "cis-1.12"})
	tr := report.TargetReport{Kind: report.TargetNode, Name: "n", Layout: &report.NodeLayout{Manifests: map[string]string{"kube-apiserver": "/etc/kubernetes/manifests/kube-apiserver.yaml"}}}
	tr.Results = []report.Result{
		{ControlID: "1.2.15", Benchmark: "cis-1.12", Level: 1, Status: report.StatusFail},
		{ControlID: "1.2.29", Benchmark: "cis-1.12", Level: 1, Status: report.StatusAccepted, AcceptedStatus: report.StatusFail},
		{ControlID: "1.2.20", Benchmark: "cis-1.12", Level: 1, Status: report.StatusWarn},
		{ControlID: "1.2.27", Benchmark: "cis-1.12", Level: 2, Status: report.StatusFail},
	}
	r.AddTarget(tr)
	ids := func(o Options) string {
		p, err := Generate(r, o)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range p.Items {
			out = append(out, it.ControlID)
		}
		return strings.Join(out, ",")
	}
	globs, _ := report.ParseControlGlobs([]string{"1.2.2*"})
	for _, c := range []struct {
		name string
		o    Options
		want string
	}{
		{"FAIL by default, the accepted one left out", Options{}, "1.2.15,1.2.27"},
		{"level 1", Options{Level: 1}, "1.2.15"},
		{"control glob", Options{Controls: globs}, "1.2.27"},
		{"WARN too", Options{Statuses: []report.Status{report.StatusFail, report.StatusWarn}}, "1.2.15,1.2.20,1.2.27"},
	} {
		if got := ids(c.o); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// TestGeneratorsNameRealChecks: every generator is keyed by a check some
// benchmark's control names (a typo would leave its findings unfixed).
func TestGeneratorsNameRealChecks(t *testing.T) {
	used := map[string]bool{}
	for _, b := range benchmarks.All() {
		for _, c := range b.Controls {
			used[c.Check] = true
		}
	}
	for _, g := range Generators() {
		if !used[g] {
			t.Errorf("generator %s: no benchmark control uses this check", g)
		}
	}
}
