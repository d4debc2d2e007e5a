package plugin

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/version"
	"github.com/kubectl-harden/kubectl-harden/pkg/workloads"
)

// AllOptions holds the flags of `kubectl harden all`. The node scan's
// flags are scan's own (ScanOptions.addCollectionFlags), not copies.
type AllOptions struct {
	genericiooptions.IOStreams
	Report        ReportFlags
	IncludeSystem bool

	factory ClientFactory
	scan    *ScanOptions
	report  *ReportOptions
}

// NewCmdAll builds `kubectl harden all`.
func NewCmdAll(f ClientFactory, streams genericiooptions.IOStreams) *cobra.Command {
	return newCmdAll(&AllOptions{IOStreams: streams, factory: f, scan: newScanOptions(f, streams)})
}

func newCmdAll(o *AllOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "all",
		Short: "Check nodes, RBAC and workloads in one report (the whole CIS benchmark)",
		Long: `Run "scan nodes" (every node, or those of -l), "rbac" and "workloads" and print
ONE report: one JSON/YAML/SARIF/JUnit document, one table with one summary.
Targets are the nodes, "cluster" (RBAC, CIS 5.1) and "workloads" (CIS 5.2-5.6).
The kubelet's seccompDefault seen on the nodes decides the workloads' unset
seccomp profiles (5.6.2).

Workloads and RBAC are read first, so the scan's own debug pods are never
evaluated. Workloads and RBAC are always checked in every namespace; -n names
an existing namespace for the debug pods, as with scan (by default a temporary
namespace is created and deleted). A part that cannot be read is ERROR and the
report is still printed (exit code 1).

` + exitCodesHelp,
		Example: `  # The whole benchmark, one table
  kubectl harden all

  # One JSON document for CI, failing on any FAIL
  kubectl harden all -o json --fail-on FAIL > harden.json

  # Only the worker nodes, with a mirrored debug image
  kubectl harden all -l '!node-role.kubernetes.io/control-plane' --image registry.example.com/busybox:1.37

  # The debug pods in an existing namespace that allows privileged pods
  kubectl harden all -n security

  # Gate CI with the accepted risks kept in Git (or $HARDEN_EXCEPTIONS);
  # an auditor's view of the raw verdicts
  kubectl harden all --exceptions exceptions.yaml --fail-on FAIL
  kubectl harden all --exceptions exceptions.yaml --ignore-exceptions -o html > raw.html`,
		Args: noArgs,
		RunE: runE(o),
	}
	o.Report.AddFlags(cmd)
	cmd.Flags().BoolVar(&o.IncludeSystem, "include-system", false, "Also list Kubernetes' bootstrap RBAC grants and the findings of recognised system workloads (as INFO).")
	o.scan.addCollectionFlags(cmd)
	return cmd
}

// Complete completes the node scan as scan does (every node, or those of
// -l) and turns the report flags into options.
func (o *AllOptions) Complete(cmd *cobra.Command, _ []string) error {
	var err error
	if o.report, err = o.Report.ToOptions(); err != nil {
		return err
	}
	o.scan.All = o.scan.Selector == ""
	return o.scan.Complete(cmd, nil)
}

// Validate checks the node scan's flags.
func (o *AllOptions) Validate() error { return o.scan.Validate() }

// Run reads workloads and RBAC, scans the nodes, merges the three reports
// and prints one. One connection serves the three parts.
func (o *AllOptions) Run(ctx context.Context) error {
	sigpipe := make(chan os.Signal, 1)
	signal.Notify(sigpipe, syscall.SIGPIPE)
	defer signal.Stop(sigpipe)

	qps, burst := clientLimits(o.scan.Parallel)
	cl, err := connect(o.factory, qps, burst)
	if err != nil {
		return err
	}
	// The nodes, the platform and the benchmark first (one choice, said
	// once, for the three parts); then workloads and RBAC, before any
	// debug pod exists, so the scan's own pods are never evaluated.
	plan, err := o.scan.plan(ctx, cl)
	if err != nil {
		return err
	}
	snap, werr := collectWorkloads(ctx, cl, "", o.ErrOut)
	if werr != nil && ctx.Err() != nil {
		return werr
	}
	rsnap, rerr := collectRBAC(ctx, cl, o.ErrOut)
	if rerr != nil && ctx.Err() != nil {
		return rerr
	}
	nrep, err := plan.report(ctx)
	if err != nil {
		return err
	}
	md := plan.md
	md.Generated = time.Now().UTC()
	md.ToolVersion = version.Get().Version
	var rrep *report.Report
	if rerr == nil {
		rrep = rbacReport(rsnap, md, o.IncludeSystem)
	}
	out := mergeReports(md, nrep, rrep, rerr, snap, werr, o.IncludeSystem)
	return o.report.Finish(out, o.Out, o.ErrOut)
}

// seccompDefaults is the kubelet's seccompDefault per node, from the
// typed kubelet facts of the node report (read from every node's evidence
// whatever the benchmark); a node whose value is unknown is left out.
func seccompDefaults(nrep *report.Report) map[string]bool {
	out := map[string]bool{}
	for _, t := range nrep.Targets {
		if t.Kubelet != nil && t.Kubelet.SeccompDefault != nil {
			out[t.Name] = *t.Kubelet.SeccompDefault
		}
	}
	return out
}

// errorTarget makes the target of an engine (rbac, workloads) whose
// objects could not be read: every control of the benchmark is ERROR.
func errorTarget(kind report.TargetKind, name, engine string, controls func(string) ([]report.Control, error), benchmark string, err error) report.TargetReport {
	msg := fmt.Sprintf("%s could not be read: %v", engine, err)
	cs, _ := controls(benchmark)
	t := report.TargetReport{Kind: kind, Name: name, Roles: []report.Role{report.RoleCluster}, Error: msg}
	for _, c := range cs {
		t.Results = append(t.Results, report.NewResult(c, name, report.Outcome{Status: report.StatusError, Reason: msg}))
	}
	return t
}

// mergeReports builds the ClusterReport: the node targets, then "cluster"
// (RBAC), then "workloads". A result is identified by target, control ID
// and, within a control, the object named first in each evidence location.
func mergeReports(md report.Metadata, nrep, rrep *report.Report, rerr error, snap *workloads.Snapshot, werr error, includeSystem bool) *report.Report {
	out := report.NewReport(report.KindCluster, md)
	for _, t := range nrep.Targets {
		out.AddTarget(t)
	}
	if rerr != nil {
		out.AddTarget(errorTarget(report.TargetCluster, report.ClusterTargetName, "rbac", rbac.Controls, md.Benchmark, rerr))
	} else {
		for _, t := range rrep.Targets {
			out.AddTarget(t)
		}
	}
	if werr != nil {
		out.AddTarget(errorTarget(report.TargetWorkloads, workloads.TargetName, "workloads", workloads.Controls, md.Benchmark, werr))
	} else {
		opts := workloads.EvalOptions{Benchmark: md.Benchmark, IncludeSystem: includeSystem, SeccompDefault: seccompDefaults(nrep)}
		if len(opts.SeccompDefault) == 0 {
			opts.SeccompDefault = nil
		}
		out.AddTarget(workloads.Evaluate(workloads.Build(snap), opts))
	}
	return out
}
