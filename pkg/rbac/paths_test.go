package rbac

import (
	"strings"
	"testing"
)

const rbacAPI = "rbac.authorization.k8s.io"

// TestPathsCombineAndTakeOver checks the steps that need grants of several
// bindings (a subject's own and its groups'), namespace takeover through
// bind and escalate, and impersonation of a subject that can take over:
// each case is a snapshot change and the KH-RBAC-4 evidence it must give
// (substrings, in order), or nil for no path.
func TestPathsCombineAndTakeOver(t *testing.T) {
	powerful := func(s *Snapshot) {
		s.ns("app", "ci", "ops")
		s.sa("ops", "root", nil).sa("ci", "binder", nil).sa("ci", "builder", nil)
		s.crb("ops-root", nil, "cluster-admin", sa("ops", "root"))
	}
	cases := []struct {
		name   string
		change func(s *Snapshot)
		want   []string
	}{
		// 1. Two-part capabilities across a subject's own and its groups' grants.
		{"bind cluster-admin own, create clusterrolebindings through system:serviceaccounts:ci", func(s *Snapshot) {
			s.cr("bind-ca", nil, rule("bind", rbacAPI, "clusterroles", "cluster-admin"))
			s.crb("bind-ca", nil, "bind-ca", sa("ci", "binder"))
			s.cr("crb-maker", nil, rule("create", rbacAPI, "clusterrolebindings"))
			s.crb("crb-maker", nil, "crb-maker", group("system:serviceaccounts:ci"))
		}, []string{
			"clusterrolebinding/bind-ca=path of ServiceAccount ci/binder, step 1: ServiceAccount ci/binder can bind clusterrole/cluster-admin and create clusterrolebindings → full control (clusterrole/bind-ca)",
			"grants: clusterrolebinding/bind-ca (bind clusterroles.rbac.authorization.k8s.io [names: cluster-admin]), clusterrolebinding/crb-maker (create clusterrolebindings",
		}},
		{"a user's own bind and system:authenticated's create clusterrolebindings", func(s *Snapshot) {
			s.cr("bind-ca", nil, rule("bind", rbacAPI, "clusterroles", "cluster-admin"))
			s.crb("bind-ca", nil, "bind-ca", user("erin"))
			s.cr("crb-maker", nil, rule("create", rbacAPI, "clusterrolebindings"))
			s.crb("crb-maker", nil, "crb-maker", group("system:authenticated"))
		}, []string{"User erin can bind clusterrole/cluster-admin and create clusterrolebindings"}},
		{"impersonate groups own, impersonate users through system:serviceaccounts", func(s *Snapshot) {
			s.cr("imp-masters", nil, rule("impersonate", "", "groups", MastersGroup))
			s.crb("imp-masters", nil, "imp-masters", sa("ci", "builder"))
			s.cr("imp-nobody", nil, rule("impersonate", "", "users", "nobody"))
			s.crb("imp-nobody", nil, "imp-nobody", group("system:serviceaccounts"))
		}, []string{"ServiceAccount ci/builder can impersonate group system:masters → full control", "clusterrolebinding/imp-nobody (impersonate users [names: nobody])"}},
		{"escalate clusterroles own, update them through the namespace group", func(s *Snapshot) {
			s.cr("esc", nil, rule("escalate", rbacAPI, "clusterroles"))
			s.crb("esc", nil, "esc", sa("ci", "builder"))
			s.cr("upd", nil, rule("patch", rbacAPI, "clusterroles"))
			s.crb("upd", nil, "upd", group("system:serviceaccounts:ci"))
		}, []string{"ServiceAccount ci/builder can escalate and update clusterroles"}},
		{"two users' halves are not combined", func(s *Snapshot) {
			s.cr("bind-ca", nil, rule("bind", rbacAPI, "clusterroles", "cluster-admin"))
			s.crb("bind-ca", nil, "bind-ca", user("erin"))
			s.cr("crb-maker", nil, rule("create", rbacAPI, "clusterrolebindings"))
			s.crb("crb-maker", nil, "crb-maker", user("frank"))
		}, nil},
		{"another namespace's group is not a group of the service account", func(s *Snapshot) {
			s.cr("bind-ca", nil, rule("bind", rbacAPI, "clusterroles", "cluster-admin"))
			s.crb("bind-ca", nil, "bind-ca", sa("ci", "binder"))
			s.cr("crb-maker", nil, rule("create", rbacAPI, "clusterrolebindings"))
			s.crb("crb-maker", nil, "crb-maker", group("system:serviceaccounts:app"))
		}, nil},

		// 2a. bind + create rolebindings: admin of the namespace, then its service accounts.
		{"bind cluster-admin in ops and create rolebindings there", func(s *Snapshot) {
			s.cr("bind-ca", nil, rule("bind", rbacAPI, "clusterroles", "cluster-admin"))
			s.rb("ops", "bind-ca", nil, "ClusterRole", "bind-ca", user("alice"))
			s.role("ops", "rb-maker", nil, rule("create", rbacAPI, "rolebindings"))
			s.rb("ops", "rb-maker", nil, "Role", "rb-maker", group("system:authenticated"))
		}, []string{
			"rolebinding/bind-ca -n ops=path of User alice, step 1: User alice can bind clusterrole/cluster-admin and create rolebindings in namespace ops: binds it to itself there; as admin of namespace ops runs a pod as ServiceAccount ops/root → becomes ServiceAccount ops/root",
			"grants: rolebinding/bind-ca -n ops (bind clusterroles.rbac.authorization.k8s.io [names: cluster-admin]), rolebinding/rb-maker -n ops (create rolebindings",
			"step 2: ServiceAccount ops/root holds */*/* cluster-wide",
		}},
		{"bind a Role of ops holding */*/*", func(s *Snapshot) {
			s.role("ops", "ops-all", nil, rule("*", "*", "*"))
			s.role("ops", "binder", nil, rule("bind", rbacAPI, "roles", "ops-all"), rule("create", rbacAPI, "rolebindings"))
			s.rb("ops", "binder", nil, "Role", "binder", user("alice"))
		}, []string{"User alice can bind role/ops-all and create rolebindings in namespace ops"}},
		{"bind and create rolebindings cluster-wide take every namespace", func(s *Snapshot) {
			s.cr("binder", nil, rule("bind", rbacAPI, "clusterroles"), rule("create", rbacAPI, "rolebindings"))
			s.crb("binder", nil, "binder", user("alice"))
		}, []string{"User alice can bind clusterrole/cluster-admin and create rolebindings in namespace ops"}},
		{"every verb on every RBAC resource in ops (wildcards) takes ops", func(s *Snapshot) {
			s.role("ops", "rbac-manager", nil, rule("*", rbacAPI, "*"))
			s.rb("ops", "rbac-manager", nil, "Role", "rbac-manager", sa("ci", "builder"))
		}, []string{"ServiceAccount ci/builder can bind clusterrole/cluster-admin and create rolebindings in namespace ops", "→ becomes ServiceAccount ops/root"}},
		{"bind of a role without */*/* is no takeover", func(s *Snapshot) {
			s.cr("bind-admin", nil, rule("bind", rbacAPI, "clusterroles", "admin"), rule("create", rbacAPI, "rolebindings"))
			s.rb("ops", "bind-admin", nil, "ClusterRole", "bind-admin", user("alice"))
		}, nil},
		{"bind granted in another namespace does not count in ops", func(s *Snapshot) {
			s.cr("bind-ca", nil, rule("bind", rbacAPI, "clusterroles", "cluster-admin"))
			s.rb("app", "bind-ca", nil, "ClusterRole", "bind-ca", user("alice"))
			s.role("ops", "rb-maker", nil, rule("create", rbacAPI, "rolebindings"))
			s.rb("ops", "rb-maker", nil, "Role", "rb-maker", user("alice"))
		}, nil},
		{"create rolebindings with resourceNames is never allowed", func(s *Snapshot) {
			s.cr("binder", nil, rule("bind", rbacAPI, "clusterroles", "cluster-admin"), rule("create", rbacAPI, "rolebindings", "x"))
			s.rb("ops", "binder", nil, "ClusterRole", "binder", user("alice"))
		}, nil},

		// 2b. escalate + update a Role already bound.
		{"escalate and patch a Role of ops bound to alice", func(s *Snapshot) {
			s.role("ops", "self", nil, rule("escalate,patch,get", rbacAPI, "roles", "self"))
			s.rb("ops", "self", nil, "Role", "self", user("alice"))
		}, []string{
			"rolebinding/self -n ops=path of User alice, step 1: User alice can escalate and update role/self -n ops, which is bound to it: adds */*/* to it; as admin of namespace ops runs a pod as ServiceAccount ops/root → becomes ServiceAccount ops/root",
			"rolebinding/self -n ops (binds role/self to User alice)",
		}},
		{"escalate own, update through a group, the Role bound to the group", func(s *Snapshot) {
			s.role("ops", "shared", nil, rule("get", "", "configmaps"))
			s.rb("ops", "shared", nil, "Role", "shared", group("system:serviceaccounts:ci"))
			s.role("ops", "esc", nil, rule("escalate", rbacAPI, "roles"))
			s.rb("ops", "esc", nil, "Role", "esc", sa("ci", "builder"))
			s.role("ops", "upd", nil, rule("update", rbacAPI, "roles", "shared"))
			s.rb("ops", "upd", nil, "Role", "upd", group("system:authenticated"))
		}, []string{"ServiceAccount ci/builder can escalate and update role/shared -n ops"}},
		{"escalate one Role and update another is no takeover", func(s *Snapshot) {
			s.role("ops", "self", nil, rule("escalate", rbacAPI, "roles", "self"), rule("update", rbacAPI, "roles", "other"))
			s.role("ops", "other", nil, rule("get", "", "configmaps"))
			s.rb("ops", "self", nil, "Role", "self", user("alice"))
			s.rb("ops", "other", nil, "Role", "other", user("bob"))
		}, nil},
		{"escalate and update a Role bound to someone else is no takeover", func(s *Snapshot) {
			s.role("ops", "other", nil, rule("get", "", "configmaps"))
			s.rb("ops", "other", nil, "Role", "other", user("bob"))
			s.role("ops", "esc", nil, rule("escalate,update", rbacAPI, "roles", "other"))
			s.rb("ops", "esc", nil, "Role", "esc", user("alice"))
		}, nil},
		{"escalate and update any Role: the one granting it is bound to it", func(s *Snapshot) {
			s.role("ops", "esc", nil, rule("escalate,update", rbacAPI, "roles"))
			s.rb("ops", "esc", nil, "Role", "esc", user("alice"))
		}, []string{"User alice can escalate and update role/esc -n ops"}},
		{"escalate and update roles granted in app do not reach ops", func(s *Snapshot) {
			s.role("ops", "self", nil, rule("get", "", "configmaps"))
			s.rb("ops", "self", nil, "Role", "self", user("alice"))
			s.cr("esc", nil, rule("escalate,update", rbacAPI, "roles"))
			s.rb("app", "esc", nil, "ClusterRole", "esc", user("alice"))
		}, nil},

		// 2c. impersonate someone who can take over.
		{"impersonate a user who can take over ops", func(s *Snapshot) {
			s.role("ops", "self", nil, rule("escalate,update", rbacAPI, "roles", "self"))
			s.rb("ops", "self", nil, "Role", "self", user("carol"))
			s.cr("imp-carol", nil, rule("impersonate", "", "users", "carol"))
			s.crb("imp-carol", nil, "imp-carol", sa("ci", "builder"))
		}, []string{
			"ServiceAccount ci/builder can impersonate User carol → becomes User carol",
			"step 2: User carol can escalate and update role/self -n ops",
			"step 3: ServiceAccount ops/root holds */*/*",
		}},
		{"impersonate groups and users through another group", func(s *Snapshot) {
			s.crb("admins", nil, "cluster-admin", group("admins"))
			s.cr("imp-admins", nil, rule("impersonate", "", "groups", "admins"))
			s.crb("imp-admins", nil, "imp-admins", sa("ci", "builder"))
			s.cr("imp-nobody", nil, rule("impersonate", "", "users", "nobody"))
			s.crb("imp-nobody", nil, "imp-nobody", group("system:serviceaccounts:ci"))
		}, []string{"ServiceAccount ci/builder can impersonate users and Group admins → becomes Group admins", "step 2: Group admins holds */*/* cluster-wide"}},
		{"impersonate users limited to other names", func(s *Snapshot) {
			s.crb("carol-admin", nil, "cluster-admin", user("carol"))
			s.cr("imp-dave", nil, rule("impersonate", "", "users", "dave"))
			s.crb("imp-dave", nil, "imp-dave", sa("ci", "builder"))
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkPathCase(t, powerful, c.change, c.want) })
	}
}

