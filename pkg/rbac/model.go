package rbac

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubectl-harden/kubectl-harden/internal/snapshotdoc"
)

// Subject kinds, as RBAC spells them.
const (
	KindUser           = rbacv1.UserKind
	KindGroup          = rbacv1.GroupKind
	KindServiceAccount = rbacv1.ServiceAccountKind
)

// MastersGroup is the group the API server allows everything, before and
// without RBAC.
const MastersGroup = "system:masters"

const saUserPrefix = "system:serviceaccount:"

// Subject is an identity: a User, a Group or a ServiceAccount.
type Subject struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

// String renders "User alice", "Group devs", "ServiceAccount ns/name".
func (s Subject) String() string {
	if s.Kind == KindServiceAccount {
		return s.Kind + " " + s.Namespace + "/" + s.Name
	}
	return s.Kind + " " + s.Name
}

// Username is the name the API server authenticates the subject as
// (system:serviceaccount:ns:name for service accounts).
func (s Subject) Username() string {
	if s.Kind == KindServiceAccount {
		return saUserPrefix + s.Namespace + ":" + s.Name
	}
	return s.Name
}

// Normalize turns a User named system:serviceaccount:NS:NAME into the
// ServiceAccount it is: the authorizer matches both forms alike.
func (s Subject) Normalize() Subject {
	if s.Kind == KindUser && strings.HasPrefix(s.Name, saUserPrefix) {
		parts := strings.Split(strings.TrimPrefix(s.Name, saUserPrefix), ":")
		if len(parts) == 2 && parts[0] != "" && parts[1] != "" {
			return Subject{Kind: KindServiceAccount, Namespace: parts[0], Name: parts[1]}
		}
	}
	return s
}

// Groups are the groups RBAC can know the subject to be in. A user's
// groups come from its authenticator, which RBAC cannot see: users get
// system:authenticated only (system:anonymous gets system:unauthenticated).
// Service accounts get system:serviceaccounts, system:serviceaccounts:NS
// and system:authenticated. A group is in itself only.
func (s Subject) Groups() []string {
	switch s.Kind {
	case KindServiceAccount:
		return []string{"system:serviceaccounts", "system:serviceaccounts:" + s.Namespace, "system:authenticated"}
	case KindUser:
		if s.Name == "system:anonymous" {
			return []string{"system:unauthenticated"}
		}
		return []string{"system:authenticated"}
	}
	return nil
}

// key is the index key of a normalised subject.
func (s Subject) key() string {
	if s.Kind == KindServiceAccount {
		return "ServiceAccount:" + s.Namespace + ":" + s.Name
	}
	return s.Kind + ":" + s.Name
}

// ParseSubject reads "user/NAME", "group/NAME" or "serviceaccount/NS:NAME"
// (kinds case-insensitive; "sa" abbreviates serviceaccount). A user named
// system:serviceaccount:NS:NAME is returned as that service account.
func ParseSubject(s string) (Subject, error) {
	kind, name, ok := strings.Cut(s, "/")
	if !ok || name == "" {
		return Subject{}, fmt.Errorf("subject %q: want user/NAME, group/NAME or serviceaccount/NAMESPACE:NAME", s)
	}
	switch strings.ToLower(kind) {
	case "user", "u":
		return Subject{Kind: KindUser, Name: name}.Normalize(), nil
	case "group", "g":
		return Subject{Kind: KindGroup, Name: name}, nil
	case "serviceaccount", "serviceaccounts", "sa":
		ns, n, ok := strings.Cut(name, ":")
		if !ok || ns == "" || n == "" || strings.Contains(n, ":") {
			return Subject{}, fmt.Errorf("subject %q: service accounts are written serviceaccount/NAMESPACE:NAME", s)
		}
		return Subject{Kind: KindServiceAccount, Namespace: ns, Name: n}, nil
	}
	return Subject{}, fmt.Errorf("subject %q: unknown kind %q (want user, group or serviceaccount)", s, kind)
}

