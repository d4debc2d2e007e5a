package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/kubernetes"
	"k8s.io/kubectl/pkg/util/term"

	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/kubeletz"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/version"
)

// Environment variables that set defaults of scan flags, for air-gapped
// clusters and CI that mirror the debug image.
const (
	EnvDebugImage      = "HARDEN_DEBUG_IMAGE"
	EnvImagePullPolicy = "HARDEN_IMAGE_PULL_POLICY"
)

// ScanOptions holds the flags and state of `kubectl harden scan`.
type ScanOptions struct {
	genericiooptions.IOStreams
	configFlags *genericclioptions.ConfigFlags
	Report      ReportFlags

	All              bool
	Selector         string
	Parallel         int
	Timeout          time.Duration
	Image            string
	ImagePullPolicy  string
	ImagePullSecrets []string
	Privileged       bool
	DryRun           string
	SaveEvidence     string
	FromEvidence     string
	Benchmark        string

	// Set by Complete.
	report      *ReportOptions
	client      kubernetes.Interface
	nodes       []*corev1.Node
	namespace   string
	md          report.Metadata
	managed     string
	interactive bool
	offline     []*evidence.Node
}

// NewCmdScan builds `kubectl harden scan`.
func NewCmdScan(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &ScanOptions{
		IOStreams:       streams,
		configFlags:     configFlags,
		Parallel:        5,
		Timeout:         3 * time.Minute,
		Image:           envOr(EnvDebugImage, debugpod.DefaultImage),
		ImagePullPolicy: envOr(EnvImagePullPolicy, string(corev1.PullIfNotPresent)),
		Privileged:      true,
		DryRun:          "none",
	}
	cmd := &cobra.Command{
		Use:   "scan (node/NAME | NAME ... | nodes | --all | -l SELECTOR)",
		Short: "Check nodes against the CIS Kubernetes Benchmark from host evidence",
		Long: `Scan nodes: for each node, start a short-lived debug pod pinned to it (host PID
namespace, host root mounted read-only at /host, no service account token),
collect the evidence the controls need (process command lines, file modes and
owners, kubelet and kube-proxy configuration, public certificates), delete the
pod, and evaluate CIS Kubernetes Benchmark sections 1-4 and kubectl-harden's own
PKI controls on this machine. Nodes are scanned in parallel.

By default the pods run in a new namespace labelled
pod-security.kubernetes.io/enforce=privileged that is deleted at the end. With
-n/--namespace an existing namespace is used and never deleted; it must allow
privileged pods. Each pod has a hard deadline, so it dies by itself if this
command is killed; "kubectl harden cleanup" removes anything left behind.

Private keys, tokens, kubeconfig credentials and encryption secrets are never
read: only their file modes and owners.

` + exitCodesHelp,
		Example: `  # Scan every node, results as a table
  kubectl harden scan nodes

  # Scan one node; show evidence, reasons and remediation
  kubectl harden scan node/kind-control-plane -o wide

  # Scan worker nodes only, show failures, fail the CI job on any FAIL
  kubectl harden scan -l '!node-role.kubernetes.io/control-plane' --status FAIL --fail-on FAIL

  # Air-gapped cluster: a mirrored debug image
  kubectl harden scan nodes --image registry.example.com/mirror/busybox:1.37

  # Show the pods that would be created, create nothing
  kubectl harden scan nodes --dry-run=client -o yaml

  # Save the evidence, then evaluate it later with no cluster at all
  kubectl harden scan nodes --save-evidence ./evidence
  kubectl harden scan --from-evidence ./evidence -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			return completeNodes(configFlags, toComplete), cobra.ShellCompDirectiveNoFileComp
		},
	}
	o.Report.AddFlags(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.All, "all", false, "Scan every node of the cluster.")
	f.StringVarP(&o.Selector, "selector", "l", "", "Scan the nodes that match this label selector (e.g. node-role.kubernetes.io/control-plane).")
	f.IntVar(&o.Parallel, "parallel", o.Parallel, "How many nodes to scan at the same time.")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "How long one node may take, from creating its pod to reading its evidence; also the pod's hard deadline.")
	f.StringVar(&o.Image, "image", o.Image, "Debug image: any image with a POSIX sh, stat and find (env "+EnvDebugImage+").")
	f.StringVar(&o.ImagePullPolicy, "image-pull-policy", o.ImagePullPolicy, "Pull policy of the debug image: Always, IfNotPresent or Never (env "+EnvImagePullPolicy+").")
	f.StringSliceVar(&o.ImagePullSecrets, "image-pull-secret", nil, "Image pull secret(s) for the debug image; they must exist in the namespace given with -n.")
	f.BoolVar(&o.Privileged, "privileged", o.Privileged, "Run the debug pod privileged (needed to read some files and etcd's environment); with false some evidence may be missing and reported as ERROR.")
	f.StringVar(&o.DryRun, "dry-run", o.DryRun, `Must be "none" or "client". With "client", print the objects that would be created and create nothing.`)
	f.Lookup("dry-run").NoOptDefVal = "client"
	f.StringVar(&o.SaveEvidence, "save-evidence", "", "Write the raw evidence of each node as JSON into this directory.")
	f.StringVar(&o.FromEvidence, "from-evidence", "", "Evaluate evidence saved with --save-evidence (a directory or one file) with no cluster at all.")
	f.StringVar(&o.Benchmark, "benchmark", "", "Benchmark to evaluate (default: chosen from the server version; "+report.BenchmarkCIS112+" offline).")
	_ = cmd.RegisterFlagCompletionFunc("benchmark", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return checks.KnownBenchmarks(), cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("image-pull-policy", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"Always", "IfNotPresent", "Never"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Complete resolves the target nodes (or loads offline evidence) and the
// benchmark.
func (o *ScanOptions) Complete(cmd *cobra.Command, args []string) error {
	var err error
	if o.report, err = o.Report.ToOptions(); err != nil {
		return err
	}
	o.interactive = term.IsTerminal(o.ErrOut)
	if o.FromEvidence != "" {
		if len(args) > 0 || o.All || o.Selector != "" {
			return errors.New("--from-evidence evaluates saved evidence: do not name nodes, --all or -l with it")
		}
		if o.offline, err = evidence.Load(o.FromEvidence); err != nil {
			return fmt.Errorf("--from-evidence: %w", err)
		}
		if len(o.offline) == 0 {
			return fmt.Errorf("--from-evidence %s: no evidence files found", o.FromEvidence)
		}
		o.md = report.Metadata{Source: "evidence:" + o.FromEvidence}
		return o.completeBenchmark("")
	}
	if len(args) == 0 && !o.All && o.Selector == "" {
		return errors.New("name the nodes to scan: node/NAME, NAME, nodes (every node), --all or -l SELECTOR")
	}
	// An explicit -n names an existing namespace that the preflight checks;
	// without it a temporary namespace is created and deleted.
	o.namespace = *o.configFlags.Namespace
	restConfig, err := o.configFlags.ToRESTConfig()
	if err != nil {
		return err
	}
	if o.client, err = kubernetes.NewForConfig(restConfig); err != nil {
		return err
	}
	o.md = report.Metadata{Server: restConfig.Host, Source: "cluster"}
	if raw, err := o.configFlags.ToRawKubeConfigLoader().RawConfig(); err == nil {
		o.md.Context = raw.CurrentContext
		if *o.configFlags.Context != "" {
			o.md.Context = *o.configFlags.Context
		}
	}
	if o.nodes, err = o.resolveNodes(args); err != nil {
		return err
	}
	sv, err := o.client.Discovery().ServerVersion()
	if err != nil {
		return fmt.Errorf("reading the server version from %s: %w", restConfig.Host, err)
	}
	o.md.ServerVersion = sv.GitVersion
	var providerIDs []string
	for _, n := range o.nodes {
		providerIDs = append(providerIDs, n.Spec.ProviderID)
	}
	o.managed = checks.ManagedPlatform(sv.GitVersion, providerIDs)
	return o.completeBenchmark(sv.GitVersion)
}

func (o *ScanOptions) completeBenchmark(gitVersion string) error {
	if o.Benchmark != "" {
		if err := checks.ValidateBenchmark(o.Benchmark); err != nil {
			return fmt.Errorf("--benchmark: %w", err)
		}
		o.md.Benchmark, o.md.BenchmarkReason = o.Benchmark, "chosen with --benchmark"
		return nil
	}
	if gitVersion == "" {
		o.md.Benchmark, o.md.BenchmarkReason = report.BenchmarkCIS112, "offline evaluation without --benchmark"
		return nil
	}
	b, reason, warning := checks.SelectBenchmark(gitVersion)
	o.md.Benchmark, o.md.BenchmarkReason = b, reason
	if warning != "" {
		fmt.Fprintf(o.ErrOut, "Warning: %s\n", warning)
	}
	return nil
}

// resolveNodes turns the arguments into Node objects with cli-runtime's
// resource builder. A bare NAME means node/NAME; "nodes" means every node.
func (o *ScanOptions) resolveNodes(args []string) ([]*corev1.Node, error) {
	all := o.All || (len(args) == 0 && o.Selector != "")
	var names []string
	for _, a := range args {
		if isNodeType(a) {
			all = true
			continue
		}
		typ, name, found := strings.Cut(a, "/")
		if !found {
			name = a
		} else if !isNodeType(typ) {
			return nil, fmt.Errorf("scan takes nodes, not %q: use node/NAME or a bare node name", a)
		}
		if name == "" {
			return nil, fmt.Errorf("%q names no node", a)
		}
		names = append(names, "node/"+name)
	}
	if all && len(names) > 0 {
		return nil, errors.New("name nodes, or select them with nodes/--all/-l, not both")
	}
	if !all && o.Selector != "" {
		return nil, errors.New("-l/--selector selects nodes by label: do not name nodes with it")
	}
	b := resource.NewBuilder(o.configFlags).
		WithScheme(scheme(), corev1.SchemeGroupVersion).
		Flatten()
	if all {
		b = b.LabelSelectorParam(o.Selector).SelectAllParam(o.Selector == "").ResourceTypeOrNameArgs(true, "nodes")
	} else {
		b = b.ResourceTypeOrNameArgs(false, names...)
	}
	infos, err := b.Do().Infos()
	if apierrors.IsForbidden(err) {
		return nil, fmt.Errorf("%w (scan needs get and list on nodes; create, get, watch and delete on pods and get on pods/log in the namespace used; create and delete on namespaces unless -n names one)", err)
	}
	if err != nil {
		return nil, humanizeNotFound(err)
	}
	var nodes []*corev1.Node
	seen := map[string]bool{}
	for _, info := range infos {
		n, ok := info.Object.(*corev1.Node)
		if !ok {
			return nil, fmt.Errorf("%s/%s is not a node", info.Mapping.Resource.Resource, info.Name)
		}
		if !seen[n.Name] {
			seen[n.Name] = true
			nodes = append(nodes, n)
		}
	}
	if len(nodes) == 0 {
		if o.Selector != "" {
			return nil, fmt.Errorf("no node matches the selector %q", o.Selector)
		}
		return nil, errors.New("the cluster has no nodes")
	}
	return nodes, nil
}

func isNodeType(s string) bool {
	switch strings.ToLower(s) {
	case "node", "nodes", "no":
		return true
	}
	return false
}

func scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = corev1.AddToScheme(s)
	return s
}

// humanizeNotFound turns `nodes "x" not found` into a message naming node/x.
func humanizeNotFound(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "not found") && strings.Contains(msg, `nodes "`) {
		name := msg[strings.Index(msg, `nodes "`)+len(`nodes "`):]
		name = name[:strings.IndexByte(name, '"')]
		return fmt.Errorf("node/%s not found in the cluster (list nodes with: kubectl get nodes)", name)
	}
	return err
}

