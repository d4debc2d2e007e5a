package rbac

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// How statuses are decided (the same for every control, so that a reader
// can predict them):
//
//   - Only grants to non-default subjects decide. A grant is default when
//     its binding is a recognised bootstrap object of Kubernetes, kubeadm
//     or kind AND the subject is a system identity (defaults.go). Default
//     grants are listed, with status INFO, only when IncludeSystem is set.
//   - FAIL when the finding is objective and serious on its own: anything
//     granted to a broad group (system:authenticated, system:unauthenticated,
//     system:serviceaccounts[:NS], system:anonymous), and, for controls
//     where kube-bench runs a real test (5.1.1–5.1.6), a cluster-wide grant
//     or a measurable misconfiguration.
//   - WARN where CIS asks for a review (5.1.7–5.1.13 are "Manual" with no
//     test): the grant may be legitimate (an operator, a CSI driver), so we
//     name every subject and binding and leave the decision to a human.
//     Whether such a grant really leads to full control is decided,
//     objectively, by KH-RBAC-4 (paths to cluster-admin), which FAILs.
//   - PASS only with evidence of what was examined ("0 of 57 bindings ...").

// EvalOptions tune evaluation.
type EvalOptions struct {
	// Benchmark selects the controls: an ID, a family (its newest edition)
	// or "" (the default, benchmarks.Resolve). Our own KH- controls are
	// evaluated with every benchmark; harden gives ours only.
	Benchmark string
	// IncludeSystem also reports grants of the bootstrap roles and
	// bindings (status INFO when they are the only findings).
	IncludeSystem bool
	// MaxEvidence caps the evidence lines per control; 0 means 200.
	MaxEvidence int
}

// finding is one evidence line with the status it calls for.
type finding struct {
	obs    report.Observation
	status report.Status
	def    bool
}

// partition splits xs into those pred holds for and the others, in order.
func partition[T any](xs []T, pred func(T) bool) (yes, no []T) {
	for _, x := range xs {
		if pred(x) {
			yes = append(yes, x)
		} else {
			no = append(no, x)
		}
	}
	return yes, no
}

// verdict folds findings into an outcome following the rules above.
func verdict(fs []finding, opts EvalOptions, what string, clean report.Observation) report.Outcome {
	def, user := partition(fs, func(f finding) bool { return f.def })
	o := report.Outcome{}
	add := func(list []finding, prefix string) {
		lines := make([]report.Observation, len(list))
		for i, f := range list {
			ob := f.obs
			ob.Value = prefix + ob.Value
			if !ob.Object.IsZero() {
				// The line's own verdict, for diff and exceptions: a
				// bootstrap default is never a finding.
				ob.Status = f.status
				if f.def {
					ob.Status = report.StatusInfo
				}
			}
			lines[i] = ob
		}
		o.AddEvidence(opts.MaxEvidence, lines...)
	}
	if len(user) > 0 {
		o.Found(len(user), slices.ContainsFunc(user, func(f finding) bool { return f.status == report.StatusFail }), what)
		add(user, "")
		if opts.IncludeSystem {
			add(def, "(default) ")
		}
		return o
	}
	if opts.IncludeSystem && len(def) > 0 {
		o.Status = report.StatusInfo
		o.Reason = fmt.Sprintf("only bootstrap defaults: %d default grant(s): %s", len(def), what)
		o.Evidence = append(o.Evidence, clean)
		add(def, "(default) ")
		return o
	}
	o.Status = report.StatusPass
	o.Reason = "nothing beyond the bootstrap defaults: no " + what
	o.Evidence = []report.Observation{clean}
	if len(def) > 0 {
		o.Evidence = append(o.Evidence, report.Observation{Location: "defaults", Value: fmt.Sprintf("%d finding(s) of bootstrap defaults not shown (include system to list them)", len(def))})
	}
	return o
}

