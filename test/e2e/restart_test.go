//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// TestScanRightAfterKubeletRestart restarts a node's kubelet and scans the
// node at once, as users do right after changing a kubelet setting. The
// collector pod then meets a kubelet that is starting: it waits in
// ContainerCreating, or in CreateContainerConfigError "services have not
// yet been read at least once" until the kubelet has listed the services.
// The kubelet heals both by itself, so the scan must wait them out and
// report the node, not fail it. Three rounds, because the window is
// narrow; the waiting states the collector pods went through are logged.
func TestScanRightAfterKubeletRestart(t *testing.T) {
	node := cluster.worker
	states := watchCollectorStates(t)
	t.Cleanup(func() { waitNodeReady(t, node, time.Now().Add(-time.Minute)) })
	for round := 1; round <= 3; round++ {
		nodeExec(t, node, "systemctl restart kubelet")
		rep := scanJSON(t, "node/"+node)
		tg := target(t, rep, node)
		t.Logf("round %d: node/%s scanned right after its kubelet restarted: %d results, %+v", round, node, len(tg.Results), tg.Summary)
	}
	t.Logf("collector pod states seen: %v", states())
	assertNoLeftovers(t, 2*time.Minute)
}

// watchCollectorStates records, until the test ends, the waiting reasons
// and messages and the pod phases that collector pods (in any namespace)
// go through.
func watchCollectorStates(t *testing.T) func() []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w, err := cluster.client.CoreV1().Pods("").Watch(ctx, metav1.ListOptions{LabelSelector: managedBy})
	if err != nil {
		cancel()
		t.Fatalf("watch collector pods: %v", err)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok || ev.Type == watch.Deleted {
				continue
			}
			mu.Lock()
			seen["phase "+string(p.Status.Phase)] = true
			for _, cs := range p.Status.ContainerStatuses {
				if wt := cs.State.Waiting; wt != nil {
					seen[fmt.Sprintf("waiting %s %q", wt.Reason, wt.Message)] = true
				}
			}
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		w.Stop()
		cancel()
		<-done
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for s := range seen {
			out = append(out, s)
		}
		sort.Strings(out)
		return out
	}
}
