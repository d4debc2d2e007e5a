package checks

import (
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// Scanners have read a different kubelet config file than the one the
// kubelet uses (kube-bench #1256, #948). These tests pin the kubelet's own
// resolution.

func TestKubeletUsesItsOwnConfigFlag(t *testing.T) {
	for _, tc := range []struct {
		name             string
		custom, standard string
		want             Status
	}{
		{"custom file says false, standard file says true", "false", "true", StatusPass},
		{"custom file says true, standard file says false", "true", "false", StatusFail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := kubeadmWorker()
			setFlag(n, evidence.Kubelet, "config", "/custom/path.yaml")
			addFile(n, "/custom/path.yaml", 0o600, 0, 0)
			n.Configs["/custom/path.yaml"] = strings.Replace(kubeletConfigKubeadm, "enabled: false", "enabled: "+tc.custom, 1)
			n.Configs[kubeletConfigPath] = strings.Replace(kubeletConfigKubeadm, "enabled: false", "enabled: "+tc.standard, 1)
			r := resultOf(t, n, "4.2.1")
			if r.Status != tc.want {
				t.Fatalf("got %s (%s), want %s", r.Status, r.Reason, tc.want)
			}
			if !strings.Contains(evidenceText(r), "/custom/path.yaml authentication.anonymous.enabled") {
				t.Errorf("evidence %v does not name the custom file", r.Evidence)
			}
			if f := resultOf(t, n, "4.1.9"); f.Status != StatusPass || f.Evidence[len(f.Evidence)-1].Path != "/custom/path.yaml" {
				t.Errorf("4.1.9 checked %v (%s)", f.Evidence, f.Status)
			}
			tr := EvaluateNode(n, testOpts())
			wantNotes(t, tr, "kubelet config: /custom/path.yaml (from --config)")
		})
	}
}

func TestKubeletJSONConfig(t *testing.T) {
	// kube-bench#1256: the kubelet's config file is JSON.
	n := kubeadmWorker()
	setFlag(n, evidence.Kubelet, "config", "/etc/kubernetes/kubelet/kubelet_conf.json")
	n.Configs["/etc/kubernetes/kubelet/kubelet_conf.json"] = `{"kind":"KubeletConfiguration","apiVersion":"kubelet.config.k8s.io/v1beta1",
	  "authentication":{"anonymous":{"enabled":false},"x509":{"clientCAFile":"/etc/kubernetes/pki/ca.crt"}},
	  "authorization":{"mode":"Webhook"},"readOnlyPort":0,"eventRecordQPS":0,"podPidsLimit":1024}`
	for id, want := range map[string]Status{"4.2.1": StatusPass, "4.2.2": StatusPass, "4.2.3": StatusPass, "4.2.4": StatusPass, "4.2.8": StatusPass, "4.2.13": StatusPass} {
		if r := resultOf(t, n, id); r.Status != want {
			t.Errorf("%s: got %s (%s) %v", id, r.Status, r.Reason, r.Evidence)
		}
	}
	s, err := KubeletSetting(n, "podPidsLimit")
	if err != nil || s.Value != "1024" || s.Source != "config" || !s.Set {
		t.Errorf("podPidsLimit: %+v, %v", s, err)
	}
}

func TestKubeletConfigThatIsNotAKubeletConfiguration(t *testing.T) {
	// kube-bench#852: a kubeconfig mistaken for the kubelet config.
	n := kubeadmWorker()
	n.Configs[kubeletConfigPath] = "apiVersion: v1\nkind: Config\nclusters: []\n"
	r := resultOf(t, n, "4.2.4")
	if r.Status != StatusError || !strings.Contains(r.Reason, "not a KubeletConfiguration") {
		t.Errorf("got %s %q", r.Status, r.Reason)
	}
	// A flag still decides: it wins over whatever the file says.
	setFlag(n, evidence.Kubelet, "read-only-port", "0")
	if r := resultOf(t, n, "4.2.4"); r.Status != StatusPass {
		t.Errorf("flag should decide: %s %q", r.Status, r.Reason)
	}
}

func TestKubeletDefaultsDependOnConfigFile(t *testing.T) {
	withFile := kubeadmWorker()
	editConfig(withFile, kubeletConfigPath, func(m map[string]any) { delete(m, "authentication"); delete(m, "authorization") })
	flagsOnly := kubeadmWorker()
	delFlag(flagsOnly, evidence.Kubelet, "config")

	for _, tc := range []struct {
		key            string
		file, flagOnly string
	}{
		{"authentication.anonymous.enabled", "false", "true"},
		{"authorization.mode", "Webhook", "AlwaysAllow"},
		{"readOnlyPort", "0", "10255"},
		{"streamingConnectionIdleTimeout", "4h0m0s", "4h0m0s"},
		{"makeIPTablesUtilChains", "true", "true"},
		{"eventRecordQPS", "50", "50"},
		{"rotateCertificates", "true", "false"}, // kubeadm's file sets true
		{"podPidsLimit", "-1", "-1"},
		{"seccompDefault", "false", "false"},
		{"featureGates.RotateKubeletServerCertificate", "true", "true"},
	} {
		a, err := KubeletSetting(withFile, tc.key)
		if err != nil || a.Value != tc.file {
			t.Errorf("%s with a config file: %+v %v, want %s", tc.key, a, err, tc.file)
		}
		b, err := KubeletSetting(flagsOnly, tc.key)
		if err != nil || b.Value != tc.flagOnly || b.Source != "default" || b.Set {
			t.Errorf("%s flags only: %+v %v, want default %s", tc.key, b, err, tc.flagOnly)
		}
	}
	tr := EvaluateNode(flagsOnly, testOpts())
	wantNotes(t, tr, "/var/lib/kubelet/config.yaml exists on the host but the kubelet does not read it")
}