// ObjectRef names a role or binding.
type ObjectRef struct {
	// Kind is Role, ClusterRole, RoleBinding or ClusterRoleBinding.
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// String renders "clusterrolebinding/NAME" or "rolebinding/NAME -n NS", a
// form kubectl accepts; "<none>" for the binding-less system:masters grant.
func (r ObjectRef) String() string {
	if r.Kind == "" {
		return "<none>"
	}
	s := strings.ToLower(r.Kind) + "/" + r.Name
	if r.Namespace != "" {
		s += " -n " + r.Namespace
	}
	return s
}

// Grant is one reason a subject may do something: the binding, the
// subject it names, the role it references and the rule of that role.
type Grant struct {
	// Subject is the binding's subject that applies: the identity itself
	// or one of its groups.
	Subject Subject `json:"subject"`
	// Binding is the RoleBinding or ClusterRoleBinding; its Kind is
	// empty for the built-in system:masters grant, which needs no binding.
	Binding ObjectRef `json:"binding"`
	// Role is the Role or ClusterRole referenced.
	Role ObjectRef `json:"role"`
	// Rule is the rule that matched (for Permissions: every rule).
	Rule rbacv1.PolicyRule `json:"rule"`
	// Namespace is where the grant applies; "" means cluster-wide.
	Namespace string `json:"namespace,omitempty"`
	// Default is true when binding and subject are recognised bootstrap
	// defaults of Kubernetes, kubeadm or kind.
	Default bool `json:"default"`
	// Inert, on a RoleBinding's rule, lists the parts of the rule that can
	// never authorize a request (non-resource URLs, cluster-scoped
	// resources): RoleBindings only count for requests in their namespace.
	Inert []string `json:"inert,omitempty"`
	// InertAll is true when no part of the rule can ever authorize a
	// request through this binding.
	InertAll bool `json:"inertAll,omitempty"`
}

// Scope renders the grant's scope for humans.
func (g Grant) Scope() string {
	if g.Namespace == "" {
		return "cluster-wide"
	}
	return "namespace " + g.Namespace
}

// EffectiveRule is one rule a subject holds, with where and why: the
// answer of `rbac subject`.
type EffectiveRule = Grant

// mastersGrant is the grant system:masters has without any binding.
func mastersGrant() Grant {
	return Grant{
		Subject: Subject{Kind: KindGroup, Name: MastersGroup},
		Role:    ObjectRef{Kind: "ClusterRole", Name: "<built-in: system:masters bypasses RBAC>"},
		Rule:    rbacv1.PolicyRule{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}, NonResourceURLs: []string{"*"}},
		Default: true,
	}
}

// role is an indexed Role or ClusterRole.
type role struct {
	ref        ObjectRef
	rules      []rbacv1.PolicyRule
	def        bool
	aggregated bool
}

// bindingSubject is one subject of a binding, normalised.
type bindingSubject struct {
	s   Subject
	def bool // binding is default and subject a system identity
	ok  bool // the authorizer can ever match it
}

// binding is an indexed RoleBinding or ClusterRoleBinding.
type binding struct {
	ref      ObjectRef
	roleRef  ObjectRef
	role     *role // nil when the referenced role does not exist
	def      bool
	subjects []bindingSubject
}

// Model is the indexed, read-only view of a snapshot that answers
// authorization questions. Build it once; it is safe for concurrent reads.
type Model struct {
	snap     *Snapshot
	roles    map[ObjectRef]*role
	roleList []*role // snapshot order, for deterministic walks
	bindings []binding
	// bySubject maps a subject key to the bindings naming it.
	bySubject map[string][]int32
	// byRole maps a role to the bindings referencing it.
	byRole map[*role][]int32
	// clusterBindings and nsBindings index bindings by scope.
	clusterBindings []int32
	nsBindings      map[string][]int32
	sas             map[string]*ServiceAccount // "ns/name"
	namespaces      map[string]bool
	// scopes says which resources are namespaced (the snapshot's
	// discovery, else the built-in resources).
	scopes scopes
	// verdict is incomplete()'s answer, worked out once.
	verdict snapshotdoc.Verdict
}

// Snapshot returns the snapshot the model was built from.
func (m *Model) Snapshot() *Snapshot { return m.snap }

