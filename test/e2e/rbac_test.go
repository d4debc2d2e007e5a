//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

const (
	rbacFixtures = "testdata/rbac-risky.yaml"
	rbacNS       = "harden-e2e-rbac"
)

// TestRBAC checks `kubectl harden rbac` on the default cluster (no FAIL), then
// with the risky fixtures applied (each one flagged by its control), and
// compares `rbac who-can` with the API server's own SubjectAccessReview.
func TestRBAC(t *testing.T) {
	deleteFixtures := func() {
		if out, err := kubectlOut(context.Background(), "delete", "-f", rbacFixtures, "--ignore-not-found", "--wait=true", "--timeout=180s"); err != nil {
			t.Errorf("deleting the RBAC fixtures: %v\n%s", err, out)
		}
	}
	deleteFixtures() // left by an interrupted run

	t.Run("default cluster has no FAIL", func(t *testing.T) {
		r := harden(t, 2*time.Minute, "rbac", "-o", "json")
		if r.exit != 0 {
			t.Fatalf("want exit 0 on a default cluster:\n%s", r)
		}
		rep := decodeReport(t, r)
		if rep.Kind != report.KindRBAC {
			t.Errorf("kind = %q, want %q", rep.Kind, report.KindRBAC)
		}
		if rep.Summary.Total == 0 {
			t.Errorf("no results at all:\n%s", r)
		}
		for _, res := range rep.Results() {
			if res.Status == report.StatusFail || res.Status == report.StatusError {
				t.Errorf("default cluster: %s", describe(&res))
			}
		}
	})

	t.Cleanup(deleteFixtures)
	// The namespace's default ServiceAccount is created by a controller at the
	// same time as the fixture's own: a second apply then patches it.
	applied := eventually(30*time.Second, 2*time.Second, func() bool {
		out, err := kubectlOut(context.Background(), "apply", "-f", rbacFixtures)
		if err != nil {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			t.Logf("kubectl apply -f %s: %v: %s (retrying)", rbacFixtures, err, lines[len(lines)-1])
		}
		return err == nil
	})
	if !applied {
		t.Fatalf("kubectl apply -f %s failed", rbacFixtures)
	}
	// the token controller fills the legacy token Secret
	eventually(30*time.Second, 250*time.Millisecond, func() bool {
		out, err := kubectlOut(context.Background(), "get", "secret", "-n", rbacNS, "e2e-risky-legacy-token", "-o", "jsonpath={.data.token}")
		return err == nil && out != ""
	})

	t.Run("fixtures are flagged", func(t *testing.T) {
		r := harden(t, 2*time.Minute, "rbac", "-o", "json")
		if r.exit != 0 {
			t.Fatalf("want exit 0 without --fail-on:\n%s", r)
		}
		rep := decodeReport(t, r)
		cases := []struct {
			control string // a control ID, or a prefix ending in "-"
			names   []string
			what    string
		}{
			{"5.1.1", []string{"e2e-risky-cluster-admin"}, "user bound to cluster-admin"},
			{"5.1.2", []string{"e2e-risky-secrets-reader"}, "role reading secrets"},
			{"5.1.3", []string{"e2e-risky-wildcard"}, "wildcard resources"},
			{"5.1.4", []string{"e2e-risky-pod-creator"}, "pod create"},
			{"5.1.5", []string{rbacNS}, "default service account with automount"},
			{"5.1.6", []string{"e2e-risky-pod"}, "pod mounting a token"},
			{"5.1.7", []string{"e2e-risky-masters"}, "binding to system:masters"},
			{"5.1.8", []string{"e2e-risky-escalator"}, "bind/escalate/impersonate"},
			{"5.1.9", []string{"e2e-risky-pv-creator"}, "persistent volume create"},
			{"5.1.10", []string{"e2e-risky-node-proxy"}, "nodes/proxy get"},
			{"5.1.11", []string{"e2e-risky-csr-approver"}, "CSR approval"},
			{"5.1.12", []string{"e2e-risky-webhook-editor"}, "webhook configuration edit"},
			{"5.1.13", []string{"e2e-risky-token-creator"}, "serviceaccounts/token create"},
			{"KH-RBAC-", []string{"e2e-risky-legacy-token"}, "legacy service account token Secret"},
			{"KH-RBAC-", []string{"e2e-risky-dangling"}, "binding to a missing role"},
		}
		for _, c := range cases {
			if found, where := flagged(rep, c.control, c.names); found {
				t.Logf("%-22s %-40s flagged by %s", c.names[0], c.what, where)
			} else {
				t.Errorf("%s (%s) is not flagged FAIL/WARN by %s with its name in the evidence; results of %s: %s",
					c.names[0], c.what, c.control, c.control, resultsOf(rep, c.control))
			}
		}
	})

	t.Run("--fail-on FAIL exits 2", func(t *testing.T) {
		r := harden(t, 2*time.Minute, "rbac", "--fail-on", "FAIL")
		if r.exit != 2 {
			t.Errorf("want exit 2 with the fixtures and --fail-on FAIL:\n%s", r)
		}
	})

	t.Run("who-can agrees with SubjectAccessReview", func(t *testing.T) {
		testWhoCan(t)
	})

	t.Run("subject", func(t *testing.T) {
		for _, c := range []struct{ subject, want string }{
			{"user/e2e-user-alice", "cluster-admin"},
			{"serviceaccount/" + rbacNS + ":e2e-deployer", "e2e-risky-pod-creator"},
			{"group/e2e-group-ops", "e2e-risky-secrets-reader"},
		} {
			r := harden(t, time.Minute, "rbac", "subject", c.subject, "-o", "wide")
			if r.exit != 0 || !strings.Contains(r.stdout, c.want) {
				t.Errorf("rbac subject %s: want exit 0 and %q in the output\n%s", c.subject, c.want, r)
			}
		}
	})
}

