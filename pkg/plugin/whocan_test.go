package plugin

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestWhoCanAllNamespaces: -A lists every subject allowed in at least one
// namespace, with the namespace: on kind the token-cleaner service account
// may delete secrets in kube-system only, through a RoleBinding, so -A must
// list it with that namespace; cluster-wide grants keep their scope.
func TestWhoCanAllNamespaces(t *testing.T) {
	out, errOut, code := run(t, "rbac", "who-can", "delete", "secrets", "-A", "--from-snapshot", kindSnapshot, "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var wc WhoCanResult
	if err := json.Unmarshal([]byte(out), &wc); err != nil {
		t.Fatal(err)
	}
	scopes := map[string][]string{}
	for _, g := range wc.Grants {
		k := g.Subject.String()
		scopes[k] = append(scopes[k], g.Scope())
	}
	if got := strings.Join(scopes["ServiceAccount kube-system/token-cleaner"], ","); got != "namespace kube-system" {
		t.Errorf("token-cleaner: scopes %q, want namespace kube-system (all: %v)", got, scopes)
	}
	if got := strings.Join(scopes["Group kubeadm:cluster-admins"], ","); got != "cluster-wide" {
		t.Errorf("kubeadm:cluster-admins: scopes %q, want cluster-wide", got)
	}
	if wc.Request.Namespace != "" {
		t.Errorf("request namespace %q with -A", wc.Request.Namespace)
	}
	// Cluster-scoped resources: RoleBindings cannot grant them.
	out, _, _ = run(t, "rbac", "who-can", "delete", "nodes", "-A", "--from-snapshot", kindSnapshot)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		if !strings.Contains(line, "cluster-wide") {
			t.Errorf("who-can delete nodes -A: a namespaced grant: %q", line)
		}
	}
	table, _, _ := run(t, "rbac", "who-can", "delete", "secrets", "-A", "--from-snapshot", kindSnapshot)
	if !strings.Contains(table, "token-cleaner") || !strings.Contains(table, "kube-system") {
		t.Errorf("table:\n%s", table)
	}
}
