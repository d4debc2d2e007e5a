package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	metafake "k8s.io/client-go/metadata/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod/sim"
	"github.com/kubectl-harden/kubectl-harden/pkg/nodes"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// fakeFactory hands out fake clients and records the rate limits asked.
// -n comes from the command's kubeconfig flags (cf), as with the real one.
type fakeFactory struct {
	client kubernetes.Interface
	meta   metadata.Interface
	cf     *genericclioptions.ConfigFlags
	ns     string
	qps    float32
	burst  int
	calls  int
}

func (f *fakeFactory) Clientset(qps float32, burst int) (kubernetes.Interface, error) {
	f.calls++
	f.qps, f.burst = qps, burst
	if f.client == nil {
		return nil, errors.New("no cluster in this test")
	}
	return f.client, nil
}

func (f *fakeFactory) Metadata(float32, int) (metadata.Interface, error) {
	if f.meta == nil {
		sch := metafake.NewTestScheme()
		_ = metav1.AddMetaToScheme(sch)
		f.meta = metafake.NewSimpleMetadataClient(sch)
	}
	return f.meta, nil
}

func (f *fakeFactory) RESTMapper() (meta.RESTMapper, error) {
	return nil, errors.New("no discovery in this test")
}
func (f *fakeFactory) Server() string  { return "https://sim.example:6443" }
func (f *fakeFactory) Context() string { return "sim" }
func (f *fakeFactory) Namespace() string {
	if f.ns == "" && f.cf != nil && f.cf.Namespace != nil {
		return *f.cf.Namespace
	}
	return f.ns
}

func (f *fakeFactory) DefaultNamespace() (string, error) {
	if ns := f.Namespace(); ns != "" {
		return ns, nil
	}
	return metav1.NamespaceDefault, nil
}

// runFake runs the whole command tree, as main does, with the fake
// clients of f.
func runFake(t *testing.T, f *fakeFactory, args ...string) (string, string, int) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	cmd := newCmdHarden(streams, func(cf *genericclioptions.ConfigFlags) ClientFactory {
		f.cf = cf
		return f
	})
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString("error: " + err.Error() + "\n")
	}
	return out.String(), errOut.String(), ExitCode(err)
}

// runScan runs `scan ARGS` against the simulated cluster c (nil: none)
// and returns stdout, stderr, the exit code and the factory.
func runScan(t *testing.T, c *sim.Cluster, args ...string) (string, string, int, *fakeFactory) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	f := &fakeFactory{}
	o := newScanOptions(f, streams)
	if c != nil {
		f.client, o.logs = c.Client, c.Logs
	}
	cmd := newCmdScan(o)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString("error: " + err.Error() + "\n")
	}
	return out.String(), errOut.String(), ExitCode(err), f
}

var simFast = sim.Latency{Start: time.Millisecond, Run: time.Millisecond}

