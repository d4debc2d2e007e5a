package kubeletz

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// fleet answers one SelfSubjectAccessReview (allowed as given) and the
// /configz of nodes n-0..n-N (n-3 fails), each after a delay, recording the
// reviews and the most /configz requests in flight at once.
type fleet struct {
	reviews, inFlight, maxInFlight atomic.Int32
	named                          atomic.Bool
}

func newFleet(t testing.TB, allowed bool, delay time.Duration) (*fleet, kubernetes.Interface) {
	t.Helper()
	f := &fleet{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/selfsubjectaccessreviews") {
			f.reviews.Add(1)
			var rev authorizationv1.SelfSubjectAccessReview
			b, _ := io.ReadAll(r.Body)
			_ = json.Unmarshal(b, &rev)
			if rev.Spec.ResourceAttributes != nil && rev.Spec.ResourceAttributes.Name != "" {
				f.named.Store(true)
			}
			rev.Status.Allowed = allowed
			_ = json.NewEncoder(w).Encode(rev)
			return
		}
		var node string
		if _, err := fmt.Sscanf(r.URL.Path, "/api/v1/nodes/%s", &node); err != nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		node = strings.TrimSuffix(node, "/proxy/configz")
		n := f.inFlight.Add(1)
		for m := f.maxInFlight.Load(); n > m && !f.maxInFlight.CompareAndSwap(m, n); m = f.maxInFlight.Load() {
		}
		time.Sleep(delay)
		f.inFlight.Add(-1)
		if node == "n-3" {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"kind":"Status","status":"Failure","message":"no endpoints"}`)
			return
		}
		fmt.Fprintf(w, `{"kubeletconfig":{"readOnlyPort":0,"nodeStatusMaxImages":%d}}`, len(node))
	}))
	t.Cleanup(srv.Close)
	c, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL, QPS: 1000, Burst: 1000, ContentConfig: rest.ContentConfig{ContentType: "application/json"}})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func nodeEv(name string) *evidence.Node {
	return &evidence.Node{NodeName: name, Processes: map[evidence.Component]*evidence.Process{evidence.Kubelet: {PID: 1, Args: []string{"kubelet"}}}}
}

func TestPrefetch(t *testing.T) {
	var names []string
	for i := range 12 {
		names = append(names, fmt.Sprintf("n-%d", i))
	}
	t.Run("allowed: one review, bounded concurrency, each node its own answer", func(t *testing.T) {
		f, c := newFleet(t, true, 30*time.Millisecond)
		p := StartPrefetch(context.Background(), c, names, 4)
		var wg sync.WaitGroup
		evs := make([]*evidence.Node, len(names))
		for i, n := range names {
			evs[i] = nodeEv(n)
			wg.Add(1)
			go func(ev *evidence.Node) { defer wg.Done(); p.Attach(context.Background(), ev) }(evs[i])
		}
		wg.Wait()
		if f.reviews.Load() != 1 || f.named.Load() {
			t.Errorf("%d reviews (named %v), want one for every node", f.reviews.Load(), f.named.Load())
		}
		if m := f.maxInFlight.Load(); m > 4 || m < 2 {
			t.Errorf("%d /configz requests in flight at most, want 2..4 (parallel 4)", m)
		}
		for _, ev := range evs {
			if ev.NodeName == "n-3" {
				if ev.KubeletConfigz != nil || !strings.Contains(ev.KubeletConfigzNote, "/api/v1/nodes/n-3/proxy/configz") {
					t.Errorf("n-3: configz %s note %q", ev.KubeletConfigz, ev.KubeletConfigzNote)
				}
				continue
			}
			want := fmt.Sprintf(`"nodeStatusMaxImages":%d`, len(ev.NodeName))
			if ev.KubeletConfigzNote != "" || !strings.Contains(string(ev.KubeletConfigz), want) {
				t.Errorf("%s: configz %s note %q, want %s", ev.NodeName, ev.KubeletConfigz, ev.KubeletConfigzNote, want)
			}
		}
	})
	t.Run("denied: nothing fetched, every node says why", func(t *testing.T) {
		f, c := newFleet(t, false, 0)
		p := StartPrefetch(context.Background(), c, names, 4)
		ev := nodeEv("n-5")
		p.Attach(context.Background(), ev)
		if f.maxInFlight.Load() != 0 || ev.KubeletConfigz != nil || !strings.Contains(ev.KubeletConfigzNote, "may not get nodes/proxy on every node") {
			t.Errorf("fetched %d, note %q", f.maxInFlight.Load(), ev.KubeletConfigzNote)
		}
	})
	t.Run("interrupted: Attach returns with a note", func(t *testing.T) {
		_, c := newFleet(t, true, 2*time.Second)
		ctx, cancel := context.WithCancel(context.Background())
		p := StartPrefetch(ctx, c, names, 1)
		cancel()
		ev := nodeEv("n-11")
		done := make(chan struct{})
		go func() { p.Attach(ctx, ev); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Second):
			t.Fatal("Attach did not return after the context was cancelled")
		}
		if ev.KubeletConfigz != nil || !strings.Contains(ev.KubeletConfigzNote, "interrupted") {
			t.Errorf("note %q", ev.KubeletConfigzNote)
		}
	})
	t.Run("no kubelet or unknown node: left alone", func(t *testing.T) {
		_, c := newFleet(t, true, 0)
		p := StartPrefetch(context.Background(), c, names, 2)
		ev := &evidence.Node{NodeName: "n-1"}
		p.Attach(context.Background(), ev)
		other := nodeEv("elsewhere")
		p.Attach(context.Background(), other)
		if ev.KubeletConfigz != nil || ev.KubeletConfigzNote != "" || other.KubeletConfigz != nil || other.KubeletConfigzNote != "" {
			t.Errorf("touched: %+v %+v", ev, other)
		}
	})
}

// BenchmarkLiveConfig compares reading 200 nodes' /configz (2 ms each at
// the server) one node after another, as each node is evaluated (Attach),
// with Prefetch at the scan's default parallelism.
func BenchmarkLiveConfig(b *testing.B) {
	_, c := newFleet(b, true, 2*time.Millisecond)
	var names []string
	for i := range 200 {
		names = append(names, fmt.Sprintf("n-%d", i+10))
	}
	b.Run("serial-attach", func(b *testing.B) {
		for b.Loop() {
			for _, n := range names {
				Attach(context.Background(), c, nodeEv(n))
			}
		}
	})
	b.Run("prefetch-50", func(b *testing.B) {
		for b.Loop() {
			p := StartPrefetch(context.Background(), c, names, 50)
			for _, n := range names {
				p.Attach(context.Background(), nodeEv(n))
			}
		}
	})
}
