package benchmarks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// Engines. A control's engine is derived from its check's name: checks
// named rbac.* are decided by pkg/rbac, workloads.* by pkg/workloads, every
// other check by pkg/checks from a node's host evidence.
const (
	EngineNodes     = "nodes"
	EngineRBAC      = "rbac"
	EngineWorkloads = "workloads"
)

// Engines lists the engines in report order.
var Engines = []string{EngineNodes, EngineRBAC, EngineWorkloads}

// EngineOf returns the engine that decides a check.
func EngineOf(check string) string {
	if prefix, _, ok := strings.Cut(check, "."); ok && (prefix == EngineRBAC || prefix == EngineWorkloads) {
		return prefix
	}
	return EngineNodes
}

// Registry holds the named checks of one engine, each with its parameter
// schema and its decision F (a function whose signature the engine
// chooses). Checks register from init() in the file that implements them,
// the way k8s.io/pod-security-admission/policy registers its checks.
type Registry[F any] struct {
	engine string
	checks map[string]registered[F]
}

type registered[F any] struct {
	spec CheckSpec
	fn   F
}

// NewRegistry makes the registry of an engine.
func NewRegistry[F any](engine string) *Registry[F] {
	return &Registry[F]{engine: engine, checks: map[string]registered[F]{}}
}

// Register adds a check. A duplicate name, a name of another engine or an
// invalid schema is a programming error and panics at init.
func (r *Registry[F]) Register(spec CheckSpec, fn F) {
	switch {
	case spec.ID == "" || spec.Doc == "":
		panic("check without ID or doc: " + spec.ID)
	case EngineOf(spec.ID) != r.engine:
		panic(fmt.Sprintf("check %s belongs to engine %s, not %s", spec.ID, EngineOf(spec.ID), r.engine))
	}
	if _, dup := r.checks[spec.ID]; dup {
		panic("duplicate check " + spec.ID)
	}
	for _, p := range spec.Params {
		if p.Name == "" || p.Doc == "" {
			panic("check " + spec.ID + ": parameter without name or doc")
		}
		switch p.Type {
		case TypeString, TypeBool, TypeInt, TypeOctal, TypeList:
		default:
			panic("check " + spec.ID + ": parameter " + p.Name + " has unknown type " + p.Type)
		}
	}
	r.checks[spec.ID] = registered[F]{spec, fn}
}

// Engine returns the engine the registry belongs to.
func (r *Registry[F]) Engine() string { return r.engine }

// Lookup returns a check by name.
func (r *Registry[F]) Lookup(id string) (CheckSpec, F, bool) {
	c, ok := r.checks[id]
	return c.spec, c.fn, ok
}

// Specs returns every registered check sorted by name.
func (r *Registry[F]) Specs() []CheckSpec {
	out := make([]CheckSpec, 0, len(r.checks))
	for _, c := range r.checks {
		out = append(out, c.spec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Check returns the decision of a check named id, with params validated
// against its schema.
func (r *Registry[F]) Check(id string, params Params) (F, error) {
	spec, fn, ok := r.Lookup(id)
	if !ok {
		return fn, fmt.Errorf("%s has no check %q", r.engine, id)
	}
	return fn, spec.Validate(params)
}

// Resolve returns the decision of a control of this engine with its
// parameters validated.
func (r *Registry[F]) Resolve(c Control) (CheckSpec, F, error) {
	var zero F
	if e := c.Engine(); e != r.engine {
		return CheckSpec{}, zero, fmt.Errorf("control %s: check %s is decided by engine %s, not %s", c.ID, c.Check, e, r.engine)
	}
	spec, fn, ok := r.Lookup(c.Check)
	if !ok {
		return CheckSpec{}, zero, fmt.Errorf("control %s: unknown check %q", c.ID, c.Check)
	}
	if err := spec.Validate(c.Params); err != nil {
		return CheckSpec{}, zero, fmt.Errorf("control %s: %w", c.ID, err)
	}
	return spec, fn, nil
}

// Validate resolves every control of this engine in a benchmark.
func (r *Registry[F]) Validate(b *Benchmark) error {
	var errs []string
	for _, c := range b.ControlsOf(r.engine) {
		if _, _, err := r.Resolve(c); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("benchmark %s: %s", b.ID, strings.Join(errs, "; "))
	}
	return nil
}

// ManualSpec is the spec of an API engine's manual check (ENGINE.manual):
// a control that the API cannot decide, always WARN (ManualOutcome), which
// the engine's report lists with what a human must check.
func ManualSpec(engine string) CheckSpec {
	return CheckSpec{
		ID:  engine + ".manual",
		Doc: "cannot be decided from API objects: always WARN, listed in the " + engine + " report with what a human must check",
		Params: []ParamSpec{
			{Name: "review", Type: TypeString, Required: true, Wording: true, Doc: "what a human must check"},
		},
	}
}

// ManualOutcome is the decision of a manual check.
func ManualOutcome(p Params) report.Outcome {
	return report.Outcome{Status: report.StatusWarn, Reason: "manual review: " + p.String("review")}
}
