package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/pager"

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
	Progress         bool

	// factory builds the client (default: from configFlags); tests set it.
	factory ClientFactory
	// logs replaces the API's pods/log (tests; see debugpod.Options.Logs).
	logs func(ctx context.Context, ns, pod string, limit int64) (io.ReadCloser, error)

	// Set by Complete (and the node list by Run or NodeReport).
	report      *ReportOptions
	client      kubernetes.Interface
	names       []string
	allNodes    bool
	nodes       []*corev1.Node
	progress    *progress
	live        *kubeletz.Prefetch
	namespace   string
	md          report.Metadata
	managed     string
	interactive bool
	offline     []*evidence.Node
}

// DefaultParallel is how many nodes a scan collects from at once by
// default. Collecting is waiting (on the scheduler, the kubelet, the image
// and the API server), not work on this machine: the 1 000-node simulation
// (make bench) takes about nodes/parallel pod round trips, and 50 keeps
// a 1 000-node scan under a minute while the client's request rate
// (clientLimits) stays modest for the API server.
const DefaultParallel = 50

// NewCmdScan builds `kubectl harden scan`.
func NewCmdScan(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	return newCmdScan(newScanOptions(configFlags, streams))
}

// newScanOptions returns the defaults of the scan flags; tests replace the
// factory before building the command.
func newScanOptions(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *ScanOptions {
	return &ScanOptions{
		IOStreams:       streams,
		configFlags:     configFlags,
		factory:         NewClientFactory(configFlags),
		Parallel:        DefaultParallel,
		Timeout:         3 * time.Minute,
		Image:           envOr(EnvDebugImage, debugpod.DefaultImage),
		ImagePullPolicy: envOr(EnvImagePullPolicy, string(corev1.PullIfNotPresent)),
		Privileged:      true,
		DryRun:          "none",
	}
}

func newCmdScan(o *ScanOptions) *cobra.Command {
	configFlags := o.configFlags
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
	f.IntVar(&o.Parallel, "parallel", o.Parallel, "How many nodes to scan at the same time; the client's rate limit is raised to 2×parallel requests per second (bursts of 4×parallel).")
	f.BoolVar(&o.Progress, "progress", false, "Print a progress line per node on stderr (pending, running, collected, evaluated, with the elapsed time); the default when stderr is a terminal.")
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

// Complete parses the arguments and loads offline evidence; it does not
// contact the cluster (Run does, after Validate).
func (o *ScanOptions) Complete(cmd *cobra.Command, args []string) error {
	var err error
	if o.report, err = o.Report.ToOptions(); err != nil {
		return err
	}
	o.interactive = isTerminal(o.ErrOut)
	if cmd == nil || !cmd.Flags().Changed("progress") {
		o.Progress = o.interactive
	}
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
		return o.completeBenchmark("", nil)
	}
	if len(args) == 0 && !o.All && o.Selector == "" {
		return errors.New("name the nodes to scan: node/NAME, NAME, nodes (every node), --all or -l SELECTOR")
	}
	if o.names, o.allNodes, err = o.parseNodeArgs(args); err != nil {
		return err
	}
	if o.factory == nil {
		o.factory = NewClientFactory(o.configFlags)
	}
	// An explicit -n names an existing namespace that the preflight checks;
	// without it a temporary namespace is created and deleted.
	o.namespace = o.factory.Namespace()
	return nil
}

// clientLimits are the client's QPS and burst for a scan of parallel nodes
// at a time. Each node costs three requests (create pod, read its log,
// delete it) over about two seconds, so 2×parallel requests per second
// with bursts of 4×parallel keep client-go's default limiter (5 QPS, burst
// 10) from becoming the bottleneck; the server's API Priority and Fairness
// still protects it.
func clientLimits(parallel int) (float32, int) {
	return float32(max(20, 2*parallel)), max(40, 4*parallel)
}

// isTerminal says whether w is a terminal (a file descriptor that is one).
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// completeCluster reads the nodes and the server version and chooses the
// benchmark.
func (o *ScanOptions) completeCluster(ctx context.Context) error {
	var err error
	if o.client == nil {
		qps, burst := clientLimits(o.Parallel)
		if o.client, err = o.factory.Clientset(qps, burst); err != nil {
			return err
		}
	}
	o.md = report.Metadata{Server: o.factory.Server(), Context: o.factory.Context(), Source: "cluster"}
	if o.nodes, err = o.resolveNodes(ctx); err != nil {
		return err
	}
	sv, err := o.client.Discovery().ServerVersion()
	if err != nil {
		return fmt.Errorf("reading the server version from %s: %w", o.md.Server, err)
	}
	o.md.ServerVersion = sv.GitVersion
	var plat checks.Platform
	plat, o.nodes = detectPlatform(sv.GitVersion, o.nodes, o.ErrOut)
	o.md.Platform, o.managed = platformMetadata(plat), plat.Provider
	if len(o.nodes) == 0 {
		return errors.New("no node left to scan: EKS Fargate nodes cannot be scanned")
	}
	return o.completeBenchmark(sv.GitVersion, &plat)
}

func (o *ScanOptions) completeBenchmark(gitVersion string, p *checks.Platform) (err error) {
	o.md.Benchmark, o.md.BenchmarkReason, err = chooseBenchmark(o.Benchmark, gitVersion, p, o.ErrOut)
	return err
}

// parseNodeArgs turns the arguments into node names; all is true for
// "nodes", --all and -l. A bare NAME means node/NAME.
func (o *ScanOptions) parseNodeArgs(args []string) (names []string, all bool, err error) {
	all = o.All || (len(args) == 0 && o.Selector != "")
	seen := map[string]bool{}
	for _, a := range args {
		if isNodeType(a) {
			all = true
			continue
		}
		typ, name, found := strings.Cut(a, "/")
		if !found {
			name = a
		} else if !isNodeType(typ) {
			return nil, false, fmt.Errorf("scan takes nodes, not %q: use node/NAME or a bare node name", a)
		}
		if name == "" {
			return nil, false, fmt.Errorf("%q names no node", a)
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	if all && len(names) > 0 {
		return nil, false, errors.New("name nodes, or select them with nodes/--all/-l, not both")
	}
	if !all && o.Selector != "" {
		return nil, false, errors.New("-l/--selector selects nodes by label: do not name nodes with it")
	}
	return names, all, nil
}

// nodePageSize is the page size of the node LIST: a 5 000-node cluster
// is read in 10 requests of bounded size.
const nodePageSize = 500

// resolveNodes reads the named nodes, or lists the selected ones page by
// page.
func (o *ScanOptions) resolveNodes(ctx context.Context) ([]*corev1.Node, error) {
	forbidden := func(err error) error {
		return fmt.Errorf("%w (scan needs get and list on nodes; create, get, list, watch and delete on pods and get on pods/log in the namespace used; create and delete on namespaces unless -n names one)", err)
	}
	var nodes []*corev1.Node
	if !o.allNodes {
		for _, name := range o.names {
			n, err := o.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				return nil, fmt.Errorf("node/%s not found in the cluster (list nodes with: kubectl get nodes)", name)
			case apierrors.IsForbidden(err):
				return nil, forbidden(err)
			case err != nil:
				return nil, fmt.Errorf("get node/%s: %w", name, err)
			}
			nodes = append(nodes, n)
		}
		return nodes, nil
	}
	p := pager.New(pager.SimplePageFunc(func(opts metav1.ListOptions) (runtime.Object, error) {
		return o.client.CoreV1().Nodes().List(ctx, opts)
	}))
	p.PageSize = nodePageSize
	err := p.EachListItemWithAlloc(ctx, metav1.ListOptions{LabelSelector: o.Selector}, func(obj runtime.Object) error {
		n, ok := obj.(*corev1.Node)
		if !ok {
			return fmt.Errorf("node list returned a %T", obj)
		}
		nodes = append(nodes, n)
		return nil
	})
	switch {
	case apierrors.IsForbidden(err):
		return nil, forbidden(err)
	case err != nil:
		return nil, fmt.Errorf("list nodes: %w", err)
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

// Validate checks flag values; it needs no cluster.
func (o *ScanOptions) Validate() error {
	if o.Parallel < 1 {
		return fmt.Errorf("--parallel must be at least 1, not %d", o.Parallel)
	}
	if o.Timeout < 10*time.Second {
		return fmt.Errorf("--timeout must be at least 10s to leave time to start a pod, not %s", o.Timeout)
	}
	if _, err := labels.Parse(o.Selector); err != nil {
		return fmt.Errorf("-l/--selector %q: %w", o.Selector, err)
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
		Logs:             o.logs,
	}
}

// Run collects (or loads) evidence, evaluates it and prints the report.
func (o *ScanOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.FromEvidence == "" {
		ctx2, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		ctx = ctx2
		if err := o.completeCluster(ctx); err != nil {
			return err
		}
	}
	if o.DryRun == "client" {
		return o.printDryRun()
	}
	rep, err := o.NodeReport(ctx)
	if err != nil {
		return err
	}
	return o.report.Finish(rep, o.Out, o.ErrOut)
}

// NodeReport scans the nodes (or evaluates the offline evidence) and
// returns the full, unfiltered node report. On a cluster, call it after
// Complete and Validate; it reads the nodes and the server version itself
// unless Run did. Every pod it created is deleted when it returns, and the
// temporary namespace's deletion is requested (not awaited).
func (o *ScanOptions) NodeReport(ctx context.Context) (*report.Report, error) {
	if o.FromEvidence == "" && o.nodes == nil {
		if err := o.completeCluster(ctx); err != nil {
			return nil, err
		}
	}
	o.md.Generated = time.Now().UTC()
	o.md.ToolVersion = version.Get().Version
	rep := report.NewReport(report.KindNodeScan, o.md)
	evalOpts := checks.EvalOptions{Benchmark: o.md.Benchmark, Now: o.md.Generated, ManagedControlPlane: o.managed}
	if o.FromEvidence != "" {
		for _, ev := range o.offline {
			rep.AddTarget(checks.EvaluateNode(ev, evalOpts))
		}
		return rep, nil
	}
	targets := make([]report.TargetReport, len(o.nodes))
	index := make(map[string]int, len(o.nodes))
	for i, n := range o.nodes {
		index[n.Name] = i
	}
	// The kubelets' live /configz is read while the pods run, not one
	// node after another as each is evaluated.
	var ready []string
	for _, n := range o.nodes {
		if nodeNotReady(n) == "" {
			ready = append(ready, n.Name)
		}
	}
	liveCtx, stopLive := context.WithCancel(ctx)
	defer stopLive()
	o.live = kubeletz.StartPrefetch(liveCtx, o.client, ready, o.Parallel)
	var saveErr error
	err := o.ScanNodes(ctx, func(nr debugpod.NodeResult) {
		targets[index[nr.Node]] = o.evaluateNode(ctx, nr, evalOpts, &saveErr)
	})
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, errors.New("interrupted: the scan was stopped, its pods were deleted and its namespace's deletion was requested")
	}
	if saveErr != nil {
		return nil, fmt.Errorf("--save-evidence: %w", saveErr)
	}
	if o.SaveEvidence != "" {
		fmt.Fprintf(o.ErrOut, "Evidence saved in %s\n", o.SaveEvidence)
	}
	for i, t := range targets {
		rep.AddTarget(withProviderID(t, o.nodes[i]))
	}
	return rep, nil
}

// withProviderID records the node's spec.providerID in the target
// (aws:///us-east-1a/i-0abc), which -o asff uses to name an EC2 instance
// as the finding's resource.
func withProviderID(t report.TargetReport, n *corev1.Node) report.TargetReport {
	if n != nil {
		t.ProviderID = n.Spec.ProviderID
	}
	return t
}

// evaluateNode turns one node's collection into its target report, saving
// the evidence first with --save-evidence (the first save error is kept in
// saveErr). It runs as each node finishes, one call at a time, and the
// evidence is dropped afterwards.
func (o *ScanOptions) evaluateNode(ctx context.Context, nr debugpod.NodeResult, evalOpts checks.EvalOptions, saveErr *error) report.TargetReport {
	if nr.Err != nil {
		return checks.ErrorTarget(nr.Node, nr.Err, o.md.Benchmark)
	}
	o.live.Attach(ctx, nr.Evidence) // live /configz when allowed (KH-KUBELET-1)
	if o.SaveEvidence != "" && *saveErr == nil {
		if _, err := nr.Evidence.Save(o.SaveEvidence); err != nil {
			*saveErr = err
		}
	}
	t := checks.EvaluateNode(nr.Evidence, evalOpts)
	o.progress.node(nr.Node, fmt.Sprintf("evaluated: %d results, %d FAIL", t.Summary.Total, t.Summary.Fail))
	return t
}

// ScanNodes runs the debug pods on o.nodes, at most --parallel at a time,
// and hands each node's collection to each as soon as that node is done
// (from the scan's workers, one call at a time; Evidence is only valid
// during the call). Nodes that are not Ready get no pod: their result is
// an error naming the node's condition. When ScanNodes returns, every pod
// it created is deleted and the temporary namespace's deletion requested.
// The error is for the scan as a whole (preflight, namespace); per-node
// failures are in NodeResult.Err.
func (o *ScanOptions) ScanNodes(ctx context.Context, each func(debugpod.NodeResult)) error {
	var ready []string
	for _, n := range o.nodes {
		if why := nodeNotReady(n); why != "" {
			each(debugpod.NodeResult{Node: n.Name, Err: fmt.Errorf("node/%s is not Ready (%s): no debug pod was started", n.Name, why)})
			continue
		}
		ready = append(ready, n.Name)
	}
	if len(ready) == 0 {
		return nil
	}
	o.progress = newProgress(o.ErrOut, o.Progress)
	po := o.podOptions()
	po.Progress = func(node, phase string) {
		switch phase {
		case debugpod.PhaseDone:
			phase = "collected"
		case debugpod.PhaseDeleting:
			return
		}
		o.progress.node(node, phase)
	}
	po.Warn = o.progress.warn
	runner, err := debugpod.NewRunner(o.client, po)
	if err != nil {
		return err
	}
	defer func() {
		ns, err := runner.Close(ctx)
		switch {
		case err != nil:
			o.progress.warn(fmt.Sprintf("%v (run: kubectl harden cleanup)", err))
		case ns != "":
			o.progress.line(fmt.Sprintf("Deletion of namespace/%s requested; it terminates in the background (kubectl harden cleanup removes leftovers)", ns))
		}
	}()
	if err := runner.Prepare(ctx); err != nil {
		return err
	}
	if o.Progress {
		o.progress.line(fmt.Sprintf("Scanning %d node(s), %d at a time, in namespace/%s", len(ready), min(o.Parallel, len(ready)), runner.Namespace()))
	}
	runner.CollectEach(ctx, ready, o.Parallel, each)
	return nil
}

// progress writes progress lines to stderr: per node (with the time since
// the scan started) only when enabled, warnings and notices always.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	enabled bool
	start   time.Time
}

func newProgress(w io.Writer, enabled bool) *progress {
	return &progress{w: w, enabled: enabled, start: time.Now()}
}

func (p *progress) node(node, phase string) {
	if p == nil || !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "node/%s: %s (%.1fs)\n", node, phase, time.Since(p.start).Seconds())
}

func (p *progress) warn(msg string) { p.line("Warning: " + msg) }

func (p *progress) line(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, msg)
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
