//go:build e2e

// Package e2e runs kubectl harden, built from this repository, against a real
// kind cluster the way a user runs it: `kubectl harden ...` through kubectl's
// plugin dispatch, with the cluster's own kubeconfig.
//
// hack/e2e.sh brings the cluster up and runs these tests. Environment:
//
//	HARDEN_KUBECONFIG    kubeconfig of the cluster (default <repo>/.e2e/kubeconfig)
//	HARDEN_KIND_CLUSTER  kind cluster name, only for messages (default harden-e2e)
//	HARDEN_DEBUG_IMAGE, HARDEN_IMAGE_PULL_POLICY
//	                     passed through to the plugin (offline: local/busybox:1.35, IfNotPresent)
//	HARDEN_SKIP_E2E=1    skips every test, loudly
//
// Two kinds of tests share the one cluster. Those that change a node (file
// modes, kubelet config, kubelet and API server restarts, static pod
// manifests, fix apply/rollback) or assert cluster-wide state another test
// could change (RBAC verdicts over every binding, dry runs that must create
// nothing, leftover checks mid-test) are sequential: they restore what they
// change in t.Cleanup and run one after another. Those that only read the
// cluster and create objects of their own, uniquely named, call t.Parallel:
// Go runs them together (up to -parallel, HARDEN_E2E_PARALLEL in
// hack/e2e.sh) after every sequential test has finished, so they never see
// a node being changed. hack/e2e.sh also runs the tests that restart
// control-plane components and kubelets on a second cluster at the same
// time as the others (HARDEN_E2E_SHARDS): each process has a cluster of its
// own, so none of this changes.
//
// While tests run in parallel, "nothing of kubectl harden is left" can only
// be asserted when no other test has a scan running: every run of kubectl
// harden (and every CronJob run and debugpod runner) is an activity
// (busy), and assertNoLeftovers first waits until the other tests' activities
// have ended, holding new ones back (quiet), then checks the whole cluster
// as before.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

const (
	// managedBy selects every object kubectl harden creates.
	managedBy                    = managedByKey + "=" + managedByValue
	managedByKey, managedByValue = "app.kubernetes.io/managed-by", "kubectl-harden"
	// e2eVersion is linked into the binary under test.
	e2eVersion = "v0.0.0-e2e"
	// scanTimeout bounds one `kubectl harden scan` run.
	scanTimeout = 5 * time.Minute
)

// cluster describes the e2e cluster and the tools around it.
var cluster struct {
	repoRoot   string
	kubeconfig string
	name       string
	kubectl    string // kubectl binary used for dispatch and assertions
	binDir     string // directory holding the kubectl-harden under test
	docker     string
	cp, worker string // node names (also the names of kind's node containers)
	client     kubernetes.Interface
}

