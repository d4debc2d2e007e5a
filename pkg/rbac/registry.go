package rbac

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// The rbac engine: a registry of named checks (rbac.*) that decide a
// benchmark's RBAC controls from the model, and our own KH-RBAC controls.
// Which controls a benchmark has, with their metadata, is data
// (pkg/benchmarks); this package holds only the decisions.

// Params are the parameters a benchmark control gives a check.
type Params = benchmarks.Params

// decideFunc decides one control on the model with its parameters.
type decideFunc func(m *Model, p Params, opts EvalOptions) report.Outcome

// registry holds the rbac checks; each file registers its own from init().
var registry = benchmarks.NewRegistry[decideFunc](benchmarks.EngineRBAC)

// Registry returns the rbac checks, for validation and listing.
func Registry() *benchmarks.Registry[decideFunc] { return registry }

// ManualCheck is the check of a benchmark control that the API cannot
// decide and that the rbac report lists for a human.
const ManualCheck = "rbac.manual"

func init() {
	registry.Register(benchmarks.ManualSpec(benchmarks.EngineRBAC), func(_ *Model, p Params, _ EvalOptions) report.Outcome {
		return benchmarks.ManualOutcome(p)
	})
}

// planned is one control the engine reports for a benchmark: its metadata,
// its decision with parameters, and a note to append to its reason.
type planned struct {
	control report.Control
	decide  decideFunc
	params  Params
	suffix  string
	err     error
}

// plan lists what Evaluate reports for a benchmark: the benchmark's rbac
// controls, then our own KH-RBAC controls, except that a KH- control whose
// decision the benchmark already makes is reported once, under the
// benchmark's ID (a note says so), and the broad-subject control is kept
// for the broad subjects the benchmark's own controls leave out.
func plan(b *benchmarks.Benchmark) (out []planned, notes []string) {
	for _, c := range b.ControlsOf(benchmarks.EngineRBAC) {
		_, fn, err := registry.Resolve(c)
		out = append(out, planned{control: c.Report(b.ID), decide: fn, params: c.Params, err: err})
	}
	narrowed := map[string][]string{} // check -> subjects the benchmark's controls take
	for _, c := range b.ControlsOf(benchmarks.EngineRBAC) {
		if c.Check == broadCheck && c.Params.String("subjects") != "" {
			narrowed[c.Check] = append(narrowed[c.Check], c.Params.List("subjects")...)
		}
	}
	for _, oc := range ownControls {
		spec, fn, _ := registry.Lookup(oc.Check)
		if bc, ok := b.Decides(spec, oc.params); ok {
			notes = append(notes, fmt.Sprintf("%s is reported as %s %s, which makes the same decision", oc.ID, b.ID, bc.ID))
			continue
		}
		p := planned{control: oc.Control, decide: fn, params: oc.params}
		if taken := narrowed[oc.Check]; len(taken) > 0 {
			var rest []string
			for _, s := range BroadSubjects {
				if !slices.Contains(taken, s) {
					rest = append(rest, s)
				}
			}
			if len(rest) == 0 {
				notes = append(notes, fmt.Sprintf("%s is reported by %s's own controls for every broad subject", oc.ID, b.ID))
				continue
			}
			p.params = Params{"subjects": strings.Join(rest, ",")}
			p.suffix = " (" + strings.Join(taken, ", ") + ": reported by the benchmark's own controls)"
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return report.CompareIDs(out[i].control.ID, out[j].control.ID) < 0 })
	return out, notes
}

// Controls returns the metadata of every control Evaluate reports for a
// benchmark, sorted by ID.
func Controls(benchmark string) ([]report.Control, error) {
	b, err := benchmarks.Resolve(benchmark)
	if err != nil {
		return nil, err
	}
	ps, _ := plan(b)
	out := make([]report.Control, len(ps))
	for i, p := range ps {
		out[i] = p.control
	}
	return out, nil
}

// Evaluate runs the rbac controls of opts.Benchmark and our own on the
// model and returns the cluster target.
func Evaluate(m *Model, opts EvalOptions) report.TargetReport {
	t := report.TargetReport{
		Kind:  report.TargetCluster,
		Name:  report.ClusterTargetName,
		Roles: []report.Role{report.RoleCluster},
		Notes: []string{
			"users' group memberships come from the authenticator and are invisible to RBAC: a user is evaluated with its direct bindings and system:authenticated only",
			fmt.Sprintf("examined %d clusterroles, %d roles, %d clusterrolebindings, %d rolebindings, %d serviceaccounts, %d pods, %d legacy token secrets",
				len(m.snap.ClusterRoles), len(m.snap.Roles), len(m.snap.ClusterRoleBindings), len(m.snap.RoleBindings),
				len(m.snap.ServiceAccounts), len(m.snap.Pods), len(m.snap.TokenSecrets)),
		},
		Results: []report.Result{},
	}
	b, err := benchmarks.Resolve(opts.Benchmark)
	if err != nil {
		t.Error = err.Error()
		return t
	}
	ps, notes := plan(b)
	t.Notes = append(t.Notes, notes...)
	if len(ps) == 0 {
		t.Notes = append(t.Notes, "benchmark "+b.ID+" has no RBAC control and the rbac checks have no control of their own to add")
	}
	for _, p := range ps {
		o := decide(p, m, opts)
		o.Reason += p.suffix
		t.Results = append(t.Results, report.NewResult(p.control, t.Name, o))
	}
	return t
}

// decide runs one planned decision; a defect in the data or a panic in a
// decision is an ERROR of that control, never a crash of the report.
func decide(p planned, m *Model, opts EvalOptions) (o report.Outcome) {
	if p.err != nil {
		return report.Outcome{Status: report.StatusError, Reason: "benchmark data: " + p.err.Error()}
	}
	// A model that cannot be evaluated at all makes every control ERROR,
	// never PASS on nothing examined.
	if why := m.incomplete(); why != "" {
		return report.Outcome{Status: report.StatusError, Reason: "not evaluated: " + why}
	}
	defer func() {
		if r := recover(); r != nil {
			o = report.Outcome{Status: report.StatusError, Reason: fmt.Sprintf("internal error evaluating %s: %v", p.control.ID, r)}
		}
	}()
	return p.decide(m, p.params, opts)
}

// Decide runs one rbac check with parameters on the model.
func Decide(m *Model, check string, params Params, opts EvalOptions) (report.Outcome, error) {
	fn, err := registry.Check(check, params)
	if err != nil {
		return report.Outcome{}, err
	}
	if why := m.incomplete(); why != "" {
		return report.Outcome{Status: report.StatusError, Reason: "not evaluated: " + why}, nil
	}
	return fn(m, params, opts), nil
}

// OwnCatalog returns the metadata of our own KH-RBAC controls.
func OwnCatalog() []report.Control {
	out := make([]report.Control, len(ownControls))
	for i, c := range ownControls {
		out[i] = c.Control
	}
	report.SortControls(out)
	return out
}
