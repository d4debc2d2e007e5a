package plugin

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

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
	NoHeaders bool

	// catalog is every control known to the tool; set in Complete.
	catalog []report.Control
}

// NewCmdControls builds `kubectl harden controls`.
func NewCmdControls(streams genericiooptions.IOStreams) *cobra.Command {
	o := &ControlsOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:     "controls",
		Aliases: []string{"control"},
		Short:   "List the controls that scan and rbac evaluate",
		Long: `List the control catalog: CIS Kubernetes Benchmark controls and kubectl-harden's
own controls (IDs starting with KH-), with their section, profile level, whether
the benchmark calls them automated or manual, and the kind of target they apply to.

With --benchmark, the controls of that benchmark: node controls (evaluated by
scan) and cluster controls (evaluated by rbac, workloads and all). -o wide shows
the check that decides each one and its parameters; a cluster control of CIS
EKS/GKE/AKS or the STIG names, with check api.control, the CIS 1.12 section 5
(or KH-) control whose decision it reuses.`,
		Example: `  # Every control
  kubectl harden controls

  # Level-1 kubelet controls of CIS 1.12
  kubectl harden controls --benchmark cis-1.12 --level 1 --section 4.2

  # Our own controls beyond CIS, as YAML
  kubectl harden controls --benchmark harden -o yaml

  # The policies section of CIS EKS 1.8.0, with the checks that decide it
  kubectl harden controls --benchmark eks-1.8.0 --section 4 -o wide`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Complete()
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
	}
	cmd.Flags().StringVar(&o.Benchmark, "benchmark", "", "Show the controls of this benchmark ("+strings.Join(checks.KnownBenchmarks(), ", ")+"; harden = our own controls only). Default: cis-1.12 and our own.")
	cmd.Flags().IntVar(&o.Level, "level", 0, "CIS profile level: 1 keeps level-1 controls only, 2 keeps both levels (default: both).")
	addProfileFlag(cmd, &o.Level)
	cmd.Flags().StringSliceVar(&o.Sections, "section", nil, "Show only these sections and their subsections (e.g. 1.2, 4).")
	cmd.Flags().StringSliceVar(&o.Controls, "control", nil, "Show only controls whose ID matches one of these globs, in any case (e.g. '3.2.*,V-242387').")
	o.OutputFlags = OutputFlags{Formats: documentFormats}
	o.OutputFlags.AddFlags(cmd)
	cmd.Flags().BoolVar(&o.NoHeaders, "no-headers", false, "When printing a table, leave out the header row.")
	_ = cmd.RegisterFlagCompletionFunc("benchmark", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return checks.KnownBenchmarks(), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// Complete gathers the catalog of the benchmark from every engine: the
// benchmark's profile (node and cluster controls), for cis-1.12 also the
// RBAC section 5.1 controls; our own KH- controls (evaluated with every
// benchmark) are listed without --benchmark or with --benchmark harden.
func (o *ControlsOptions) Complete() {
	var cs []report.Control
	for _, c := range append(append(checks.Catalog(), rbac.Catalog()...), workloads.Catalog()...) {
		ours := c.Benchmark == report.BenchmarkHarden && (o.Benchmark == "" || o.Benchmark == report.BenchmarkHarden)
		if ours || ((o.Benchmark == "" || o.Benchmark == report.BenchmarkCIS112) && c.Benchmark == report.BenchmarkCIS112) {
			cs = append(cs, c)
		}
	}
	if o.Benchmark != "" && o.Benchmark != report.BenchmarkCIS112 {
		cs = append(cs, checks.ProfileControls(o.Benchmark)...)
	}
	// cis-1.12's node controls come from its profile too (checks.Catalog);
	// replace them so that check, params and source are shown.
	byID := map[string]report.Control{}
	for _, c := range checks.ProfileControls(report.BenchmarkCIS112) {
		byID[c.ID] = c
	}
	for i, c := range cs {
		if p, ok := byID[c.ID]; ok && c.Benchmark == report.BenchmarkCIS112 {
			cs[i] = p
		}
	}
	o.catalog = cs
	report.SortControls(o.catalog)
}

// Validate checks the flags.
func (o *ControlsOptions) Validate() error {
	if err := checks.ValidateBenchmark(o.Benchmark); err != nil {
		return fmt.Errorf("--benchmark: %w", err)
	}
	if _, err := report.ParseControlGlobs(o.Controls); err != nil {
		return err
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

// Run prints the selected controls.
func (o *ControlsOptions) Run() error {
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
			orNone(strings.Join(c.Needs, "; ")), orNone(c.Check), orNone(renderParams(c.Params)), orNone(c.Source)}})
	}
	return printTable(t, o.Output == "wide", o.NoHeaders, o.Out)
}
