//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
)

const (
	scopeFixtures = "testdata/rbac-scope.yaml"
	scopeNSA      = "harden-scope-a"
	scopeNSB      = "harden-scope-b"
)

// scopeUsers are the fixture's users, and one with no grant at all.
var scopeUsers = []string{"harden-scope-alice", "harden-scope-bob", "harden-scope-carol", "harden-scope-dave", "harden-scope-erin", "harden-scope-nobody"}

// scopeCase is one question to who-can, as a user types it (-n included),
// the request the API server really receives for it (made for real with
// kubectl --as: dry-run for writes), and the attributes of that request
// for a SubjectAccessReview.
type scopeCase struct {
	name   string
	whoCan []string
	real   func(dir string) []string
	sar    authorizationv1.ResourceAttributes
}

// TestWhoCanScope compares `rbac who-can` with what the API server decides
// for the request a user really makes: cluster-scoped resources (built-in
// and custom) asked about with -n, namespaces/NAME asked about from
// another namespace, and rules limited by resourceNames. For each case and
// user, three answers must agree: who-can lists the user; the real request
// made as the user (kubectl --as, server-side dry run for writes; NotFound
// counts as allowed, since authorization comes first) is not forbidden; a
// SubjectAccessReview with the real request's attributes allows it.
func TestWhoCanScope(t *testing.T) {
	// Parallel: it compares answers about its own users (harden-scope-*),
	// whom no other test binds.
	t.Parallel()
	cleanup := func() {
		if out, err := kubectlOut(context.Background(), "delete", "-f", scopeFixtures, "--ignore-not-found", "--wait=false"); err != nil {
			t.Logf("deleting %s: %v\n%s", scopeFixtures, err, out)
		}
	}
	cleanup()
	t.Cleanup(cleanup)
	if !eventually(time.Minute, 2*time.Second, func() bool {
		out, err := kubectlOut(context.Background(), "apply", "-f", scopeFixtures)
		if err != nil {
			t.Logf("kubectl apply -f %s: %v: %s (retrying)", scopeFixtures, err, out)
		}
		return err == nil
	}) {
		t.Fatalf("kubectl apply -f %s failed", scopeFixtures)
	}
	kubectl(t, "wait", "--for=condition=Established", "crd/gadgets.scope.harden.example", "crd/widgets.scope.harden.example", "--timeout=60s")

	dir := t.TempDir()
	manifest := func(name, doc string) string {
		p := filepath.Join(dir, name)
		testutil.WriteFile(t, p, doc)
		return p
	}
	sc := manifest("sc.yaml", "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: harden-scope-sc}\nprovisioner: example.com/none\n")
	pc := manifest("pc.yaml", "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: harden-scope-pc}\nvalue: 1\n")
	crd := manifest("crd.yaml", `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.scope.harden.example}
spec:
  group: scope.harden.example
  scope: Namespaced
  names: {plural: things, singular: thing, kind: Thing}
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
`)
	cases := []scopeCase{
		{"cluster-scoped storageclasses asked in a namespace", []string{"create", "storageclasses.storage.k8s.io", "-n", scopeNSA},
			func(string) []string { return []string{"create", "--dry-run=server", "-f", sc} },
			authorizationv1.ResourceAttributes{Verb: "create", Group: "storage.k8s.io", Resource: "storageclasses"}},
		{"cluster-scoped priorityclasses asked in a namespace", []string{"create", "priorityclasses.scheduling.k8s.io", "-n", scopeNSA},
			func(string) []string { return []string{"create", "--dry-run=server", "-f", pc} },
			authorizationv1.ResourceAttributes{Verb: "create", Group: "scheduling.k8s.io", Resource: "priorityclasses"}},
		{"subresource nodes/status asked in a namespace", []string{"patch", "nodes/" + cluster.cp, "--subresource", "status", "-n", scopeNSA},
			func(string) []string {
				return []string{"patch", "node", cluster.cp, "--subresource=status", "--type=merge", "-p", "{}", "--dry-run=server"}
			},
			authorizationv1.ResourceAttributes{Verb: "patch", Resource: "nodes", Subresource: "status", Name: cluster.cp}},
		{"persistentvolumes by name asked in a namespace", []string{"delete", "persistentvolumes/harden-scope-pv", "-n", scopeNSA},
			func(string) []string {
				return []string{"delete", "persistentvolume", "harden-scope-pv", "--dry-run=server"}
			},
			authorizationv1.ResourceAttributes{Verb: "delete", Resource: "persistentvolumes", Name: "harden-scope-pv"}},
		{"customresourcedefinitions asked in a namespace", []string{"create", "customresourcedefinitions.apiextensions.k8s.io", "-n", scopeNSA},
			func(string) []string { return []string{"create", "--dry-run=server", "-f", crd} },
			authorizationv1.ResourceAttributes{Verb: "create", Group: "apiextensions.k8s.io", Resource: "customresourcedefinitions"}},
		{"a cluster-scoped custom resource asked in a namespace", []string{"list", "gadgets.scope.harden.example", "-n", scopeNSA},
			func(string) []string { return []string{"get", "gadgets.scope.harden.example"} },
			authorizationv1.ResourceAttributes{Verb: "list", Group: "scope.harden.example", Resource: "gadgets"}},
		{"a namespaced custom resource", []string{"list", "widgets.scope.harden.example", "-n", scopeNSA},
			func(string) []string { return []string{"get", "widgets.scope.harden.example", "-n", scopeNSA} },
			authorizationv1.ResourceAttributes{Verb: "list", Group: "scope.harden.example", Resource: "widgets", Namespace: scopeNSA}},
		{"namespaces/NAME asked from another namespace", []string{"delete", "namespaces/" + scopeNSB, "-n", scopeNSA},
			func(string) []string { return []string{"delete", "namespace", scopeNSB, "--dry-run=server"} },
			authorizationv1.ResourceAttributes{Verb: "delete", Resource: "namespaces", Name: scopeNSB, Namespace: scopeNSB}},
		{"namespaces/NAME: the RoleBindings of -n do not count", []string{"get", "namespaces/" + scopeNSA, "-n", scopeNSB},
			func(string) []string { return []string{"get", "namespace", scopeNSA} },
			authorizationv1.ResourceAttributes{Verb: "get", Resource: "namespaces", Name: scopeNSA, Namespace: scopeNSA}},
		{"create by name: resourceNames never allow it", []string{"create", "secrets/db", "-n", scopeNSA},
			func(string) []string {
				return []string{"create", "secret", "generic", "db", "-n", scopeNSA, "--dry-run=server"}
			},
			authorizationv1.ResourceAttributes{Verb: "create", Resource: "secrets", Namespace: scopeNSA}},
		{"get by name: resourceNames allow it", []string{"get", "secrets/db", "-n", scopeNSA},
			func(string) []string { return []string{"get", "secret", "db", "-n", scopeNSA} },
			authorizationv1.ResourceAttributes{Verb: "get", Resource: "secrets", Name: "db", Namespace: scopeNSA}},
		{"*/*/* limited to a name, that name", []string{"delete", "configmaps/harden-scope-x", "-n", "default"},
			func(string) []string {
				return []string{"delete", "configmap", "harden-scope-x", "-n", "default", "--dry-run=server"}
			},
			authorizationv1.ResourceAttributes{Verb: "delete", Resource: "configmaps", Name: "harden-scope-x", Namespace: "default"}},
		{"*/*/* limited to a name, another name", []string{"delete", "configmaps/harden-scope-y", "-n", "default"},
			func(string) []string {
				return []string{"delete", "configmap", "harden-scope-y", "-n", "default", "--dry-run=server"}
			},
			authorizationv1.ResourceAttributes{Verb: "delete", Resource: "configmaps", Name: "harden-scope-y", Namespace: "default"}},
	}
	compared, allowedSeen := 0, 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			listed := whoCanUsers(t, append(c.whoCan, "-o", "json")...)
			for _, u := range scopeUsers {
				real := realRequestAllowed(t, u, c.real(dir))
				sar := sarAttrsAllowed(t, u, c.sar)
				if real != sar {
					t.Errorf("%s: the real request as %s is allowed=%v, a SubjectAccessReview of its attributes %+v says %v", c.name, u, real, c.sar, sar)
				}
				if listed[u] != real {
					t.Errorf("who-can %s: %s listed=%v, the API server allows the real request=%v", strings.Join(c.whoCan, " "), u, listed[u], real)
				}
				compared++
				if real {
					allowedSeen++
				}
			}
		})
	}
	t.Logf("%d (case, user) answers compared with the API server, %d allowed", compared, allowedSeen)

	t.Run("kubectl auth can-i -n answers a question no request asks", func(t *testing.T) {
		// The SubjectAccessReview kubectl auth can-i sends for -n carries the
		// namespace even for a cluster-scoped resource: the RoleBinding of
		// harden-scope-a then allows it, although the real create above is
		// forbidden. who-can must follow the real request.
		sar := authorizationv1.ResourceAttributes{Verb: "create", Group: "storage.k8s.io", Resource: "storageclasses", Namespace: scopeNSA}
		if !sarAttrsAllowed(t, "harden-scope-alice", sar) {
			t.Fatalf("a SubjectAccessReview in %s no longer allows alice to create storageclasses: the case proves nothing", scopeNSA)
		}
		out, _ := kubectlOut(context.Background(), "auth", "can-i", "create", "storageclasses", "-n", scopeNSA, "--as", "harden-scope-alice")
		if !strings.Contains(out, "yes") || !strings.Contains(out, "not namespace scoped") {
			t.Errorf("kubectl auth can-i -n for a cluster-scoped resource: %q (want yes with the warning)", out)
		}
	})

	t.Run("-A lists RoleBinding subjects for their own namespace object", func(t *testing.T) {
		var res whoCanJSON
		r := harden(t, 2*time.Minute, "rbac", "who-can", "delete", "namespaces", "-A", "-o", "json")
		if r.exit != 0 {
			t.Fatalf("who-can -A:\n%s", r)
		}
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"harden-scope-alice", "harden-scope-bob"} {
			for _, ns := range []string{scopeNSA, scopeNSB} {
				listed := false
				for _, g := range res.Grants {
					listed = listed || (g.Subject.Name == u && (g.Namespace == ns || g.Namespace == ""))
				}
				real := realRequestAllowed(t, u, []string{"delete", "namespace", ns, "--dry-run=server"})
				if listed != real {
					t.Errorf("who-can delete namespaces -A: %s in %s listed=%v, the real delete is allowed=%v", u, ns, listed, real)
				}
			}
		}
		r = harden(t, 2*time.Minute, "rbac", "who-can", "create", "storageclasses.storage.k8s.io", "-A")
		if strings.Contains(r.stdout, "harden-scope-alice") {
			t.Errorf("who-can create storageclasses -A lists alice's RoleBinding:\n%s", r.stdout)
		}
	})

	t.Run("subject: inert rules and no full control through a named */*/*", func(t *testing.T) {
		var doc struct {
			FullControl         bool         `json:"fullControl"`
			PathsToClusterAdmin []rbac.Path  `json:"pathsToClusterAdmin"`
			Rules               []rbac.Grant `json:"rules"`
		}
		r := harden(t, time.Minute, "rbac", "subject", "user/harden-scope-carol", "-o", "json")
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("rbac subject: %v\n%s", err, r)
		}
		bind := realRequestAllowed(t, "harden-scope-carol", []string{"create", "clusterrolebinding", "harden-scope-z", "--clusterrole=cluster-admin", "--user=harden-scope-carol", "--dry-run=server"})
		if doc.FullControl || len(doc.PathsToClusterAdmin) > 0 || bind {
			t.Errorf("carol: fullControl=%v paths=%d; the API server lets her bind cluster-admin=%v (want all false)", doc.FullControl, len(doc.PathsToClusterAdmin), bind)
		}
		var alice struct {
			Rules []rbac.Grant `json:"rules"`
		}
		r = harden(t, time.Minute, "rbac", "subject", "user/harden-scope-alice", "-o", "json")
		if err := json.Unmarshal([]byte(r.stdout), &alice); err != nil {
			t.Fatalf("rbac subject: %v\n%s", err, r)
		}
		for _, g := range alice.Rules {
			if g.Binding.Name != "harden-scope-too-wide" {
				continue
			}
			wantInert := !hasString(g.Rule.Resources, "configmaps") && !hasString(g.Rule.Resources, "namespaces") && !hasString(g.Rule.Resources, "widgets")
			if g.InertAll != wantInert {
				t.Errorf("alice's rule %v: inertAll=%v, want %v (inert: %v)", g.Rule, g.InertAll, wantInert, g.Inert)
			}
		}
	})
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type whoCanJSON struct {
	Grants []rbac.Grant `json:"grants"`
}

