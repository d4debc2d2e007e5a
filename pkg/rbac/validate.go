package rbac

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/kubectl-harden/kubectl-harden/internal/snapshotdoc"
)

// snapshotFormat is the saved RBAC snapshot document.
var snapshotFormat = snapshotdoc.Format{Noun: "RBAC snapshot", Article: "an", Kind: "RBACSnapshot", APIVersion: snapshotdoc.APIVersion,
	Keys: []string{"apiVersion", "kind", "collected", "roles", "clusterRoles", "roleBindings", "clusterRoleBindings", "serviceAccounts", "pods", "namespaces", "tokenSecrets"}}

// DecodeSnapshot reads a snapshot saved with --save-snapshot. It rejects
// anything that is not one (JSON null, an empty object, another kind or
// version, a missing list, an object without a name) with an error that
// says what is wrong, so that a broken file never evaluates as a clean
// cluster.
func DecodeSnapshot(b []byte) (*Snapshot, error) {
	var s Snapshot
	if err := snapshotFormat.Decode(b, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Validate checks what the engine relies on: kind and apiVersion, names and
// namespaces (a RoleBinding without a namespace would be taken for a
// ClusterRoleBinding and its grants for cluster-wide ones), role
// references and subject kinds the API server accepts.
func (s *Snapshot) Validate() error {
	var problems snapshotdoc.Problems
	bad := problems.Add
	for i, r := range s.ClusterRoles {
		if r.Name == "" || r.Namespace != "" {
			bad("clusterRoles[%d]: want a name and no namespace (name %q, namespace %q)", i, r.Name, r.Namespace)
		}
	}
	for i, r := range s.Roles {
		if r.Name == "" || r.Namespace == "" {
			bad("roles[%d]: want a name and a namespace (name %q, namespace %q)", i, r.Name, r.Namespace)
		}
	}
	checkSubjects := func(where string, subjects []rbacv1.Subject) {
		for j, sub := range subjects {
			switch sub.Kind {
			case KindUser, KindGroup, KindServiceAccount:
			default:
				bad("%s subjects[%d]: kind %q (want User, Group or ServiceAccount)", where, j, sub.Kind)
			}
		}
	}
	for i, b := range s.ClusterRoleBindings {
		where := fmt.Sprintf("clusterRoleBindings[%d] (%q)", i, b.Name)
		if b.Name == "" || b.Namespace != "" {
			bad("%s: want a name and no namespace (namespace %q)", where, b.Namespace)
		}
		if b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name == "" {
			bad("%s: roleRef %s/%q: a ClusterRoleBinding references a ClusterRole by name", where, b.RoleRef.Kind, b.RoleRef.Name)
		}
		checkSubjects(where, b.Subjects)
	}
	for i, b := range s.RoleBindings {
		where := fmt.Sprintf("roleBindings[%d] (%q)", i, b.Name)
		if b.Name == "" || b.Namespace == "" {
			bad("%s: want a name and a namespace (namespace %q)", where, b.Namespace)
		}
		if (b.RoleRef.Kind != "ClusterRole" && b.RoleRef.Kind != "Role") || b.RoleRef.Name == "" {
			bad("%s: roleRef %s/%q: want a Role or ClusterRole by name", where, b.RoleRef.Kind, b.RoleRef.Name)
		}
		checkSubjects(where, b.Subjects)
	}
	for i, sa := range s.ServiceAccounts {
		if sa.Name == "" || sa.Namespace == "" {
			bad("serviceAccounts[%d]: want a name and a namespace (name %q, namespace %q)", i, sa.Name, sa.Namespace)
		}
	}
	for i, p := range s.Pods {
		if p.Name == "" || p.Namespace == "" {
			bad("pods[%d]: want a name and a namespace (name %q, namespace %q)", i, p.Name, p.Namespace)
		}
	}
	for i, t := range s.TokenSecrets {
		if t.Name == "" || t.Namespace == "" {
			bad("tokenSecrets[%d]: want a name and a namespace (name %q, namespace %q)", i, t.Name, t.Namespace)
		}
	}
	for i, n := range s.Namespaces {
		if n == "" {
			bad("namespaces[%d] is empty", i)
		}
	}
	if s.Discovery != nil {
		for i, r := range s.Discovery.Resources {
			if r.Resource == "" || strings.Contains(r.Resource, "/") {
				bad("discovery.resources[%d]: resource %q (want a plural resource name)", i, r.Resource)
			}
		}
	}
	return snapshotFormat.Check(s.Kind, s.APIVersion, problems)
}

// incomplete says why nothing can be evaluated on the model, or "". Every
// API server that authorizes with RBAC creates its bootstrap ClusterRoles
// and ClusterRoleBindings (cluster-admin, system:*) at start-up
// (kubernetes/kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy):
// a snapshot without any is not a complete picture of a cluster, and
// "nothing found" in it would be a PASS on nothing examined.
func (m *Model) incomplete() string {
	return m.verdict.Why(m.snap.Validate, m.bootstrapMissing)
}

func (m *Model) bootstrapMissing() string {
	if len(m.snap.ClusterRoles) == 0 || len(m.snap.ClusterRoleBindings) == 0 {
		return fmt.Sprintf("the snapshot holds %d clusterroles and %d clusterrolebindings: every API server that uses RBAC has its bootstrap ones (cluster-admin, system:*), so the snapshot is incomplete or RBAC is not the authorizer",
			len(m.snap.ClusterRoles), len(m.snap.ClusterRoleBindings))
	}
	return ""
}
