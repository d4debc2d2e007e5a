package plugin

import (
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// Output formats accepted by -o.
var reportFormats = []string{"", "wide", "json", "yaml", "junit", "sarif"}

// ReportFlags are the output and filter flags shared by every command that
// prints a report (scan, rbac).
type ReportFlags struct {
	Output    string
	NoHeaders bool
	Statuses  []string
	Level     int
	Controls  []string
	FailOn    string
}

// AddFlags registers the flags on a command.
func (f *ReportFlags) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.Output, "output", "o", f.Output, "Output format: one of (wide, json, yaml, junit, sarif); a table when empty.")
	cmd.Flags().BoolVar(&f.NoHeaders, "no-headers", f.NoHeaders, "When printing a table, leave out the header row and the summary.")
	cmd.Flags().StringSliceVar(&f.Statuses, "status", f.Statuses, "Show only results with these statuses (comma-separated: PASS, FAIL, WARN, INFO, N/A, ERROR).")
	cmd.Flags().IntVar(&f.Level, "level", f.Level, "CIS profile level: 1 keeps level-1 controls only, 2 keeps both levels (default: both).")
	addProfileFlag(cmd, &f.Level)
	cmd.Flags().StringSliceVar(&f.Controls, "control", f.Controls, "Show only controls whose ID matches one of these globs (e.g. '1.2.*,4.2.1').")
	cmd.Flags().StringVar(&f.FailOn, "fail-on", f.FailOn, "Exit with code 2 when a result at or above this status is reported: FAIL or WARN (default: never).")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return reportFormats[1:], cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("fail-on", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"FAIL", "WARN"}, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("status", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"PASS", "FAIL", "WARN", "INFO", "N/A", "ERROR"}, cobra.ShellCompDirectiveNoFileComp
	})
}

// ToOptions validates the flags and turns them into ReportOptions.
func (f *ReportFlags) ToOptions() (*ReportOptions, error) {
	o := &ReportOptions{Format: strings.ToLower(f.Output), NoHeaders: f.NoHeaders, Level: f.Level}
	if !slices.Contains(reportFormats, o.Format) {
		return nil, fmt.Errorf("--output %q is not supported: use one of wide, json, yaml, junit, sarif", f.Output)
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
	switch strings.ToUpper(f.FailOn) {
	case "":
	case "FAIL":
		o.FailOn = report.StatusFail
	case "WARN":
		o.FailOn = report.StatusWarn
	default:
		return nil, fmt.Errorf("--fail-on %q is not supported: use FAIL or WARN", f.FailOn)
	}
	return o, nil
}

// ReportOptions are validated output and filter settings.
type ReportOptions struct {
	Format       string
	NoHeaders    bool
	Statuses     []report.Status
	Level        int
	ControlGlobs []string
	FailOn       report.Status
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
// FindingsError when findings reach --fail-on.
func (o *ReportOptions) Finish(r *report.Report, out io.Writer) error {
	r.Filter(o.Keep)
	po := PrintOptions{Format: o.Format, NoHeaders: o.NoHeaders, HideNA: len(o.Statuses) == 0}
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