// grantFindings groups grants by binding and subject (one evidence line
// each) and asks status for the status each line calls for.
func grantFindings(gs []Grant, status func(Grant) report.Status) []finding {
	type key struct {
		b ObjectRef
		s Subject
	}
	idx := map[key]int{}
	var fs []finding
	for _, g := range gs {
		k := key{g.Binding, g.Subject}
		st := status(g)
		if i, ok := idx[k]; ok {
			f := &fs[i]
			rs := RuleString(g.Rule)
			if !strings.Contains(f.obs.Value, rs) {
				f.obs.Value += "; " + rs
			}
			if st.Severity() > f.status.Severity() {
				f.status = st
			}
			continue
		}
		idx[k] = len(fs)
		fs = append(fs, finding{
			obs: report.Observation{Location: g.Binding.String(), Value: fmt.Sprintf("%s → %s (%s): %s", g.Subject, strings.ToLower(g.Role.Kind)+"/"+g.Role.Name, g.Scope(), RuleString(g.Rule)),
				Object: bindingObject(g.Binding)},
			status: st,
			def:    g.Default,
		})
	}
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].obs.Location != fs[j].obs.Location {
			return fs[i].obs.Location < fs[j].obs.Location
		}
		return fs[i].obs.Value < fs[j].obs.Value
	})
	return fs
}

// bindingObject is a binding (or role) as the report names objects; zero
// for the binding-less grant of system:masters.
func bindingObject(b ObjectRef) report.ObjectRef {
	if b.Kind == "" {
		return report.ObjectRef{}
	}
	return report.ObjectRef{Kind: strings.ToLower(b.Kind), Namespace: b.Namespace, Name: b.Name}
}

// saObject is a service account as the report names objects.
func saObject(ns, name string) report.ObjectRef {
	return report.ObjectRef{Kind: "serviceaccount", Namespace: ns, Name: name}
}

// reviewStatus is the status of a grant for a CIS "review" control.
func reviewStatus(g Grant) report.Status {
	if isBroad(g.Subject) {
		return report.StatusFail
	}
	return report.StatusWarn
}

// scopedStatus is the status of a grant for an objective control: broad
// or cluster-wide grants FAIL, namespaced ones call for review.
func scopedStatus(g Grant) report.Status {
	if isBroad(g.Subject) || g.Namespace == "" {
		return report.StatusFail
	}
	return report.StatusWarn
}

// riskyGrants returns the effective grants for any of the requests, each
// (binding, subject, rule) once.
func (m *Model) riskyGrants(as ...Attributes) []Grant {
	return m.grantsAnywhere(as...)
}

func dedupGrants(gs []Grant) []Grant {
	out := gs[:0]
	for i, g := range gs {
		if i > 0 && sameGrant(gs[i-1], g) {
			continue
		}
		out = append(out, g)
	}
	return out
}

func sameGrant(a, b Grant) bool {
	return a.Subject == b.Subject && a.Binding == b.Binding && a.Role == b.Role && a.Rule.String() == b.Rule.String()
}

// grantControl decides a control that is "who holds any of these grants".
func grantControl(m *Model, opts EvalOptions, what string, status func(Grant) report.Status, as ...Attributes) report.Outcome {
	fs := grantFindings(m.riskyGrants(as...), status)
	n := len(m.bindings)
	clean := report.Observation{Location: "rolebindings+clusterrolebindings", Value: fmt.Sprintf("0 of %d bindings grant %s to a non-default subject", n, what)}
	return verdict(fs, opts, what, clean)
}

func verbs(vs []string, group, resource, sub string) []Attributes {
	out := make([]Attributes, len(vs))
	for i, v := range vs {
		out[i] = Attributes{Verb: v, APIGroup: group, Resource: resource, Subresource: sub}
	}
	return out
}

// allVerbs are the verbs a request can carry; "any verb" checks use them.
var allVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

