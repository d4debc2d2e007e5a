package plugin

import (
	"fmt"
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
the benchmark calls them automated or manual, and the kind of target they apply to.`,
		Example: `  # Every control
  kubectl harden controls

  # Level-1 kubelet controls of CIS 1.12
  kubectl harden controls --benchmark cis-1.12 --level 1 --section 4.2

  # Our own controls beyond CIS, as YAML
  kubectl harden controls --benchmark harden -o yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Complete()
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
	}
	cmd.Flags().StringVar(&o.Benchmark, "benchmark", "", "Show only the controls of this benchmark: cis-1.12 or harden (our own controls).")
	cmd.Flags().IntVar(&o.Level, "level", 0, "CIS profile level: 1 keeps level-1 controls only, 2 keeps both levels (default: both).")
	cmd.Flags().StringSliceVar(&o.Sections, "section", nil, "Show only these sections and their subsections (e.g. 1.2, 4).")
	o.OutputFlags = OutputFlags{Formats: documentFormats}
	o.OutputFlags.AddFlags(cmd)
	cmd.Flags().BoolVar(&o.NoHeaders, "no-headers", false, "When printing a table, leave out the header row.")
	_ = cmd.RegisterFlagCompletionFunc("benchmark", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{report.BenchmarkCIS112, report.BenchmarkHarden}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// Complete gathers the catalog of every engine.
func (o *ControlsOptions) Complete() {
	o.catalog = append(append([]report.Control{}, checks.Catalog()...), rbac.Catalog()...)
	o.catalog = append(o.catalog, workloads.Catalog()...)
	report.SortControls(o.catalog)
}

// Validate checks the flags.
func (o *ControlsOptions) Validate() error {
	switch o.Benchmark {
	case "", report.BenchmarkCIS112, report.BenchmarkHarden:
	default:
		return fmt.Errorf("--benchmark %q is not known: use %s or %s", o.Benchmark, report.BenchmarkCIS112, report.BenchmarkHarden)
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
	for _, c := range o.catalog {
		if o.Benchmark != "" && c.Benchmark != o.Benchmark {
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
		{Name: "Level", Type: "integer"},
		{Name: "Type", Type: "string"},
		{Name: "Target", Type: "string"},
		{Name: "Title", Type: "string"},
		{Name: "Benchmark", Type: "string", Priority: 1},
		{Name: "Evidence", Type: "string", Priority: 1},
	}}
	for _, c := range sel {
		typ := "Manual"
		if c.Automated {
			typ = "Automated"
		}
		t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{c.ID, c.Section, c.Level, typ, string(c.Role), c.Title, c.Benchmark, orNone(strings.Join(c.Needs, "; "))}})
	}
	return printTable(t, o.Output == "wide", o.NoHeaders, o.Out)
}
