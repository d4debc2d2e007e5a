//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestBenchmarkChoice: on kind (Kubernetes 1.34, in the range of both CIS
// 1.12 and 2.0.1) `scan nodes` and `all` choose the newest edition and say
// why on stderr and in the report; under it every node verdict equals the
// one under the older edition for each control they share, except where
// the newer edition changed the control (its data says how, and those are
// listed); `controls --benchmark stig` is the newest STIG.
func TestBenchmarkChoice(t *testing.T) {
	// Parallel: node verdicts only change when a node does, which only
	// sequential tests do.
	t.Parallel()
	newer, ok := benchmarks.Lookup(kindBenchmark)
	if !ok || newer.Previous == "" {
		t.Fatalf("%s is not an edition that revises a previous one", kindBenchmark)
	}
	older, _ := benchmarks.Lookup(newer.Previous)

	r := harden(t, scanTimeout, "scan", "nodes", "-o", "json")
	rep := decodeReport(t, r)
	md := rep.Metadata
	server := md.ServerVersion
	why := "Benchmark: " + kindBenchmark + " (" + md.BenchmarkReason + ")"
	if !strings.Contains(r.stderr, why) || md.BenchmarkWarning != "" {
		t.Errorf("scan nodes on %s: stderr does not say %q, or warns %q:\n%s", server, why, md.BenchmarkWarning, r.stderr)
	}
	for _, want := range []string{older.ID + " (Kubernetes " + older.Kubernetes.String() + ")", newer.ID + " (Kubernetes " + newer.Kubernetes.String() + ")", "newest"} {
		if !strings.Contains(md.BenchmarkReason, want) {
			t.Errorf("the reason %q does not name %q", md.BenchmarkReason, want)
		}
	}
	t.Logf("scan nodes on %s: %s", server, why)

	// The same nodes under the older edition.
	old := decodeReport(t, harden(t, scanTimeout, "scan", "nodes", "--benchmark", older.ID, "-o", "json"))
	changed := map[string]string{}
	for _, c := range newer.Controls {
		if c.Changes != "" {
			changed[c.ID] = c.Changes
		}
	}
	var same, differ int
	var lines []string
	for _, tg := range rep.Targets {
		before := map[string]report.Result{}
		for _, res := range target(t, old, tg.Name).Results {
			before[res.ControlID] = res
		}
		for _, res := range tg.Results {
			o, shared := before[res.ControlID]
			if !shared {
				continue
			}
			if ch, ok := changed[res.ControlID]; ok {
				lines = append(lines, fmt.Sprintf("%s %s: %s %s -> %s %s: %q -> %q (changed in %s: %s)", tg.Name, res.ControlID,
					older.ID, o.Status, newer.ID, res.Status, o.Reason, res.Reason, newer.ID, ch))
				continue
			}
			if o.Status != res.Status || o.Reason != res.Reason {
				differ++
				t.Errorf("%s %s: %s %s (%s), %s %s (%s): the control did not change", tg.Name, res.ControlID, older.ID, o.Status, o.Reason, newer.ID, res.Status, res.Reason)
			} else {
				same++
			}
		}
	}
	sort.Strings(lines)
	t.Logf("node verdicts equal under %s and %s for %d shared (target, control) pairs, %d differ; controls %s changed:\n%s",
		older.ID, newer.ID, same, differ, newer.ID, strings.Join(lines, "\n"))

	// all says the choice once, for its three parts.
	ra := harden(t, scanTimeout, "all", "-o", "json")
	all := decodeReport(t, ra)
	if n := strings.Count(ra.stderr, "Benchmark: "+kindBenchmark+" ("); n != 1 || all.Metadata.BenchmarkReason != md.BenchmarkReason {
		t.Errorf("all: the choice is said %d times (want once), reason %q:\n%s", n, all.Metadata.BenchmarkReason, ra.stderr)
	}
	for _, tg := range all.Targets {
		for _, res := range tg.Results {
			if res.Benchmark != kindBenchmark && res.Benchmark != report.BenchmarkHarden {
				t.Errorf("all %s %s: benchmark %q", tg.Name, res.ControlID, res.Benchmark)
			}
		}
	}

	// --benchmark stig is the newest STIG.
	stig, _ := benchmarks.Newest("stig")
	out := harden(t, time.Minute, "controls", "--benchmark", "stig", "-o", "json")
	var list struct {
		Items []report.Control `json:"items"`
	}
	if err := json.Unmarshal([]byte(out.stdout), &list); err != nil || len(list.Items) != len(stig.Controls) {
		t.Fatalf("controls --benchmark stig: %v, %d controls, want %s's %d", err, len(list.Items), stig.ID, len(stig.Controls))
	}
	for _, c := range list.Items {
		if c.Benchmark != stig.ID {
			t.Errorf("controls --benchmark stig: %s of %s", c.ID, c.Benchmark)
		}
	}
	t.Logf("controls --benchmark stig: %d controls of %s (%s)", len(list.Items), stig.ID, stig.Title)
}
