package format

import (
	"fmt"
	"io"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// How much of a long text one cell of -o wide shows. A row stays readable
// on a wide terminal; the full text is in -o json, yaml and html.
const (
	// wideCell bounds the Reason and Remediation cells.
	wideCell = 150
	// wideEvidence bounds the Evidence cell, and wideObservation each
	// observation in it.
	wideEvidence    = 150
	wideObservation = 100
)

// tableFormat is the human table (kubectl's default output) and -o wide,
// printed with cli-runtime's table printer.
type tableFormat struct{ wide bool }

func (f *tableFormat) Name() string {
	if f.wide {
		return "wide"
	}
	return ""
}

func (f *tableFormat) Help() string {
	if f.wide {
		return "the table with reasons, evidence and remediation (long text shortened)"
	}
	return "a table"
}

func (f *tableFormat) Docs() Doc { return Report | Diff | Document }

func (f *tableFormat) Print(doc any, w Writer) error {
	switch d := doc.(type) {
	case *report.Report:
		return f.printReport(d, w)
	case *report.Diff:
		return f.printDiff(d, w)
	case *metav1.Table:
		return PrintTable(d, f.wide, w.NoHeaders, w.Out)
	case Tabled:
		return printSections(d.Sections(), f.wide, w)
	}
	return unsupported(f, doc)
}

// Tabled is a Document that the table formats lay out as tables of its
// own (controls, rbac who-can, rbac subject); the machine formats print
// the document itself.
type Tabled interface {
	// Sections are the document's tables and notes, in order.
	Sections() []Section
}

// Section is one part of a Tabled document's table output: a table,
// printed to Out (a blank line apart from the table before it), or, when
// Table is nil, a note for a person, printed to ErrOut.
type Section struct {
	Table *metav1.Table
	Note  string
}

func printSections(sections []Section, wide bool, w Writer) error {
	tables := 0
	for _, s := range sections {
		if s.Table == nil {
			fmt.Fprintln(w.errOut(), s.Note)
			continue
		}
		if tables > 0 {
			fmt.Fprintln(w.Out)
		}
		tables++
		if err := PrintTable(s.Table, wide, w.NoHeaders, w.Out); err != nil {
			return err
		}
	}
	return nil
}

// Columns are a table's columns: the names of those a table always shows,
// then those only -o wide shows, each with its type (Type, when a column
// is not a string).
func Columns(names, wide []string, types map[string]string) []metav1.TableColumnDefinition {
	var cols []metav1.TableColumnDefinition
	add := func(priority int32, names []string) {
		for _, n := range names {
			typ := types[n]
			if typ == "" {
				typ = "string"
			}
			cols = append(cols, metav1.TableColumnDefinition{Name: n, Type: typ, Priority: priority})
		}
	}
	add(0, names)
	add(1, wide)
	return cols
}

// PrintTable prints a table with cli-runtime's printer, which upper-cases
// headers and hides Priority>0 columns unless wide. Every text cell is
// sanitised first: cells hold node and API text, and cli-runtime escapes
// only some control characters.
func PrintTable(t *metav1.Table, wide, noHeaders bool, out io.Writer) error {
	for i := range t.Rows {
		for j, c := range t.Rows[i].Cells {
			if s, ok := c.(string); ok {
				t.Rows[i].Cells[j] = safetext.Inert(s)
			}
		}
	}
	p := printers.NewTablePrinter(printers.PrintOptions{Wide: wide, NoHeaders: noHeaders})
	return p.PrintObj(t, out)
}

// LevelCell is a control's profile level, or its STIG category (CAT I,
// CAT II, CAT III) for rules that have a severity instead of a level.
func LevelCell(level int, severity string) any {
	if severity != "" {
		return severity
	}
	return level
}

func (f *tableFormat) printReport(r *report.Report, w Writer) error {
	hidden, err := f.resultTable(r, w)
	if err != nil {
		return err
	}
	if w.NoHeaders {
		return nil
	}
	if err := printSummary(r, w.Out); err != nil {
		return err
	}
	if hidden > 0 {
		fmt.Fprintf(w.errOut(), "%d N/A result(s) not shown (the component is not on the node): list them with --status N/A or -o json.\n", hidden)
	}
	return nil
}

func (f *tableFormat) resultTable(r *report.Report, w Writer) (hidden int, err error) {
	t := &metav1.Table{ColumnDefinitions: Columns(
		[]string{"Target", "Control", "Status", "Level", "Title"},
		[]string{"Reason", "Evidence", "Remediation"}, nil)}
	for _, tg := range r.Targets {
		// A target that could not be scanned at all has the same ERROR for
		// every control: one row says it (JSON and the others keep them all).
		if tg.Error != "" && len(tg.Results) > 0 {
			t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{
				tg.Ref(), "*", string(report.StatusError), "", fmt.Sprintf("none of %d controls could be evaluated", len(tg.Results)),
				shorten(tg.Error, wideCell), "<none>", "<none>",
			}})
			continue
		}
		for _, res := range tg.Results {
			if w.HideNA && res.Status == report.StatusNA {
				hidden++
				continue
			}
			reason := res.Reason
			if note := AcceptedNote(res.Status, res.AcceptedStatus, res.Exception); note != "" && !res.Exception.Expired {
				reason = note + "; " + reason
			}
			t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{
				tg.Ref(), res.ControlID, string(res.Status), LevelCell(res.Level, res.Severity), res.Title,
				OrNone(shorten(reason, wideCell)), OrNone(evidenceCell(res.Evidence)), OrNone(shorten(res.Remediation, wideCell)),
			}})
		}
	}
	if len(t.Rows) == 0 {
		if !w.NoHeaders {
			fmt.Fprintln(w.errOut(), "No results.")
		}
		return hidden, nil
	}
	return hidden, PrintTable(t, f.wide, w.NoHeaders, w.Out)
}

