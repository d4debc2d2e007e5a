package rbac

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// Paths to full control. The graph's nodes are identities (binding
// subjects and service accounts); an edge P → T means "P can become T":
//
//   - T is a ServiceAccount in namespace N and P can, in N (or
//     cluster-wide): create pods or workload controllers (run a pod as T
//     and read its token); get/list/watch a legacy token Secret of T;
//     create serviceaccounts/token for T; impersonate T; exec into a pod
//     that runs as T and mounts its token; or take over N (below) and
//     then run a pod as T.
//   - T is a User and P can impersonate users (that name); T is a Group
//     and P can impersonate groups (that name) and users (any name: the
//     API server needs a user to impersonate groups with).
//
// A node has full control when it holds a */*/* rule (without
// resourceNames) cluster-wide, is system:masters, or can take full control
// in one step: escalate+update a clusterrole that a ClusterRoleBinding
// binds to it (resourceNames of both rules must allow that clusterrole),
// bind a clusterrole holding */*/* + create clusterrolebindings,
// impersonate system:masters, any verb on nodes/proxy of every node (the
// kubelet API: exec into control-plane pods; a rule limited to named nodes
// is not a step, since which pods run there is not known), or create+approve
// a CSR for a client certificate (O=system:masters).
//
// A node is admin of namespace N when it holds a */*/* rule there (a
// RoleBinding in N to cluster-admin, say), or can take N over in one step:
// bind a role holding */*/* (a ClusterRole such as cluster-admin, or a Role
// of N; resourceNames of the bind rule must name it) and create
// rolebindings in N; or escalate and update (or patch) a Role of N that a
// RoleBinding in N already binds to it. These are the checks the API server
// makes: bind is authorized in the namespace of the new RoleBinding with
// the role's name, escalate and update in the Role's namespace with its
// name, and create never with resourceNames.
//
// A capability of several parts counts when the identity holds every part
// through its own grants or those of the groups it is known to be in
// (Subject.Groups). When one group holds all parts alone, that group has
// the path and its members are not listed again.
//
// A reverse breadth-first search from the nodes holding the goal gives
// every node its shortest chain in O(nodes + edges), with capability grants
// computed once, not per node. Known gaps, documented rather than guessed:
// a takeover that first creates a Role (escalate + create roles + create
// rolebindings) and the powers of a bound non-*/*/* role (admin, edit) are
// not steps of their own; their pod-create and token grants are.

const pathsShown = 50

// Techniques name each kind of path step, for programs reading -o json.
const (
	// TechniqueHolds is the last step of a chain: the identity holds the
	// goal (*/*/* cluster-wide or in the namespace, or system:masters).
	TechniqueHolds = "holds"
	// TechniquePodCreate creates a pod (or a workload) running as the next identity.
	TechniquePodCreate = "pod-create"
	// TechniqueLegacyToken reads a legacy token Secret of the next identity.
	TechniqueLegacyToken = "legacy-token"
	// TechniqueTokenCreate creates a token (serviceaccounts/token) of the next identity.
	TechniqueTokenCreate = "token-create"
	// TechniqueImpersonate impersonates the next identity (a user or a service account).
	TechniqueImpersonate = "impersonate"
	// TechniqueImpersonateGroup impersonates a user (any name) in the next identity, a group.
	TechniqueImpersonateGroup = "impersonate-group"
	// TechniquePodExec execs into a pod that mounts the next identity's token.
	TechniquePodExec = "pod-exec"
	// TechniqueBindRole creates a RoleBinding in Namespace to Role, which
	// holds */*/*: admin of the namespace (then, when To is set, a pod
	// runs as To).
	TechniqueBindRole = "bind-role"
	// TechniqueEscalateRole adds */*/* to Role, already bound to the
	// identity in Namespace: admin of the namespace (then, when To is
	// set, a pod runs as To).
	TechniqueEscalateRole = "escalate-role"
	// TechniqueEscalateClusterRoles adds */*/* to a clusterrole bound to the identity.
	TechniqueEscalateClusterRoles = "escalate-clusterroles"
	// TechniqueBindClusterAdmin creates a ClusterRoleBinding to cluster-admin.
	TechniqueBindClusterAdmin = "bind-cluster-admin"
	// TechniqueImpersonateMasters impersonates a user in group system:masters.
	TechniqueImpersonateMasters = "impersonate-masters"
	// TechniqueNodesProxy runs commands in control-plane pods through the kubelet API.
	TechniqueNodesProxy = "nodes-proxy"
	// TechniqueCSR creates and approves a client certificate in system:masters.
	TechniqueCSR = "csr-approve"
)

