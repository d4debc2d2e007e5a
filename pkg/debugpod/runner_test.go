package debugpod

import (
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// goodOutput is a minimal valid collector output.
const goodOutput = evidence.FormatHeader + "\ntime 1700000000\nproc kubelet 10 host\nargv a3ViZWxldAAtLWNvbmZpZz0veAA=\nfile 81a4 0 0 1 host /var/lib/kubelet/config.yaml\n#end 4\n"

// fakeCluster scripts a fake clientset: SSAR answers, and for each pod
// created the status updates a kubelet would make (by node), applied to
// the fake's object tracker so that the runner's pod watch sees them.
type fakeCluster struct {
	client *fake.Clientset
	mu     sync.Mutex
	// denied are SSAR attributes answered "not allowed", as "verb resource[/sub]".
	denied map[string]bool
	// script returns the events to apply to the pod of a node: Modified
	// replaces the pod (its status), Deleted deletes it.
	script func(node string, pod *corev1.Pod) []watch.Event
	// stepDelay is the pause before each scripted event after the first,
	// so that the runner sees every state (the watch keeps only the
	// latest unread update).
	stepDelay time.Duration
	watched   chan string // node names whose pod was created
	// watching is closed once the runner's pod watch is established.
	watching  chan struct{}
	watchOnce sync.Once
	watches   int
}

var podsGVR = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

func newFakeCluster(t *testing.T, objs ...runtime.Object) *fakeCluster {
	t.Helper()
	fc := &fakeCluster{client: fake.NewClientset(objs...), denied: map[string]bool{}, watched: make(chan string, 16), watching: make(chan struct{})}
	fc.client.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		ssar := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview)
		ra := ssar.Spec.ResourceAttributes
		key := ra.Verb + " " + ra.Resource
		if ra.Subresource != "" {
			key += "/" + ra.Subresource
		}
		fc.mu.Lock()
		ssar.Status.Allowed = !fc.denied[key]
		fc.mu.Unlock()
		return true, ssar, nil
	})
	fc.client.PrependWatchReactor("pods", func(a k8stesting.Action) (bool, watch.Interface, error) {
		w, err := fc.client.Tracker().Watch(podsGVR, a.GetNamespace())
		fc.mu.Lock()
		fc.watches++
		fc.mu.Unlock()
		fc.watchOnce.Do(func() { close(fc.watching) })
		return true, w, err
	})
	// Prepended first, so that reactors a test prepends later run before.
	fc.client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		pod := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod).DeepCopy()
		if err := fc.client.Tracker().Create(podsGVR, pod, a.GetNamespace()); err != nil {
			return true, nil, err
		}
		var events []watch.Event
		if fc.script != nil {
			events = fc.script(pod.Spec.NodeName, pod)
		}
		go func() {
			<-fc.watching
			for i, e := range events {
				if i > 0 {
					time.Sleep(fc.stepDelay)
				}
				p := e.Object.(*corev1.Pod)
				switch e.Type {
				case watch.Deleted:
					_ = fc.client.Tracker().Delete(podsGVR, p.Namespace, p.Name)
				default:
					_ = fc.client.Tracker().Update(podsGVR, p, p.Namespace)
				}
			}
		}()
		fc.watched <- pod.Spec.NodeName
		return true, pod, nil
	})
	return fc
}

// podsLeft lists the pods still stored in the fake cluster.
func (fc *fakeCluster) podsLeft(t *testing.T) []string {
	t.Helper()
	l, err := fc.client.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range l.Items {
		out = append(out, p.Namespace+"/"+p.Name)
	}
	return out
}

func (fc *fakeCluster) deletes(resource string) int {
	n := 0
	for _, a := range fc.client.Actions() {
		if a.GetVerb() == "delete" && a.GetResource().Resource == resource {
			n++
		}
	}
	return n
}

func withStatus(p *corev1.Pod, st corev1.PodStatus) *corev1.Pod {
	p = p.DeepCopy()
	p.Status = st
	return p
}

func running(p *corev1.Pod) watch.Event {
	return watch.Event{Type: watch.Modified, Object: withStatus(p, corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{
		Name: ContainerName, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
	}}})}
}