func TestMain(m *testing.M) {
	if os.Getenv("HARDEN_SKIP_E2E") == "1" {
		fmt.Println("### SKIPPED: e2e tests NOT run because HARDEN_SKIP_E2E=1 is set ###")
		os.Exit(0)
	}
	code, err := setup(m)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e setup failed: %v\n", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return 0, err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return 0, fmt.Errorf("repository root not found from %s: %w", root, err)
	}
	cluster.repoRoot = root
	cluster.name = envOr("HARDEN_KIND_CLUSTER", "harden-e2e")
	cluster.kubeconfig = envOr("HARDEN_KUBECONFIG", filepath.Join(root, ".e2e", "kubeconfig"))
	if _, err := os.Stat(cluster.kubeconfig); err != nil {
		return 0, fmt.Errorf("kubeconfig of the e2e cluster: %w (run hack/e2e.sh, or hack/kind-up.sh first; HARDEN_SKIP_E2E=1 skips the e2e tests)", err)
	}
	if cluster.kubectl, err = findKubectl(); err != nil {
		return 0, err
	}
	if cluster.docker, err = exec.LookPath("docker"); err != nil {
		return 0, fmt.Errorf("docker is needed to read ground truth from the kind nodes: %w", err)
	}

	tmp, err := os.MkdirTemp("", "harden-e2e-bin-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	cluster.binDir = tmp
	start := time.Now()
	// -trimpath and CGO_ENABLED=0 as in hack/lib.sh and the Makefile, so that
	// the packages come from the build cache and only the link runs.
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(tmp, "kubectl-harden"),
		"-ldflags", "-X github.com/kubectl-harden/kubectl-harden/pkg/version.Version="+e2eVersion,
		"./cmd/kubectl-harden")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("go build ./cmd/kubectl-harden: %w\n%s", err, out)
	}
	fmt.Printf("built kubectl-harden in %s\n", time.Since(start).Round(time.Millisecond))

	cfg, err := clientcmd.BuildConfigFromFlags("", cluster.kubeconfig)
	if err != nil {
		return 0, fmt.Errorf("kubeconfig %s: %w", cluster.kubeconfig, err)
	}
	if cluster.client, err = kubernetes.NewForConfig(cfg); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nodes, err := cluster.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, fmt.Errorf("the e2e cluster %q is not reachable with %s: %w", cluster.name, cluster.kubeconfig, err)
	}
	for _, n := range nodes.Items {
		if _, ok := n.Labels["node-role.kubernetes.io/control-plane"]; ok {
			cluster.cp = n.Name
		} else {
			cluster.worker = n.Name
		}
	}
	if cluster.cp == "" || cluster.worker == "" || len(nodes.Items) != 2 {
		return 0, fmt.Errorf("want a kind cluster of one control-plane node and one worker, got %d nodes", len(nodes.Items))
	}
	fmt.Printf("e2e cluster %s: control plane node/%s, worker node/%s, kubectl %s\n", cluster.name, cluster.cp, cluster.worker, cluster.kubectl)

	deleteStale(ctx)
	before, err := takeInventory(ctx)
	if err != nil {
		return 0, fmt.Errorf("list what the cluster holds before the tests: %w", err)
	}
	code := m.Run()
	if left := waitForLeftovers(before, leftoverWait); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: the e2e tests left %d object(s) in the cluster (still there %s after the last test):\n  %s\n",
			len(left), leftoverWait, strings.Join(left, "\n  "))
		return 1, nil
	}
	fmt.Println("e2e: the tests left nothing behind")
	return code, nil
}

// leftoverWait is how long the suite waits at its end for what the tests
// deleted to be gone: namespaces take a while to terminate.
const leftoverWait = 3 * time.Minute

// inventory is the set of objects of the kinds the tests create, as
// "kind namespace/name".
type inventory map[string]bool

// takeInventory lists namespaces, pods without an owner (controllers
// recreate theirs under new names), ServiceAccounts, Roles, RoleBindings,
// ClusterRoles and ClusterRoleBindings, and whatever else of kubectl
// harden (app.kubernetes.io/managed-by=kubectl-harden: ConfigMaps, Jobs,
// CronJobs) exists. Objects in a namespace being deleted are left out:
// the namespace stands for them.
func takeInventory(ctx context.Context) (inventory, error) {
	c := cluster.client
	inv := inventory{}
	var errs []error
	add := func(kind, ns, name string) {
		key := kind + " " + name
		if ns != "" {
			key = kind + " " + ns + "/" + name
		}
		inv[key] = true
	}
	all := metav1.ListOptions{}
	ours := metav1.ListOptions{LabelSelector: managedBy}
	terminating := map[string]bool{}
	if l, err := c.CoreV1().Namespaces().List(ctx, all); err != nil {
		errs = append(errs, err)
	} else {
		for _, o := range l.Items {
			add("namespace", "", o.Name)
			terminating[o.Name] = o.DeletionTimestamp != nil
		}
	}
	keep := func(ns string) bool { return !terminating[ns] }
	// from adds the listed objects of a kind, outside the namespaces
	// being deleted (and, of pods, those without an owner or of ours).
	from := func(kind string) func(runtime.Object, error) {
		return func(l runtime.Object, err error) {
			var items []runtime.Object
			if err == nil {
				items, err = meta.ExtractList(l)
			}
			if err != nil {
				errs = append(errs, err)
				return
			}
			for _, it := range items {
				o, err := meta.Accessor(it)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				if keep(o.GetNamespace()) && (kind != "pod" || len(o.GetOwnerReferences()) == 0 || o.GetLabels()[managedByKey] == managedByValue) {
					add(kind, o.GetNamespace(), o.GetName())
				}
			}
		}
	}
	from("pod")(c.CoreV1().Pods("").List(ctx, all))
	from("serviceaccount")(c.CoreV1().ServiceAccounts("").List(ctx, all))
	from("role")(c.RbacV1().Roles("").List(ctx, all))
	from("rolebinding")(c.RbacV1().RoleBindings("").List(ctx, all))
	from("clusterrole")(c.RbacV1().ClusterRoles().List(ctx, all))
	from("clusterrolebinding")(c.RbacV1().ClusterRoleBindings().List(ctx, all))
	from("configmap")(c.CoreV1().ConfigMaps("").List(ctx, ours))
	from("job")(c.BatchV1().Jobs("").List(ctx, ours))
	from("cronjob")(c.BatchV1().CronJobs("").List(ctx, ours))
	return inv, errors.Join(errs...)
}