// The checks of this file: the RBAC decisions CIS section 5.1 (and the
// benchmarks that reuse it) name, each registered under what it checks.
func init() {
	bindingsNeeds := "roles, clusterroles, rolebindings and clusterrolebindings"
	for _, c := range []struct {
		id, doc string
		decide  decideFunc
	}{
		{"rbac.cluster-admin-bindings", "who is bound to cluster-admin or an equivalent */*/* rule, not one limited by resourceNames (FAIL for service accounts cluster-wide and broad groups, WARN for the others)",
			func(m *Model, _ Params, o EvalOptions) report.Outcome { return check511(m, o) }},
		{"rbac.secret-read-access", "who can get, list or watch secrets (" + bindingsNeeds + "; FAIL cluster-wide or for broad groups, WARN in a namespace)",
			func(m *Model, _ Params, o EvalOptions) report.Outcome {
				return grantControl(m, o, "read access (get/list/watch) to secrets", scopedStatus, verbs([]string{"get", "list", "watch"}, "", "secrets", "")...)
			}},
		{"rbac.wildcard-roles", "Roles and ClusterRoles with \"*\" in verbs, apiGroups, resources or nonResourceURLs (FAIL when bound, WARN when not)",
			func(m *Model, _ Params, o EvalOptions) report.Outcome { return check513(m, o) }},
		{"rbac.pod-create-access", "who can create pods (FAIL cluster-wide or for broad groups, WARN in a namespace)",
			func(m *Model, _ Params, o EvalOptions) report.Outcome {
				return grantControl(m, o, "create on pods", scopedStatus, Attributes{Verb: "create", Resource: "pods"})
			}},
		{"rbac.default-service-account-automount", "default service accounts without automountServiceAccountToken: false (FAIL when one was given permissions)",
			func(m *Model, _ Params, o EvalOptions) report.Outcome { return check515(m, o) }},
		{"rbac.unneeded-token-mounts", "pods that mount a service account token granting nothing beyond the defaults",
			func(m *Model, _ Params, o EvalOptions) report.Outcome { return check516(m, o) }},
		{"rbac.system-masters-bindings", "bindings naming group system:masters (WARN); INFO otherwise, as certificates of the group are invisible to RBAC",
			func(m *Model, _ Params, o EvalOptions) report.Outcome { return check517(m, o) }},
		{"rbac.bind-escalate-impersonate", "who can bind or escalate roles or impersonate (a review: WARN, FAIL for broad groups)",
			func(m *Model, _ Params, o EvalOptions) report.Outcome {
				as := []Attributes{
					{Verb: "bind", APIGroup: "rbac.authorization.k8s.io", Resource: "clusterroles"},
					{Verb: "bind", APIGroup: "rbac.authorization.k8s.io", Resource: "roles"},
					{Verb: "escalate", APIGroup: "rbac.authorization.k8s.io", Resource: "clusterroles"},
					{Verb: "escalate", APIGroup: "rbac.authorization.k8s.io", Resource: "roles"},
					{Verb: "impersonate", Resource: "users"},
					{Verb: "impersonate", Resource: "groups"},
					{Verb: "impersonate", Resource: "serviceaccounts"},
					{Verb: "impersonate", APIGroup: "authentication.k8s.io", Resource: "uids"},
				}
				return grantControl(m, o, "bind, escalate or impersonate", reviewStatus, as...)
			}},
		{"rbac.persistent-volume-create-access", "who can create PersistentVolumes (a review: WARN, FAIL for broad groups)",
			func(m *Model, _ Params, o EvalOptions) report.Outcome {
				return grantControl(m, o, "create on persistentvolumes", reviewStatus, Attributes{Verb: "create", Resource: "persistentvolumes"})
			}},
		{"rbac.node-proxy-access", "who has any verb on nodes/proxy (a review: WARN, FAIL for broad groups)",
			func(m *Model, _ Params, o EvalOptions) report.Outcome {
				return grantControl(m, o, "any verb on nodes/proxy", reviewStatus, verbs(allVerbs, "", "nodes", "proxy")...)
			}},
		{"rbac.csr-approval-access", "who can approve CertificateSigningRequests: update on certificatesigningrequests/approval together with approve on signers (a review)",
			func(m *Model, _ Params, o EvalOptions) report.Outcome { return check5111(m, o) }},
		{"rbac.webhook-configuration-access", "who can create, update, patch or delete webhook configurations (a review: WARN, FAIL for broad groups)",
			func(m *Model, _ Params, o EvalOptions) report.Outcome {
				var as []Attributes
				for _, r := range []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"} {
					as = append(as, verbs([]string{"create", "update", "patch", "delete"}, "admissionregistration.k8s.io", r, "")...)
				}
				return grantControl(m, o, "create/update/patch/delete on webhook configurations", reviewStatus, as...)
			}},
		{"rbac.service-account-token-create-access", "who can create serviceaccounts/token (a review: WARN, FAIL for broad groups)",
			func(m *Model, _ Params, o EvalOptions) report.Outcome {
				return grantControl(m, o, "create on serviceaccounts/token", reviewStatus, Attributes{Verb: "create", Resource: "serviceaccounts", Subresource: "token"})
			}},
	} {
		registry.Register(benchmarks.CheckSpec{ID: c.id, Doc: c.doc}, c.decide)
	}
}