type step struct {
	next      string // next node key, "" when this node holds the goal
	how       string
	technique string
	grants    []Grant // every grant the step needs, one per part
	namespace string  // the namespace a takeover step takes
	role      *ObjectRef
}

// capability is the compact grants of one capability, indexed by scope.
type capability struct {
	m       *Model
	byScope map[string][]gref
}

func (m *Model) newCapability(gs []gref, noNames bool) capability {
	c := capability{m: m, byScope: map[string][]gref{}}
	for _, g := range gs {
		if noNames && len(m.ruleOf(g).ResourceNames) > 0 {
			continue // create and list are never authorized by resourceNames
		}
		ns := m.bindings[g.b].ref.Namespace
		c.byScope[ns] = append(c.byScope[ns], g)
	}
	return c
}

func (m *Model) ruleOf(g gref) *rbacv1.PolicyRule { return &m.bindings[g.b].role.rules[g.r] }

func (m *Model) subjectOf(g gref) *bindingSubject { return &m.bindings[g.b].subjects[g.s] }

// in returns the grants that apply in namespace ns (cluster-wide first)
// and, when name is not empty, allow that object name.
func (c capability) in(ns, name string) []gref {
	var out []gref
	for _, scope := range []string{"", ns} {
		for _, g := range c.byScope[scope] {
			rn := c.m.ruleOf(g).ResourceNames
			if name == "" || len(rn) == 0 || has(rn, name) {
				out = append(out, g)
			}
		}
		if ns == "" {
			break
		}
	}
	return out
}

// holder is an identity that holds every part of a capability, with the
// grant chosen for each part.
type holder struct {
	s  Subject
	gs []gref
}

// pathGraph is what every search needs: the identities, the group
// memberships RBAC can know, and the capability grants, computed once.
type pathGraph struct {
	m       *Model
	members map[string][]Subject // group name → known users and service accounts in it

	podCreate, secretRead, tokenCreate, impSA, podExec, impUsers, impGroups capability
	bindCR, bindR, createRB, escalateR, updateR, full                       capability

	fullCR     []*role            // ClusterRoles with a */*/* rule, cluster-admin first
	fullR      map[string][]*role // namespace → its Roles with a */*/* rule
	boundRoles map[string][]*role // namespace → its Roles some RoleBinding binds

	tokensBySA, podsBySA map[string][]string
	takeoverCache        map[string][]takeover
}

// takeover is a one-step way for an identity to become admin of a namespace.
type takeover struct {
	holder
	technique, how string
	role           ObjectRef
}