// Validate checks flag values.
func (o *ScanOptions) Validate() error {
	if o.Parallel < 1 {
		return fmt.Errorf("--parallel must be at least 1, not %d", o.Parallel)
	}
	if o.Timeout < 10*time.Second {
		return fmt.Errorf("--timeout must be at least 10s to leave time to start a pod, not %s", o.Timeout)
	}
	switch o.DryRun {
	case "none", "client":
	case "server":
		return errors.New(`--dry-run=server is not supported: use --dry-run=client`)
	default:
		return fmt.Errorf(`--dry-run must be "none" or "client", not %q`, o.DryRun)
	}
	switch o.ImagePullPolicy {
	case "Always", "IfNotPresent", "Never":
	default:
		return fmt.Errorf("--image-pull-policy must be Always, IfNotPresent or Never, not %q", o.ImagePullPolicy)
	}
	if o.Image == "" {
		return errors.New("--image must not be empty")
	}
	if o.FromEvidence != "" && o.SaveEvidence != "" {
		return errors.New("--save-evidence and --from-evidence cannot be used together")
	}
	if o.DryRun == "client" && o.FromEvidence != "" {
		return errors.New("--dry-run creates nothing and --from-evidence needs no cluster: use one of them")
	}
	return nil
}

func (o *ScanOptions) podOptions() debugpod.Options {
	privileged := o.Privileged
	return debugpod.Options{
		Image:            o.Image,
		ImagePullPolicy:  corev1.PullPolicy(o.ImagePullPolicy),
		ImagePullSecrets: o.ImagePullSecrets,
		Namespace:        o.namespace,
		Timeout:          o.Timeout,
		Privileged:       &privileged,
	}
}

