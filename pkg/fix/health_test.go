package fix

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHealthURL runs the scripts' kh_health on static pod manifests: the
// URL apply.sh and rollback.sh wait for is the one the component serves,
// from the port and address its manifest sets, and none when it serves no
// health endpoint without credentials (a wrong URL makes apply.sh wait
// until its timeout and stop half-way).
func TestHealthURL(t *testing.T) {
	kubeadm, err := os.ReadFile("testdata/node/kube-apiserver.yaml")
	if err != nil {
		t.Fatal(err)
	}
	manifest := func(comp string, flags ...string) string {
		var b strings.Builder
		b.WriteString("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command:\n    - " + comp + "\n")
		for _, f := range flags {
			b.WriteString("    - " + f + "\n")
		}
		b.WriteString("    image: registry.k8s.io/" + comp + ":v1.34.4\n")
		return b.String()
	}
	for _, tc := range []struct {
		name, comp, manifest, want string
	}{
		{"kubeadm apiserver", "kube-apiserver", string(kubeadm), "https://127.0.0.1:6443/livez"},
		{"apiserver defaults", "kube-apiserver", manifest("kube-apiserver"), "https://127.0.0.1:6443/livez"},
		{"apiserver on 8443", "kube-apiserver", manifest("kube-apiserver", "--secure-port=8443"), "https://127.0.0.1:8443/livez"},
		{"apiserver bound to one address", "kube-apiserver", manifest("kube-apiserver", "--bind-address=10.0.0.5", "--secure-port=443"), "https://10.0.0.5:443/livez"},
		{"apiserver bound to any address", "kube-apiserver", manifest("kube-apiserver", "--bind-address=0.0.0.0"), "https://127.0.0.1:6443/livez"},
		{"apiserver bound to an IPv6 address", "kube-apiserver", manifest("kube-apiserver", "--bind-address=fd00::5"), "https://[fd00::5]:6443/livez"},
		{"quoted port", "kube-apiserver", manifest("kube-apiserver", `--secure-port="7443"`), "https://127.0.0.1:7443/livez"},
		{"kubeadm controller-manager", "kube-controller-manager", manifest("kube-controller-manager", "--bind-address=127.0.0.1"), "https://127.0.0.1:10257/healthz"},
		{"controller-manager on 10300", "kube-controller-manager", manifest("kube-controller-manager", "--secure-port=10300"), "https://127.0.0.1:10300/healthz"},
		{"controller-manager without a secure port", "kube-controller-manager", manifest("kube-controller-manager", "--secure-port=0"), ""},
		{"kubeadm scheduler", "kube-scheduler", manifest("kube-scheduler", "--bind-address=127.0.0.1"), "https://127.0.0.1:10259/healthz"},
		{"kubeadm etcd", "etcd", manifest("etcd", "--listen-client-urls=https://127.0.0.1:2379,https://172.18.0.3:2379", "--listen-metrics-urls=http://127.0.0.1:2381"), "http://127.0.0.1:2381/health"},
		{"etcd metrics on any address, two URLs", "etcd", manifest("etcd", "--listen-metrics-urls=http://0.0.0.0:2382/,http://10.0.0.5:2382"), "http://127.0.0.1:2382/health"},
		{"etcd metrics over TLS", "etcd", manifest("etcd", "--listen-metrics-urls=https://127.0.0.1:2381"), ""},
		{"etcd without a metrics listener", "etcd", manifest("etcd", "--listen-client-urls=https://127.0.0.1:2379"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.comp+".yaml")
			if err := os.WriteFile(path, []byte(tc.manifest), 0o600); err != nil {
				t.Fatal(err)
			}
			// The node's /bin/sh runs the scripts: dash (Debian, kind's
			// node image) or bash (RHEL-like hosts).
			for _, shell := range []string{"sh", "bash"} {
				cmd := exec.Command(shell, "-c", scriptLib+"\nkh_health \"$0\" \"$1\"\n", tc.comp, path)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("%s: kh_health failed: %v\n%s", shell, err, out)
				}
				if got := strings.TrimSuffix(string(out), "\n"); got != tc.want {
					t.Errorf("%s: kh_health %s = %q, want %q", shell, tc.comp, got, tc.want)
				}
			}
		})
	}
}
