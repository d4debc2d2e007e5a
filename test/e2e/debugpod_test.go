//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// debugpodOptions are the runner's options as the plugin would set them
// from HARDEN_DEBUG_IMAGE and HARDEN_IMAGE_PULL_POLICY.
func debugpodOptions(t *testing.T) debugpod.Options {
	o := debugpod.DefaultOptions()
	if img := os.Getenv("HARDEN_DEBUG_IMAGE"); img != "" {
		o.Image = img
	}
	if p := os.Getenv("HARDEN_IMAGE_PULL_POLICY"); p != "" {
		o.ImagePullPolicy = corev1.PullPolicy(p)
	}
	o.Timeout = 2 * time.Minute
	o.Progress = func(node, phase string) { t.Logf("node/%s: %s", node, phase) }
	o.Warn = func(msg string) { t.Logf("warning: %s", msg) }
	return o
}

// TestDebugpodRunner drives pkg/debugpod's runner directly (the library
// below `kubectl harden scan`): it collects both nodes in parallel, finds
// each kubelet, agrees with `docker exec <node> stat` on every host file's
// mode and owner, and leaves no pod. With HARDEN_E2E_SAVE_FIXTURES=1 it
// rewrites pkg/evidence/testdata/kind-*.json from what it collected.
func TestDebugpodRunner(t *testing.T) {
	// Parallel: it checks only its own scan's pods; file modes change only
	// in sequential tests.
	t.Parallel()
	client := cluster.client
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r := preparedRunner(ctx, t, client, debugpodOptions(t))
	start := time.Now()
	results := r.CollectAll(ctx, []string{cluster.cp, cluster.worker}, 2)
	t.Logf("collected %d nodes in %s", len(results), time.Since(start))
	for _, res := range results {
		if res.Err != nil {
			t.Errorf("node/%s: %v", res.Node, res.Err)
			continue
		}
		ev := res.Evidence
		t.Logf("node/%s: %d processes, %d files, %d configs, %d certificates, %d users, warnings %q",
			res.Node, len(ev.Processes), len(ev.Files), len(ev.Configs), len(ev.Certificates), len(ev.Users), ev.Warnings)
		if !ev.Has(evidence.Kubelet) {
			t.Errorf("node/%s: no kubelet found", res.Node)
		}
		compareWithDockerStat(t, res.Node, ev)
		if os.Getenv("HARDEN_E2E_SAVE_FIXTURES") == "1" {
			saveFixture(t, ev)
		}
	}
	pods, err := client.CoreV1().Pods(r.Namespace()).List(ctx, metav1.ListOptions{LabelSelector: debugpod.ScanIDLabel + "=" + r.ScanID()})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			t.Errorf("pod %s left behind", p.Name)
		}
	}
}

// compareWithDockerStat compares every existing host-read file's mode and
// owner with stat run in the node's container.
func compareWithDockerStat(t *testing.T, node string, ev *evidence.Node) {
	t.Helper()
	checked := 0
	for path, f := range ev.Files {
		if !f.Exists || f.ReadVia != "" || f.Type == "symlink" { // a symlink: lstat against stat
			continue
		}
		target := path
		if f.Target != "" {
			target = f.Target
		}
		out, err := nodeExecErr(node, "stat -c '%a %u %g' '"+strings.ReplaceAll(target, "'", `'\''`)+"'", nil)
		if err != nil {
			t.Errorf("docker exec %s stat %s: %v", node, target, err)
			continue
		}
		want := strings.TrimSpace(out)
		got := strconv.FormatUint(uint64(f.Mode), 8) + " " + strconv.Itoa(f.UID) + " " + strconv.Itoa(f.GID)
		if got != want {
			t.Errorf("node/%s %s: evidence says %q, docker stat says %q", node, path, got, want)
		}
		checked++
	}
	if checked == 0 {
		t.Errorf("node/%s: no host file to compare with docker stat", node)
	}
	t.Logf("node/%s: %d files match docker exec stat", node, checked)
}

// saveFixture writes a node's evidence as pkg/evidence/testdata/kind-<role>.json.
func saveFixture(t *testing.T, ev *evidence.Node) {
	t.Helper()
	role := "worker"
	if ev.Has(evidence.APIServer) {
		role = "control-plane"
	}
	b, err := ev.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(cluster.repoRoot, "pkg", "evidence", "testdata", "kind-"+role+".json")
	testutil.WriteFile(t, p, string(b))
	t.Logf("wrote %s", p)
}

// TestDebugpodRunnerEarlyFailures checks the runner's early failures on a
// real cluster: an image that is not on the node with pull policy Never
// fails at once, naming the kubelet's reason (not after --timeout), and a
// --namespace that enforces the baseline Pod Security level is refused
// before any pod is created.
func TestDebugpodRunnerEarlyFailures(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	t.Run("image not present", func(t *testing.T) {
		o := debugpodOptions(t)
		o.Image, o.ImagePullPolicy = "local/does-not-exist:0", corev1.PullNever
		r := preparedRunner(ctx, t, cluster.client, o)
		start := time.Now()
		_, err := r.Collect(ctx, cluster.worker)
		t.Logf("after %s: %v", time.Since(start), err)
		if err == nil || !strings.Contains(err.Error(), "ErrImageNeverPull") || strings.Contains(err.Error(), "did not finish within --timeout") {
			t.Fatalf("err = %v, want ErrImageNeverPull at once", err)
		}
	})

	t.Run("baseline namespace", func(t *testing.T) {
		const ns = "harden-e2e-baseline"
		defer busy(t)()
		freshNamespace(t, ns, "baseline")
		o := debugpodOptions(t)
		o.Namespace = ns
		r, err := debugpod.NewRunner(cluster.client, o)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _, _ = r.Close(context.Background()) }()
		err = r.Prepare(ctx)
		if err == nil || !strings.Contains(err.Error(), "kubectl label namespace "+ns) {
			t.Fatalf("err = %v, want the command that allows privileged pods", err)
		}
		pods, err := cluster.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(pods.Items) > 0 {
			t.Errorf("%d pods created in %s", len(pods.Items), ns)
		}
	})
	assertNoLeftovers(t, 2*time.Minute)
}

// preparedRunner makes a runner with o and prepares it; the runner is
// closed (its namespace and pods deleted) when the test ends, and a
// failure to close fails the test.
func preparedRunner(ctx context.Context, t *testing.T, client kubernetes.Interface, o debugpod.Options) *debugpod.Runner {
	t.Helper()
	r, err := debugpod.NewRunner(client, o)
	if err != nil {
		t.Fatal(err)
	}
	// Registered first, so it ends after the runner is closed.
	t.Cleanup(busy(t))
	t.Cleanup(func() {
		if _, err := r.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	if err := r.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	return r
}