func TestKubeletFlagBeatsConfig(t *testing.T) {
	n := kubeadmWorker()
	setFlag(n, evidence.Kubelet, "read-only-port", "10255")
	s, err := KubeletSetting(n, "readOnlyPort")
	if err != nil || s.Value != "10255" || s.Source != "flag" || s.Location != "kubelet --read-only-port" {
		t.Errorf("%+v %v", s, err)
	}
	// Feature gates merge per gate: a flag with other gates leaves the file's.
	editConfig(n, kubeletConfigPath, func(m map[string]any) {
		m["featureGates"] = map[string]any{"RotateKubeletServerCertificate": false}
	})
	setFlag(n, evidence.Kubelet, "feature-gates", "SomethingElse=true")
	s, _ = KubeletSetting(n, "featureGates.RotateKubeletServerCertificate")
	if s.Value != "false" || s.Source != "config" {
		t.Errorf("gate: %+v", s)
	}
}

func TestKubeletZeroDurationInFileIsDefaulted(t *testing.T) {
	s, err := KubeletSetting(kubeadmWorker(), "streamingConnectionIdleTimeout")
	if err != nil || s.Value != "4h0m0s" || s.Source != "default" || !strings.Contains(s.Note, `"0s"`) {
		t.Errorf("%+v %v", s, err)
	}
}

func TestKubeletConfigDropIns(t *testing.T) {
	n := kubeadmWorker()
	setFlag(n, evidence.Kubelet, "config-dir", "/etc/kubernetes/kubelet.conf.d")
	addDir(n, "/etc/kubernetes/kubelet.conf.d", 0o755, 0, 0)
	n.Configs["/etc/kubernetes/kubelet.conf.d/10-a.conf"] = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\n"
	n.Configs["/etc/kubernetes/kubelet.conf.d/20-b.conf"] = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\n"
	if r := resultOf(t, n, "4.2.4"); r.Status != StatusFail {
		t.Errorf("4.2.4 with a drop-in opening the port: %s %v", r.Status, r.Evidence)
	}
	s, _ := KubeletSetting(n, "authentication.x509.clientCAFile")
	if s.Value != "/etc/kubernetes/pki/ca.crt" {
		t.Errorf("drop-in merge lost a sibling key: %+v", s)
	}
	if r := resultOf(t, n, "4.2.1"); r.Status != StatusFail {
		t.Errorf("4.2.1: %s", r.Status)
	}
}

func TestOwnerComparedNumericallyWithHostPasswd(t *testing.T) {
	// The scan pod's own /etc/passwd is irrelevant (a busybox image has none):
	// the host's tables give the ids.
	n := hardenedControlPlane()
	n.Users = map[int]string{0: "root", 1001: "etcd"}
	n.Groups = map[int]string{0: "root", 1001: "etcd"}
	chown("/var/lib/etcd", 1001, 1001)(n)
	if r := resultOf(t, n, "1.1.12"); r.Status != StatusPass || !strings.Contains(r.Reason, "etcd:etcd (1001:1001)") {
		t.Errorf("uid 1001 is the host's etcd: %s %q", r.Status, r.Reason)
	}
	chown("/var/lib/etcd", 998, 998)(n) // etcd in some other passwd, not this host's
	if r := resultOf(t, n, "1.1.12"); r.Status != StatusFail {
		t.Errorf("uid 998: %s %q", r.Status, r.Reason)
	}
	// root is uid 0 even when the host tables were not collected.
	n.Users, n.Groups = nil, nil
	if r := resultOf(t, n, "1.1.2"); r.Status != StatusPass {
		t.Errorf("root without passwd: %s %q", r.Status, r.Reason)
	}
}

func TestKubeProxyMetricsBindAddress(t *testing.T) {
	n := kubeadmWorker()
	s, err := KubeProxyMetricsBindAddress(n)
	if err != nil || s.Value != "127.0.0.1:10249" || s.Source != "default" {
		t.Errorf("kubeadm empty value: %+v %v", s, err)
	}
	editConfig(n, proxyConfigFile, func(m map[string]any) { m["bindAddress"] = "::" })
	if s, _ := KubeProxyMetricsBindAddress(n); s.Value != "[::1]:10249" {
		t.Errorf("IPv6 bind address: %+v", s)
	}
	editConfig(n, proxyConfigFile, func(m map[string]any) { m["metricsBindAddress"] = "0.0.0.0" })
	if s, _ := KubeProxyMetricsBindAddress(n); s.Value != "0.0.0.0:10249" || s.Source != "config" {
		t.Errorf("port appended: %+v", s)
	}
	delFlag(n, evidence.KubeProxy, "config")
	setFlag(n, evidence.KubeProxy, "metrics-bind-address", "")
	if r := resultOf(t, n, "4.3.1"); r.Status != StatusPass || !strings.Contains(r.Reason, "disabled") {
		t.Errorf("empty flag disables metrics: %s %q", r.Status, r.Reason)
	}
}
