//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
)

// TestWhoCanAllNamespaces compares `rbac who-can VERB RESOURCE -A` with the
// API server: a user and a service account allowed to delete secrets in one
// namespace only must be listed with that namespace, and every (subject,
// namespace) tuple listed for users and service accounts is confirmed with
// a SubjectAccessReview in that namespace (cluster-wide grants in
// "default"), while a namespace not listed is denied.
func TestWhoCanAllNamespaces(t *testing.T) {
	const nsA, nsB = "harden-acc-wc-a", "harden-acc-wc-b"
	// freshNamespace waits for namespaces of an earlier run to be gone and
	// deletes these in t.Cleanup with a context of its own (t.Context() is
	// cancelled before cleanups run: they used to be left behind).
	freshNamespace(t, nsA, "baseline")
	freshNamespace(t, nsB, "baseline")
	kubectl(t, "-n", nsA, "create", "serviceaccount", "acc-sa")
	kubectl(t, "-n", nsA, "create", "role", "secret-deleter", "--verb=delete", "--resource=secrets")
	kubectl(t, "-n", nsA, "create", "rolebinding", "secret-deleter", "--role=secret-deleter", "--user=acc-user-a", "--serviceaccount="+nsA+":acc-sa")

	q := whoCanQuery{verb: "delete", resource: "secrets"}
	var wc struct {
		Grants []rbac.Grant `json:"grants"`
	}
	r := harden(t, 2*time.Minute, "rbac", "who-can", "delete", "secrets", "-A", "-o", "json")
	if r.exit != 0 {
		t.Fatalf("who-can -A:\n%s", r)
	}
	if err := json.Unmarshal([]byte(r.stdout), &wc); err != nil {
		t.Fatal(err)
	}
	listed := map[string]map[string]bool{}
	checked := 0
	for _, g := range wc.Grants {
		s := g.Subject
		var sub subject
		switch s.Kind {
		case rbac.KindUser:
			sub = subject{name: s.Name, user: s.Name, groups: []string{"system:authenticated"}}
		case rbac.KindServiceAccount:
			sub = subject{name: s.Name, user: s.Username(), groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + s.Namespace, "system:authenticated"}}
		default:
			continue
		}
		if listed[sub.user] == nil {
			listed[sub.user] = map[string]bool{}
		}
		listed[sub.user][g.Namespace] = true
		ns := g.Namespace
		if ns == "" {
			ns = "default"
		}
		qq := q
		qq.namespace = ns
		if !sarAllowed(t, sub, qq) {
			t.Errorf("who-can -A lists %s in %q (%s), SubjectAccessReview denies it", sub.user, g.Namespace, g.Binding)
		}
		checked++
	}
	t.Logf("%d (subject, namespace) tuples confirmed by SubjectAccessReview", checked)
	for _, s := range []subject{
		{name: "acc-user-a", user: "acc-user-a", groups: []string{"system:authenticated"}},
		{name: "acc-sa", user: "system:serviceaccount:" + nsA + ":acc-sa", groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + nsA, "system:authenticated"}},
	} {
		if !listed[s.user][nsA] {
			t.Errorf("who-can -A does not list %s in %s: %v", s.user, nsA, listed[s.user])
		}
		if len(listed[s.user]) != 1 {
			t.Errorf("who-can -A lists %s in %v, want only %s", s.user, listed[s.user], nsA)
		}
		qq := q
		qq.namespace = nsB
		if sarAllowed(t, s, qq) {
			t.Errorf("SubjectAccessReview allows %s in %s, which who-can -A does not list", s.user, nsB)
		}
	}
	if !strings.Contains(r.stdout, nsA) {
		t.Errorf("output does not name %s", nsA)
	}
}
