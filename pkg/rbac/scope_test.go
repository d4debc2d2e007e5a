package rbac

import (
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// scopeSnapshot has RoleBindings that grant cluster-scoped resources (which
// no real request can use through a RoleBinding), a RoleBinding that lets
// its subject delete its own namespace, and API discovery that knows a
// namespaced and a cluster-scoped custom resource.
func scopeSnapshot(withDiscovery bool) *Snapshot {
	s := NewSnapshot(time.Time{})
	s.ns("dev", "team", "other")
	s.cr("too-wide", nil,
		rule("create", "storage.k8s.io", "storageclasses"),
		rule("create", "scheduling.k8s.io", "priorityclasses"),
		rule("update", "", "nodes/status"),
		rule("delete", "", "persistentvolumes"),
		rule("create", "apiextensions.k8s.io", "customresourcedefinitions"),
		rule("get", "example.com", "gadgets,widgets"),
		rule("delete", "", "namespaces"),
		rule("get", "", "configmaps"),
	)
	s.rb("dev", "dev-wide", nil, "ClusterRole", "too-wide", user("alice"))
	s.cr("ns-deleter", nil, rule("delete,update", "", "namespaces"))
	s.rb("team", "team-ns", nil, "ClusterRole", "ns-deleter", user("bob"))
	s.role("dev", "named-secret", nil, rule("create,get", "", "secrets", "db"))
	s.rb("dev", "named-secret", nil, "Role", "named-secret", user("erin"))
	s.crb("ops-storage", nil, "storage-admin", group("ops"))
	s.cr("storage-admin", nil, rule("*", "storage.k8s.io", "storageclasses"))
	if withDiscovery {
		s.Discovery = &Discovery{Resources: []APIResource{
			{Resource: "namespaces"}, {Resource: "nodes"}, {Resource: "persistentvolumes"},
			{Resource: "configmaps", Namespaced: true}, {Resource: "secrets", Namespaced: true}, {Resource: "pods", Namespaced: true},
			{Group: "storage.k8s.io", Resource: "storageclasses"},
			{Group: "scheduling.k8s.io", Resource: "priorityclasses"},
			{Group: "apiextensions.k8s.io", Resource: "customresourcedefinitions"},
			{Group: "example.com", Resource: "gadgets"},
			{Group: "example.com", Resource: "widgets", Namespaced: true},
		}}
	}
	s.sort()
	return s
}

func subjectsOf(gs []Grant) string {
	var out []string
	for _, g := range gs[1:] { // system:masters first
		s := g.Subject.Name
		if g.Namespace != "" {
			s += "@" + g.Namespace
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// TestWhoCanRequestScope: who-can answers for the request the API server
// authorizes, not for the namespace the question was asked in.
func TestWhoCanRequestScope(t *testing.T) {
	cases := []struct {
		name      string
		discovery bool
		a         Attributes
		want      string
	}{
		{"cluster-scoped resource asked in a namespace", true, Attributes{Verb: "create", APIGroup: "storage.k8s.io", Resource: "storageclasses", Namespace: "dev"}, "ops"},
		{"priorityclasses", true, Attributes{Verb: "create", APIGroup: "scheduling.k8s.io", Resource: "priorityclasses", Namespace: "dev"}, ""},
		{"subresource of a cluster-scoped resource", true, Attributes{Verb: "update", Resource: "nodes", Subresource: "status", Namespace: "dev"}, ""},
		{"persistentvolumes", true, Attributes{Verb: "delete", Resource: "persistentvolumes", Name: "pv1", Namespace: "dev"}, ""},
		{"customresourcedefinitions", true, Attributes{Verb: "create", APIGroup: "apiextensions.k8s.io", Resource: "customresourcedefinitions", Namespace: "dev"}, ""},
		{"cluster-scoped custom resource (discovery)", true, Attributes{Verb: "get", APIGroup: "example.com", Resource: "gadgets", Namespace: "dev"}, ""},
		{"namespaced custom resource (discovery)", true, Attributes{Verb: "get", APIGroup: "example.com", Resource: "widgets", Namespace: "dev"}, "alice@dev"},
		{"namespaced built-in", true, Attributes{Verb: "get", Resource: "configmaps", Namespace: "dev"}, "alice@dev"},
		{"namespaces/NAME is authorized in NAME, not in -n", true, Attributes{Verb: "delete", Resource: "namespaces", Name: "team", Namespace: "other"}, "bob@team"},
		{"namespaces/NAME: the RoleBindings of -n do not count", true, Attributes{Verb: "delete", Resource: "namespaces", Name: "other", Namespace: "team"}, ""},
		{"namespaces/NAME: its own RoleBinding", true, Attributes{Verb: "delete", Resource: "namespaces", Name: "dev", Namespace: "dev"}, "alice@dev"},
		{"namespaces without a name is cluster-wide", true, Attributes{Verb: "delete", Resource: "namespaces", Namespace: "team"}, ""},
		{"update of namespaces/NAME/status", true, Attributes{Verb: "update", Resource: "namespaces", Subresource: "status", Name: "team"}, ""},
		{"create carries no name: resourceNames never allow it", true, Attributes{Verb: "create", Resource: "secrets", Name: "db", Namespace: "dev"}, ""},
		{"get by name: resourceNames allow it", true, Attributes{Verb: "get", Resource: "secrets", Name: "db", Namespace: "dev"}, "erin@dev"},
		{"without discovery: built-in cluster-scoped resource", false, Attributes{Verb: "create", APIGroup: "storage.k8s.io", Resource: "storageclasses", Namespace: "dev"}, "ops"},
		{"without discovery: unknown resource keeps the namespace", false, Attributes{Verb: "get", APIGroup: "example.com", Resource: "gadgets", Namespace: "dev"}, "alice@dev"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := Build(scopeSnapshot(c.discovery))
			if got := subjectsOf(m.WhoCan(c.a)); got != c.want {
				t.Errorf("WhoCan(%s) lists %q, want %q", c.a, got, c.want)
			}
		})
	}
}

// TestWhoCanInAnyNamespaceScope: -A lists RoleBinding subjects only where
// a real request can use them, whatever list of resources a programmer
// thought of: discovery decides.
func TestWhoCanInAnyNamespaceScope(t *testing.T) {
	m := Build(scopeSnapshot(true))
	cases := []struct {
		a    Attributes
		want string
	}{
		{Attributes{Verb: "create", APIGroup: "storage.k8s.io", Resource: "storageclasses"}, "ops"},
		{Attributes{Verb: "create", APIGroup: "scheduling.k8s.io", Resource: "priorityclasses"}, ""},
		{Attributes{Verb: "get", APIGroup: "example.com", Resource: "gadgets"}, ""},
		{Attributes{Verb: "get", APIGroup: "example.com", Resource: "widgets"}, "alice@dev"},
		{Attributes{Verb: "update", Resource: "nodes", Subresource: "status"}, ""},
		// A RoleBinding in N lets its subjects delete namespace N.
		{Attributes{Verb: "delete", Resource: "namespaces"}, "alice@dev,bob@team"},
		{Attributes{Verb: "update", Resource: "namespaces"}, "bob@team"},
		{Attributes{Verb: "delete", Resource: "namespaces", Name: "team"}, "bob@team"},
		{Attributes{Verb: "list", Resource: "namespaces"}, ""},
		{Attributes{Verb: "get", Path: "/metrics"}, ""},
	}
	for _, c := range cases {
		if got := subjectsOf(m.WhoCanInAnyNamespace(c.a)); got != c.want {
			t.Errorf("WhoCanInAnyNamespace(%s) lists %q, want %q", c.a, got, c.want)
		}
	}
}

func TestRequestNotes(t *testing.T) {
	m := Build(scopeSnapshot(true))
	a, rs := m.Request(Attributes{Verb: "create", APIGroup: "storage.k8s.io", Resource: "storageclasses", Namespace: "dev"})
	if a.Namespace != "" || rs.Scope == nil || rs.Scope.Namespaced || rs.Scope.Source != ScopeFromDiscovery || len(rs.Notes) != 1 ||
		!strings.Contains(rs.Notes[0], "not namespaced") {
		t.Errorf("storageclasses -n dev: %+v %+v", a, rs)
	}
	a, rs = m.Request(Attributes{Verb: "delete", Resource: "namespaces", Name: "team", Namespace: "other"})
	if a.Namespace != "team" || len(rs.Notes) != 1 || !strings.Contains(rs.Notes[0], "authorized in namespace team") {
		t.Errorf("namespaces/team -n other: %+v %+v", a, rs)
	}
	_, rs = Build(scopeSnapshot(false)).Request(Attributes{Verb: "get", APIGroup: "example.com", Resource: "gadgets", Namespace: "dev"})
	if rs.Scope.Known() || len(rs.Notes) != 1 || !strings.Contains(rs.Notes[0], "cannot be decided") || !strings.Contains(rs.Notes[0], "no API discovery") {
		t.Errorf("unknown scope without discovery: %+v", rs)
	}
	sc := scopeSnapshot(true)
	sc.Discovery.FailedGroups = []string{"metrics.k8s.io"}
	_, rs = Build(sc).Request(Attributes{Verb: "get", APIGroup: "metrics.k8s.io", Resource: "pods", Namespace: "dev"})
	if rs.Scope.Known() || len(rs.Notes) != 1 || !strings.Contains(rs.Notes[0], "discovery of API group metrics.k8s.io failed") {
		t.Errorf("failed group: %+v", rs)
	}
}

// TestPermissionsInert: RoleBinding rules that can never authorize anything
// are marked, with the part that is inert.
func TestPermissionsInert(t *testing.T) {
	s := scopeSnapshot(true)
	s.cr("mixed", nil, urlRule("get", "/metrics"), rule("get", "", "nodes,pods"), rule("list", "", "namespaces"), rule("get", "", "namespaces"))
	s.rb("dev", "mixed", nil, "ClusterRole", "mixed", user("frank"))
	s.crb("frank-urls", nil, "mixed", user("frank"))
	m := Build(s)
	got := map[string]string{}
	for _, g := range m.Permissions(Subject{Kind: KindUser, Name: "frank"}) {
		if g.Binding.Kind == "" || g.Subject.Name != "frank" {
			continue
		}
		k := g.Binding.Name + ":" + RuleString(g.Rule)
		got[k] = strings.Join(g.Inert, ";")
		if g.InertAll {
			got[k] = "ALL " + got[k]
		}
	}
	want := map[string]string{
		"mixed:get /metrics":         "ALL nonResourceURLs /metrics (RoleBindings never allow non-resource URLs)",
		"mixed:get nodes,pods":       "nodes (cluster-scoped)",
		"mixed:list namespaces":      "ALL namespaces (only get, watch, update, patch and delete of the RoleBinding's own namespace are allowed)",
		"mixed:get namespaces":       "",
		"frank-urls:get /metrics":    "",
		"frank-urls:get nodes,pods":  "",
		"frank-urls:list namespaces": "",
		"frank-urls:get namespaces":  "",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: inert %q, want %q", k, got[k], w)
		}
	}
}

// TestRiskControlsUseDiscovery: a RoleBinding's grant on a cluster-scoped
// resource is not a finding of the risk controls, whatever the resource.
func TestRiskControlsUseDiscovery(t *testing.T) {
	s := scopeSnapshot(true)
	s.cr("pv-maker", nil, rule("create", "", "persistentvolumes"))
	s.rb("dev", "pv-maker", nil, "ClusterRole", "pv-maker", user("gina"))
	r := resultOf(t, Evaluate(Build(s), EvalOptions{}), "5.1.9")
	if strings.Contains(describeResult(r), "gina") {
		t.Errorf("5.1.9 lists a RoleBinding's create persistentvolumes, which no request can use: %s", describeResult(r))
	}
}

func describeResult(r report.Result) string {
	s := string(r.Status) + ": " + r.Reason
	for _, e := range r.Evidence {
		s += "\n" + e.String()
	}
	return s
}
