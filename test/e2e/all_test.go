//go:build e2e

package e2e

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestAll: `kubectl harden all` prints one report with both nodes, RBAC and
// workloads; its JSON round-trips; the exit code follows --fail-on.
func TestAll(t *testing.T) {
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
	if len(wl.Results) != 21 {
		t.Errorf("workloads target has %d results", len(wl.Results))
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