// waitForLeftovers returns what exists now and did not before, after
// waiting up to wait for it to go; a namespace's objects are reported as
// the namespace. Objects of kubectl harden count whenever they are new.
func waitForLeftovers(before inventory, wait time.Duration) []string {
	deadline := time.Now().Add(wait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		now, err := takeInventory(ctx)
		cancel()
		var left []string
		if err != nil {
			left = append(left, "(the cluster could not be listed: "+err.Error()+")")
		}
		newNS := map[string]bool{}
		for k := range now {
			if name, ok := strings.CutPrefix(k, "namespace "); ok && !before[k] {
				newNS[name] = true
			}
		}
		for k := range now {
			if before[k] {
				continue
			}
			if _, rest, ok := strings.Cut(k, " "); ok && !strings.HasPrefix(k, "namespace ") {
				if ns, _, namespaced := strings.Cut(rest, "/"); namespaced && newNS[ns] {
					continue
				}
			}
			left = append(left, k)
		}
		sort.Strings(left)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(time.Second)
	}
}

// deleteStale deletes objects of kubectl harden left by an earlier,
// interrupted run: they would fail every leftover check. Only objects older
// than staleAfter go, so that a scan someone else is running on a shared
// cluster is not broken (a scan's pods have a deadline far shorter).
func deleteStale(ctx context.Context) {
	const staleAfter = 10 * time.Minute
	cutoff := metav1.NewTime(time.Now().Add(-staleAfter))
	opts := metav1.ListOptions{LabelSelector: managedBy}
	if pods, err := cluster.client.CoreV1().Pods("").List(ctx, opts); err == nil {
		for _, p := range pods.Items {
			if p.CreationTimestamp.Before(&cutoff) {
				fmt.Printf("deleting stale pod %s/%s (created %s)\n", p.Namespace, p.Name, p.CreationTimestamp)
				_ = cluster.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})
			}
		}
	}
	if nss, err := cluster.client.CoreV1().Namespaces().List(ctx, opts); err == nil {
		for _, ns := range nss.Items {
			if ns.CreationTimestamp.Before(&cutoff) && ns.DeletionTimestamp == nil {
				fmt.Printf("deleting stale namespace %s (created %s)\n", ns.Name, ns.CreationTimestamp)
				_ = cluster.client.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{})
			}
		}
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// findKubectl prefers the offline cache's kubectl (v1.34, within the version
// skew of the cluster) over whatever is on PATH.
func findKubectl() (string, error) {
	cache := envOr("KINDLAB_CACHE", "/var/cache/kindlab")
	if p := filepath.Join(cache, "bin", "kubectl"); isExecutable(p) {
		return p, nil
	}
	p, err := exec.LookPath("kubectl")
	if err != nil {
		return "", fmt.Errorf("kubectl is needed to run `kubectl harden`: %w", err)
	}
	return p, nil
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// run is one finished command.
type run struct {
	args     []string
	stdout   string
	stderr   string
	exit     int // -1 when killed by a signal or timed out
	timedOut bool
	took     time.Duration
}

func (r run) String() string {
	return fmt.Sprintf("kubectl harden %s: exit %d in %s\n--- stdout:\n%s\n--- stderr:\n%s",
		strings.Join(r.args, " "), r.exit, r.took.Round(time.Millisecond), truncate(r.stdout, 6000), truncate(r.stderr, 4000))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("\n... (%d more bytes)", len(s)-n)
}

// hardenCmd prepares `kubectl harden ARGS --kubeconfig <e2e>` with PATH set to
// the binary's directory and kubectl's, so kubectl's plugin dispatch finds the
// binary under test and nothing else.
func hardenCmd(ctx context.Context, args ...string) *exec.Cmd {
	full := append([]string{"harden"}, args...)
	if !hasFlag(args, "--kubeconfig") {
		full = append(full, "--kubeconfig", cluster.kubeconfig)
	}
	cmd := exec.CommandContext(ctx, cluster.kubectl, full...)
	env := []string{"PATH=" + cluster.binDir + string(os.PathListSeparator) + filepath.Dir(cluster.kubectl)}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PATH=") || strings.HasPrefix(kv, "KUBECONFIG=") {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = env
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

func hasFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag || strings.HasPrefix(a, flag+"=") {
			return true
		}
	}
	return false
}

