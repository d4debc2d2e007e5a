//go:build e2e

package e2e

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestAll: `kubectl harden all` prints one report with both nodes, RBAC and
// workloads; its JSON round-trips; the exit code follows --fail-on.
func TestAll(t *testing.T) {
	// Parallel: it asserts the report's shape, exit codes and the
	// kubelet's seccompDefault, none of which another test's objects change.
	t.Parallel()
	r := harden(t, scanTimeout, "all", "-o", "json", "--fail-on", "FAIL")
	if r.exit != 2 {
		t.Fatalf("want exit 2 (kind has FAILs) with --fail-on FAIL:\n%s", r)
	}
	rep := decodeReport(t, r)
	if rep.Kind != report.KindCluster {
		t.Errorf("kind = %q, want %q", rep.Kind, report.KindCluster)
	}
	nodes := kubectl(t, "get", "nodes", "-o", "jsonpath={.items[*].metadata.name}")
	for _, n := range strings.Fields(nodes) {
		if tg := target(t, rep, n); len(tg.Results) == 0 || tg.Error != "" {
			t.Errorf("node %s: %d results, error %q", n, len(tg.Results), tg.Error)
		}
	}
	if tg := target(t, rep, report.ClusterTargetName); len(tg.Results) == 0 || tg.Results[0].ControlID != "5.1.1" {
		t.Errorf("rbac target: %+v", tg.Summary)
	}
	wl := target(t, rep, "workloads")
	kb, _ := benchmarks.Lookup(kindBenchmark)
	if want := len(kb.ControlsOf(benchmarks.EngineWorkloads)); len(wl.Results) != want {
		t.Errorf("workloads target has %d results, want %s's %d workload controls", len(wl.Results), kindBenchmark, want)
	}
	// The node scan's kubelet seccompDefault reaches 5.6.2.
	if res := result(t, wl, "5.6.2"); !evidenceWith(res, "kubelet seccompDefault") {
		t.Errorf("5.6.2 without the kubelet's seccompDefault: %s", describe(res))
	}
	// JSON round-trips.
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back report.Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, rep) {
		t.Error("the report does not round-trip through JSON")
	}

	// Without findings at the threshold, exit 0: 5.4.2 is a WARN (review).
	r = harden(t, scanTimeout, "all", "--control", "5.4.2", "--fail-on", "FAIL", "--timeout", "2m")
	if r.exit != 0 {
		t.Errorf("want exit 0 when only 5.4.2 (WARN) is kept with --fail-on FAIL:\n%s", r)
	}
	assertNoLeftovers(t, 2*time.Minute)
}

// TestAllBenchmark: `all --benchmark eks-1.8.0` on kind evaluates the whole
// EKS benchmark with one choice said once: section 3 on the nodes, 4.1 from
// RBAC, 4.2-4.5 from the workloads, no control of another benchmark, and the
// same decisions as the default CIS run for the controls that share a check.
func TestAllBenchmark(t *testing.T) {
	cis := decodeReport(t, harden(t, scanTimeout, "all", "-o", "json"))
	r := harden(t, scanTimeout, "all", "--benchmark", "eks-1.8.0", "-o", "json")
	rep := decodeReport(t, r)
	if n := strings.Count(r.stderr, "Benchmark: eks-1.8.0"); n != 1 {
		t.Errorf("the benchmark choice is said %d times, want once:\n%s", n, r.stderr)
	}
	sections := map[string]int{}
	for _, tg := range rep.Targets {
		for _, res := range tg.Results {
			if strings.HasPrefix(res.ControlID, "KH-") {
				continue
			}
			if res.Benchmark != "eks-1.8.0" {
				t.Errorf("%s %s: benchmark %q", tg.Name, res.ControlID, res.Benchmark)
			}
			sections[tg.Name+" "+res.ControlID[:1]]++
		}
	}
	nodes := strings.Fields(kubectl(t, "get", "nodes", "-o", "jsonpath={.items[*].metadata.name}"))
	for _, n := range nodes {
		if sections[n+" 3"] == 0 {
			t.Errorf("node %s has no EKS section 3 result: %v", n, sections)
		}
	}
	eks, _ := benchmarks.Lookup("eks-1.8.0")
	section4 := func(engine string) int {
		n := 0
		for _, c := range eks.ControlsOf(engine) {
			if strings.HasPrefix(c.ID, "4.") {
				n++
			}
		}
		return n
	}
	if r, w := section4(benchmarks.EngineRBAC), section4(benchmarks.EngineWorkloads); sections["cluster 4"] != r || sections["workloads 4"] != w {
		t.Errorf("section 4: cluster %d (want %d), workloads %d (want %d)", sections["cluster 4"], r, sections["workloads 4"], w)
	}
	for eks, c := range map[string]string{"4.1.1": "5.1.1", "4.1.5": "5.1.5", "4.1.8": "5.1.8"} {
		if got, want := result(t, target(t, rep, report.ClusterTargetName), eks), result(t, target(t, cis, report.ClusterTargetName), c); got.Status != want.Status {
			t.Errorf("eks %s = %s, cis %s = %s", eks, got.Status, c, want.Status)
		}
	}
	for eks, c := range map[string]string{"4.2.1": "5.2.2", "4.2.4": "5.2.5", "4.5.2": "5.6.4"} {
		if got, want := result(t, target(t, rep, "workloads"), eks), result(t, target(t, cis, "workloads"), c); got.Status != want.Status {
			t.Errorf("eks %s = %s, cis %s = %s", eks, got.Status, c, want.Status)
		}
	}
	// rbac and workloads alone take the same flag.
	rr := decodeReport(t, harden(t, time.Minute, "rbac", "--benchmark", "gke-1.9.0", "-o", "json"))
	if res := result(t, target(t, rr, report.ClusterTargetName), "4.1.8"); res.Status != report.StatusPass {
		t.Errorf("gke 4.1.8 (bindings to system:anonymous) on kind: %s", describe(res))
	}
	assertNoLeftovers(t, 2*time.Minute)
}
