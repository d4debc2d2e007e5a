package format

import (
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// The page names the distribution the scan detected beside the platform.
func TestHTMLShowsDistribution(t *testing.T) {
	r := report.NewReport(report.KindNodeScan, report.Metadata{Platform: &report.Platform{
		Distribution: &report.Distribution{ID: "k3s", Name: "K3s", LayoutEvaluated: true},
	}})
	if got := buildHTMLView(r).Platform; got != "K3s" {
		t.Errorf("platform %q, want K3s", got)
	}
	r.Metadata.Platform.Provider = "Amazon EKS"
	if got := buildHTMLView(r).Platform; got != "K3s Amazon EKS" {
		t.Errorf("platform %q", got)
	}
}
