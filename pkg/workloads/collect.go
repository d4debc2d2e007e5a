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
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"

	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/paged"
)

// RequiredPermissions are the requests Collect makes for namespace ns
// ("" = every namespace): namespaced kinds are listed in ns (or
// cluster-wide), the default namespace's services, configmaps and service
// accounts in default (when it is collected), and cluster-scoped kinds
// cluster-wide. A missing one is named by the caller; Collect then
// records the kind as unavailable and the controls that need it are ERROR.
func RequiredPermissions(ns string) []access.Permission {
	list := func(res, why string) access.Permission { return access.Resource("list", res).For(why) }
	ps := []access.Permission{
		list(ResNamespaces, "the namespaces and their Pod Security Admission labels"),
	}
	if ns != "" {
		// Says whether -n names a namespace at all: nothing examined is
		// never PASS. A request on namespace NAME is authorized in NAME.
		ps = append(ps, access.Resource("get", ResNamespaces).Named(ns).In(ns).For("to check that the namespace given with -n exists"))
	}
	for _, r := range workloadResources {
		ps = append(ps, list(r, "the pod specs of the workloads").In(ns))
	}
	ps = append(ps, list(ResNetworkPolicies, "which namespaces have network policies").In(ns))
	if ns == "" || ns == metav1.NamespaceDefault {
		for _, r := range []string{ResServices, ResConfigMaps, ResServiceAccounts} {
			ps = append(ps, list(r, "the objects in namespace default, names only").In(metav1.NamespaceDefault))
		}
	}
	for _, r := range []string{ResVAPs, ResVAPBindings, ResValidatingHooks, ResMutatingHooks, ResCRDs} {
		ps = append(ps, list(r, "admission policies, webhooks and policy engines (CRDs), names only"))
	}
	return ps
}

// CheckNamespace says whether namespace ns exists, before anything is
// collected: a namespace that does not exist holds nothing to examine, and
// nothing examined must not read as PASS. It returns an error naming the
// namespace when it does not exist, and the API error (e.g. Forbidden)
// when the answer is unknown.
func CheckNamespace(ctx context.Context, c kubernetes.Interface, ns string) error {
	_, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("namespace/%s not found (list namespaces with: kubectl get namespaces)", ns)
	}
	return err
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

// step is one kind read by Collect: its Unavailable key and the LIST.
type step struct {
	res string
	run func() error
}

// listStep lists one kind page by page into add.
func listStep[T runtime.Object, L runtime.Object](ctx context.Context, pageSize int64, res string, list paged.ListFunc[L], add func(T)) step {
	return step{res, paged.Into(ctx, pageSize, list, metav1.ListOptions{}, add)}
}