// harden runs kubectl harden to completion (or timeout) and logs its wall time.
func harden(t *testing.T, timeout time.Duration, args ...string) run {
	t.Helper()
	defer busy(t)()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := hardenCmd(ctx, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := run{args: args, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	r.exit = exitCode(err)
	if ctx.Err() != nil {
		r.timedOut = true
		t.Errorf("kubectl harden %s did not finish within %s", strings.Join(args, " "), timeout)
	}
	t.Logf("kubectl harden %s -> exit %d in %s", strings.Join(args, " "), r.exit, r.took.Round(time.Millisecond))
	return r
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode() // -1 when killed by a signal
	}
	return -1
}

// signalled says whether a finished command was killed by a signal.
func signalled(cmd *exec.Cmd) bool {
	if cmd.ProcessState == nil {
		return false
	}
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled()
}

// decodeReport decodes a JSON report printed on stdout.
func decodeReport(t *testing.T, r run) *report.Report {
	t.Helper()
	var rep report.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, r)
	}
	if rep.APIVersion != report.ReportAPIVersion {
		t.Errorf("apiVersion = %q, want %q", rep.APIVersion, report.ReportAPIVersion)
	}
	if want := benchmarkArg(r.args); rep.Metadata.Benchmark != want {
		t.Errorf("metadata.benchmark = %q, want %q", rep.Metadata.Benchmark, want)
	}
	return &rep
}

// kindBenchmark is the benchmark kind's plain version (v1.34) selects, and
// the default of offline evaluation: the newest CIS Kubernetes edition
// whose range holds 1.34.
const kindBenchmark = "cis-2.0"

// benchmarkArg is the benchmark a run asked for with --benchmark (the last
// one given; a family such as stig stands for its newest edition), else
// kindBenchmark.
func benchmarkArg(args []string) string {
	want := kindBenchmark
	for i, a := range args {
		if a == "--benchmark" && i+1 < len(args) {
			want = args[i+1]
		} else if v, ok := strings.CutPrefix(a, "--benchmark="); ok {
			want = v
		}
	}
	if b, err := benchmarks.Resolve(want); err == nil {
		want = b.ID
	}
	return want
}

// scanJSON runs `kubectl harden scan ARGS -o json`, expects a complete report
// (exit 0, or 2 for findings) and decodes it.
func scanJSON(t *testing.T, args ...string) *report.Report {
	t.Helper()
	r := harden(t, scanTimeout, append(append([]string{"scan"}, args...), "-o", "json")...)
	if r.exit != 0 && r.exit != 2 {
		t.Fatalf("scan failed:\n%s", r)
	}
	rep := decodeReport(t, r)
	if rep.Kind != report.KindNodeScan {
		t.Errorf("kind = %q, want %q", rep.Kind, report.KindNodeScan)
	}
	for _, tg := range rep.Targets {
		if tg.Error != "" || tg.Summary.Error > 0 {
			t.Errorf("node/%s: error %q, %d ERROR results: %s", tg.Name, tg.Error, tg.Summary.Error, errorReasons(tg))
		}
	}
	return rep
}