func (m *Model) newPathGraph() *pathGraph {
	g := &pathGraph{m: m, members: map[string][]Subject{}, fullR: map[string][]*role{}, boundRoles: map[string][]*role{},
		tokensBySA: map[string][]string{}, podsBySA: map[string][]string{}, takeoverCache: map[string][]takeover{}}
	for _, s := range m.knownSubjects() {
		for _, grp := range s.Groups() {
			g.members[grp] = append(g.members[grp], s)
		}
	}
	workloads := []Attributes{{Verb: "create", Resource: "pods"}, {Verb: "create", Resource: "replicationcontrollers"}}
	for _, r := range []string{"deployments", "replicasets", "statefulsets", "daemonsets"} {
		workloads = append(workloads, Attributes{Verb: "create", APIGroup: "apps", Resource: r})
	}
	for _, r := range []string{"jobs", "cronjobs"} {
		workloads = append(workloads, Attributes{Verb: "create", APIGroup: "batch", Resource: r})
	}
	rbacGroup := rbacv1.GroupName
	g.podCreate = m.newCapability(m.grantRefs(workloads...), true)
	g.secretRead = m.newCapability(m.grantRefs(verbs([]string{"get", "list", "watch"}, "", "secrets", "")...), false)
	g.tokenCreate = m.newCapability(m.grantRefs(Attributes{Verb: "create", Resource: "serviceaccounts", Subresource: "token"}), false)
	g.impSA = m.newCapability(m.grantRefs(Attributes{Verb: "impersonate", Resource: "serviceaccounts"}), false)
	g.podExec = m.newCapability(m.grantRefs(verbs([]string{"create", "get"}, "", "pods", "exec")...), false)
	g.impUsers = m.newCapability(m.grantRefs(Attributes{Verb: "impersonate", Resource: "users"}), false)
	g.impGroups = m.newCapability(m.grantRefs(Attributes{Verb: "impersonate", Resource: "groups"}), false)
	g.bindCR = m.newCapability(m.grantRefs(Attributes{Verb: "bind", APIGroup: rbacGroup, Resource: "clusterroles"}), false)
	g.bindR = m.newCapability(m.grantRefs(Attributes{Verb: "bind", APIGroup: rbacGroup, Resource: "roles"}), false)
	g.createRB = m.newCapability(m.grantRefs(Attributes{Verb: "create", APIGroup: rbacGroup, Resource: "rolebindings"}), true)
	g.escalateR = m.newCapability(m.grantRefs(Attributes{Verb: "escalate", APIGroup: rbacGroup, Resource: "roles"}), false)
	g.updateR = m.newCapability(m.grantRefs(verbs([]string{"update", "patch"}, rbacGroup, "roles", "")...), false)
	// Full control is held only through a */*/* rule without
	// resourceNames: one limited to names allows every verb on objects of
	// those names only.
	g.full = m.newCapability(m.grantRefs(fullControl), true)

	for _, r := range m.roleList {
		holdsAll := false
		for i := range r.rules {
			holdsAll = holdsAll || RuleAllows(fullControl, &r.rules[i])
		}
		switch {
		case r.ref.Kind == "ClusterRole" && holdsAll:
			if r.ref.Name == "cluster-admin" {
				g.fullCR = append([]*role{r}, g.fullCR...)
			} else {
				g.fullCR = append(g.fullCR, r)
			}
		case r.ref.Kind == "Role" && holdsAll:
			g.fullR[r.ref.Namespace] = append(g.fullR[r.ref.Namespace], r)
		}
		if r.ref.Kind == "Role" && len(m.byRole[r]) > 0 {
			g.boundRoles[r.ref.Namespace] = append(g.boundRoles[r.ref.Namespace], r)
		}
	}
	for _, t := range m.snap.TokenSecrets {
		if t.Invalid == "" {
			g.tokensBySA[t.Namespace+"/"+t.ServiceAccount] = append(g.tokensBySA[t.Namespace+"/"+t.ServiceAccount], t.Name)
		}
	}
	for _, pod := range m.snap.Pods {
		if pod.MountsToken {
			g.podsBySA[pod.Namespace+"/"+pod.ServiceAccountName] = append(g.podsBySA[pod.Namespace+"/"+pod.ServiceAccountName], pod.Name)
		}
	}
	return g
}

// combine returns every identity that holds each part, through its own
// grants or those of its groups, with one grant per part (non-default
// grants first, then the identity's own before its groups'). A user or
// service account one of whose groups holds all parts alone is left out:
// that group is a holder itself, with the path.
func (g *pathGraph) combine(parts ...[]gref) []holder {
	idx := make([]map[string][]gref, len(parts))
	for i, part := range parts {
		if len(part) == 0 {
			return nil
		}
		idx[i] = map[string][]gref{}
		for _, r := range part {
			k := g.m.subjectOf(r).s.key()
			idx[i][k] = append(idx[i][k], r)
		}
	}
	var set subjectSet
	for _, r := range parts[0] {
		s := g.m.subjectOf(r).s
		set.add(s)
		if s.Kind == KindGroup {
			for _, mb := range g.members[s.Name] {
				set.add(mb)
			}
		}
	}
	cands := set.list
	sort.Slice(cands, func(i, j int) bool { return cands[i].key() < cands[j].key() })
	var out []holder
	for _, s := range cands {
		ids := identities(s)
		if s.Kind != KindGroup && g.groupHoldsAll(ids[1:], idx) {
			continue
		}
		h := holder{s: s, gs: make([]gref, len(parts))}
		ok := true
		for i := range parts {
			if h.gs[i], ok = g.pick(ids, idx[i]); !ok {
				break
			}
		}
		if ok {
			out = append(out, h)
		}
	}
	return out
}

// groupHoldsAll reports whether one of the groups holds every part alone.
func (g *pathGraph) groupHoldsAll(groups []Subject, idx []map[string][]gref) bool {
	for _, grp := range groups {
		all := true
		for i := range idx {
			all = all && len(idx[i][grp.key()]) > 0
		}
		if all {
			return true
		}
	}
	return false
}

