package kubeletz

import (
	"context"
	"sync"

	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// Prefetch reads the live configuration of many nodes while their debug
// pods run, at most parallel requests at a time, so that evaluating a
// node never waits for its /configz one node after another. The
// permission is asked once, for every node (a SelfSubjectAccessReview
// without a name): a grant of nodes/proxy limited to some node names is
// treated as no permission, and the note says so.
type Prefetch struct {
	mu   sync.Mutex
	live map[string]live
	done map[string]chan struct{}
}

type live struct {
	configz []byte
	note    string
}

// StartPrefetch starts reading /configz of the nodes in the background;
// Attach collects each node's answer. Cancelling ctx stops it.
func StartPrefetch(ctx context.Context, client kubernetes.Interface, nodes []string, parallel int) *Prefetch {
	p := &Prefetch{live: map[string]live{}, done: map[string]chan struct{}{}}
	for _, n := range nodes {
		if _, dup := p.done[n]; !dup {
			p.done[n] = make(chan struct{})
		}
	}
	if client == nil || len(p.done) == 0 {
		for n := range p.done {
			close(p.done[n])
		}
		return p
	}
	parallel = max(parallel, 1)
	go func() {
		allowed, err := CanProxyNodes(ctx, client, "")
		note := ""
		switch {
		case err != nil:
			note = "could not check the nodes/proxy permission: " + err.Error()
		case !allowed:
			note = "you may not get nodes/proxy on every node, so the kubelet's live /configz was not read"
		}
		if note != "" {
			for n := range p.done {
				p.set(n, live{note: note})
			}
			return
		}
		sem := make(chan struct{}, parallel)
		for n := range p.done {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				p.set(n, live{note: "the scan was interrupted before /configz was read"})
				continue
			}
			go func(n string) {
				defer func() { <-sem }()
				b, err := FetchConfigz(ctx, client, n)
				if err != nil {
					p.set(n, live{note: err.Error()})
					return
				}
				p.set(n, live{configz: b})
			}(n)
		}
	}()
	return p
}

func (p *Prefetch) set(node string, l live) {
	p.mu.Lock()
	p.live[node] = l
	p.mu.Unlock()
	close(p.done[node])
}

// Attach puts the node's prefetched live configuration (or the note why
// there is none) into its evidence, waiting for it if it is still being
// read. A node without a kubelet process, or one not prefetched, is left
// alone.
func (p *Prefetch) Attach(ctx context.Context, ev *evidence.Node) {
	if p == nil || ev == nil || !ev.Has(evidence.Kubelet) {
		return
	}
	ch, ok := p.done[ev.NodeName]
	if !ok {
		return
	}
	select {
	case <-ch:
	case <-ctx.Done():
		ev.KubeletConfigzNote = "the scan was interrupted before /configz was read"
		return
	}
	p.mu.Lock()
	l := p.live[ev.NodeName]
	p.mu.Unlock()
	ev.KubeletConfigz, ev.KubeletConfigzNote = l.configz, l.note
}
