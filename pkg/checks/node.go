package checks

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// NodeControl is one node-level control: its data and one small, pure
// decision function over the evidence of one node. The engine decides
// whether the control applies to the node (roles, managed control plane,
// empty evidence) before calling Check, so Check only looks at what it reads.
type NodeControl struct {
	Control
	// Check decides the control on one node's evidence. It never returns
	// PASS for something it did not see.
	Check func(*evidence.Node) Outcome
}

// EvalOptions tunes EvaluateNode.
type EvalOptions struct {
	// Benchmark selects the catalog; "" means BenchmarkCIS112. Our own
	// BenchmarkHarden controls are evaluated with every CIS benchmark.
	Benchmark string
	// Now is the clock for certificate expiry; the zero time means time.Now().
	Now time.Time
	// ManagedControlPlane names a managed platform ("EKS", "GKE", "AKS").
	// When set, control-plane and etcd controls are N/A on every node: the
	// provider runs those components where the scan cannot see them.
	ManagedControlPlane string
}

func (o EvalOptions) clock() func() time.Time {
	if o.Now.IsZero() {
		return time.Now
	}
	now := o.Now
	return func() time.Time { return now }
}

// catalog builds the node controls of a benchmark profile plus our own KH-
// controls, with a clock for the time-dependent ones, sorted by ID. It is
// rebuilt per evaluation so the clock stays injectable while Check keeps
// its simple signature. BenchmarkHarden gives our own controls only.
func catalog(benchmark string, now func() time.Time) []NodeControl {
	var all []NodeControl
	if p, ok := LookupProfile(benchmark); ok {
		all = append(all, profileNodeControls(p)...)
	}
	all = append(all, hardenPKI(now)...)
	all = append(all, hardenKubelet()...)
	sort.SliceStable(all, func(i, j int) bool { return CompareIDs(all[i].ID, all[j].ID) < 0 })
	return all
}

// legacyCIS112 are the Go constructors of the CIS 1.12 decisions, from
// which the registry's bespoke checks are taken.
func legacyCIS112() []NodeControl {
	var all []NodeControl
	for _, part := range [][]NodeControl{
		cis11Files(), cis12APIServer(), cis13ControllerManager(), cis14Scheduler(),
		cis2Etcd(), cis3ControlPlane(), cis41WorkerFiles(), cis42Kubelet(), cis43Proxy(),
	} {
		all = append(all, part...)
	}
	return all
}

// KnownBenchmarks lists the benchmarks this build implements: every
// embedded profile, then BenchmarkHarden (our own controls only).
func KnownBenchmarks() []string {
	var out []string
	for _, p := range Profiles() {
		out = append(out, p.ID)
	}
	return append(out, BenchmarkHarden)
}

// ValidateBenchmark returns an error for a benchmark name this build does
// not implement ("" is accepted and means cis-1.12).
func ValidateBenchmark(name string) error {
	if name == "" {
		return nil
	}
	for _, b := range KnownBenchmarks() {
		if name == b {
			return nil
		}
	}
	return fmt.Errorf("unknown benchmark %q (known: %s)", name, strings.Join(KnownBenchmarks(), ", "))
}

// NodeControls returns the node controls of a benchmark sorted by ID.
// A benchmark ("" means cis-1.12) includes our own KH- controls, which
// always run; BenchmarkHarden returns only ours. An unknown benchmark
// returns nil.
func NodeControls(benchmark string) []NodeControl {
	return selectControls(benchmark, time.Now)
}

func selectControls(benchmark string, now func() time.Time) []NodeControl {
	if benchmark == "" {
		benchmark = BenchmarkCIS112
	}
	if ValidateBenchmark(benchmark) != nil {
		return nil
	}
	return catalog(benchmark, now)
}

// Catalog returns the metadata of every node control of cis-1.12 and of
// our own controls, sorted by ID. BenchmarkCatalog gives other benchmarks.
func Catalog() []Control {
	all := catalog(BenchmarkCIS112, time.Now)
	out := make([]Control, len(all))
	for i, c := range all {
		out[i] = c.Control
	}
	return out
}

// RolesOf derives a node's roles from its running processes: control-plane
// when any of kube-apiserver, kube-controller-manager or kube-scheduler
// runs, etcd when etcd runs, worker when a kubelet runs (control-plane nodes
// usually run one too).
func RolesOf(ev *evidence.Node) []Role {
	var roles []Role
	if ev.Has(evidence.APIServer) || ev.Has(evidence.ControllerManager) || ev.Has(evidence.Scheduler) {
		roles = append(roles, RoleControlPlane)
	}
	if ev.Has(evidence.Etcd) {
		roles = append(roles, RoleEtcd)
	}
	if ev.Has(evidence.Kubelet) {
		roles = append(roles, RoleWorker)
	}
	return roles
}

