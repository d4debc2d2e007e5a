package rbac

import (
	"sort"
	"time"

	"github.com/kubectl-harden/kubectl-harden/internal/snapshotdoc"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NewSnapshot is an empty snapshot collected at t.
func NewSnapshot(collected time.Time) *Snapshot {
	return &Snapshot{Header: snapshotFormat.Header(collected)}
}

// Snapshot is everything the RBAC engine reads, trimmed on receipt so that
// it stays small on big clusters and can be saved as JSON and evaluated
// offline. It never holds a secret value: token Secrets are kept as
// metadata only.
type Snapshot struct {
	snapshotdoc.Header
	// Roles, ClusterRoles, RoleBindings and ClusterRoleBindings are kept
	// whole except for metadata (only name, namespace and labels remain).
	Roles               []rbacv1.Role               `json:"roles"`
	ClusterRoles        []rbacv1.ClusterRole        `json:"clusterRoles"`
	RoleBindings        []rbacv1.RoleBinding        `json:"roleBindings"`
	ClusterRoleBindings []rbacv1.ClusterRoleBinding `json:"clusterRoleBindings"`
	// ServiceAccounts are reduced to what the controls read.
	ServiceAccounts []ServiceAccount `json:"serviceAccounts"`
	// Pods are reduced to their identity and token mounting.
	Pods []Pod `json:"pods"`
	// Namespaces are the namespace names.
	Namespaces []string `json:"namespaces"`
	// TokenSecrets are the legacy long-lived token Secrets
	// (type kubernetes.io/service-account-token), metadata only.
	TokenSecrets []TokenSecret `json:"tokenSecrets"`
	// Discovery is the API server's discovery (which resources are
	// namespaced); nil in snapshots saved before it was recorded.
	Discovery *Discovery `json:"discovery,omitempty"`
}

// ServiceAccount is the part of a ServiceAccount the controls read.
type ServiceAccount struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// AutomountServiceAccountToken is the SA's setting; nil means unset,
	// which Kubernetes treats as true.
	AutomountServiceAccountToken *bool `json:"automountServiceAccountToken,omitempty"`
}

// Pod is the part of a Pod the controls read.
type Pod struct {
	Namespace          string `json:"namespace"`
	Name               string `json:"name"`
	ServiceAccountName string `json:"serviceAccountName"`
	// AutomountServiceAccountToken is the pod's setting; nil means unset
	// (the service account's setting then decides).
	AutomountServiceAccountToken *bool `json:"automountServiceAccountToken,omitempty"`
	// MountsToken is true when the pod really has a service account token
	// volume: a projected serviceAccountToken source (what admission adds
	// as kube-api-access-*) or a Secret volume of a legacy token Secret.
	MountsToken bool `json:"mountsToken"`
}

// TokenSecret is the metadata of a legacy service account token Secret.
// Its data is never read into this type.
type TokenSecret struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// ServiceAccount is the kubernetes.io/service-account.name annotation.
	ServiceAccount string `json:"serviceAccount"`
	// Created is the Secret's creation time (age of the credential).
	Created metav1.Time `json:"created"`
	// LastUsed is the kubernetes.io/legacy-token-last-used label, when
	// the API server tracks it (1.29+), e.g. "2026-05-01".
	LastUsed string `json:"lastUsed,omitempty"`
	// Invalid is the kubernetes.io/legacy-token-invalid-since label.
	Invalid string `json:"invalidSince,omitempty"`
}

// sort orders every list so that reports are stable.
func (s *Snapshot) sort() {
	sort.Slice(s.Roles, func(i, j int) bool {
		return nsLess(s.Roles[i].Namespace, s.Roles[i].Name, s.Roles[j].Namespace, s.Roles[j].Name)
	})
	sort.Slice(s.ClusterRoles, func(i, j int) bool { return s.ClusterRoles[i].Name < s.ClusterRoles[j].Name })
	sort.Slice(s.RoleBindings, func(i, j int) bool {
		return nsLess(s.RoleBindings[i].Namespace, s.RoleBindings[i].Name, s.RoleBindings[j].Namespace, s.RoleBindings[j].Name)
	})
	sort.Slice(s.ClusterRoleBindings, func(i, j int) bool { return s.ClusterRoleBindings[i].Name < s.ClusterRoleBindings[j].Name })
	sort.Slice(s.ServiceAccounts, func(i, j int) bool {
		return nsLess(s.ServiceAccounts[i].Namespace, s.ServiceAccounts[i].Name, s.ServiceAccounts[j].Namespace, s.ServiceAccounts[j].Name)
	})
	sort.Slice(s.Pods, func(i, j int) bool {
		return nsLess(s.Pods[i].Namespace, s.Pods[i].Name, s.Pods[j].Namespace, s.Pods[j].Name)
	})
	sort.Strings(s.Namespaces)
	sort.Slice(s.TokenSecrets, func(i, j int) bool {
		return nsLess(s.TokenSecrets[i].Namespace, s.TokenSecrets[i].Name, s.TokenSecrets[j].Namespace, s.TokenSecrets[j].Name)
	})
}

func nsLess(ans, an, bns, bn string) bool {
	if ans != bns {
		return ans < bns
	}
	return an < bn
}
