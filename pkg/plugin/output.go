package plugin

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// Template formats of -o: the value after "=" is the template, or the path
// of a file holding it, as with kubectl.
var templateFormats = []string{"jsonpath", "jsonpath-file", "go-template", "go-template-file"}

// Formats accepted by -o, per kind of command. The table (an empty -o) is
// always accepted.
var (
	// reportFormats are the formats of commands that print a report.
	reportFormats = append([]string{"wide", "json", "yaml", "junit", "sarif", "asff", "html"}, templateFormats...)
	// documentFormats are the formats of commands that print a table or one
	// document (controls, rbac who-can, rbac subject).
	documentFormats = append([]string{"wide", "json", "yaml"}, templateFormats...)
)

// OutputFlags is the -o flag shared by every command that prints: one
// declaration, one validation, one set of template printers. Formats lists
// what the command accepts; the table (empty -o) is always accepted.
type OutputFlags struct {
	Output  string
	Formats []string
}

// AddFlags registers -o/--output on a command.
func (f *OutputFlags) AddFlags(cmd *cobra.Command) {
	formats := f.formats()
	cmd.Flags().StringVarP(&f.Output, "output", "o", f.Output,
		fmt.Sprintf("Output format: one of (%s); a table when empty.", strings.Join(formatNames(formats), ", ")))
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return formatNames(formats), cobra.ShellCompDirectiveNoFileComp
	})
}

func (f *OutputFlags) formats() []string {
	if len(f.Formats) == 0 {
		return reportFormats
	}
	return f.Formats
}

func formatNames(formats []string) []string {
	out := make([]string, 0, len(formats))
	for _, s := range formats {
		if slices.Contains(templateFormats, s) {
			s += "=..."
		}
		out = append(out, s)
	}
	return out
}

// ToPrinter validates -o and returns the printer settings: the format, and
// for jsonpath and go-template the parsed template printer.
func (f *OutputFlags) ToPrinter() (*OutputPrinter, error) {
	formats := f.formats()
	name, arg, hasArg := strings.Cut(f.Output, "=")
	name = strings.ToLower(strings.TrimSpace(name))
	bad := func() error {
		return fmt.Errorf("--output %q is not supported: use one of %s, or leave -o out for the default output", f.Output, strings.Join(formatNames(formats), ", "))
	}
	if name == "" && !hasArg {
		return &OutputPrinter{}, nil
	}
	if !slices.Contains(formats, name) {
		return nil, bad()
	}
	p := &OutputPrinter{Format: name}
	if !slices.Contains(templateFormats, name) {
		if hasArg {
			return nil, bad()
		}
		return p, nil
	}
	if arg == "" {
		return nil, fmt.Errorf("--output %s needs a template: -o %s=TEMPLATE", name, name)
	}
	if strings.HasSuffix(name, "-file") {
		b, err := os.ReadFile(arg)
		if err != nil {
			return nil, fmt.Errorf("--output %s: %w", name, err)
		}
		arg = string(b)
		name = strings.TrimSuffix(name, "-file")
		p.Format = name
	}
	p.Template = arg
	switch name {
	case "jsonpath":
		jp, err := printers.NewJSONPathPrinter(arg)
		if err != nil {
			return nil, fmt.Errorf("--output jsonpath: %w", err)
		}
		jp.AllowMissingKeys(true) // as kubectl's default --allow-missing-template-keys
		p.printer = jp
	case "go-template":
		gt, err := newGoTemplatePrinter(arg) // missing keys allowed, as jsonpath's
		if err != nil {
			return nil, fmt.Errorf("--output go-template: %w", err)
		}
		p.printer = gt
	}
	return p, nil
}

// OutputPrinter is a validated -o: Format is "" (table), "wide", "json",
// "yaml", "junit", "sarif", "asff", "html", "jsonpath" or "go-template"
// (the -file variants are read and folded into these).
type OutputPrinter struct {
	Format   string
	Template string
	printer  printers.ResourcePrinter
}

// IsTable reports whether the output is a human table ("" or "wide").
func (p *OutputPrinter) IsTable() bool { return p == nil || p.Format == "" || p.Format == "wide" }

// PrintDocument prints doc when the format is a document format (json,
// yaml, jsonpath, go-template) and reports whether it did; the caller prints
// its table, or its own format, otherwise.
func (p *OutputPrinter) PrintDocument(doc any, out io.Writer) (bool, error) {
	if p == nil {
		return false, nil
	}
	switch p.Format {
	case "json":
		return true, printJSON(doc, out)
	case "yaml":
		return true, printYAML(doc, out)
	case "jsonpath", "go-template":
		return true, printTemplate(p.printer, doc, out)
	}
	return false, nil
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

// printTemplate runs a cli-runtime template printer over the JSON form of
// doc. The printers take a runtime.Object; every document we print has
// apiVersion and kind, so its JSON decodes into an Unstructured.
func printTemplate(p printers.ResourcePrinter, doc any, out io.Writer) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	obj := map[string]any{}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	return p.PrintObj(&unstructured.Unstructured{Object: obj}, out)
}

