package rbac

import (
	"fmt"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// appNamespace adds namespace ns with its default service account and
// service accounts app-0, app-1… each with a pod that mounts its token.
func (s *Snapshot) appNamespace(ns string, apps int) {
	s.ns(ns)
	s.sa(ns, "default", nil)
	for i := 0; i < apps; i++ {
		s.sa(ns, fmt.Sprintf("app-%d", i), nil)
		s.pod(ns, fmt.Sprintf("app-%d-pod", i), fmt.Sprintf("app-%d", i), true)
	}
}

// syntheticSnapshot makes a big cluster: 10 000 roles (1 000 cluster
// roles, 9 000 roles over 500 namespaces) and 50 000 bindings, with
// service accounts and pods, on top of the kubeadm defaults.
func syntheticSnapshot() *Snapshot {
	s := kubeadmSnapshot()
	const nss = 500
	for n := 0; n < nss; n++ {
		s.appNamespace(fmt.Sprintf("ns-%03d", n), 10)
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

// namespacesSnapshot makes a cluster of n namespaces shaped like a
// multi-tenant one: each namespace has its default service account and two
// application service accounts, with pods mounting their tokens, a team
// group bound to the edit ClusterRole and an application service account
// bound to admin (RoleBindings), plus a Role of its own bound to a user.
func namespacesSnapshot(n int) *Snapshot {
	s := kubeadmSnapshot()
	for i := 0; i < n; i++ {
		ns := fmt.Sprintf("tenant-%05d", i)
		s.appNamespace(ns, 2)
		s.rb(ns, "team-edit", nil, "ClusterRole", "edit", group(fmt.Sprintf("team-%05d", i)))
		s.rb(ns, "app-admin", nil, "ClusterRole", "admin", sa(ns, "app-0"))
		s.role(ns, "config-reader", nil, rule("get,list,watch", "", "configmaps"), rule("get", "", "secrets", "app-config"))
		s.rb(ns, "config-reader", nil, "Role", "config-reader", user(fmt.Sprintf("dev-%05d", i)), sa(ns, "app-1"))
	}
	s.sort()
	return s
}

// BenchmarkNamespaces evaluates every control (what `kubectl harden rbac`
// does) and answers `rbac subject` for a tenant's service account (its
// paths to admin of every namespace) on clusters of growing namespace
// counts: the cost must grow about linearly. hack/bench.sh runs it;
// -benchtime=1x is enough for 8 000. cpu-ms/op is the process's CPU time,
// which a busy machine disturbs less than wall time.
func BenchmarkNamespaces(b *testing.B) {
	for _, n := range []int{1000, 2000, 4000, 8000} {
		s := namespacesSnapshot(n)
		b.Run(fmt.Sprintf("rbac/namespaces=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tr := Evaluate(Build(s), EvalOptions{})
				if cs, _ := Controls(""); len(tr.Results) != len(cs) {
					b.Fatal("missing results")
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
		b.Run(fmt.Sprintf("subject/namespaces=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			b.ResetTimer()
			sub := Subject{Kind: KindServiceAccount, Namespace: "tenant-00001", Name: "app-1"}
			for i := 0; i < b.N; i++ {
				m := Build(s)
				m.Permissions(sub)
				m.PathToClusterAdmin(sub)
				m.PathsToNamespaceAdmin(sub)
			}
			b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}
