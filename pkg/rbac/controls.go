package rbac

import (
	"fmt"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

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
	// IncludeSystem also reports grants of the bootstrap roles and
	// bindings (status INFO when they are the only findings).
	IncludeSystem bool
	// MaxEvidence caps the evidence lines per control; 0 means 200.
	MaxEvidence int
}

// Control is an API-level RBAC control: its metadata and its decision.
type Control struct {
	report.Control
	// Check decides the control on a model.
	Check func(m *Model, opts EvalOptions) report.Outcome
}

// Catalog returns the metadata of every RBAC control, ordered by ID.
func Catalog() []report.Control {
	cs := Controls()
	out := make([]report.Control, len(cs))
	for i, c := range cs {
		out[i] = c.Control
	}
	report.SortControls(out)
	return out
}

// Evaluate runs every control on the model and returns the cluster target.
func Evaluate(m *Model, opts EvalOptions) report.TargetReport {
	t := report.TargetReport{
		Name:  report.ClusterTargetName,
		Roles: []report.Role{report.RoleCluster},
		Notes: []string{
			"users' group memberships come from the authenticator and are invisible to RBAC: a user is evaluated with its direct bindings and system:authenticated only",
			fmt.Sprintf("examined %d clusterroles, %d roles, %d clusterrolebindings, %d rolebindings, %d serviceaccounts, %d pods, %d legacy token secrets",
				len(m.snap.ClusterRoles), len(m.snap.Roles), len(m.snap.ClusterRoleBindings), len(m.snap.RoleBindings),
				len(m.snap.ServiceAccounts), len(m.snap.Pods), len(m.snap.TokenSecrets)),
		},
	}
	cs := Controls()
	sort.SliceStable(cs, func(i, j int) bool { return report.CompareIDs(cs[i].ID, cs[j].ID) < 0 })
	for _, c := range cs {
		t.Results = append(t.Results, report.NewResult(c.Control, t.Name, decide(c, m, opts)))
	}
	return t
}

// finding is one evidence line with the status it calls for.
type finding struct {
	obs    report.Observation
	status report.Status
	def    bool
}

