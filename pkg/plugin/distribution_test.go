package plugin

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	fakediscovery "k8s.io/client-go/discovery/fake"

	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod/sim"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// k3sCluster is a simulated one-node k3s cluster: the server version and
// node annotations and labels k3s sets (k3s-io/k3s
// pkg/nodeconfig/nodeconfig.go, pkg/cloudprovider/instances.go; the
// version as rancher/security-scan package/cfg/config.yaml keys it), and
// a collector that finds no Kubernetes component process, as on a k3s
// node, where everything runs embedded in the k3s process.
func k3sCluster(t *testing.T) *sim.Cluster {
	t.Helper()
	c := sim.New(1, simFast, 0, 0)
	c.Client.Discovery().(*fakediscovery.FakeDiscovery).FakedServerVersion.GitVersion = "v1.28.15+k3s1"
	ctx := context.Background()
	n, err := c.Client.CoreV1().Nodes().Get(ctx, sim.NodeName(0), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Labels["node.kubernetes.io/instance-type"] = "k3s"
	n.Annotations = map[string]string{"k3s.io/node-args": `["server"]`, "k3s.io/hostname": n.Name, "k3s.io/internal-ip": "10.0.2.15"}
	if _, err := c.Client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	c.Output = func(string) string { return evidence.FormatHeader + "\ntime 1700000000\n#end 1\n" }
	return c
}

// On k3s, the control-plane and kubelet controls are ERROR naming K3s
// (never N/A "not running on this node", never PASS), the report carries
// the distribution typed with its signals, stderr says so, and --fail-on
// FAIL does not pass.
func TestScanK3sNodeControlsAreError(t *testing.T) {
	c := k3sCluster(t)
	out, errOut, code, _ := runScan(t, c, "nodes", "-o", "json", "--fail-on", "FAIL")
	if code != ExitFindings {
		t.Errorf("exit %d, want %d (--fail-on FAIL trips on ERROR)\nstderr:\n%s", code, ExitFindings, errOut)
	}
	for _, want := range []string{
		"Distribution: K3s (k3s: server version v1.28.15+k3s1 contains \"+k3s\"; k3s: annotation k3s.io/node-args on 1 of 1 node(s): node-0000",
		"Warning: K3s detected: K3s runs the API server, controller-manager, scheduler and kubelet embedded in one k3s process",
		"that layout is not evaluated yet. Its node controls (control plane and kubelet) are reported as ERROR, not judged as if the nodes were kubeadm's",
		"Benchmark: cis-1.12 (distribution K3s has no benchmark of its own implemented yet: ",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	rep := decode(t, out)
	d := rep.Metadata.Platform.Distribution
	if d == nil || d.ID != "k3s" || d.Name != "K3s" || d.LayoutEvaluated || len(d.Signals) != 5 || d.Signals[0].Kind != "serverVersion" {
		t.Fatalf("metadata.platform.distribution: %+v", d)
	}
	if len(rep.Targets) != 1 || rep.Targets[0].Error != "" {
		t.Fatalf("targets %+v", rep.Targets)
	}
	roles := map[checks.Role]int{}
	for _, r := range rep.Targets[0].Results {
		roles[r.Role]++
		if r.Status != report.StatusError || !strings.Contains(r.Reason, "distribution K3s detected") || !strings.Contains(r.Reason, "not evaluated yet") {
			t.Errorf("%s: %s %q", r.ControlID, r.Status, r.Reason)
		}
	}
	if roles[checks.RoleControlPlane] == 0 || roles[checks.RoleWorker] == 0 {
		t.Errorf("roles evaluated: %v", roles)
	}
}

// OpenShift is named by the API group its server serves, read from
// discovery.
func TestScanDetectsOpenShiftFromAPIGroups(t *testing.T) {
	c := sim.New(1, simFast, 0, 0)
	c.Client.Discovery().(*fakediscovery.FakeDiscovery).Resources = []*metav1.APIResourceList{
		{GroupVersion: "config.openshift.io/v1", APIResources: []metav1.APIResource{{Name: "clusterversions", Kind: "ClusterVersion"}}},
	}
	out, errOut, _, _ := runScan(t, c, "nodes", "-o", "json")
	rep := decode(t, out)
	if d := rep.Metadata.Platform.Distribution; d == nil || d.ID != "openshift" || d.Signals[0].Kind != "apiGroup" {
		t.Errorf("distribution %+v\nstderr:\n%s", d, errOut)
	}
	if !strings.Contains(errOut, "Distribution: OpenShift (openshift: the server serves the API group config.openshift.io)") {
		t.Errorf("stderr:\n%s", errOut)
	}
}

// A kubeadm-shaped cluster (the simulation's plain version and labels)
// names no distribution and is evaluated as before.
func TestScanKubeadmNoDistribution(t *testing.T) {
	c := sim.New(1, simFast, 0, 0)
	out, errOut, code, _ := runScan(t, c, "nodes", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	rep := decode(t, out)
	if rep.Metadata.Platform.Distribution != nil || strings.Contains(errOut, "Distribution:") || strings.Contains(out, `"distribution"`) {
		t.Errorf("distribution on a kubeadm cluster:\n%s", errOut)
	}
	for _, r := range rep.Targets[0].Results {
		if strings.Contains(r.Reason, "distribution") {
			t.Errorf("%s: %q", r.ControlID, r.Reason)
		}
	}
}
