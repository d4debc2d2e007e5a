package plugin

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/workloads"
)

// ControlsOptions holds the flags of `kubectl harden controls`.
type ControlsOptions struct {
	genericiooptions.IOStreams
	Benchmark string
	Level     int
	Sections  []string
	Controls  []string
	OutputFlags
	TableFlags

	// catalog is every control known to the tool; set in Complete.
	catalog []report.Control
}

// NewCmdControls builds `kubectl harden controls`.
func NewCmdControls(streams genericiooptions.IOStreams) *cobra.Command {
	o := &ControlsOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:     "controls",
		Aliases: []string{"control"},
		Short:   "List the benchmarks and their controls",
		Long: `Without --benchmark, list the benchmarks this build implements: each with the
Kubernetes versions it was written for, its platform and whether scan, rbac,
workloads and all choose it automatically (the newest benchmark whose range
holds the server's version; a server outside every range gets the nearest one,
with a warning).

With --benchmark, list that benchmark's controls: node controls (evaluated by
scan from each node's host evidence) and cluster controls (evaluated by rbac,
workloads and all from API objects), with their section, profile level (or
STIG category), whether the benchmark calls them automated or manual, and the
kind of target they apply to. -o wide shows the engine and the named check
that decide each one, with its parameters, and where the control was taken
from. --benchmark harden lists kubectl-harden's own controls (IDs KH-), which
every benchmark's reports include.`,
		Example: `  # The benchmarks, with their Kubernetes ranges
  kubectl harden controls

  # Level-1 kubelet controls of CIS 2.0
  kubectl harden controls --benchmark cis-2.0 --level 1 --section 4.2

  # The newest DISA STIG
  kubectl harden controls --benchmark stig

  # Our own controls beyond CIS, as YAML
  kubectl harden controls --benchmark harden -o yaml

  # The policies section of CIS EKS 1.8.0, with the checks that decide it
  kubectl harden controls --benchmark eks-1.8.0 --section 4 -o wide`,
		Args: noArgs,
		RunE: runE(o),
	}
	cmd.Flags().StringVar(&o.Benchmark, "benchmark", "", "Show the controls of this benchmark (an ID, a family for its newest edition, or harden for our own KH- controls). Without it, the benchmarks are listed with their Kubernetes ranges.")
	cmd.Flags().IntVar(&o.Level, "level", 0, "CIS profile level: 1 keeps level-1 controls only, 2 keeps both levels (default: both).")
	addProfileFlag(cmd, &o.Level)
	cmd.Flags().StringSliceVar(&o.Sections, "section", nil, "Show only these sections and their subsections (e.g. 1.2, 4).")
	cmd.Flags().StringSliceVar(&o.Controls, "control", nil, "Show only controls whose ID matches one of these globs, in any case (e.g. '3.2.*,V-242387').")
	o.OutputFlags = OutputFlags{Formats: documentFormats}
	o.OutputFlags.AddFlags(cmd)
	o.TableFlags.AddFlags(cmd, "")
	_ = cmd.RegisterFlagCompletionFunc("benchmark", completeBenchmarks)
	return cmd
}

// Complete gathers the catalog of the benchmark from pkg/benchmarks (node,
// RBAC and workload controls alike); with --benchmark harden, our own KH-
// controls of every engine. Without --benchmark, Run lists the benchmarks.
func (o *ControlsOptions) Complete(*cobra.Command, []string) error {
	o.catalog = nil
	switch b, err := benchmarks.Resolve(o.Benchmark); {
	case o.Benchmark == "" || err != nil:
		// Validate reports a bad name; without one the benchmarks are listed.
	case b.ID == benchmarks.Harden:
		o.catalog = append(append(append(o.catalog, checks.OwnCatalog()...), rbac.OwnCatalog()...), workloads.OwnCatalog()...)
	default:
		o.catalog = b.Catalog()
	}
	report.SortControls(o.catalog)
	return nil
}

// Validate checks the flags.
func (o *ControlsOptions) Validate() error {
	if err := validateBenchmarkFlag(o.Benchmark); err != nil {
		return err
	}
	if _, err := report.ParseControlGlobs(o.Controls); err != nil {
		return err
	}
	if o.Benchmark == "" && (o.Level != 0 || len(o.Sections) > 0 || len(o.Controls) > 0) {
		return errors.New("--level, --profile, --section and --control filter the controls of one benchmark: add --benchmark (kubectl harden controls lists them)")
	}
	if o.Level < 0 || o.Level > 2 {
		return fmt.Errorf("--level must be 1 or 2, not %d", o.Level)
	}
	if _, err := o.OutputFlags.ToPrinter(); err != nil {
		return err
	}
	return nil
}

// Selected returns the controls that pass the filters.
func (o *ControlsOptions) Selected() []report.Control {
	out := []report.Control{}
	globs, _ := report.ParseControlGlobs(o.Controls) // validated by Validate
	for _, c := range o.catalog {
		if !globs.Match(c.ID) {
			continue
		}
		if o.Level == 1 && c.Level > 1 {
			continue
		}
		if len(o.Sections) > 0 && !inSections(c, o.Sections) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func inSections(c report.Control, sections []string) bool {
	for _, s := range sections {
		s = strings.TrimSuffix(strings.TrimSpace(s), ".")
		if c.Section == s || strings.HasPrefix(c.Section, s+".") || strings.HasPrefix(c.ID, s+".") {
			return true
		}
	}
	return false
}

// renderParams shows a check's parameters as "k=v, k=v" in key order.
func renderParams(p map[string]any) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, p[k])
	}
	return strings.Join(parts, ", ")
}

