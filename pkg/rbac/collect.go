//go:build !harden_fuzz

package rbac

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"

	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/paged"
)

// CollectOptions tune collection.
type CollectOptions struct {
	// PageSize is the LIST chunk size; 0 means 500.
	PageSize int64
	// Metadata, when set, lists token Secrets through the metadata API so
	// that secret data never crosses the wire. Without it the Secrets are
	// listed with the typed client and their data dropped on receipt.
	Metadata metadata.Interface
	// Now stamps the snapshot; nil means time.Now.
	Now func() time.Time
}

const (
	saTokenType        = corev1.SecretTypeServiceAccountToken
	saNameAnnotation   = corev1.ServiceAccountNameKey
	legacyLastUsedKey  = "kubernetes.io/legacy-token-last-used"
	legacyInvalidKey   = "kubernetes.io/legacy-token-invalid-since"
	tokenFieldSelector = "type=" + string(corev1.SecretTypeServiceAccountToken)
)

// trimMeta keeps only what the engine reads from object metadata.
func trimMeta(m metav1.ObjectMeta) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, Labels: m.Labels}
}

// Collect reads a snapshot through paged LISTs. It returns an error, never
// a partial snapshot: a missing kind would turn into false PASS results.
// Check RequiredPermissions first (package access) to name every missing
// permission at once.
func Collect(ctx context.Context, c kubernetes.Interface, opts CollectOptions) (*Snapshot, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	s := NewSnapshot(now().UTC())
	ps := opts.PageSize
	lo := metav1.ListOptions{}
	steps := []struct {
		what string
		run  func() error
	}{
		{"clusterroles", paged.Into(ctx, ps, c.RbacV1().ClusterRoles().List, lo, func(r *rbacv1.ClusterRole) {
			s.ClusterRoles = append(s.ClusterRoles, rbacv1.ClusterRole{ObjectMeta: trimMeta(r.ObjectMeta), Rules: r.Rules, AggregationRule: r.AggregationRule})
		})},
		{"roles", paged.Into(ctx, ps, c.RbacV1().Roles("").List, lo, func(r *rbacv1.Role) {
			s.Roles = append(s.Roles, rbacv1.Role{ObjectMeta: trimMeta(r.ObjectMeta), Rules: r.Rules})
		})},
		{"clusterrolebindings", paged.Into(ctx, ps, c.RbacV1().ClusterRoleBindings().List, lo, func(b *rbacv1.ClusterRoleBinding) {
			s.ClusterRoleBindings = append(s.ClusterRoleBindings, rbacv1.ClusterRoleBinding{ObjectMeta: trimMeta(b.ObjectMeta), Subjects: b.Subjects, RoleRef: b.RoleRef})
		})},
		{"rolebindings", paged.Into(ctx, ps, c.RbacV1().RoleBindings("").List, lo, func(b *rbacv1.RoleBinding) {
			s.RoleBindings = append(s.RoleBindings, rbacv1.RoleBinding{ObjectMeta: trimMeta(b.ObjectMeta), Subjects: b.Subjects, RoleRef: b.RoleRef})
		})},
		{"namespaces", paged.Into(ctx, ps, c.CoreV1().Namespaces().List, lo, func(n *corev1.Namespace) {
			s.Namespaces = append(s.Namespaces, n.Name)
		})},
		{"serviceaccounts", paged.Into(ctx, ps, c.CoreV1().ServiceAccounts("").List, lo, func(sa *corev1.ServiceAccount) {
			s.ServiceAccounts = append(s.ServiceAccounts, ServiceAccount{Namespace: sa.Namespace, Name: sa.Name, AutomountServiceAccountToken: sa.AutomountServiceAccountToken})
		})},
		{"secrets (" + tokenFieldSelector + ")", func() error { return collectTokenSecrets(ctx, c, opts, s) }},
		// Pods last: MountsToken looks the token Secrets up.
		{"pods", func() error {
			tokens := map[string]bool{}
			for _, t := range s.TokenSecrets {
				tokens[t.Namespace+"/"+t.Name] = true
			}
			return paged.Each(ctx, ps, c.CoreV1().Pods("").List, lo, func(p *corev1.Pod) error {
				s.Pods = append(s.Pods, trimPod(p, tokens))
				return nil
			})
		}},
	}
	for _, step := range steps {
		if err := step.run(); err != nil {
			return nil, fmt.Errorf("list %s: %w", step.what, err)
		}
	}
	s.sort()
	return s, nil
}

