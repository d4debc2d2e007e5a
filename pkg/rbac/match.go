package rbac

import (
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// The functions in this file mirror, rule for rule, the matching helpers of
// the Kubernetes RBAC authorizer (k8s.io/kubernetes pkg/apis/rbac/v1
// evaluation_helpers.go and plugin/pkg/auth/authorizer/rbac RuleAllows).
// They are copied in spirit rather than imported because importing
// k8s.io/kubernetes pulls the whole API server into a kubectl plugin. Any
// difference from upstream is a bug: the table in match_test.go pins the
// upstream behaviour case by case.

// Attributes describe one request, as the authorizer sees it.
type Attributes struct {
	// Verb is the API verb: get, list, watch, create, update, patch,
	// delete, deletecollection, or a special verb (bind, escalate,
	// impersonate, approve, use) or, for non-resource URLs, the
	// lower-case HTTP verb (get, post, ...).
	Verb string `json:"verb"`
	// APIGroup is the API group, "" for the core group.
	APIGroup string `json:"apiGroup,omitempty"`
	// Resource is the plural resource name, e.g. "pods".
	Resource string `json:"resource,omitempty"`
	// Subresource is e.g. "exec", "proxy", "token", "approval".
	Subresource string `json:"subresource,omitempty"`
	// Name is the object name; empty for list/create/collections.
	Name string `json:"name,omitempty"`
	// Namespace is the request namespace; empty means cluster-wide (then
	// only ClusterRoleBindings count, exactly like `kubectl auth can-i -A`).
	Namespace string `json:"namespace,omitempty"`
	// Path is the non-resource URL, e.g. "/healthz". A non-empty Path
	// makes this a non-resource request and the resource fields are
	// ignored.
	Path string `json:"path,omitempty"`
}

// IsResourceRequest reports whether the attributes name a resource (as
// opposed to a non-resource URL).
func (a Attributes) IsResourceRequest() bool { return a.Path == "" }

// String renders the attributes the way `kubectl auth can-i` reads them.
func (a Attributes) String() string {
	if !a.IsResourceRequest() {
		return a.Verb + " " + a.Path
	}
	var b strings.Builder
	b.WriteString(a.Verb)
	b.WriteByte(' ')
	b.WriteString(a.Resource)
	if a.APIGroup != "" {
		b.WriteByte('.')
		b.WriteString(a.APIGroup)
	}
	if a.Subresource != "" {
		b.WriteByte('/')
		b.WriteString(a.Subresource)
	}
	if a.Name != "" {
		b.WriteString(" " + a.Name)
	}
	if a.Namespace != "" {
		b.WriteString(" -n " + a.Namespace)
	} else {
		b.WriteString(" (cluster-wide)")
	}
	return b.String()
}

// VerbMatches reports whether the rule allows the verb ("*" allows all).
func VerbMatches(rule *rbacv1.PolicyRule, verb string) bool {
	return holds(rule.Verbs, rbacv1.VerbAll, verb)
}

// APIGroupMatches reports whether the rule covers the API group.
func APIGroupMatches(rule *rbacv1.PolicyRule, group string) bool {
	return holds(rule.APIGroups, rbacv1.APIGroupAll, group)
}

// holds reports whether a rule's list names want or the wildcard all.
func holds(list []string, all, want string) bool {
	for _, v := range list {
		if v == all || v == want {
			return true
		}
	}
	return false
}

// ResourceMatches reports whether the rule covers the resource.
// combined is "resource" or "resource/subresource"; a rule entry "*"
// matches everything, "pods/*" does NOT match "pods/exec" (upstream has no
// such form), and "*/exec" matches any resource's exec subresource.
func ResourceMatches(rule *rbacv1.PolicyRule, combined, subresource string) bool {
	for _, r := range rule.Resources {
		if r == rbacv1.ResourceAll || r == combined {
			return true
		}
		if subresource == "" {
			continue
		}
		if len(r) == len(subresource)+2 && strings.HasPrefix(r, "*/") && strings.HasSuffix(r, subresource) {
			return true
		}
	}
	return false
}

// ResourceNameMatches reports whether the rule covers the object name. A
// rule without resourceNames covers every name; a rule with resourceNames
// never covers a request without a name (list, create, watch of a
// collection).
func ResourceNameMatches(rule *rbacv1.PolicyRule, name string) bool {
	return len(rule.ResourceNames) == 0 || slices.Contains(rule.ResourceNames, name)
}

// NonResourceURLMatches reports whether the rule covers the URL path; a
// rule entry ending in "*" is a prefix match.
func NonResourceURLMatches(rule *rbacv1.PolicyRule, path string) bool {
	for _, u := range rule.NonResourceURLs {
		if u == rbacv1.NonResourceAll || u == path {
			return true
		}
		if strings.HasSuffix(u, "*") && strings.HasPrefix(path, strings.TrimRight(u, "*")) {
			return true
		}
	}
	return false
}

// RuleAllows reports whether one rule allows the request, exactly like
// the RBAC authorizer's RuleAllows. Namespaces are not looked at here: the
// scope of a rule comes from its binding.
func RuleAllows(a Attributes, rule *rbacv1.PolicyRule) bool {
	if a.IsResourceRequest() {
		combined := a.Resource
		if a.Subresource != "" {
			combined = a.Resource + "/" + a.Subresource
		}
		return VerbMatches(rule, a.Verb) &&
			APIGroupMatches(rule, a.APIGroup) &&
			ResourceMatches(rule, combined, a.Subresource) &&
			ResourceNameMatches(rule, a.Name)
	}
	return VerbMatches(rule, a.Verb) && NonResourceURLMatches(rule, a.Path)
}

// ruleAllowsAnyName is RuleAllows for risk controls: a rule restricted by
// resourceNames still counts (for some names), because "can read secret
// X" is a finding when X is a token. The evidence shows the names.
func ruleAllowsAnyName(a Attributes, rule *rbacv1.PolicyRule) bool {
	if len(rule.ResourceNames) == 0 || a.Name != "" {
		return RuleAllows(a, rule)
	}
	r := *rule
	r.ResourceNames = nil
	return RuleAllows(a, &r)
}
