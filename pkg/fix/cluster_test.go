package fix

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubectl-harden/kubectl-harden/internal/golden"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// workloadReport is a workloads report of cis-1.12 whose findings name
// the objects of clusterObjects, a bare pod, a Job and a Deployment that
// is not in the cluster.
func workloadReport(t *testing.T) *report.Report {
	t.Helper()
	obj := func(kind, ns, name string) report.Observation {
		return report.Observation{Status: report.StatusFail, Object: report.ObjectRef{Kind: kind, Namespace: ns, Name: name}}
	}
	apps := []report.Observation{
		obj("deployment", "app", "web"), obj("daemonset", "app", "agent"), obj("statefulset", "app", "db"),
		obj("replicaset", "app", "rs"), obj("job", "app", "once"), obj("pod", "app", "bare"), obj("deployment", "app", "gone"),
	}
	tr := report.TargetReport{Kind: report.TargetCluster, Name: "workloads", Results: []report.Result{
		failOf(controlOf(t, "workloads.allow-privilege-escalation", nil), "workloads", apps...),
		failOf(controlOf(t, "workloads.seccomp-profile", nil), "workloads", obj("deployment", "app", "web")),
		failOf(controlOf(t, "workloads.privileged-containers", nil), "workloads", obj("daemonset", "app", "agent")),
		failOf(controlOf(t, "workloads.namespace-boundaries", nil), "workloads", obj("namespace", "", "app")),
		failOf(controlOf(t, "workloads.namespace-network-policies", nil), "workloads", obj("namespace", "", "app")),
	}}
	r := report.NewReport(report.KindWorkloads, report.Metadata{Benchmark: "cis-1.12", Source: "cluster"})
	r.AddTarget(tr)
	return r
}

func clusterObjects() []runtime.Object {
	meta := func(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Namespace: "app", Name: name} }
	tmpl := corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "migrate"}},
		Containers:     []corev1.Container{{Name: "main"}, {Name: "sidecar"}},
	}}
	return []runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "app"}},
		&appsv1.Deployment{ObjectMeta: meta("web"), Spec: appsv1.DeploymentSpec{Template: tmpl}},
		&appsv1.DaemonSet{ObjectMeta: meta("agent"), Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "agent"}}}}}},
		&appsv1.StatefulSet{ObjectMeta: meta("db"), Spec: appsv1.StatefulSetSpec{Template: tmpl}},
		&appsv1.ReplicaSet{ObjectMeta: meta("rs"), Spec: appsv1.ReplicaSetSpec{Template: tmpl}},
		&batchv1.Job{ObjectMeta: meta("once"), Spec: batchv1.JobSpec{Template: tmpl}},
		&corev1.Pod{ObjectMeta: meta("bare"), Spec: tmpl.Spec},
	}
}

// TestRenderClusterFakeClient renders the cluster objects of a workloads
// plan from a fake cluster: each controller's partial object names the
// containers the live object has, a Job and a missing object are errors
// beside the plan, a bare pod is named as not patched, the namespace gets
// the strictest PSA level the dry run accepts and a default-deny template
// is a decision.
func TestRenderClusterFakeClient(t *testing.T) {
	p, err := Generate(workloadReport(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p.RenderCluster(context.Background(), fake.NewClientset(clusterObjects()...))
	golden.Assert(t, filepath.Join("testdata", "workloads.cluster.golden"), render(p.Cluster))
	for _, it := range p.Items {
		if it.Check == "workloads.allow-privilege-escalation" && !strings.Contains(it.Fix.Why, "not patched (a bare pod cannot change its security context: recreate it from a controller): pod/app/bare") {
			t.Errorf("the bare pod is not named: %s", it.Fix.Why)
		}
	}
}

// Without a cluster no workload object is rendered: each fix says it needs
// the cluster, and only the default-deny template (which needs none) is
// written.
func TestRenderClusterWithoutClient(t *testing.T) {
	p, err := Generate(workloadReport(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p.RenderCluster(context.Background(), nil)
	if len(p.Cluster) != 1 || p.Cluster["cluster/decisions/networkpolicy-app-default-deny.yaml"] == "" {
		t.Errorf("cluster files without a client: %v", p.Cluster)
	}
	for _, it := range p.Items {
		if (it.Check == "workloads.allow-privilege-escalation" || it.Check == "workloads.namespace-boundaries") &&
			(it.Fix.Disposition != Manual || !strings.Contains(it.Fix.Why, "needs the cluster")) {
			t.Errorf("%s: %s %s", it.ControlID, it.Fix.Disposition, it.Fix.Why)
		}
	}
}

// A workload fix whose objects are all bare pods, or whose controllers
// could not be rendered, is not "fixed by the plan": it is manual and
// says why.
func TestRenderClusterNothingToPatch(t *testing.T) {
	obj := func(kind, name string) report.Observation {
		return report.Observation{Status: report.StatusFail, Object: report.ObjectRef{Kind: kind, Namespace: "app", Name: name}}
	}
	tr := report.TargetReport{Kind: report.TargetCluster, Name: "workloads", Results: []report.Result{
		failOf(controlOf(t, "workloads.allow-privilege-escalation", nil), "workloads", obj("pod", "bare")),
		failOf(controlOf(t, "workloads.seccomp-profile", nil), "workloads", obj("deployment", "gone"), obj("job", "once")),
		failOf(controlOf(t, "workloads.net-raw-capability", nil), "workloads", obj("deployment", "gone"), obj("deployment", "web")),
	}}
	r := report.NewReport(report.KindWorkloads, report.Metadata{Benchmark: "cis-1.12", Source: "cluster"})
	r.AddTarget(tr)
	p, err := Generate(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p.RenderCluster(context.Background(), fake.NewClientset(clusterObjects()...))
	want := map[string]string{
		"workloads.allow-privilege-escalation": "manual: no controller to patch: a bare pod cannot change its security context, recreate it from a controller: pod/app/bare",
		"workloads.seccomp-profile":            `manual: not rendered: deployment/app/gone: deployments.apps "gone" not found; job/app/once: job/app/once: a Job's pod template is immutable`,
		"workloads.net-raw-capability":         "fixed: capabilities.drop [ALL] in every container",
	}
	for _, it := range p.Items {
		got := string(it.Fix.Disposition) + ": " + it.Fix.Why
		if !strings.HasPrefix(got, want[it.Check]) {
			t.Errorf("%s: %q, want it to start with %q", it.Check, got, want[it.Check])
		}
	}
}