// verdict folds findings into an outcome following the rules above.
func verdict(fs []finding, opts EvalOptions, what string, clean report.Observation) report.Outcome {
	max := opts.MaxEvidence
	if max <= 0 {
		max = 200
	}
	var user, def []finding
	for _, f := range fs {
		if f.def {
			def = append(def, f)
		} else {
			user = append(user, f)
		}
	}
	o := report.Outcome{}
	add := func(list []finding, prefix string) {
		for i, f := range list {
			if len(o.Evidence) >= max {
				o.Evidence = append(o.Evidence, report.Observation{Location: "…", Value: fmt.Sprintf("%d more not shown", len(list)-i)})
				return
			}
			ob := f.obs
			ob.Value = prefix + ob.Value
			o.Evidence = append(o.Evidence, ob)
		}
	}
	if len(user) > 0 {
		o.Status = report.StatusWarn
		for _, f := range user {
			if f.status == report.StatusFail {
				o.Status = report.StatusFail
			}
		}
		o.Reason = fmt.Sprintf("%d finding(s): %s", len(user), what)
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

// ruleSummary renders a rule compactly: "get,list secrets [names: a,b]".
func ruleSummary(r rbacv1.PolicyRule) string {
	var parts []string
	parts = append(parts, strings.Join(r.Verbs, ","))
	if len(r.Resources) > 0 {
		res := strings.Join(r.Resources, ",")
		if len(r.APIGroups) > 0 && !(len(r.APIGroups) == 1 && r.APIGroups[0] == "") {
			res += " (groups " + strings.Join(quoteGroups(r.APIGroups), ",") + ")"
		}
		parts = append(parts, res)
	}
	if len(r.NonResourceURLs) > 0 {
		parts = append(parts, "urls "+strings.Join(r.NonResourceURLs, ","))
	}
	if len(r.ResourceNames) > 0 {
		parts = append(parts, "[names: "+strings.Join(r.ResourceNames, ",")+"]")
	}
	return strings.Join(parts, " ")
}

func quoteGroups(gs []string) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		if g == "" {
			g = `""`
		}
		out[i] = g
	}
	return out
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
			rs := ruleSummary(g.Rule)
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
			obs:    report.Observation{Location: g.Binding.String(), Value: fmt.Sprintf("%s → %s (%s): %s", g.Subject, strings.ToLower(g.Role.Kind)+"/"+g.Role.Name, g.Scope(), ruleSummary(g.Rule))},
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

// Controls returns every RBAC control (CIS 5.1.x and our KH-RBAC-x).
func Controls() []Control {
	cis := func(id, title string, automatedTest bool, needs []string, remediation string, check func(*Model, EvalOptions) report.Outcome) Control {
		_ = automatedTest
		return Control{Control: report.Control{
			ID: id, Title: title, Section: "5.1", Benchmark: report.BenchmarkCIS112, Level: 1,
			Role: report.RoleCluster, Automated: false, Needs: needs, Remediation: remediation,
			References: []string{"CIS Kubernetes Benchmark v1.12 " + id},
		}, Check: check}
	}
	kh := func(id, title string, needs []string, remediation string, check func(*Model, EvalOptions) report.Outcome) Control {
		return Control{Control: report.Control{
			ID: id, Title: title, Section: "RBAC", Benchmark: report.BenchmarkHarden, Level: 1,
			Role: report.RoleCluster, Automated: true, Needs: needs, Remediation: remediation,
		}, Check: check}
	}
	bindingsNeeds := []string{"roles", "clusterroles", "rolebindings", "clusterrolebindings"}
	return []Control{
		cis("5.1.1", "The cluster-admin role (or an equivalent */*/* rule) is bound only where required", true, bindingsNeeds,
			"Remove bindings of cluster-admin (and of roles with verbs, apiGroups and resources all \"*\") that are not strictly needed; give service accounts and teams narrower roles. Never bind it to a service account or a broad group.",
			check511),
		cis("5.1.2", "Access to read Secrets (get, list, watch) is minimised", true, bindingsNeeds,
			"Remove get/list/watch on secrets from roles that do not need them; never grant it cluster-wide or to broad groups; prefer resourceNames for the few Secrets a workload must read.",
			func(m *Model, o EvalOptions) report.Outcome {
				return grantControl(m, o, "read access (get/list/watch) to secrets", scopedStatus, verbs([]string{"get", "list", "watch"}, "", "secrets", "")...)
			}),
		cis("5.1.3", "Roles and ClusterRoles do not use wildcards", true, []string{"roles", "clusterroles", "bindings referencing them"},
			"Replace \"*\" in verbs, apiGroups, resources and nonResourceURLs with the exact lists needed; remove unused roles.",
			check513),
		cis("5.1.4", "Access to create Pods is minimised", true, bindingsNeeds,
			"Remove create on pods where not needed; never grant it cluster-wide or to broad groups: creating a pod in a namespace gives the power of every service account in it.",
			func(m *Model, o EvalOptions) report.Outcome {
				return grantControl(m, o, "create on pods", scopedStatus, Attributes{Verb: "create", Resource: "pods"})
			}),
		cis("5.1.5", "Default service accounts are not used: automountServiceAccountToken is false", true, []string{"serviceaccounts", "bindings naming them"},
			"Set automountServiceAccountToken: false on the default ServiceAccount of every namespace, and bind permissions to dedicated service accounts, never to default.",
			check515),
		cis("5.1.6", "Service account tokens are mounted only where the pod needs the API", true, []string{"pods", "serviceaccounts", "bindings"},
			"Set automountServiceAccountToken: false on pods (or their service account) that do not talk to the API server.",
			check516),
		cis("5.1.7", "The system:masters group is not used", false, []string{"bindings naming system:masters"},
			"Do not issue client certificates with O=system:masters (it bypasses RBAC and cannot be revoked short of rotating the CA); use a group bound to cluster-admin, as kubeadm 1.29+ does with kubeadm:cluster-admins; remove bindings naming system:masters.",
			check517),
		cis("5.1.8", "Access to bind, escalate and impersonate is limited", false, bindingsNeeds,
			"Remove bind and escalate on roles/clusterroles and impersonate on users, groups and service accounts from every subject that is not an RBAC administrator.",
			func(m *Model, o EvalOptions) report.Outcome {
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
			}),
		cis("5.1.9", "Access to create PersistentVolumes is limited", false, bindingsNeeds,
			"Only storage provisioners should create PersistentVolumes: a hostPath PV gives node filesystem access. Remove create on persistentvolumes from everyone else.",
			func(m *Model, o EvalOptions) report.Outcome {
				return grantControl(m, o, "create on persistentvolumes", reviewStatus, Attributes{Verb: "create", Resource: "persistentvolumes"})
			}),
		cis("5.1.10", "Access to the proxy subresource of nodes is limited", false, bindingsNeeds,
			"Remove any verb on nodes/proxy (even get: it reaches the kubelet API, including exec in every pod of the node) from everyone but the API server and monitoring that truly needs it.",
			func(m *Model, o EvalOptions) report.Outcome {
				return grantControl(m, o, "any verb on nodes/proxy", reviewStatus, verbs(allVerbs, "", "nodes", "proxy")...)
			}),
		cis("5.1.11", "Access to approve CertificateSigningRequests is limited", false, bindingsNeeds,
			"Remove update on certificatesigningrequests/approval together with approve on signers from everyone but the controllers that must approve certificates.",
			check5111),
		cis("5.1.12", "Access to change webhook configurations is limited", false, bindingsNeeds,
			"Remove create, update, patch and delete on validatingwebhookconfigurations and mutatingwebhookconfigurations from everyone but cluster administrators and the operators that own webhooks.",
			func(m *Model, o EvalOptions) report.Outcome {
				var as []Attributes
				for _, r := range []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"} {
					as = append(as, verbs([]string{"create", "update", "patch", "delete"}, "admissionregistration.k8s.io", r, "")...)
				}
				return grantControl(m, o, "create/update/patch/delete on webhook configurations", reviewStatus, as...)
			}),
		cis("5.1.13", "Access to create service account tokens is limited", false, bindingsNeeds,
			"Remove create on serviceaccounts/token: it mints a token of any service account in scope.",
			func(m *Model, o EvalOptions) report.Outcome {
				return grantControl(m, o, "create on serviceaccounts/token", reviewStatus, Attributes{Verb: "create", Resource: "serviceaccounts", Subresource: "token"})
			}),
		kh("KH-RBAC-1", "No legacy long-lived service account token Secrets", []string{"secrets of type kubernetes.io/service-account-token (metadata only)", "serviceaccounts", "pods"},
			"Delete legacy token Secrets and use short-lived tokens (TokenRequest, projected volumes); for an external system that needs a token, use `kubectl create token` with a bounded --duration.",
			checkLegacyTokens),
		kh("KH-RBAC-2", "No binding refers to a missing role or service account", bindingsNeeds,
			"Delete dangling bindings: whoever later creates a role or service account of that name inherits the grant.",
			checkDangling),
		kh("KH-RBAC-3", "Nothing beyond the defaults is granted to anonymous, unauthenticated, all authenticated users or all service accounts", bindingsNeeds,
			"Remove bindings naming system:anonymous, system:unauthenticated, system:authenticated or system:serviceaccounts[:NS] other than the defaults (system:discovery, system:basic-user, system:public-info-viewer).",
			checkBroad),
		kh("KH-RBAC-4", "No subject has a path to full control (cluster-admin)", []string{"bindings", "roles", "serviceaccounts", "pods", "legacy token secrets"},
			"Break each path at its first step: remove the grant that lets the subject create pods, read tokens, mint tokens, impersonate, bind/escalate, proxy to nodes or approve certificates where a more powerful identity is reachable.",
			checkPaths),
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
				wild = append(wild, ruleSummary(rule))
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
		fs = append(fs, finding{obs: report.Observation{Location: strings.ToLower(r.ref.Kind) + "/" + r.ref.Name + nsSuffix(r.ref.Namespace), Value: val}, status: st, def: r.def})
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
		fs = append(fs, finding{obs: report.Observation{Location: "serviceaccount/default -n " + sa.Namespace, Value: val}, status: st, def: systemNamespaces[sa.Namespace]})
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
			obs:    report.Observation{Location: "serviceaccount/" + g.sa + " -n " + g.ns, Value: fmt.Sprintf("%d pod(s) mount its token but it has no permissions beyond the defaults: %s", len(g.pods), listSome(g.pods, 5))},
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
				fs = append(fs, finding{obs: report.Observation{Location: b.ref.String(), Value: fmt.Sprintf("%s → %s (the group bypasses RBAC; the binding shows it is in use)", bs.s, strings.ToLower(b.roleRef.Kind)+"/"+b.roleRef.Name)}, status: report.StatusWarn, def: bs.def})
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
