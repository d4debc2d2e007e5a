//go:build !harden_fuzz

package workloads

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/pager"
)

// Permission is one list permission Collect needs.
type Permission struct {
	Group    string `json:"group"`
	Resource string `json:"resource"`
	// Namespaced is true when it is needed in the collected namespace
	// only (with -n), false when it is needed cluster-wide.
	Namespaced bool `json:"namespaced"`
	// DefaultOnly is true when only the default namespace is read.
	DefaultOnly bool `json:"defaultOnly,omitempty"`
}

// Key is the "resource.group" name used in Snapshot.Unavailable.
func (p Permission) Key() string {
	if p.Group == "" {
		return p.Resource
	}
	return p.Resource + "." + p.Group
}

// RequiredPermissions are the list permissions Collect needs.
var RequiredPermissions = []Permission{
	{Resource: "namespaces"},
	{Resource: "pods", Namespaced: true},
	{Group: "apps", Resource: "deployments", Namespaced: true},
	{Group: "apps", Resource: "statefulsets", Namespaced: true},
	{Group: "apps", Resource: "daemonsets", Namespaced: true},
	{Group: "apps", Resource: "replicasets", Namespaced: true},
	{Group: "batch", Resource: "jobs", Namespaced: true},
	{Group: "batch", Resource: "cronjobs", Namespaced: true},
	{Group: "networking.k8s.io", Resource: "networkpolicies", Namespaced: true},
	{Resource: "services", Namespaced: true, DefaultOnly: true},
	{Resource: "configmaps", Namespaced: true, DefaultOnly: true},
	{Resource: "serviceaccounts", Namespaced: true, DefaultOnly: true},
	{Group: "admissionregistration.k8s.io", Resource: "validatingadmissionpolicies"},
	{Group: "admissionregistration.k8s.io", Resource: "validatingadmissionpolicybindings"},
	{Group: "admissionregistration.k8s.io", Resource: "validatingwebhookconfigurations"},
	{Group: "admissionregistration.k8s.io", Resource: "mutatingwebhookconfigurations"},
	{Group: "apiextensions.k8s.io", Resource: "customresourcedefinitions"},
}

// Preflight asks the API server, with SelfSubjectAccessReviews, whether the
// caller may list every kind Collect reads (in namespace ns, or
// cluster-wide when ns is ""). It returns the missing permissions; the
// caller names them all, and Collect then reports those kinds as
// unavailable (ERROR for the controls that need them).
func Preflight(ctx context.Context, c kubernetes.Interface, ns string) ([]Permission, error) {
	var missing []Permission
	var errs []error
	for _, p := range RequiredPermissions {
		ra := &authorizationv1.ResourceAttributes{Verb: "list", Group: p.Group, Resource: p.Resource}
		if p.Namespaced {
			ra.Namespace = ns
			if p.DefaultOnly {
				ra.Namespace = metav1.NamespaceDefault
			}
		}
		r := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: ra}}
		res, err := c.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, r, metav1.CreateOptions{})
		if err != nil {
			errs = append(errs, fmt.Errorf("selfsubjectaccessreview for list %s: %w", p.Key(), err))
			continue
		}
		if !res.Status.Allowed {
			missing = append(missing, p)
		}
	}
	return missing, errors.Join(errs...)
}

// MissingString renders missing permissions for a warning.
func MissingString(ps []Permission, ns string) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		where := "cluster-wide"
		switch {
		case p.Namespaced && p.DefaultOnly:
			where = "in namespace default"
		case p.Namespaced && ns != "":
			where = "in namespace " + ns
		}
		parts[i] = fmt.Sprintf("list %s (%s)", p.Key(), where)
	}
	return strings.Join(parts, ", ")
}

// CollectOptions tune collection.
type CollectOptions struct {
	// Namespace restricts namespaced kinds to one namespace; "" means all.
	Namespace string
	// PageSize is the LIST chunk size; 0 means 500.
	PageSize int64
	// Metadata lists ConfigMaps and CRDs through the metadata API, so that
	// ConfigMap data never crosses the wire. Without it ConfigMaps are
	// listed with the typed client (data dropped on receipt) and CRDs are
	// unavailable.
	Metadata metadata.Interface
	// Now stamps the snapshot; nil means time.Now.
	Now func() time.Time
}

func each(ctx context.Context, pageSize int64, list pager.ListPageFunc, fn func(runtime.Object) error) error {
	p := pager.New(list)
	if pageSize > 0 {
		p.PageSize = pageSize
	}
	return p.EachListItem(ctx, metav1.ListOptions{}, fn)
}

func controllerOwner(m metav1.ObjectMeta) *metav1.OwnerReference {
	for i := range m.OwnerReferences {
		if m.OwnerReferences[i].Controller != nil && *m.OwnerReferences[i].Controller {
			return &m.OwnerReferences[i]
		}
	}
	if len(m.OwnerReferences) > 0 {
		return &m.OwnerReferences[0]
	}
	return nil
}