// pick chooses the grant of one part for an identity.
func (g *pathGraph) pick(ids []Subject, idx map[string][]gref) (gref, bool) {
	var def *gref
	for _, id := range ids {
		for _, r := range idx[id.key()] {
			if !g.m.subjectOf(r).def {
				return r, true
			}
			if def == nil {
				r := r
				def = &r
			}
		}
	}
	if def != nil {
		return *def, true
	}
	return gref{}, false
}

func (g *pathGraph) grants(rs []gref) []Grant {
	out := make([]Grant, len(rs))
	for i, r := range rs {
		out[i] = g.m.grantOf(r)
	}
	return out
}

// takeovers returns the one-step takeovers of namespace ns, each identity
// once (the first technique that works for it).
func (g *pathGraph) takeovers(ns string) []takeover {
	if t, ok := g.takeoverCache[ns]; ok {
		return t
	}
	var out []takeover
	var seen subjectSet
	add := func(hs []holder, technique, how string, r *role) {
		for _, h := range hs {
			if seen.add(h.s) {
				out = append(out, takeover{holder: h, technique: technique, how: how, role: r.ref})
			}
		}
	}
	if create := g.createRB.in(ns, ""); len(create) > 0 {
		for _, r := range g.fullCR {
			add(g.combine(g.bindCR.in(ns, r.ref.Name), create), TechniqueBindRole,
				fmt.Sprintf("can bind clusterrole/%s and create rolebindings in namespace %s: binds it to itself there", r.ref.Name, ns), r)
		}
		for _, r := range g.fullR[ns] {
			add(g.combine(g.bindR.in(ns, r.ref.Name), create), TechniqueBindRole,
				fmt.Sprintf("can bind role/%s and create rolebindings in namespace %s: binds it to itself there", r.ref.Name, ns), r)
		}
	}
	for _, r := range g.boundRoles[ns] {
		var bound []gref
		for _, bi := range g.m.byRole[r] {
			for si, bs := range g.m.bindings[bi].subjects {
				if bs.ok {
					bound = append(bound, gref{b: bi, s: int32(si), r: -1})
				}
			}
		}
		add(g.combine(g.escalateR.in(ns, r.ref.Name), g.updateR.in(ns, r.ref.Name), bound), TechniqueEscalateRole,
			fmt.Sprintf("can escalate and update role/%s -n %s, which is bound to it: adds */*/* to it", r.ref.Name, ns), r)
	}
	g.takeoverCache[ns] = out
	return out
}

// pathFinder holds the search state.
type pathFinder struct {
	g     *pathGraph
	dist  map[string]int
	steps map[string]step
	subj  map[string]Subject
	queue []string
}

func (p *pathFinder) reach(from Subject, st step, d int) {
	k := from.key()
	if _, ok := p.dist[k]; ok {
		return
	}
	p.dist[k] = d
	p.steps[k] = st
	p.subj[k] = from
	p.queue = append(p.queue, k)
}

// reachMembers gives the grant subject and, for a group, its known
// members the goal at distance 0.
func (p *pathFinder) reachMembers(rs []gref, how string) {
	for _, def := range []bool{false, true} {
		for _, r := range rs {
			bs := p.g.m.subjectOf(r)
			if bs.def != def {
				continue
			}
			gr := p.g.m.grantOf(r)
			p.reach(bs.s, step{how: how, technique: TechniqueHolds, grants: []Grant{gr}}, 0)
			if bs.s.Kind == KindGroup {
				for _, mb := range p.g.members[bs.s.Name] {
					p.reach(mb, step{how: how + " through group " + bs.s.Name, technique: TechniqueHolds, grants: []Grant{gr}}, 0)
				}
			}
		}
	}
}

