package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/kubeletz"
	"github.com/kubectl-harden/kubectl-harden/pkg/nodes"
	"github.com/kubectl-harden/kubectl-harden/pkg/permissions"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/report/format"
)

// Environment variables that set defaults of scan flags, for air-gapped
// clusters and CI that mirror the debug image.
const (
	EnvDebugImage      = "HARDEN_DEBUG_IMAGE"
	EnvImagePullPolicy = "HARDEN_IMAGE_PULL_POLICY"
)

// ScanOptions holds the flags and state of `kubectl harden scan`. Its
// node-collection flags are also those of `all` (addCollectionFlags).
type ScanOptions struct {
	genericiooptions.IOStreams
	Report ReportFlags

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

	// factory builds the clients; tests set a fake one.
	factory ClientFactory
	// logs replaces the API's pods/log (tests; see debugpod.Options.Logs).
	logs func(ctx context.Context, ns, pod string, limit int64) (io.ReadCloser, error)

	// Set by Complete.
	report      *ReportOptions
	names       []string
	namespace   string
	interactive bool
	offline     []*evidence.Node
	offlineMD   report.Metadata
}

// DefaultParallel is how many nodes a scan collects from at once by
// default. Collecting is waiting (on the scheduler, the kubelet, the image
// and the API server), not work on this machine: the 1 000-node simulation
// (make bench) takes about nodes/parallel pod round trips, and 50 keeps
// a 1 000-node scan under a minute while the client's request rate
// (clientLimits) stays modest for the API server.
const DefaultParallel = 50

// NewCmdScan builds `kubectl harden scan`.
func NewCmdScan(f ClientFactory, streams genericiooptions.IOStreams) *cobra.Command {
	return newCmdScan(newScanOptions(f, streams))
}

// newScanOptions returns the defaults of the scan flags; tests replace the
// factory before building the command.
func newScanOptions(f ClientFactory, streams genericiooptions.IOStreams) *ScanOptions {
	return &ScanOptions{
		IOStreams:       streams,
		factory:         f,
		Parallel:        DefaultParallel,
		Timeout:         3 * time.Minute,
		Image:           envOr(EnvDebugImage, debugpod.DefaultImage),
		ImagePullPolicy: envOr(EnvImagePullPolicy, string(corev1.PullIfNotPresent)),
		Privileged:      true,
		DryRun:          "none",
	}
}