var fullControl = Attributes{Verb: "*", APIGroup: "*", Resource: "*"}

func check511(m *Model, o EvalOptions) report.Outcome {
	// A */*/* rule limited by resourceNames allows every verb on objects of
	// those names only: it is not cluster-admin (5.1.3 still lists its
	// wildcards).
	var gs []Grant
	for _, g := range m.riskyGrants(fullControl) {
		if len(g.Rule.ResourceNames) == 0 {
			gs = append(gs, g)
		}
	}
	// cluster-admin to service accounts (tokens leak) and broad groups is
	// objectively wrong; to named people it calls for review.
	status := func(g Grant) report.Status {
		if isBroad(g.Subject) || (g.Namespace == "" && g.Subject.Kind == KindServiceAccount) {
			return report.StatusFail
		}
		return report.StatusWarn
	}
	fs := grantFindings(gs, status)
	clean := report.Observation{Location: "rolebindings+clusterrolebindings", Value: fmt.Sprintf("0 of %d bindings grant cluster-admin or an equivalent */*/* rule to a non-default subject", len(m.bindings))}
	return verdict(fs, o, "cluster-admin (or */*/*) granted", clean)
}

func check513(m *Model, o EvalOptions) report.Outcome {
	var fs []finding
	total, aggregated := 0, 0
	var refs []*role
	for _, r := range m.roles {
		refs = append(refs, r)
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].ref.String() < refs[j].ref.String() })
	for _, r := range refs {
		total++
		if r.aggregated {
			// Rules of an aggregated ClusterRole are copies made by the
			// controller; the wildcard is reported where it is written.
			aggregated++
			continue
		}
		var wild []string
		for _, rule := range r.rules {
			if has(rule.Verbs, "*") || has(rule.APIGroups, "*") || has(rule.Resources, "*") || has(rule.NonResourceURLs, "*") {
				wild = append(wild, RuleString(rule))
			}
		}
		if len(wild) == 0 {
			continue
		}
		// A wildcard role that nothing binds is inert: review. Bound, it
		// grants today everything a future API or CRD adds: FAIL.
		st := report.StatusWarn
		bound := 0
		for _, bi := range m.byRole[r] {
			for _, bs := range m.bindings[bi].subjects {
				if bs.ok && !bs.def {
					st = report.StatusFail
				}
			}
			bound++
		}
		val := strings.Join(wild, "; ")
		if bound == 0 {
			val += " (not bound)"
		} else {
			val += fmt.Sprintf(" (bound by %d binding(s))", bound)
		}
		fs = append(fs, finding{obs: report.Observation{Location: strings.ToLower(r.ref.Kind) + "/" + r.ref.Name + nsSuffix(r.ref.Namespace), Value: val, Object: bindingObject(r.ref)}, status: st, def: r.def})
	}
	clean := report.Observation{Location: "roles+clusterroles", Value: fmt.Sprintf("%d roles examined; none outside the defaults uses \"*\" (%d aggregated clusterroles skipped: their rules are copies)", total, aggregated)}
	return verdict(fs, o, "roles with \"*\" in verbs, apiGroups, resources or nonResourceURLs", clean)
}