func TestScanLive(t *testing.T) {
	c := sim.New(3, simFast, 0, 0)
	// node-0002 is NotReady: it gets no pod and an ERROR target.
	n, err := c.Client.CoreV1().Nodes().Get(context.Background(), sim.NodeName(2), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Status.Conditions[0].Status, n.Status.Conditions[0].Reason = corev1.ConditionFalse, "KubeletNotReady"
	if _, err := c.Client.CoreV1().Nodes().UpdateStatus(context.Background(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, errOut, code, f := runScan(t, c, "nodes", "-o", "json", "--progress", "--parallel", "7")
	if code != ExitError || !strings.Contains(errOut, "could not scan 1 target(s): node-0002") {
		t.Errorf("exit %d (want 1, for the NotReady node)\nstderr:\n%s", code, errOut)
	}
	rep := decode(t, out)
	var names []string
	for _, tg := range rep.Targets {
		names = append(names, tg.Name)
	}
	if strings.Join(names, ",") != "node-0000,node-0001,node-0002" {
		t.Errorf("targets %v, want the nodes in order", names)
	}
	if len(rep.Targets) == 3 && !strings.Contains(rep.Targets[2].Error, "not Ready (KubeletNotReady)") {
		t.Errorf("NotReady node: error %q", rep.Targets[2].Error)
	}
	if rep.Metadata.ServerVersion != sim.ServerVersion || rep.Metadata.Context != "sim" || rep.Metadata.Server != "https://sim.example:6443" {
		t.Errorf("metadata %+v", rep.Metadata)
	}
	testutil.Contains(t, "stderr", errOut,
		"Scanning 2 node(s), 2 at a time, in namespace/kubectl-harden-",
		"node/node-0000: pending (", "node/node-0000: running (", "node/node-0000: collected (",
		"node/node-0001: evaluated: ",
		"Deletion of namespace/kubectl-harden-",
	)
	if strings.Contains(out, "node/") && !strings.HasPrefix(strings.TrimSpace(out), "{") {
		t.Errorf("progress on stdout:\n%s", out)
	}
	if f.qps != 20 || f.burst != 40 {
		t.Errorf("client limits for --parallel 7: qps %v burst %d, want 20 and 40", f.qps, f.burst)
	}
	if left := c.PodsLeft(); len(left) > 0 {
		t.Errorf("pods left: %v", left)
	}
	nss, _ := c.Client.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{})
	if len(nss.Items) != 0 {
		t.Errorf("namespaces left: %v", nss.Items)
	}
	if c.Watches() != 1 {
		t.Errorf("%d pod watches, want 1", c.Watches())
	}
}

func TestScanLiveProgressOffByDefault(t *testing.T) {
	c := sim.New(1, simFast, 0, 0)
	_, errOut, code, _ := runScan(t, c, "node/"+sim.NodeName(0), "-o", "yaml")
	if code == ExitError {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(errOut, "pending") || strings.Contains(errOut, "Scanning") {
		t.Errorf("progress lines without --progress and with stderr not a terminal:\n%s", errOut)
	}
	if !strings.Contains(errOut, "Deletion of namespace/") {
		t.Errorf("stderr does not say the namespace deletion was requested:\n%s", errOut)
	}
}

func TestScanLiveErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		setup   func(c *sim.Cluster)
		wantErr string
	}{
		{name: "unknown node", args: []string{"node/nope"}, wantErr: "node/nope not found in the cluster (list nodes with: kubectl get nodes)"},
		{name: "selector matches nothing", args: []string{"-l", "role=none"}, wantErr: `no node matches the selector "role=none"`},
		{name: "node list forbidden", args: []string{"nodes"}, setup: func(c *sim.Cluster) {
			c.Client.PrependReactor("list", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "nodes"}, "", errors.New("no"))
			})
		}, wantErr: "the scan needs list nodes cluster-wide"},
		{name: "preflight denied", args: []string{"nodes"}, setup: func(c *sim.Cluster) {
			c.Client.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "selfsubjectaccessreviews"}, "", errors.New("no"))
			})
			c.Client.PrependReactor("create", "namespaces", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "namespaces"}, "", errors.New("denied"))
			})
		}, wantErr: "create temporary namespace/kubectl-harden-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sim.New(2, simFast, 0, 0)
			if tt.setup != nil {
				tt.setup(c)
			}
			_, errOut, code, _ := runScan(t, c, tt.args...)
			if code != ExitError || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit %d, stderr:\n%s\nwant %q", code, errOut, tt.wantErr)
			}
			if left := c.PodsLeft(); len(left) > 0 {
				t.Errorf("pods left: %v", left)
			}
		})
	}
}

func TestScanLiveSelectorAndPaging(t *testing.T) {
	c := sim.New(5, simFast, 0, 0)
	var limits []int64
	c.Client.PrependReactor("list", "nodes", func(a k8stesting.Action) (bool, runtime.Object, error) {
		limits = append(limits, a.(k8stesting.ListActionImpl).ListOptions.Limit)
		return false, nil, nil
	})
	out, errOut, code, _ := runScan(t, c, "-l", "kubernetes.io/hostname="+sim.NodeName(4), "-o", "json")
	if code == ExitError {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Targets) != 1 || rep.Targets[0].Name != sim.NodeName(4) {
		t.Fatalf("want node-0004 only: %v\n%s", err, out)
	}
	if len(limits) != 1 || limits[0] != nodes.PageSize {
		t.Errorf("node LIST limits %v, want one page request of %d", limits, nodes.PageSize)
	}
}

// TestScanValidatesBeforeTheCluster: bad flags fail before any client
// exists (the factory is never asked).
func TestScanValidatesBeforeTheCluster(t *testing.T) {
	for _, args := range [][]string{
		{"nodes", "--parallel", "0"},
		{"nodes", "--timeout", "1s"},
		{"nodes", "-l", "a in (b"},
	} {
		_, errOut, code, f := runScan(t, nil, args...)
		if code != ExitError || f.calls != 0 {
			t.Errorf("%v: exit %d, factory called %d times, stderr %q", args, code, f.calls, errOut)
		}
		flag := strings.TrimPrefix(args[1], "-")
		if !strings.Contains(errOut, flag) {
			t.Errorf("%v: the error does not name %s: %q", args, flag, errOut)
		}
	}
}

func TestScanDryRunLive(t *testing.T) {
	c := sim.New(2, simFast, 0, 0)
	out, errOut, code, _ := runScan(t, c, "nodes", "--dry-run=client")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	testutil.Contains(t, "stdout", out, "namespace/kubectl-harden-dryrun created (dry run)", "pod/kubectl-harden-node-0001-")
	if n := c.Requests()["create pods"] + c.Requests()["create namespaces"]; n != 0 {
		t.Errorf("dry run created %d objects", n)
	}
}

