//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod"
	"github.com/kubectl-harden/kubectl-harden/pkg/permissions"
)

// lpNamespace holds the test's service accounts; lpPods is the namespace
// given with -n to the scans (labelled for privileged pods).
const (
	lpNamespace = "harden-lp"
	lpPods      = "harden-lp-pods"
	lpLabel     = "harden-e2e/least-privilege"
)

// lpCase is one command run with exactly its documented permissions.
type lpCase struct {
	name  string
	args  []string
	perms []access.Permission
	// removeAll says every permission is removed in turn; otherwise only
	// those of remove (by String()).
	removeAll bool
	remove    []string
}

// TestLeastPrivilege runs each command as a ServiceAccount bound to
// exactly the permissions the command declares (the README's table, the
// CronJob's roles): the report is complete, with no ERROR; then with each
// permission removed in turn, the command names the missing permission.
func TestLeastPrivilege(t *testing.T) {
	// Parallel, and so are its commands: every ServiceAccount, role and
	// binding is its own (lp-NAME[-i]); what is asserted (no ERROR, no
	// missing permission with all of them, the removed one named) does not
	// depend on what else the cluster holds.
	t.Parallel()
	ctx := context.Background()
	for _, ns := range []string{lpNamespace, lpPods} {
		labels := map[string]string{lpLabel: "true"}
		if ns == lpPods {
			labels[debugpod.PSAEnforceLabel] = debugpod.PSAPrivileged
		}
		_, err := cluster.client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: labels}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		ctx := context.Background()
		sel := metav1.ListOptions{LabelSelector: lpLabel}
		_ = cluster.client.RbacV1().ClusterRoleBindings().DeleteCollection(ctx, metav1.DeleteOptions{}, sel)
		_ = cluster.client.RbacV1().ClusterRoles().DeleteCollection(ctx, metav1.DeleteOptions{}, sel)
		for _, ns := range []string{lpNamespace, lpPods} {
			_ = cluster.client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
		}
		for _, ns := range []string{"default", lpPods} {
			_ = cluster.client.RbacV1().RoleBindings(ns).DeleteCollection(ctx, metav1.DeleteOptions{}, sel)
			_ = cluster.client.RbacV1().Roles(ns).DeleteCollection(ctx, metav1.DeleteOptions{}, sel)
		}
	})
	// The subtests are parallel: they run after this function returns, and
	// a cleanup registered now runs after them (and before the namespaces
	// above are deleted).
	t.Cleanup(func() { assertNoLeftovers(t, time.Minute) })
	cases := []lpCase{
		{name: "scan", args: []string{"scan", "nodes", "-n", lpPods}, perms: permissions.Scan(lpPods, false, false), removeAll: true},
		{name: "rbac", args: []string{"rbac"}, perms: permissions.RBAC(), removeAll: true},
		{name: "workloads", args: []string{"workloads"}, perms: permissions.Workloads(""), removeAll: true},
		{name: "cleanup", args: []string{"cleanup", "--dry-run"}, perms: permissions.Cleanup(), removeAll: true},
		// all is the union of its parts, each proven above: one removal per
		// part shows each part names its own.
		{name: "all", args: []string{"all", "-n", lpPods}, perms: permissions.All(lpPods, false), remove: []string{
			"create pods in namespace " + lpPods, "list secrets cluster-wide", "list deployments.apps cluster-wide",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			granted := access.Only(tc.perms, access.Required, access.Degrades)
			if tc.name == "cleanup" {
				// A dry run lists only.
				granted = slices.DeleteFunc(granted, func(p access.Permission) bool { return p.Verb != "list" })
			}
			sa := "lp-" + tc.name
			r := runAs(t, sa, granted, tc.args)
			if r.exit != 0 && r.exit != 2 {
				t.Fatalf("with exactly its permissions:\n%s", r)
			}
			if strings.Contains(r.stderr, "Warning: missing") || strings.Contains(r.stderr, "forbidden") {
				t.Errorf("with exactly its permissions, a permission is said to be missing:\n%s", r)
			}
			if tc.name != "cleanup" {
				rep := decodeReport(t, r)
				for _, tg := range rep.Targets {
					if tg.Error != "" || tg.Summary.Error > 0 {
						t.Errorf("%s: error %q, ERROR results: %s", tg.Name, tg.Error, errorReasons(tg))
					}
				}
				if len(rep.Targets) == 0 || rep.Summary.Total == 0 {
					t.Errorf("empty report:\n%s", r)
				}
			}
			for i, p := range granted {
				if !tc.removeAll && !slices.Contains(tc.remove, p.String()) {
					continue
				}
				without := slices.Delete(slices.Clone(granted), i, i+1)
				r := runAs(t, fmt.Sprintf("%s-%d", sa, i), without, tc.args)
				if !namesPermission(r.stderr+r.stdout, p) {
					t.Errorf("without %s (%s), the command does not name it:\n%s", p, needOf(p), r)
				}
				if p.Need == access.Required && r.exit == 0 {
					if tc.name != "workloads" && tc.name != "all" {
						t.Errorf("without the required %s, exit 0:\n%s", p, r)
					}
				}
				if p.Need == access.Required && (tc.name == "workloads" || tc.name == "all") && r.exit != 1 {
					// The controls that need it are ERROR: never a clean exit.
					t.Errorf("without the required %s, exit %d, want 1 (ERROR results):\n%s", p, r.exit, r)
				}
			}
		})
	}
}