// Build indexes a snapshot. It reads the snapshot and never changes it.
func Build(s *Snapshot) *Model {
	m := &Model{
		snap:       s,
		roles:      make(map[ObjectRef]*role, len(s.Roles)+len(s.ClusterRoles)),
		bindings:   make([]binding, 0, len(s.RoleBindings)+len(s.ClusterRoleBindings)),
		bySubject:  map[string][]int32{},
		byRole:     map[*role][]int32{},
		nsBindings: map[string][]int32{},
		sas:        make(map[string]*ServiceAccount, len(s.ServiceAccounts)),
		namespaces: make(map[string]bool, len(s.Namespaces)),
		scopes:     newScopes(s.Discovery),
	}
	for i := range s.ClusterRoles {
		r := &s.ClusterRoles[i]
		ref := ObjectRef{Kind: "ClusterRole", Name: r.Name}
		m.roles[ref] = &role{ref: ref, rules: r.Rules, def: isDefaultObject("", r.Name, r.Labels), aggregated: r.AggregationRule != nil}
		m.roleList = append(m.roleList, m.roles[ref])
	}
	for i := range s.Roles {
		r := &s.Roles[i]
		ref := ObjectRef{Kind: "Role", Namespace: r.Namespace, Name: r.Name}
		m.roles[ref] = &role{ref: ref, rules: r.Rules, def: isDefaultObject(r.Namespace, r.Name, r.Labels)}
		m.roleList = append(m.roleList, m.roles[ref])
	}
	for i := range s.ServiceAccounts {
		sa := &s.ServiceAccounts[i]
		m.sas[sa.Namespace+"/"+sa.Name] = sa
	}
	for _, ns := range s.Namespaces {
		m.namespaces[ns] = true
	}
	for i := range s.ClusterRoleBindings {
		b := &s.ClusterRoleBindings[i]
		m.addBinding(ObjectRef{Kind: "ClusterRoleBinding", Name: b.Name}, b.Labels, b.RoleRef, b.Subjects)
	}
	for i := range s.RoleBindings {
		b := &s.RoleBindings[i]
		m.addBinding(ObjectRef{Kind: "RoleBinding", Namespace: b.Namespace, Name: b.Name}, b.Labels, b.RoleRef, b.Subjects)
	}
	return m
}

func (m *Model) addBinding(ref ObjectRef, labels map[string]string, rr rbacv1.RoleRef, subjects []rbacv1.Subject) {
	b := binding{ref: ref, def: isDefaultObject(ref.Namespace, ref.Name, labels)}
	// A RoleBinding may reference a ClusterRole: its rules then apply in
	// the binding's namespace only (scope comes from the binding).
	switch rr.Kind {
	case "ClusterRole":
		b.roleRef = ObjectRef{Kind: "ClusterRole", Name: rr.Name}
	case "Role":
		// A ClusterRoleBinding cannot reference a Role; the API rejects
		// it, and the authorizer would find no rules.
		b.roleRef = ObjectRef{Kind: "Role", Namespace: ref.Namespace, Name: rr.Name}
	default:
		b.roleRef = ObjectRef{Kind: rr.Kind, Namespace: ref.Namespace, Name: rr.Name}
	}
	if ref.Namespace != "" || b.roleRef.Kind == "ClusterRole" {
		b.role = m.roles[b.roleRef]
	}
	idx := int32(len(m.bindings))
	seen := map[string]bool{}
	for _, s := range subjects {
		bs := bindingSubject{s: Subject{Kind: s.Kind, Name: s.Name, Namespace: s.Namespace}}
		switch s.Kind {
		case KindUser:
			bs.s.Namespace = ""
			bs.s = bs.s.Normalize()
			bs.ok = s.Name != ""
		case KindGroup:
			bs.s.Namespace = ""
			bs.ok = s.Name != ""
		case KindServiceAccount:
			// Upstream defaults an empty SA namespace to the binding's
			// namespace; in a ClusterRoleBinding it then matches nobody.
			if bs.s.Namespace == "" {
				bs.s.Namespace = ref.Namespace
			}
			bs.ok = bs.s.Namespace != "" && s.Name != ""
		}
		bs.def = b.def && isSystemSubject(bs.s)
		b.subjects = append(b.subjects, bs)
		if bs.ok && !seen[bs.s.key()] {
			seen[bs.s.key()] = true
			m.bySubject[bs.s.key()] = append(m.bySubject[bs.s.key()], idx)
		}
	}
	m.bindings = append(m.bindings, b)
	if b.role != nil {
		m.byRole[b.role] = append(m.byRole[b.role], idx)
	}
	if ref.Namespace == "" {
		m.clusterBindings = append(m.clusterBindings, idx)
	} else {
		m.nsBindings[ref.Namespace] = append(m.nsBindings[ref.Namespace], idx)
	}
}

// bindingScope is the namespace a binding's grants apply in ("" = all).
func (b *binding) scope() string { return b.ref.Namespace }

