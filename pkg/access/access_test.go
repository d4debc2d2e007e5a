package access_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/access/accesstest"
)

func TestResourceAndString(t *testing.T) {
	for _, tc := range []struct {
		p    access.Permission
		want string
	}{
		{access.Resource("list", "pods"), "list pods cluster-wide"},
		{access.Resource("get", "pods/log").In("kh"), "get pods/log in namespace kh"},
		{access.Resource("list", "deployments.apps").In("prod"), "list deployments.apps in namespace prod"},
		{access.Resource("list", "validatingadmissionpolicies.admissionregistration.k8s.io"), "list validatingadmissionpolicies.admissionregistration.k8s.io cluster-wide"},
		{access.Resource("get", "namespaces").Named("kh").In("kh"), "get namespaces named kh in namespace kh"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.p, got, tc.want)
		}
	}
	if p := access.Resource("get", "nodes/proxy"); p.Resource != "nodes" || p.Subresource != "proxy" || p.Group != "" {
		t.Errorf("nodes/proxy parsed as %+v", p)
	}
}

func TestMerge(t *testing.T) {
	podsAll := access.Resource("list", "pods")
	podsKH := access.Resource("list", "pods").In("kh")
	nodesOpt := access.Resource("list", "nodes").As(access.Degrades).For("platform")
	nodesReq := access.Resource("list", "nodes").For("scan")
	got := access.Merge([]access.Permission{podsKH, nodesOpt}, []access.Permission{podsAll, nodesReq, podsKH})
	want := []access.Permission{nodesOpt.As(access.Required), podsAll}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Merge = %+v\nwant %+v", got, want)
	}
	// A broader opt-in permission does not cover a required narrower one.
	proxyAll := access.Resource("get", "nodes/proxy").As(access.OptIn)
	proxyOne := access.Resource("get", "nodes/proxy").Named("n1")
	if got := access.Merge([]access.Permission{proxyAll, proxyOne}); len(got) != 2 {
		t.Errorf("Merge = %+v, want both", got)
	}
}

func TestRulesRoundTrip(t *testing.T) {
	ps := []access.Permission{
		access.Resource("list", "nodes"),
		access.Resource("list", "pods"),
		access.Resource("list", "deployments.apps"),
		access.Resource("create", "pods").In("kh"),
		access.Resource("delete", "pods").In("kh"),
		access.Resource("get", "pods/log").In("kh"),
		access.Resource("get", "namespaces").Named("kh").In("kh"),
		access.Resource("list", "services").In("default"),
	}
	cluster, namespaced := access.Rules(ps)
	want := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"nodes", "pods"}, Verbs: []string{"list"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"list"}},
	}
	if !reflect.DeepEqual(cluster, want) {
		t.Errorf("cluster rules %+v\nwant %+v", cluster, want)
	}
	if len(namespaced) != 2 || len(namespaced["default"]) != 1 {
		t.Fatalf("namespaced rules %+v", namespaced)
	}
	var back []access.Permission
	back = append(back, access.FromRules(cluster, "")...)
	for ns, rs := range namespaced {
		back = append(back, access.FromRules(rs, ns)...)
	}
	if un := accesstest.Uncovered(ps, back); len(un) > 0 {
		t.Errorf("not granted: %s", access.Join(un))
	}
	if extra := accesstest.Uncovered(back, ps); len(extra) > 0 {
		t.Errorf("granted beyond the permissions: %s", access.Join(extra))
	}
}

func TestCheck(t *testing.T) {
	c := fake.NewClientset()
	denied := access.Resource("list", "secrets")
	reviews := accesstest.AnswerReviews(c, accesstest.Deny(denied))
	ps := []access.Permission{access.Resource("list", "pods"), denied, access.Resource("get", "pods/log").In("kh")}
	missing, err := access.Check(context.Background(), c, ps)
	if err != nil || !reflect.DeepEqual(missing, []access.Permission{denied}) {
		t.Errorf("Check = %v, %v", missing, err)
	}
	if asked := reviews.Asked(); len(asked) != 3 {
		t.Errorf("asked %v", asked)
	}
	lacking, err := access.Require(context.Background(), c, "the test", ps)
	var me *access.MissingError
	if !errors.As(err, &me) || lacking != nil || !strings.Contains(err.Error(), "the test needs permission to list secrets cluster-wide") {
		t.Errorf("Require = %v, %v", lacking, err)
	}
	// A permission the command degrades without is returned, not an error.
	lacking, err = access.Require(context.Background(), c, "the test", []access.Permission{denied.As(access.Degrades)})
	if err != nil || len(lacking) != 1 {
		t.Errorf("Require(degrades) = %v, %v", lacking, err)
	}
	// A review that cannot be made names the permission.
	c2 := fake.NewClientset()
	c2.PrependReactor("create", "selfsubjectaccessreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("connection refused")
	})
	if _, err := access.Check(context.Background(), c2, ps[:1]); err == nil || !strings.Contains(err.Error(), "selfsubjectaccessreview for list pods cluster-wide: connection refused") {
		t.Errorf("review error: %v", err)
	}
}
