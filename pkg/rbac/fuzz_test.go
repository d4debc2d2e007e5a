package rbac

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/internal/enginetest"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// FuzzParseSubject: ParseSubject never panics, and what it accepts has a
// kind and a name (and a namespace for service accounts).
func FuzzParseSubject(f *testing.F) {
	for _, s := range []string{"user/alice", "group/system:masters", "serviceaccount/kube-system:coredns", "sa/ns:x", "user/system:serviceaccount:a:b", "robot/x", "user/", "/", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sub, err := ParseSubject(s)
		if err != nil {
			return
		}
		if sub.Kind == "" || sub.Name == "" || (sub.Kind == KindServiceAccount && sub.Namespace == "") {
			t.Errorf("ParseSubject(%q) = %+v", s, sub)
		}
	})
}

// FuzzDecodeSnapshot: a file given to --from-snapshot is untrusted input.
// DecodeSnapshot rejects what is not a snapshot; what it accepts evaluates
// without panicking, answers who-can in and across namespaces, and an
// incomplete snapshot is ERROR everywhere, never PASS. Seeds are small:
// RoleBindings on cluster-scoped resources and namespaces, */*/* limited
// by resourceNames, discovery with a failed group.
func FuzzDecodeSnapshot(f *testing.F) {
	s := NewSnapshot(time.Time{})
	s.Collected = s.Collected.AddDate(2025, 0, 0)
	s.ns("dev")
	s.sa("dev", "default", nil).pod("dev", "p", "default", true)
	s.cr("cluster-admin", boot, rule("*", "*", "*"))
	s.crb("cluster-admin", boot, "cluster-admin", group(MastersGroup))
	s.cr("named", nil, rule("*", "*", "*", "x"), rule("delete", "", "namespaces"), urlRule("get", "/metrics"))
	s.rb("dev", "named", nil, "ClusterRole", "named", user("alice"), sa("", "default"))
	s.Discovery = &Discovery{Resources: []APIResource{{Resource: "namespaces"}, {Resource: "pods", Namespaced: true}}, FailedGroups: []string{"metrics.k8s.io"}}
	b, _ := json.Marshal(s)
	f.Add(b)
	f.Add([]byte(`{"kind":"RBACSnapshot","apiVersion":"harden.kubectl.io/v1alpha1","collected":"2026-01-02T03:04:05Z","roles":null,"clusterRoles":null,"roleBindings":null,"clusterRoleBindings":null,"serviceAccounts":null,"pods":null,"namespaces":null,"tokenSecrets":null}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		enginetest.Fuzzed(t, data, DecodeSnapshot, Controls, func(s *Snapshot) (report.TargetReport, string) {
			m := Build(s)
			for _, a := range []Attributes{{Verb: "delete", Resource: "namespaces", Name: "dev"}, {Verb: "get", Resource: "pods", Namespace: "dev"}, {Verb: "get", APIGroup: "metrics.k8s.io", Resource: "pods"}} {
				m.WhoCan(a)
				m.WhoCanInAnyNamespace(a)
			}
			return Evaluate(m, EvalOptions{IncludeSystem: true}), m.incomplete()
		})
	})
}