func nsSuffix(ns string) string {
	if ns == "" {
		return ""
	}
	return " -n " + ns
}

// extraPermissions reports whether any non-default binding applies to the
// service account, directly or through its groups.
func (m *Model) extraPermissions(sa Subject) bool {
	for _, id := range identities(sa) {
		for _, bi := range m.bySubject[id.key()] {
			b := &m.bindings[bi]
			if b.role == nil {
				continue
			}
			for _, bs := range b.subjects {
				if bs.s == id && !bs.def {
					return true
				}
			}
		}
	}
	return false
}

func check515(m *Model, o EvalOptions) report.Outcome {
	var fs []finding
	n := 0
	for _, sa := range m.snap.ServiceAccounts {
		if sa.Name != "default" {
			continue
		}
		n++
		if sa.AutomountServiceAccountToken != nil && !*sa.AutomountServiceAccountToken {
			continue
		}
		subj := Subject{Kind: KindServiceAccount, Namespace: sa.Namespace, Name: sa.Name}
		val := "automountServiceAccountToken " + boolPtr(sa.AutomountServiceAccountToken)
		// Unset on a powerless default SA is the Kubernetes default and
		// low risk: WARN. A default SA that was given permissions hands
		// them to every pod of the namespace that names no SA: FAIL.
		st := report.StatusWarn
		if m.extraPermissions(subj) {
			st = report.StatusFail
			val += "; has permissions beyond the defaults (every pod without serviceAccountName gets them)"
		}
		fs = append(fs, finding{obs: report.Observation{Location: "serviceaccount/default -n " + sa.Namespace, Value: val, Object: saObject(sa.Namespace, sa.Name)}, status: st, def: systemNamespaces[sa.Namespace]})
	}
	if n == 0 {
		// The serviceaccount controller gives every namespace a default
		// service account; with none there is nothing this control is about.
		return report.Outcome{Status: report.StatusNA, Reason: fmt.Sprintf("no default service account in the snapshot (%d service accounts, %d namespaces): nothing to examine", len(m.snap.ServiceAccounts), len(m.snap.Namespaces)),
			Evidence: []report.Observation{{Location: "serviceaccounts", Value: "0 named default"}}}
	}
	clean := report.Observation{Location: "serviceaccounts", Value: fmt.Sprintf("%d default service accounts examined; all set automountServiceAccountToken: false", n)}
	return verdict(fs, o, "default service accounts without automountServiceAccountToken: false", clean)
}

func boolPtr(b *bool) string {
	if b == nil {
		return "<unset> (true)"
	}
	return fmt.Sprint(*b)
}

func check516(m *Model, o EvalOptions) report.Outcome {
	type group struct {
		ns, sa string
		pods   []string
	}
	groups := map[string]*group{}
	var keys []string
	mounting, total := 0, 0
	for _, p := range m.snap.Pods {
		total++
		if !p.MountsToken {
			continue
		}
		mounting++
		k := p.Namespace + "/" + p.ServiceAccountName
		g := groups[k]
		if g == nil {
			g = &group{ns: p.Namespace, sa: p.ServiceAccountName}
			groups[k] = g
			keys = append(keys, k)
		}
		g.pods = append(g.pods, p.Name)
	}
	if total == 0 {
		return report.Outcome{Status: report.StatusNA, Reason: "no pods in the snapshot: no token is mounted anywhere, nothing to examine",
			Evidence: []report.Observation{{Location: "pods", Value: "0 examined"}}}
	}
	sort.Strings(keys)
	var fs []finding
	needed := 0
	for _, k := range keys {
		g := groups[k]
		subj := Subject{Kind: KindServiceAccount, Namespace: g.ns, Name: g.sa}
		if m.extraPermissions(subj) {
			// The SA was given permissions, so the pods presumably use
			// the API: not a finding.
			needed += len(g.pods)
			continue
		}
		// A token that grants nothing beyond the defaults is a credential
		// the workload does not use: an objective finding.
		fs = append(fs, finding{
			obs: report.Observation{Location: "serviceaccount/" + g.sa + " -n " + g.ns, Value: fmt.Sprintf("%d pod(s) mount its token but it has no permissions beyond the defaults: %s", len(g.pods), listSome(g.pods, 5)),
				Object: saObject(g.ns, g.sa)},
			status: report.StatusFail,
			def:    systemNamespaces[g.ns],
		})
	}
	clean := report.Observation{Location: "pods", Value: fmt.Sprintf("%d pods examined, %d mount a token, %d of those use a service account with granted permissions", total, mounting, needed)}
	return verdict(fs, o, "pods mounting a service account token they have no use for", clean)
}

