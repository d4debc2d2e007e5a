package rbac

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// RuleString renders a policy rule compactly, the one way every output of
// kubectl-harden writes a rule: verbs, resources as kubectl writes them
// (resource.group), and names: "get,list secrets",
// "bind clusterroles.rbac.authorization.k8s.io [names: cluster-admin]",
// "get /metrics".
func RuleString(r rbacv1.PolicyRule) string {
	s := RuleVerbs(r) + " " + RuleResources(r)
	if len(r.ResourceNames) > 0 {
		s += " [names: " + strings.Join(r.ResourceNames, ",") + "]"
	}
	return s
}

// RuleVerbs is the verbs part of RuleString.
func RuleVerbs(r rbacv1.PolicyRule) string { return strings.Join(r.Verbs, ",") }

// RuleResources is the resources part of RuleString: every resource of
// every group ("pods", "deployments.apps", "*.*"), or the non-resource
// URLs.
func RuleResources(r rbacv1.PolicyRule) string {
	if len(r.NonResourceURLs) > 0 {
		return strings.Join(r.NonResourceURLs, ",")
	}
	var res []string
	for _, g := range r.APIGroups {
		for _, rs := range r.Resources {
			if g == "" {
				res = append(res, rs)
			} else {
				res = append(res, rs+"."+g)
			}
		}
	}
	return strings.Join(res, ",")
}
