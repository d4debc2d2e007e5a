package rbac

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

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
		fs = append(fs, finding{obs: report.Observation{Location: "secret/" + t.Name + " -n " + t.Namespace, Value: strings.Join(parts, "; ")}, status: st})
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
			fs = append(fs, finding{obs: report.Observation{Location: b.ref.String(), Value: "references missing " + strings.ToLower(b.roleRef.Kind) + "/" + b.roleRef.Name + nsSuffix(b.roleRef.Namespace)}, status: report.StatusWarn, def: b.def})
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
			fs = append(fs, finding{obs: report.Observation{Location: b.ref.String(), Value: what}, status: report.StatusWarn, def: bs.def})
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

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](mp map[string]V) []string {
	ks := make([]string, 0, len(mp))
	for k := range mp {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