// findPaths runs the search for full control and returns the state.
func (m *Model) findPaths() *pathFinder {
	g := m.newPathGraph()
	p := &pathFinder{g: g, dist: map[string]int{}, steps: map[string]step{}, subj: map[string]Subject{}}

	// Full control, held directly, or as a member of a full-control group
	// (service accounts, and users for system:authenticated).
	p.reach(Subject{Kind: KindGroup, Name: MastersGroup}, step{how: "bypasses RBAC (system:masters)", technique: TechniqueHolds, grants: []Grant{mastersGrant()}}, 0)
	p.reachMembers(g.full.byScope[""], "holds */*/* cluster-wide")

	// One step to full control.
	rbacGroup := rbacv1.GroupName
	cert := "certificates.k8s.io"
	capOf := func(as ...Attributes) capability { return m.newCapability(m.grantRefs(as...), false) }
	createOf := func(as ...Attributes) capability { return m.newCapability(m.grantRefs(as...), true) }
	csrSigner := capOf(Attributes{Verb: "approve", APIGroup: cert, Resource: "signers"})
	oneSteps := []struct {
		technique, how string
		parts          [][]gref
	}{
		{TechniqueImpersonateMasters, "can impersonate group system:masters", [][]gref{
			g.impGroups.in("", MastersGroup),
			g.impUsers.in("", ""),
		}},
		{TechniqueNodesProxy, "can use nodes/proxy: the kubelet API runs commands in any pod of a node, control plane included", [][]gref{
			createOf(verbs(allVerbs, "", "nodes", "proxy")...).in("", ""),
		}},
		{TechniqueCSR, "can create and approve a CSR for a client certificate in group system:masters", [][]gref{
			createOf(Attributes{Verb: "create", APIGroup: cert, Resource: "certificatesigningrequests"}).in("", ""),
			capOf(Attributes{Verb: "update", APIGroup: cert, Resource: "certificatesigningrequests", Subresource: "approval"}).in("", ""),
			append(csrSigner.in("", "kubernetes.io/kube-apiserver-client"), csrSigner.in("", "kubernetes.io/*")...),
		}},
	}
	createCRB := createOf(Attributes{Verb: "create", APIGroup: rbacGroup, Resource: "clusterrolebindings"}).in("", "")
	for _, r := range g.fullCR {
		oneSteps = append(oneSteps, struct {
			technique, how string
			parts          [][]gref
		}{TechniqueBindClusterAdmin, fmt.Sprintf("can bind clusterrole/%s and create clusterrolebindings", r.ref.Name), [][]gref{g.bindCR.in("", r.ref.Name), createCRB}})
	}
	for _, os := range oneSteps {
		for _, h := range g.combine(os.parts...) {
			p.reach(h.s, step{how: os.how, technique: os.technique, grants: g.grants(h.gs)}, 1)
		}
	}
	p.escalateClusterRoles(capOf(Attributes{Verb: "escalate", APIGroup: rbacGroup, Resource: "clusterroles"}),
		capOf(verbs([]string{"update", "patch"}, rbacGroup, "clusterroles", "")...))
	p.search(nil)
	return p
}

// escalateClusterRoles gives distance 1 to every identity that can escalate
// and update (or patch) a ClusterRole that a ClusterRoleBinding binds to it
// or to one of its groups: adding */*/* to that role is full control. Both
// grants must allow the role's name (resourceNames), and the escalate check
// of the API server is made for that name. A group other than
// system:unauthenticated stands for authenticated users, so a role bound to
// system:authenticated counts for it.
func (p *pathFinder) escalateClusterRoles(escalate, update capability) {
	g, m := p.g, p.g.m
	if len(escalate.byScope[""]) == 0 || len(update.byScope[""]) == 0 {
		return
	}
	for _, r := range m.roleList {
		if r.ref.Kind != "ClusterRole" {
			continue
		}
		bound := map[string]gref{}
		for _, bi := range m.byRole[r] {
			if m.bindings[bi].ref.Namespace != "" {
				continue // a RoleBinding gives the role's rules in one namespace only
			}
			for si, bs := range m.bindings[bi].subjects {
				if _, dup := bound[bs.s.key()]; bs.ok && !dup {
					bound[bs.s.key()] = gref{b: bi, s: int32(si), r: -1}
				}
			}
		}
		if len(bound) == 0 {
			continue
		}
		esc, upd := escalate.in("", r.ref.Name), update.in("", r.ref.Name)
		if len(esc) == 0 || len(upd) == 0 {
			continue
		}
		authenticated := Subject{Kind: KindGroup, Name: "system:authenticated"}
		for _, h := range g.combine(esc, upd) {
			ids := identities(h.s)
			if h.s.Kind == KindGroup && h.s.Name != "system:unauthenticated" {
				ids = append(ids, authenticated)
			}
			for _, id := range ids {
				b, ok := bound[id.key()]
				if !ok {
					continue
				}
				p.reach(h.s, step{how: fmt.Sprintf("can escalate and update clusterroles: adds */*/* to clusterrole/%s, which clusterrolebinding/%s binds to %s", r.ref.Name, m.bindings[b.b].ref.Name, m.subjectOf(b).s),
					technique: TechniqueEscalateClusterRoles, grants: g.grants(append(h.gs, b))}, 1)
				break
			}
		}
	}
}

