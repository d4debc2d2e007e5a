package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-harden/kubectl-harden/internal/snapshotdoc"
	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/version"
	"github.com/kubectl-harden/kubectl-harden/pkg/workloads"
)

// WorkloadsOptions holds the flags of `kubectl harden workloads`.
type WorkloadsOptions struct {
	genericiooptions.IOStreams
	factory       ClientFactory
	Report        ReportFlags
	AllNamespaces bool
	IncludeSystem bool
	SaveSnapshot  string
	FromSnapshot  string
	Benchmark     string

	report    *ReportOptions
	namespace string
	md        report.Metadata
}

// NewCmdWorkloads builds `kubectl harden workloads`.
func NewCmdWorkloads(f ClientFactory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &WorkloadsOptions{IOStreams: streams, factory: f}
	cmd := &cobra.Command{
		Use:     "workloads",
		Aliases: []string{"policies"},
		Short:   "Check workloads and cluster policies (CIS 5.2-5.6)",
		Long: `Check pod security, network policies, secrets, admission and general policies
(CIS Kubernetes Benchmark sections 5.2-5.6) from the API. Controllers are
evaluated once each through their pod templates (deployment/prod/web, not its
40 pods); mirror pods of static pods are named with their node. Pod-level
checks are the Pod Security Standards' own (k8s.io/pod-security-admission),
over init, regular and ephemeral containers.

System components that need their privileges (kube-proxy, the CNI, CoreDNS,
static control-plane pods) are recognised by namespace, kind, name and image
and reported as INFO "expected for <component>"; --include-system lists them.

Needs list on namespaces, pods, deployments, statefulsets, daemonsets,
replicasets, jobs, cronjobs, networkpolicies, validating admission policies and
bindings, webhook configurations, CRDs, and services, configmaps (names only)
and serviceaccounts in namespace default. Missing permissions are named; the
controls that need them are ERROR. Secret and ConfigMap values and literal env
values are never read or saved.

` + exitCodesHelp,
		Example: `  # Every workload control, all namespaces
  kubectl harden workloads

  # One namespace, findings only, with the evidence
  kubectl harden workloads -n prod --status FAIL,WARN -o wide

  # Show what is expected for kube-proxy, the CNI and the control plane
  kubectl harden workloads --include-system --control '5.2.*' -o wide

  # Save the objects read, evaluate them later with no cluster
  kubectl harden workloads --save-snapshot wl.json
  kubectl harden workloads --from-snapshot wl.json -o json

  # Accept a CNI that must run privileged, gate on the rest
  kubectl harden workloads --exceptions exceptions.yaml --fail-on FAIL`,
		Args: noArgs,
		RunE: runE(o),
	}
	o.Report.AddFlags(cmd)
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Check every namespace (the default unless -n names one).")
	cmd.Flags().BoolVar(&o.IncludeSystem, "include-system", false, "List the findings of recognised system components (reported as INFO) in the evidence.")
	cmd.Flags().StringVar(&o.SaveSnapshot, "save-snapshot", "", "Write the workload snapshot that was read (no secret or env values) to this JSON file.")
	cmd.Flags().StringVar(&o.FromSnapshot, "from-snapshot", "", "Evaluate a workload snapshot saved with --save-snapshot, with no cluster at all.")
	addBenchmarkFlag(cmd, &o.Benchmark)
	return cmd
}

// Complete reads -n and turns the report flags into options.
func (o *WorkloadsOptions) Complete(*cobra.Command, []string) error {
	var err error
	if o.report, err = o.Report.ToOptions(); err != nil {
		return err
	}
	o.namespace = o.factory.Namespace()
	return nil
}

// Validate checks the flags; it needs no cluster.
func (o *WorkloadsOptions) Validate() error {
	if o.AllNamespaces && o.namespace != "" {
		return errors.New("-n/--namespace and -A/--all-namespaces cannot be used together")
	}
	return validateSnapshotFlags(o.FromSnapshot, o.SaveSnapshot, o.Benchmark)
}

// readSnapshot reads a snapshot saved with --save-snapshot (rbac or
// workloads) with decode.
func readSnapshot[S any](path string, decode func([]byte) (S, error)) (S, error) {
	var none S
	b, err := os.ReadFile(path)
	if err != nil {
		return none, fmt.Errorf("--from-snapshot: %w", err)
	}
	snap, err := decode(b)
	if err != nil {
		return none, fmt.Errorf("--from-snapshot %s: %w", path, err)
	}
	return snap, nil
}