func succeeded(p *corev1.Pod) watch.Event {
	return watch.Event{Type: watch.Modified, Object: withStatus(p, corev1.PodStatus{Phase: corev1.PodSucceeded})}
}

func newTestRunner(t *testing.T, fc *fakeCluster, o Options, logs map[string]string) *Runner {
	t.Helper()
	if o.ScanID == "" {
		o.ScanID = "abc12"
	}
	o.RandomSuffix = fixedSuffix
	r, err := NewRunner(fc.client, o)
	if err != nil {
		t.Fatal(err)
	}
	r.retryDelay = time.Millisecond
	t.Cleanup(func() { _, _ = r.Close(context.Background()) })
	r.logs = func(ctx context.Context, ns, pod string, limit int64) (io.ReadCloser, error) {
		for node, out := range logs {
			if strings.Contains(pod, node) {
				return io.NopCloser(strings.NewReader(out)), nil
			}
		}
		return nil, errors.New("no logs")
	}
	return r
}

func TestCollect(t *testing.T) {
	tests := []struct {
		name    string
		script  func(node string, pod *corev1.Pod) []watch.Event
		logs    string
		timeout time.Duration
		cancel  bool // cancel the caller's context once the watch started
		wantErr []string
		wantIs  error
		phases  []string
	}{
		{
			name: "success",
			script: func(_ string, p *corev1.Pod) []watch.Event {
				return []watch.Event{running(p), succeeded(p)}
			},
			logs:   goodOutput,
			phases: []string{PhaseCreating, PhasePending, PhaseRunning, PhaseReading, PhaseDeleting, PhaseDone},
		},
		{
			name: "image pull failure fails fast",
			script: func(_ string, p *corev1.Pod) []watch.Event {
				return []watch.Event{{Type: watch.Modified, Object: withStatus(p, corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
					Name: ContainerName, Image: "busybox", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: "Back-off pulling image"}},
				}}})}}
			},
			wantErr: []string{"node/worker-1", "ImagePullBackOff", "--image-pull-secret"},
			phases:  []string{PhaseCreating, PhasePending, PhaseDeleting, PhaseFailed},
		},
		{
			name: "create container error fails after the retry grace",
			script: func(_ string, p *corev1.Pod) []watch.Event {
				return []watch.Event{{Type: watch.Modified, Object: withStatus(p, corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{
					Name: ContainerName, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerError", Message: "no sh"}},
				}}})}}
			},
			wantErr: []string{"CreateContainerError", "no sh", "although the kubelet retried it"},
		},
		{
			name: "unschedulable",
			script: func(_ string, p *corev1.Pod) []watch.Event {
				return []watch.Event{{Type: watch.Modified, Object: withStatus(p, corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
					Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: "node(s) had untolerated taint",
				}}})}}
			},
			wantErr: []string{"cannot be scheduled", "untolerated taint"},
		},
		{
			name: "kubelet rejects the pod",
			script: func(_ string, p *corev1.Pod) []watch.Event {
				return []watch.Event{{Type: watch.Modified, Object: withStatus(p, corev1.PodStatus{Phase: corev1.PodFailed, Reason: "OutOfcpu", Message: "Node didn't have enough resource: cpu"})}}
			},
			wantErr: []string{"node/worker-1: collector pod kubectl-harden-worker-1-x7k2p failed", "reason OutOfcpu"},
		},
		{
			name: "collector exits non-zero",
			script: func(_ string, p *corev1.Pod) []watch.Event {
				return []watch.Event{{Type: watch.Modified, Object: withStatus(p, corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{
					Name: ContainerName, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 127, Reason: "Error"}},
				}}})}}
			},
			logs:    "sh: awk: not found\n",
			wantErr: []string{"exited with code 127", "log ends with: sh: awk: not found"},
		},
		{
			name: "pod deleted by someone else",
			script: func(_ string, p *corev1.Pod) []watch.Event {
				return []watch.Event{{Type: watch.Deleted, Object: p}}
			},
			wantErr: []string{"was deleted before it finished"},
		},
		{
			name: "truncated output",
			script: func(_ string, p *corev1.Pod) []watch.Event {
				return []watch.Event{succeeded(p)}
			},
			logs:    strings.TrimSuffix(goodOutput, "#end 4\n"),
			wantErr: []string{"node/worker-1: collector output of pod", "no trailer"},
			wantIs:  evidence.ErrTruncated,
		},
		{
			name:    "timeout",
			script:  func(_ string, p *corev1.Pod) []watch.Event { return []watch.Event{running(p)} },
			timeout: 2 * time.Second,
			wantErr: []string{"node/worker-1: collector pod kubectl-harden-worker-1-x7k2p did not finish within --timeout 2s", "phase Running"},
			wantIs:  context.DeadlineExceeded,
		},
		{
			name:    "cancellation",
			script:  func(_ string, p *corev1.Pod) []watch.Event { return nil },
			cancel:  true,
			wantErr: []string{"node/worker-1: scan cancelled"},
			wantIs:  context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCluster(t)
			fc.script = tt.script
			var mu sync.Mutex
			var phases []string
			o := Options{Progress: func(node, phase string) {
				mu.Lock()
				defer mu.Unlock()
				phases = append(phases, phase)
			}}
			r := newTestRunner(t, fc, o, map[string]string{"worker-1": tt.logs})
			r.retryGrace = 300 * time.Millisecond
			if tt.timeout > 0 {
				r.opts.Timeout = tt.timeout
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if err := r.Prepare(ctx); err != nil {
				t.Fatal(err)
			}
			if tt.cancel {
				go func() {
					<-fc.watched
					cancel()
				}()
			}
			ev, err := r.Collect(ctx, "worker-1")
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Collect: %v", err)
				}
				if ev.NodeName != "worker-1" || !ev.Has(evidence.Kubelet) {
					t.Errorf("evidence = %+v", ev)
				}
			} else {
				if err == nil {
					t.Fatal("Collect succeeded, want an error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Errorf("errors.Is(%v, %v) = false", err, tt.wantIs)
				}
			}
			if left := fc.podsLeft(t); len(left) > 0 {
				t.Errorf("pods left behind: %v", left)
			}
			if n := fc.deletes("pods"); n != 1 {
				t.Errorf("%d pod deletions, want 1", n)
			}
			if tt.phases != nil {
				mu.Lock()
				if diff := cmp.Diff(tt.phases, phases); diff != "" {
					t.Errorf("phases (-want +got):\n%s", diff)
				}
				mu.Unlock()
			}
		})
	}
}