func newCmdScan(o *ScanOptions) *cobra.Command {
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
  kubectl harden scan --from-evidence ./evidence -o json

  # Accepted risks (reason, owner, expiry) from a file: ACCEPTED, never failing the gate
  kubectl harden scan nodes --exceptions exceptions.yaml --fail-on FAIL`,
		RunE: runE(o),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			return completeNodes(o.factory, toComplete), cobra.ShellCompDirectiveNoFileComp
		},
	}
	o.Report.AddFlags(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.All, "all", false, "Scan every node of the cluster.")
	o.addCollectionFlags(cmd)
	f.StringVar(&o.DryRun, "dry-run", o.DryRun, `Must be "none" or "client". With "client", print the objects that would be created and create nothing.`)
	f.Lookup("dry-run").NoOptDefVal = "client"
	f.StringVar(&o.SaveEvidence, "save-evidence", "", "Write the raw evidence of each node as JSON into this directory (checked before any pod is created).")
	f.StringVar(&o.FromEvidence, "from-evidence", "", "Evaluate evidence saved with --save-evidence (a directory or one file) with no cluster at all.")
	return cmd
}

// addCollectionFlags registers the flags that choose the nodes and how
// they are scanned: scan's, and all's, which composes them.
func (o *ScanOptions) addCollectionFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.Selector, "selector", "l", "", "Scan only the nodes that match this label selector (e.g. node-role.kubernetes.io/control-plane).")
	f.IntVar(&o.Parallel, "parallel", o.Parallel, fmt.Sprintf("How many nodes to scan at the same time (1 to %d); the client's rate limit is raised to 2×parallel requests per second (bursts of 4×parallel).", MaxParallel))
	f.BoolVar(&o.Progress, "progress", false, "Print a progress line per node on stderr (pending, running, collected, evaluated, with the elapsed time); the default when stderr is a terminal.")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, fmt.Sprintf("How long one node may take, from creating its pod to reading its evidence (%s to %s); also the pod's hard deadline.", MinTimeout, MaxTimeout))
	f.StringVar(&o.Image, "image", o.Image, "Debug image: any image with a POSIX sh, stat and find (env "+EnvDebugImage+").")
	f.StringVar(&o.ImagePullPolicy, "image-pull-policy", o.ImagePullPolicy, "Pull policy of the debug image: Always, IfNotPresent or Never (env "+EnvImagePullPolicy+").")
	f.StringSliceVar(&o.ImagePullSecrets, "image-pull-secret", nil, "Image pull secret(s) for the debug image; they must exist in the namespace given with -n.")
	f.BoolVar(&o.Privileged, "privileged", true, "Run the debug pod privileged (needed to read some files and etcd's environment); with false some evidence may be missing and reported as ERROR.")
	addBenchmarkFlag(cmd, &o.Benchmark)
	_ = cmd.RegisterFlagCompletionFunc("image-pull-policy", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"Always", "IfNotPresent", "Never"}, cobra.ShellCompDirectiveNoFileComp
	})
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
		o.offlineMD = report.Metadata{Source: "evidence:" + o.FromEvidence}
		p := checks.OfflinePlatform(o.offline)
		if p != nil {
			o.offlineMD.Platform = platformMetadata(*p)
		}
		return chooseBenchmark(o.Benchmark, "", p, &o.offlineMD, o.ErrOut)
	}
	if len(args) == 0 && !o.All && o.Selector == "" {
		return errors.New("name the nodes to scan: node/NAME, NAME, nodes (every node), --all or -l SELECTOR")
	}
	if o.names, _, err = o.parseNodeArgs(args); err != nil {
		return err
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

func isNodeType(s string) bool {
	switch strings.ToLower(s) {
	case "node", "nodes", "no":
		return true
	}
	return false
}

// Validate checks flag values; it needs no cluster.
func (o *ScanOptions) Validate() error {
	if err := validateBenchmarkFlag(o.Benchmark); err != nil {
		return err
	}
	if err := validateCollection(o.Parallel, o.Timeout); err != nil {
		return err
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
	if o.SaveEvidence != "" && o.DryRun != "client" {
		// Before any pod exists: an unwritable directory found after
		// every node was scanned would lose the whole report.
		if err := checkWritableDir(o.SaveEvidence); err != nil {
			return fmt.Errorf("--save-evidence: %w", err)
		}
	}
	return nil
}

// Run collects (or loads) evidence, evaluates it and prints the report.
func (o *ScanOptions) Run(ctx context.Context) error {
	if o.FromEvidence != "" {
		return o.report.Finish(o.offlineReport(), o.Out, o.ErrOut)
	}
	qps, burst := clientLimits(o.Parallel)
	cl, err := connect(o.factory, qps, burst)
	if err != nil {
		return err
	}
	p, err := o.plan(ctx, cl)
	if err != nil {
		return err
	}
	if o.DryRun == "client" {
		return p.printDryRun()
	}
	rep, err := p.report(ctx)
	if err != nil {
		return err
	}
	return o.report.Finish(rep, o.Out, o.ErrOut)
}

// offlineReport evaluates the evidence loaded by Complete.
func (o *ScanOptions) offlineReport() *report.Report {
	rep := newReport(report.KindNodeScan, o.offlineMD)
	md := rep.Metadata
	for _, ev := range o.offline {
		rep.AddTarget(checks.EvaluateNode(ev, checks.EvalOptions{Benchmark: md.Benchmark, Now: md.Generated}))
	}
	return rep
}

// scanPlan is a node scan ready to run on a cluster: the nodes, the
// platform, the benchmark and the namespace of the debug pods are known,
// and the permissions were checked. plan makes one; report runs it.
type scanPlan struct {
	o       *ScanOptions
	client  kubernetes.Interface
	nodes   []*corev1.Node
	md      report.Metadata
	managed string
	// scanID labels every object of the scan; ns is where the pods run
	// (the temporary namespace unless -n named one).
	scanID, ns string

	progress *progress
	live     *kubeletz.Prefetch
}

// plan checks the scan's permissions (all at once, every missing one
// named), reads the nodes and chooses the benchmark. A dry run only reads
// the nodes.
func (o *ScanOptions) plan(ctx context.Context, cl *cluster) (*scanPlan, error) {
	p := &scanPlan{o: o, client: cl.client, md: cl.md, scanID: strings.ToLower(utilrand.String(5)), ns: o.namespace}
	temporary := o.namespace == ""
	if temporary {
		p.ns = debugpod.NamespaceName(p.scanID)
	}
	needs := permissions.Scan(p.ns, temporary, len(o.names) > 0)
	if o.DryRun == "client" {
		needs = nodes.RequiredPermissions(len(o.names) > 0)
	}
	if _, err := access.Require(ctx, cl.client, "the node scan", needs); err != nil {
		var missing *access.MissingError
		if errors.As(err, &missing) || ctx.Err() != nil {
			return nil, err
		}
		fmt.Fprintf(o.ErrOut, "Warning: cannot check every permission of the scan: %v\n", err)
	}
	var err error
	if p.nodes, err = nodes.Resolve(ctx, cl.client, o.names, o.Selector); err != nil {
		return nil, err
	}
	var plat checks.Platform
	plat, p.nodes = detectPlatform(cl.client, p.md.ServerVersion, p.nodes, o.ErrOut)
	p.md.Platform, p.managed = platformMetadata(plat), plat.Provider
	if len(p.nodes) == 0 {
		return nil, errors.New("no node left to scan: EKS Fargate nodes cannot be scanned")
	}
	return p, chooseBenchmark(o.Benchmark, p.md.ServerVersion, &plat, &p.md, o.ErrOut)
}

func (p *scanPlan) podOptions() debugpod.Options {
	o := p.o
	privileged := o.Privileged
	return debugpod.Options{
		Image:            o.Image,
		ImagePullPolicy:  corev1.PullPolicy(o.ImagePullPolicy),
		ImagePullSecrets: o.ImagePullSecrets,
		Namespace:        o.namespace,
		ScanID:           p.scanID,
		Timeout:          o.Timeout,
		Privileged:       &privileged,
		Logs:             o.logs,
	}
}

// report scans the nodes and returns the full, unfiltered node report.
// Every pod it created is deleted when it returns, and the temporary
// namespace's deletion is requested (not awaited).
func (p *scanPlan) report(ctx context.Context) (*report.Report, error) {
	o := p.o
	rep := newReport(report.KindNodeScan, p.md)
	md := rep.Metadata
	evalOpts := checks.EvalOptions{Benchmark: md.Benchmark, Now: md.Generated, ManagedControlPlane: p.managed}
	if md.Platform != nil {
		evalOpts.Distribution = md.Platform.Distribution
	}
	targets := make([]report.TargetReport, len(p.nodes))
	index := make(map[string]int, len(p.nodes))
	for i, n := range p.nodes {
		index[n.Name] = i
	}
	// The kubelets' live /configz is read while the pods run, not one
	// node after another as each is evaluated.
	var ready []string
	for _, n := range p.nodes {
		if nodeNotReady(n) == "" {
			ready = append(ready, n.Name)
		}
	}
	liveCtx, stopLive := context.WithCancel(ctx)
	defer stopLive()
	p.live = kubeletz.StartPrefetch(liveCtx, p.client, ready, o.Parallel)
	var saveErr error
	err := p.scanNodes(ctx, func(nr debugpod.NodeResult) {
		targets[index[nr.Node]] = p.evaluateNode(ctx, nr, evalOpts, &saveErr)
	})
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted: the scan was stopped, its pods were deleted and its namespace's deletion was requested: %w", ctx.Err())
	}
	if saveErr != nil {
		return nil, fmt.Errorf("--save-evidence: %w", saveErr)
	}
	if o.SaveEvidence != "" {
		fmt.Fprintf(o.ErrOut, "Evidence saved in %s\n", o.SaveEvidence)
	}
	for i, t := range targets {
		rep.AddTarget(withProviderID(t, p.nodes[i]))
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
func (p *scanPlan) evaluateNode(ctx context.Context, nr debugpod.NodeResult, evalOpts checks.EvalOptions, saveErr *error) report.TargetReport {
	if nr.Err != nil {
		return checks.ErrorTarget(nr.Node, nr.Err, p.md.Benchmark)
	}
	p.live.Attach(ctx, nr.Evidence) // live /configz when allowed (KH-KUBELET-1)
	// Saved with the evidence, so that --from-evidence reads the same layout.
	nr.Evidence.Distribution = evalOpts.Distribution
	if dir := p.o.SaveEvidence; dir != "" && *saveErr == nil {
		if _, err := nr.Evidence.Save(dir); err != nil {
			*saveErr = err
		}
	}
	t := checks.EvaluateNode(nr.Evidence, evalOpts)
	p.progress.node(nr.Node, fmt.Sprintf("evaluated: %d results, %d FAIL", t.Summary.Total, t.Summary.Fail))
	return t
}

// scanNodes runs the debug pods on the plan's nodes, at most --parallel
// at a time, and hands each node's collection to each as soon as that
// node is done (from the scan's workers, one call at a time; Evidence is
// only valid during the call). Nodes that are not Ready get no pod: their
// result is an error naming the node's condition. When scanNodes returns,
// every pod it created is deleted and the temporary namespace's deletion
// requested. The error is for the scan as a whole (preflight, namespace);
// per-node failures are in NodeResult.Err.
func (p *scanPlan) scanNodes(ctx context.Context, each func(debugpod.NodeResult)) error {
	o := p.o
	var ready []string
	for _, n := range p.nodes {
		if why := nodeNotReady(n); why != "" {
			each(debugpod.NodeResult{Node: n.Name, Err: fmt.Errorf("node/%s is not Ready (%s): no debug pod was started", n.Name, why)})
			continue
		}
		ready = append(ready, n.Name)
	}
	if len(ready) == 0 {
		return nil
	}
	p.progress = newProgress(o.ErrOut, o.Progress)
	po := p.podOptions()
	po.Progress = func(node, phase string) {
		switch phase {
		case debugpod.PhaseDone:
			phase = "collected"
		case debugpod.PhaseDeleting:
			return
		}
		p.progress.node(node, phase)
	}
	po.Warn = p.progress.warn
	runner, err := debugpod.NewRunner(p.client, po)
	if err != nil {
		return err
	}
	defer func() {
		ns, err := runner.Close(ctx)
		switch {
		case err != nil:
			p.progress.warn(fmt.Sprintf("%v (run: kubectl harden cleanup)", err))
		case ns != "":
			p.progress.line(fmt.Sprintf("Deletion of namespace/%s requested; it terminates in the background (kubectl harden cleanup removes leftovers)", ns))
		}
	}()
	if err := runner.Prepare(ctx); err != nil {
		return err
	}
	if o.Progress {
		p.progress.line(fmt.Sprintf("Scanning %d node(s), %d at a time, in namespace/%s", len(ready), min(o.Parallel, len(ready)), runner.Namespace()))
	}
	runner.CollectEach(ctx, ready, o.Parallel, each)
	return nil
}

// progress writes progress lines to stderr: per node (with the time since
// the scan started) only when enabled, warnings and notices always. Every
// line is made inert: phases and warnings quote what a node's kubelet and
// collector said.
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
	fmt.Fprintf(p.w, "node/%s: %s (%.1fs)\n", safetext.Inert(node), safetext.Inert(phase), time.Since(p.start).Seconds())
}

func (p *progress) warn(msg string) { p.line("Warning: " + msg) }

func (p *progress) line(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, safetext.Inert(msg))
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
func (p *scanPlan) printDryRun() error {
	o := p.o
	po := p.podOptions()
	po.ScanID = "dryrun"
	var objs []runtime.Object
	if po.Namespace == "" {
		ns := debugpod.GenerateNamespace(po.ScanID)
		ns.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}
		objs = append(objs, ns)
		po.Namespace = ns.Name
	}
	for _, n := range p.nodes {
		pod := debugpod.Generate(n.Name, po)
		pod.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
		objs = append(objs, pod)
	}
	switch o.report.Format {
	case "yaml", "json", "":
		return format.PrintManifests(objs, o.report.Format, o.Out)
	}
	return fmt.Errorf("--dry-run=client prints yaml or json: -o %s is not supported with it", o.report.Format)
}

// completeNodes offers node names for shell completion.
func completeNodes(f ClientFactory, prefix string) []string {
	cs, err := f.Clientset(0, 0)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{Limit: nodes.PageSize})
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
