package fix

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// controlOf finds the cis-1.12 control decided by check with params
// matching want.
func controlOf(t *testing.T, check string, want map[string]string) benchmarks.Control {
	t.Helper()
	b, ok := benchmarks.Lookup("cis-1.12")
	if !ok {
		t.Fatal("no cis-1.12")
	}
	for _, c := range b.Controls {
		if c.Check != check {
			continue
		}
		match := true
		for k, v := range want {
			match = match && c.Params.String(k) == v
		}
		if match {
			return c
		}
	}
	t.Fatalf("no cis-1.12 control with check %s %v", check, want)
	return benchmarks.Control{}
}

func failOf(c benchmarks.Control, node string, ev ...report.Observation) report.Result {
	return report.Result{ControlID: c.ID, Benchmark: "cis-1.12", Level: c.Level, Target: node, Status: report.StatusFail, Reason: "test", Evidence: ev}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(to, mode); err != nil {
		t.Fatal(err)
	}
}

func runScript(t *testing.T, script, backup string) string {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(os.Environ(), "KH_BACKUP="+backup, "KH_NO_WAIT=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, out)
	}
	return string(out)
}

// TestScriptsRoundTrip runs a plan's apply.sh (twice: the second run must
// change nothing) and rollback.sh on a node laid out under a temporary
// directory, with a kubeadm manifest and kubelet config: every change is
// made, and rollback.sh brings back every byte, mode and owner.
func TestScriptsRoundTrip(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("the scripts run as root (they chown and check id -u): run this test as root")
	}
	root := t.TempDir()
	manifest := filepath.Join(root, "etc/kubernetes/manifests/kube-apiserver.yaml")
	kubelet := filepath.Join(root, "var/lib/kubelet/config.yaml")
	copyFile(t, "testdata/node/kube-apiserver.yaml", manifest, 0o600)
	copyFile(t, "testdata/node/config.yaml", kubelet, 0o644)
	origManifest, _ := os.ReadFile(manifest)
	origKubelet, _ := os.ReadFile(kubelet)

	node := "node-1"
	tr := report.TargetReport{Kind: report.TargetNode, Name: node, Layout: &report.NodeLayout{
		Manifests:     map[string]string{"kube-apiserver": manifest},
		KubeletConfig: kubelet, KubeletFlags: []string{"config", "kubeconfig"},
	}}
	tr.Results = []report.Result{
		failOf(controlOf(t, "component.flag-false", map[string]string{"component": "kube-apiserver", "flag": "profiling"}), node),
		failOf(controlOf(t, "apiserver.admission-plugin-enabled", map[string]string{"plugin": "DenyServiceExternalIPs"}), node),
		failOf(controlOf(t, "apiserver.strong-tls-ciphers", nil), node),
		failOf(controlOf(t, "kubelet.pod-pids-limit", nil), node),
		failOf(controlOf(t, "kubelet.tls-ciphers", nil), node),
		failOf(controlOf(t, "file.mode", map[string]string{"locate": "kubelet-config"}), node, report.Observation{Location: kubelet, Path: kubelet}),
		// A decision: never written.
		failOf(controlOf(t, "apiserver.admission-plugin-enabled", map[string]string{"plugin": "AlwaysPullImages"}), node),
	}
	r := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: "cis-1.12"})
	r.AddTarget(tr)
	p, err := Generate(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	files := p.Files()
	apply, rollback := files["nodes/"+node+"/apply.sh"], files["nodes/"+node+"/rollback.sh"]
	if apply == "" || rollback == "" {
		t.Fatalf("no scripts for %s: %v", node, files)
	}
	backup := filepath.Join(root, "backup")

	out := runScript(t, apply, backup)
	t.Logf("apply.sh:\n%s", out)
	m, _ := os.ReadFile(manifest)
	for _, want := range []string{"    - --profiling=false\n", "    - --enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs\n", "    - --tls-cipher-suites=TLS_ECDHE_"} {
		if !strings.Contains(string(m), want) {
			t.Errorf("manifest lacks %q:\n%s", want, m)
		}
	}
	if strings.Contains(string(m), "AlwaysPullImages") {
		t.Errorf("a fix that needs a decision was written:\n%s", m)
	}
	k, _ := os.ReadFile(kubelet)
	for _, want := range []string{"\npodPidsLimit: 4096\n", "\ntlsCipherSuites: [TLS_ECDHE_"} {
		if !strings.Contains(string(k), want) {
			t.Errorf("kubelet config lacks %q:\n%s", want, k)
		}
	}
	if fi, _ := os.Stat(kubelet); fi.Mode().Perm() != 0o600 {
		t.Errorf("kubelet config mode = %v, want 0600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(manifest); fi.Mode().Perm() != 0o600 {
		t.Errorf("manifest mode = %v, want 0600 kept", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(filepath.Dir(manifest)); len(entries) != 1 {
		t.Errorf("the manifest directory holds more than the manifest: %v", entries)
	}

	if out := runScript(t, apply, backup); !strings.Contains(out, "done: 0 change(s)") {
		t.Errorf("a second apply.sh changed something:\n%s", out)
	}

	out = runScript(t, rollback, backup)
	t.Logf("rollback.sh:\n%s", out)
	if m, _ := os.ReadFile(manifest); string(m) != string(origManifest) {
		t.Errorf("rollback did not restore the manifest:\n%s", m)
	}
	if k, _ := os.ReadFile(kubelet); string(k) != string(origKubelet) {
		t.Errorf("rollback did not restore the kubelet config:\n%s", k)
	}
	if fi, _ := os.Stat(kubelet); fi.Mode().Perm() != 0o644 {
		t.Errorf("kubelet config mode after rollback = %v, want 0644", fi.Mode().Perm())
	}
	if out := runScript(t, rollback, backup); !strings.Contains(out, "nothing to restore") {
		t.Errorf("a second rollback.sh did something:\n%s", out)
	}
}