// ControlList is the document printed by `controls -o json|yaml`.
type ControlList struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Items      []report.Control `json:"items"`
}

// BenchmarkInfo is one benchmark of `controls -o json|yaml` without
// --benchmark.
type BenchmarkInfo struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Family  string `json:"family"`
	Version string `json:"version"`
	// Kubernetes is the range of Kubernetes versions the benchmark was
	// written for, e.g. "1.34-1.35" or "1.31+".
	Kubernetes string `json:"kubernetes"`
	// KubernetesSource says where the range comes from.
	KubernetesSource string `json:"kubernetesSource"`
	Platform         string `json:"platform,omitempty"`
	// Default is true when scan, rbac, workloads and all may choose the
	// benchmark from the server version.
	Default bool `json:"default"`
	// Newest is true for the newest edition of its family, the one the
	// family name (e.g. --benchmark stig) stands for.
	Newest   bool `json:"newest"`
	Controls int  `json:"controls"`
}

// BenchmarkList is the document printed by `controls -o json|yaml`
// without --benchmark.
type BenchmarkList struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Items      []BenchmarkInfo `json:"items"`
}

// benchmarkList describes every benchmark.
func benchmarkList() BenchmarkList {
	l := BenchmarkList{APIVersion: report.ReportAPIVersion, Kind: "BenchmarkList", Items: []BenchmarkInfo{}}
	for _, b := range benchmarks.All() {
		newest, _ := benchmarks.Newest(b.Family)
		l.Items = append(l.Items, BenchmarkInfo{
			ID: b.ID, Title: b.Title, Family: b.Family, Version: b.Version,
			Kubernetes: b.Kubernetes.String(), KubernetesSource: b.Kubernetes.Source, Platform: b.Platform,
			Default: b.Default, Newest: newest != nil && newest.ID == b.ID, Controls: len(b.Controls),
		})
	}
	return l
}

// runBenchmarks prints the benchmark list.
func (o *ControlsOptions) runBenchmarks() error {
	l := benchmarkList()
	if ok, err := o.printDocument(l, o.Out); ok {
		return err
	}
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Benchmark", Type: "string"},
		{Name: "Kubernetes", Type: "string"},
		{Name: "Platform", Type: "string"},
		{Name: "Auto", Type: "string"},
		{Name: "Controls", Type: "integer"},
		{Name: "Title", Type: "string"},
		{Name: "Family", Type: "string", Priority: 1},
		{Name: "Version", Type: "string", Priority: 1},
		{Name: "Range-Source", Type: "string", Priority: 1},
	}}
	for _, b := range l.Items {
		auto := "no"
		if b.Default {
			auto = "yes"
		}
		family := b.Family
		if b.Newest {
			family += " (newest)"
		}
		t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{b.ID, b.Kubernetes, orNone(b.Platform), auto, b.Controls, b.Title, family, b.Version, b.KubernetesSource}})
	}
	t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{benchmarks.Harden, "-", "<none>", "no", len(checks.OwnCatalog()) + len(rbac.OwnCatalog()) + len(workloads.OwnCatalog()),
		"kubectl-harden's own controls (KH-), reported with every benchmark", benchmarks.Harden, "-", "-"}})
	return printTable(t, o.Output == "wide", o.NoHeaders, o.Out)
}

// Run prints the selected controls.
func (o *ControlsOptions) Run(context.Context) error {
	if o.Benchmark == "" {
		return o.runBenchmarks()
	}
	sel := o.Selected()
	if ok, err := o.printDocument(ControlList{APIVersion: report.ReportAPIVersion, Kind: "ControlList", Items: sel}, o.Out); ok {
		return err
	}
	if len(sel) == 0 {
		fmt.Fprintln(o.ErrOut, "No controls match the filters.")
		return nil
	}
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "ID", Type: "string"},
		{Name: "Section", Type: "string"},
		{Name: "Level", Type: "string"},
		{Name: "Type", Type: "string"},
		{Name: "Target", Type: "string"},
		{Name: "Title", Type: "string"},
		{Name: "Benchmark", Type: "string", Priority: 1},
		{Name: "Evidence", Type: "string", Priority: 1},
		{Name: "Engine", Type: "string", Priority: 1},
		{Name: "Check", Type: "string", Priority: 1},
		{Name: "Params", Type: "string", Priority: 1},
		{Name: "Source", Type: "string", Priority: 1},
	}}
	for _, c := range sel {
		typ := "Manual"
		if c.Automated {
			typ = "Automated"
		}
		t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{c.ID, c.Section, levelCell(c.Level, c.Severity), typ, string(c.Role), c.Title, c.Benchmark,
			orNone(strings.Join(c.Needs, "; ")), orNone(c.Engine), orNone(c.Check), orNone(renderParams(c.Params)), orNone(c.Source)}})
	}
	return printTable(t, o.Output == "wide", o.NoHeaders, o.Out)
}