func wantInOrder(t *testing.T, text string, want []string) {
	t.Helper()
	pos := 0
	for _, w := range want {
		i := strings.Index(text[pos:], w)
		if i < 0 {
			t.Fatalf("lacks %q (in order):\n%s", w, text)
		}
		pos += i + len(w)
	}
}

// TestGroupHoldingAllPartsHasThePath: when one group holds both halves, the
// group has the path and its members are not listed once more.
func TestGroupHoldingAllPartsHasThePath(t *testing.T) {
	s := kubeadmSnapshot()
	s.ns("ci").sa("ci", "a", nil).sa("ci", "b", nil)
	s.cr("binder", nil, rule("bind", rbacAPI, "clusterroles", "cluster-admin"), rule("create", rbacAPI, "clusterrolebindings"))
	s.crb("binder", nil, "binder", group("system:serviceaccounts:ci"))
	m := Build(s)
	var subjects []string
	for _, p := range m.PathsToClusterAdmin() {
		if !p.Default {
			subjects = append(subjects, p.Subject.String())
		}
	}
	if strings.Join(subjects, ",") != "Group system:serviceaccounts:ci" {
		t.Errorf("paths of %v, want the group's only", subjects)
	}
	// rbac subject shows a member the group's path.
	p, holds := m.PathToClusterAdmin(Subject{Kind: KindServiceAccount, Namespace: "ci", Name: "a"})
	if holds || p == nil || p.Subject.String() != "Group system:serviceaccounts:ci" || p.Steps[0].Technique != TechniqueBindClusterAdmin {
		t.Errorf("PathToClusterAdmin(ci/a) = %+v, %v", p, holds)
	}
}

