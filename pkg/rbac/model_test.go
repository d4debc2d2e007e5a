package rbac

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
)

func modelFixture() *Model {
	s := &Snapshot{}
	s.ns("dev", "prod", "kube-system")
	s.cr("secret-reader", nil, rule("get,list", "", "secrets"))
	s.cr("pod-admin", nil, rule("*", "", "pods"))
	s.cr("metrics", nil, urlRule("get", "/metrics*"))
	s.role("dev", "cm-editor", nil, rule("update", "", "configmaps", "app-config"))
	// RoleBinding -> ClusterRole: scoped to dev.
	s.rb("dev", "alice-secrets", nil, "ClusterRole", "secret-reader", user("alice"))
	s.rb("dev", "cm", nil, "Role", "cm-editor", user("bob"))
	s.crb("devs-pods", nil, "pod-admin", group("devs"))
	s.crb("all-sas-metrics", nil, "metrics", group("system:serviceaccounts"))
	s.crb("authn-metrics", nil, "metrics", group("system:authenticated"))
	s.rb("prod", "prod-sas", nil, "ClusterRole", "secret-reader", group("system:serviceaccounts:prod"))
	// SA subject without namespace in a RoleBinding: the binding's.
	s.rb("dev", "local-sa", nil, "ClusterRole", "pod-admin", rbacSubjectSANoNS("builder"))
	// ...and in a ClusterRoleBinding: matches nobody.
	s.crb("broken-sa", nil, "secret-reader", rbacSubjectSANoNS("builder"))
	// A User named like a service account is that service account.
	s.crb("sa-as-user", nil, "pod-admin", user("system:serviceaccount:prod:deployer"))
	s.sa("dev", "builder", nil).sa("prod", "deployer", nil)
	return Build(s)
}

func TestAllowed(t *testing.T) {
	m := modelFixture()
	alice := Subject{Kind: KindUser, Name: "alice"}
	cases := []struct {
		name string
		s    Subject
		a    Attributes
		want bool
	}{
		{"rolebinding to clusterrole applies in its namespace", alice, Attributes{Verb: "get", Resource: "secrets", Namespace: "dev"}, true},
		{"rolebinding to clusterrole not in other namespaces", alice, Attributes{Verb: "get", Resource: "secrets", Namespace: "prod"}, false},
		{"rolebinding to clusterrole not cluster-wide", alice, Attributes{Verb: "list", Resource: "secrets"}, false},
		{"role with resourceNames, right name", Subject{Kind: KindUser, Name: "bob"}, Attributes{Verb: "update", Resource: "configmaps", Name: "app-config", Namespace: "dev"}, true},
		{"role with resourceNames, other name", Subject{Kind: KindUser, Name: "bob"}, Attributes{Verb: "update", Resource: "configmaps", Name: "x", Namespace: "dev"}, false},
		{"group binding", Subject{Kind: KindGroup, Name: "devs"}, Attributes{Verb: "delete", Resource: "pods", Namespace: "prod"}, true},
		{"users are not known to be in other groups", alice, Attributes{Verb: "delete", Resource: "pods", Namespace: "prod"}, false},
		{"user gets system:authenticated", alice, Attributes{Verb: "get", Path: "/metrics/slis"}, true},
		{"anonymous is not authenticated", Subject{Kind: KindUser, Name: "system:anonymous"}, Attributes{Verb: "get", Path: "/metrics"}, false},
		{"sa gets system:serviceaccounts:ns", Subject{Kind: KindServiceAccount, Namespace: "prod", Name: "x"}, Attributes{Verb: "get", Resource: "secrets", Namespace: "prod"}, true},
		{"sa of other ns does not", Subject{Kind: KindServiceAccount, Namespace: "dev", Name: "x"}, Attributes{Verb: "get", Resource: "secrets", Namespace: "prod"}, false},
		{"sa subject without namespace defaults to rolebinding's", Subject{Kind: KindServiceAccount, Namespace: "dev", Name: "builder"}, Attributes{Verb: "create", Resource: "pods", Namespace: "dev"}, true},
		{"sa subject without namespace in clusterrolebinding matches nobody", Subject{Kind: KindServiceAccount, Namespace: "dev", Name: "builder"}, Attributes{Verb: "get", Resource: "secrets", Namespace: "kube-system"}, false},
		{"user named system:serviceaccount:ns:n is the sa", Subject{Kind: KindServiceAccount, Namespace: "prod", Name: "deployer"}, Attributes{Verb: "create", Resource: "pods", Namespace: "kube-system"}, true},
		{"and the sa asked as a user", Subject{Kind: KindUser, Name: "system:serviceaccount:prod:deployer"}, Attributes{Verb: "create", Resource: "pods", Namespace: "kube-system"}, true},
		{"system:masters can do anything without a binding", Subject{Kind: KindGroup, Name: "system:masters"}, Attributes{Verb: "escalate", APIGroup: "rbac.authorization.k8s.io", Resource: "clusterroles"}, true},
		{"nobody else", Subject{Kind: KindUser, Name: "mallory"}, Attributes{Verb: "get", Resource: "pods", Namespace: "dev"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, grants := m.Allowed(c.s, c.a)
			if got != c.want {
				t.Fatalf("Allowed(%s, %s) = %v, want %v (grants %+v)", c.s, c.a, got, c.want, grants)
			}
			if got && len(grants) == 0 {
				t.Fatal("allowed without a grant")
			}
		})
	}
}

