// Package sim is a simulated cluster for the node scan: a client-go fake
// clientset whose reactors play the kubelet (they complete the collector
// pods the runner creates) and serve the collector's log, with latencies
// for each step and a client-side rate limiter like client-go's. It sits
// behind the same kubernetes.Interface and debugpod.Options.Logs the real
// scan uses, so tests and benchmarks (make bench) run the real runner on
// thousands of nodes without a cluster.
package sim

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/apimachinery/pkg/watch"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// Latency is how long each step of a debug pod takes.
type Latency struct {
	// Request is the round trip of every API request (create, get, list,
	// delete, SelfSubjectAccessReview, log).
	Request time.Duration
	// Start is from the pod's creation to its container running (the
	// kubelet's admission, sandbox and container start).
	Start time.Duration
	// Run is how long the collector runs until the pod Succeeded.
	Run time.Duration
}

// Realistic are latencies measured on kind and typical of a managed
// cluster's control plane: a 10 ms API round trip, 700 ms to start a
// container from a cached image, 800 ms for the collector.
var Realistic = Latency{Request: 10 * time.Millisecond, Start: 700 * time.Millisecond, Run: 800 * time.Millisecond}

// ServerVersion is the version the simulated API server reports.
const ServerVersion = "v1.34.4"

// MinimalOutput is a valid collector output with a kubelet process, for
// nodes without a scripted output.
func MinimalOutput(node string) string {
	return evidence.FormatHeader + "\ntime 1700000000\nproc kubelet 10 host\nargv a3ViZWxldAAtLWNvbmZpZz0veAA=\nfile 81a4 0 0 1 host /var/lib/kubelet/config.yaml\n#end 4\n"
}

// Cluster is a simulated cluster. Create it with New; pass Client to the
// runner and Logs as debugpod.Options.Logs.
type Cluster struct {
	// Client is the fake clientset with the simulation's reactors.
	Client *fake.Clientset
	// Output returns the collector output of a node (default MinimalOutput).
	Output func(node string) string
	// Fail, if set, says the pod of this node fails (phase Failed) instead
	// of succeeding.
	Fail func(node string) bool

	lat      Latency
	limiter  flowcontrol.RateLimiter
	watching chan struct{}
	once     sync.Once
	mu       sync.Mutex
	requests map[string]int64
	watches  atomic.Int64
	running  atomic.Int64
	peak     atomic.Int64
}

var podsGVR = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// New returns a cluster of nodes Ready nodes named node-0000, node-0001, …
// with the given latencies. qps and burst, if qps > 0, model the client's
// rate limiter (client-go's token bucket) on every request.
func New(nodes int, lat Latency, qps float32, burst int) *Cluster {
	objs := make([]runtime.Object, 0, nodes)
	for i := range nodes {
		objs = append(objs, &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: NodeName(i), Labels: map[string]string{"kubernetes.io/hostname": NodeName(i)}},
			Status:     corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}},
		})
	}
	// NewSimpleClientset, not NewClientset: the latter's server-side-apply
	// field management costs milliseconds of CPU per write, which would
	// make the simulation measure the fake rather than the scan.
	c := &Cluster{Client: fake.NewSimpleClientset(objs...), lat: lat, watching: make(chan struct{}), requests: map[string]int64{}}
	if qps > 0 {
		c.limiter = flowcontrol.NewTokenBucketRateLimiter(qps, burst)
	}
	c.Client.Discovery().(*fakediscovery.FakeDiscovery).FakedServerVersion = &version.Info{GitVersion: ServerVersion}
	cs := c.Client
	// Prepended in reverse: the first reactor to run counts and delays.
	cs.PrependReactor("create", "pods", c.createPod)
	cs.PrependReactor("delete", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if _, err := cs.Tracker().Get(podsGVR, a.GetNamespace(), a.(k8stesting.DeleteAction).GetName()); err == nil {
			c.running.Add(-1)
		}
		return false, nil, nil
	})
	cs.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		ssar := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview).DeepCopy()
		ssar.Status.Allowed = true
		return true, ssar, nil
	})
	cs.PrependReactor("*", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		c.request(a.GetVerb(), a.GetResource().Resource, a.GetSubresource())
		return false, nil, nil
	})
	cs.PrependWatchReactor("pods", func(a k8stesting.Action) (bool, watch.Interface, error) {
		c.request("watch", "pods", "")
		c.watches.Add(1)
		w, err := cs.Tracker().Watch(podsGVR, a.GetNamespace())
		c.once.Do(func() { close(c.watching) })
		return true, w, err
	})
	return c
}