// TestPathsToNamespaceAdmin checks the namespace view of `rbac subject`:
// which namespaces a subject can take over, each with its steps, the
// technique, role and grants of each step.
func TestPathsToNamespaceAdmin(t *testing.T) {
	base := func() *Snapshot {
		s := kubeadmSnapshot()
		s.ns("src", "dst", "other")
		for _, n := range []string{"binder", "escalator", "impersonator", "grouper", "admin", "named"} {
			s.sa("src", n, nil)
		}
		// binder: bind cluster-admin in dst (own), create rolebindings in dst (its namespace's group).
		s.cr("bind-ca", nil, rule("bind", rbacAPI, "clusterroles", "cluster-admin"))
		s.rb("dst", "bind-ca", nil, "ClusterRole", "bind-ca", sa("src", "binder"))
		s.role("dst", "rb-maker", nil, rule("create", rbacAPI, "rolebindings"))
		s.rb("dst", "rb-maker", nil, "Role", "rb-maker", group("system:serviceaccounts:src"))
		// escalator: escalate+patch its own Role in dst.
		s.role("dst", "self", nil, rule("escalate,patch,get", rbacAPI, "roles", "self"))
		s.rb("dst", "self", nil, "Role", "self", sa("src", "escalator"))
		// impersonator: may impersonate binder (and nobody else).
		s.role("src", "imp-binder", nil, rule("impersonate", "", "serviceaccounts", "binder"))
		s.rb("src", "imp-binder", nil, "Role", "imp-binder", sa("src", "impersonator"))
		// grouper: impersonate group dst-admins (own) + users [nobody] (its namespace's group).
		s.rb("dst", "dst-admins", nil, "ClusterRole", "cluster-admin", group("dst-admins"))
		s.cr("imp-dst-admins", nil, rule("impersonate", "", "groups", "dst-admins"))
		s.crb("imp-dst-admins", nil, "imp-dst-admins", sa("src", "grouper"))
		s.cr("imp-nobody", nil, rule("impersonate", "", "users", "nobody"))
		s.crb("imp-nobody", nil, "imp-nobody", group("system:serviceaccounts:src"))
		// admin: already admin of dst (cluster-admin through a RoleBinding).
		s.rb("dst", "src-admin", nil, "ClusterRole", "cluster-admin", sa("src", "admin"))
		// named: bind limited to clusterrole/admin, which lacks */*/*.
		s.cr("bind-admin", nil, rule("bind", rbacAPI, "clusterroles", "admin"))
		s.rb("dst", "bind-admin", nil, "ClusterRole", "bind-admin", sa("src", "named"))
		return s
	}
	type stepWant struct{ technique, from, to, role string }
	cases := []struct {
		subject string
		ns      string // "" for no path at all
		steps   []stepWant
		grants  []string // bindings of the first step's grants
	}{
		{"serviceaccount/src:binder", "dst", []stepWant{{TechniqueBindRole, "ServiceAccount src/binder", "", "clusterrole/cluster-admin"}},
			[]string{"rolebinding/bind-ca -n dst", "rolebinding/rb-maker -n dst"}},
		{"serviceaccount/src:escalator", "dst", []stepWant{{TechniqueEscalateRole, "ServiceAccount src/escalator", "", "role/self"}},
			[]string{"rolebinding/self -n dst", "rolebinding/self -n dst", "rolebinding/self -n dst"}},
		{"serviceaccount/src:impersonator", "dst", []stepWant{
			{TechniqueImpersonate, "ServiceAccount src/impersonator", "ServiceAccount src/binder", ""},
			{TechniqueBindRole, "ServiceAccount src/binder", "", "clusterrole/cluster-admin"},
		}, []string{"rolebinding/imp-binder -n src"}},
		{"serviceaccount/src:grouper", "dst", []stepWant{
			{TechniqueImpersonateGroup, "ServiceAccount src/grouper", "Group dst-admins", ""},
			{TechniqueHolds, "Group dst-admins", "", ""},
		}, []string{"clusterrolebinding/imp-dst-admins", "clusterrolebinding/imp-nobody"}},
		{"serviceaccount/src:admin", "", nil, nil},
		{"serviceaccount/src:named", "", nil, nil},
		{"serviceaccount/src:default", "", nil, nil}, // holds only the group's halves
	}
	m := Build(base())
	for _, c := range cases {
		t.Run(c.subject, func(t *testing.T) {
			subj, err := ParseSubject(c.subject)
			if err != nil {
				t.Fatal(err)
			}
			if p, holds := m.PathToClusterAdmin(subj); p != nil || holds {
				t.Errorf("a path to cluster-admin: %+v (holds %v)", p, holds)
			}
			paths := m.PathsToNamespaceAdmin(subj)
			if c.ns == "" {
				if len(paths) != 0 {
					t.Fatalf("want no path, got %+v", paths)
				}
				return
			}
			if len(paths) != 1 || paths[0].Namespace != c.ns || paths[0].Subject != subj || paths[0].Default {
				t.Fatalf("want one non-default path to admin of %s from %s, got %+v", c.ns, subj, paths)
			}
			p := paths[0]
			if len(p.Steps) != len(c.steps) {
				t.Fatalf("want %d steps, got %+v", len(c.steps), p.Steps)
			}
			for i, w := range c.steps {
				st := p.Steps[i]
				to, role := "", ""
				if st.To != nil {
					to = st.To.String()
				}
				if st.Role != nil {
					role = strings.ToLower(st.Role.Kind) + "/" + st.Role.Name
				}
				if st.Technique != w.technique || st.From.String() != w.from || to != w.to || role != w.role {
					t.Errorf("step %d = %s %s → %q role %q, want %+v", i+1, st.Technique, st.From, to, role, w)
				}
				if (st.Technique == TechniqueBindRole || st.Technique == TechniqueEscalateRole) && st.Namespace != c.ns {
					t.Errorf("step %d: namespace %q", i+1, st.Namespace)
				}
			}
			first := p.Steps[0]
			gs := first.Grants
			if gs == nil {
				gs = []Grant{first.Grant}
			}
			var got []string
			for _, g := range gs {
				got = append(got, g.Binding.String())
			}
			if strings.Join(got, ",") != strings.Join(c.grants, ",") {
				t.Errorf("grants of step 1: %v, want %v", got, c.grants)
			}
			ev := ""
			for _, o := range PathEvidence(p) {
				ev += o.String() + "\n"
			}
			if !strings.Contains(ev, "admin of namespace "+c.ns) {
				t.Errorf("evidence does not say admin of namespace %s:\n%s", c.ns, ev)
			}
		})
	}
	// The group of src holds only halves: it takes over nothing alone.
	if ps := m.PathsToNamespaceAdmin(Subject{Kind: KindGroup, Name: "system:serviceaccounts:src"}); len(ps) != 0 {
		t.Errorf("group system:serviceaccounts:src: %+v", ps)
	}
	// Binding cluster-admin in a RoleBinding gives admin of that namespace only.
	if p, holds := m.PathToClusterAdmin(Subject{Kind: KindServiceAccount, Namespace: "src", Name: "admin"}); holds || p != nil {
		t.Errorf("src/admin holds cluster-admin only in dst: %+v %v", p, holds)
	}
}