func TestScanLiveInterrupted(t *testing.T) {
	c := sim.New(2, sim.Latency{Start: time.Hour}, 0, 0)
	streams, _, _, errOut := genericiooptions.NewTestIOStreams()
	o := newScanOptions(&fakeFactory{client: c.Client}, streams)
	o.logs = c.Logs
	if err := o.Complete(nil, []string{"nodes"}); err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for c.PeakPods() < 2 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	err := o.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("err = %v; stderr:\n%s", err, errOut)
	}
	if left := c.PodsLeft(); len(left) > 0 {
		t.Errorf("pods left after the interruption: %v", left)
	}
}

func TestCleanupLive(t *testing.T) {
	managed := map[string]string{debugpod.ManagedByLabel: debugpod.ManagedBy}
	c := sim.New(1, simFast, 0, 0)
	ctx := context.Background()
	for _, obj := range []runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kubectl-harden-old12", Labels: managed}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "users-own", Labels: managed}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kubectl-harden-n1-abcde", Namespace: "users-own", Labels: managed}},
	} {
		if err := c.Client.Tracker().Add(obj); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (string, int) {
		streams, _, out, errOut := genericiooptions.NewTestIOStreams()
		o := &CleanupOptions{IOStreams: streams, factory: &fakeFactory{client: c.Client}, Timeout: time.Minute}
		cmd := newCmdCleanup(o)
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.ExecuteContext(ctx)
		return out.String() + errOut.String(), ExitCode(err)
	}
	out, code := run("--dry-run")
	if code != ExitOK || !strings.Contains(out, "namespace/kubectl-harden-old12 would be deleted (dry run)") || !strings.Contains(out, "pod/users-own/kubectl-harden-n1-abcde would be deleted") {
		t.Errorf("dry run: exit %d\n%s", code, out)
	}
	if strings.Contains(out, "namespace/users-own") {
		t.Errorf("a user's namespace would be deleted:\n%s", out)
	}
	out, code = run()
	if code != ExitOK || !strings.Contains(out, "namespace/kubectl-harden-old12 deleted") {
		t.Errorf("cleanup: exit %d\n%s", code, out)
	}
	if _, err := c.Client.CoreV1().Namespaces().Get(ctx, "users-own", metav1.GetOptions{}); err != nil {
		t.Errorf("the user's namespace is gone: %v", err)
	}
	if left := c.PodsLeft(); len(left) > 0 {
		t.Errorf("pods left: %v", left)
	}
	out, code = run()
	if code != ExitOK || !strings.Contains(out, "Nothing to clean up") {
		t.Errorf("second cleanup: exit %d\n%s", code, out)
	}
	c.Client.PrependReactor("list", "namespaces", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "namespaces"}, "", errors.New("no"))
	})
	if out, code = run(); code != ExitError {
		t.Errorf("forbidden list: exit %d\n%s", code, out)
	}
}

// Progress lines and warnings on stderr quote what a node's kubelet and
// collector said: they reach the terminal inert.
func TestProgressLinesAreInert(t *testing.T) {
	var b strings.Builder
	p := newProgress(&b, true)
	p.node("n\x1b]0;pwned\x07", "waiting: CreateContainerConfigError: \x1b[2J\x9b31m\u202e\nFAKE")
	p.warn("collector: \x1b[31mred\xff")
	p.line("note \u2066x\u2069")
	out := b.String()
	for _, bad := range []string{"\x1b", "\x07", "\x9b", "\xff", "\u202e", "\u2066", "\nFAKE"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q reached stderr:\n%q", bad, out)
		}
	}
	if !strings.Contains(out, `\x1b[2J`) || strings.Count(out, "\n") != 3 {
		t.Errorf("stderr is not three inert lines:\n%q", out)
	}
}

// The error line quotes node text inert (escapes, bidi, raw 8-bit CSI), and
// keeps the line breaks of a message the program wrote.
func TestPrintErrorIsInert(t *testing.T) {
	var b strings.Builder
	PrintError(&b, fmt.Errorf("could not scan node/n: pod message: %s\n\nRun 'kubectl harden --help' for usage.", "\x1b]0;pwned\x07\x9b31m\u202e\xff"))
	out := b.String()
	for _, bad := range []string{"\x1b", "\x07", "\x9b", "\u202e", "\xff"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q reached stderr: %q", bad, out)
		}
	}
	if !strings.HasPrefix(out, "error: could not scan node/n: pod message: \\x1b]0;pwned") || !strings.HasSuffix(out, "usage.\n") || strings.Count(out, "\n") != 3 {
		t.Errorf("error line %q", out)
	}
	b.Reset()
	PrintError(&b, fmt.Errorf("write: %w", syscall.EPIPE))
	PrintError(&b, nil)
	if b.Len() != 0 {
		t.Errorf("printed %q for a closed pipe or no error", b.String())
	}
}
