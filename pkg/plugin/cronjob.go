package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/cronjob"
	"github.com/kubectl-harden/kubectl-harden/pkg/report/format"
)

// CronJobOptions holds the flags of `kubectl harden cronjob`.
type CronJobOptions struct {
	genericiooptions.IOStreams
	Output OutputFlags
	// Gen holds the generator's flags; Namespace comes from -n.
	Gen    cronjob.Options
	DryRun string

	factory ClientFactory
	printer *OutputPrinter
}

// NewCmdCronJob builds `kubectl harden cronjob` and `cronjob run`.
func NewCmdCronJob(f ClientFactory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &CronJobOptions{IOStreams: streams, factory: f, Output: OutputFlags{Formats: []string{"yaml", "json"}}}
	cmd := &cobra.Command{
		Use:   "cronjob --image IMAGE --dry-run=client (--pvc NAME | --configmap NAME)",
		Short: "Print a CronJob, with least-privilege RBAC, that runs a report on a schedule",
		Long: `Print (never apply) the manifests that run kubectl-harden inside the cluster on
a schedule: a Namespace, a ServiceAccount, the ClusterRole, Role and bindings
that grant exactly what the chosen command needs, and a CronJob. Each run
writes a JSON report to a PersistentVolumeClaim (--pvc, one file per run,
named by date) or to a ConfigMap (--configmap, key report.json, replaced each
run; gzip-compressed under report.json.gz when larger than a ConfigMap holds).
A run that fails writes nothing, so the last good report stays, and its Job
fails (kubectl get jobs).

The image needs only kubectl-harden on its PATH: the job runs
"kubectl-harden cronjob run", which writes the report itself. Node scans
create their debug pods in the CronJob's namespace (-n, default
kubectl-harden), which is labelled for privileged pods, so no namespace is
created or deleted cluster-wide; workloads and RBAC are read in every
namespace. The roles never grant nodes/proxy (the kubelet API): KH-KUBELET-1
is then INFO.

Review the output, then apply it yourself:
  kubectl harden cronjob --image IMAGE --pvc reports --dry-run=client -o yaml | kubectl apply -f -`,
		Example: `  # Every report, nightly, one file per run on a PVC (create the PVC first)
  kubectl harden cronjob --image registry.example.com/kubectl-harden:v0.1.0 --pvc harden-reports --dry-run=client -o yaml

  # RBAC only, weekly, the latest report in a ConfigMap
  kubectl harden cronjob --image IMAGE --command rbac --schedule '0 6 * * 1' --configmap harden-report --dry-run=client -o yaml

  # Accepted risks kept in Git, given to every run from a ConfigMap
  kubectl create configmap -n kubectl-harden harden-exceptions --from-file=exceptions.yaml
  kubectl harden cronjob --image IMAGE --configmap harden-report --exceptions-configmap harden-exceptions --dry-run=client -o yaml

  # Start a run now, then read its report
  kubectl create job -n kubectl-harden --from=cronjob/kubectl-harden harden-now
  kubectl get configmap -n kubectl-harden harden-report -o jsonpath='{.data.report\.json}'`,
		Args: noArgs,
		RunE: runE(o),
	}
	o.Output.AddFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&o.Gen.Image, "image", "", "Image that holds kubectl-harden on its PATH. Required.")
	fl.StringVar(&o.Gen.Schedule, "schedule", cronjob.DefaultSchedule, "Cron schedule of the runs.")
	fl.StringVar(&o.Gen.Command, "command", cronjob.DefaultCommand, "Report command to run: one of "+cronjob.CommandList()+".")
	fl.StringVar(&o.Gen.PVC, "pvc", "", "Existing PersistentVolumeClaim (in the namespace) to write one report per run to.")
	fl.StringVar(&o.Gen.ConfigMap, "configmap", "", "ConfigMap (in the namespace) to write the latest report to, under the key report.json.")
	fl.StringVar(&o.Gen.ExceptionsConfigMap, "exceptions-configmap", "", "ConfigMap (in the namespace) whose key "+cronjob.ExceptionsKey+" is an exceptions file every run applies (mounted read-only, given as $"+EnvExceptions+").")
	fl.StringVar(&o.Gen.Name, "name", cronjob.DefaultName, "Name of the CronJob, ServiceAccount, roles and bindings.")
	fl.StringVar(&o.Gen.DebugImage, "debug-image", "", "Debug image of the node scans (default: $"+EnvDebugImage+" when set, else the plugin's default, a public image pinned by digest).")
	fl.StringVar(&o.Gen.DebugImagePullPolicy, "debug-image-pull-policy", "", "Pull policy of the debug image: Always, IfNotPresent or Never (default: $"+EnvImagePullPolicy+" when set, else the plugin's).")
	fl.StringVar(&o.DryRun, "dry-run", "", `Must be "client": the manifests are printed, never applied.`)
	_ = cmd.RegisterFlagCompletionFunc("command", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return cronjob.Commands, cobra.ShellCompDirectiveNoFileComp
	})
	cmd.AddCommand(newCmdCronJobRun(f, streams))
	return cmd
}

