package rbac

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// TestRuleAllows pins every matching rule of the upstream authorizer.
func TestRuleAllows(t *testing.T) {
	cases := []struct {
		name string
		rule rbacv1.PolicyRule
		a    Attributes
		want bool
	}{
		{"exact", rule("get", "", "pods"), Attributes{Verb: "get", Resource: "pods"}, true},
		{"verb differs", rule("get", "", "pods"), Attributes{Verb: "list", Resource: "pods"}, false},
		{"verb star", rule("*", "", "pods"), Attributes{Verb: "escalate", Resource: "pods"}, true},
		{"group differs", rule("get", "apps", "deployments"), Attributes{Verb: "get", Resource: "deployments"}, false},
		{"group star", rule("get", "*", "deployments"), Attributes{Verb: "get", APIGroup: "apps", Resource: "deployments"}, true},
		{"core group is empty string", rule("get", "", "pods"), Attributes{Verb: "get", APIGroup: "apps", Resource: "pods"}, false},
		{"resource star", rule("get", "", "*"), Attributes{Verb: "get", Resource: "secrets"}, true},
		{"resource star covers subresource", rule("get", "", "*"), Attributes{Verb: "get", Resource: "nodes", Subresource: "proxy"}, true},
		{"resource does not cover subresource", rule("get", "", "nodes"), Attributes{Verb: "get", Resource: "nodes", Subresource: "proxy"}, false},
		{"resource/subresource exact", rule("get", "", "nodes/proxy"), Attributes{Verb: "get", Resource: "nodes", Subresource: "proxy"}, true},
		{"resource/subresource does not cover resource", rule("get", "", "nodes/proxy"), Attributes{Verb: "get", Resource: "nodes"}, false},
		{"*/subresource", rule("get", "", "*/scale"), Attributes{Verb: "get", Resource: "deployments", Subresource: "scale"}, true},
		{"*/subresource other subresource", rule("get", "", "*/scale"), Attributes{Verb: "get", Resource: "deployments", Subresource: "status"}, false},
		{"*/subresource without subresource", rule("get", "", "*/scale"), Attributes{Verb: "get", Resource: "deployments"}, false},
		{"pods/* is not a wildcard", rule("get", "", "pods/*"), Attributes{Verb: "get", Resource: "pods", Subresource: "exec"}, false},
		{"resourceNames match", rule("get", "", "secrets", "a"), Attributes{Verb: "get", Resource: "secrets", Name: "a"}, true},
		{"resourceNames other name", rule("get", "", "secrets", "a"), Attributes{Verb: "get", Resource: "secrets", Name: "b"}, false},
		{"resourceNames never match unnamed list", rule("list", "", "secrets", "a"), Attributes{Verb: "list", Resource: "secrets"}, false},
		{"no resourceNames match any name", rule("get", "", "secrets"), Attributes{Verb: "get", Resource: "secrets", Name: "x"}, true},
		{"url exact", urlRule("get", "/healthz"), Attributes{Verb: "get", Path: "/healthz"}, true},
		{"url exact other", urlRule("get", "/healthz"), Attributes{Verb: "get", Path: "/healthz/etcd"}, false},
		{"url trailing star", urlRule("get", "/healthz*"), Attributes{Verb: "get", Path: "/healthz/etcd"}, true},
		{"url trailing slash star", urlRule("get", "/apis/*"), Attributes{Verb: "get", Path: "/apis/apps"}, true},
		{"url trailing slash star not parent", urlRule("get", "/apis/*"), Attributes{Verb: "get", Path: "/apis"}, false},
		{"url star", urlRule("get", "*"), Attributes{Verb: "get", Path: "/metrics"}, true},
		{"url verb", urlRule("get", "/metrics"), Attributes{Verb: "post", Path: "/metrics"}, false},
		{"resource rule does not cover url", rule("*", "*", "*"), Attributes{Verb: "get", Path: "/metrics"}, false},
		{"url rule does not cover resource", urlRule("*", "*"), Attributes{Verb: "get", Resource: "pods"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := RuleAllows(c.a, &c.rule); got != c.want {
				t.Errorf("RuleAllows(%s, %s) = %v, want %v", c.a, c.rule.String(), got, c.want)
			}
		})
	}
}

func TestRuleAllowsAnyName(t *testing.T) {
	r := rule("get", "", "secrets", "tok")
	if !ruleAllowsAnyName(Attributes{Verb: "get", Resource: "secrets"}, &r) {
		t.Error("named rule must count for risk controls")
	}
	if len(r.ResourceNames) != 1 {
		t.Error("ruleAllowsAnyName changed the rule")
	}
	if ruleAllowsAnyName(Attributes{Verb: "get", Resource: "secrets", Name: "other"}, &r) {
		t.Error("explicit other name must not match")
	}
}