// ReportFlags are the output and filter flags shared by every command that
// prints a report (scan, rbac, and the commands built on them).
type ReportFlags struct {
	OutputFlags
	NoHeaders bool
	Statuses  []string
	Level     int
	Controls  []string
	FailOn    string
	ASFF      ASFFFlags
}

// AddFlags registers the flags on a command.
func (f *ReportFlags) AddFlags(cmd *cobra.Command) {
	f.OutputFlags.AddFlags(cmd)
	cmd.Flags().BoolVar(&f.NoHeaders, "no-headers", f.NoHeaders, "When printing a table, leave out the header row and the summary.")
	cmd.Flags().StringSliceVar(&f.Statuses, "status", f.Statuses, "Show only results with these statuses (comma-separated: PASS, FAIL, WARN, INFO, N/A, ERROR).")
	cmd.Flags().IntVar(&f.Level, "level", f.Level, "CIS profile level: 1 keeps level-1 controls only, 2 keeps both levels (default: both).")
	addProfileFlag(cmd, &f.Level)
	cmd.Flags().StringSliceVar(&f.Controls, "control", f.Controls, "Show only controls whose ID matches one of these globs (e.g. '1.2.*,4.2.1').")
	cmd.Flags().StringVar(&f.FailOn, "fail-on", f.FailOn, "Exit with code 2 when a result at or above this status is reported: FAIL or WARN (default: never).")
	f.ASFF.AddFlags(cmd)
	_ = cmd.RegisterFlagCompletionFunc("fail-on", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"FAIL", "WARN"}, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("status", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"PASS", "FAIL", "WARN", "INFO", "N/A", "ERROR"}, cobra.ShellCompDirectiveNoFileComp
	})
}

// ToOptions validates the flags and turns them into ReportOptions.
func (f *ReportFlags) ToOptions() (*ReportOptions, error) {
	p, err := f.OutputFlags.ToPrinter()
	if err != nil {
		return nil, err
	}
	o := &ReportOptions{Format: p.Format, Printer: p, NoHeaders: f.NoHeaders, Level: f.Level}
	if p.Format == "asff" {
		if o.ASFF, err = f.ASFF.ToOptions(); err != nil {
			return nil, err
		}
	}
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
	for _, g := range f.Controls {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("--control %q is not a valid glob: %w", g, err)
		}
		o.ControlGlobs = append(o.ControlGlobs, g)
	}
	if o.FailOn, err = parseThreshold("--fail-on", f.FailOn); err != nil {
		return nil, err
	}
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
	Format       string
	Printer      *OutputPrinter
	NoHeaders    bool
	Statuses     []report.Status
	Level        int
	ControlGlobs []string
	FailOn       report.Status
	ASFF         ASFFOptions
}

// Keep reports whether a result passes the filters.
func (o *ReportOptions) Keep(r report.Result) bool {
	if len(o.Statuses) > 0 && !slices.Contains(o.Statuses, r.Status) {
		return false
	}
	if !o.KeepControl(r.ControlID, r.Level) {
		return false
	}
	return true
}

// KeepControl applies the --level and --control filters to a control.
func (o *ReportOptions) KeepControl(id string, level int) bool {
	if o.Level == 1 && level > 1 {
		return false
	}
	if len(o.ControlGlobs) == 0 {
		return true
	}
	for _, g := range o.ControlGlobs {
		if ok, _ := path.Match(g, id); ok || g == id {
			return true
		}
	}
	return false
}

// Finish filters the report, prints it and returns the error that decides
// the exit code: IncompleteError when a target could not be evaluated,
// FindingsError when findings reach --fail-on. Hints meant for a person
// ("No results.", hidden N/A rows, ASFF batch files) go to errOut when it
// is given, and nowhere otherwise: out carries only the requested output.
func (o *ReportOptions) Finish(r *report.Report, out io.Writer, errOut ...io.Writer) error {
	r.Filter(o.Keep)
	po := PrintOptions{Format: o.Format, NoHeaders: o.NoHeaders, HideNA: len(o.Statuses) == 0, Printer: o.Printer, ASFF: o.ASFF}
	if len(errOut) > 0 {
		po.ErrOut = errOut[0]
	}
	if err := PrintReport(r, po, out); err != nil {
		return err
	}
	var failed []string
	for _, t := range r.Targets {
		if t.Error != "" {
			failed = append(failed, t.Name)
		}
	}
	if len(failed) > 0 {
		return &IncompleteError{Msg: fmt.Sprintf("could not scan %d target(s): %s (see the ERROR results)", len(failed), strings.Join(failed, ", "))}
	}
	if o.FailOn != "" {
		n := 0
		for _, res := range r.Results() {
			if res.Status.Severity() >= o.FailOn.Severity() {
				n++
			}
		}
		if n > 0 {
			return &FindingsError{Threshold: string(o.FailOn), Count: n}
		}
	}
	return nil
}
