package plugin

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
	"github.com/kubectl-harden/kubectl-harden/pkg/exceptions"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/report/format"
)

// Formats accepted by -o, per kind of command (pkg/report/format's
// registry decides). The table (an empty -o) is always accepted.
var (
	// reportFormats are the formats of commands that print a report.
	reportFormats = format.Names(format.Report)
	// documentFormats are the formats of commands that print a table or one
	// document (controls, rbac who-can, rbac subject).
	documentFormats = format.Names(format.Document)
	// diffFormats are the formats of `kubectl harden diff`.
	diffFormats = format.Names(format.Diff)
)

// OutputFlags is the -o flag shared by every command that prints: one
// declaration, one validation, one registry of formats. Formats lists what
// the command accepts (nil: the report formats); the table (empty -o) is
// always accepted. The options of a format (-o asff's) are registered with
// it, hidden from the flag list and described under the format in the
// command's help.
type OutputFlags struct {
	Output  string
	Formats []string

	set *format.Set
}

func (f *OutputFlags) formats() *format.Set {
	if f.set == nil {
		names := f.Formats
		if names == nil {
			names = reportFormats
		}
		f.set = format.NewSet(names)
	}
	return f.set
}

// AddFlags registers -o/--output, and the options of its formats, on a
// command.
func (f *OutputFlags) AddFlags(cmd *cobra.Command) {
	s := f.formats()
	cmd.Flags().StringVarP(&f.Output, "output", "o", f.Output, s.Usage())
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return s.Completions(), cobra.ShellCompDirectiveNoFileComp
	})
	s.AddFlags(cmd.Flags())
	if help := s.OptionsHelp(); help != "" {
		cmd.Long = strings.TrimRight(cmd.Long, "\n") + "\n" + help
	}
}

// ToPrinter validates -o (and the chosen format's options) and returns the
// printer.
func (f *OutputFlags) ToPrinter() (*OutputPrinter, error) {
	fm, err := f.formats().Lookup(f.Output)
	if err != nil {
		return nil, err
	}
	return &OutputPrinter{Format: fm.Name(), format: fm}, nil
}

// OutputPrinter is a validated -o: Format is its name ("" for the table;
// jsonpath and go-template also for their -file variants).
type OutputPrinter struct {
	Format string
	format format.Format
}

// IsTable reports whether the output is a human table ("" or "wide").
func (p *OutputPrinter) IsTable() bool { return p == nil || format.IsTable(p.format) }

// Print prints doc in the chosen format.
func (p *OutputPrinter) Print(doc any, w format.Writer) error {
	if p == nil {
		return fmt.Errorf("no output format")
	}
	return p.format.Print(doc, w)
}

// PrintDocument prints doc when the format is not a table (json, yaml,
// jsonpath, go-template) and reports whether it did; the caller prints its
// own table otherwise.
func (p *OutputPrinter) PrintDocument(doc any, out io.Writer) (bool, error) {
	if p.IsTable() {
		return false, nil
	}
	return true, p.Print(doc, format.Writer{Out: out})
}

// print validates -o and prints doc in the chosen format: a document
// format prints it as it is, the table formats lay it out with its
// Sections (see format.Tabled).
func (f *OutputFlags) print(doc any, streams genericiooptions.IOStreams, noHeaders bool) error {
	p, err := f.ToPrinter()
	if err != nil {
		return err
	}
	return p.Print(doc, format.Writer{Out: streams.Out, ErrOut: streams.ErrOut, NoHeaders: noHeaders})
}

// printDocument validates -o and prints doc when the format is a document
// format; see OutputPrinter.PrintDocument.
func (f *OutputFlags) printDocument(doc any, out io.Writer) (bool, error) {
	p, err := f.ToPrinter()
	if err != nil {
		return true, err
	}
	return p.PrintDocument(doc, out)
}

// failOnHelp says what --fail-on gates, ERROR included.
const failOnHelp = "Exit with code 2 when a result at or above this status is reported: FAIL or WARN (default: never). A result that could not be evaluated (ERROR) trips it too: a gate never passes on what was not checked. ACCEPTED (a finding a live exception covers) never trips it."

// ReportFlags are the output and filter flags shared by every command that
// prints a report (scan, rbac, and the commands built on them).
type ReportFlags struct {
	OutputFlags
	TableFlags
	Statuses []string
	Level    int
	Controls []string
	FailOn   string
	ExceptionsFlags
}