func TestCollectRetriesMissingServiceAccount(t *testing.T) {
	fc := newFakeCluster(t)
	fc.script = func(_ string, p *corev1.Pod) []watch.Event { return []watch.Event{succeeded(p)} }
	fails := 2
	fc.client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if fails > 0 {
			fails--
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "x",
				errors.New(`error looking up service account kubectl-harden-abc12/default: serviceaccount "default" not found`))
		}
		return false, nil, nil
	})
	r := newTestRunner(t, fc, Options{}, map[string]string{"worker-1": goodOutput})
	if err := r.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Collect(context.Background(), "worker-1"); err != nil {
		t.Fatal(err)
	}
	if fails != 0 {
		t.Errorf("create was not retried")
	}
}

func TestCollectPodSecurityRejection(t *testing.T) {
	fc := newFakeCluster(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "security"}})
	fc.client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "x",
			errors.New(`violates PodSecurity "baseline:latest": host namespaces (hostPID=true)`))
	})
	r := newTestRunner(t, fc, Options{Namespace: "security"}, nil)
	if err := r.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := r.Collect(context.Background(), "worker-1")
	if err == nil || !strings.Contains(err.Error(), "kubectl label namespace security pod-security.kubernetes.io/enforce=privileged --overwrite") {
		t.Fatalf("err = %v", err)
	}
	if n := fc.deletes("pods"); n != 0 {
		t.Errorf("deleted a pod that was never created")
	}
}