// evidenceCell joins the observations for one cell, each shortened, until
// the cell's budget; the rest is counted, not shown.
func evidenceCell(obs []report.Observation) string {
	var b strings.Builder
	for i, o := range obs {
		s := shorten(observationText(o), wideObservation)
		if b.Len() > 0 && b.Len()+len(s) > wideEvidence {
			fmt.Fprintf(&b, "; … %d more (-o json shows all)", len(obs)-i)
			break
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(s)
	}
	return b.String()
}

// printSummary prints the counts per status for each target and in total,
// then the error of each target that could not be scanned.
func printSummary(r *report.Report, out io.Writer) error {
	fmt.Fprintln(out)
	if r.Metadata.Benchmark != "" {
		line := "Benchmark: " + r.Metadata.Benchmark
		if r.Metadata.BenchmarkReason != "" {
			line += " - " + r.Metadata.BenchmarkReason
		}
		fmt.Fprintln(out, safetext.Inert(line))
	}
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{{Name: "Target", Type: "string"}}}
	for _, st := range report.AllStatuses {
		t.ColumnDefinitions = append(t.ColumnDefinitions, metav1.TableColumnDefinition{Name: string(st), Type: "integer"})
	}
	t.ColumnDefinitions = append(t.ColumnDefinitions, metav1.TableColumnDefinition{Name: "Total", Type: "integer"})
	row := func(name string, s report.Summary) metav1.TableRow {
		cells := []any{name}
		for _, st := range report.AllStatuses {
			cells = append(cells, s.Count(st))
		}
		return metav1.TableRow{Cells: append(cells, s.Total)}
	}
	for _, tg := range r.Targets {
		t.Rows = append(t.Rows, row(tg.Ref(), tg.Summary))
	}
	if len(r.Targets) > 1 {
		t.Rows = append(t.Rows, row("(all)", r.Summary))
	}
	if err := PrintTable(t, false, false, out); err != nil {
		return err
	}
	for _, tg := range r.Targets {
		if tg.Error != "" {
			// The error holds pod messages, parse errors and log tails
			// from the node: inert, like every cell.
			line := tg.Error
			if !strings.HasPrefix(line, tg.Ref()+":") {
				line = tg.Ref() + ": " + line
			}
			fmt.Fprintln(out, safetext.Inert(line))
		}
	}
	return nil
}

// printDiff prints a diff as one row per change.
func (f *tableFormat) printDiff(d *report.Diff, w Writer) error {
	rows := diffRows(d)
	if len(rows) == 0 {
		fmt.Fprintln(w.errOut(), "No differences.")
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
	return PrintTable(t, f.wide, w.NoHeaders, w.Out)
}

// diffRows flattens a diff: change, target, control, object, old, new, title.
func diffRows(d *report.Diff) [][7]string {
	var rows [][7]string
	targetRef := func(t report.TargetChange) string {
		return report.TargetReport{Kind: t.Kind, Name: t.Name}.Ref()
	}
	for _, t := range d.TargetsAdded {
		rows = append(rows, [7]string{"target-added", targetRef(t), "*", "", "", "", fmt.Sprintf("%d result(s), %d FAIL/WARN", t.Summary.Total, t.Findings)})
	}
	for _, t := range d.TargetsRemoved {
		rows = append(rows, [7]string{"target-removed", targetRef(t), "*", "", "", "", fmt.Sprintf("%d result(s), %d FAIL/WARN", t.Summary.Total, t.Findings)})
	}
	add := func(kind string, cs []report.Change) {
		for _, c := range cs {
			rows = append(rows, [7]string{kind, c.TargetRef(), c.ControlID, OrNone(c.Object.String()), orDash(c.OldStatus), orDash(c.NewStatus), c.Title})
		}
	}
	add("new", d.NewFindings)
	add("fixed", d.FixedFindings)
	add("accepted", d.AcceptedFindings)
	add("changed", d.Changed)
	return rows
}

func orDash(s report.Status) string {
	if s == "" {
		return "-"
	}
	return string(s)
}