// NodeName is the name of the i-th simulated node.
func NodeName(i int) string { return fmt.Sprintf("node-%04d", i) }

// request counts one API request and waits for the limiter and the
// round trip.
func (c *Cluster) request(verb, resource, sub string) {
	key := verb + " " + resource
	if sub != "" {
		key += "/" + sub
	}
	c.mu.Lock()
	c.requests[key]++
	c.mu.Unlock()
	if c.limiter != nil {
		c.limiter.Accept()
	}
	time.Sleep(c.lat.Request)
}

// createPod stores the pod and plays its life: running after Start,
// Succeeded (or Failed) after Run.
func (c *Cluster) createPod(a k8stesting.Action) (bool, runtime.Object, error) {
	pod := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod).DeepCopy()
	pod.Namespace = a.GetNamespace()
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending}
	if err := c.Client.Tracker().Create(podsGVR, pod, pod.Namespace); err != nil {
		return true, nil, err
	}
	n := c.running.Add(1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			break
		}
	}
	go c.lifecycle(pod.DeepCopy())
	return true, pod, nil
}

func (c *Cluster) lifecycle(pod *corev1.Pod) {
	<-c.watching
	time.Sleep(c.lat.Start)
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{
		Name: "collector", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
	}}}
	if c.Client.Tracker().Update(podsGVR, pod.DeepCopy(), pod.Namespace) != nil {
		return // deleted meanwhile
	}
	time.Sleep(c.lat.Run)
	phase, code := corev1.PodSucceeded, int32(0)
	if c.Fail != nil && c.Fail(pod.Spec.NodeName) {
		phase, code = corev1.PodFailed, 1
	}
	pod.Status = corev1.PodStatus{Phase: phase, ContainerStatuses: []corev1.ContainerStatus{{
		Name: "collector", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: "Completed"}},
	}}}
	_ = c.Client.Tracker().Update(podsGVR, pod, pod.Namespace)
}

// Logs serves the collector's log of a pod of the simulation, for
// debugpod.Options.Logs.
func (c *Cluster) Logs(ctx context.Context, ns, pod string, limit int64) (io.ReadCloser, error) {
	c.request("get", "pods", "log")
	obj, err := c.Client.Tracker().Get(podsGVR, ns, pod)
	if err != nil {
		return nil, err
	}
	node := obj.(*corev1.Pod).Spec.NodeName
	out := MinimalOutput(node)
	if c.Output != nil {
		out = c.Output(node)
	}
	return io.NopCloser(io.LimitReader(strings.NewReader(out), limit)), ctx.Err()
}

// Requests returns the API requests made so far, by "verb resource[/sub]".
func (c *Cluster) Requests() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.requests))
	for k, v := range c.requests {
		out[k] = v
	}
	return out
}

// TotalRequests is the sum of Requests.
func (c *Cluster) TotalRequests() int64 {
	var n int64
	for _, v := range c.Requests() {
		n += v
	}
	return n
}

// Watches is how many pod watches were opened.
func (c *Cluster) Watches() int64 { return c.watches.Load() }

// PeakPods is the largest number of collector pods alive at once.
func (c *Cluster) PeakPods() int64 { return c.peak.Load() }

// PodsLeft lists the pods still in the simulated cluster.
func (c *Cluster) PodsLeft() []string {
	l, err := c.Client.Tracker().List(podsGVR, schema.GroupVersionKind{Version: "v1", Kind: "Pod"}, "")
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for _, p := range l.(*corev1.PodList).Items {
		out = append(out, p.Namespace+"/"+p.Name)
	}
	return out
}
