package workloads

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

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
	objectKinds := []string{"pod/", "deployment/", "statefulset/", "daemonset/", "replicaset/", "job/", "cronjob/", "namespace/", "service/", "configmap/", "serviceaccount/"}
	tr := Evaluate(Build(s), EvalOptions{Benchmark: testBenchmark, IncludeSystem: true})
	for _, r := range tr.Results {
		found := false
		for _, ob := range r.Evidence {
			if ob.Object == want[r.ControlID] {
				found = true
			}
			if r.Status == report.StatusPass || r.Status == report.StatusNA {
				continue
			}
			named := false
			for _, k := range objectKinds {
				named = named || strings.HasPrefix(ob.Location, k)
			}
			if named && ob.Object.IsZero() {
				t.Errorf("%s: %q names an object but carries none", r.ControlID, ob.Location)
			}
			// 5.6.1 lists the namespaces for a review: no line is a finding.
			if named && r.ControlID != "5.6.1" && ob.Status == "" {
				t.Errorf("%s: %q is a finding without its status", r.ControlID, ob.Location)
			}
		}
		if w, ok := want[r.ControlID]; ok && !found {
			t.Errorf("%s (%s): no evidence line names %s: %v", r.ControlID, r.Status, w, r.Evidence)
		}
	}
}