func TestCollectAll(t *testing.T) {
	fc := newFakeCluster(t)
	var mu sync.Mutex
	active, maxActive := 0, 0
	fc.script = func(node string, p *corev1.Pod) []watch.Event {
		if node == "bad" {
			return []watch.Event{{Type: watch.Modified, Object: withStatus(p, corev1.PodStatus{Phase: corev1.PodFailed, Reason: "DeadlineExceeded"})}}
		}
		return []watch.Event{succeeded(p)}
	}
	fc.client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		active++
		maxActive = max(maxActive, active)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // let the others pile up
		return false, nil, nil
	})
	fc.client.PrependReactor("delete", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		active--
		mu.Unlock()
		return false, nil, nil
	})
	logs := map[string]string{"node-a": goodOutput, "node-b": goodOutput, "node-c": goodOutput}
	r := newTestRunner(t, fc, Options{}, logs)
	if err := r.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := r.CollectAll(context.Background(), []string{"node-a", "bad", "node-b", "node-c"}, 2)
	var summary []string
	for _, x := range res {
		s := x.Node + ":ok"
		if x.Err != nil {
			s = x.Node + ":" + x.Err.Error()
		} else if x.Evidence.NodeName != x.Node {
			s = x.Node + ":wrong evidence " + x.Evidence.NodeName
		}
		summary = append(summary, s)
	}
	want := []string{"node-a:ok", "bad:node/bad: collector pod kubectl-harden-bad-x7k2p failed: phase Failed, reason DeadlineExceeded", "node-b:ok", "node-c:ok"}
	if diff := cmp.Diff(want, summary); diff != "" {
		t.Errorf("CollectAll (-want +got):\n%s", diff)
	}
	if maxActive > 2 {
		t.Errorf("%d pods at once, bound is 2", maxActive)
	}
	fc.mu.Lock()
	if fc.watches != 1 {
		t.Errorf("%d pod watches for 4 nodes, want one for the whole scan", fc.watches)
	}
	fc.mu.Unlock()
	if left := fc.podsLeft(t); len(left) > 0 {
		t.Errorf("pods left: %v", left)
	}
	if ns, err := r.Close(context.Background()); err != nil || ns != "kubectl-harden-abc12" {
		t.Fatalf("Close = %q, %v", ns, err)
	}
	if _, err := fc.client.CoreV1().Namespaces().Get(context.Background(), "kubectl-harden-abc12", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("temporary namespace still there: %v", err)
	}
}

func TestCollectAllCancelled(t *testing.T) {
	fc := newFakeCluster(t)
	r := newTestRunner(t, fc, Options{}, nil)
	if err := r.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, res := range r.CollectAll(ctx, []string{"a", "b"}, 1) {
		if !errors.Is(res.Err, context.Canceled) {
			t.Errorf("node %s: err = %v", res.Node, res.Err)
		}
	}
	if n := len(fc.podsLeft(t)); n != 0 || fc.deletes("pods") != 0 {
		t.Errorf("pods were created after cancellation")
	}
}

func TestPrepare(t *testing.T) {
	tests := []struct {
		name      string
		objs      []runtime.Object
		namespace string
		denied    []string
		wantErr   []string
		wantNS    bool // a temporary namespace was created
	}{
		{name: "temporary namespace", wantNS: true},
		{
			name:    "missing permissions are all named",
			denied:  []string{"delete pods", "get pods/log", "create namespaces"},
			wantErr: []string{"needs permission to get pods/log in namespace kubectl-harden-abc12, delete pods in namespace kubectl-harden-abc12, create namespaces cluster-wide"},
		},
		{
			name:      "given namespace needs no namespace permissions",
			namespace: "security",
			objs:      []runtime.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "security"}}},
			denied:    []string{"create namespaces", "delete namespaces"},
		},
		{
			name:      "given namespace enforcing baseline",
			namespace: "apps",
			objs:      []runtime.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps", Labels: map[string]string{PSAEnforceLabel: "baseline"}}}},
			wantErr:   []string{`--namespace apps enforces the "baseline" Pod Security level`, "kubectl label namespace apps pod-security.kubernetes.io/enforce=privileged --overwrite"},
		},
		{
			name:      "given namespace enforcing restricted",
			namespace: "apps",
			objs:      []runtime.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps", Labels: map[string]string{PSAEnforceLabel: "restricted"}}}},
			wantErr:   []string{`"restricted"`},
		},
		{
			name:      "given namespace absent",
			namespace: "nope",
			wantErr:   []string{"--namespace nope: namespace not found"},
		},
		{
			name:    "temporary namespace already exists is never adopted",
			objs:    []runtime.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kubectl-harden-abc12"}}},
			wantErr: []string{"namespace/kubectl-harden-abc12 already exists"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCluster(t, tt.objs...)
			for _, d := range tt.denied {
				fc.denied[d] = true
			}
			r := newTestRunner(t, fc, Options{Namespace: tt.namespace}, nil)
			err := r.Prepare(context.Background())
			if len(tt.wantErr) == 0 && err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want %q", err, w)
				}
			}
			created := false
			for _, a := range fc.client.Actions() {
				if a.GetVerb() == "create" && a.GetResource().Resource == "namespaces" {
					ns := a.(k8stesting.CreateAction).GetObject().(*corev1.Namespace)
					created = ns.Labels[PSAEnforceLabel] == PSAPrivileged && ns.Labels[ManagedByLabel] == ManagedBy
				}
			}
			if created != (tt.wantNS || strings.Contains(tt.name, "already exists")) {
				t.Errorf("namespace create attempted = %v", created)
			}
			if _, err := r.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := fc.deletes("namespaces"); n != map[bool]int{true: 1}[tt.wantNS] {
				t.Errorf("%d namespace deletions", n)
			}
		})
	}
}

