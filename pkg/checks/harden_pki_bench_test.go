package checks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/hostilecert"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// BenchmarkHostileCertificates measures what a scan does with one node's
// evidence at the live path's bound (4 MiB of collector output) filled
// with hostile certificates: parse and link them (evidence.Parse), then
// evaluate every control (EvaluateNode). hack/bench.sh runs it.
func BenchmarkHostileCertificates(b *testing.B) {
	for _, shape := range hostilecert.Shapes {
		in, n, err := hostilecert.CollectorOutput(shape, evidence.FormatHeader, "/etc/kubernetes/pki", 4<<20)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%s/%dcerts/parse+evaluate", shape, n), func(b *testing.B) {
			for b.Loop() {
				ev, err := evidence.Parse(strings.NewReader(in), "hostile")
				if err != nil {
					b.Fatal(err)
				}
				tr := EvaluateNode(ev, EvalOptions{Benchmark: report.BenchmarkCIS112})
				if len(tr.Results) == 0 {
					b.Fatal("no results")
				}
			}
		})
	}
}
