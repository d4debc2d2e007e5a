package debugpod

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// podEvent is one update of a collector pod, or its deletion.
type podEvent struct {
	pod     *corev1.Pod
	deleted bool
}

// podWatch is the one watch of a scan: a client-go informer on the pods
// labelled with the scan id in the scan's namespace (one LIST, then one
// WATCH that the reflector re-establishes on its own). Each Collect
// registers the pod it is about to create and gets its updates on a
// channel; nobody polls.
type podWatch struct {
	ns      string
	store   cache.Store
	synced  func() bool
	cancel  context.CancelFunc
	done    chan struct{}
	mu      sync.Mutex
	waiters map[string]chan podEvent
}

// startPodWatch starts the informer and waits until its first LIST is in.
func startPodWatch(ctx context.Context, client kubernetes.Interface, ns, scanID string) (*podWatch, error) {
	sel := labels.Set{ScanIDLabel: scanID}.String()
	pods := client.CoreV1().Pods(ns)
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.LabelSelector = sel
			return pods.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector = sel
			return pods.Watch(ctx, o)
		},
	}
	pw := &podWatch{ns: ns, waiters: map[string]chan podEvent{}, done: make(chan struct{})}
	store, ctrl := cache.NewInformerWithOptions(cache.InformerOptions{
		ListerWatcher: lw,
		ObjectType:    &corev1.Pod{},
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { pw.send(obj, false) },
			UpdateFunc: func(_, obj any) { pw.send(obj, false) },
			DeleteFunc: func(obj any) { pw.send(obj, true) },
		},
	})
	pw.store, pw.synced = store, ctrl.HasSynced
	// The watch lives until stop, not until ctx: Collect has its own
	// deadlines, and Close stops the watch.
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	pw.cancel = cancel
	go func() {
		defer close(pw.done)
		ctrl.RunWithContext(wctx)
	}()
	if !cache.WaitForCacheSync(ctx.Done(), ctrl.HasSynced) {
		pw.stop()
		return nil, fmt.Errorf("watch pods labelled %s in namespace %s: %w", sel, ns, context.Cause(ctx))
	}
	return pw, nil
}

// send passes an update to the pod's waiter, replacing an update the
// waiter has not read yet: only the latest state matters. It never blocks
// the informer.
func (pw *podWatch) send(obj any, deleted bool) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj, deleted = d.Obj, true
	}
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	pw.mu.Lock()
	ch := pw.waiters[p.Name]
	pw.mu.Unlock()
	if ch == nil {
		return
	}
	ev := podEvent{pod: p, deleted: deleted}
	for {
		select {
		case ch <- ev:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// register returns the channel of the pod's updates; call it before the
// pod is created, and unregister when done.
func (pw *podWatch) register(name string) <-chan podEvent {
	ch := make(chan podEvent, 1)
	pw.mu.Lock()
	pw.waiters[name] = ch
	pw.mu.Unlock()
	return ch
}

func (pw *podWatch) unregister(name string) {
	pw.mu.Lock()
	delete(pw.waiters, name)
	pw.mu.Unlock()
}

// get returns the pod as last seen by the watch.
func (pw *podWatch) get(name string) (*corev1.Pod, bool) {
	obj, ok, err := pw.store.GetByKey(pw.ns + "/" + name)
	if err != nil || !ok {
		return nil, false
	}
	p, ok := obj.(*corev1.Pod)
	return p, ok
}

// stop ends the watch and waits for the informer to return.
func (pw *podWatch) stop() {
	if pw == nil {
		return
	}
	pw.cancel()
	<-pw.done
}
