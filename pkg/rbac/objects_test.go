package rbac

import (
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/enginetest"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestFindingsNameTheirObject: every evidence line of a finding that is
// about one Kubernetes object names it in Observation.Object, with the
// line's own status, which diff compares and exceptions match: wildcard
// roles, default and token-mounting service accounts, bindings of every
// control, legacy token Secrets and the steps of a path to cluster-admin.
func TestFindingsNameTheirObject(t *testing.T) {
	s := kubeadmSnapshot()
	s.ns("app", "ci")
	s.cr("star", nil, rule("*", "apps", "deployments"))
	s.crb("star", nil, "star", user("carol"))
	s.role("app", "star-unbound", nil, rule("get", "", "*"))
	s.sa("app", "default", nil).sa("app", "web", nil).pod("app", "web-1", "web", true)
	s.crb("masters-too", nil, "cluster-admin", group(MastersGroup))
	s.TokenSecrets = append(s.TokenSecrets, TokenSecret{Namespace: "ci", Name: "old-token", ServiceAccount: "gone"})
	s.rb("app", "dangling", nil, "Role", "missing", user("dave"))
	s.crb("everyone-reads", nil, "view", group("system:unauthenticated"))
	s.sa("ci", "builder", nil)
	s.cr("pod-maker", nil, rule("create", "", "pods"))
	s.crb("pod-maker", nil, "pod-maker", sa("ci", "builder"))
	s.sort()

	want := map[string]report.ObjectRef{
		"5.1.1":     {Kind: "clusterrolebinding", Name: "masters-too"},
		"5.1.3":     {Kind: "clusterrole", Name: "star"},
		"5.1.5":     {Kind: "serviceaccount", Namespace: "app", Name: "default"},
		"5.1.6":     {Kind: "serviceaccount", Namespace: "app", Name: "web"},
		"5.1.7":     {Kind: "clusterrolebinding", Name: "masters-too"},
		"KH-RBAC-1": {Kind: "secret", Namespace: "ci", Name: "old-token"},
		"KH-RBAC-2": {Kind: "rolebinding", Namespace: "app", Name: "dangling"},
		"KH-RBAC-3": {Kind: "clusterrolebinding", Name: "everyone-reads"},
		"KH-RBAC-4": {Kind: "clusterrolebinding", Name: "pod-maker"},
	}
	tr := Evaluate(Build(s), EvalOptions{Benchmark: testBenchmark, IncludeSystem: true})
	enginetest.Objects{Want: want, SameObject: true,
		Kinds: []string{"role/", "clusterrole/", "rolebinding/", "clusterrolebinding/", "serviceaccount/", "secret/"}}.Check(t, tr)
}
