package plugin

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// diffFormats are the formats of `kubectl harden diff`.
var diffFormats = append([]string{"wide", "json", "yaml", "markdown"}, templateFormats...)

// DiffOptions holds the flags of `kubectl harden diff`.
type DiffOptions struct {
	genericiooptions.IOStreams
	Output OutputFlags
	TableFlags
	FailOnNew string

	oldPath, newPath string
	printer          *OutputPrinter
	threshold        report.Status
}

// NewCmdDiff builds `kubectl harden diff`.
func NewCmdDiff(streams genericiooptions.IOStreams) *cobra.Command {
	o := &DiffOptions{IOStreams: streams, Output: OutputFlags{Formats: diffFormats}}
	cmd := &cobra.Command{
		Use:   "diff OLD.json NEW.json",
		Short: "Compare two reports: new findings, fixed findings, status changes, targets added or removed",
		Long: `Compare two reports written with -o json (or -o yaml) by scan, rbac or any
other report command, for example last week's and today's.

Results are matched by target and control ID and, when a control has several
results on one target (one per object), by the object: the first evidence
location of the result. A new finding is a result that is FAIL or WARN now and
was not before (or was absent); a fixed finding was FAIL or WARN and is not
any more. Findings of a target that is only in the new report are new; those
of a target that is gone are not counted as fixed.

` + `Exit codes:
  0  success, and no regression at or above --fail-on-new
  1  error: a file could not be read or is not a report
  2  a regression at or above --fail-on-new (FAIL, or WARN) appeared`,
		Example: `  # What changed since last week
  kubectl harden diff report-2026-11-25.json report-2026-12-02.json

  # A comment for a pull request or a ticket
  kubectl harden diff old.json new.json -o markdown

  # Fail a CI job when a new FAIL appeared
  kubectl harden diff old.json new.json --fail-on-new FAIL`,
		Args: exactArgs("OLD.json", "NEW.json"),
		RunE: runE(o),
	}
	o.Output.AddFlags(cmd)
	o.TableFlags.AddFlags(cmd, "")
	cmd.Flags().StringVar(&o.FailOnNew, "fail-on-new", "", "Exit with code 2 when a result became FAIL (or FAIL or WARN, with WARN) that was better before: FAIL or WARN (default: never).")
	_ = cmd.RegisterFlagCompletionFunc("fail-on-new", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"FAIL", "WARN"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// Complete takes the two paths.
func (o *DiffOptions) Complete(_ *cobra.Command, args []string) error {
	o.oldPath, o.newPath = args[0], args[1]
	return nil
}

// Validate checks -o and --fail-on-new.
func (o *DiffOptions) Validate() error {
	var err error
	if o.printer, err = o.Output.ToPrinter(); err != nil {
		return err
	}
	if o.threshold, err = parseThreshold("--fail-on-new", o.FailOnNew); err != nil {
		return err
	}
	return nil
}

// readReport reads one report file (JSON or YAML).
func readReport(path string) (*report.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r, err := report.DecodeReports(j)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Run compares the reports and prints the diff.
func (o *DiffOptions) Run(context.Context) error {
	old, err := readReport(o.oldPath)
	if err != nil {
		return err
	}
	cur, err := readReport(o.newPath)
	if err != nil {
		return err
	}
	if old.Kind != cur.Kind {
		fmt.Fprintf(o.ErrOut, "Warning: comparing a %s with a %s: only the targets and controls they share are compared.\n", old.Kind, cur.Kind)
	}
	if old.Metadata.Benchmark != cur.Metadata.Benchmark {
		fmt.Fprintf(o.ErrOut, "Warning: the reports use different benchmarks (%s, %s).\n", old.Metadata.Benchmark, cur.Metadata.Benchmark)
	}
	d := report.Compare(old, cur)
	d.Old.File, d.New.File = o.oldPath, o.newPath
	if err := PrintDiff(d, o.printer, o.NoHeaders, o.Out, o.ErrOut); err != nil {
		return err
	}
	if o.threshold != "" {
		if n := d.Regressions(o.threshold); n > 0 {
			return &FindingsError{Threshold: string(o.threshold), Count: n, Flag: "--fail-on-new"}
		}
	}
	return nil
}

// PrintDiff prints a diff as a table, markdown, or a document.
func PrintDiff(d *report.Diff, p *OutputPrinter, noHeaders bool, out, errOut io.Writer) error {
	if ok, err := p.PrintDocument(d, out); ok {
		return err
	}
	if p != nil && p.Format == "markdown" {
		return printDiffMarkdown(d, out)
	}
	rows := diffRows(d)
	if len(rows) == 0 {
		fmt.Fprintln(errOut, "No differences.")
		return nil
	}
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Change", Type: "string"}, {Name: "Target", Type: "string"}, {Name: "Control", Type: "string"},
		{Name: "Object", Type: "string", Priority: 1},
		{Name: "Old", Type: "string"}, {Name: "New", Type: "string"}, {Name: "Title", Type: "string"},
	}}
	for _, r := range rows {
		t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{r[0], r[1], r[2], r[3], r[4], r[5], r[6]}})
	}
	return printTable(t, p != nil && p.Format == "wide", noHeaders, out)
}

