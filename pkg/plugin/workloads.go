package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"

	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/version"
	"github.com/kubectl-harden/kubectl-harden/pkg/workloads"
)

// WorkloadsOptions holds the flags of `kubectl harden workloads`.
type WorkloadsOptions struct {
	genericiooptions.IOStreams
	configFlags   *genericclioptions.ConfigFlags
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
func NewCmdWorkloads(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &WorkloadsOptions{IOStreams: streams, configFlags: configFlags}
	cmd := &cobra.Command{
		Use:     "workloads",
		Aliases: []string{"policies"},
		Short:   "Check workloads and cluster policies (CIS 5.2-5.6)",
		Long: `Check pod security, network policies, secrets, admission and general policies
(CIS Kubernetes Benchmark 1.12 sections 5.2-5.6) from the API. Controllers are
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
  kubectl harden workloads --from-snapshot wl.json -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.Report.AddFlags(cmd)
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Check every namespace (the default unless -n names one).")
	cmd.Flags().BoolVar(&o.IncludeSystem, "include-system", false, "List the findings of recognised system components (reported as INFO) in the evidence.")
	cmd.Flags().StringVar(&o.SaveSnapshot, "save-snapshot", "", "Write the workload snapshot that was read (no secret or env values) to this JSON file.")
	cmd.Flags().StringVar(&o.FromSnapshot, "from-snapshot", "", "Evaluate a workload snapshot saved with --save-snapshot, with no cluster at all.")
	addBenchmarkFlag(cmd, &o.Benchmark)
	return cmd
}

// Complete validates the flags.
func (o *WorkloadsOptions) Complete() error {
	var err error
	if o.report, err = o.Report.ToOptions(); err != nil {
		return err
	}
	if o.FromSnapshot != "" && o.SaveSnapshot != "" {
		return errors.New("--save-snapshot and --from-snapshot cannot be used together")
	}
	if o.configFlags != nil && o.configFlags.Namespace != nil {
		o.namespace = *o.configFlags.Namespace
	}
	if o.AllNamespaces && o.namespace != "" {
		return errors.New("-n/--namespace and -A/--all-namespaces cannot be used together")
	}
	if err := checks.ValidateBenchmark(o.Benchmark); err != nil {
		return fmt.Errorf("--benchmark: %w", err)
	}
	return nil
}

// loadWorkloadSnapshot reads a snapshot saved with --save-snapshot.
func loadWorkloadSnapshot(path string) (*workloads.Snapshot, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--from-snapshot: %w", err)
	}
	snap, err := workloads.DecodeSnapshot(b)
	if err != nil {
		return nil, fmt.Errorf("--from-snapshot %s: %w", path, err)
	}
	return snap, nil
}

// collectWorkloads runs the permission preflight (naming every missing
// permission on errOut) and collects a snapshot of namespace ns ("" = all).
// With a benchmark flag value it also chooses the benchmark (apiBenchmark);
// nil leaves that to the caller.
func collectWorkloads(ctx context.Context, cf *genericclioptions.ConfigFlags, ns string, benchmark *string, errOut io.Writer) (*workloads.Snapshot, report.Metadata, error) {
	var md report.Metadata
	restConfig, err := cf.ToRESTConfig()
	if err != nil {
		return nil, md, err
	}
	client, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return nil, md, err
	}
	meta, err := metadata.NewForConfig(restConfig)
	if err != nil {
		return nil, md, err
	}
	md = report.Metadata{Server: restConfig.Host, Source: "cluster"}
	if raw, err := cf.ToRawKubeConfigLoader().RawConfig(); err == nil {
		md.Context = raw.CurrentContext
		if cf.Context != nil && *cf.Context != "" {
			md.Context = *cf.Context
		}
	}
	sv, err := client.Discovery().ServerVersion()
	if err != nil {
		return nil, md, fmt.Errorf("reading the server version from %s: %w", restConfig.Host, err)
	}
	md.ServerVersion = sv.GitVersion
	if benchmark != nil {
		if err := apiBenchmark(ctx, client, *benchmark, sv.GitVersion, &md, errOut); err != nil {
			return nil, md, err
		}
	}
	missing, err := workloads.Preflight(ctx, client, ns)
	if err != nil {
		return nil, md, err
	}
	if len(missing) > 0 {
		fmt.Fprintf(errOut, "Warning: missing permissions for workload collection: %s; the controls that need them are ERROR\n", workloads.MissingString(missing, ns))
	}
	snap, err := workloads.Collect(ctx, client, workloads.CollectOptions{Namespace: ns, Metadata: meta})
	return snap, md, err
}

// workloadsReport reads (or loads) the snapshot, saves it when asked and
// returns the workloads target.
func (o *WorkloadsOptions) load(ctx context.Context) (*workloads.Snapshot, error) {
	if o.FromSnapshot != "" {
		snap, err := loadWorkloadSnapshot(o.FromSnapshot)
		if err != nil {
			return nil, err
		}
		o.md = report.Metadata{Source: "snapshot:" + o.FromSnapshot}
		if err := offlineBenchmark(o.Benchmark, &o.md); err != nil {
			return nil, err
		}
		return snap, nil
	}
	snap, md, err := collectWorkloads(ctx, o.configFlags, o.namespace, &o.Benchmark, o.ErrOut)
	if err != nil {
		return nil, err
	}
	o.md = md
	if o.SaveSnapshot != "" {
		if err := saveSnapshot(o.SaveSnapshot, snap, "Workload snapshot", o.ErrOut); err != nil {
			return nil, err
		}
	}
	return snap, nil
}

// Run reads the objects, evaluates the controls and prints the report.
func (o *WorkloadsOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	snap, err := o.load(ctx)
	if err != nil {
		return err
	}
	md := o.md
	md.Generated = time.Now().UTC()
	md.ToolVersion = version.Get().Version
	r := report.NewReport(report.KindWorkloads, md)
	r.AddTarget(workloadsTarget(workloads.Build(snap), workloads.EvalOptions{IncludeSystem: o.IncludeSystem}, md.Benchmark))
	return o.report.Finish(r, o.Out, o.ErrOut)
}

// saveSnapshot writes a snapshot (RBAC or workloads: no secret values in
// either) as indented JSON readable by its owner only, for --from-snapshot.
func saveSnapshot(path string, snap any, what string, errOut io.Writer) error {
	b, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("--save-snapshot: %w", err)
	}
	fmt.Fprintf(errOut, "%s saved in %s\n", what, path)
	return nil
}