// Complete reads the namespace (default kubectl-harden), the debug image
// of the environment, and -o.
func (o *CronJobOptions) Complete(*cobra.Command, []string) error {
	o.Gen.Namespace = cronjob.DefaultNamespace
	if ns := o.factory.Namespace(); ns != "" {
		o.Gen.Namespace = ns
	}
	if o.Gen.DebugImage == "" {
		o.Gen.DebugImage = envOr(EnvDebugImage, "")
	}
	if o.Gen.DebugImagePullPolicy == "" {
		o.Gen.DebugImagePullPolicy = envOr(EnvImagePullPolicy, "")
	}
	var err error
	o.printer, err = o.Output.ToPrinter()
	return err
}

// Validate checks the flags.
func (o *CronJobOptions) Validate() error {
	if o.DryRun != "client" {
		return errors.New("--dry-run=client is required: cronjob only prints manifests and never applies them (review them, then pipe them to kubectl apply -f -)")
	}
	return o.Gen.Validate()
}

// Run prints the manifests as a List.
func (o *CronJobOptions) Run(context.Context) error {
	output := "yaml"
	if o.printer != nil && o.printer.Format == "json" {
		output = "json"
	}
	return format.PrintManifests(cronjob.Objects(o.Gen), output, o.Out)
}

// CronJobRunOptions holds the flags of `kubectl harden cronjob run`.
type CronJobRunOptions struct {
	genericiooptions.IOStreams
	Command                          string
	ConfigMap, Dir                   string
	DebugImage, DebugImagePullPolicy string

	factory   ClientFactory
	namespace string
	// newRoot builds the command tree that runs the report (tests inject
	// fake clients through it).
	newRoot func(genericiooptions.IOStreams) *cobra.Command
	now     func() time.Time
}

func newCmdCronJobRun(f ClientFactory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &CronJobRunOptions{IOStreams: streams, factory: f, Command: cronjob.DefaultCommand, now: time.Now}
	o.newRoot = func(s genericiooptions.IOStreams) *cobra.Command {
		return newCmdHarden(s, func(cf *genericclioptions.ConfigFlags) ClientFactory { return namespaceFactory{f, cf} })
	}
	cmd := &cobra.Command{
		Use:   "run --command COMMAND (--configmap NAME | --dir DIR) -n NAMESPACE",
		Short: "Run one scheduled report and save it (what the generated CronJob runs)",
		Long: `Run one report command with -o json, the way the generated CronJob does, and
save the report: into the ConfigMap --configmap in -n (replacing the last one),
or as a new file report-<UTC time>.json in --dir. Only a successful run is
saved: when the command fails (exit code 1: a part could not be read, a
permission is missing, a node could not be scanned) nothing is written, so the
last good report stays, and run exits with the command's code. The
destination's permissions are checked before the report command starts.`,
		Example: `  # What the CronJob of "kubectl harden cronjob --configmap harden-report" runs
  kubectl-harden cronjob run --command all --namespace kubectl-harden --configmap harden-report`,
		Args: noArgs,
		RunE: runE(o),
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Command, "command", o.Command, "Report command to run: one of "+cronjob.CommandList()+".")
	fl.StringVar(&o.ConfigMap, "configmap", "", "ConfigMap (in -n) to write the report to.")
	fl.StringVar(&o.Dir, "dir", "", "Directory to write one report file per run to.")
	fl.StringVar(&o.DebugImage, "debug-image", "", "Debug image of the node scans (default: the plugin's).")
	fl.StringVar(&o.DebugImagePullPolicy, "debug-image-pull-policy", "", "Pull policy of the debug image.")
	return cmd
}