// evaluatedOwnerKinds are pod owners that are evaluated themselves, so
// their pods are not evaluated again.
var evaluatedOwnerKinds = map[string]bool{"ReplicaSet": true, "DaemonSet": true, "StatefulSet": true, "Job": true}

// MirrorAnnotation marks the mirror pod of a static pod.
const MirrorAnnotation = "kubernetes.io/config.mirror"

func workload(kind string, m metav1.ObjectMeta, t corev1.PodTemplateSpec) Workload {
	return Workload{Kind: kind, Namespace: m.Namespace, Name: m.Name, Labels: t.Labels,
		Annotations: pssAnnotations(t.Annotations), Spec: TrimSpec(t.Spec)}
}

// podWorkload returns the pod as a workload, or false when its owner is
// evaluated instead.
func podWorkload(p *corev1.Pod) (Workload, bool) {
	w := workload("pod", p.ObjectMeta, corev1.PodTemplateSpec{ObjectMeta: p.ObjectMeta, Spec: p.Spec})
	if _, ok := p.Annotations[MirrorAnnotation]; ok {
		w.Mirror, w.Node, w.Owner = true, p.Spec.NodeName, "node/"+p.Spec.NodeName
		return w, true
	}
	if o := controllerOwner(p.ObjectMeta); o != nil {
		if evaluatedOwnerKinds[o.Kind] {
			return w, false
		}
		if o.Kind == "Node" {
			w.Mirror, w.Node, w.Owner = true, o.Name, "node/"+o.Name
			return w, true
		}
		w.Owner = strings.ToLower(o.Kind) + "/" + o.Name
	}
	return w, true
}