func TestAllowedGrantNamesBindingRoleRule(t *testing.T) {
	m := modelFixture()
	ok, gs := m.Allowed(Subject{Kind: KindUser, Name: "alice"}, Attributes{Verb: "get", Resource: "secrets", Namespace: "dev"})
	if !ok || len(gs) != 1 {
		t.Fatalf("got %v %+v", ok, gs)
	}
	g := gs[0]
	if g.Binding.String() != "rolebinding/alice-secrets -n dev" || g.Role.String() != "clusterrole/secret-reader" || g.Namespace != "dev" || !has(g.Rule.Resources, "secrets") {
		t.Errorf("grant = %+v", g)
	}
}

func TestWhoCan(t *testing.T) {
	m := modelFixture()
	got := m.WhoCan(Attributes{Verb: "get", Resource: "secrets", Namespace: "prod"})
	var names []string
	for _, g := range got {
		names = append(names, g.Subject.String()+"@"+g.Binding.String())
	}
	joined := strings.Join(names, "\n")
	want := "Group system:masters@<none>\nGroup system:serviceaccounts:prod@rolebinding/prod-sas -n prod"
	if joined != want {
		t.Errorf("WhoCan =\n%s\nwant\n%s", joined, want)
	}
	for _, nw := range []string{"alice", "broken-sa", "Group devs"} {
		if strings.Contains(joined, nw) {
			t.Errorf("WhoCan must not list %q:\n%s", nw, joined)
		}
	}
	// Cluster-wide: RoleBindings do not count.
	all := m.WhoCan(Attributes{Verb: "list", Resource: "secrets"})
	if len(all) != 1 {
		t.Errorf("cluster-wide list secrets: want only system:masters, got %+v", all)
	}
	// Non-resource URL with prefix rule.
	urls := m.WhoCan(Attributes{Verb: "get", Path: "/metrics/cadvisor"})
	if len(urls) != 3 {
		t.Errorf("get /metrics/cadvisor: want masters + 2 groups, got %+v", urls)
	}
}

func TestPermissions(t *testing.T) {
	m := modelFixture()
	ps := m.Permissions(Subject{Kind: KindServiceAccount, Namespace: "prod", Name: "deployer"})
	var got []string
	for _, p := range ps {
		got = append(got, p.Binding.Name+":"+p.Scope())
	}
	want := "all-sas-metrics:cluster-wide,authn-metrics:cluster-wide,sa-as-user:cluster-wide,prod-sas:namespace prod"
	if strings.Join(got, ",") != want {
		t.Errorf("Permissions = %s, want %s", strings.Join(got, ","), want)
	}
	if ps := m.Permissions(Subject{Kind: KindGroup, Name: "system:masters"}); len(ps) != 1 || ps[0].Binding.Kind != "" {
		t.Errorf("system:masters permissions = %+v", ps)
	}
}

func TestParseSubject(t *testing.T) {
	cases := []struct {
		in      string
		want    Subject
		wantErr bool
	}{
		{"user/alice", Subject{Kind: KindUser, Name: "alice"}, false},
		{"User/alice@example.com", Subject{Kind: KindUser, Name: "alice@example.com"}, false},
		{"group/system:masters", Subject{Kind: KindGroup, Name: "system:masters"}, false},
		{"serviceaccount/kube-system:coredns", Subject{Kind: KindServiceAccount, Namespace: "kube-system", Name: "coredns"}, false},
		{"sa/ci:deployer", Subject{Kind: KindServiceAccount, Namespace: "ci", Name: "deployer"}, false},
		{"user/system:serviceaccount:ci:deployer", Subject{Kind: KindServiceAccount, Namespace: "ci", Name: "deployer"}, false},
		{"serviceaccount/deployer", Subject{}, true},
		{"alice", Subject{}, true},
		{"pod/x", Subject{}, true},
		{"user/", Subject{}, true},
	}
	for _, c := range cases {
		got, err := ParseSubject(c.in)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("ParseSubject(%q) = %+v, %v; want %+v, err %v", c.in, got, err, c.want, c.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), c.in) {
			t.Errorf("error %q does not name the input", err)
		}
	}
}

func TestSnapshotJSONRoundTrip(t *testing.T) {
	s := kubeadmSnapshot()
	back := testutil.JSONRoundTrip(t, s)
	r1 := Evaluate(Build(s), EvalOptions{IncludeSystem: true})
	r2 := Evaluate(Build(back), EvalOptions{IncludeSystem: true})
	j1, _ := json.Marshal(r1)
	j2, _ := json.Marshal(r2)
	if string(j1) != string(j2) {
		t.Error("evaluation of a JSON round-tripped snapshot differs")
	}
}
