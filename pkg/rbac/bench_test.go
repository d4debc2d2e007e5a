package rbac

import (
	"fmt"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// syntheticSnapshot makes a big cluster: 10 000 roles (1 000 cluster
// roles, 9 000 roles over 500 namespaces) and 50 000 bindings, with
// service accounts and pods, on top of the kubeadm defaults.
func syntheticSnapshot() *Snapshot {
	s := kubeadmSnapshot()
	const nss = 500
	for n := 0; n < nss; n++ {
		ns := fmt.Sprintf("ns-%03d", n)
		s.ns(ns)
		s.sa(ns, "default", nil)
		for i := 0; i < 10; i++ {
			s.sa(ns, fmt.Sprintf("app-%d", i), nil)
			s.pod(ns, fmt.Sprintf("app-%d-pod", i), fmt.Sprintf("app-%d", i), true)
		}
	}
	verbSets := []string{"get,list,watch", "get,list,watch,create,update,patch,delete", "*"}
	resSets := []string{"pods,services,configmaps", "secrets", "deployments,statefulsets", "pods/log,pods/exec", "*"}
	for i := 0; i < 1000; i++ {
		g := ""
		if i%3 == 1 {
			g = "apps"
		}
		s.cr(fmt.Sprintf("team-cr-%04d", i), nil,
			rule(verbSets[i%3], g, resSets[i%5]), rule("get,list", "", "events,endpoints"), urlRule("get", "/metrics"))
	}
	for i := 0; i < 9000; i++ {
		ns := fmt.Sprintf("ns-%03d", i%nss)
		s.role(ns, fmt.Sprintf("role-%04d", i), nil, rule(verbSets[i%3], "", resSets[i%5]), rule("get", "", "configmaps", "cfg"))
	}
	for i := 0; i < 50000; i++ {
		ns := fmt.Sprintf("ns-%03d", i%nss)
		subj := user(fmt.Sprintf("user-%05d", i%20000))
		if i%4 == 1 {
			subj = sa(ns, fmt.Sprintf("app-%d", i%10))
		} else if i%4 == 2 {
			subj = group(fmt.Sprintf("team-%03d", i%300))
		}
		switch {
		case i%50 == 0:
			s.crb(fmt.Sprintf("crb-%05d", i), nil, fmt.Sprintf("team-cr-%04d", i%1000), subj)
		case i%2 == 0:
			s.rb(ns, fmt.Sprintf("rb-%05d", i), nil, "ClusterRole", fmt.Sprintf("team-cr-%04d", i%1000), subj)
		default:
			s.rb(ns, fmt.Sprintf("rb-%05d", i), nil, "Role", fmt.Sprintf("role-%04d", (i/nss*nss+i%nss)%9000), subj)
		}
	}
	s.sort()
	return s
}

func TestSyntheticClusterEvaluates(t *testing.T) {
	if testing.Short() {
		t.Skip("big synthetic cluster")
	}
	s := syntheticSnapshot()
	if n := len(s.Roles) + len(s.ClusterRoles); n < 10000 {
		t.Fatalf("only %d roles", n)
	}
	if n := len(s.RoleBindings) + len(s.ClusterRoleBindings); n < 50000 {
		t.Fatalf("only %d bindings", n)
	}
	tr := Evaluate(Build(s), EvalOptions{})
	if r := resultOf(t, tr, "KH-RBAC-4"); r.Status != report.StatusFail {
		t.Errorf("synthetic cluster has wildcard grants, paths must be found: %s", r.Status)
	}
}

// BenchmarkBuildAndEvaluate indexes and evaluates the synthetic cluster.
func BenchmarkBuildAndEvaluate(b *testing.B) {
	s := syntheticSnapshot()
	cs, _ := Controls("")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := Build(s)
		tr := Evaluate(m, EvalOptions{})
		if len(tr.Results) != len(cs) {
			b.Fatal("missing results")
		}
	}
}