var (
	configMapsGVR = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	crdsGVR       = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

// Collect reads a snapshot through paged LISTs. A kind the caller may not
// list (403) is recorded in Snapshot.Unavailable, so that the controls
// needing it are ERROR; any other error fails the collection.
func Collect(ctx context.Context, c kubernetes.Interface, opts CollectOptions) (*Snapshot, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	ns := opts.Namespace
	s := &Snapshot{APIVersion: SnapshotAPIVersion, Kind: SnapshotKind, Collected: now().UTC(), Namespace: ns}
	ps := opts.PageSize
	readDefault := ns == "" || ns == metav1.NamespaceDefault
	type step struct {
		res string
		run func() error
	}
	steps := []step{
		{ResNamespaces, func() error {
			return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.CoreV1().Namespaces().List(ctx, o)
			}, func(o runtime.Object) error {
				n := o.(*corev1.Namespace)
				if ns == "" || n.Name == ns {
					s.Namespaces = append(s.Namespaces, Namespace{Name: n.Name, Labels: psaLabels(n.Labels)})
				}
				return nil
			})
		}},
		{ResPods, func() error {
			return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.CoreV1().Pods(ns).List(ctx, o)
			}, func(o runtime.Object) error {
				if w, ok := podWorkload(o.(*corev1.Pod)); ok {
					s.Workloads = append(s.Workloads, w)
				}
				return nil
			})
		}},
		{ResDeployments, func() error {
			return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.AppsV1().Deployments(ns).List(ctx, o)
			}, func(o runtime.Object) error {
				d := o.(*appsv1.Deployment)
				s.Workloads = append(s.Workloads, workload("deployment", d.ObjectMeta, d.Spec.Template))
				return nil
			})
		}},
		{ResStatefulSets, func() error {
			return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.AppsV1().StatefulSets(ns).List(ctx, o)
			}, func(o runtime.Object) error {
				d := o.(*appsv1.StatefulSet)
				s.Workloads = append(s.Workloads, workload("statefulset", d.ObjectMeta, d.Spec.Template))
				return nil
			})
		}},
		{ResDaemonSets, func() error {
			return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.AppsV1().DaemonSets(ns).List(ctx, o)
			}, func(o runtime.Object) error {
				d := o.(*appsv1.DaemonSet)
				s.Workloads = append(s.Workloads, workload("daemonset", d.ObjectMeta, d.Spec.Template))
				return nil
			})
		}},
		{ResReplicaSets, func() error {
			return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.AppsV1().ReplicaSets(ns).List(ctx, o)
			}, func(o runtime.Object) error {
				d := o.(*appsv1.ReplicaSet)
				owner := controllerOwner(d.ObjectMeta)
				if owner != nil && owner.Kind == "Deployment" {
					return nil // evaluated through its Deployment
				}
				w := workload("replicaset", d.ObjectMeta, d.Spec.Template)
				if owner != nil {
					w.Owner = strings.ToLower(owner.Kind) + "/" + owner.Name
				}
				s.Workloads = append(s.Workloads, w)
				return nil
			})
		}},
		{ResJobs, func() error {
			return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.BatchV1().Jobs(ns).List(ctx, o)
			}, func(o runtime.Object) error {
				d := o.(*batchv1.Job)
				owner := controllerOwner(d.ObjectMeta)
				if owner != nil && owner.Kind == "CronJob" {
					return nil // evaluated through its CronJob
				}
				w := workload("job", d.ObjectMeta, d.Spec.Template)
				if owner != nil {
					w.Owner = strings.ToLower(owner.Kind) + "/" + owner.Name
				}
				s.Workloads = append(s.Workloads, w)
				return nil
			})
		}},
		{ResCronJobs, func() error {
			return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.BatchV1().CronJobs(ns).List(ctx, o)
			}, func(o runtime.Object) error {
				d := o.(*batchv1.CronJob)
				s.Workloads = append(s.Workloads, workload("cronjob", d.ObjectMeta, d.Spec.JobTemplate.Spec.Template))
				return nil
			})
		}},
		{ResNetworkPolicies, func() error {
			return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.NetworkingV1().NetworkPolicies(ns).List(ctx, o)
			}, func(o runtime.Object) error {
				n := o.(*networkingv1.NetworkPolicy)
				s.NetworkPolicies = append(s.NetworkPolicies, n.Namespace+"/"+n.Name)
				return nil
			})
		}},
		{ResVAPs, func() error {
			return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.AdmissionregistrationV1().ValidatingAdmissionPolicies().List(ctx, o)
			}, func(o runtime.Object) error {
				s.AdmissionPolicies = append(s.AdmissionPolicies, o.(*admissionregistrationv1.ValidatingAdmissionPolicy).Name)
				return nil
			})
		}},
		{ResVAPBindings, func() error {
			return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().List(ctx, o)
			}, func(o runtime.Object) error {
				b := o.(*admissionregistrationv1.ValidatingAdmissionPolicyBinding)
				pb := PolicyBinding{Name: b.Name, Policy: b.Spec.PolicyName}
				for _, a := range b.Spec.ValidationActions {
					pb.ValidationActions = append(pb.ValidationActions, string(a))
				}
				s.AdmissionPolicyBindings = append(s.AdmissionPolicyBindings, pb)
				return nil
			})
		}},
		{ResValidatingHooks, func() error {
			return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.AdmissionregistrationV1().ValidatingWebhookConfigurations().List(ctx, o)
			}, func(o runtime.Object) error {
				w := o.(*admissionregistrationv1.ValidatingWebhookConfiguration)
				h := Webhook{Kind: "validatingwebhookconfiguration", Name: w.Name}
				for _, x := range w.Webhooks {
					h.Hooks = append(h.Hooks, x.Name)
				}
				s.Webhooks = append(s.Webhooks, h)
				return nil
			})
		}},
		{ResMutatingHooks, func() error {
			return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return c.AdmissionregistrationV1().MutatingWebhookConfigurations().List(ctx, o)
			}, func(o runtime.Object) error {
				w := o.(*admissionregistrationv1.MutatingWebhookConfiguration)
				h := Webhook{Kind: "mutatingwebhookconfiguration", Name: w.Name}
				for _, x := range w.Webhooks {
					h.Hooks = append(h.Hooks, x.Name)
				}
				s.Webhooks = append(s.Webhooks, h)
				return nil
			})
		}},
		{ResCRDs, func() error {
			if opts.Metadata == nil {
				return errors.New("no metadata client to list customresourcedefinitions")
			}
			return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return opts.Metadata.Resource(crdsGVR).List(ctx, o)
			}, func(o runtime.Object) error {
				s.CRDs = append(s.CRDs, o.(*metav1.PartialObjectMetadata).Name)
				return nil
			})
		}},
	}
	if readDefault {
		def := metav1.NamespaceDefault
		steps = append(steps,
			step{ResServices, func() error {
				return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
					return c.CoreV1().Services(def).List(ctx, o)
				}, func(o runtime.Object) error {
					s.DefaultNamespace = append(s.DefaultNamespace, "service/"+o.(*corev1.Service).Name)
					return nil
				})
			}},
			step{ResServiceAccounts, func() error {
				return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
					return c.CoreV1().ServiceAccounts(def).List(ctx, o)
				}, func(o runtime.Object) error {
					s.DefaultNamespace = append(s.DefaultNamespace, "serviceaccount/"+o.(*corev1.ServiceAccount).Name)
					return nil
				})
			}},
			step{ResConfigMaps, func() error {
				if opts.Metadata != nil {
					return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
						return opts.Metadata.Resource(configMapsGVR).Namespace(def).List(ctx, o)
					}, func(o runtime.Object) error {
						s.DefaultNamespace = append(s.DefaultNamespace, "configmap/"+o.(*metav1.PartialObjectMetadata).Name)
						return nil
					})
				}
				return each(ctx, ps, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
					return c.CoreV1().ConfigMaps(def).List(ctx, o)
				}, func(o runtime.Object) error {
					s.DefaultNamespace = append(s.DefaultNamespace, "configmap/"+o.(*corev1.ConfigMap).Name)
					return nil
				})
			}},
		)
	}
	for _, st := range steps {
		if err := st.run(); err != nil {
			if apierrors.IsForbidden(err) || apierrors.IsNotFound(err) || st.res == ResCRDs {
				if s.Unavailable == nil {
					s.Unavailable = map[string]string{}
				}
				s.Unavailable[st.res] = err.Error()
				continue
			}
			return nil, fmt.Errorf("list %s: %w", st.res, err)
		}
	}
	s.Sort()
	return s, nil
}