// Run collects (or loads) evidence, evaluates it and prints the report.
func (o *ScanOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.DryRun == "client" {
		return o.printDryRun()
	}
	o.md.Generated = time.Now().UTC()
	o.md.ToolVersion = version.Get().Version
	report := report.NewReport(report.KindNodeScan, o.md)
	evalOpts := checks.EvalOptions{Benchmark: o.md.Benchmark, Now: o.md.Generated, ManagedControlPlane: o.managed}

	if o.FromEvidence != "" {
		for _, ev := range o.offline {
			report.AddTarget(checks.EvaluateNode(ev, evalOpts))
		}
		return o.report.Finish(report, o.Out)
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The report is printed before the temporary namespace is deleted. A
	// reader that goes away (`| head`) must not kill the process with
	// SIGPIPE before that cleanup: with SIGPIPE caught, the write fails with
	// EPIPE instead and the deferred cleanup runs.
	sigpipe := make(chan os.Signal, 1)
	signal.Notify(sigpipe, syscall.SIGPIPE)
	defer signal.Stop(sigpipe)

	results, cleanup, err := o.collect(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	if ctx.Err() != nil {
		return errors.New("interrupted: the scan was stopped and its pods and namespace were deleted")
	}
	for _, nr := range results {
		if nr.Err != nil {
			report.AddTarget(checks.ErrorTarget(nr.Node, nr.Err, o.md.Benchmark))
			continue
		}
		kubeletz.Attach(ctx, o.client, nr.Evidence) // live /configz when allowed (KH-KUBELET-1)
		if o.SaveEvidence != "" {
			if _, err := nr.Evidence.Save(o.SaveEvidence); err != nil {
				return fmt.Errorf("--save-evidence: %w", err)
			}
		}
		report.AddTarget(checks.EvaluateNode(nr.Evidence, evalOpts))
	}
	if o.SaveEvidence != "" {
		fmt.Fprintf(o.ErrOut, "Evidence saved in %s\n", o.SaveEvidence)
	}
	return o.report.Finish(report, o.Out)
}

// collect runs the debug pods. Nodes that are not Ready are not given a pod:
// their results are ERROR with the node's condition as the reason.
//
// The returned cleanup deletes the temporary namespace and waits for it to
// go; Run calls it after printing, so results show as soon as they exist
// and the command still exits only once nothing is left in the cluster.
func (o *ScanOptions) collect(ctx context.Context) (results []debugpod.NodeResult, cleanup func(), err error) {
	var ready []string
	notReady := map[string]error{}
	for _, n := range o.nodes {
		if why := nodeNotReady(n); why != "" {
			notReady[n.Name] = fmt.Errorf("node/%s is not Ready (%s): no debug pod was started", n.Name, why)
			continue
		}
		ready = append(ready, n.Name)
	}
	var mu sync.Mutex
	po := o.podOptions()
	po.Progress = func(node, phase string) {
		if !o.interactive {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(o.ErrOut, "node/%s: %s\n", node, phase)
	}
	po.Warn = func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(o.ErrOut, "Warning: %s\n", msg)
	}
	var out []debugpod.NodeResult
	cleanup = func() {}
	if len(ready) > 0 {
		runner, err := debugpod.NewRunner(o.client, po)
		if err != nil {
			return nil, cleanup, err
		}
		cleanup = func() {
			cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := runner.Close(cctx); err != nil {
				fmt.Fprintf(o.ErrOut, "Warning: %v (run: kubectl harden cleanup)\n", err)
			}
		}
		if err := runner.Prepare(ctx); err != nil {
			cleanup()
			return nil, func() {}, err
		}
		out = runner.CollectAll(ctx, ready, o.Parallel)
	}
	for _, n := range o.nodes {
		if err, ok := notReady[n.Name]; ok {
			out = append(out, debugpod.NodeResult{Node: n.Name, Err: err})
		}
	}
	order := map[string]int{}
	for i, n := range o.nodes {
		order[n.Name] = i
	}
	// Report nodes in the order they were named (not-Ready ones were appended).
	sort.SliceStable(out, func(i, j int) bool { return order[out[i].Node] < order[out[j].Node] })
	return out, cleanup, nil
}

func nodeNotReady(n *corev1.Node) string {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			if c.Status == corev1.ConditionTrue {
				return ""
			}
			if c.Reason != "" {
				return c.Reason
			}
			return "Ready=" + string(c.Status)
		}
	}
	return "no Ready condition"
}