// Collect reads a snapshot through paged LISTs. A kind the caller may not
// list (403) is recorded in Snapshot.Unavailable, so that the controls
// needing it are ERROR; any other error fails the collection.
func Collect(ctx context.Context, c kubernetes.Interface, opts CollectOptions) (*Snapshot, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	ns := opts.Namespace
	s := NewSnapshot(now().UTC())
	s.Namespace = ns
	ps := opts.PageSize
	addWorkload := func(kind string, m metav1.ObjectMeta, t corev1.PodTemplateSpec) {
		s.Workloads = append(s.Workloads, workload(kind, m, t))
	}
	// ownedWorkload adds a controller's template unless an owner of
	// ownerKind is evaluated instead.
	ownedWorkload := func(kind, ownerKind string, m metav1.ObjectMeta, t corev1.PodTemplateSpec) {
		owner := controllerOwner(m)
		if owner != nil && owner.Kind == ownerKind {
			return
		}
		w := workload(kind, m, t)
		if owner != nil {
			w.Owner = strings.ToLower(owner.Kind) + "/" + owner.Name
		}
		s.Workloads = append(s.Workloads, w)
	}
	webhook := func(kind, name string, hooks []string) {
		s.Webhooks = append(s.Webhooks, Webhook{Kind: kind, Name: name, Hooks: hooks})
	}
	admission := c.AdmissionregistrationV1()
	steps := []step{
		listStep(ctx, ps, ResNamespaces, c.CoreV1().Namespaces().List, func(n *corev1.Namespace) {
			if ns == "" || n.Name == ns {
				s.Namespaces = append(s.Namespaces, Namespace{Name: n.Name, Labels: psaLabels(n.Labels)})
			}
		}),
		listStep(ctx, ps, ResPods, c.CoreV1().Pods(ns).List, func(p *corev1.Pod) {
			if w, ok := podWorkload(p); ok {
				s.Workloads = append(s.Workloads, w)
			}
		}),
		listStep(ctx, ps, ResDeployments, c.AppsV1().Deployments(ns).List, func(d *appsv1.Deployment) {
			addWorkload("deployment", d.ObjectMeta, d.Spec.Template)
		}),
		listStep(ctx, ps, ResStatefulSets, c.AppsV1().StatefulSets(ns).List, func(d *appsv1.StatefulSet) {
			addWorkload("statefulset", d.ObjectMeta, d.Spec.Template)
		}),
		listStep(ctx, ps, ResDaemonSets, c.AppsV1().DaemonSets(ns).List, func(d *appsv1.DaemonSet) {
			addWorkload("daemonset", d.ObjectMeta, d.Spec.Template)
		}),
		// A ReplicaSet of a Deployment is evaluated through its Deployment.
		listStep(ctx, ps, ResReplicaSets, c.AppsV1().ReplicaSets(ns).List, func(d *appsv1.ReplicaSet) {
			ownedWorkload("replicaset", "Deployment", d.ObjectMeta, d.Spec.Template)
		}),
		// A Job of a CronJob is evaluated through its CronJob.
		listStep(ctx, ps, ResJobs, c.BatchV1().Jobs(ns).List, func(d *batchv1.Job) {
			ownedWorkload("job", "CronJob", d.ObjectMeta, d.Spec.Template)
		}),
		listStep(ctx, ps, ResCronJobs, c.BatchV1().CronJobs(ns).List, func(d *batchv1.CronJob) {
			addWorkload("cronjob", d.ObjectMeta, d.Spec.JobTemplate.Spec.Template)
		}),
		listStep(ctx, ps, ResNetworkPolicies, c.NetworkingV1().NetworkPolicies(ns).List, func(n *networkingv1.NetworkPolicy) {
			s.NetworkPolicies = append(s.NetworkPolicies, n.Namespace+"/"+n.Name)
		}),
		listStep(ctx, ps, ResVAPs, admission.ValidatingAdmissionPolicies().List, func(p *admissionregistrationv1.ValidatingAdmissionPolicy) {
			s.AdmissionPolicies = append(s.AdmissionPolicies, p.Name)
		}),
		listStep(ctx, ps, ResVAPBindings, admission.ValidatingAdmissionPolicyBindings().List, func(b *admissionregistrationv1.ValidatingAdmissionPolicyBinding) {
			pb := PolicyBinding{Name: b.Name, Policy: b.Spec.PolicyName}
			for _, a := range b.Spec.ValidationActions {
				pb.ValidationActions = append(pb.ValidationActions, string(a))
			}
			s.AdmissionPolicyBindings = append(s.AdmissionPolicyBindings, pb)
		}),
		listStep(ctx, ps, ResValidatingHooks, admission.ValidatingWebhookConfigurations().List, func(w *admissionregistrationv1.ValidatingWebhookConfiguration) {
			var hooks []string
			for _, x := range w.Webhooks {
				hooks = append(hooks, x.Name)
			}
			webhook("validatingwebhookconfiguration", w.Name, hooks)
		}),
		listStep(ctx, ps, ResMutatingHooks, admission.MutatingWebhookConfigurations().List, func(w *admissionregistrationv1.MutatingWebhookConfiguration) {
			var hooks []string
			for _, x := range w.Webhooks {
				hooks = append(hooks, x.Name)
			}
			webhook("mutatingwebhookconfiguration", w.Name, hooks)
		}),
	}
	if opts.Metadata != nil {
		steps = append(steps, listStep(ctx, ps, ResCRDs, opts.Metadata.Resource(crdsGVR).List, func(m *metav1.PartialObjectMetadata) {
			s.CRDs = append(s.CRDs, m.Name)
		}))
	} else {
		steps = append(steps, step{ResCRDs, func() error { return errors.New("no metadata client to list customresourcedefinitions") }})
	}
	if ns == "" || ns == metav1.NamespaceDefault {
		def := metav1.NamespaceDefault
		inDefault := func(kind, name string) { s.DefaultNamespace = append(s.DefaultNamespace, kind+"/"+name) }
		steps = append(steps,
			listStep(ctx, ps, ResServices, c.CoreV1().Services(def).List, func(o *corev1.Service) { inDefault("service", o.Name) }),
			listStep(ctx, ps, ResServiceAccounts, c.CoreV1().ServiceAccounts(def).List, func(o *corev1.ServiceAccount) { inDefault("serviceaccount", o.Name) }),
		)
		if opts.Metadata != nil {
			steps = append(steps, listStep(ctx, ps, ResConfigMaps, opts.Metadata.Resource(configMapsGVR).Namespace(def).List, func(m *metav1.PartialObjectMetadata) {
				inDefault("configmap", m.Name)
			}))
		} else {
			steps = append(steps, listStep(ctx, ps, ResConfigMaps, c.CoreV1().ConfigMaps(def).List, func(o *corev1.ConfigMap) { inDefault("configmap", o.Name) }))
		}
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
