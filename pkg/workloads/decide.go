package workloads

import (
	"fmt"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// A benchmark profile other than CIS 1.12 (CIS EKS, GKE, AKS, the STIG)
// reuses the decisions of this package's controls through the api.control
// check of pkg/checks, naming one of our control IDs.

// ValidateRef reports whether id names a workload control; the controls
// take no parameters besides engine and control.
func ValidateRef(id string, params map[string]any) error {
	if _, ok := controlByID(id); !ok {
		return fmt.Errorf("workloads has no control %q", id)
	}
	for k := range params {
		if k != "engine" && k != "control" {
			return fmt.Errorf("workloads control %s takes no parameter %q", id, k)
		}
	}
	return nil
}

// Decide evaluates the workload control id on the model, ERROR when a kind
// it reads could not be listed, exactly as Evaluate does.
func Decide(m *Model, id string, params map[string]any, opts EvalOptions) (report.Outcome, error) {
	if err := ValidateRef(id, params); err != nil {
		return report.Outcome{}, err
	}
	c, _ := controlByID(id)
	return evalOne(c, m, opts), nil
}

func controlByID(id string) (Control, bool) {
	for _, c := range Controls() {
		if c.ID == id {
			return c, true
		}
	}
	return Control{}, false
}
