//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestMutations breaks one thing at a time on a node, scans it and expects the
// matching control to flip; each subtest restores the node in t.Cleanup and
// waits until the cluster has recovered.
func TestMutations(t *testing.T) {
	base := baseline(t)

	t.Run("1.1.5 scheduler manifest mode 644", func(t *testing.T) {
		const path = "/etc/kubernetes/manifests/kube-scheduler.yaml"
		expectNot(t, base, cluster.cp, "1.1.5", report.StatusFail)
		chmodWithRestore(t, cluster.cp, path, "644")
		t.Cleanup(func() {
			kubectl(t, "wait", "-n", "kube-system", "pod", "-l", "component=kube-scheduler", "--for=condition=Ready", "--timeout=180s")
		})
		r := result(t, target(t, scanJSON(t, "node/"+cluster.cp), cluster.cp), "1.1.5")
		expectStatus(t, r, report.StatusFail)
		expectEvidence(t, r, path, "644")
	})

	t.Run("1.1.13 admin.conf mode 644", func(t *testing.T) {
		const path = "/etc/kubernetes/admin.conf"
		expectNot(t, base, cluster.cp, "1.1.13", report.StatusFail)
		chmodWithRestore(t, cluster.cp, path, "644")
		r := result(t, target(t, scanJSON(t, "node/"+cluster.cp), cluster.cp), "1.1.13")
		expectStatus(t, r, report.StatusFail)
		expectEvidence(t, r, path, "644")
	})

	t.Run("4.2.4 kubelet readOnlyPort 10255", func(t *testing.T) {
		node := cluster.worker
		expectNot(t, base, node, "4.2.4", report.StatusFail)
		cfgPath := flagValues(procCmdline(t, node, "kubelet"))["config"]
		if cfgPath == "" {
			t.Fatalf("node/%s: kubelet has no --config flag", node)
		}
		orig := nodeExec(t, node, "cat "+cfgPath)
		var lines []string
		for _, l := range strings.Split(strings.TrimRight(orig, "\n"), "\n") {
			if !strings.HasPrefix(l, "readOnlyPort:") {
				lines = append(lines, l)
			}
		}
		mutated := strings.Join(append(lines, "readOnlyPort: 10255"), "\n") + "\n"
		writeNodeFile(t, node, cfgPath, mutated)
		t.Cleanup(func() {
			writeNodeFile(t, node, cfgPath, orig)
			restartKubelet(t, node)
		})
		restartKubelet(t, node)
		r := result(t, target(t, scanJSON(t, "node/"+node), node), "4.2.4")
		expectStatus(t, r, report.StatusFail)
		expectEvidence(t, r, "readOnlyPort", "10255")
	})

	t.Run("1.2.15 apiserver --profiling=false", func(t *testing.T) {
		const path = "/etc/kubernetes/manifests/kube-apiserver.yaml"
		node := cluster.cp
		if _, set := flagValues(procCmdline(t, node, "kube-apiserver"))["profiling"]; set {
			t.Fatalf("kube-apiserver on %s already has --profiling: the cluster is not in its default state", node)
		}
		expectStatus(t, result(t, target(t, base, node), "1.2.15"), report.StatusFail)
		ns := privilegedNamespace(t, "harden-e2e-scan")
		orig := nodeExec(t, node, "cat "+path)
		mutated, err := addAPIServerFlag(orig, "--profiling=false")
		if err != nil {
			t.Fatal(err)
		}
		// A copy outside the manifests directory (the kubelet runs every
		// manifest it finds there), for a human if the cleanup cannot run.
		nodeExec(t, node, "cp -p "+path+" /etc/kubernetes/kube-apiserver.yaml.e2e-orig")
		start := time.Now()
		writeNodeFile(t, node, path, mutated)
		t.Cleanup(func() {
			start := time.Now()
			writeNodeFile(t, node, path, orig)
			waitAPIServer(t, node, false)
			nodeExec(t, node, "rm -f /etc/kubernetes/kube-apiserver.yaml.e2e-orig")
			// A kubelet restart forgets the crash-loop back-off of the
			// controller manager and scheduler: they start at once.
			restartKubelet(t, node)
			kubectl(t, "wait", "--for=condition=Ready", "pods", "--all", "-n", "kube-system", "--timeout=300s")
			t.Logf("API server restored and kube-system Ready in %s", time.Since(start).Round(time.Second))
		})
		waitAPIServer(t, node, true)
		t.Logf("API server restarted with --profiling=false in %s", time.Since(start).Round(time.Second))
		// The controller manager loses its leader lease while the API server
		// is away and restarts with a crash-loop back-off; until it runs, a
		// new namespace gets no default ServiceAccount and no pod can be
		// created in it. So the scan uses an existing namespace (-n).
		r := result(t, target(t, scanJSON(t, "node/"+node, "-n", ns), node), "1.2.15")
		expectStatus(t, r, report.StatusPass)
		expectEvidence(t, r, "--profiling", "false")
		if out, err := kubectlOut(context.Background(), "get", "namespace", ns, "-o", "jsonpath={.status.phase}"); err != nil || out != "Active" {
			t.Errorf("namespace %s given with -n must be left alone: phase %q, err %v", ns, out, err)
		}
	})
}

func expectStatus(t *testing.T, r *report.Result, want report.Status) {
	t.Helper()
	if r.Status != want {
		t.Errorf("want %s, got %s", want, describe(r))
	} else {
		t.Logf("%s", describe(r))
	}
}

func expectNot(t *testing.T, rep *report.Report, node, id string, not report.Status) {
	t.Helper()
	if r := result(t, target(t, rep, node), id); r.Status == not {
		t.Fatalf("before the change: %s (the cluster is not in its default state?)", describe(r))
	}
}