// printDryRun prints the namespace and pods that a scan would create.
func (o *ScanOptions) printDryRun() error {
	po := o.podOptions()
	po.ScanID = "dryrun"
	var objs []runtime.Object
	if po.Namespace == "" {
		ns := debugpod.GenerateNamespace(po.ScanID)
		ns.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}
		objs = append(objs, ns)
		po.Namespace = ns.Name
	}
	for _, n := range o.nodes {
		p := debugpod.Generate(n.Name, po)
		p.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
		objs = append(objs, p)
	}
	switch o.report.Format {
	case "yaml", "json":
		list := &corev1.List{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}}
		for _, obj := range objs {
			list.Items = append(list.Items, runtime.RawExtension{Object: obj})
		}
		var p printers.ResourcePrinter = &printers.YAMLPrinter{}
		if o.report.Format == "json" {
			p = &printers.JSONPrinter{}
		}
		return p.PrintObj(list, o.Out)
	case "":
		for _, obj := range objs {
			m, err := meta.Accessor(obj)
			if err != nil {
				return err
			}
			fmt.Fprintf(o.Out, "%s/%s created (dry run)\n", strings.ToLower(obj.GetObjectKind().GroupVersionKind().Kind), m.GetName())
		}
		return nil
	}
	return fmt.Errorf("--dry-run=client prints yaml or json: -o %s is not supported with it", o.report.Format)
}

// completeNodes offers node names for shell completion.
func completeNodes(cf *genericclioptions.ConfigFlags, prefix string) []string {
	rc, err := cf.ToRESTConfig()
	if err != nil {
		return nil
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range list.Items {
		if strings.HasPrefix(n.Name, prefix) || strings.HasPrefix("node/"+n.Name, prefix) {
			out = append(out, "node/"+n.Name)
		}
	}
	return out
}
