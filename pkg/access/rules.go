package access

import (
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// Rules turns permissions into the RBAC rules that grant exactly them:
// the cluster-wide ones into ClusterRole rules, the others into Role
// rules per namespace. Requests on the same resources and names are
// folded into one rule with several verbs, and rules with the same verbs
// and names into one rule with several resources of a group, so that the
// rules stay few and readable. The output is sorted: equal inputs give
// byte-identical manifests.
func Rules(ps []Permission) (cluster []rbacv1.PolicyRule, namespaced map[string][]rbacv1.PolicyRule) {
	byNS := map[string][]Permission{}
	for _, p := range Merge(ps) {
		byNS[p.Namespace] = append(byNS[p.Namespace], p)
	}
	for ns, l := range byNS {
		rules := rulesOf(l)
		if ns == "" {
			cluster = rules
			continue
		}
		if namespaced == nil {
			namespaced = map[string][]rbacv1.PolicyRule{}
		}
		namespaced[ns] = rules
	}
	return cluster, namespaced
}

// rulesOf folds permissions of one scope into rules.
func rulesOf(ps []Permission) []rbacv1.PolicyRule {
	// One rule per (group, resource, name) with every verb.
	type target struct{ group, resource, name string }
	verbs := map[target][]string{}
	var order []target
	for _, p := range ps {
		t := target{p.Group, p.Resource, p.Name}
		if p.Subresource != "" {
			t.resource += "/" + p.Subresource
		}
		if _, ok := verbs[t]; !ok {
			order = append(order, t)
		}
		if !slices.Contains(verbs[t], p.Verb) {
			verbs[t] = append(verbs[t], p.Verb)
		}
	}
	// Then one rule per (group, verbs, name) with every resource.
	type shape struct{ group, verbs, name string }
	resources := map[shape][]string{}
	var shapes []shape
	for _, t := range order {
		vs := verbs[t]
		sort.Strings(vs)
		s := shape{t.group, strings.Join(vs, ","), t.name}
		if _, ok := resources[s]; !ok {
			shapes = append(shapes, s)
		}
		resources[s] = append(resources[s], t.resource)
	}
	var rules []rbacv1.PolicyRule
	for _, s := range shapes {
		res := resources[s]
		sort.Strings(res)
		r := rbacv1.PolicyRule{APIGroups: []string{s.group}, Resources: res, Verbs: strings.Split(s.verbs, ",")}
		if s.name != "" {
			r.ResourceNames = []string{s.name}
		}
		rules = append(rules, r)
	}
	sort.SliceStable(rules, func(i, j int) bool {
		a, b := rules[i], rules[j]
		if a.APIGroups[0] != b.APIGroups[0] {
			return a.APIGroups[0] < b.APIGroups[0]
		}
		if len(a.ResourceNames) != len(b.ResourceNames) {
			return len(a.ResourceNames) < len(b.ResourceNames)
		}
		return strings.Join(a.Resources, ",") < strings.Join(b.Resources, ",")
	})
	return rules
}

// FromRules lists the permissions a set of rules grants in namespace ns
// ("" for a ClusterRole's), one per verb, resource and name; wildcards
// and non-resource URLs are kept as written. It is Rules read backwards,
// for tests and documentation that compare the two.
func FromRules(rules []rbacv1.PolicyRule, ns string) []Permission {
	var out []Permission
	for _, r := range rules {
		names := r.ResourceNames
		if len(names) == 0 {
			names = []string{""}
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				base, sub, _ := strings.Cut(res, "/")
				for _, v := range r.Verbs {
					for _, n := range names {
						out = append(out, Permission{Verb: v, Group: g, Resource: base, Subresource: sub, Name: n, Namespace: ns})
					}
				}
			}
		}
	}
	return out
}