// findNamespacePaths runs the search for admin of namespace ns, until
// one of the keys in stop is reached (nil: the whole graph).
func (g *pathGraph) findNamespacePaths(ns string, stop map[string]bool) *pathFinder {
	p := &pathFinder{g: g, dist: map[string]int{}, steps: map[string]step{}, subj: map[string]Subject{}}
	p.reachMembers(g.full.byScope[ns], "holds */*/* in namespace "+ns)
	for _, t := range g.takeovers(ns) {
		r := t.role
		p.reach(t.s, step{how: t.how, technique: t.technique, grants: g.grants(t.gs), namespace: ns, role: &r}, 1)
	}
	p.search(stop)
	return p
}

// search walks the "can become" edges backwards from the queue. With stop,
// it ends once every node that could still be reached is farther than the
// nearest key of stop.
func (p *pathFinder) search(stop map[string]bool) {
	g, m := p.g, p.g.m
	found := -1
	for i := 0; i < len(p.queue); i++ {
		tk := p.queue[i]
		t := p.subj[tk]
		d := p.dist[tk] + 1
		if stop != nil {
			for k := range stop {
				if dk, ok := p.dist[k]; ok && (found < 0 || dk < found) {
					found = dk
				}
			}
			if found >= 0 && d > found {
				return
			}
		}
		via := func(gs []gref, technique, how string) {
			for _, def := range []bool{false, true} { // non-default grants first
				for _, r := range gs {
					bs := m.subjectOf(r)
					if bs.def != def || bs.s.key() == tk {
						continue
					}
					p.reach(bs.s, step{next: tk, how: how, technique: technique, grants: []Grant{m.grantOf(r)}}, d)
				}
			}
		}
		switch t.Kind {
		case KindServiceAccount:
			ns, n := t.Namespace, t.Name
			via(g.podCreate.in(ns, ""), TechniquePodCreate, fmt.Sprintf("can create pods in namespace %s: runs one as %s and reads its token", ns, t))
			for _, sec := range g.tokensBySA[ns+"/"+n] {
				via(g.secretRead.in(ns, sec), TechniqueLegacyToken, fmt.Sprintf("can read secret/%s -n %s, a legacy token of %s", sec, ns, t))
			}
			via(g.tokenCreate.in(ns, n), TechniqueTokenCreate, fmt.Sprintf("can create a token for %s (serviceaccounts/token)", t))
			via(g.impSA.in(ns, n), TechniqueImpersonate, fmt.Sprintf("can impersonate %s", t))
			for _, pod := range g.podsBySA[ns+"/"+n] {
				via(g.podExec.in(ns, pod), TechniquePodExec, fmt.Sprintf("can exec into pod/%s -n %s, which mounts the token of %s", pod, ns, t))
			}
			for _, to := range g.takeovers(ns) {
				if to.s.key() != tk {
					r := to.role
					p.reach(to.s, step{next: tk, how: to.how + "; as admin of namespace " + ns + " runs a pod as " + t.String(),
						technique: to.technique, grants: g.grants(to.gs), namespace: ns, role: &r}, d)
				}
			}
		case KindUser:
			via(g.impUsers.in("", t.Name), TechniqueImpersonate, fmt.Sprintf("can impersonate %s", t))
		case KindGroup:
			for _, h := range g.combine(g.impGroups.in("", t.Name), g.impUsers.in("", "")) {
				if h.s.key() != tk {
					p.reach(h.s, step{next: tk, how: fmt.Sprintf("can impersonate users and %s", t), technique: TechniqueImpersonateGroup, grants: g.grants(h.gs)}, d)
				}
			}
		}
	}
}

// knownSubjects are every binding subject and every service account.
func (m *Model) knownSubjects() []Subject {
	var set subjectSet
	for bi := range m.bindings {
		for _, bs := range m.bindings[bi].subjects {
			if bs.ok {
				set.add(bs.s)
			}
		}
	}
	for _, sa := range m.snap.ServiceAccounts {
		set.add(Subject{Kind: KindServiceAccount, Namespace: sa.Namespace, Name: sa.Name})
	}
	return set.list
}

// subjectSet collects subjects once each, in the order they are first added.
type subjectSet struct {
	seen map[string]bool
	list []Subject
}

