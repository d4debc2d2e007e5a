package kubeletz

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

const liveZ = `{"kubeletconfig":{"readOnlyPort":0,"staticPodURLHeader":{"Authorization":["Bearer SECRET-HEADER"]}}}`

// apiServer answers SelfSubjectAccessReviews (allowed as given) and the
// node proxy's /configz, counting the /configz requests.
func apiServer(t *testing.T, allowed bool, configz string, status int) (kubernetes.Interface, *int) {
	t.Helper()
	gets := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews":
			var rev authorizationv1.SelfSubjectAccessReview
			b, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(b, &rev); err != nil || rev.Spec.ResourceAttributes == nil ||
				rev.Spec.ResourceAttributes.Resource != "nodes" || rev.Spec.ResourceAttributes.Subresource != "proxy" || rev.Spec.ResourceAttributes.Verb != "get" {
				t.Errorf("unexpected review %s", b)
			}
			rev.Status.Allowed = allowed
			if !allowed {
				rev.Status.Reason = "no RBAC policy matched"
			}
			_ = json.NewEncoder(w).Encode(rev)
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/nodes/node-1/proxy/configz":
			gets++
			w.WriteHeader(status)
			_, _ = io.WriteString(w, configz)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL, ContentConfig: rest.ContentConfig{ContentType: "application/json"}})
	if err != nil {
		t.Fatal(err)
	}
	return c, &gets
}

func kubeletNode() *evidence.Node {
	return &evidence.Node{NodeName: "node-1", Processes: map[evidence.Component]*evidence.Process{evidence.Kubelet: {PID: 1, Args: []string{"kubelet"}}}}
}

func TestAttach(t *testing.T) {
	t.Run("allowed: stored, header redacted", func(t *testing.T) {
		c, gets := apiServer(t, true, liveZ, http.StatusOK)
		ev := kubeletNode()
		Attach(context.Background(), c, ev)
		if *gets != 1 || ev.KubeletConfigzNote != "" || len(ev.KubeletConfigz) == 0 {
			t.Fatalf("gets %d note %q configz %s", *gets, ev.KubeletConfigzNote, ev.KubeletConfigz)
		}
		if strings.Contains(string(ev.KubeletConfigz), "SECRET-HEADER") || !strings.Contains(string(ev.KubeletConfigz), `"readOnlyPort":0`) {
			t.Errorf("configz %s", ev.KubeletConfigz)
		}
	})
	t.Run("denied: never fetched, the note says why", func(t *testing.T) {
		c, gets := apiServer(t, false, liveZ, http.StatusOK)
		ev := kubeletNode()
		Attach(context.Background(), c, ev)
		if *gets != 0 || ev.KubeletConfigz != nil || !strings.Contains(ev.KubeletConfigzNote, "may not get nodes/proxy") {
			t.Errorf("gets %d note %q", *gets, ev.KubeletConfigzNote)
		}
	})
	t.Run("kubelet unreachable: the note has the error", func(t *testing.T) {
		c, _ := apiServer(t, true, `{"kind":"Status","status":"Failure","message":"no endpoints"}`, http.StatusServiceUnavailable)
		ev := kubeletNode()
		Attach(context.Background(), c, ev)
		if ev.KubeletConfigz != nil || !strings.Contains(ev.KubeletConfigzNote, "/api/v1/nodes/node-1/proxy/configz") {
			t.Errorf("note %q", ev.KubeletConfigzNote)
		}
	})
	t.Run("not a configz answer", func(t *testing.T) {
		c, _ := apiServer(t, true, `{"other":{}}`, http.StatusOK)
		ev := kubeletNode()
		Attach(context.Background(), c, ev)
		if ev.KubeletConfigz != nil || !strings.Contains(ev.KubeletConfigzNote, `no "kubeletconfig"`) {
			t.Errorf("note %q", ev.KubeletConfigzNote)
		}
	})
	t.Run("a hostile error answer is bounded and inert in the note", func(t *testing.T) {
		c, _ := apiServer(t, true, "\x1b]0;owned\x07\x1b[2J"+strings.Repeat("B", 200<<10), http.StatusBadGateway)
		ev := kubeletNode()
		Attach(context.Background(), c, ev)
		if n := ev.KubeletConfigzNote; len(n) > 1024 || strings.ContainsAny(n, "\x1b\x07") || !strings.Contains(n, "502 Bad Gateway") {
			t.Errorf("note of %d bytes: %.200q", len(n), n)
		}
	})
	t.Run("no kubelet: nothing asked", func(t *testing.T) {
		c, gets := apiServer(t, true, liveZ, http.StatusOK)
		ev := &evidence.Node{NodeName: "node-1"}
		Attach(context.Background(), c, ev)
		if *gets != 0 || ev.KubeletConfigzNote != "" {
			t.Errorf("gets %d note %q", *gets, ev.KubeletConfigzNote)
		}
	})
}

// TestFetchConfigzBounded: a node's kubelet (or whatever answers for it
// behind the API server's proxy) can send an endless /configz; the scan
// reads at most MaxBytes of it and says so, instead of holding it all in
// memory (client-go's DoRaw reads a body whole).
func TestFetchConfigzBounded(t *testing.T) {
	const endless = 256 << 20
	var written atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(strings.Repeat("A", 64<<10))
		_, _ = io.WriteString(w, `{"kubeletconfig":{"x":"`)
		for written.Load() < endless {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	c, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = FetchConfigz(context.Background(), c, "node-1")
	if err == nil || !strings.Contains(err.Error(), "more than 1048576 bytes") {
		t.Fatalf("err = %v", err)
	}
	srv.CloseClientConnections()
	// What the server managed to write before the client stopped reading:
	// the bound plus what the connection buffers, far from all of it.
	if w := written.Load(); w >= endless/4 {
		t.Errorf("the client read %d MiB of an endless answer", w>>20)
	}
}

func TestCanProxyNodesError(t *testing.T) {
	c := fake.NewClientset()
	c.PrependReactor("create", "selfsubjectaccessreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, io.ErrUnexpectedEOF
	})
	ev := kubeletNode()
	Attach(context.Background(), c, ev)
	if !strings.Contains(ev.KubeletConfigzNote, "could not check the nodes/proxy permission") {
		t.Errorf("note %q", ev.KubeletConfigzNote)
	}
}

// FuzzSanitize: any answer either fails or gives a kubeletconfig object
// with no header value left.
func FuzzSanitize(f *testing.F) {
	f.Add(liveZ)
	f.Add(`{"kubeletconfig":{"staticPodURLHeader":"x"}}`)
	f.Add(`{"kubeletconfig":null}`)
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Sanitize([]byte(s))
		if err != nil {
			return
		}
		var doc map[string]map[string]any
		if err := json.Unmarshal(b, &doc); err != nil || doc["kubeletconfig"] == nil {
			t.Fatalf("sanitized %s: %v", b, err)
		}
		if h, ok := doc["kubeletconfig"]["staticPodURLHeader"].(map[string]any); ok {
			for k, v := range h {
				if vs, _ := v.([]any); len(vs) != 1 || vs[0] != evidence.Redacted {
					t.Errorf("header %s kept %v", k, v)
				}
			}
		}
	})
}