func listSome(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + fmt.Sprintf(", … (%d more)", len(xs)-n)
}

func check517(m *Model, o EvalOptions) report.Outcome {
	var fs []finding
	for bi := range m.bindings {
		b := &m.bindings[bi]
		for _, bs := range b.subjects {
			if bs.s.Kind == KindGroup && bs.s.Name == MastersGroup {
				fs = append(fs, finding{obs: report.Observation{Location: b.ref.String(), Value: fmt.Sprintf("%s → %s (the group bypasses RBAC; the binding shows it is in use)", bs.s, strings.ToLower(b.roleRef.Kind)+"/"+b.roleRef.Name),
					Object: bindingObject(b.ref)}, status: report.StatusWarn, def: bs.def})
			}
		}
	}
	out := verdict(fs, o, "bindings naming group system:masters", report.Observation{Location: "rolebindings+clusterrolebindings", Value: fmt.Sprintf("0 of %d bindings name group system:masters outside the defaults", len(m.bindings))})
	if out.Status == report.StatusPass {
		// RBAC cannot see client certificates carrying O=system:masters,
		// so a clean RBAC view does not prove the group is unused.
		out.Status = report.StatusInfo
		out.Reason = "no non-default binding names system:masters; certificates issued with O=system:masters are invisible to RBAC and must be reviewed by hand"
		ref := ObjectRef{Kind: "ClusterRoleBinding", Name: "kubeadm:cluster-admins"}
		for _, b := range m.bindings {
			if b.ref == ref {
				out.Evidence = append(out.Evidence, report.Observation{Location: ref.String(), Value: "present: kubeadm 1.29+ issues admin.conf for group kubeadm:cluster-admins; only super-admin.conf carries system:masters (keep it offline)"})
			}
		}
	}
	return out
}

func check5111(m *Model, o EvalOptions) report.Outcome {
	approval := m.riskyGrants(Attributes{Verb: "update", APIGroup: "certificates.k8s.io", Resource: "certificatesigningrequests", Subresource: "approval"})
	approve := m.riskyGrants(Attributes{Verb: "approve", APIGroup: "certificates.k8s.io", Resource: "signers"})
	canApprove := map[Subject]bool{}
	for _, g := range approve {
		canApprove[g.Subject] = true
	}
	canUpdate := map[Subject]bool{}
	for _, g := range approval {
		canUpdate[g.Subject] = true
	}
	// Approving needs both: update on the approval subresource and
	// approve on the signer. Either alone is denied by the API server.
	var both []Grant
	for _, g := range append(approval, approve...) {
		if canApprove[g.Subject] && canUpdate[g.Subject] {
			both = append(both, g)
		}
	}
	sortGrants(both)
	fs := grantFindings(dedupGrants(both), reviewStatus)
	clean := report.Observation{Location: "clusterrolebindings", Value: fmt.Sprintf("0 of %d bindings give a non-default subject both update on certificatesigningrequests/approval and approve on signers", len(m.bindings))}
	return verdict(fs, o, "CSR approval (certificatesigningrequests/approval update + signers approve)", clean)
}
