package format

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// ControlList is the document of `controls --benchmark`: a benchmark's
// controls.
type ControlList struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Items      []report.Control `json:"items"`
}

// NewControlList wraps controls in a ControlList.
func NewControlList(controls []report.Control) ControlList {
	return ControlList{APIVersion: report.ReportAPIVersion, Kind: "ControlList", Items: controls}
}

// Sections lay the controls out as a table; -o wide adds what decides
// each one and where it was taken from.
func (l ControlList) Sections() []Section {
	if len(l.Items) == 0 {
		return []Section{{Note: "No controls match the filters."}}
	}
	t := &metav1.Table{ColumnDefinitions: Columns(
		[]string{"ID", "Section", "Level", "Type", "Target", "Title"},
		[]string{"Benchmark", "Evidence", "Engine", "Check", "Params", "Source"}, nil)}
	for _, c := range l.Items {
		typ := "Manual"
		if c.Automated {
			typ = "Automated"
		}
		t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{c.ID, c.Section, LevelCell(c.Level, c.Severity), typ, string(c.Role), c.Title, c.Benchmark,
			OrNone(strings.Join(c.Needs, "; ")), OrNone(c.Engine), OrNone(c.Check), OrNone(benchmarks.Params(c.Params).Key()), OrNone(c.Source)}})
	}
	return []Section{{Table: t}}
}

// BenchmarkList is the document of `controls` without --benchmark: every
// benchmark this build implements.
type BenchmarkList struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Items      []benchmarks.Info `json:"items"`

	// ownControls is how many KH- controls there are, for the table's
	// last row (the engines' catalogs count them; this package cannot).
	ownControls int
}

// NewBenchmarkList describes every benchmark; ownControls is the number
// of kubectl-harden's own controls, which the table lists last.
func NewBenchmarkList(ownControls int) BenchmarkList {
	return BenchmarkList{APIVersion: report.ReportAPIVersion, Kind: "BenchmarkList", Items: benchmarks.List(), ownControls: ownControls}
}

// Sections lay the benchmarks out as a table, our own controls last.
func (l BenchmarkList) Sections() []Section {
	t := &metav1.Table{ColumnDefinitions: Columns(
		[]string{"Benchmark", "Kubernetes", "Platform", "Auto", "Controls", "Title"},
		[]string{"Family", "Version", "Range-Source"}, map[string]string{"Controls": "integer"})}
	for _, b := range l.Items {
		auto := "no"
		if b.Default {
			auto = "yes"
		}
		family := b.Family
		if b.Newest {
			family += " (newest)"
		}
		t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{b.ID, b.Kubernetes, OrNone(b.Platform), auto, b.Controls, b.Title, family, b.Version, b.KubernetesSource}})
	}
	t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{benchmarks.Harden, "-", "<none>", "no", l.ownControls,
		"kubectl-harden's own controls (KH-), reported with every benchmark", benchmarks.Harden, "-", "-"}})
	return []Section{{Table: t}}
}
