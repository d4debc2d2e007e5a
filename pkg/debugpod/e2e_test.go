//go:build e2e

package debugpod

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// TestE2ECollectKind collects evidence from a real kind cluster:
//
//	E2E_CONTEXT=kind-harden-e2e E2E_IMAGE=local/busybox:1.35 \
//	  go test -tags e2e -run TestE2ECollectKind -v ./pkg/debugpod/
//
// With E2E_SAVE=1 it rewrites pkg/evidence/testdata/kind-*.json. When
// docker can reach the node containers it compares modes and owners with
// `docker exec <node> stat`.
func TestE2ECollectKind(t *testing.T) {
	client := e2eClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	o := DefaultOptions()
	if img := os.Getenv("E2E_IMAGE"); img != "" {
		o.Image, o.ImagePullPolicy = img, corev1.PullNever
	}
	o.Timeout = 2 * time.Minute
	o.Progress = func(node, phase string) { t.Logf("node/%s: %s", node, phase) }
	o.Warn = func(msg string) { t.Logf("warning: %s", msg) }
	r, err := NewRunner(client, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := r.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range nodes.Items {
		names = append(names, n.Name)
	}
	start := time.Now()
	results := r.CollectAll(ctx, names, 2)
	t.Logf("collected %d nodes in %s", len(results), time.Since(start))
	for _, res := range results {
		if res.Err != nil {
			t.Errorf("node/%s: %v", res.Node, res.Err)
			continue
		}
		ev := res.Evidence
		var comps []string
		for c, p := range ev.Processes {
			comps = append(comps, string(c)+"("+p.Root+")")
		}
		t.Logf("node/%s: %d processes %v, %d files, %d configs, %d certs, %d users, warnings %q",
			res.Node, len(ev.Processes), comps, len(ev.Files), len(ev.Configs), len(ev.Certificates), len(ev.Users), ev.Warnings)
		if !ev.Has(evidence.Kubelet) {
			t.Errorf("node/%s: no kubelet found", res.Node)
		}
		checkAgainstDocker(t, res.Node, ev)
		if os.Getenv("E2E_SAVE") != "" {
			role := "worker"
			if ev.Has(evidence.APIServer) {
				role = "control-plane"
			}
			b, err := ev.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join("..", "evidence", "testdata", "kind-"+role+".json")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", p)
		}
	}
	// every pod of the scan is gone
	pods, err := client.CoreV1().Pods(r.Namespace()).List(ctx, metav1.ListOptions{LabelSelector: ScanIDLabel + "=" + r.ScanID()})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			t.Errorf("pod %s left behind", p.Name)
		}
	}
}

// checkAgainstDocker compares every existing host-read file's mode and
// owner with stat run in the node container.
func checkAgainstDocker(t *testing.T, node string, ev *evidence.Node) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Log("no docker: skipping the stat comparison")
		return
	}
	checked := 0
	for path, f := range ev.Files {
		if !f.Exists || f.ReadVia != "" {
			continue
		}
		target := path
		if f.Target != "" {
			target = f.Target
		}
		out, err := exec.Command("docker", "exec", node, "stat", "-c", "%a %u %g", target).Output()
		if err != nil {
			t.Errorf("docker exec %s stat %s: %v", node, target, err)
			continue
		}
		want := strings.TrimSpace(string(out))
		got := strconv.FormatUint(uint64(f.Mode), 8) + " " + strconv.Itoa(f.UID) + " " + strconv.Itoa(f.GID)
		if f.Type == "symlink" {
			continue // lstat vs stat
		}
		if got != want {
			t.Errorf("node/%s %s: evidence says %q, docker stat says %q", node, path, got, want)
		}
		checked++
	}
	t.Logf("node/%s: %d files match docker exec stat", node, checked)
}

// TestE2EFailures checks the early failures on a real cluster: an image
// that is not on the node with pull policy Never, and a --namespace that
// enforces the baseline Pod Security level.
func TestE2EFailures(t *testing.T) {
	client := e2eClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) == 0 {
		t.Fatalf("nodes: %v", err)
	}
	node := nodes.Items[0].Name

	t.Run("image not present", func(t *testing.T) {
		o := DefaultOptions()
		o.Image, o.ImagePullPolicy, o.Timeout = "local/does-not-exist:0", corev1.PullNever, time.Minute
		r, err := NewRunner(client, o)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() { _, _ = r.Close(context.Background()) }()
		start := time.Now()
		_, err = r.Collect(ctx, node)
		t.Logf("after %s: %v", time.Since(start), err)
		if err == nil || !strings.Contains(err.Error(), "ErrImageNeverPull") {
			t.Fatalf("err = %v, want ErrImageNeverPull", err)
		}
		pods, _ := client.CoreV1().Pods(r.Namespace()).List(ctx, metav1.ListOptions{})
		for _, p := range pods.Items {
			if p.DeletionTimestamp == nil {
				t.Errorf("pod %s left behind", p.Name)
			}
		}
	})

	t.Run("baseline namespace", func(t *testing.T) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "harden-e2e-baseline", Labels: map[string]string{PSAEnforceLabel: "baseline"}}}
		if _, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		defer client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
		o := DefaultOptions()
		o.Namespace = ns.Name
		r, err := NewRunner(client, o)
		if err != nil {
			t.Fatal(err)
		}
		err = r.Prepare(ctx)
		t.Logf("%v", err)
		if err == nil || !strings.Contains(err.Error(), "kubectl label namespace harden-e2e-baseline") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("cleanup finds nothing left", func(t *testing.T) {
		left, err := Cleanup(ctx, client, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range left {
			if !strings.HasPrefix(l, "namespace/") { // namespaces may still be terminating
				t.Errorf("left behind: %s", l)
			}
		}
	})
}

// e2eClient is a client for the kubeconfig context named by E2E_CONTEXT;
// the test is skipped without it.
func e2eClient(t *testing.T) kubernetes.Interface {
	t.Helper()
	kctx := os.Getenv("E2E_CONTEXT")
	if kctx == "" {
		t.Skip("E2E_CONTEXT not set")
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{CurrentContext: kctx}).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	return kubernetes.NewForConfigOrDie(cfg)
}
