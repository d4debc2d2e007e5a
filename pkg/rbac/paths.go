package rbac

import (
	"fmt"
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
//     that runs as T and mounts its token.
//   - T is a User and P can impersonate users (that name); T is a Group
//     and P can impersonate groups (that name) and users.
//
// A node has full control when it holds a */*/* rule cluster-wide, is
// system:masters, or can take full control in one step: escalate+update
// clusterroles, bind cluster-admin+create clusterrolebindings,
// impersonate system:masters, any verb on nodes/proxy (kubelet API: exec
// into control-plane pods), or create+approve a CSR for a client
// certificate (O=system:masters).
//
// A reverse breadth-first search from the full-control nodes gives every
// node its shortest chain in O(nodes + edges), with capability grants
// computed once, not per node. Known gaps, documented rather than
// guessed: capabilities that need two grants are combined only within one
// node (not across a user's direct and group grants); namespace takeover
// through bind + create rolebindings is not modelled.

const pathsShown = 50

type step struct {
	next  string // next node key, "" when this node has full control
	how   string
	grant Grant
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

// bySubject maps subject keys to their grants.
func bySubjectKey(gs []Grant) map[string][]Grant {
	out := map[string][]Grant{}
	for _, g := range gs {
		out[g.Subject.key()] = append(out[g.Subject.key()], g)
	}
	return out
}

func clusterOnly(gs []Grant, names ...string) []Grant {
	var out []Grant
	for _, g := range gs {
		if g.Namespace != "" {
			continue
		}
		if len(names) > 0 && len(g.Rule.ResourceNames) > 0 {
			ok := false
			for _, n := range names {
				ok = ok || has(g.Rule.ResourceNames, n)
			}
			if !ok {
				continue
			}
		}
		out = append(out, g)
	}
	return out
}

// pathFinder holds the search state.
type pathFinder struct {
	m     *Model
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

// findPaths runs the search and returns the state.
func (m *Model) findPaths() *pathFinder {
	p := &pathFinder{m: m, dist: map[string]int{}, steps: map[string]step{}, subj: map[string]Subject{}}

	// Full control, held directly.
	full := clusterOnly(m.riskyGrants(fullControl))
	fullBy := bySubjectKey(full)
	p.reach(Subject{Kind: KindGroup, Name: MastersGroup}, step{how: "bypasses RBAC (system:masters)", grant: mastersGrant()}, 0)
	for _, g := range full {
		p.reach(g.Subject, step{how: "holds */*/* cluster-wide", grant: g}, 0)
	}
	// Members of a full-control group (service accounts, and users for
	// system:authenticated) have full control too.
	candidates := m.knownSubjects()
	for _, s := range candidates {
		for _, grp := range s.Groups() {
			if gs := fullBy[Subject{Kind: KindGroup, Name: grp}.key()]; len(gs) > 0 {
				p.reach(s, step{how: "holds */*/* cluster-wide through group " + grp, grant: gs[0]}, 0)
			}
		}
	}

	// One step to full control.
	type oneStep struct {
		how   string
		parts [][]Grant // every part must be held by the same subject
	}
	rbacGroup := "rbac.authorization.k8s.io"
	cert := "certificates.k8s.io"
	oneSteps := []oneStep{
		{"can escalate and update clusterroles: adds */*/* to a clusterrole bound to it", [][]Grant{
			clusterOnly(m.riskyGrants(Attributes{Verb: "escalate", APIGroup: rbacGroup, Resource: "clusterroles"})),
			clusterOnly(m.riskyGrants(verbs([]string{"update", "patch"}, rbacGroup, "clusterroles", "")...)),
		}},
		{"can bind clusterrole/cluster-admin and create clusterrolebindings", [][]Grant{
			clusterOnly(m.riskyGrants(Attributes{Verb: "bind", APIGroup: rbacGroup, Resource: "clusterroles"}), "cluster-admin"),
			clusterOnly(m.riskyGrants(Attributes{Verb: "create", APIGroup: rbacGroup, Resource: "clusterrolebindings"})),
		}},
		{"can impersonate group system:masters", [][]Grant{
			clusterOnly(m.riskyGrants(Attributes{Verb: "impersonate", Resource: "groups"}), MastersGroup),
			clusterOnly(m.riskyGrants(Attributes{Verb: "impersonate", Resource: "users"})),
		}},
		{"can use nodes/proxy: the kubelet API runs commands in any pod of a node, control plane included", [][]Grant{
			clusterOnly(m.riskyGrants(verbs(allVerbs, "", "nodes", "proxy")...)),
		}},
		{"can create and approve a CSR for a client certificate in group system:masters", [][]Grant{
			clusterOnly(m.riskyGrants(Attributes{Verb: "create", APIGroup: cert, Resource: "certificatesigningrequests"})),
			clusterOnly(m.riskyGrants(Attributes{Verb: "update", APIGroup: cert, Resource: "certificatesigningrequests", Subresource: "approval"})),
			clusterOnly(m.riskyGrants(Attributes{Verb: "approve", APIGroup: cert, Resource: "signers"}), "kubernetes.io/kube-apiserver-client", "kubernetes.io/*"),
		}},
	}
	for _, os := range oneSteps {
		held := bySubjectKey(os.parts[0])
		for _, part := range os.parts[1:] {
			next := bySubjectKey(part)
			for k := range held {
				if len(next[k]) == 0 {
					delete(held, k)
				}
			}
		}
		for _, k := range sortedKeys(held) {
			gs := preferUser(held[k])
			p.reach(gs[0].Subject, step{how: os.how, grant: gs[0]}, 1)
		}
	}

	// Capabilities that let one identity become another.
	workloads := []Attributes{{Verb: "create", Resource: "pods"}, {Verb: "create", Resource: "replicationcontrollers"}}
	for _, r := range []string{"deployments", "replicasets", "statefulsets", "daemonsets"} {
		workloads = append(workloads, Attributes{Verb: "create", APIGroup: "apps", Resource: r})
	}
	for _, r := range []string{"jobs", "cronjobs"} {
		workloads = append(workloads, Attributes{Verb: "create", APIGroup: "batch", Resource: r})
	}
	podCreate := m.newCapability(m.grantRefs(workloads...), true)
	secretRead := m.newCapability(m.grantRefs(verbs([]string{"get", "list", "watch"}, "", "secrets", "")...), false)
	tokenCreate := m.newCapability(m.grantRefs(Attributes{Verb: "create", Resource: "serviceaccounts", Subresource: "token"}), false)
	impSA := m.newCapability(m.grantRefs(Attributes{Verb: "impersonate", Resource: "serviceaccounts"}), false)
	podExec := m.newCapability(m.grantRefs(verbs([]string{"create", "get"}, "", "pods", "exec")...), false)
	impUsers := m.newCapability(m.grantRefs(Attributes{Verb: "impersonate", Resource: "users"}), false)
	impGroups := m.newCapability(m.grantRefs(Attributes{Verb: "impersonate", Resource: "groups"}), false)
	impUsersAny := map[string]bool{}
	for _, g := range impUsers.byScope[""] {
		impUsersAny[m.subjectOf(g).s.key()] = true
	}

	tokensBySA := map[string][]string{}
	for _, t := range m.snap.TokenSecrets {
		if t.Invalid == "" {
			tokensBySA[t.Namespace+"/"+t.ServiceAccount] = append(tokensBySA[t.Namespace+"/"+t.ServiceAccount], t.Name)
		}
	}
	podsBySA := map[string][]string{}
	for _, pod := range m.snap.Pods {
		if pod.MountsToken {
			podsBySA[pod.Namespace+"/"+pod.ServiceAccountName] = append(podsBySA[pod.Namespace+"/"+pod.ServiceAccountName], pod.Name)
		}
	}

	for i := 0; i < len(p.queue); i++ {
		tk := p.queue[i]
		t := p.subj[tk]
		d := p.dist[tk] + 1
		via := func(gs []gref, how string) {
			for _, def := range []bool{false, true} { // non-default grants first
				for _, g := range gs {
					bs := m.subjectOf(g)
					if bs.def != def || bs.s.key() == tk {
						continue
					}
					if _, seen := p.dist[bs.s.key()]; !seen {
						p.reach(bs.s, step{next: tk, how: how, grant: m.grantOf(g)}, d)
					}
				}
			}
		}
		switch t.Kind {
		case KindServiceAccount:
			ns, n := t.Namespace, t.Name
			via(podCreate.in(ns, ""), fmt.Sprintf("can create pods in namespace %s: runs one as %s and reads its token", ns, t))
			for _, sec := range tokensBySA[ns+"/"+n] {
				via(secretRead.in(ns, sec), fmt.Sprintf("can read secret/%s -n %s, a legacy token of %s", sec, ns, t))
			}
			via(tokenCreate.in(ns, n), fmt.Sprintf("can create a token for %s (serviceaccounts/token)", t))
			via(impSA.in(ns, n), fmt.Sprintf("can impersonate %s", t))
			for _, pod := range podsBySA[ns+"/"+n] {
				via(podExec.in(ns, pod), fmt.Sprintf("can exec into pod/%s -n %s, which mounts the token of %s", pod, ns, t))
			}
		case KindUser:
			via(impUsers.in("", t.Name), fmt.Sprintf("can impersonate %s", t))
		case KindGroup:
			var gs []gref
			for _, g := range impGroups.in("", t.Name) {
				if impUsersAny[m.subjectOf(g).s.key()] {
					gs = append(gs, g)
				}
			}
			via(gs, fmt.Sprintf("can impersonate users and %s", t))
		}
	}
	return p
}

// preferUser orders grants so that non-default ones are chosen first: a
// path through a user's own grant is the one worth showing.
func preferUser(gs []Grant) []Grant {
	out := make([]Grant, 0, len(gs))
	for _, g := range gs {
		if !g.Default {
			out = append(out, g)
		}
	}
	for _, g := range gs {
		if g.Default {
			out = append(out, g)
		}
	}
	return out
}

// knownSubjects are every binding subject and every service account.
func (m *Model) knownSubjects() []Subject {
	seen := map[string]bool{}
	var out []Subject
	add := func(s Subject) {
		if !seen[s.key()] {
			seen[s.key()] = true
			out = append(out, s)
		}
	}
	for bi := range m.bindings {
		for _, bs := range m.bindings[bi].subjects {
			if bs.ok {
				add(bs.s)
			}
		}
	}
	for _, sa := range m.snap.ServiceAccounts {
		add(Subject{Kind: KindServiceAccount, Namespace: sa.Namespace, Name: sa.Name})
	}
	return out
}

// Path is one subject's shortest chain to full control.
type Path struct {
	// Subject is where the chain starts.
	Subject Subject `json:"subject"`
	// Steps are in order; the last one says how full control is held.
	Steps []PathStep `json:"steps"`
	// Default is true when the chain starts at a system identity and
	// uses only bootstrap default grants before its last step.
	Default bool `json:"default"`
}

// PathStep is one "can become" edge, or the final full-control fact.
type PathStep struct {
	// From is the identity taking the step.
	From Subject `json:"from"`
	// How says what From can do.
	How string `json:"how"`
	// To is the identity From becomes; nil on the last step.
	To *Subject `json:"to,omitempty"`
	// Grant is the grant that enables the step.
	Grant Grant `json:"grant"`
}

// PathsToClusterAdmin returns, for every identity that does not already
// hold full control but can obtain it, its shortest chain, ordered by
// subject. Identities with full control themselves are not listed.
func (m *Model) PathsToClusterAdmin() []Path {
	p := m.findPaths()
	var out []Path
	for _, k := range sortedKeys(p.dist) {
		if p.dist[k] == 0 {
			continue
		}
		path := Path{Subject: p.subj[k], Default: isSystemSubject(p.subj[k])}
		for cur := k; ; {
			st := p.steps[cur]
			ps := PathStep{From: p.subj[cur], How: st.how, Grant: st.grant}
			if st.next != "" {
				to := p.subj[st.next]
				ps.To = &to
				if !st.grant.Default {
					path.Default = false
				}
			} else if p.dist[cur] == 1 && !st.grant.Default {
				// A one-step capability is itself a grant on the path.
				path.Default = false
			}
			path.Steps = append(path.Steps, ps)
			if st.next == "" || len(path.Steps) > len(p.dist) {
				break
			}
			cur = st.next
		}
		out = append(out, path)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Steps) < len(out[j].Steps) })
	return out
}

// pathEvidence renders a path, one line per step.
func pathEvidence(p Path) []report.Observation {
	var obs []report.Observation
	for i, s := range p.Steps {
		loc := s.Grant.Binding.String()
		v := fmt.Sprintf("path of %s, step %d: %s %s", p.Subject, i+1, s.From, s.How)
		if s.To != nil {
			v += " → becomes " + s.To.String()
		} else {
			v += fmt.Sprintf(" → full control (%s)", strings.ToLower(s.Grant.Role.Kind)+"/"+s.Grant.Role.Name)
		}
		obs = append(obs, report.Observation{Location: loc, Value: v})
	}
	return obs
}

// checkPaths FAILs when a non-default identity can reach full control: a
// chain of grants that ends in cluster-admin is an escalation, whatever
// each single grant looked like.
func checkPaths(m *Model, o EvalOptions) report.Outcome {
	paths := m.PathsToClusterAdmin()
	var user, def []Path
	for _, p := range paths {
		if p.Default {
			def = append(def, p)
		} else {
			user = append(user, p)
		}
	}
	n := len(m.knownSubjects())
	out := report.Outcome{}
	show := func(ps []Path) {
		for i, p := range ps {
			if i == pathsShown {
				out.Evidence = append(out.Evidence, report.Observation{Location: "…", Value: fmt.Sprintf("%d more paths not shown", len(ps)-i)})
				return
			}
			out.Evidence = append(out.Evidence, pathEvidence(p)...)
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
