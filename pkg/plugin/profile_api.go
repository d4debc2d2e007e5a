package plugin

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/workloads"
)

// The API engines (pkg/rbac, pkg/workloads) implement CIS 1.12 section 5
// and our own KH- controls. A benchmark with controls of its own for the
// API (CIS EKS/GKE/AKS section 4, the STIG's API rules) names, per control,
// the engine control whose decision it reuses (check api.control); this
// file turns an engine's native target into that benchmark's target.

// decideFunc decides one engine control with a profile's params.
type decideFunc func(id string, params map[string]any) (report.Outcome, error)

// rbacTarget evaluates the RBAC model for a benchmark.
func rbacTarget(m *rbac.Model, opts rbac.EvalOptions, benchmark string) report.TargetReport {
	return profileTarget(benchmark, "rbac", rbac.Evaluate(m, opts), func(id string, p map[string]any) (report.Outcome, error) {
		return rbac.Decide(m, id, p, opts)
	})
}

// workloadsTarget evaluates the workload model for a benchmark.
func workloadsTarget(m *workloads.Model, opts workloads.EvalOptions, benchmark string) report.TargetReport {
	return profileTarget(benchmark, "workloads", workloads.Evaluate(m, opts), func(id string, p map[string]any) (report.Outcome, error) {
		return workloads.Decide(m, id, p, opts)
	})
}

// profileTarget keeps the native target for cis-1.12; for another
// benchmark it reports that benchmark's controls (each decided by the
// engine control its profile names, manual ones WARN), keeps our own KH-
// controls, and drops the CIS 1.12 controls the benchmark does not have,
// saying so in the target's notes.
func profileTarget(benchmark, engine string, native report.TargetReport, decide decideFunc) report.TargetReport {
	if benchmark == report.BenchmarkHarden {
		// Our own controls only, as scan --benchmark harden.
		t := native
		t.Results = nil
		for _, r := range native.Results {
			if r.Benchmark == report.BenchmarkHarden {
				t.Results = append(t.Results, r)
			}
		}
		if len(t.Results) == 0 {
			t.Notes = append(append([]string(nil), native.Notes...), "the "+engine+" checks have no kubectl-harden (KH-) control of their own: nothing to report with --benchmark harden")
		}
		return t
	}
	pcs, isNative := checks.APIControls(benchmark, engine)
	if isNative {
		return native
	}
	t := native
	t.Results = nil
	used := map[string]bool{}
	narrowed := map[string][]string{} // KH control -> the subjects a profile control took
	var mapped []string
	for _, pc := range pcs {
		c := pc.Control(benchmark)
		var o report.Outcome
		if pc.Check == "manual" {
			o = report.Outcome{Status: report.StatusWarn, Reason: "manual review: " + fmt.Sprint(pc.Params["review"])}
		} else {
			ref, _ := pc.Params["control"].(string)
			mapped = append(mapped, pc.ID+"="+ref)
			if subj, _ := pc.Params["subjects"].(string); subj != "" {
				for _, x := range strings.Split(subj, ",") {
					narrowed[ref] = append(narrowed[ref], strings.TrimSpace(x))
				}
			} else {
				used[ref] = true
			}
			var err error
			if o, err = decide(ref, map[string]any(pc.Params)); err != nil {
				o = report.Outcome{Status: report.StatusError, Reason: fmt.Sprintf("benchmark %s control %s: %v", benchmark, pc.ID, err)}
			}
		}
		t.Results = append(t.Results, report.NewResult(c, t.Name, o))
	}
	// Each fact is reported once: a KH- control the benchmark reuses
	// whole is reported under the benchmark's ID only; one it reuses for
	// some subjects keeps the rest (rbac's KH-RBAC-3).
	var dropped []string
	for _, r := range native.Results {
		switch {
		case r.Benchmark != report.BenchmarkHarden:
			if !used[r.ControlID] {
				dropped = append(dropped, r.ControlID)
			}
		case used[r.ControlID]:
		case narrowed[r.ControlID] != nil:
			rest := remainingSubjects(narrowed[r.ControlID])
			if len(rest) == 0 {
				continue
			}
			o, err := decide(r.ControlID, map[string]any{"subjects": strings.Join(rest, ",")})
			if err != nil {
				o = report.Outcome{Status: report.StatusError, Reason: err.Error()}
			}
			nr := report.NewResult(khControl(r), t.Name, o)
			nr.Reason += " (" + strings.Join(narrowed[r.ControlID], ", ") + ": reported by the benchmark's own controls)"
			t.Results = append(t.Results, nr)
		default:
			t.Results = append(t.Results, r)
		}
	}
	t.Notes = append(append([]string(nil), native.Notes...), fmt.Sprintf("%s controls decided by the %s checks of CIS 1.12 and KH-: %s", benchmark, engine, orNone(strings.Join(mapped, ", "))))
	if len(dropped) > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("CIS 1.12 controls that %s does not have, not reported: %s", benchmark, strings.Join(dropped, ", ")))
	}
	return t
}

// remainingSubjects are rbac's broad subjects not in taken.
func remainingSubjects(taken []string) []string {
	var out []string
	for _, s := range rbac.BroadSubjects {
		if !slices.Contains(taken, s) {
			out = append(out, s)
		}
	}
	return out
}

// khControl finds the metadata of our own API control behind a result.
func khControl(r report.Result) report.Control {
	for _, c := range append(rbac.Catalog(), workloads.Catalog()...) {
		if c.ID == r.ControlID {
			return c
		}
	}
	return report.Control{ID: r.ControlID, Title: r.Title, Section: r.Section, Benchmark: r.Benchmark, Level: r.Level, Role: r.Role, Automated: r.Automated}
}

// apiCatalog is the metadata of the controls an engine reports for a
// benchmark: the engine's own catalog for cis-1.12, else the benchmark's
// controls for that engine and our own KH- controls.
func apiCatalog(benchmark, engine string, native []report.Control) []report.Control {
	pcs, isNative := checks.APIControls(benchmark, engine)
	if isNative && benchmark != report.BenchmarkHarden {
		return native
	}
	var out []report.Control
	for _, pc := range pcs {
		out = append(out, pc.Control(benchmark))
	}
	for _, c := range native {
		if c.Benchmark == report.BenchmarkHarden {
			out = append(out, c)
		}
	}
	return out
}