// trimPod keeps the pod's identity and whether it really mounts a token.
func trimPod(p *corev1.Pod, tokenSecrets map[string]bool) Pod {
	out := Pod{Namespace: p.Namespace, Name: p.Name, ServiceAccountName: p.Spec.ServiceAccountName, AutomountServiceAccountToken: p.Spec.AutomountServiceAccountToken}
	if out.ServiceAccountName == "" {
		out.ServiceAccountName = p.Spec.DeprecatedServiceAccount
	}
	if out.ServiceAccountName == "" {
		out.ServiceAccountName = "default"
	}
	for _, v := range p.Spec.Volumes {
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if src.ServiceAccountToken != nil {
					out.MountsToken = true
				}
			}
		}
		if v.Secret != nil && tokenSecrets[p.Namespace+"/"+v.Secret.SecretName] {
			out.MountsToken = true
		}
	}
	return out
}

// tokenSecretFrom builds the metadata-only view of a token Secret.
func tokenSecretFrom(m metav1.ObjectMeta) TokenSecret {
	return TokenSecret{
		Namespace: m.Namespace, Name: m.Name,
		ServiceAccount: m.Annotations[saNameAnnotation],
		Created:        m.CreationTimestamp,
		LastUsed:       m.Labels[legacyLastUsedKey],
		Invalid:        m.Labels[legacyInvalidKey],
	}
}

var secretsGVR = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

// collectTokenSecrets lists token Secrets with the field selector. Only
// metadata is copied; with the typed client the Secret (and its .data) is
// garbage as soon as the callback returns.
func collectTokenSecrets(ctx context.Context, c kubernetes.Interface, opts CollectOptions, s *Snapshot) error {
	lo := metav1.ListOptions{FieldSelector: tokenFieldSelector}
	if opts.Metadata != nil {
		return paged.Each(ctx, opts.PageSize, opts.Metadata.Resource(secretsGVR).Namespace("").List, lo, func(m *metav1.PartialObjectMetadata) error {
			s.TokenSecrets = append(s.TokenSecrets, tokenSecretFrom(m.ObjectMeta))
			return nil
		})
	}
	return paged.Each(ctx, opts.PageSize, c.CoreV1().Secrets("").List, lo, func(sec *corev1.Secret) error {
		// Defensive: a server (or fake) that ignores the field selector
		// must not make us keep other Secrets.
		if sec.Type == saTokenType {
			s.TokenSecrets = append(s.TokenSecrets, tokenSecretFrom(sec.ObjectMeta))
		}
		return nil
	})
}

// RequiredPermissions are the requests Collect makes, all cluster-wide.
// Without any of them the RBAC results would be incomplete, so the rbac
// command stops and names every missing one before it reads anything.
func RequiredPermissions() []access.Permission {
	const why = "RBAC controls (CIS 5.1, KH-RBAC)"
	return []access.Permission{
		access.Resource("list", "roles.rbac.authorization.k8s.io").For(why),
		access.Resource("list", "clusterroles.rbac.authorization.k8s.io").For(why),
		access.Resource("list", "rolebindings.rbac.authorization.k8s.io").For(why),
		access.Resource("list", "clusterrolebindings.rbac.authorization.k8s.io").For(why),
		access.Resource("list", "serviceaccounts").For(why),
		access.Resource("list", "pods").For("which service accounts' tokens pods mount"),
		access.Resource("list", "namespaces").For(why),
		access.Resource("list", "secrets").For("metadata of service-account token Secrets only (field selector type=kubernetes.io/service-account-token); no value is read"),
	}
}
