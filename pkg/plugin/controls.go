package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/report/format"
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

// Run prints the selected controls, or without --benchmark the
// benchmarks.
func (o *ControlsOptions) Run(context.Context) error {
	if o.Benchmark == "" {
		own := len(checks.OwnCatalog()) + len(rbac.OwnCatalog()) + len(workloads.OwnCatalog())
		return o.print(format.NewBenchmarkList(own), o.IOStreams, o.NoHeaders)
	}
	return o.print(format.NewControlList(o.Selected()), o.IOStreams, o.NoHeaders)
}
