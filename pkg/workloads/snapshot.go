// Package workloads evaluates CIS Kubernetes Benchmark 1.12 sections 5.2–5.6
// (pod security, network policies, secrets, admission, general policies)
// from API objects. A Snapshot is collected with paged LISTs (or loaded from
// a file), trimmed on receipt, and the controls are pure functions over it.
// Pod-level checks are those of the Pod Security Standards' own
// implementation, k8s.io/pod-security-admission/policy.
package workloads

import (
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-harden/kubectl-harden/internal/snapshotdoc"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// NewSnapshot is an empty snapshot collected at t.
func NewSnapshot(collected time.Time) *Snapshot {
	return &Snapshot{Header: snapshotFormat.Header(collected)}
}

// Snapshot is everything the workload controls read. It never holds a
// secret value: env values, command lines and probe headers are dropped on
// receipt, ConfigMaps and Secrets are never read beyond their names.
type Snapshot struct {
	snapshotdoc.Header
	// Namespace is the one namespace collected with -n; "" means all.
	Namespace string `json:"namespace,omitempty"`
	// Namespaces are the namespaces with their Pod Security labels.
	Namespaces []Namespace `json:"namespaces"`
	// Workloads are the objects evaluated once each: controllers without
	// an evaluated owner, bare pods and mirror pods.
	Workloads []Workload `json:"workloads"`
	// NetworkPolicies are "namespace/name" of networking.k8s.io/v1 objects.
	NetworkPolicies []string `json:"networkPolicies"`
	// DefaultNamespace holds "kind/name" of the other objects found in the
	// default namespace (Services, ConfigMaps, ServiceAccounts).
	DefaultNamespace []string `json:"defaultNamespace"`
	// AdmissionPolicies are the ValidatingAdmissionPolicies by name.
	AdmissionPolicies []string `json:"validatingAdmissionPolicies"`
	// AdmissionPolicyBindings are the ValidatingAdmissionPolicyBindings.
	AdmissionPolicyBindings []PolicyBinding `json:"validatingAdmissionPolicyBindings"`
	// Webhooks are the validating and mutating webhook configurations.
	Webhooks []Webhook `json:"webhooks"`
	// CRDs are the names of the CustomResourceDefinitions
	// ("clusterpolicies.kyverno.io").
	CRDs []string `json:"crds"`
	// Unavailable maps a resource ("deployments.apps") that could not be
	// listed to the error. Controls that need it are ERROR, never PASS.
	Unavailable map[string]string `json:"unavailable,omitempty"`
}

// Namespace is a namespace and its pod-security.kubernetes.io/* labels.
type Namespace struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
}

// PolicyBinding is a ValidatingAdmissionPolicyBinding.
type PolicyBinding struct {
	Name              string   `json:"name"`
	Policy            string   `json:"policy"`
	ValidationActions []string `json:"validationActions,omitempty"`
}

// Webhook is an admission webhook configuration.
type Webhook struct {
	// Kind is "validatingwebhookconfiguration" or "mutatingwebhookconfiguration".
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Hooks are the webhooks' names ("validate.kyverno.svc").
	Hooks []string `json:"hooks,omitempty"`
}

// Workload is one evaluated object with its pod template.
type Workload struct {
	// Kind is lower-case: deployment, statefulset, daemonset, replicaset,
	// job, cronjob or pod.
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Owner is "kind/name" of a pod's owner that is not evaluated itself
	// (e.g. a ReplicationController or a custom resource), or "node/NAME"
	// for a mirror pod.
	Owner string `json:"owner,omitempty"`
	// Mirror is true for the mirror of a static pod; Node names its node.
	Mirror bool   `json:"mirror,omitempty"`
	Node   string `json:"node,omitempty"`
	// Labels and Annotations of the pod template; annotations are kept only
	// when PSS reads them (seccomp, AppArmor).
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	// Spec is the pod template's spec, trimmed by TrimSpec.
	Spec corev1.PodSpec `json:"spec"`
}

// Ref names the workload as in evidence: "daemonset/kube-system/kube-proxy".
func (w *Workload) Ref() string {
	return w.Kind + "/" + w.Namespace + "/" + w.Name
}

// Object is the workload as the report names objects.
func (w *Workload) Object() report.ObjectRef {
	return report.ObjectRef{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name}
}

