package plugin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
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
	var wc rbac.WhoCanResult
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

const scopeSnapshot = "testdata/rbac-scope-snapshot.json"

// TestWhoCanRequestScope runs who-can as users do on a snapshot whose
// RoleBindings grant cluster-scoped resources and the deletion of their own
// namespace: the answer is the API server's, and the warning says why.
func TestWhoCanRequestScope(t *testing.T) {
	cases := []struct {
		args          []string
		listed, not   []string
		warning, json string
	}{
		{[]string{"create", "storageclasses.storage.k8s.io", "-n", "dev"}, []string{"system:masters"}, []string{"alice"}, "storageclasses.storage.k8s.io is not namespaced", ""},
		{[]string{"update", "nodes", "--subresource", "status", "-n", "dev"}, nil, []string{"alice"}, "nodes/status is not namespaced", ""},
		{[]string{"get", "configmaps", "-n", "dev"}, []string{"alice"}, nil, "", ""},
		{[]string{"delete", "namespaces/team", "-n", "other"}, []string{"bob"}, []string{"alice"}, "authorized in namespace team", `"namespace": "team"`},
		{[]string{"delete", "namespaces/other", "-n", "team"}, nil, []string{"bob"}, "authorized in namespace other", ""},
		{[]string{"delete", "namespaces", "-A"}, []string{"bob"}, []string{"alice"}, "a RoleBinding in namespace N allows it on namespace N itself", `"namespace": "team"`},
		{[]string{"create", "storageclasses.storage.k8s.io", "-A"}, nil, []string{"alice"}, "only ClusterRoleBindings can allow it", ""},
	}
	for _, c := range cases {
		args := append([]string{"rbac", "who-can"}, c.args...)
		args = append(args, "--from-snapshot", scopeSnapshot, "-o", "json")
		out, errOut, code := run(t, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", c.args, code, errOut)
		}
		for _, s := range c.listed {
			if !strings.Contains(out, `"name": "`+s+`"`) {
				t.Errorf("who-can %v does not list %s:\n%s", c.args, s, out)
			}
		}
		for _, s := range c.not {
			if strings.Contains(out, `"name": "`+s+`"`) {
				t.Errorf("who-can %v lists %s, whom no real request allows:\n%s", c.args, s, out)
			}
		}
		if c.warning != "" && !strings.Contains(errOut, "Warning: "+c.warning) && !strings.Contains(errOut, c.warning) {
			t.Errorf("who-can %v: stderr lacks %q:\n%s", c.args, c.warning, errOut)
		}
		if !strings.Contains(out, c.json) {
			t.Errorf("who-can %v: output lacks %q:\n%s", c.args, c.json, out)
		}
	}
}

// TestSubjectShowsInertRules: a RoleBinding's rule on a cluster-scoped
// resource or a non-resource URL is marked inert.
func TestSubjectShowsInertRules(t *testing.T) {
	out, errOut, code := run(t, "rbac", "subject", "user/alice", "--from-snapshot", scopeSnapshot, "-o", "wide")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, line := range strings.Split(out, "\n") {
		inert := strings.Contains(line, "(inert)")
		switch {
		case strings.Contains(line, "storageclasses"), strings.Contains(line, "nodes/status"), strings.Contains(line, "/metrics"):
			if !inert {
				t.Errorf("not marked inert: %q", line)
			}
		case strings.Contains(line, "configmaps"):
			if inert {
				t.Errorf("marked inert: %q", line)
			}
		}
	}
	js, _, _ := run(t, "rbac", "subject", "user/alice", "--from-snapshot", scopeSnapshot, "-o", "json")
	if !strings.Contains(js, `"inertAll": true`) || !strings.Contains(js, "RoleBindings never allow non-resource URLs") {
		t.Errorf("-o json lacks the inert marks:\n%s", js)
	}
}

// TestRBACRejectsNonSnapshots: a file that is not a saved snapshot is an
// error (exit 1) naming the problem, never a clean report.
func TestRBACRejectsNonSnapshots(t *testing.T) {
	dir := t.TempDir()
	for name, doc := range map[string]string{"empty": `{}`, "null": `null`, "kind-only": `{"kind":"RBACSnapshot"}`, "workloads": `{"kind":"WorkloadSnapshot","apiVersion":"harden.kubectl.io/v1alpha1"}`} {
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"rbac"}, {"rbac", "who-can", "get", "secrets"}, {"rbac", "subject", "user/alice"}} {
			out, errOut, code := run(t, append(args, "--from-snapshot", path)...)
			if code == ExitOK || !strings.Contains(errOut, "snapshot") || strings.Contains(out, "PASS") {
				t.Errorf("%v on %s: exit %d\nstdout: %s\nstderr: %s", args, doc, code, out, errOut)
			}
		}
	}
}
