package workloads

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

func ptr[T any](v T) *T { return &v }

// goodSpec is a pod spec that passes PSS restricted and every CIS control.
func goodSpec() corev1.PodSpec {
	return corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr(true), SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		Containers: []corev1.Container{{Name: "app", Image: "registry.example.com/app:1", SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false), Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		}}},
	}
}

func wl(kind, ns, name string, mutate func(*corev1.PodSpec)) Workload {
	s := goodSpec()
	if mutate != nil {
		mutate(&s)
	}
	return Workload{Kind: kind, Namespace: ns, Name: name, Spec: s}
}

// kindSystem are kind's own system workloads, as a kind v0.30 cluster has them.
func kindSystem() []Workload {
	kp := Workload{Kind: "daemonset", Namespace: "kube-system", Name: "kube-proxy", Spec: corev1.PodSpec{
		HostNetwork: true,
		Volumes:     []corev1.Volume{{Name: "lib-modules", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/lib/modules"}}}},
		Containers:  []corev1.Container{{Name: "kube-proxy", Image: "registry.k8s.io/kube-proxy:v1.34.4", SecurityContext: &corev1.SecurityContext{Privileged: ptr(true)}}},
	}}
	kn := Workload{Kind: "daemonset", Namespace: "kube-system", Name: "kindnet", Spec: corev1.PodSpec{
		HostNetwork: true,
		Containers: []corev1.Container{{Name: "kindnet-cni", Image: "docker.io/kindest/kindnetd:v20250512-df8de77b", SecurityContext: &corev1.SecurityContext{
			Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_RAW", "NET_ADMIN"}}}}},
	}}
	etcd := Workload{Kind: "pod", Namespace: "kube-system", Name: "etcd-kind-control-plane", Mirror: true, Node: "kind-control-plane", Owner: "node/kind-control-plane", Spec: corev1.PodSpec{
		HostNetwork: true, NodeName: "kind-control-plane",
		Volumes:    []corev1.Volume{{Name: "etcd-data", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/lib/etcd"}}}},
		Containers: []corev1.Container{{Name: "etcd", Image: "registry.k8s.io/etcd:3.6.4-0"}},
	}}
	return []Workload{kp, kn, etcd}
}

// baseSnapshot is a clean cluster: namespace prod enforcing restricted with
// a NetworkPolicy, kind's system workloads, no user workload.
func baseSnapshot(ws ...Workload) *Snapshot {
	s := &Snapshot{
		Header: snapshotFormat.Header(time.Time{}),
		Namespaces: []Namespace{
			{Name: "default"}, {Name: "kube-system"},
			{Name: "prod", Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest"}},
		},
		NetworkPolicies:  []string{"prod/default-deny"},
		DefaultNamespace: []string{"configmap/kube-root-ca.crt", "service/kubernetes", "serviceaccount/default"},
	}
	s.Workloads = append(kindSystem(), ws...)
	s.Sort()
	return s
}

// testBenchmark is the benchmark whose control IDs the tests name; pinned
// so that adding an edition changes no test.
const testBenchmark = "cis-1.12"

func evalControl(t *testing.T, id string, s *Snapshot, opts EvalOptions) report.Result {
	t.Helper()
	if opts.Benchmark == "" {
		opts.Benchmark = testBenchmark
	}
	tr := Evaluate(Build(s), opts)
	for _, r := range tr.Results {
		if r.ControlID == id {
			return r
		}
	}
	t.Fatalf("control %s not evaluated", id)
	return report.Result{}
}

func evidenceHas(r report.Result, sub string) bool {
	for _, e := range r.Evidence {
		if strings.Contains(e.String(), sub) {
			return true
		}
	}
	return false
}