func errorReasons(tg report.TargetReport) string {
	var out []string
	for _, r := range tg.Results {
		if r.Status == report.StatusError {
			out = append(out, r.ControlID+": "+r.Reason)
		}
	}
	return strings.Join(out, "; ")
}

// target returns the report's target of a name, failing the test if absent.
func target(t *testing.T, rep *report.Report, name string) *report.TargetReport {
	t.Helper()
	for i := range rep.Targets {
		if rep.Targets[i].Name == name {
			return &rep.Targets[i]
		}
	}
	var names []string
	for _, tg := range rep.Targets {
		names = append(names, tg.Name)
	}
	t.Fatalf("no target %q in the report (targets: %v)", name, names)
	return nil
}

// result returns the result of a control on a target, failing the test if absent.
func result(t *testing.T, tg *report.TargetReport, id string) *report.Result {
	t.Helper()
	for i := range tg.Results {
		if tg.Results[i].ControlID == id {
			return &tg.Results[i]
		}
	}
	t.Fatalf("no result for control %s on target %s", id, tg.Name)
	return nil
}

func describe(r *report.Result) string {
	var ev []string
	for _, o := range r.Evidence {
		ev = append(ev, o.String())
	}
	return fmt.Sprintf("%s on %s: %s (%s) evidence [%s]", r.ControlID, r.Target, r.Status, r.Reason, strings.Join(ev, ", "))
}

