package rbac

import (
	"fmt"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// Our own RBAC controls (benchmark "harden", IDs KH-RBAC-n), evaluated with
// every benchmark. Their checks are registered like the others, so that a
// benchmark can name them too (CIS GKE's grants to anonymous users are
// rbac.broad-subject-grants for system:anonymous).

// ownControl is one of our own controls with the check that decides it.
type ownControl struct {
	report.Control
	params Params
}

// BroadSubjects are the subjects rbac.broad-subject-grants considers, as
// its "subjects" parameter names them (system:serviceaccounts covers every
// system:serviceaccounts:NS group too).
var BroadSubjects = []string{"system:anonymous", "system:unauthenticated", "system:authenticated", "system:serviceaccounts"}

const broadCheck = "rbac.broad-subject-grants"

func own(id, title, check string, needs []string, remediation string) ownControl {
	return ownControl{Control: report.Control{
		ID: id, Title: title, Section: "RBAC", Benchmark: report.BenchmarkHarden, Level: 1,
		Role: report.RoleCluster, Automated: true, Needs: needs, Remediation: remediation,
		Engine: benchmarks.EngineRBAC, Check: check,
	}}
}

var ownControls = func() []ownControl {
	bindingsNeeds := []string{"roles", "clusterroles", "rolebindings", "clusterrolebindings"}
	return []ownControl{
		own("KH-RBAC-1", "No legacy long-lived service account token Secrets", "rbac.legacy-token-secrets",
			[]string{"secrets of type kubernetes.io/service-account-token (metadata only)", "serviceaccounts", "pods"},
			"Delete legacy token Secrets and use short-lived tokens (TokenRequest, projected volumes); for an external system that needs a token, use `kubectl create token` with a bounded --duration."),
		own("KH-RBAC-2", "No binding refers to a missing role or service account", "rbac.dangling-bindings", bindingsNeeds,
			"Delete dangling bindings: whoever later creates a role or service account of that name inherits the grant."),
		own("KH-RBAC-3", "Nothing beyond the defaults is granted to anonymous, unauthenticated, all authenticated users or all service accounts", broadCheck, bindingsNeeds,
			"Remove bindings naming system:anonymous, system:unauthenticated, system:authenticated or system:serviceaccounts[:NS] other than the defaults (system:discovery, system:basic-user, system:public-info-viewer)."),
		own("KH-RBAC-4", "No subject has a path to full control (cluster-admin)", "rbac.paths-to-cluster-admin", []string{"bindings", "roles", "serviceaccounts", "pods", "legacy token secrets"},
			"Break each path at its first step: remove the grant that lets the subject create pods, read tokens, mint tokens, impersonate, bind/escalate, proxy to nodes or approve certificates where a more powerful identity is reachable."),
	}
}()

func init() {
	registry.Register(benchmarks.CheckSpec{ID: "rbac.legacy-token-secrets",
		Doc: "legacy service account token Secrets (FAIL when the account holds permissions beyond the defaults, WARN otherwise, INFO when already invalid)"},
		func(m *Model, _ Params, o EvalOptions) report.Outcome { return checkLegacyTokens(m, o) })
	registry.Register(benchmarks.CheckSpec{ID: "rbac.dangling-bindings",
		Doc: "bindings whose role or service account does not exist (WARN: whoever creates it inherits the grant)"},
		func(m *Model, _ Params, o EvalOptions) report.Outcome { return checkDangling(m, o) })
	registry.Register(benchmarks.CheckSpec{ID: broadCheck,
		Doc: "anything granted beyond the defaults to system:anonymous, system:unauthenticated, system:authenticated or system:serviceaccounts[:NS] (FAIL)",
		Params: []benchmarks.ParamSpec{{Name: "subjects", Type: benchmarks.TypeList, Enum: BroadSubjects,
			Doc: "the broad subjects considered (default: all; system:serviceaccounts also covers system:serviceaccounts:NS)"}}},
		func(m *Model, p Params, o EvalOptions) report.Outcome {
			if s := p.List("subjects"); len(s) > 0 {
				return broadGrants(m, o, s)
			}
			return checkBroad(m, o)
		})
	registry.Register(benchmarks.CheckSpec{ID: "rbac.paths-to-cluster-admin",
		Doc: "paths by which an ordinary subject reaches full control (cluster-admin): FAIL"},
		func(m *Model, _ Params, o EvalOptions) report.Outcome { return checkPaths(m, o) })
}

// checkLegacyTokens lists legacy token Secrets. They never expire, so:
// FAIL when the token belongs to an existing service account that holds
// permissions beyond the defaults (a live, powerful, eternal credential);
// WARN for the others (powerless or orphaned: clutter to delete); INFO for
// tokens the API server already marked invalid.
func checkLegacyTokens(m *Model, o EvalOptions) report.Outcome {
	podsBySA := map[string]int{}
	for _, p := range m.snap.Pods {
		podsBySA[p.Namespace+"/"+p.ServiceAccountName]++
	}
	var fs []finding
	for _, t := range m.snap.TokenSecrets {
		sa := m.serviceAccount(t.Namespace, t.ServiceAccount)
		subj := Subject{Kind: KindServiceAccount, Namespace: t.Namespace, Name: t.ServiceAccount}
		var parts []string
		st := report.StatusWarn
		switch {
		case t.ServiceAccount == "":
			parts = append(parts, "no kubernetes.io/service-account.name annotation")
		case sa == nil:
			parts = append(parts, fmt.Sprintf("%s does not exist (token no longer authenticates)", subj))
		default:
			parts = append(parts, fmt.Sprintf("%s exists", subj))
			if m.extraPermissions(subj) {
				parts = append(parts, "it holds permissions beyond the defaults")
				st = report.StatusFail
			}
		}
		if t.ServiceAccount != "" {
			parts = append(parts, fmt.Sprintf("%d pod(s) use the service account", podsBySA[t.Namespace+"/"+t.ServiceAccount]))
		}
		if !t.Created.IsZero() {
			parts = append(parts, "created "+t.Created.UTC().Format("2006-01-02"))
		}
		if t.LastUsed != "" {
			parts = append(parts, "last used "+t.LastUsed)
		}
		if t.Invalid != "" {
			parts = append(parts, "invalid since "+t.Invalid)
			st = report.StatusInfo
		}
		fs = append(fs, finding{obs: report.Observation{Location: "secret/" + t.Name + " -n " + t.Namespace, Value: strings.Join(parts, "; "),
			Object: report.ObjectRef{Kind: "secret", Namespace: t.Namespace, Name: t.Name}}, status: st})
	}
	clean := report.Observation{Location: "secrets", Value: fmt.Sprintf("%d secrets of type kubernetes.io/service-account-token found", len(m.snap.TokenSecrets))}
	out := verdict(fs, o, "legacy long-lived service account token secrets", clean)
	if out.Status == report.StatusWarn {
		onlyInfo := true
		for _, f := range fs {
			if f.status != report.StatusInfo {
				onlyInfo = false
			}
		}
		if onlyInfo {
			out.Status = report.StatusInfo
		}
	}
	return out
}

// checkDangling lists bindings whose role or service account is missing.
// WARN: they grant nothing today, but whoever creates the missing object
// inherits the grant (a service account of that name is a create away).
func checkDangling(m *Model, o EvalOptions) report.Outcome {
	var fs []finding
	for bi := range m.bindings {
		b := &m.bindings[bi]
		if b.role == nil {
			fs = append(fs, finding{obs: report.Observation{Location: b.ref.String(), Value: "references missing " + strings.ToLower(b.roleRef.Kind) + "/" + b.roleRef.Name + nsSuffix(b.roleRef.Namespace),
				Object: bindingObject(b.ref)}, status: report.StatusWarn, def: b.def})
		}
		for _, bs := range b.subjects {
			if bs.s.Kind != KindServiceAccount || !bs.ok {
				continue
			}
			if m.serviceAccount(bs.s.Namespace, bs.s.Name) != nil {
				continue
			}
			what := "names missing " + bs.s.String()
			if !m.namespaces[bs.s.Namespace] {
				what += " (namespace " + bs.s.Namespace + " does not exist either)"
			}
			fs = append(fs, finding{obs: report.Observation{Location: b.ref.String(), Value: what, Object: bindingObject(b.ref)}, status: report.StatusWarn, def: bs.def})
		}
	}
	clean := report.Observation{Location: "rolebindings+clusterrolebindings", Value: fmt.Sprintf("all %d bindings reference existing roles and service accounts", len(m.bindings))}
	return verdict(fs, o, "bindings referencing a missing role or service account", clean)
}

// checkBroad lists what broad groups and the anonymous user are granted
// beyond the bootstrap defaults. Always FAIL: such a grant is given to
// every caller (or every pod) of the cluster.
func checkBroad(m *Model, o EvalOptions) report.Outcome {
	return broadGrants(m, o, nil)
}

// broadGrants is KH-RBAC-3 for the named broad subjects (nil: all of them;
// system:serviceaccounts also covers system:serviceaccounts:NS).
func broadGrants(m *Model, o EvalOptions, only []string) report.Outcome {
	want := func(s Subject) bool {
		if !isBroad(s) {
			return false
		}
		if only == nil {
			return true
		}
		for _, n := range only {
			if s.Name == n || (n == "system:serviceaccounts" && strings.HasPrefix(s.Name, "system:serviceaccounts:")) {
				return true
			}
		}
		return false
	}
	var gs []Grant
	for bi := range m.bindings {
		b := &m.bindings[bi]
		if b.role == nil {
			continue
		}
		for _, bs := range b.subjects {
			if !bs.ok || !want(bs.s) {
				continue
			}
			for ri := range b.role.rules {
				gs = append(gs, Grant{Subject: bs.s, Binding: b.ref, Role: b.role.ref, Rule: b.role.rules[ri], Namespace: b.scope(), Default: bs.def})
			}
		}
	}
	sortGrants(gs)
	fs := grantFindings(gs, func(Grant) report.Status { return report.StatusFail })
	who, what := "system:anonymous, system:unauthenticated, system:authenticated or system:serviceaccounts[:NS]", "grants to anonymous, unauthenticated, all authenticated or all service accounts"
	if only != nil {
		who = strings.Join(only, " or ")
		what = "grants to " + who
	}
	clean := report.Observation{Location: "rolebindings+clusterrolebindings", Value: fmt.Sprintf("0 of %d bindings grant anything to %s beyond the defaults", len(m.bindings), who)}
	return verdict(fs, o, what, clean)
}