// loadSnapshot reads the snapshot saved at from (--from-snapshot) with
// decode, or else connects and collects one with collect, choosing the
// benchmark from the cluster first when withBenchmark; with the report
// metadata of either.
func loadSnapshot[S any](ctx context.Context, f ClientFactory, from, benchmark string, withBenchmark bool, errOut io.Writer,
	decode func([]byte) (S, error), collect func(context.Context, *cluster) (S, error)) (S, report.Metadata, error) {
	var none S
	if from != "" {
		snap, err := readSnapshot(from, decode)
		if err != nil {
			return none, report.Metadata{}, err
		}
		md, err := offlineMetadata("snapshot:"+from, benchmark)
		return snap, md, err
	}
	cl, err := connect(f, 0, 0)
	if err != nil {
		return none, report.Metadata{}, err
	}
	md := cl.md
	if withBenchmark {
		if err := apiBenchmark(ctx, cl.client, benchmark, cl.md.ServerVersion, &md, errOut); err != nil {
			return none, md, err
		}
	}
	snap, err := collect(ctx, cl)
	return snap, md, err
}

// offlineMetadata is the metadata of a report evaluated from a file
// (--from-snapshot), with the benchmark of --benchmark.
func offlineMetadata(source, benchmark string) (report.Metadata, error) {
	md := report.Metadata{Source: source}
	return md, offlineBenchmark(benchmark, &md)
}

// newReport starts a report of kind, stamped with the time and the
// tool's version.
func newReport(kind string, md report.Metadata) *report.Report {
	md.Generated = time.Now().UTC()
	md.ToolVersion = version.Get().Version
	return report.NewReport(kind, md)
}

// collectWorkloads checks the permissions of the workload collection
// (naming every missing one on errOut: the controls that need them are
// ERROR), checks that namespace ns exists ("" = every namespace) and
// collects its snapshot.
func collectWorkloads(ctx context.Context, cl *cluster, ns string, errOut io.Writer) (*workloads.Snapshot, error) {
	missing, err := access.Check(ctx, cl.client, workloads.RequiredPermissions(ns))
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		fmt.Fprintf(errOut, "Warning: cannot check every permission of the workload collection: %v\n", err)
	}
	if len(missing) > 0 {
		fmt.Fprintf(errOut, "Warning: missing permissions for workload collection: %s; the controls that need them are ERROR\n", access.Join(missing))
	}
	if ns != "" {
		// A namespace that does not exist holds nothing to examine, and
		// nothing examined must not read as PASS.
		if err := workloads.CheckNamespace(ctx, cl.client, ns); err != nil {
			if !apierrors.IsForbidden(err) {
				return nil, fmt.Errorf("-n %s: %w", ns, err)
			}
			fmt.Fprintf(errOut, "Warning: cannot check that namespace/%s exists: %v\n", ns, err)
		}
	}
	return workloads.Collect(ctx, cl.client, workloads.CollectOptions{Namespace: ns, Metadata: cl.meta})
}

// load reads the snapshot (or collects it, saving it when asked) and
// fills the report metadata.
func (o *WorkloadsOptions) load(ctx context.Context) (snap *workloads.Snapshot, err error) {
	snap, o.md, err = loadSnapshot(ctx, o.factory, o.FromSnapshot, o.Benchmark, true, o.ErrOut, workloads.DecodeSnapshot,
		func(ctx context.Context, cl *cluster) (*workloads.Snapshot, error) {
			snap, err := collectWorkloads(ctx, cl, o.namespace, o.ErrOut)
			if err == nil && o.SaveSnapshot != "" {
				err = saveSnapshot(o.SaveSnapshot, snap, "Workload snapshot", o.ErrOut)
			}
			return snap, err
		})
	return snap, err
}

// Run reads the objects, evaluates the controls and prints the report.
func (o *WorkloadsOptions) Run(ctx context.Context) error {
	snap, err := o.load(ctx)
	if err != nil {
		return err
	}
	r := newReport(report.KindWorkloads, o.md)
	r.AddTarget(workloads.Evaluate(workloads.Build(snap), workloads.EvalOptions{Benchmark: o.md.Benchmark, IncludeSystem: o.IncludeSystem}))
	return o.report.Finish(r, o.Out, o.ErrOut)
}

// saveSnapshot writes a snapshot (RBAC or workloads: no secret values in
// either) for --from-snapshot and says where.
func saveSnapshot(path string, snap any, what string, errOut io.Writer) error {
	if err := snapshotdoc.Save(path, snap); err != nil {
		return fmt.Errorf("--save-snapshot: %w", err)
	}
	fmt.Fprintf(errOut, "%s saved in %s\n", what, path)
	return nil
}