// diffRows flattens a diff: change, target, control, object, old, new, title.
func diffRows(d *report.Diff) [][7]string {
	var rows [][7]string
	for _, t := range d.TargetsAdded {
		rows = append(rows, [7]string{"target-added", t.Name, "*", "", "", "", fmt.Sprintf("%d result(s), %d FAIL/WARN", t.Summary.Total, t.Findings)})
	}
	for _, t := range d.TargetsRemoved {
		rows = append(rows, [7]string{"target-removed", t.Name, "*", "", "", "", fmt.Sprintf("%d result(s), %d FAIL/WARN", t.Summary.Total, t.Findings)})
	}
	add := func(kind string, cs []report.Change) {
		for _, c := range cs {
			rows = append(rows, [7]string{kind, c.Target, c.ControlID, orNone(c.Object), orDash(c.OldStatus), orDash(c.NewStatus), c.Title})
		}
	}
	add("new", d.NewFindings)
	add("fixed", d.FixedFindings)
	add("changed", d.Changed)
	return rows
}

func orDash(s report.Status) string {
	if s == "" {
		return "-"
	}
	return string(s)
}

// mdEscape keeps a cell inside its markdown table cell and inert: pipes,
// newlines and HTML are escaped.
func mdEscape(s string) string {
	r := strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "`", "\\`", "*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]")
	return r.Replace(sanitize(s))
}

func printDiffMarkdown(d *report.Diff, out io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### kubectl-harden diff\n\n")
	fmt.Fprintf(&b, "%s (%s) → %s (%s)\n\n", mdEscape(d.Old.File), mdEscape(d.Old.Generated), mdEscape(d.New.File), mdEscape(d.New.Generated))
	fmt.Fprintf(&b, "| | count |\n|---|---|\n| new findings | %d |\n| fixed findings | %d |\n| other status changes | %d |\n| targets added | %d |\n| targets removed | %d |\n\n",
		len(d.NewFindings), len(d.FixedFindings), len(d.Changed), len(d.TargetsAdded), len(d.TargetsRemoved))
	section := func(title string, cs []report.Change) {
		if len(cs) == 0 {
			return
		}
		fmt.Fprintf(&b, "#### %s\n\n| target | control | object | old | new | title |\n|---|---|---|---|---|---|\n", title)
		for _, c := range cs {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", mdEscape(c.Target), mdEscape(c.ControlID), mdEscape(c.Object), orDash(c.OldStatus), orDash(c.NewStatus), mdEscape(c.Title))
		}
		b.WriteString("\n")
	}
	section("New findings", d.NewFindings)
	section("Fixed findings", d.FixedFindings)
	section("Other status changes", d.Changed)
	targets := func(title string, ts []report.TargetChange) {
		if len(ts) == 0 {
			return
		}
		fmt.Fprintf(&b, "#### %s\n\n", title)
		for _, t := range ts {
			fmt.Fprintf(&b, "- %s: %d result(s), %d FAIL/WARN\n", mdEscape(t.Name), t.Summary.Total, t.Findings)
		}
		b.WriteString("\n")
	}
	targets("Targets added", d.TargetsAdded)
	targets("Targets removed", d.TargetsRemoved)
	_, err := io.WriteString(out, b.String())
	return err
}