// kubectlOut runs kubectl against the e2e cluster and returns its combined output.
func kubectlOut(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cluster.kubectl, append([]string{"--kubeconfig", cluster.kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// kubectl runs kubectl against the e2e cluster and fails the test on error.
func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := kubectlOut(context.Background(), args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// nodeExec runs a shell script inside a kind node container and returns stdout.
func nodeExec(t *testing.T, node, script string) string {
	t.Helper()
	out, err := nodeExecErr(node, script, nil)
	if err != nil {
		t.Fatalf("docker exec %s sh -c %q: %v", node, script, err)
	}
	return out
}

func nodeExecErr(node, script string, stdin []byte) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"exec"}
	if stdin != nil {
		args = append(args, "-i")
	}
	cmd := exec.CommandContext(ctx, cluster.docker, append(args, node, "sh", "-c", script)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w: %s", err, stderr.String())
	}
	return stdout.String(), nil
}

// leftovers lists the objects of kubectl harden still in the cluster.
func leftovers() (string, error) {
	out, err := kubectlOut(context.Background(), "get", "pods,namespaces", "-A", "-l", managedBy, "-o", "name")
	return strings.TrimSpace(out), err
}

// assertNoLeftovers waits up to wait for every pod and namespace labelled
// managed-by=kubectl-harden to be gone (namespaces take a while to terminate).
// The check is cluster-wide: if something is there, it first waits (quiet)
// until no other test has a scan running and holds new scans back, so that
// what it sees can only be left behind; wait counts from then.
func assertNoLeftovers(t *testing.T, wait time.Duration) {
	t.Helper()
	if out, err := leftovers(); err == nil && out == "" {
		return
	}
	begin := time.Now()
	defer quiet(t)()
	if waited := time.Since(begin); waited > 2*time.Second {
		t.Logf("waited %s for the other tests' scans to end", waited.Round(time.Second))
	}
	deadline := time.Now().Add(wait)
	for {
		out, err := leftovers()
		if err == nil && out == "" {
			if waited := wait - time.Until(deadline); waited > 2*time.Second {
				t.Logf("no objects of kubectl harden left (after waiting %s)", waited.Round(time.Second))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("objects of kubectl harden left in the cluster after %s (err %v):\n%s", wait, err, out)
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// activities counts what creates objects of kubectl harden in the cluster
// (a run of kubectl harden, a CronJob's run, a debugpod runner), by
// top-level test, and the assertNoLeftovers calls waiting for the other
// tests' to end.
var activities = struct {
	sync.Mutex
	cond    *sync.Cond
	byTest  map[string]int
	total   int
	waiting int
}{byTest: map[string]int{}}

func init() { activities.cond = sync.NewCond(&activities.Mutex) }

// quietLimit bounds how long busy and quiet wait for each other: far above
// the longest scan, so that reaching it means a bug, not a slow cluster.
const quietLimit = 15 * time.Minute

func topLevel(t *testing.T) string {
	name, _, _ := strings.Cut(t.Name(), "/")
	return name
}

// busy starts an activity of t's test and returns the function that ends it
// (safe to call more than once). A test without an activity running waits
// while an assertNoLeftovers waits for quiet; a test with one (nested
// activities) does not, so that it cannot deadlock.
func busy(t *testing.T) func() {
	t.Helper()
	key := topLevel(t)
	a := &activities
	a.Lock()
	if !waitCond(a.cond, func() bool { return a.waiting == 0 || a.byTest[key] > 0 }) {
		a.Unlock()
		t.Fatalf("no quiet moment for %s: other tests waited for leftovers longer than %s", key, quietLimit)
	}
	a.byTest[key]++
	a.total++
	a.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			a.Lock()
			a.byTest[key]--
			a.total--
			a.cond.Broadcast()
			a.Unlock()
		})
	}
}

// quiet waits until no test other than t's has an activity running and
// keeps new ones from starting until the returned function is called.
func quiet(t *testing.T) func() {
	t.Helper()
	key := topLevel(t)
	a := &activities
	a.Lock()
	a.waiting++
	ok := waitCond(a.cond, func() bool { return a.total-a.byTest[key] == 0 })
	a.Unlock()
	release := func() {
		a.Lock()
		a.waiting--
		a.cond.Broadcast()
		a.Unlock()
	}
	if !ok {
		release()
		t.Fatalf("the other tests' scans did not end within %s", quietLimit)
	}
	return release
}

// waitCond waits on c (its lock held) until ok() or quietLimit passes.
func waitCond(c *sync.Cond, ok func() bool) bool {
	if ok() {
		return true
	}
	deadline := time.Now().Add(quietLimit)
	timer := time.AfterFunc(quietLimit, func() {
		c.L.Lock()
		c.Broadcast()
		c.L.Unlock()
	})
	defer timer.Stop()
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		c.Wait()
	}
	return true
}

// eventually polls cond every interval until it returns true or timeout passes.
func eventually(timeout, interval time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
}

// procCmdline returns the argv of the newest host process whose comm is name,
// read from /proc inside a kind node; nil when none runs.
func procCmdline(t *testing.T, node, name string) []string {
	t.Helper()
	out, err := nodeExecErr(node, `best=""; for p in /proc/[0-9]*; do
  [ "$(cat "$p/comm" 2>/dev/null)" = "`+name+`" ] || continue
  pid=${p#/proc/}; if [ -z "$best" ] || [ "$pid" -gt "$best" ]; then best=$pid; fi
done
[ -n "$best" ] && tr '\0' '\n' < /proc/$best/cmdline`, nil)
	if err != nil && strings.TrimSpace(out) == "" {
		return nil
	}
	return strings.Split(strings.TrimRight(out, "\n"), "\n")
}

// flagValues parses --name=value and --name value arguments into a map.
func flagValues(argv []string) map[string]string {
	flags := map[string]string{}
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		if !strings.HasPrefix(a, "--") {
			continue
		}
		name, val, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !ok {
			if i+1 < len(argv) && !strings.HasPrefix(argv[i+1], "-") {
				val = argv[i+1]
				i++
			} else {
				val = "true"
			}
		}
		flags[name] = val
	}
	return flags
}

// fileModeRE reads "0600 root:root (0:0)" style file evidence.
var fileModeRE = regexp.MustCompile(`^0?([0-7]{3,4})\b.*\((\d+):(\d+)\)`)