// identities returns the keys RBAC matches for a subject: itself and the
// groups it is known to be in.
func identities(s Subject) []Subject {
	out := []Subject{s}
	for _, g := range s.Groups() {
		out = append(out, Subject{Kind: KindGroup, Name: g})
	}
	return out
}

// isMasters reports whether the subject is (known to be in) system:masters.
func isMasters(s Subject) bool { return s.Kind == KindGroup && s.Name == MastersGroup }

// applies reports whether a binding's grants count for a request in ns.
// ClusterRoleBindings always count; RoleBindings only in their namespace.
func (b *binding) applies(ns string) bool {
	return b.ref.Namespace == "" || (ns != "" && b.ref.Namespace == ns)
}

// Allowed answers whether the subject may make the request, like the RBAC
// authorizer (plus the system:masters short-cut of the API server), and
// returns every grant that allows it. The request is first scoped as the
// API server scopes it (Request). For users only direct bindings and
// system:authenticated count, since RBAC cannot know their other groups.
func (m *Model) Allowed(subject Subject, a Attributes) (bool, []Grant) {
	subject = subject.Normalize()
	a, _ = m.Request(a)
	if isMasters(subject) {
		return true, []Grant{mastersGrant()}
	}
	var out []Grant
	for _, id := range identities(subject) {
		for _, bi := range m.bySubject[id.key()] {
			b := &m.bindings[bi]
			if b.role == nil || !b.applies(a.Namespace) {
				continue
			}
			for ri := range b.role.rules {
				if RuleAllows(a, &b.role.rules[ri]) {
					out = append(out, m.grant(b, id, ri))
				}
			}
		}
	}
	return len(out) > 0, out
}

func (m *Model) grant(b *binding, s Subject, ri int) Grant {
	def := false
	for _, bs := range b.subjects {
		if bs.s == s {
			def = bs.def
			break
		}
	}
	return Grant{Subject: s, Binding: b.ref, Role: b.role.ref, Rule: b.role.rules[ri], Namespace: b.scope(), Default: def}
}

// WhoCan returns every subject that may make the request, each with the
// binding, role and rule that allow it; groups are returned as groups.
// The request is first scoped as the API server scopes it (Request): a
// cluster-scoped resource is asked about cluster-wide whatever namespace a
// carries. Namespace "" asks about cluster-wide access (ClusterRoleBindings
// only, like `kubectl auth can-i -A`). The built-in system:masters grant
// comes first. Results are ordered by subject, then binding.
func (m *Model) WhoCan(a Attributes) []Grant {
	a, _ = m.Request(a)
	out := []Grant{mastersGrant()}
	out = m.appendGrants(out, m.clusterBindings, a)
	if a.Namespace != "" {
		out = m.appendGrants(out, m.nsBindings[a.Namespace], a)
	}
	sortGrants(out[1:])
	return out
}

// appendGrants appends the grants of the bindings idx that allow a.
func (m *Model) appendGrants(out []Grant, idx []int32, a Attributes) []Grant {
	for _, bi := range idx {
		b := &m.bindings[bi]
		if b.role == nil {
			continue
		}
		for ri := range b.role.rules {
			if !RuleAllows(a, &b.role.rules[ri]) {
				continue
			}
			for _, bs := range b.subjects {
				if bs.ok {
					out = append(out, Grant{Subject: bs.s, Binding: b.ref, Role: b.role.ref, Rule: b.role.rules[ri], Namespace: b.scope(), Default: bs.def})
				}
			}
		}
	}
	return out
}

// WhoCanInAnyNamespace returns every subject that may make the request in
// at least one namespace: system:masters, the cluster-wide grants, then,
// namespace by namespace, the RoleBinding grants that allow the request in
// their own namespace (Grant.Namespace says which). The request's own
// namespace is ignored. Requests no RoleBinding can authorize (cluster-scoped
// resources as discovery reports them, non-resource URLs) get the
// cluster-wide answer only; a request on one Namespace object (get, update,
// patch, delete of namespaces/NAME) is authorized in that namespace, so
// the RoleBindings of namespace N count for namespace N itself.
func (m *Model) WhoCanInAnyNamespace(a Attributes) []Grant {
	a.Namespace = ""
	if isNamespaceObject(a) {
		if a.Name != "" {
			a.Namespace = a.Name
			return m.WhoCan(a)
		}
		out := m.WhoCan(a)
		for _, ns := range slices.Sorted(maps.Keys(m.nsBindings)) {
			b := a
			b.Namespace, b.Name = ns, ns
			start := len(out)
			out = m.appendGrants(out, m.nsBindings[ns], b)
			sortGrants(out[start:])
		}
		return out
	}
	a, _ = m.Request(a)
	out := m.WhoCan(a)
	if !m.roleBindingCan(a) {
		return out
	}
	for _, ns := range slices.Sorted(maps.Keys(m.nsBindings)) {
		a.Namespace = ns
		start := len(out)
		out = m.appendGrants(out, m.nsBindings[ns], a)
		sortGrants(out[start:])
	}
	return out
}

