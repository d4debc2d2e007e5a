// Package kubeletz reads a kubelet's live configuration through the API
// server: GET /api/v1/nodes/<node>/proxy/configz, which needs the "get"
// verb on the nodes/proxy subresource. The scan stores the JSON in the
// node's evidence; package checks compares it with the configuration
// resolved from the kubelet's files and flags. Nothing here requires the
// permission: without it the evidence says why there is no live config.
package kubeletz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// Timeout bounds one /configz request.
const Timeout = 10 * time.Second

// MaxBytes bounds the size of a /configz answer that is kept.
const MaxBytes = 1 << 20

// RequiredPermissions are the requests of a live /configz read: get
// nodes/proxy on every node. It is opt-in: nodes/proxy reaches the
// kubelet's API (exec into any pod of the node), which is more than a
// scan needs, so generated RBAC leaves it out and a scan without it
// reports KH-KUBELET-1 as INFO, saying why.
func RequiredPermissions() []access.Permission {
	return []access.Permission{access.Resource("get", "nodes/proxy").As(access.OptIn).
		For("the kubelet's live /configz, compared with its files (KH-KUBELET-1); without it that control is INFO")}
}

// CanProxyNodes asks the API server (package access) whether the caller
// may get nodes/proxy for the node ("" = every node).
func CanProxyNodes(ctx context.Context, client kubernetes.Interface, node string) (bool, error) {
	p := RequiredPermissions()[0]
	if node != "" {
		p = p.Named(node)
	}
	missing, err := access.Check(ctx, client, []access.Permission{p})
	if err != nil {
		return false, fmt.Errorf("nodes/proxy of node/%s: %w", node, err)
	}
	return len(missing) == 0, nil
}

// FetchConfigz returns the JSON the node's kubelet serves at /configz,
// through the API server's node proxy. The answer is the node's: it is
// read up to MaxBytes and no further (client-go's DoRaw reads a body
// whole, whatever its size), and an error quotes at most a bounded, inert
// part of it.
func FetchConfigz(ctx context.Context, client kubernetes.Interface, node string) ([]byte, error) {
	rc := client.CoreV1().RESTClient()
	// A fake clientset returns a typed nil *rest.RESTClient inside the
	// interface: that is "no REST client" too.
	p, ok := rc.(*rest.RESTClient)
	if rc == nil || !ok || p == nil || p.Client == nil {
		return nil, errors.New("the client has no REST client for core/v1")
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	path := "/api/v1/nodes/" + node + "/proxy/configz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rc.Get().AbsPath("/api/v1/nodes", node, "proxy", "configz").URL().String(), nil)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", path, err)
	}
	req.Header.Set("Accept", "application/json, */*")
	resp, err := p.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get %s: %s: %s", path, resp.Status, safetext.Clip(statusMessage(b), 512))
	}
	if len(b) > MaxBytes {
		return nil, fmt.Errorf("/configz of node/%s is more than %d bytes", node, MaxBytes)
	}
	return Sanitize(b)
}

// statusMessage is the message of an API Status answer, else the answer.
func statusMessage(b []byte) string {
	var st metav1.Status
	if json.Unmarshal(b, &st) == nil && st.Message != "" {
		return st.Message
	}
	return string(b)
}

// Sanitize checks that a /configz answer is a {"kubeletconfig": {...}}
// object and redacts the header values of staticPodURLHeader, the one
// setting that may hold credentials.
func Sanitize(b []byte) ([]byte, error) {
	var doc map[string]map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("/configz answer is not a JSON object of objects: %w", err)
	}
	kc, ok := doc["kubeletconfig"]
	if !ok || kc == nil {
		return nil, errors.New(`/configz answer has no "kubeletconfig" object`)
	}
	if h, ok := kc["staticPodURLHeader"].(map[string]any); ok {
		for k := range h {
			h[k] = []string{evidence.Redacted}
		}
	}
	return json.Marshal(doc)
}

// Attach fetches the node's live kubelet configuration into its evidence
// when the caller may get nodes/proxy; otherwise it records why not. It
// never fails the scan: every problem becomes ev.KubeletConfigzNote.
func Attach(ctx context.Context, client kubernetes.Interface, ev *evidence.Node) {
	if ev == nil || client == nil || !ev.Has(evidence.Kubelet) {
		return
	}
	allowed, err := CanProxyNodes(ctx, client, ev.NodeName)
	switch {
	case err != nil:
		ev.KubeletConfigzNote = "could not check the nodes/proxy permission: " + err.Error()
		return
	case !allowed:
		ev.KubeletConfigzNote = "you may not get nodes/proxy, so the kubelet's live /configz was not read"
		return
	}
	b, err := FetchConfigz(ctx, client, ev.NodeName)
	if err != nil {
		ev.KubeletConfigzNote = err.Error()
		return
	}
	ev.KubeletConfigz, ev.KubeletConfigzNote = b, ""
}
