package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod"
	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/version"
	"github.com/kubectl-harden/kubectl-harden/pkg/workloads"
)

// AllOptions holds the flags of `kubectl harden all`.
type AllOptions struct {
	genericiooptions.IOStreams
	configFlags     *genericclioptions.ConfigFlags
	Report          ReportFlags
	IncludeSystem   bool
	Selector        string
	Parallel        int
	Timeout         time.Duration
	Image           string
	ImagePullPolicy string
	Benchmark       string

	report *ReportOptions
}

// NewCmdAll builds `kubectl harden all`.
func NewCmdAll(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &AllOptions{
		IOStreams: streams, configFlags: configFlags,
		Parallel: DefaultParallel, Timeout: 3 * time.Minute,
		Image:           envOr(EnvDebugImage, debugpod.DefaultImage),
		ImagePullPolicy: envOr(EnvImagePullPolicy, string(corev1.PullIfNotPresent)),
	}
	cmd := &cobra.Command{
		Use:   "all",
		Short: "Check nodes, RBAC and workloads in one report (the whole CIS benchmark)",
		Long: `Run "scan nodes" (every node, or those of -l), "rbac" and "workloads" and print
ONE report: one JSON/YAML/SARIF/JUnit document, one table with one summary.
Targets are the nodes, "cluster" (RBAC, CIS 5.1) and "workloads" (CIS 5.2-5.6).
The kubelet's seccompDefault seen on the nodes decides the workloads' unset
seccomp profiles (5.6.2).

Workloads and RBAC are read first, so the scan's own debug pods are never
evaluated. A part that cannot be read is ERROR and the report is still printed
(exit code 1).

` + exitCodesHelp,
		Example: `  # The whole benchmark, one table
  kubectl harden all

  # One JSON document for CI, failing on any FAIL
  kubectl harden all -o json --fail-on FAIL > harden.json

  # Only the worker nodes, with a mirrored debug image
  kubectl harden all -l '!node-role.kubernetes.io/control-plane' --image registry.example.com/busybox:1.37`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			return o.Run(cmd.Context(), cmd)
		},
	}
	o.Report.AddFlags(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.IncludeSystem, "include-system", false, "Also list Kubernetes' bootstrap RBAC grants and the findings of recognised system workloads (as INFO).")
	f.StringVarP(&o.Selector, "selector", "l", "", "Scan only the nodes that match this label selector (default: every node).")
	f.IntVar(&o.Parallel, "parallel", o.Parallel, "How many nodes to scan at the same time.")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "How long one node may take; also the debug pod's hard deadline.")
	f.StringVar(&o.Image, "image", o.Image, "Debug image for the node scan (env "+EnvDebugImage+").")
	f.StringVar(&o.ImagePullPolicy, "image-pull-policy", o.ImagePullPolicy, "Pull policy of the debug image (env "+EnvImagePullPolicy+").")
	addBenchmarkFlag(cmd, &o.Benchmark)
	return cmd
}

// Complete validates the flags.
func (o *AllOptions) Complete() error {
	var err error
	if o.report, err = o.Report.ToOptions(); err != nil {
		return err
	}
	if o.configFlags != nil && o.configFlags.Namespace != nil && *o.configFlags.Namespace != "" {
		return errors.New("-n/--namespace is not supported by all: it checks every namespace and scans nodes from a temporary namespace")
	}
	return nil
}

// Run reads workloads and RBAC, scans the nodes, merges the three reports
// and prints one.
func (o *AllOptions) Run(ctx context.Context, cmd *cobra.Command) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	sigpipe := make(chan os.Signal, 1)
	signal.Notify(sigpipe, syscall.SIGPIPE)
	defer signal.Stop(sigpipe)

	// The nodes, the platform and the benchmark first (one choice, said
	// once, for the three parts); then workloads and RBAC, before any
	// debug pod exists, so the scan's own pods are never evaluated.
	so := newScanOptions(o.configFlags, o.IOStreams)
	so.All, so.Selector, so.Parallel, so.Timeout = o.Selector == "", o.Selector, o.Parallel, o.Timeout
	so.Image, so.ImagePullPolicy, so.Benchmark = o.Image, o.ImagePullPolicy, o.Benchmark
	if err := so.Complete(cmd, nil); err != nil {
		return err
	}
	if err := so.Validate(); err != nil {
		return err
	}
	if err := so.completeCluster(ctx); err != nil {
		return err
	}
	snap, wmd, werr := collectWorkloads(ctx, o.configFlags, "", nil, o.ErrOut)
	if werr != nil && ctx.Err() != nil {
		return werr
	}
	ro := &RBACOptions{IOStreams: o.IOStreams, rbacSource: rbacSource{configFlags: o.configFlags, preset: &so.md}, IncludeSystem: o.IncludeSystem}
	rrep, rerr := ro.rbacReport(ctx)
	if rerr != nil && ctx.Err() != nil {
		return rerr
	}

	nrep, err := so.NodeReport(ctx)
	if err != nil {
		return err
	}

	md := so.md
	md.Generated = time.Now().UTC()
	md.ToolVersion = version.Get().Version
	if md.ServerVersion == "" {
		md.ServerVersion = wmd.ServerVersion
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

// errorTarget makes a target whose every control is ERROR with msg.
func errorTarget(kind report.TargetKind, name string, cs []report.Control, msg string) report.TargetReport {
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
		out.AddTarget(errorTarget(report.TargetCluster, report.ClusterTargetName, apiCatalog(md.Benchmark, "rbac", rbac.Catalog()), fmt.Sprintf("rbac could not be read: %v", rerr)))
	} else {
		for _, t := range rrep.Targets {
			out.AddTarget(t)
		}
	}
	if werr != nil {
		out.AddTarget(errorTarget(report.TargetWorkloads, workloads.TargetName, apiCatalog(md.Benchmark, "workloads", workloads.Catalog()), fmt.Sprintf("workloads could not be read: %v", werr)))
	} else {
		opts := workloads.EvalOptions{IncludeSystem: includeSystem, SeccompDefault: seccompDefaults(nrep)}
		if len(opts.SeccompDefault) == 0 {
			opts.SeccompDefault = nil
		}
		out.AddTarget(workloadsTarget(workloads.Build(snap), opts, md.Benchmark))
	}
	return out
}