// Permissions lists every rule the subject holds, cluster-wide and per
// namespace, through its own bindings and those of its known groups.
func (m *Model) Permissions(subject Subject) []EffectiveRule {
	subject = subject.Normalize()
	var out []EffectiveRule
	if isMasters(subject) {
		out = append(out, mastersGrant())
	}
	for _, id := range identities(subject) {
		for _, bi := range m.bySubject[id.key()] {
			b := &m.bindings[bi]
			if b.role == nil {
				continue
			}
			for ri := range b.role.rules {
				g := m.grant(b, id, ri)
				if b.ref.Namespace != "" {
					g.Inert, g.InertAll = m.inertParts(&b.role.rules[ri])
				}
				out = append(out, g)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Binding.String() < out[j].Binding.String()
	})
	return out
}

// grantsAnywhere returns every grant, in any scope, whose rule matches one
// of the requests ignoring its namespace and resource names (risk controls
// want "somewhere, for some object"). A RoleBinding's grant counts only
// for requests it can authorize (see roleBindingCan). It walks the
// roles once, then only the bindings of matching roles, and returns each
// (binding, subject, rule) once, in snapshot order.
func (m *Model) grantsAnywhere(as ...Attributes) []Grant {
	refs := m.grantRefs(as...)
	out := make([]Grant, len(refs))
	for i, g := range refs {
		out[i] = m.grantOf(g)
	}
	return out
}

// gref is a compact grant: binding, subject within it, rule within its
// role. The path search handles hundreds of thousands of them. Rule -1
// stands for the binding itself ("role R is bound to the subject"),
// whatever rules R has.
type gref struct {
	b, s, r int32
}

// grantOf expands a compact grant (with an empty rule for rule -1).
func (m *Model) grantOf(g gref) Grant {
	b := &m.bindings[g.b]
	bs := &b.subjects[g.s]
	gr := Grant{Subject: bs.s, Binding: b.ref, Role: b.role.ref, Namespace: b.scope(), Default: bs.def}
	if g.r >= 0 {
		gr.Rule = b.role.rules[g.r]
	}
	return gr
}

// grantRefs is grantsAnywhere in compact form.
func (m *Model) grantRefs(as ...Attributes) []gref {
	var out []gref
	for _, r := range m.roleList {
		idx := m.byRole[r]
		if len(idx) == 0 {
			continue
		}
		for ri := range r.rules {
			inNS, cluster := false, false
			for _, a := range as {
				if ruleAllowsAnyName(a, &r.rules[ri]) {
					cluster = true
					if m.roleBindingCan(a) {
						inNS = true
					}
				}
			}
			if !cluster {
				continue
			}
			for _, bi := range idx {
				b := &m.bindings[bi]
				if b.ref.Namespace != "" && !inNS {
					continue
				}
				for si := range b.subjects {
					if b.subjects[si].ok {
						out = append(out, gref{b: bi, s: int32(si), r: int32(ri)})
					}
				}
			}
		}
	}
	return out
}

// sortGrants orders grants by subject, binding, role and rule. Keys are
// computed once: sorting tens of thousands of grants must stay cheap.
func sortGrants(gs []Grant) {
	keys := make([]string, len(gs))
	perm := make([]int, len(gs))
	for i := range gs {
		g := &gs[i]
		keys[i] = g.Subject.Kind + "\x00" + g.Subject.Namespace + "\x00" + g.Subject.Name + "\x00" + g.Binding.String() + "\x00" + g.Role.String()
		perm[i] = i
	}
	sort.SliceStable(perm, func(i, j int) bool { return keys[perm[i]] < keys[perm[j]] })
	sorted := make([]Grant, len(gs))
	for i, p := range perm {
		sorted[i] = gs[p]
	}
	copy(gs, sorted)
}

// serviceAccount returns the snapshot's service account, or nil.
func (m *Model) serviceAccount(ns, name string) *ServiceAccount { return m.sas[ns+"/"+name] }
