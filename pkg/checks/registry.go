package checks

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// Checks are reusable decisions over a node's evidence. A benchmark profile
// (profiles.go, benchmarks/*.yaml) names, for each of its controls, one
// check and its parameters; the same check serves several benchmarks (CIS
// 1.12 4.2.4, EKS 3.2.4 with "must be set explicitly", STIG V-242387 with
// "no command-line flag"). A check is pure: func(params, evidence) Outcome.

// Params are the parameters a profile gives a check.
type Params map[string]any

// ParamSpec describes one parameter of a check.
type ParamSpec struct {
	// Name is the key in the profile's params map.
	Name string `json:"name"`
	// Type is "string", "bool", "int", "list" (a comma list) or "octal"
	// (a file mode such as "0644").
	Type string `json:"type"`
	// Required parameters must be present.
	Required bool `json:"required,omitempty"`
	// Enum lists the accepted values of a string parameter.
	// Wording marks a parameter that only words the outcome and never
	// changes the verdict.
	Wording bool     `json:"wording,omitempty"`
	Enum    []string `json:"enum,omitempty"`
	// Doc says what the parameter does.
	Doc string `json:"doc"`
}

// Check is a reusable decision.
type Check struct {
	// ID names the check, e.g. "file.mode" or "kubelet.read-only-port-off".
	ID string `json:"id"`
	// Doc says what the check decides.
	Doc string `json:"doc"`
	// Params is the parameter schema.
	Params []ParamSpec `json:"params,omitempty"`
	// Eval decides one node. Params were validated against the schema.
	Eval func(p Params, ev *evidence.Node) Outcome `json:"-"`
}

var registry = map[string]Check{}

// CheckAPIControl is the check of profile controls decided from API
// objects: its params name an engine (APIEngines) and one of its controls.
const CheckAPIControl = "api.control"

// APIEngines are the engines that decide cluster-role controls: pkg/rbac
// and pkg/workloads.
var APIEngines = []string{"rbac", "workloads"}

func register(c Check) {
	if _, dup := registry[c.ID]; dup {
		panic("duplicate check " + c.ID)
	}
	registry[c.ID] = c
}

// LookupCheck returns the check of an ID.
func LookupCheck(id string) (Check, bool) {
	c, ok := registry[id]
	return c, ok
}

// Checks returns every registered check sorted by ID.
func Checks() []Check {
	out := make([]Check, 0, len(registry))
	for _, c := range registry {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Validate checks params against the schema: unknown keys, missing
// required keys, wrong types and values outside an enum are errors.
func (c Check) Validate(p Params) error {
	known := map[string]ParamSpec{}
	for _, s := range c.Params {
		known[s.Name] = s
	}
	for k := range p {
		if _, ok := known[k]; !ok {
			return fmt.Errorf("check %s has no parameter %q", c.ID, k)
		}
	}
	for _, s := range c.Params {
		v, ok := p[s.Name]
		if !ok {
			if s.Required {
				return fmt.Errorf("check %s needs parameter %q", c.ID, s.Name)
			}
			continue
		}
		switch s.Type {
		case "int":
			if f, ok := v.(float64); !ok || f != float64(int(f)) {
				return fmt.Errorf("check %s parameter %q must be an integer, not %v", c.ID, s.Name, v)
			}
		case "bool":
			if _, ok := v.(bool); !ok {
				return fmt.Errorf("check %s parameter %q must be a boolean, not %v", c.ID, s.Name, v)
			}
		case "string", "octal", "list":
			str, ok := v.(string)
			if !ok {
				return fmt.Errorf("check %s parameter %q must be a string, not %v", c.ID, s.Name, v)
			}
			if s.Type == "octal" {
				if _, err := strconv.ParseUint(str, 8, 32); err != nil {
					return fmt.Errorf("check %s parameter %q=%q is not an octal mode", c.ID, s.Name, str)
				}
			}
			if len(s.Enum) > 0 && !contains(s.Enum, str) {
				return fmt.Errorf("check %s parameter %q=%q is not one of %s", c.ID, s.Name, str, strings.Join(s.Enum, ", "))
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p Params) str(k string) string {
	s, _ := p[k].(string)
	return s
}

func (p Params) flag(k string) bool {
	b, _ := p[k].(bool)
	return b
}

func (p Params) mode(k string) uint32 {
	m, _ := strconv.ParseUint(p.str(k), 8, 32)
	return uint32(m)
}

func (p Params) int(k string) int {
	switch v := p[k].(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	}
	return 0
}

func (p Params) list(k string) []string {
	return splitList(p.str(k))
}

// ---- manual ----

func manualCheck(p Params, ev *evidence.Node) Outcome {
	return warn("manual review: " + p.str("review"))
}

func init() {
	register(Check{
		ID:  "manual",
		Doc: "cannot be decided from the evidence: always WARN, with what a human must check",
		Params: []ParamSpec{
			{Name: "review", Type: "string", Required: true, Wording: true, Doc: "what a human must check"},
			{Name: "engine", Type: "string", Enum: APIEngines, Doc: "for a cluster-role control: the report that lists it (default rbac)"},
		},
		Eval: manualCheck,
	})
	register(Check{
		ID: CheckAPIControl,
		Doc: "decided from API objects with the decision of one control of the rbac or workloads engine (a CIS 1.12 section 5 control or a KH- control); " +
			"evaluated by kubectl harden rbac, workloads and all, never on a node",
		Params: []ParamSpec{
			{Name: "engine", Type: "string", Required: true, Enum: APIEngines, Doc: "rbac (kubectl harden rbac) or workloads (kubectl harden workloads)"},
			{Name: "control", Type: "string", Required: true, Doc: "the engine's control whose decision is used, e.g. 5.1.1 or KH-RBAC-3"},
			{Name: "subjects", Type: "string", Doc: "KH-RBAC-3 only: comma list of the broad subjects considered (system:anonymous, system:unauthenticated, system:authenticated, system:serviceaccounts)"},
		},
		Eval: func(p Params, _ *evidence.Node) Outcome {
			return Outcome{Status: StatusError, Reason: "decided from API objects by kubectl harden " + p.str("engine") + ", not from a node's evidence"}
		},
	})
}
