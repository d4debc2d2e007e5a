package rbac

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/internal/enginetest"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestDecodeSnapshotRejects: what is not a snapshot saved by
// --save-snapshot is an error naming the problem, never a clean cluster.
func TestDecodeSnapshotRejects(t *testing.T) {
	const head = `"apiVersion":"harden.kubectl.io/v1alpha1","kind":"RBACSnapshot","collected":"2026-01-02T03:04:05Z"`
	const lists = `"roles":null,"clusterRoles":[{"metadata":{"name":"cluster-admin"}}],"roleBindings":null,"clusterRoleBindings":null,"serviceAccounts":null,"pods":null,"namespaces":["default"],"tokenSecrets":null`
	cases := []struct{ Name, Doc, Want string }{
		{"empty object", `{}`, `kind ""`},
		{"null", `null`, "null"},
		{"array", `[]`, "not an RBAC snapshot"},
		{"kind only", `{"kind":"RBACSnapshot"}`, `apiVersion ""`},
		{"other kind", `{"kind":"WorkloadSnapshot","apiVersion":"harden.kubectl.io/v1alpha1"}`, "is not RBACSnapshot"},
		{"other version", `{"kind":"RBACSnapshot","apiVersion":"harden.kubectl.io/v9"}`, "not supported"},
		{"lists missing", `{` + head + `}`, "missing roles, clusterRoles, roleBindings, clusterRoleBindings, serviceAccounts, pods, namespaces, tokenSecrets"},
		{"collected missing", `{"apiVersion":"harden.kubectl.io/v1alpha1","kind":"RBACSnapshot",` + lists + `}`, "missing collected"},
		{"collected null", `{"apiVersion":"harden.kubectl.io/v1alpha1","kind":"RBACSnapshot","collected":null,` + lists + `}`, "collected"},
		{"rolebinding without namespace", `{` + head + `,` + strings.Replace(lists, `"roleBindings":null`, `"roleBindings":[{"metadata":{"name":"x"},"roleRef":{"kind":"ClusterRole","name":"cluster-admin"}}]`, 1) + `}`,
			`roleBindings[0] ("x"): want a name and a namespace`},
		{"clusterrolebinding to a Role", `{` + head + `,` + strings.Replace(lists, `"clusterRoleBindings":null`, `"clusterRoleBindings":[{"metadata":{"name":"x"},"roleRef":{"kind":"Role","name":"r"}}]`, 1) + `}`,
			"a ClusterRoleBinding references a ClusterRole"},
		{"subject of an unknown kind", `{` + head + `,` + strings.Replace(lists, `"clusterRoleBindings":null`, `"clusterRoleBindings":[{"metadata":{"name":"x"},"roleRef":{"kind":"ClusterRole","name":"r"},"subjects":[{"kind":"Robot","name":"r2"}]}]`, 1) + `}`,
			`kind "Robot"`},
		{"wrong type", `{` + head + `,` + strings.Replace(lists, `"pods":null`, `"pods":{}`, 1) + `}`, "not an RBAC snapshot"},
	}
	enginetest.Rejects(t, DecodeSnapshot, cases, `{`+head+`,`+lists+`}`)
}

func TestDecodeSavedSnapshot(t *testing.T) {
	b, err := os.ReadFile("testdata/kind-1.34-snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeSnapshot(b); err != nil {
		t.Fatalf("the kind snapshot: %v", err)
	}
	s := kubeadmSnapshot()
	s.Collected = s.Collected.AddDate(2026, 0, 0)
	b, _ = json.Marshal(s)
	if _, err := DecodeSnapshot(b); err != nil {
		t.Fatalf("a marshalled snapshot: %v", err)
	}
}

// TestNothingExaminedIsNotPass: a snapshot that holds nothing (or is not
// valid) evaluates to ERROR, never PASS; controls whose own subject is
// absent (no default service accounts, no pods) are N/A.
func TestNothingExaminedIsNotPass(t *testing.T) {
	for name, s := range map[string]*Snapshot{
		"zero value":     {},
		"no RBAC at all": {Header: snapshotFormat.Header(time.Time{}), Namespaces: []string{"default"}},
		"invalid": func() *Snapshot {
			s := kubeadmSnapshot()
			s.rb("", "x", nil, "ClusterRole", "cluster-admin", user("u"))
			return s
		}(),
	} {
		tr := Evaluate(Build(s), EvalOptions{})
		for _, r := range tr.Results {
			if r.Status != report.StatusError {
				t.Errorf("%s: %s is %s (%s), want ERROR", name, r.ControlID, r.Status, r.Reason)
			}
		}
	}
	s := kubeadmSnapshot()
	s.ServiceAccounts, s.Pods = nil, nil
	tr := Evaluate(Build(s), EvalOptions{})
	for _, id := range []string{"5.1.5", "5.1.6"} {
		if r := resultOf(t, tr, id); r.Status != report.StatusNA {
			t.Errorf("%s with nothing to examine: %s (%s), want N/A", id, r.Status, r.Reason)
		}
	}
	if r := resultOf(t, tr, "5.1.1"); r.Status != report.StatusPass {
		t.Errorf("5.1.1 examines bindings, which are there: %s", r.Status)
	}
	out, err := Decide(Build(&Snapshot{}), broadCheck, Params{"subjects": "system:anonymous"}, EvalOptions{})
	if err != nil || out.Status != report.StatusError {
		t.Errorf("Decide on an empty snapshot: %+v, %v", out, err)
	}
}
