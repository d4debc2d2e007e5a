//go:build !harden_fuzz

package rbac

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/pager"
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

// each lists one resource page by page and calls fn for every item; the
// page is dropped as soon as fn returned, so only trimmed copies survive.
func each(ctx context.Context, what string, pageSize int64, list pager.ListPageFunc, opts metav1.ListOptions, fn func(runtime.Object) error) error {
	p := pager.New(list)
	if pageSize > 0 {
		p.PageSize = pageSize
	}
	if err := p.EachListItem(ctx, opts, fn); err != nil {
		return fmt.Errorf("list %s: %w", what, err)
	}
	return nil
}

// Collect reads a snapshot through paged LISTs. It returns an error, never
// a partial snapshot: a missing kind would turn into false PASS results.
// Call Preflight first to get a precise permission error.
func Collect(ctx context.Context, c kubernetes.Interface, opts CollectOptions) (*Snapshot, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	s := &Snapshot{APIVersion: SnapshotAPIVersion, Kind: SnapshotKind, Collected: now().UTC()}
	ps := opts.PageSize
	lo := metav1.ListOptions{}

	steps := []func() error{
		func() error {
			return each(ctx, "clusterroles", ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.RbacV1().ClusterRoles().List(ctx, o)
			}, lo, func(o runtime.Object) error {
				r := o.(*rbacv1.ClusterRole)
				s.ClusterRoles = append(s.ClusterRoles, rbacv1.ClusterRole{ObjectMeta: trimMeta(r.ObjectMeta), Rules: r.Rules, AggregationRule: r.AggregationRule})
				return nil
			})
		},
		func() error {
			return each(ctx, "roles", ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.RbacV1().Roles("").List(ctx, o)
			}, lo, func(o runtime.Object) error {
				r := o.(*rbacv1.Role)
				s.Roles = append(s.Roles, rbacv1.Role{ObjectMeta: trimMeta(r.ObjectMeta), Rules: r.Rules})
				return nil
			})
		},
		func() error {
			return each(ctx, "clusterrolebindings", ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.RbacV1().ClusterRoleBindings().List(ctx, o)
			}, lo, func(o runtime.Object) error {
				b := o.(*rbacv1.ClusterRoleBinding)
				s.ClusterRoleBindings = append(s.ClusterRoleBindings, rbacv1.ClusterRoleBinding{ObjectMeta: trimMeta(b.ObjectMeta), Subjects: b.Subjects, RoleRef: b.RoleRef})
				return nil
			})
		},
		func() error {
			return each(ctx, "rolebindings", ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.RbacV1().RoleBindings("").List(ctx, o)
			}, lo, func(o runtime.Object) error {
				b := o.(*rbacv1.RoleBinding)
				s.RoleBindings = append(s.RoleBindings, rbacv1.RoleBinding{ObjectMeta: trimMeta(b.ObjectMeta), Subjects: b.Subjects, RoleRef: b.RoleRef})
				return nil
			})
		},
		func() error {
			return each(ctx, "namespaces", ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.CoreV1().Namespaces().List(ctx, o)
			}, lo, func(o runtime.Object) error {
				s.Namespaces = append(s.Namespaces, o.(*corev1.Namespace).Name)
				return nil
			})
		},
		func() error {
			return each(ctx, "serviceaccounts", ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.CoreV1().ServiceAccounts("").List(ctx, o)
			}, lo, func(o runtime.Object) error {
				sa := o.(*corev1.ServiceAccount)
				s.ServiceAccounts = append(s.ServiceAccounts, ServiceAccount{Namespace: sa.Namespace, Name: sa.Name, AutomountServiceAccountToken: sa.AutomountServiceAccountToken})
				return nil
			})
		},
		func() error { return collectTokenSecrets(ctx, c, opts, s) },
		// Pods last: MountsToken looks the token Secrets up.
		func() error {
			tokens := map[string]bool{}
			for _, t := range s.TokenSecrets {
				tokens[t.Namespace+"/"+t.Name] = true
			}
			return each(ctx, "pods", ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.CoreV1().Pods("").List(ctx, o)
			}, lo, func(o runtime.Object) error {
				s.Pods = append(s.Pods, trimPod(o.(*corev1.Pod), tokens))
				return nil
			})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
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
		return each(ctx, "secrets (metadata, "+tokenFieldSelector+")", opts.PageSize, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return opts.Metadata.Resource(secretsGVR).Namespace("").List(ctx, o)
		}, lo, func(o runtime.Object) error {
			m := o.(*metav1.PartialObjectMetadata)
			s.TokenSecrets = append(s.TokenSecrets, tokenSecretFrom(m.ObjectMeta))
			return nil
		})
	}
	return each(ctx, "secrets ("+tokenFieldSelector+")", opts.PageSize, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return c.CoreV1().Secrets("").List(ctx, o)
	}, lo, func(o runtime.Object) error {
		sec := o.(*corev1.Secret)
		// Defensive: a server (or fake) that ignores the field selector
		// must not make us keep other Secrets.
		if sec.Type != saTokenType {
			return nil
		}
		s.TokenSecrets = append(s.TokenSecrets, tokenSecretFrom(sec.ObjectMeta))
		return nil
	})
}

// Permission is one verb on one resource, as checked by Preflight.
type Permission struct {
	Verb     string `json:"verb"`
	Group    string `json:"group"`
	Resource string `json:"resource"`
}

// String renders the permission like "list secrets (group \"\")".
func (p Permission) String() string {
	return fmt.Sprintf("%s %s (group %q)", p.Verb, p.Resource, p.Group)
}

// RequiredPermissions are the cluster-wide permissions Collect needs.
var RequiredPermissions = []Permission{
	{"list", "rbac.authorization.k8s.io", "roles"},
	{"list", "rbac.authorization.k8s.io", "clusterroles"},
	{"list", "rbac.authorization.k8s.io", "rolebindings"},
	{"list", "rbac.authorization.k8s.io", "clusterrolebindings"},
	{"list", "", "serviceaccounts"},
	{"list", "", "pods"},
	{"list", "", "namespaces"},
	{"list", "", "secrets"},
}

// MissingPermissionsError says exactly which permissions the caller lacks.
type MissingPermissionsError struct {
	Missing []Permission
}

// Error lists the missing permissions.
func (e *MissingPermissionsError) Error() string {
	parts := make([]string, len(e.Missing))
	for i, p := range e.Missing {
		parts[i] = p.String()
	}
	return "missing cluster-wide permissions for rbac collection: " + strings.Join(parts, ", ") +
		" (RBAC results would be incomplete, so none are reported)"
}

// Preflight asks the API server, with SelfSubjectAccessReviews, whether the
// caller may list every kind Collect reads, cluster-wide. It returns a
// *MissingPermissionsError naming each missing permission, or an error
// when a review itself failed.
func Preflight(ctx context.Context, c kubernetes.Interface) error {
	var missing []Permission
	var errs []error
	for _, p := range RequiredPermissions {
		r := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: p.Verb, Group: p.Group, Resource: p.Resource},
		}}
		res, err := c.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, r, metav1.CreateOptions{})
		if err != nil {
			errs = append(errs, fmt.Errorf("selfsubjectaccessreview for %s: %w", p, err))
			continue
		}
		if !res.Status.Allowed {
			missing = append(missing, p)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if len(missing) > 0 {
		return &MissingPermissionsError{Missing: missing}
	}
	return nil
}