// absentRoleOutcome says why a control of a role does not apply. A missing
// kubelet is an ERROR, not N/A: every node runs one, so not seeing it means
// the evidence is incomplete (e.g. a kubelet embedded in k3s/rke2) and the
// worker controls were not evaluated.
func absentRoleOutcome(r Role) Outcome {
	switch r {
	case RoleControlPlane:
		return Outcome{Status: StatusNA, Reason: "kube-apiserver is not running on this node"}
	case RoleEtcd:
		return Outcome{Status: StatusNA, Reason: "etcd is not running on this node"}
	case RoleWorker:
		return Outcome{Status: StatusError, Reason: "no kubelet process was found, although every node runs one (it may be embedded in another process such as k3s or rke2): worker controls not evaluated"}
	}
	return Outcome{Status: StatusNA, Reason: fmt.Sprintf("role %s does not apply to a node", r)}
}

func nodeName(ev *evidence.Node) string {
	if ev == nil || ev.NodeName == "" {
		return "<unknown>"
	}
	return ev.NodeName
}

// EvaluateNode runs every control of opts.Benchmark on one node's evidence
// and returns the node's report: roles, notes and results sorted by ID.
// Evidence that is nil or holds no component process at all gives ERROR for
// every control, never PASS.
func EvaluateNode(ev *evidence.Node, opts EvalOptions) TargetReport {
	bench := opts.Benchmark
	if bench == "" {
		bench = BenchmarkCIS112
	}
	tr := TargetReport{Kind: targetNode, Name: nodeName(ev), Results: []Result{}}
	if err := ValidateBenchmark(bench); err != nil {
		tr.Error = err.Error()
		tr.Summary = Summarize(tr.Results)
		return tr
	}
	controls := selectControls(bench, opts.clock())
	if p, ok := LookupProfile(bench); ok && opts.ManagedControlPlane == "" {
		opts.ManagedControlPlane = p.Managed
	}

	var empty string
	switch {
	case ev == nil:
		empty = "no evidence was collected from the node"
	case len(ev.Processes) == 0:
		empty = "the evidence holds no Kubernetes component process (collection failed or the node runs none): nothing could be evaluated"
	}
	if empty != "" {
		tr.Error = empty
		for _, c := range controls {
			tr.Results = append(tr.Results, NewResult(c.Control, tr.Name, Outcome{Status: StatusError, Reason: empty}))
		}
		tr.Summary = Summarize(tr.Results)
		return tr
	}

	tr.Roles = RolesOf(ev)
	tr.Notes = nodeNotes(ev, opts)
	tr.Kubelet = KubeletFacts(ev)
	for _, c := range controls {
		tr.Results = append(tr.Results, NewResult(c.Control, tr.Name, decide(c, ev, tr.Roles, opts)))
	}
	tr.Summary = Summarize(tr.Results)
	return tr
}

// decide applies the engine's gates, then the control's own Check.
func decide(c NodeControl, ev *evidence.Node, roles []Role, opts EvalOptions) (o Outcome) {
	if opts.ManagedControlPlane != "" && (c.Role == RoleControlPlane || c.Role == RoleEtcd) {
		return Outcome{Status: StatusNA, Reason: "control plane is managed by " + opts.ManagedControlPlane}
	}
	if !slices.Contains(roles, c.Role) {
		return absentRoleOutcome(c.Role)
	}
	defer func() {
		// A decision function must never take the whole scan down; a bug
		// in one becomes an ERROR of that control.
		if r := recover(); r != nil {
			o = Outcome{Status: StatusError, Reason: fmt.Sprintf("internal error evaluating %s: %v", c.ID, r)}
		}
	}()
	o = c.Check(ev)
	if o.Status == "" {
		o = Outcome{Status: StatusError, Reason: "internal error: control " + c.ID + " returned no status"}
	}
	return o
}

// nodeNotes are the facts a reader needs to trust the node's results.
func nodeNotes(ev *evidence.Node, opts EvalOptions) []string {
	var notes []string
	if opts.ManagedControlPlane != "" {
		notes = append(notes, "control plane is managed by "+opts.ManagedControlPlane+": control-plane and etcd controls are N/A")
	}
	if ev.Has(evidence.Kubelet) {
		kc := loadKubeletConfig(ev)
		notes = append(notes, "kubelet config: "+kc.describe())
	}
	if ev.Has(evidence.KubeProxy) {
		if p, how := proxyConfigPath(ev); p != "" {
			notes = append(notes, "kube-proxy config: "+p+" ("+how+")")
		} else {
			notes = append(notes, "kube-proxy config: none (no --config flag; command-line flags and defaults apply)")
		}
	}
	if len(ev.Users) == 0 {
		notes = append(notes, "host users (/etc/passwd) were not collected: owners are shown by number only")
	}
	for _, w := range ev.Warnings {
		notes = append(notes, "collector: "+w)
	}
	return notes
}

// ErrorTarget makes the report of a node that could not be scanned at all:
// every control of the benchmark is ERROR with err as the reason.
func ErrorTarget(node string, err error, benchmark string) TargetReport {
	if benchmark == "" {
		benchmark = BenchmarkCIS112
	}
	msg := "node could not be scanned"
	if err != nil {
		msg = "node could not be scanned: " + err.Error()
	}
	tr := TargetReport{Kind: targetNode, Name: node, Error: msg, Results: []Result{}}
	for _, c := range selectControls(benchmark, time.Now) {
		tr.Results = append(tr.Results, NewResult(c.Control, node, Outcome{Status: StatusError, Reason: msg}))
	}
	tr.Summary = Summarize(tr.Results)
	return tr
}
