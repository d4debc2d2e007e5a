package plugin

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/cronjob"
	"github.com/kubectl-harden/kubectl-harden/pkg/exceptions"
	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/workloads"
)

// EnvExceptions names exceptions files (separated like PATH) used when
// --exceptions is not given.
const EnvExceptions = cronjob.EnvExceptions

// exceptionsHelp is the format of an exceptions file, for help texts.
const exceptionsHelp = `Exceptions (accepted risks) are kept in a file, in Git beside the cluster's
configuration, and given with --exceptions FILE (repeatable) or $` + EnvExceptions + `:

  apiVersion: kubectl-harden.io/v1
  kind: Exceptions
  exceptions:
  - controls: ["1.1.12", "4.2.*"]         # control IDs or globs, of any benchmark
    targets: ["*-worker"]                 # optional: node names or globs, "cluster", "workloads"
    objects: ["daemonset/kube-system/*"]  # optional: objects named in a result's evidence
    reason: "etcd runs as root on kind; tracked in OPS-123"   # required
    expires: 2027-03-31                   # optional: the last day it applies
    owner: platform-team                  # optional

A FAIL or WARN result a live exception covers is ACCEPTED: it keeps its
verdict (acceptedStatus), carries the reason, owner and expiry, is counted
apart and never trips --fail-on. With objects, only the evidence lines of
those objects are accepted; the result is ACCEPTED when all of its objects
are. ERROR is never accepted. An expired exception does not apply (the
finding says "exception expired on DATE"); one that expires within 14 days
is warned about. Every run prints on stderr, and records in the report's
metadata, the exceptions that matched nothing, have expired or name a
control no selected benchmark has; a malformed file is an error (exit 1)
before the cluster is contacted. --ignore-exceptions shows the raw verdicts.`

// ExceptionsFlags are --exceptions and --ignore-exceptions, shared by
// every command that prints or compares reports.
type ExceptionsFlags struct {
	ExceptionFiles   []string
	IgnoreExceptions bool
}

// AddFlags registers the flags.
func (f *ExceptionsFlags) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.ExceptionFiles, "exceptions", f.ExceptionFiles, "An exceptions file of accepted risks (repeatable; default: the files of $"+EnvExceptions+", separated by '"+string(os.PathListSeparator)+"'). A covered FAIL or WARN becomes ACCEPTED and never trips --fail-on; see the format below.")
	_ = cmd.MarkFlagFilename("exceptions", "yaml", "yml")
	cmd.Flags().BoolVar(&f.IgnoreExceptions, "ignore-exceptions", false, "Show the raw verdicts: apply no exception (they are still read, checked and audited).")
	if !strings.Contains(cmd.Long, exceptionsHelp) {
		cmd.Long = strings.TrimRight(cmd.Long, "\n") + "\n\n" + exceptionsHelp
	}
}

// files are the flag's files, or those of $HARDEN_EXCEPTIONS.
func (f *ExceptionsFlags) files() []string {
	if len(f.ExceptionFiles) > 0 {
		return f.ExceptionFiles
	}
	var out []string
	for _, p := range filepath.SplitList(os.Getenv(EnvExceptions)) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Load reads and validates the files; nil when none is given.
func (f *ExceptionsFlags) Load() (*exceptions.Set, error) {
	files := f.files()
	if len(files) == 0 {
		if f.IgnoreExceptions {
			return nil, fmt.Errorf("--ignore-exceptions: no exceptions file is given (--exceptions or $%s)", EnvExceptions)
		}
		return nil, nil
	}
	return exceptions.Load(files)
}

// applyExceptions applies the exceptions to a report and prints their
// audit on errOut (when given).
func (o *ReportOptions) applyExceptions(r *report.Report, errOut io.Writer) {
	if o.Exceptions == nil {
		return
	}
	a := exceptions.Apply(r, o.Exceptions, exceptions.Options{Now: time.Now(), Known: knownControls(r), Ignore: o.IgnoreExceptions})
	if errOut != nil {
		exceptions.PrintAudit(errOut, a, safetext.Inert)
	}
}

// knownControls are the control IDs an exception may name for a report:
// those of its results and of its benchmark's data.
func knownControls(r *report.Report) []string {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, t := range r.Targets {
		for _, res := range t.Results {
			add(res.ControlID)
		}
	}
	if b, ok := benchmarks.Lookup(r.Metadata.Benchmark); ok {
		for _, c := range b.Controls {
			add(c.ID)
		}
	}
	for _, id := range hardenControlIDs() {
		add(id)
	}
	return out
}

// ExceptionsCheckOptions holds the flags of `kubectl harden exceptions check`.
type ExceptionsCheckOptions struct {
	genericiooptions.IOStreams
	Benchmark string

	files []string
}

// NewCmdExceptions builds `kubectl harden exceptions` and its check.
func NewCmdExceptions(streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exceptions",
		Short: "Work with exceptions files (accepted risks)",
		Long:  exceptionsHelp,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	o := &ExceptionsCheckOptions{IOStreams: streams}
	check := &cobra.Command{
		Use:   "check FILE...",
		Short: "Validate exceptions files offline: syntax, fields, globs, dates, expiry, controls",
		Long: `Validate exceptions files with no cluster: the format, unknown fields,
required reasons, globs and dates, with the line of each problem. Each
exception is listed with its state: live, expiring (within 14 days) or
expired, and the controls it names that the benchmark (--benchmark, default
every known benchmark) does not have.

Exit codes:
  0  the files are valid
  1  a file cannot be read or is malformed`,
		Example: `  # Check the file CI will use
  kubectl harden exceptions check exceptions.yaml

  # Check it against the benchmark the scans use
  kubectl harden exceptions check exceptions.yaml --benchmark cis-1.12`,
		Args: cobra.MinimumNArgs(1),
		RunE: runE(o),
	}
	check.Flags().StringVar(&o.Benchmark, "benchmark", "", "Check the controls against this benchmark (default: every known benchmark and kubectl-harden's own controls).")
	_ = check.RegisterFlagCompletionFunc("benchmark", completeBenchmarks)
	cmd.AddCommand(check)
	return cmd
}

// Complete takes the files.
func (o *ExceptionsCheckOptions) Complete(_ *cobra.Command, args []string) error {
	o.files = args
	return nil
}

// Validate checks --benchmark.
func (o *ExceptionsCheckOptions) Validate() error { return validateBenchmarkFlag(o.Benchmark) }

// Run parses the files and prints each exception's state.
func (o *ExceptionsCheckOptions) Run(context.Context) error {
	set, err := exceptions.Load(o.files)
	if err != nil {
		return err
	}
	var known []string
	if o.Benchmark != "" {
		b, err := benchmarks.Resolve(o.Benchmark)
		if err != nil {
			return err
		}
		for _, c := range b.Controls {
			known = append(known, c.ID)
		}
	} else {
		for _, b := range benchmarks.All() {
			for _, c := range b.Controls {
				known = append(known, c.ID)
			}
		}
	}
	known = append(known, hardenControlIDs()...)
	exceptions.PrintCheck(o.Out, set, known, time.Now(), safetext.Inert)
	return nil
}

// hardenControlIDs are the IDs of kubectl-harden's own KH- controls,
// reported with every benchmark.
func hardenControlIDs() []string {
	var out []string
	for _, cs := range [][]report.Control{checks.OwnCatalog(), rbac.OwnCatalog(), workloads.OwnCatalog()} {
		for _, c := range cs {
			out = append(out, c.ID)
		}
	}
	return out
}
