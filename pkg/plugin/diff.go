package plugin

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
	"github.com/kubectl-harden/kubectl-harden/pkg/exceptions"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/report/format"
)

// DiffOptions holds the flags of `kubectl harden diff`.
type DiffOptions struct {
	genericiooptions.IOStreams
	Output OutputFlags
	TableFlags
	ExceptionsFlags
	FailOnNew string

	oldPath, newPath string
	printer          *OutputPrinter
	threshold        report.Status
	exceptions       *exceptions.Set
}

// NewCmdDiff builds `kubectl harden diff`.
func NewCmdDiff(streams genericiooptions.IOStreams) *cobra.Command {
	o := &DiffOptions{IOStreams: streams, Output: OutputFlags{Formats: diffFormats}}
	cmd := &cobra.Command{
		Use:   "diff OLD.json NEW.json",
		Short: "Compare two reports: new findings, fixed findings, status changes, targets added or removed",
		Long: `Compare two reports written with -o json (or -o yaml) by scan, rbac or any
other report command, for example last week's and today's.

Results are matched by target and control ID. A new finding is a result that
is FAIL or WARN now and was not before (or was absent); a fixed finding was
FAIL or WARN and is not any more. When a control is a finding in both reports,
the objects it names (deployment/prod/web, clusterrolebinding/ops) are matched
too: an object that is new to the finding is a new finding of its own, one
that is gone is fixed (-o wide shows the OBJECT column). Findings of a target
that is only in the new report are new; those of a target that is gone are
not counted as fixed.

Both files are validated first (apiVersion, kind, target names, control IDs
and statuses); the summaries in them are recomputed from the results.

A finding that became ACCEPTED (an exception covers it) is reported as
accepted, not as fixed; one whose exception expired or was removed is a new
finding again. With --exceptions, both reports are first brought back to
their raw verdicts and the exceptions are applied to each as of the time it
was generated, so the comparison is made under one set of exceptions; with
--ignore-exceptions, the raw verdicts are compared.

` + `Exit codes:
  0  success, and no regression at or above --fail-on-new
  1  error: a file could not be read or is not a report
  2  a regression at or above --fail-on-new (FAIL, or WARN) appeared, or a result
     that was evaluated before could not be evaluated now (ERROR)`,
		Example: `  # What changed since last week
  kubectl harden diff report-2026-11-25.json report-2026-12-02.json

  # A comment for a pull request or a ticket
  kubectl harden diff old.json new.json -o markdown

  # Fail a CI job when a new FAIL appeared
  kubectl harden diff old.json new.json --fail-on-new FAIL

  # Compare under today's exceptions: accepted findings are not regressions
  kubectl harden diff old.json new.json --exceptions exceptions.yaml --fail-on-new FAIL`,
		Args: exactArgs("OLD.json", "NEW.json"),
		RunE: runE(o),
	}
	o.Output.AddFlags(cmd)
	o.TableFlags.AddFlags(cmd, "")
	o.ExceptionsFlags.AddFlags(cmd)
	cmd.Flags().StringVar(&o.FailOnNew, "fail-on-new", "", "Exit with code 2 when a result became FAIL (or FAIL or WARN, with WARN) that was better before, or became ERROR (not evaluated): FAIL or WARN (default: never).")
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
	if o.exceptions, err = o.ExceptionsFlags.Load(); err != nil {
		return err
	}
	return nil
}

// readReport reads and validates one report file, JSON or YAML. JSON is
// decoded as it streams; YAML is first turned into JSON, which costs
// memory and time in proportion to the file (-o json reports diff faster).
func readReport(path string) (*report.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// A FIFO or a device would block or never end: reports are files.
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	br := bufio.NewReaderSize(f, 1<<16)
	first, err := firstByte(br)
	if err != nil {
		return nil, fmt.Errorf("%s: not a kubectl-harden report: %w", path, err)
	}
	var r *report.Report
	if first == '{' {
		r, err = report.Decode(br)
	} else {
		var b, j []byte
		if b, err = io.ReadAll(br); err == nil {
			if j, err = yaml.YAMLToJSON(b); err == nil {
				r, err = report.Decode(bytes.NewReader(j))
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// firstByte is the first byte after white space, left unread.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			if err == io.EOF {
				return 0, errors.New("the file is empty")
			}
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b, br.UnreadByte()
	}
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
	if o.exceptions != nil {
		for _, r := range []*report.Report{old, cur} {
			at := r.Metadata.Generated
			if at.IsZero() {
				at = time.Now()
			}
			a := exceptions.Apply(r, o.exceptions, exceptions.Options{Now: at, Known: knownControls(r), Ignore: o.IgnoreExceptions})
			if r == cur {
				exceptions.PrintAudit(o.ErrOut, a, safetext.Inert)
			}
		}
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

// PrintDiff prints a diff in the chosen format: a table, markdown, or the
// document itself.
func PrintDiff(d *report.Diff, p *OutputPrinter, noHeaders bool, out, errOut io.Writer) error {
	if p == nil {
		var err error
		if p, err = (&OutputFlags{Formats: diffFormats}).ToPrinter(); err != nil {
			return err
		}
	}
	return p.Print(d, format.Writer{Out: out, ErrOut: errOut, NoHeaders: noHeaders})
}
