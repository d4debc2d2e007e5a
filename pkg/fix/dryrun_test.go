package fix

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestDryRunWarningsPerCall runs two dry runs at once against an API server
// that answers each with a warning naming its object. The first is asked
// first and answered only after the second dry run has returned: each must
// get its own warning and only it.
func TestDryRunWarningsPerCall(t *testing.T) {
	firstAsked, secondDone := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPatch || r.URL.Query().Get("dryRun") != "All" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.String(), http.StatusBadRequest)
			return
		}
		name := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		if name == "first" {
			close(firstAsked)
			<-secondDone
		}
		w.Header().Add("Warning", `299 - "would violate PodSecurity \"restricted:latest\": `+name+`"`)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"` + name + `"}}`))
	}))
	defer srv.Close()
	client, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	run := func(name string) ([]string, error) {
		obj := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name}}
		return dryRun(context.Background(), client, report.ObjectRef{Kind: "namespace", Name: name}, obj)
	}
	var wg sync.WaitGroup
	var first []string
	var firstErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		first, firstErr = run("first")
	}()
	<-firstAsked
	second, err := run("second")
	close(secondDone)
	wg.Wait()
	if err != nil || firstErr != nil {
		t.Fatal(err, firstErr)
	}
	want := func(name string) []string {
		return []string{`would violate PodSecurity "restricted:latest": ` + name}
	}
	if !slices.Equal(first, want("first")) {
		t.Errorf("first dry run's warnings %q, want %q", first, want("first"))
	}
	if !slices.Equal(second, want("second")) {
		t.Errorf("second dry run's warnings %q, want %q", second, want("second"))
	}
}
