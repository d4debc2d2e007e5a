package checks

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/distros"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// k3sDetected is the detection of a k3s server (its server version, as
// rancher/security-scan package/cfg/config.yaml keys it) as it would be
// reported if the K3s layout were not read: the safeguard for a
// distribution whose layout the data marks not evaluated.
func k3sDetected(t *testing.T) EvalOptions {
	t.Helper()
	d := distros.Detect(distros.Facts{GitVersion: "v1.28.15+k3s1"})
	if d == nil || d.ID != "k3s" {
		t.Fatalf("detection: %+v", d)
	}
	d.LayoutEvaluated = false
	d.NotEvaluated = "K3s runs its components embedded in one process; that layout is not evaluated yet"
	o := testOpts()
	o.Distribution = d
	return o
}

// On a distribution whose layout is not read, no node control is judged
// as if the node were kubeadm's: even kubeadm-shaped evidence (which a
// layout the collector misread could look like) gives ERROR naming the
// distribution, never PASS, FAIL or N/A "not on the node"; and the node
// was scanned, so the target has no error of its own.
func TestUnevaluatedDistributionIsError(t *testing.T) {
	for name, ev := range map[string]*evidence.Node{
		"kubeadm-shaped evidence": loadEvidence(t, filepath.Join("testdata", "kubeadm-control-plane.json")),
		"no component process":    {NodeName: "k3s-server-1", Processes: map[evidence.Component]*evidence.Process{}},
		"nil evidence":            nil,
	} {
		t.Run(name, func(t *testing.T) {
			tr := EvaluateNode(ev, k3sDetected(t))
			if len(tr.Results) == 0 || tr.Error != "" {
				t.Fatalf("%d results, error %q", len(tr.Results), tr.Error)
			}
			for _, r := range tr.Results {
				if r.Status != StatusError || !strings.Contains(r.Reason, "K3s") || !strings.Contains(r.Reason, "not evaluated yet") {
					t.Errorf("%s: %s %q", r.ControlID, r.Status, r.Reason)
				}
			}
			if tr.Summary.Error != tr.Summary.Total || !strings.Contains(strings.Join(tr.Notes, "\n"), "distribution K3s detected") {
				t.Errorf("summary %+v notes %v", tr.Summary, tr.Notes)
			}
		})
	}
}

// A managed control plane stays N/A for control-plane and etcd controls;
// the kubelet's are ERROR.
func TestUnevaluatedDistributionManagedControlPlane(t *testing.T) {
	o := k3sDetected(t)
	o.ManagedControlPlane = "Example"
	tr := EvaluateNode(loadEvidence(t, filepath.Join("testdata", "kubeadm-worker.json")), o)
	for _, r := range tr.Results {
		want := StatusError
		if r.Role == RoleControlPlane || r.Role == RoleEtcd {
			want = StatusNA
		}
		if r.Status != want {
			t.Errorf("%s (%s): %s, want %s", r.ControlID, r.Role, r.Status, want)
		}
	}
}

// A distribution the data does not describe (an ID from a newer report)
// changes nothing: the kubeadm evaluation as without one.
func TestUnknownDistributionLayoutUnchanged(t *testing.T) {
	ev := loadEvidence(t, filepath.Join("testdata", "kubeadm-control-plane.json"))
	o := testOpts()
	o.Distribution = &report.Distribution{ID: "not-a-distribution", Name: "Other", LayoutEvaluated: true}
	if got, want := EvaluateNode(ev, o), EvaluateNode(ev, testOpts()); !reflect.DeepEqual(got, want) {
		t.Errorf("an unknown distribution changed the evaluation")
	}
}

func TestDetectClusterCarriesDistribution(t *testing.T) {
	p := DetectCluster(ClusterFacts{GitVersion: "v1.34.4", APIGroups: []string{"config.openshift.io"}, Nodes: []NodeFacts{{Name: "master-0", ProviderID: "aws:///us-east-1a/i-0abc"}}})
	if p.Distribution == nil || p.Distribution.ID != "openshift" || p.Name != "" || p.Managed {
		t.Fatalf("%+v", p)
	}
	if sel := SelectBenchmarkFor("v1.34.4", p); !strings.Contains(sel.Reason, "distribution OpenShift has no CIS profile of its own implemented: CIS Kubernetes is evaluated over its layout") {
		t.Errorf("reason %q", sel.Reason)
	}
	if p := DetectCluster(ClusterFacts{GitVersion: "v1.34.4"}); p.Distribution != nil {
		t.Errorf("kubeadm: %+v", p.Distribution)
	}
}