// TestNamespacePathsOnKind: a default kind cluster gives no non-default
// namespace takeover to anybody, and the search stays cheap.
func TestNamespacePathsOnKind(t *testing.T) {
	m := Build(kubeadmSnapshot())
	for _, s := range m.knownSubjects() {
		for _, p := range m.PathsToNamespaceAdmin(s) {
			if !p.Default {
				t.Errorf("%s: non-default path to admin of %s: %+v", s, p.Namespace, p)
			}
		}
	}
}

// TestPathsRespectResourceNames: a step that claims full control (or admin
// of a namespace) must hold for every object; a rule limited by
// resourceNames does not, and neither do escalations of a role that is not
// bound to the identity, or nodes/proxy limited to named nodes.
func TestPathsRespectResourceNames(t *testing.T) {
	powerful := func(s *Snapshot) {
		s.ns("app", "ci", "ops")
		s.sa("ops", "root", nil).sa("ci", "builder", nil)
		s.crb("ops-root", nil, "cluster-admin", sa("ops", "root"))
	}
	cases := []struct {
		name   string
		change func(s *Snapshot)
		want   []string
	}{
		{"*/*/* limited by resourceNames is not full control", func(s *Snapshot) {
			s.cr("named-all", nil, rule("*", "*", "*", "x"))
			s.crb("named-all", nil, "named-all", user("carol"))
			s.cr("imp-carol", nil, rule("impersonate", "", "users", "carol"))
			s.crb("imp-carol", nil, "imp-carol", sa("ci", "builder"))
		}, nil},
		{"*/*/* limited by resourceNames in a namespace is not admin of it", func(s *Snapshot) {
			s.role("ops", "named-all", nil, rule("*", "*", "*", "x"))
			s.rb("ops", "named-all", nil, "Role", "named-all", user("carol"))
			s.cr("imp-carol", nil, rule("impersonate", "", "users", "carol"))
			s.crb("imp-carol", nil, "imp-carol", sa("ci", "builder"))
		}, nil},
		{"escalate and update a clusterrole bound to nobody it is", func(s *Snapshot) {
			s.cr("unbound", nil, rule("get", "", "configmaps"))
			s.cr("esc", nil, rule("escalate,update", rbacAPI, "clusterroles", "unbound"))
			s.crb("esc", nil, "esc", sa("ci", "builder"))
		}, nil},
		{"escalate and update a clusterrole bound to it", func(s *Snapshot) {
			s.cr("mine", nil, rule("get", "", "configmaps"))
			s.crb("mine", nil, "mine", sa("ci", "builder"))
			s.cr("esc", nil, rule("escalate,update", rbacAPI, "clusterroles", "mine"))
			s.crb("esc", nil, "esc", sa("ci", "builder"))
		}, []string{"ServiceAccount ci/builder can escalate and update clusterroles: adds */*/* to clusterrole/mine, which clusterrolebinding/mine binds to ServiceAccount ci/builder → full control"}},
		{"escalate and update a clusterrole bound only in one namespace", func(s *Snapshot) {
			s.cr("mine", nil, rule("get", "", "configmaps"))
			s.rb("app", "mine", nil, "ClusterRole", "mine", sa("ci", "builder"))
			s.cr("esc", nil, rule("escalate,update", rbacAPI, "clusterroles", "mine"))
			s.crb("esc", nil, "esc", sa("ci", "builder"))
		}, nil},
		{"nodes/proxy of named nodes", func(s *Snapshot) {
			s.cr("proxy-one", nil, rule("get", "", "nodes/proxy", "worker-1"))
			s.crb("proxy-one", nil, "proxy-one", user("dave"))
		}, nil},
		{"nodes/proxy of every node", func(s *Snapshot) {
			s.cr("proxy-all", nil, rule("get", "", "nodes/proxy"))
			s.crb("proxy-all", nil, "proxy-all", user("dave"))
		}, []string{"User dave can use nodes/proxy"}},
		{"bind a clusterrole that holds */*/* only for named objects", func(s *Snapshot) {
			s.cr("named-all", nil, rule("*", "*", "*", "x"))
			s.cr("binder", nil, rule("bind", rbacAPI, "clusterroles", "named-all"), rule("create", rbacAPI, "clusterrolebindings"))
			s.crb("binder", nil, "binder", user("erin"))
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkPathCase(t, powerful, c.change, c.want) })
	}
}

