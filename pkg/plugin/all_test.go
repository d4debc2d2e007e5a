package plugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/workloads"
)

func offlineParts(t *testing.T) (*report.Report, *report.Report, *workloads.Snapshot) {
	t.Helper()
	evs, err := evidence.Load(kindCPEvidence)
	if err != nil {
		t.Fatal(err)
	}
	nrep := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: report.BenchmarkCIS112})
	for _, ev := range evs {
		nrep.AddTarget(checks.EvaluateNode(ev, checks.EvalOptions{Benchmark: report.BenchmarkCIS112, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}))
	}
	rrep := report.NewReport(report.KindRBAC, report.Metadata{})
	rrep.AddTarget(rbac.Evaluate(rbac.Build(kindRBACSnapshot(t)), rbac.EvalOptions{Benchmark: report.BenchmarkCIS112}))
	ws, err := readSnapshot(workloadSnapshot, workloads.DecodeSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	return nrep, rrep, ws
}

func TestMergeReports(t *testing.T) {
	nrep, rrep, ws := offlineParts(t)
	merged := mergeReports(report.Metadata{Benchmark: report.BenchmarkCIS112}, nrep, rrep, nil, ws, nil, false)
	if merged.Kind != report.KindCluster {
		t.Errorf("kind %s", merged.Kind)
	}
	var names []string
	for _, tr := range merged.Targets {
		names = append(names, tr.Ref())
	}
	if len(names) != 3 || names[0] != "node/harden-e2e-control-plane" || names[1] != report.ClusterTargetName || names[2] != workloads.TargetName ||
		merged.Targets[1].Kind != report.TargetCluster || merged.Targets[2].Kind != report.TargetWorkloads {
		t.Fatalf("targets %v", names)
	}
	// One summary over all three parts.
	wcs, _ := workloads.Controls(report.BenchmarkCIS112)
	want := nrep.Summary.Total + rrep.Summary.Total + len(wcs)
	if merged.Summary.Total != want {
		t.Errorf("total %d, want %d", merged.Summary.Total, want)
	}
	// (target, control ID) is unique, so a later diff can match results.
	seen := map[string]bool{}
	for _, r := range merged.Results() {
		k := r.Target + "|" + r.ControlID
		if seen[k] {
			t.Errorf("duplicate %s", k)
		}
		seen[k] = true
	}
	// The kubelet's seccompDefault from the node part reaches 5.6.2.
	sd := seccompDefaults(nrep)
	if len(sd) != 1 {
		t.Errorf("seccompDefaults = %v, want the node's 4.2.14", sd)
	}
	var r562 report.Result
	for _, r := range merged.Targets[2].Results {
		if r.ControlID == "5.6.2" {
			r562 = r
		}
	}
	if !bytes.Contains([]byte(r562.Reason+r562.Evidence[len(r562.Evidence)-1].Location), []byte("seccompDefault")) {
		t.Errorf("5.6.2 does not use the node's seccompDefault: %s %v", r562.Reason, r562.Evidence)
	}

	// JSON round-trips.
	var buf bytes.Buffer
	if err := (&ReportOptions{Format: "json"}).Finish(merged, &buf); err != nil {
		t.Fatal(err)
	}
	var back report.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Kind != report.KindCluster || back.Summary != merged.Summary || len(back.Targets) != 3 {
		t.Errorf("round trip: %s %+v", back.Kind, back.Summary)
	}
}

func TestMergeReportsPartError(t *testing.T) {
	nrep, _, ws := offlineParts(t)
	merged := mergeReports(report.Metadata{}, nrep, nil, errors.New("missing cluster-wide permissions"), ws, nil, false)
	rb := merged.Targets[1]
	if cs, _ := rbac.Controls(""); rb.Kind != report.TargetCluster || rb.Error == "" || len(rb.Results) != len(cs) || rb.Results[0].Status != report.StatusError {
		t.Errorf("rbac error target = %+v", rb)
	}
	ro := &ReportOptions{}
	if err := ro.Finish(merged, &bytes.Buffer{}); ExitCode(err) != ExitError {
		t.Errorf("a part that could not be read must exit 1, got %v", err)
	}
}

func kindRBACSnapshot(t *testing.T) *rbac.Snapshot {
	t.Helper()
	var s rbac.Snapshot
	readJSON(t, kindSnapshot, &s)
	return &s
}