// namespaceFactory is the report command's factory inside `cronjob run`:
// the connection of run's own (kubeconfig, context, in-cluster), and the
// -n of the report command's arguments, not run's.
type namespaceFactory struct {
	ClientFactory
	cf *genericclioptions.ConfigFlags
}

func (f namespaceFactory) Namespace() string {
	if f.cf.Namespace == nil {
		return ""
	}
	return *f.cf.Namespace
}

func (f namespaceFactory) DefaultNamespace() (string, error) {
	if ns := f.Namespace(); ns != "" {
		return ns, nil
	}
	return f.ClientFactory.DefaultNamespace()
}

// Complete reads -n.
func (o *CronJobRunOptions) Complete(*cobra.Command, []string) error {
	o.namespace = o.factory.Namespace()
	return nil
}

// Validate checks the flags and that --dir takes files.
func (o *CronJobRunOptions) Validate() error {
	if !slices.Contains(cronjob.Commands, o.Command) {
		return fmt.Errorf("--command %q is not supported: use one of %s", o.Command, cronjob.CommandList())
	}
	if (o.ConfigMap == "") == (o.Dir == "") {
		return errors.New("give exactly one of --configmap or --dir: where the report is written")
	}
	if o.namespace == "" {
		return errors.New("-n/--namespace is required: the namespace of the ConfigMap and of the debug pods")
	}
	switch o.DebugImagePullPolicy {
	case "", "Always", "IfNotPresent", "Never":
	default:
		return fmt.Errorf("--debug-image-pull-policy must be Always, IfNotPresent or Never, not %q", o.DebugImagePullPolicy)
	}
	if o.Dir != "" {
		if err := checkWritableDir(o.Dir); err != nil {
			return fmt.Errorf("--dir: %w", err)
		}
	}
	return nil
}

// Run checks the destination, runs the report command in this process and
// saves its report when it succeeded.
func (o *CronJobRunOptions) Run(ctx context.Context) error {
	if o.ConfigMap != "" {
		client, err := o.factory.Clientset(0, 0)
		if err != nil {
			return err
		}
		if _, err := access.Require(ctx, client, "saving the report", cronjob.ConfigMapPermissions(o.namespace, o.ConfigMap)); err != nil {
			return err
		}
	}
	args := cronjob.ReportArgs(o.Command, o.namespace, o.DebugImage, o.DebugImagePullPolicy)
	fmt.Fprintf(o.ErrOut, "Running: kubectl-harden %s\n", strings.Join(args, " "))
	var out bytes.Buffer
	root := o.newRoot(genericiooptions.IOStreams{In: o.In, Out: &out, ErrOut: o.ErrOut})
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if code := ExitCode(err); code != ExitOK && code != ExitFindings {
		return fmt.Errorf("%s failed, so no report was written (the last one stays): %w", o.Command, err)
	}
	now := o.now()
	if o.ConfigMap != "" {
		client, cerr := o.factory.Clientset(0, 0)
		if cerr != nil {
			return cerr
		}
		key, serr := cronjob.SaveConfigMap(ctx, client, o.namespace, o.ConfigMap, out.Bytes(), now)
		if serr != nil {
			return serr
		}
		fmt.Fprintf(o.ErrOut, "Report (%d bytes) saved in configmap/%s, key %s, in namespace %s\n", out.Len(), o.ConfigMap, key, o.namespace)
	} else {
		path, serr := cronjob.SaveFile(o.Dir, out.Bytes(), now)
		if serr != nil {
			return serr
		}
		fmt.Fprintf(o.ErrOut, "Report (%d bytes) saved in %s\n", out.Len(), path)
	}
	return err // a FindingsError keeps its exit code
}