// whoCanUsers runs `rbac who-can ARGS` and returns the users it lists.
func whoCanUsers(t *testing.T, args ...string) map[string]bool {
	t.Helper()
	r := harden(t, 2*time.Minute, append([]string{"rbac", "who-can"}, args...)...)
	if r.exit != 0 {
		t.Fatalf("who-can %v:\n%s", args, r)
	}
	var res whoCanJSON
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("who-can %v: %v\n%s", args, err, r.stdout)
	}
	out := map[string]bool{}
	for _, g := range res.Grants {
		if g.Subject.Kind == rbac.KindUser {
			out[g.Subject.Name] = true
		}
	}
	return out
}

// realRequestAllowed makes the request as user (kubectl --as) and reports
// whether the API server authorized it: success and NotFound are allowed
// (authorization comes before the object is looked up), Forbidden is not;
// anything else fails the test.
func realRequestAllowed(t *testing.T, user string, args []string) bool {
	t.Helper()
	out, err := kubectlOut(context.Background(), append(args, "--as", user)...)
	switch {
	case err == nil:
		return true
	case strings.Contains(out, "forbidden") || strings.Contains(out, "Forbidden"):
		return false
	case strings.Contains(out, "NotFound") || strings.Contains(out, "not found"):
		return true
	}
	t.Fatalf("kubectl %s --as %s: %v\n%s", strings.Join(args, " "), user, err, out)
	return false
}

// sarAttrsAllowed asks the API server whether a user (with the groups the
// impersonation gives it: system:authenticated) may make a request.
func sarAttrsAllowed(t *testing.T, user string, a authorizationv1.ResourceAttributes) bool {
	t.Helper()
	return sarAllowed(t, subject{name: user, user: user, groups: []string{"system:authenticated"}},
		whoCanQuery{verb: a.Verb, group: a.Group, resource: a.Resource, subresource: a.Subresource, namespace: a.Namespace, name: a.Name})
}
