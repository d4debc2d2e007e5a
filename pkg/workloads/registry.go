package workloads

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// The workloads engine: a registry of named checks (workloads.*) that
// decide a benchmark's workload controls from the model. Which controls a
// benchmark has, with their metadata, is data (pkg/benchmarks); this
// package holds only the decisions. It has no controls of its own.

// Params are the parameters a benchmark control gives a check.
type Params = benchmarks.Params

// check is a registered decision with the kinds it reads: when one of them
// could not be listed the control is ERROR, never decided on what was not
// seen.
type check struct {
	resources []string
	decide    func(m *Model, p Params, opts EvalOptions) report.Outcome
}

// registry holds the workload checks; each file registers its own.
var registry = benchmarks.NewRegistry[check](benchmarks.EngineWorkloads)

// Registry returns the workload checks, for validation and listing.
func Registry() *benchmarks.Registry[check] { return registry }

// ManualCheck is the check of a benchmark control that the API cannot
// decide and that the workloads report lists for a human.
const ManualCheck = "workloads.manual"

func init() {
	registry.Register(benchmarks.ManualSpec(benchmarks.EngineWorkloads), check{decide: func(_ *Model, p Params, _ EvalOptions) report.Outcome {
		return benchmarks.ManualOutcome(p)
	}})
}

// Controls returns the metadata of every control Evaluate reports for a
// benchmark, sorted by ID.
func Controls(benchmark string) ([]report.Control, error) {
	b, err := benchmarks.Resolve(benchmark)
	if err != nil {
		return nil, err
	}
	var out []report.Control
	for _, c := range b.ControlsOf(benchmarks.EngineWorkloads) {
		out = append(out, c.Report(b.ID))
	}
	report.SortControls(out)
	return out, nil
}

// Evaluate runs the workload controls of opts.Benchmark on the model and
// returns the workloads target. Its Error is set when a kind could not be
// listed; the controls that need that kind are then ERROR.
func Evaluate(m *Model, opts EvalOptions) report.TargetReport {
	s := m.snap
	t := report.TargetReport{
		Kind:  report.TargetWorkloads,
		Name:  TargetName,
		Roles: []report.Role{report.RoleCluster},
		Notes: []string{
			fmt.Sprintf("examined %d workloads (controllers evaluated once through their pod templates; pods of an evaluated owner skipped) in %s, %d network policies, %d admission policies, %d webhook configurations, %d CRDs",
				len(m.workloads), m.scope(), len(s.NetworkPolicies), len(s.AdmissionPolicies), len(s.Webhooks), len(s.CRDs)),
			"pod-level controls use the checks of k8s.io/pod-security-admission/policy at their newest version",
		},
		Results: []report.Result{},
	}
	b, err := benchmarks.Resolve(opts.Benchmark)
	if err != nil {
		t.Error = err.Error()
		return t
	}
	if len(s.Unavailable) > 0 {
		t.Error = "could not list " + strings.Join(slices.Sorted(maps.Keys(s.Unavailable)), ", ") + ": the controls that need them are ERROR"
	}
	cs := b.ControlsOf(benchmarks.EngineWorkloads)
	if len(cs) == 0 {
		t.Notes = append(t.Notes, "benchmark "+b.ID+" has no workload control and the workload checks have no control of their own: nothing to report")
	}
	var results []report.Result
	for _, c := range cs {
		results = append(results, report.NewResult(c.Report(b.ID), t.Name, evalOne(c, m, opts)))
	}
	sort.SliceStable(results, func(i, j int) bool { return report.CompareIDs(results[i].ControlID, results[j].ControlID) < 0 })
	t.Results = append(t.Results, results...)
	return t
}

// evalOne decides one control: ERROR when its check does not resolve (a
// defect of the data) or a kind it reads could not be listed.
func evalOne(c benchmarks.Control, m *Model, opts EvalOptions) (o report.Outcome) {
	_, chk, err := registry.Resolve(c)
	if err != nil {
		return report.Outcome{Status: report.StatusError, Reason: "benchmark data: " + err.Error()}
	}
	// A snapshot that cannot be evaluated at all (invalid, or nothing in
	// scope) makes every control ERROR, never PASS on nothing examined.
	if why := m.notEvaluable(); why != "" {
		return report.Outcome{Status: report.StatusError, Reason: "not evaluated: " + why}
	}
	var missing []report.Observation
	for _, r := range chk.resources {
		if e, ok := m.snap.Unavailable[r]; ok {
			missing = append(missing, report.Observation{Location: "list " + r, Value: e})
		}
	}
	if len(missing) > 0 {
		return report.Outcome{Status: report.StatusError, Reason: "could not list what the control reads: a kind that was not seen is never treated as absent", Evidence: missing}
	}
	defer func() {
		if r := recover(); r != nil {
			o = report.Outcome{Status: report.StatusError, Reason: fmt.Sprintf("internal error evaluating %s: %v", c.ID, r)}
		}
	}()
	return chk.decide(m, c.Params, opts)
}

// Decide runs one workload check with parameters on the model, ERROR when
// a kind it reads could not be listed, exactly as Evaluate does.
func Decide(m *Model, checkID string, params Params, opts EvalOptions) (report.Outcome, error) {
	if _, err := registry.Check(checkID, params); err != nil {
		return report.Outcome{}, err
	}
	return evalOne(benchmarks.Control{ID: checkID, Check: checkID, Params: params}, m, opts), nil
}

// OwnCatalog returns our own workload controls: none today, every workload
// control belongs to a benchmark.
func OwnCatalog() []report.Control { return nil }