func TestCleanup(t *testing.T) {
	managed := map[string]string{ManagedByLabel: ManagedBy}
	objs := []runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kubectl-harden-old1", Labels: managed}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-ns", Labels: managed}}, // labelled, but not ours by name
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kubectl-harden-n1-aaaaa", Namespace: "security", Labels: managed}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kubectl-harden-n2-bbbbb", Namespace: "kubectl-harden-old1", Labels: managed}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}},
	}
	want := []string{"namespace/kubectl-harden-old1", "pod/kubectl-harden-old1/kubectl-harden-n2-bbbbb", "pod/security/kubectl-harden-n1-aaaaa"}

	fc := newFakeCluster(t, objs...)
	got, err := Cleanup(context.Background(), fc.client, true)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Cleanup dry run (-want +got):\n%s", diff)
	}
	if fc.deletes("pods")+fc.deletes("namespaces") != 0 {
		t.Errorf("dry run deleted something")
	}

	got, err = Cleanup(context.Background(), fc.client, false)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Cleanup (-want +got):\n%s", diff)
	}
	if left := fc.podsLeft(t); !cmp.Equal(left, []string{"default/web"}) {
		t.Errorf("pods left: %v", left)
	}
	nss, _ := fc.client.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{})
	var names []string
	for _, n := range nss.Items {
		names = append(names, n.Name)
	}
	sort.Strings(names)
	if diff := cmp.Diff([]string{"default", "team-ns"}, names); diff != "" {
		t.Errorf("namespaces left (-want +got):\n%s", diff)
	}
}

func TestLoadKindFixtures(t *testing.T) {
	// The evidence collected from the real kind cluster by the e2e test
	// (pkg/evidence/testdata) loads and holds what the checks rely on.
	nodes, err := evidence.Load("../evidence/testdata")
	if err != nil {
		t.Fatal(err)
	}
	byRole := map[string]*evidence.Node{}
	for _, n := range nodes {
		if n.Has(evidence.APIServer) {
			byRole["control-plane"] = n
		} else {
			byRole["worker"] = n
		}
	}
	cp, w := byRole["control-plane"], byRole["worker"]
	if cp == nil || w == nil {
		t.Fatalf("fixtures: %d nodes, want a control plane and a worker", len(nodes))
	}
	for _, c := range evidence.Components {
		if !cp.Has(c) {
			t.Errorf("control plane fixture lacks %s", c)
		}
	}
	if f := cp.File("/var/lib/etcd"); f == nil || !f.Exists || f.Mode != 0o700 {
		t.Errorf("etcd data dir: %+v", f)
	}
	if c := cp.Certificates["/etc/kubernetes/pki/apiserver.crt"]; c == nil || c.SignedBy != "/etc/kubernetes/pki/ca.crt" {
		t.Errorf("apiserver.crt: %+v", c)
	}
	if _, ok := w.Configs["/var/lib/kubelet/config.yaml"]; !ok {
		t.Errorf("worker fixture has no kubelet config")
	}
	if f := w.File("/var/lib/kube-proxy/config.conf"); f == nil || f.ReadVia == "" {
		t.Errorf("kube-proxy config should be read through its process root: %+v", f)
	}
}