// TestNamedFullControlIsNotHeld: rbac subject must not say that a subject
// with a */*/* rule limited by resourceNames holds full control, and 5.1.1
// must not call it cluster-admin.
func TestNamedFullControlIsNotHeld(t *testing.T) {
	s := kubeadmSnapshot()
	s.cr("named-all", nil, rule("*", "*", "*", "x"))
	s.crb("named-all", nil, "named-all", user("carol"))
	m := Build(s)
	path, holds := m.PathToClusterAdmin(Subject{Kind: KindUser, Name: "carol"})
	if holds || path != nil {
		t.Errorf("carol: holds=%v path=%+v, want neither", holds, path)
	}
	r := resultOf(t, Evaluate(m, EvalOptions{}), "5.1.1")
	if strings.Contains(describeResult(r), "carol") {
		t.Errorf("5.1.1 calls a */*/* rule limited to the name x cluster-admin: %s", describeResult(r))
	}
	r = resultOf(t, Evaluate(m, EvalOptions{}), "5.1.3")
	if !strings.Contains(describeResult(r), "named-all") {
		t.Errorf("5.1.3 must still list the wildcard: %s", describeResult(r))
	}

	// In a namespace: dave may impersonate erin, whose Role in ops holds
	// */*/* for the name x only: no path to admin of ops.
	s.ns("ops")
	s.role("ops", "named-all", nil, rule("*", "*", "*", "x"))
	s.rb("ops", "named-all", nil, "Role", "named-all", user("erin"))
	s.cr("imp-erin", nil, rule("impersonate", "", "users", "erin"))
	s.crb("imp-erin", nil, "imp-erin", user("dave"))
	for _, p := range Build(s).PathsToNamespaceAdmin(Subject{Kind: KindUser, Name: "dave"}) {
		t.Errorf("dave: path to admin of namespace %s through a */*/* limited by resourceNames: %+v", p.Namespace, pathEvidence(p))
	}
}