// AddFlags registers the flags on a command.
func (f *ReportFlags) AddFlags(cmd *cobra.Command) {
	f.OutputFlags.AddFlags(cmd)
	f.TableFlags.AddFlags(cmd, "and the summary")
	cmd.Flags().StringSliceVar(&f.Statuses, "status", f.Statuses, "Show only results with these statuses (comma-separated: PASS, FAIL, WARN, INFO, N/A, ERROR, ACCEPTED).")
	cmd.Flags().IntVar(&f.Level, "level", f.Level, "CIS profile level: 1 keeps level-1 controls only, 2 keeps both levels (default: both).")
	addProfileFlag(cmd, &f.Level)
	cmd.Flags().StringSliceVar(&f.Controls, "control", f.Controls, "Show only controls whose ID matches one of these globs, in any case (e.g. '1.2.*,4.2.1').")
	cmd.Flags().StringVar(&f.FailOn, "fail-on", f.FailOn, failOnHelp)
	_ = cmd.RegisterFlagCompletionFunc("fail-on", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"FAIL", "WARN"}, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("status", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"PASS", "FAIL", "WARN", "INFO", "N/A", "ERROR", "ACCEPTED"}, cobra.ShellCompDirectiveNoFileComp
	})
	f.ExceptionsFlags.AddFlags(cmd)
}

// ToOptions validates the flags and turns them into ReportOptions.
func (f *ReportFlags) ToOptions() (*ReportOptions, error) {
	p, err := f.OutputFlags.ToPrinter()
	if err != nil {
		return nil, err
	}
	o := &ReportOptions{Format: p.Format, Printer: p, NoHeaders: f.NoHeaders, Level: f.Level}
	for _, s := range f.Statuses {
		st, err := report.ParseStatus(s)
		if err != nil {
			return nil, fmt.Errorf("--status: %w", err)
		}
		o.Statuses = append(o.Statuses, st)
	}
	if f.Level != 0 && f.Level != 1 && f.Level != 2 {
		return nil, fmt.Errorf("--level must be 1 or 2, not %d", f.Level)
	}
	if o.ControlGlobs, err = report.ParseControlGlobs(f.Controls); err != nil {
		return nil, err
	}
	if o.FailOn, err = parseThreshold("--fail-on", f.FailOn); err != nil {
		return nil, err
	}
	if o.Exceptions, err = f.ExceptionsFlags.Load(); err != nil {
		return nil, err
	}
	o.IgnoreExceptions = f.IgnoreExceptions
	return o, nil
}

// parseThreshold parses a FAIL|WARN flag value ("" means none).
func parseThreshold(flag, v string) (report.Status, error) {
	switch strings.ToUpper(v) {
	case "":
		return "", nil
	case "FAIL":
		return report.StatusFail, nil
	case "WARN":
		return report.StatusWarn, nil
	}
	return "", fmt.Errorf("%s %q is not supported: use FAIL or WARN", flag, v)
}

// ReportOptions are validated output and filter settings.
type ReportOptions struct {
	// Format is the name of the chosen -o ("" for the table).
	Format       string
	Printer      *OutputPrinter
	NoHeaders    bool
	Statuses     []report.Status
	Level        int
	ControlGlobs report.ControlGlobs
	FailOn       report.Status
	// Exceptions are the exceptions files' entries (nil: none given);
	// IgnoreExceptions shows the raw verdicts and only audits them.
	Exceptions       *exceptions.Set
	IgnoreExceptions bool
}

// Keep reports whether a result passes the filters.
func (o *ReportOptions) Keep(r report.Result) bool {
	if len(o.Statuses) > 0 && !slices.Contains(o.Statuses, r.Status) {
		return false
	}
	return o.KeepControl(r.ControlID, r.Level)
}

// KeepControl applies the --level and --control filters to a control.
func (o *ReportOptions) KeepControl(id string, level int) bool {
	if o.Level == 1 && level > 1 {
		return false
	}
	return o.ControlGlobs.Match(id)
}

// Finish filters the report, prints it and returns the error that decides
// the exit code: IncompleteError when a target could not be evaluated,
// FindingsError when results trip --fail-on (findings at or above it, or
// ERROR). Hints meant for a person ("No results.", hidden N/A rows, ASFF
// batch files) go to errOut when it is given, and nowhere otherwise: out
// carries only the requested output.
func (o *ReportOptions) Finish(r *report.Report, out io.Writer, errOut ...io.Writer) error {
	w := format.Writer{Out: out, NoHeaders: o.NoHeaders, HideNA: len(o.Statuses) == 0}
	if len(errOut) > 0 {
		w.ErrOut = errOut[0]
	}
	// Exceptions apply to every result, before --status, --control and
	// --level choose what is shown: the audit is about the whole run.
	o.applyExceptions(r, w.ErrOut)
	r.Filter(o.Keep)
	p := o.Printer
	if p == nil {
		var err error
		if p, err = (&OutputFlags{Output: o.Format}).ToPrinter(); err != nil {
			return err
		}
	}
	if err := p.Print(r, w); err != nil {
		return err
	}
	var failed []string
	for _, t := range r.Targets {
		if t.Error != "" {
			failed = append(failed, safetext.Inert(t.Name))
		}
	}
	if len(failed) > 0 {
		return &IncompleteError{Msg: fmt.Sprintf("could not scan %d target(s): %s (see the ERROR results)", len(failed), strings.Join(failed, ", "))}
	}
	if n, errors := r.Tripping(o.FailOn); n > 0 {
		return &FindingsError{Threshold: string(o.FailOn), Count: n, Errors: errors}
	}
	return nil
}