// expectEvidence wants an observation whose location contains loc and whose
// value contains value.
func expectEvidence(t *testing.T, r *report.Result, loc, value string) {
	t.Helper()
	for _, o := range r.Evidence {
		if strings.Contains(o.Location+" "+o.Path, loc) && strings.Contains(o.Value, value) {
			return
		}
	}
	t.Errorf("no evidence %s=%s in %s", loc, value, describe(r))
}

// chmodWithRestore changes a file's mode on a node and restores the old mode in t.Cleanup.
func chmodWithRestore(t *testing.T, node, path, mode string) {
	t.Helper()
	old := strings.TrimSpace(nodeExec(t, node, "stat -c %a "+path))
	nodeExec(t, node, fmt.Sprintf("chmod %s %s", mode, path))
	t.Cleanup(func() {
		nodeExec(t, node, fmt.Sprintf("chmod %s %s", old, path))
		if got := strings.TrimSpace(nodeExec(t, node, "stat -c %a "+path)); got != old {
			t.Errorf("restoring %s on %s: mode %s, want %s", path, node, got, old)
		}
	})
}

// writeNodeFile replaces a file's content in place (same inode, mode and owner).
func writeNodeFile(t *testing.T, node, path, content string) {
	t.Helper()
	if _, err := nodeExecErr(node, "cat > "+path, []byte(content)); err != nil {
		t.Fatalf("writing %s on %s: %v", path, node, err)
	}
}

// restartKubelet restarts the kubelet of a node and waits until the new
// kubelet has renewed its lease and the node is Ready.
func restartKubelet(t *testing.T, node string) {
	t.Helper()
	begin := time.Now()
	nodeExec(t, node, "systemctl restart kubelet")
	// systemctl restart returns once the old kubelet stopped: a lease renewed
	// after this moment comes from the new one.
	waitNodeReady(t, node, time.Now())
	t.Logf("node/%s: kubelet restarted and Ready in %s", node, time.Since(begin).Round(time.Second))
}

// waitNodeReady waits until the kubelet of a node has renewed its lease after
// since and the node is Ready.
func waitNodeReady(t *testing.T, node string, since time.Time) {
	t.Helper()
	start := since
	ok := eventually(3*time.Minute, 500*time.Millisecond, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		lease, err := cluster.client.CoordinationV1().Leases("kube-node-lease").Get(ctx, node, metav1.GetOptions{})
		if err != nil || lease.Spec.RenewTime == nil || !lease.Spec.RenewTime.Time.After(start) {
			return false
		}
		n, err := cluster.client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return false
		}
		for _, c := range n.Status.Conditions {
			if c.Type == "Ready" {
				return c.Status == "True"
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("node/%s: the kubelet did not renew its lease and report Ready within 3m", node)
	}
}

// addAPIServerFlag adds a flag after the kube-apiserver command in a static pod manifest.
func addAPIServerFlag(manifest, flag string) (string, error) {
	lines := strings.Split(manifest, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "- kube-apiserver" {
			indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
			out := append(append(append([]string{}, lines[:i+1]...), indent+"- "+flag), lines[i+1:]...)
			return strings.Join(out, "\n"), nil
		}
	}
	return "", fmt.Errorf("no '- kube-apiserver' command line in the manifest")
}

// waitAPIServer waits until the kube-apiserver process on node has (or lacks)
// --profiling=false and the API answers /readyz again.
func waitAPIServer(t *testing.T, node string, withFlag bool) {
	t.Helper()
	ok := eventually(4*time.Minute, time.Second, func() bool {
		argv := procCmdline(t, node, "kube-apiserver")
		if len(argv) < 2 {
			return false
		}
		has := false
		for _, a := range argv {
			if a == "--profiling=false" {
				has = true
			}
		}
		return has == withFlag
	})
	if !ok {
		t.Fatalf("kube-apiserver on %s: --profiling=false present=%v not reached within 4m", node, withFlag)
	}
	ok = eventually(4*time.Minute, 500*time.Millisecond, func() bool {
		out, err := kubectlOut(context.Background(), "get", "--raw", "/readyz")
		return err == nil && strings.TrimSpace(out) == "ok"
	})
	if !ok {
		t.Fatalf("the API server did not become ready within 4m")
	}
}

// privilegedNamespace creates a namespace that allows privileged pods, waits
// for its default ServiceAccount and deletes it in t.Cleanup.
func privilegedNamespace(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	freshNamespace(t, name, "privileged")
	if !eventually(time.Minute, 200*time.Millisecond, func() bool {
		_, err := cluster.client.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		return err == nil
	}) {
		t.Fatalf("namespace %s got no default ServiceAccount within 1m", name)
	}
	return name
}

// freshNamespace (re)creates a namespace that enforces a Pod Security level,
// after any earlier one of that name is gone, and deletes it in t.Cleanup,
// waiting until it is gone.
func freshNamespace(t *testing.T, name, enforce string) {
	t.Helper()
	ctx := context.Background()
	_ = cluster.client.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
	eventually(2*time.Minute, 250*time.Millisecond, func() bool {
		_, err := cluster.client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
	_, err := cluster.client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   name,
		Labels: map[string]string{"pod-security.kubernetes.io/enforce": enforce},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Cleanup waits until the namespace is gone: its pods would otherwise
	// still be seen by the tests that run next (a default cluster's rbac
	// report counting their token mounts, say).
	t.Cleanup(func() {
		_ = cluster.client.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
		if !eventually(3*time.Minute, 250*time.Millisecond, func() bool {
			_, err := cluster.client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
			return apierrors.IsNotFound(err)
		}) {
			t.Errorf("namespace %s was not gone 3m after its deletion", name)
		}
	})
}