// flagged says whether a FAIL or WARN result of control (or of any control
// with that prefix) names one of names in its evidence or reason.
func flagged(rep *report.Report, control string, names []string) (bool, string) {
	for _, r := range rep.Results() {
		if !controlMatches(r.ControlID, control) || (r.Status != report.StatusFail && r.Status != report.StatusWarn) {
			continue
		}
		text := r.Reason
		for _, o := range r.Evidence {
			text += "\n" + o.Location + "\n" + o.Value + "\n" + o.Path
		}
		for _, n := range names {
			if strings.Contains(text, n) {
				return true, fmt.Sprintf("%s %s", r.ControlID, r.Status)
			}
		}
	}
	return false, ""
}

func controlMatches(id, control string) bool {
	if strings.HasSuffix(control, "-") {
		return strings.HasPrefix(id, control)
	}
	return id == control
}

func resultsOf(rep *report.Report, control string) string {
	var out []string
	for _, r := range rep.Results() {
		if controlMatches(r.ControlID, control) {
			out = append(out, describe(&r))
		}
	}
	if len(out) == 0 {
		return "<none>"
	}
	return strings.Join(out, "; ")
}

// subject is someone the who-can comparison asks about.
type subject struct {
	name   string // as it should appear in who-can's output
	user   string
	groups []string
}

// whoCanQuery is one question: who can VERB RESOURCE (in NAMESPACE)?
type whoCanQuery struct {
	verb, group, resource, subresource, namespace string
	// name is the object name, for the SubjectAccessReview only.
	name string
}

func (q whoCanQuery) args() []string {
	a := []string{"rbac", "who-can", q.verb, q.resource}
	if q.subresource != "" {
		a = append(a, "--subresource", q.subresource)
	}
	if q.namespace != "" {
		a = append(a, "-n", q.namespace)
	}
	return a
}

func (q whoCanQuery) String() string {
	s := q.verb + " " + q.resource
	if q.subresource != "" {
		s += "/" + q.subresource
	}
	if q.namespace != "" {
		s += " -n " + q.namespace
	}
	return s
}

