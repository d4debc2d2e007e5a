package rbac

import (
	"fmt"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// A benchmark profile other than CIS 1.12 (CIS EKS, GKE, AKS, the STIG)
// reuses the decisions of this package's controls through the api.control
// check of pkg/checks: its params name one of our control IDs. Decide runs
// that decision; ValidateRef says whether a profile's reference is sound.

// BroadSubjects are the subjects KH-RBAC-3 considers, as its "subjects"
// parameter names them (system:serviceaccounts covers every
// system:serviceaccounts:NS group too).
var BroadSubjects = []string{"system:anonymous", "system:unauthenticated", "system:authenticated", "system:serviceaccounts"}

// ValidateRef reports whether id names a control of this package and the
// params (besides engine and control) fit it.
func ValidateRef(id string, params map[string]any) error {
	if _, ok := controlByID(id); !ok {
		return fmt.Errorf("rbac has no control %q", id)
	}
	for k, v := range params {
		switch k {
		case "engine", "control":
		case "subjects":
			if id != "KH-RBAC-3" {
				return fmt.Errorf("rbac control %s takes no parameter subjects", id)
			}
			s, _ := v.(string)
			for _, name := range splitComma(s) {
				if !has(BroadSubjects, name) {
					return fmt.Errorf("subjects: %q is not one of the broad subjects of KH-RBAC-3", name)
				}
			}
		default:
			return fmt.Errorf("rbac control %s takes no parameter %q", id, k)
		}
	}
	return nil
}

// Decide evaluates the control id of this package on the model with a
// profile's params: "subjects" narrows KH-RBAC-3 to the named broad
// subjects (system:serviceaccounts also covers system:serviceaccounts:NS).
func Decide(m *Model, id string, params map[string]any, opts EvalOptions) (report.Outcome, error) {
	if err := ValidateRef(id, params); err != nil {
		return report.Outcome{}, err
	}
	c, _ := controlByID(id)
	if s, _ := params["subjects"].(string); s != "" {
		if why := m.incomplete(); why != "" {
			return report.Outcome{Status: report.StatusError, Reason: "not evaluated: " + why}, nil
		}
		return broadGrants(m, opts, splitComma(s)), nil
	}
	return decide(c, m, opts), nil
}

func controlByID(id string) (Control, bool) {
	for _, c := range Controls() {
		if c.ID == id {
			return c, true
		}
	}
	return Control{}, false
}

func splitComma(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