func needOf(p access.Permission) string {
	switch p.Need {
	case access.Degrades:
		return "optional"
	case access.OptIn:
		return "opt-in"
	}
	return "required"
}

// namesPermission says whether out names p: as the tool writes it
// ("list secrets cluster-wide"), or as the API server's Forbidden message
// does ("cannot list resource \"secrets\" in API group \"\"").
func namesPermission(out string, p access.Permission) bool {
	if strings.Contains(out, p.String()) {
		return true
	}
	res := p.Resource
	if p.Subresource != "" {
		res += "/" + p.Subresource
	}
	api := regexp.MustCompile(fmt.Sprintf(`cannot %s resource \\?"%s\\?" in API group \\?"%s\\?"`, regexp.QuoteMeta(p.Verb), regexp.QuoteMeta(res), regexp.QuoteMeta(p.Group)))
	return api.MatchString(out)
}

// runAs creates ServiceAccount sa bound to exactly perms (a ClusterRole
// for the cluster-wide ones, a Role per namespace for the others), waits
// until the authorizer agrees, runs kubectl harden ARGS -o json as the
// ServiceAccount (--as) and removes the bindings again.
func runAs(t *testing.T, sa string, perms []access.Permission, args []string) run {
	t.Helper()
	ctx := context.Background()
	labels := map[string]string{lpLabel: "true"}
	_, err := cluster.client.CoreV1().ServiceAccounts(lpNamespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa, Labels: labels}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	subjects := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: lpNamespace}}
	name := "harden-" + sa
	clusterRules, namespaced := access.Rules(perms)
	var undo []func()
	if len(clusterRules) > 0 {
		mustCreate(t, func() error {
			_, err := cluster.client.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Rules: clusterRules}, metav1.CreateOptions{})
			return err
		})
		mustCreate(t, func() error {
			_, err := cluster.client.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Subjects: subjects,
				RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}}, metav1.CreateOptions{})
			return err
		})
		undo = append(undo, func() {
			_ = cluster.client.RbacV1().ClusterRoleBindings().Delete(ctx, name, metav1.DeleteOptions{})
			_ = cluster.client.RbacV1().ClusterRoles().Delete(ctx, name, metav1.DeleteOptions{})
		})
	}
	for _, ns := range slices.Sorted(maps.Keys(namespaced)) {
		mustCreate(t, func() error {
			_, err := cluster.client.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Rules: namespaced[ns]}, metav1.CreateOptions{})
			return err
		})
		mustCreate(t, func() error {
			_, err := cluster.client.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Subjects: subjects,
				RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}}, metav1.CreateOptions{})
			return err
		})
		undo = append(undo, func() {
			_ = cluster.client.RbacV1().RoleBindings(ns).Delete(ctx, name, metav1.DeleteOptions{})
			_ = cluster.client.RbacV1().Roles(ns).Delete(ctx, name, metav1.DeleteOptions{})
		})
	}
	defer func() {
		for _, u := range undo {
			u()
		}
	}()
	user := "system:serviceaccount:" + lpNamespace + ":" + sa
	// The RBAC authorizer reads bindings from an informer: wait until it
	// allows every granted permission.
	if !eventually(30*time.Second, 200*time.Millisecond, func() bool {
		for _, p := range perms {
			if !allowed(ctx, user, p) {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("%s: the authorizer does not allow the granted permissions after 30s", user)
	}
	full := append(slices.Clone(args), "--as", user)
	if args[0] != "cleanup" {
		full = append(full, "-o", "json")
	}
	return harden(t, scanTimeout, full...)
}

func mustCreate(t *testing.T, create func() error) {
	t.Helper()
	if err := create(); err != nil {
		t.Fatal(err)
	}
}

// allowed asks the API server (SubjectAccessReview) whether user may
// make the request p stands for.
func allowed(ctx context.Context, user string, p access.Permission) bool {
	ns := strings.SplitN(user, ":", 4)[2]
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:   user,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: p.Verb, Group: p.Group, Resource: p.Resource,
			Subresource: p.Subresource, Name: p.Name, Namespace: p.Namespace},
	}}
	res, err := cluster.client.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
	return err == nil && res.Status.Allowed
}
