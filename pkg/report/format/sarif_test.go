package format

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/reportsample"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

func sarifOf(t *testing.T, r *report.Report) SARIFLog {
	t.Helper()
	var log SARIFLog
	if err := json.Unmarshal([]byte(render(t, "sarif", r, Writer{})), &log); err != nil {
		t.Fatal(err)
	}
	return log
}

func TestSARIFKindsAndLevels(t *testing.T) {
	log := sarifOf(t, reportsample.Report())
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("version %q runs %d", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	for _, res := range run.Results {
		if res.Kind != "fail" && res.Level != "none" {
			t.Errorf("%s: kind %q with level %q: SARIF allows a level only for kind fail", res.RuleID, res.Kind, res.Level)
		}
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("%s: ruleIndex %d points at %s", res.RuleID, res.RuleIndex, run.Tool.Driver.Rules[res.RuleIndex].ID)
		}
		if len(res.Locations) == 0 {
			t.Errorf("%s: no location", res.RuleID)
		}
	}
	if run.Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != "file:///etc/kubernetes/manifests/kube-apiserver.yaml" {
		t.Errorf("file evidence: %+v", run.Results[0].Locations[0])
	}
}

// A target is named by its kind (a node named "workloads" is node/workloads,
// the workloads target is workloads), an object by its reference, and a
// file by a percent-encoded URI that parses back to the path.
func TestSARIFLocations(t *testing.T) {
	r := report.NewReport(report.KindCluster, report.Metadata{Benchmark: report.BenchmarkCIS112})
	odd := "/etc/kubernetes/my dir/a#b%c?.yaml"
	r.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: "workloads", Results: []report.Result{
		{ControlID: "1.1.1", Target: "workloads", Status: report.StatusFail, Evidence: []report.Observation{{Location: odd, Value: "0644", Path: odd}}},
	}})
	r.AddTarget(report.TargetReport{Kind: report.TargetWorkloads, Name: "workloads", Results: []report.Result{
		{ControlID: "5.2.2", Target: "workloads", Status: report.StatusFail, Evidence: []report.Observation{{Location: "deployment/prod/web", Value: "privileged",
			Object: report.ObjectRef{Kind: "deployment", Namespace: "prod", Name: "web"}, Status: report.StatusFail}}},
	}})
	run := sarifOf(t, r).Runs[0]
	node, wl := run.Results[0].Locations[0], run.Results[1].Locations[0]
	if node.LogicalLocations[0].FullyQualifiedName != "node/workloads" || wl.LogicalLocations[0].FullyQualifiedName != "workloads" {
		t.Errorf("targets: %+v and %+v", node.LogicalLocations[0], wl.LogicalLocations[0])
	}
	if got := wl.LogicalLocations[1]; got.FullyQualifiedName != "deployment/prod/web" || got.Kind != "object" {
		t.Errorf("object: %+v", got)
	}
	uri := node.PhysicalLocation.ArtifactLocation.URI
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" || u.Path != odd || strings.ContainsAny(uri, " #?") || strings.Count(uri, "%") != 4 {
		t.Errorf("URI %q (%v) does not encode %q", uri, err, odd)
	}
	if run.Results[1].Properties["targetKind"] != "workloads" {
		t.Errorf("properties %v", run.Results[1].Properties)
	}
}
