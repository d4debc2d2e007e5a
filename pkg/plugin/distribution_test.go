package plugin

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	fakediscovery "k8s.io/client-go/discovery/fake"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod/sim"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// k3sCluster is a simulated one-node k3s cluster: the server version and
// node annotations and labels k3s sets (k3s-io/k3s
// pkg/nodeconfig/nodeconfig.go, pkg/cloudprovider/instances.go; the
// version as rancher/security-scan package/cfg/config.yaml keys it), and
// a collector that finds the k3s server process but no component process
// and no "Running <component>" log line (a journal it could not read), as
// on a k3s node whose log has rotated.
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
	c.Output = func(string) string {
		return evidence.FormatHeader + "\ntime 1700000000\nproc supervisor:k3s 2226 host\nargv L3Vzci9sb2NhbC9iaW4vazNzAHNlcnZlcgA=\nwarn k3s runs but no log line was read\n#end 4\n"
	}
	return c
}

// On k3s, the embedded components whose arguments could not be read give
// ERROR saying what is missing (never N/A "not running on this node",
// never PASS), the controls that do not apply to K3s are N/A with K3s's
// reason, K3s's own profile is chosen, the report carries the distribution
// typed with its signals, and --fail-on FAIL does not pass.
func TestScanK3sEmbeddedNotEstablishedIsError(t *testing.T) {
	c := k3sCluster(t)
	out, errOut, code, _ := runScan(t, c, "nodes", "-o", "json", "--fail-on", "FAIL")
	if code != ExitFindings {
		t.Errorf("exit %d, want %d (--fail-on FAIL trips on ERROR)\nstderr:\n%s", code, ExitFindings, errOut)
	}
	testutil.Contains(t, "stderr", errOut,
		"Distribution: K3s (k3s: server version v1.28.15+k3s1 contains \"+k3s\"; k3s: annotation k3s.io/node-args on 1 of 1 node(s): node-0000",
		"Benchmark: k3s-cis-1.12 (distribution K3s has a CIS profile of its own, decided over its layout: ",
	)
	rep := decode(t, out)
	d := rep.Metadata.Platform.Distribution
	if d == nil || d.ID != "k3s" || d.Name != "K3s" || !d.LayoutEvaluated || len(d.Signals) != 5 || d.Signals[0].Kind != "serverVersion" {
		t.Fatalf("metadata.platform.distribution: %+v", d)
	}
	if len(rep.Targets) != 1 || rep.Targets[0].Error != "" {
		t.Fatalf("targets %+v", rep.Targets)
	}
	statuses := map[report.Status]int{}
	for _, r := range rep.Targets[0].Results {
		if r.Role == checks.RoleEtcd || strings.HasPrefix(r.ControlID, "KH-") {
			continue
		}
		statuses[r.Status]++
		switch {
		case r.Status == report.StatusError && strings.Contains(r.Reason, "not established"):
		case r.Status == report.StatusNA && strings.Contains(r.Reason, "K3s"):
		case r.Status == report.StatusError && strings.Contains(r.Reason, "not collected"):
		case r.Status == report.StatusNA && r.Reason == "etcd is not running on this node":
			// no etcd config file: k3s runs kine (SQLite), not etcd
		default:
			t.Errorf("%s: %s %q", r.ControlID, r.Status, r.Reason)
		}
	}
	if statuses[report.StatusError] == 0 || statuses[report.StatusPass] != 0 {
		t.Errorf("statuses %v", statuses)
	}
}

// OpenShift is named by the API group its server serves, read from
// discovery, and gets the CIS OpenShift benchmark, saying why;
// --benchmark cis-1.12 still evaluates CIS Kubernetes over its layout.
func TestScanDetectsOpenShiftFromAPIGroups(t *testing.T) {
	openshift := func() *sim.Cluster {
		c := sim.New(1, simFast, 0, 0)
		c.Client.Discovery().(*fakediscovery.FakeDiscovery).Resources = []*metav1.APIResourceList{
			{GroupVersion: "config.openshift.io/v1", APIResources: []metav1.APIResource{{Name: "clusterversions", Kind: "ClusterVersion"}}},
		}
		return c
	}
	out, errOut, _, _ := runScan(t, openshift(), "nodes", "-o", "json")
	rep := decode(t, out)
	if d := rep.Metadata.Platform.Distribution; d == nil || d.ID != "openshift" || d.Signals[0].Kind != "apiGroup" {
		t.Errorf("distribution %+v\nstderr:\n%s", d, errOut)
	}
	testutil.Contains(t, "stderr", errOut,
		"Distribution: OpenShift (openshift: the server serves the API group config.openshift.io)",
		"Benchmark: rh-1.8 (distribution OpenShift has a CIS profile of its own, decided over its layout: ",
	)
	if rep.Metadata.Benchmark != "rh-1.8" {
		t.Errorf("benchmark %q", rep.Metadata.Benchmark)
	}
	out, errOut, _, _ = runScan(t, openshift(), "nodes", "-o", "json", "--benchmark", "cis-1.12")
	if rep := decode(t, out); rep.Metadata.Benchmark != "cis-1.12" || rep.Metadata.Platform.Distribution == nil {
		t.Errorf("--benchmark cis-1.12 on OpenShift: %q %+v\nstderr:\n%s", rep.Metadata.Benchmark, rep.Metadata.Platform.Distribution, errOut)
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