// TrimSpec keeps what the controls and the PSS checks read and drops
// anything that may carry a secret or that nothing reads: env values (only
// the variable names and their sources stay), commands and arguments
// (except the network-policy switch of the AWS node agent), probe and
// lifecycle HTTP headers, tolerations, affinity.
func TrimSpec(in corev1.PodSpec) corev1.PodSpec {
	out := corev1.PodSpec{
		Volumes: in.Volumes, HostNetwork: in.HostNetwork, HostPID: in.HostPID, HostIPC: in.HostIPC,
		SecurityContext: in.SecurityContext, NodeName: in.NodeName, ServiceAccountName: in.ServiceAccountName,
		OS: in.OS, HostUsers: in.HostUsers, RuntimeClassName: in.RuntimeClassName,
	}
	for _, c := range in.InitContainers {
		out.InitContainers = append(out.InitContainers, trimContainer(c))
	}
	for _, c := range in.Containers {
		out.Containers = append(out.Containers, trimContainer(c))
	}
	for _, e := range in.EphemeralContainers {
		e.EphemeralContainerCommon = corev1.EphemeralContainerCommon(trimContainer(corev1.Container(e.EphemeralContainerCommon)))
		out.EphemeralContainers = append(out.EphemeralContainers, e)
	}
	return out
}

func trimContainer(c corev1.Container) corev1.Container {
	out := corev1.Container{
		Name: c.Name, Image: c.Image, Ports: c.Ports, EnvFrom: c.EnvFrom,
		SecurityContext: c.SecurityContext, RestartPolicy: c.RestartPolicy,
		LivenessProbe: trimProbe(c.LivenessProbe), ReadinessProbe: trimProbe(c.ReadinessProbe),
		StartupProbe: trimProbe(c.StartupProbe), Lifecycle: trimLifecycle(c.Lifecycle),
	}
	for _, e := range c.Env {
		// The value of a literal variable is dropped: it may be a secret.
		out.Env = append(out.Env, corev1.EnvVar{Name: e.Name, ValueFrom: e.ValueFrom})
	}
	for _, a := range append(append([]string{}, c.Command...), c.Args...) {
		if strings.HasPrefix(a, "--enable-network-policy") {
			out.Args = append(out.Args, a)
		}
	}
	return out
}

func trimHandler(h corev1.ProbeHandler) corev1.ProbeHandler {
	out := corev1.ProbeHandler{TCPSocket: h.TCPSocket}
	if h.HTTPGet != nil {
		g := *h.HTTPGet
		g.HTTPHeaders = nil
		out.HTTPGet = &g
	}
	return out
}

func trimProbe(p *corev1.Probe) *corev1.Probe {
	if p == nil {
		return nil
	}
	return &corev1.Probe{ProbeHandler: trimHandler(p.ProbeHandler)}
}

func trimLifecycle(l *corev1.Lifecycle) *corev1.Lifecycle {
	if l == nil {
		return nil
	}
	out := &corev1.Lifecycle{}
	if l.PostStart != nil {
		h := trimHandler(corev1.ProbeHandler{HTTPGet: l.PostStart.HTTPGet, TCPSocket: l.PostStart.TCPSocket})
		out.PostStart = &corev1.LifecycleHandler{HTTPGet: h.HTTPGet, TCPSocket: h.TCPSocket}
	}
	if l.PreStop != nil {
		h := trimHandler(corev1.ProbeHandler{HTTPGet: l.PreStop.HTTPGet, TCPSocket: l.PreStop.TCPSocket})
		out.PreStop = &corev1.LifecycleHandler{HTTPGet: h.HTTPGet, TCPSocket: h.TCPSocket}
	}
	return out
}

// pssAnnotations keeps the template annotations PSS reads.
func pssAnnotations(a map[string]string) map[string]string {
	var out map[string]string
	for k, v := range a {
		if strings.HasPrefix(k, "seccomp.security.alpha.kubernetes.io/") ||
			strings.HasPrefix(k, "container.seccomp.security.alpha.kubernetes.io/") ||
			strings.HasPrefix(k, "container.apparmor.security.beta.kubernetes.io/") {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// psaLabels keeps the pod-security.kubernetes.io/* labels.
func psaLabels(l map[string]string) map[string]string {
	var out map[string]string
	for k, v := range l {
		if strings.HasPrefix(k, "pod-security.kubernetes.io/") {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// Sort orders every list so that reports are stable.
func (s *Snapshot) Sort() {
	sort.Slice(s.Namespaces, func(i, j int) bool { return s.Namespaces[i].Name < s.Namespaces[j].Name })
	sort.Slice(s.Workloads, func(i, j int) bool {
		a, b := &s.Workloads[i], &s.Workloads[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Name < b.Name
	})
	sort.Strings(s.NetworkPolicies)
	sort.Strings(s.DefaultNamespace)
	sort.Strings(s.AdmissionPolicies)
	sort.Slice(s.AdmissionPolicyBindings, func(i, j int) bool { return s.AdmissionPolicyBindings[i].Name < s.AdmissionPolicyBindings[j].Name })
	sort.Slice(s.Webhooks, func(i, j int) bool {
		if s.Webhooks[i].Kind != s.Webhooks[j].Kind {
			return s.Webhooks[i].Kind < s.Webhooks[j].Kind
		}
		return s.Webhooks[i].Name < s.Webhooks[j].Name
	})
	sort.Strings(s.CRDs)
}
