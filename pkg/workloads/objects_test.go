package workloads

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-harden/kubectl-harden/internal/enginetest"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestFindingsNameTheirObject: every evidence line about one Kubernetes
// object names it in Observation.Object, and each finding line carries its
// own status, which diff compares and exceptions match: workloads of the
// pod-level controls, namespaces, the CNI's DaemonSet, and the objects of
// the default namespace (5.6.4).
func TestFindingsNameTheirObject(t *testing.T) {
	s := riskySnapshot()
	s.Workloads = append(s.Workloads, wl("daemonset", "kube-system", "kube-flannel-ds", func(s *corev1.PodSpec) { s.Containers[0].Image = "docker.io/flannel/flannel:v0.26.1" }))
	s.DefaultNamespace = append(s.DefaultNamespace, "service/legacy-api", "configmap/settings")
	s.Sort()
	want := map[string]report.ObjectRef{
		"5.2.2": {Kind: "daemonset", Namespace: "risky", Name: "agent"},
		"5.2.6": {Kind: "daemonset", Namespace: "risky", Name: "agent"},
		"5.2.8": {Kind: "pod", Namespace: "default", Name: "debug"},
		"5.3.1": {Kind: "daemonset", Namespace: "kube-system", Name: "kube-flannel-ds"},
		"5.4.1": {Kind: "statefulset", Namespace: "risky", Name: "db"},
		"5.6.1": {Kind: "namespace", Name: "risky"},
		"5.6.4": {Kind: "service", Namespace: "default", Name: "legacy-api"},
	}
	tr := Evaluate(Build(s), EvalOptions{Benchmark: testBenchmark, IncludeSystem: true})
	// 5.6.1 lists the namespaces for a review: no line is a finding.
	enginetest.Objects{Want: want, Unjudged: []string{"5.6.1"},
		Kinds: []string{"pod/", "deployment/", "statefulset/", "daemonset/", "replicaset/", "job/", "cronjob/", "namespace/", "service/", "configmap/", "serviceaccount/"}}.Check(t, tr)
}