// add adds s unless it is in the set already, and reports whether it added it.
func (ss *subjectSet) add(s Subject) bool {
	k := s.key()
	if ss.seen[k] {
		return false
	}
	if ss.seen == nil {
		ss.seen = map[string]bool{}
	}
	ss.seen[k] = true
	ss.list = append(ss.list, s)
	return true
}

// Path is one subject's shortest chain to full control, or to admin of a
// namespace.
type Path struct {
	// Subject is where the chain starts.
	Subject Subject `json:"subject"`
	// Namespace is the namespace the chain makes Subject admin of; empty
	// for a chain to full control (cluster-admin).
	Namespace string `json:"namespace,omitempty"`
	// Steps are in order; the last one says how the goal is held or taken.
	Steps []PathStep `json:"steps"`
	// Default is true when the chain starts at a system identity and
	// uses only bootstrap default grants before its last step.
	Default bool `json:"default"`
}

// PathStep is one "can become" edge, or the final fact.
type PathStep struct {
	// From is the identity taking the step.
	From Subject `json:"from"`
	// How says what From can do.
	How string `json:"how"`
	// Technique names the kind of step (the Technique constants).
	Technique string `json:"technique"`
	// To is the identity From becomes; nil on the last step.
	To *Subject `json:"to,omitempty"`
	// Grant is the grant that enables the step (its first part).
	Grant Grant `json:"grant"`
	// Grants are every grant the step needs, one per part, when it needs
	// more than one (Grants[0] is Grant).
	Grants []Grant `json:"grants,omitempty"`
	// Namespace is the namespace a bind-role or escalate-role step takes over.
	Namespace string `json:"namespace,omitempty"`
	// Role is the role a bind-role step binds, or an escalate-role step escalates.
	Role *ObjectRef `json:"role,omitempty"`
}

// path follows the steps from node k.
func (p *pathFinder) path(k, ns string) Path {
	path := Path{Subject: p.subj[k], Namespace: ns, Default: isSystemSubject(p.subj[k])}
	for cur := k; ; {
		st := p.steps[cur]
		ps := PathStep{From: p.subj[cur], How: st.how, Technique: st.technique, Grant: st.grants[0], Namespace: st.namespace, Role: st.role}
		if len(st.grants) > 1 {
			ps.Grants = st.grants
		}
		// Grants of the edges, and of a one-step capability, are on the
		// path; the final */*/* of a chain is the goal itself.
		if st.next != "" || p.dist[cur] == 1 {
			for _, gr := range st.grants {
				if !gr.Default {
					path.Default = false
				}
			}
		}
		if st.next != "" {
			to := p.subj[st.next]
			ps.To = &to
		}
		path.Steps = append(path.Steps, ps)
		if st.next == "" || len(path.Steps) > len(p.dist) {
			break
		}
		cur = st.next
	}
	return path
}

// PathsToClusterAdmin returns, for every identity that does not already
// hold full control but can obtain it, its shortest chain, ordered by
// subject. Identities with full control themselves are not listed.
func (m *Model) PathsToClusterAdmin() []Path {
	p := m.findPaths()
	var out []Path
	for _, k := range slices.Sorted(maps.Keys(p.dist)) {
		if p.dist[k] == 0 {
			continue
		}
		out = append(out, p.path(k, ""))
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Steps) < len(out[j].Steps) })
	return out
}

// nearest returns the key of the identity of s (itself first, then its
// groups) nearest the goal, or "".
func (p *pathFinder) nearest(s Subject) string {
	best := ""
	for _, id := range identities(s) {
		if d, ok := p.dist[id.key()]; ok && (best == "" || d < p.dist[best]) {
			best = id.key()
		}
	}
	return best
}

// PathToClusterAdmin returns the shortest chain to full control of the
// subject, or of one of its groups (Path.Subject says which), and whether
// it already holds full control (then the path is nil).
func (m *Model) PathToClusterAdmin(s Subject) (path *Path, holds bool) {
	s = s.Normalize()
	p := m.findPaths()
	k := p.nearest(s)
	if k == "" {
		return nil, false
	}
	if p.dist[k] == 0 {
		return nil, true
	}
	pa := p.path(k, "")
	return &pa, false
}

