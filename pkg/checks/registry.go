package checks

import (
	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// Checks are reusable decisions over a node's evidence. A benchmark
// (pkg/benchmarks) names, for each of its node controls, one check and its
// parameters; the same check serves several benchmarks (CIS 4.2.4, EKS
// 3.2.4 with "must be set explicitly", STIG V-242387 with "no command-line
// flag"). A check is pure: func(params, evidence) Outcome. Each registers
// itself from init() in the file of its component or family.

type (
	// Params are the parameters a benchmark control gives a check.
	Params = benchmarks.Params
	// ParamSpec describes one parameter of a check.
	ParamSpec = benchmarks.ParamSpec
	// CheckSpec is a check's name, doc and parameter schema.
	CheckSpec = benchmarks.CheckSpec
)

// evalFunc decides one node with a control's (validated) parameters.
type evalFunc func(p Params, ev *evidence.Node) Outcome

// Check is a node check as its file registers it.
type Check struct {
	// ID names the check, e.g. "file.mode" or "kubelet.read-only-port-off".
	ID string
	// Doc says what the check decides.
	Doc string
	// Params is the parameter schema.
	Params []ParamSpec
	// Eval decides one node. Params were validated against the schema.
	Eval evalFunc
}

// registry holds the node checks.
var registry = benchmarks.NewRegistry[evalFunc](benchmarks.EngineNodes)

func register(c Check) {
	registry.Register(CheckSpec{ID: c.ID, Doc: c.Doc, Params: c.Params}, c.Eval)
}

// Registry returns the node checks, for validation and listing.
func Registry() *benchmarks.Registry[evalFunc] { return registry }

// ---- manual ----

func manualCheck(p Params, _ *evidence.Node) Outcome {
	return warn("manual review: " + p.String("review"))
}

func init() {
	register(Check{
		ID:  "manual",
		Doc: "cannot be decided from a node's evidence: always WARN, with what a human must check",
		Params: []ParamSpec{
			{Name: "review", Type: benchmarks.TypeString, Required: true, Wording: true, Doc: "what a human must check"},
		},
		Eval: manualCheck,
	})
}