func testWhoCan(t *testing.T) {
	authenticated := []string{"system:authenticated"}
	subjects := []subject{
		{name: "e2e-user-alice", user: "e2e-user-alice", groups: authenticated},
		{name: "e2e-user-bob", user: "e2e-user-bob", groups: authenticated},
		{name: "e2e-user-carol", user: "e2e-user-carol", groups: authenticated},
		{name: "e2e-user-dave", user: "e2e-user-dave", groups: authenticated},
		{name: "e2e-user-eve", user: "e2e-user-eve", groups: authenticated},
		{name: "e2e-user-frank", user: "e2e-user-frank", groups: authenticated},
		{name: "e2e-user-grace", user: "e2e-user-grace", groups: authenticated},
		{name: "e2e-user-heidi", user: "e2e-user-heidi", groups: authenticated},
		{name: "e2e-user-ivan", user: "e2e-user-ivan", groups: authenticated},
		{name: "e2e-user-judy", user: "e2e-user-judy", groups: authenticated},
		{name: "e2e-user-mallory", user: "e2e-user-mallory", groups: authenticated},
		{name: "e2e-group-ops", user: "e2e-probe", groups: []string{"e2e-group-ops", "system:authenticated"}},
		{name: "e2e-deployer", user: "system:serviceaccount:" + rbacNS + ":e2e-deployer",
			groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + rbacNS, "system:authenticated"}},
		{name: "e2e-risky-legacy-sa", user: "system:serviceaccount:" + rbacNS + ":e2e-risky-legacy-sa",
			groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + rbacNS, "system:authenticated"}},
	}
	queries := []whoCanQuery{
		{verb: "get", resource: "secrets", namespace: rbacNS},
		{verb: "get", resource: "secrets", namespace: "default"},
		{verb: "list", resource: "configmaps", namespace: "kube-system"},
		{verb: "create", resource: "pods", namespace: rbacNS},
		{verb: "create", resource: "pods", namespace: "default"},
		{verb: "list", resource: "nodes"},
		{verb: "get", resource: "nodes", subresource: "proxy"},
		{verb: "impersonate", resource: "users"},
		{verb: "bind", group: "rbac.authorization.k8s.io", resource: "clusterroles"},
		{verb: "create", resource: "serviceaccounts", subresource: "token", namespace: "default"},
		{verb: "update", group: "certificates.k8s.io", resource: "certificatesigningrequests", subresource: "approval"},
		{verb: "delete", group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations"},
		{verb: "create", resource: "persistentvolumes"},
	}
	// SubjectAccessReview answers as `kubectl auth can-i --as` does: check a few.
	for _, q := range []whoCanQuery{queries[0], queries[3]} {
		for _, s := range subjects[:4] {
			args := []string{"auth", "can-i", q.verb, q.resource, "--as", s.user}
			if q.namespace != "" {
				args = append(args, "-n", q.namespace)
			}
			out, _ := kubectlOut(context.Background(), args...)
			if canI := strings.TrimSpace(out) == "yes"; canI != sarAllowed(t, s, q) {
				t.Errorf("kubectl auth can-i %s --as %s says %q, SubjectAccessReview disagrees", q, s.user, strings.TrimSpace(out))
			}
		}
	}
	mismatches := 0
	for _, q := range queries {
		grants, ok := whoCanGrants(t, q)
		if !ok {
			continue
		}
		var yes []string
		for _, s := range subjects {
			allowed := sarAllowed(t, s, q)
			listed := lists(grants, s)
			if allowed {
				yes = append(yes, s.name)
			}
			if allowed != listed {
				mismatches++
				t.Errorf("who-can %s: %s listed=%v, SubjectAccessReview allowed=%v", q, s.name, listed, allowed)
			}
		}
		t.Logf("who-can %s: %v", q, yes)
	}
	if mismatches > 0 {
		t.Logf("%d mismatches between who-can and SubjectAccessReview", mismatches)
	}
}

// whoCanGrants runs `rbac who-can` with -o json and decodes its grants.
// A run that fails or prints something else fails the test: there is no
// fallback to the table, which would hide a broken -o json.
func whoCanGrants(t *testing.T, q whoCanQuery) ([]rbac.Grant, bool) {
	t.Helper()
	r := harden(t, 2*time.Minute, append(q.args(), "-o", "json")...)
	if r.exit != 0 {
		t.Errorf("who-can %s -o json failed:\n%s", q, r)
		return nil, false
	}
	var out struct {
		Grants []rbac.Grant `json:"grants"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Errorf("who-can %s -o json printed no JSON grants: %v\n%s", q, err, r)
		return nil, false
	}
	return out.Grants, true
}

// lists says whether a grant names the subject: its user, its service
// account or one of its groups.
func lists(grants []rbac.Grant, s subject) bool {
	for _, g := range grants {
		switch g.Subject.Kind {
		case rbac.KindUser:
			if g.Subject.Name == s.user {
				return true
			}
		case rbac.KindServiceAccount:
			if g.Subject.Username() == s.user {
				return true
			}
		case rbac.KindGroup:
			if slices.Contains(s.groups, g.Subject.Name) {
				return true
			}
		}
	}
	return false
}

// sarAllowed asks the API server whether a subject may do q.
func sarAllowed(t *testing.T, s subject, q whoCanQuery) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:   s.user,
		Groups: s.groups,
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: q.namespace, Verb: q.verb, Group: q.group, Resource: q.resource, Subresource: q.subresource, Name: q.name,
		},
	}}
	res, err := cluster.client.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("SubjectAccessReview %s for %s: %v", q, s.name, err)
	}
	return res.Status.Allowed
}