// PathsToNamespaceAdmin returns, for every namespace where the subject (or
// one of its groups) does not hold */*/* but can obtain it, the shortest
// chain, ordered by namespace. Chains through full control are not listed:
// PathToClusterAdmin has them.
func (m *Model) PathsToNamespaceAdmin(s Subject) []Path {
	s = s.Normalize()
	g := m.newPathGraph()
	stop := map[string]bool{}
	for _, id := range identities(s) {
		stop[id.key()] = true
	}
	nss := map[string]bool{}
	for ns := range m.namespaces {
		nss[ns] = true
	}
	for ns := range m.nsBindings {
		nss[ns] = true
	}
	var out []Path
	for _, ns := range slices.Sorted(maps.Keys(nss)) {
		p := g.findNamespacePaths(ns, stop)
		if k := p.nearest(s); k != "" && p.dist[k] > 0 {
			out = append(out, p.path(k, ns))
		}
	}
	return out
}

// grantText renders a grant for evidence: "rolebinding/x -n ns (verbs resources)".
func grantText(g Grant) string {
	if g.Rule.Verbs == nil {
		return fmt.Sprintf("%s (binds %s to %s)", g.Binding, strings.ToLower(g.Role.Kind)+"/"+g.Role.Name, g.Subject)
	}
	return fmt.Sprintf("%s (%s)", g.Binding, RuleString(g.Rule))
}

// pathEvidence renders a path, one line per step.
func pathEvidence(p Path) []report.Observation {
	var obs []report.Observation
	for i, s := range p.Steps {
		loc := s.Grant.Binding.String()
		v := fmt.Sprintf("path of %s, step %d: %s %s", p.Subject, i+1, s.From, s.How)
		switch {
		case s.To != nil:
			v += " → becomes " + s.To.String()
		case p.Namespace != "" && s.Role != nil:
			v += fmt.Sprintf(" → admin of namespace %s (%s)", p.Namespace, strings.ToLower(s.Role.Kind)+"/"+s.Role.Name)
		case p.Namespace != "":
			v += fmt.Sprintf(" → admin of namespace %s (%s)", p.Namespace, strings.ToLower(s.Grant.Role.Kind)+"/"+s.Grant.Role.Name)
		default:
			v += fmt.Sprintf(" → full control (%s)", strings.ToLower(s.Grant.Role.Kind)+"/"+s.Grant.Role.Name)
		}
		// A step of several parts names the binding and rule of each.
		var parts []string
		for _, g := range s.Grants {
			if t := grantText(g); !has(parts, t) {
				parts = append(parts, t)
			}
		}
		if len(parts) > 1 {
			v += "; grants: " + strings.Join(parts, ", ")
		}
		obs = append(obs, report.Observation{Location: loc, Value: v, Object: bindingObject(s.Grant.Binding)})
	}
	return obs
}

// PathEvidence renders a path the way KH-RBAC-4 shows it, one line per step.
func PathEvidence(p Path) []report.Observation { return pathEvidence(p) }

// checkPaths FAILs when a non-default identity can reach full control: a
// chain of grants that ends in cluster-admin is an escalation, whatever
// each single grant looked like.
func checkPaths(m *Model, o EvalOptions) report.Outcome {
	paths := m.PathsToClusterAdmin()
	def, user := partition(paths, func(p Path) bool { return p.Default })
	n := len(m.knownSubjects())
	out := report.Outcome{}
	show := func(ps []Path) {
		for i, p := range ps {
			if i == pathsShown {
				out.Evidence = append(out.Evidence, report.Observation{Location: "…", Value: fmt.Sprintf("%d more paths not shown", len(ps)-i)})
				return
			}
			// Each step's line is about the binding that grants it; its
			// status is the path's verdict (a bootstrap path is INFO).
			for _, ob := range pathEvidence(p) {
				if !ob.Object.IsZero() {
					ob.Status = report.StatusFail
					if p.Default {
						ob.Status = report.StatusInfo
					}
				}
				out.Evidence = append(out.Evidence, ob)
			}
		}
	}
	switch {
	case len(user) > 0:
		out.Status = report.StatusFail
		out.Reason = fmt.Sprintf("%d non-default identities can obtain full control", len(user))
		show(user)
		if o.IncludeSystem {
			show(def)
		}
	case o.IncludeSystem && len(def) > 0:
		out.Status = report.StatusInfo
		out.Reason = fmt.Sprintf("only system identities (%d) can obtain full control, through bootstrap grants", len(def))
		show(def)
	default:
		out.Status = report.StatusPass
		out.Reason = "no non-default identity can obtain full control"
		out.Evidence = []report.Observation{{Location: "identities", Value: fmt.Sprintf("%d identities examined; 0 non-default ones have a path to full control (%d system paths not shown)", n, len(def))}}
	}
	return out
}
