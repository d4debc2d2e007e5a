// Command rbac-scale writes a synthetic RBAC snapshot (the format of
// `kubectl harden rbac --save-snapshot`) of a multi-tenant cluster with N
// namespaces, for hack/bench-rbac.sh. Each namespace has its default service
// account and two application ones with pods mounting their tokens, a team
// group bound to the edit ClusterRole, an application service account
// bound to admin, and a Role of its own bound to a user and a service
// account; on top are the bootstrap roles a cluster always has, and API
// discovery.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
)

func main() {
	n := flag.Int("namespaces", 8000, "number of tenant namespaces")
	shared := flag.Bool("shared", true, "also bind a platform team and its deployer service account to admin in every namespace, and every namespace's service accounts to view")
	flag.Parse()
	if err := json.NewEncoder(os.Stdout).Encode(snapshot(*n, *shared)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func rule(verbs []string, group string, resources []string, names ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, APIGroups: []string{group}, Resources: resources, ResourceNames: names}
}

func ref(kind, name string) rbacv1.RoleRef {
	return rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: name}
}

func snapshot(n int, shared bool) *rbac.Snapshot {
	boot := map[string]string{"kubernetes.io/bootstrapping": "rbac-defaults"}
	all := []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	read := []string{"get", "list", "watch"}
	s := rbac.NewSnapshot(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	cr := func(name string, labels map[string]string, rules ...rbacv1.PolicyRule) {
		s.ClusterRoles = append(s.ClusterRoles, rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Rules: rules})
	}
	crb := func(name string, labels map[string]string, role string, subjects ...rbacv1.Subject) {
		s.ClusterRoleBindings = append(s.ClusterRoleBindings, rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, RoleRef: ref("ClusterRole", role), Subjects: subjects})
	}
	cr("cluster-admin", boot, rule([]string{"*"}, "*", []string{"*"}), rbacv1.PolicyRule{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}})
	crb("cluster-admin", boot, "cluster-admin", rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:masters"})
	cr("admin", boot, rule(all, "", []string{"pods", "pods/exec", "secrets", "serviceaccounts", "configmaps", "services"}), rule([]string{"create"}, "", []string{"serviceaccounts/token"}),
		rule([]string{"impersonate"}, "", []string{"serviceaccounts"}), rule(all, "apps", []string{"deployments", "statefulsets", "daemonsets"}),
		rule(all, rbacv1.GroupName, []string{"roles", "rolebindings"}))
	cr("edit", boot, rule(all, "", []string{"pods", "pods/exec", "secrets", "configmaps", "services"}), rule(all, "apps", []string{"deployments", "statefulsets", "daemonsets"}))
	cr("view", boot, rule(read, "", []string{"pods", "configmaps", "services"}), rule(read, "apps", []string{"deployments", "statefulsets", "daemonsets"}))
	cr("system:discovery", boot, rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"}})
	crb("system:discovery", boot, "system:discovery", rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:authenticated"})
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease", "platform"} {
		s.Namespaces = append(s.Namespaces, ns)
		s.ServiceAccounts = append(s.ServiceAccounts, rbac.ServiceAccount{Namespace: ns, Name: "default"})
	}
	s.ServiceAccounts = append(s.ServiceAccounts, rbac.ServiceAccount{Namespace: "platform", Name: "deployer"})
	s.Pods = append(s.Pods, rbac.Pod{Namespace: "platform", Name: "deployer-pod", ServiceAccountName: "deployer", MountsToken: true})
	if shared {
		// The deployer is cluster-admin and the platform team administers
		// its namespace too: a path to full control (KH-RBAC-4 FAIL).
		crb("platform-deployer", nil, "cluster-admin", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: "platform", Name: "deployer"})
		s.RoleBindings = append(s.RoleBindings, rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "platform", Name: "platform-admin"}, RoleRef: ref("ClusterRole", "admin"),
			Subjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "platform-team"}}})
	}
	for i := 0; i < n; i++ {
		ns := fmt.Sprintf("tenant-%05d", i)
		s.Namespaces = append(s.Namespaces, ns)
		s.ServiceAccounts = append(s.ServiceAccounts, rbac.ServiceAccount{Namespace: ns, Name: "default"})
		for j := 0; j < 2; j++ {
			app := fmt.Sprintf("app-%d", j)
			s.ServiceAccounts = append(s.ServiceAccounts, rbac.ServiceAccount{Namespace: ns, Name: app})
			s.Pods = append(s.Pods, rbac.Pod{Namespace: ns, Name: app + "-pod", ServiceAccountName: app, MountsToken: true})
		}
		rb := func(name, kind, role string, subjects ...rbacv1.Subject) {
			s.RoleBindings = append(s.RoleBindings, rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, RoleRef: ref(kind, role), Subjects: subjects})
		}
		rb("team-edit", "ClusterRole", "edit", rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: fmt.Sprintf("team-%05d", i)})
		rb("app-admin", "ClusterRole", "admin", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: "app-0"})
		s.Roles = append(s.Roles, rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "config-reader"},
			Rules: []rbacv1.PolicyRule{rule(read, "", []string{"configmaps"}), rule([]string{"get"}, "", []string{"secrets"}, "app-config")}})
		if shared {
			rb("platform-admin", "ClusterRole", "admin", rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "platform-team"},
				rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: "platform", Name: "deployer"})
			rb("service-accounts-view", "ClusterRole", "view", rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:serviceaccounts:" + ns})
		}
		rb("config-reader", "Role", "config-reader", rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: fmt.Sprintf("dev-%05d", i)},
			rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: "app-1"})
	}
	s.Discovery = &rbac.Discovery{Resources: []rbac.APIResource{
		{Resource: "configmaps", Namespaced: true}, {Resource: "namespaces"}, {Resource: "nodes"}, {Resource: "persistentvolumes"},
		{Resource: "pods", Namespaced: true}, {Resource: "secrets", Namespaced: true}, {Resource: "serviceaccounts", Namespaced: true}, {Resource: "services", Namespaced: true},
		{Group: "apps", Resource: "daemonsets", Namespaced: true}, {Group: "apps", Resource: "deployments", Namespaced: true}, {Group: "apps", Resource: "statefulsets", Namespaced: true},
		{Group: rbacv1.GroupName, Resource: "clusterrolebindings"}, {Group: rbacv1.GroupName, Resource: "clusterroles"},
		{Group: rbacv1.GroupName, Resource: "rolebindings", Namespaced: true}, {Group: rbacv1.GroupName, Resource: "roles", Namespaced: true},
	}}
	if s.Pods == nil {
		s.Pods = []rbac.Pod{}
	}
	s.TokenSecrets = []rbac.TokenSecret{}
	return s
}
