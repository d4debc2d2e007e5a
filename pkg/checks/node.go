package checks

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
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
	// Benchmark selects the controls: an ID, a family (its newest
	// edition) or "" (the default benchmark, benchmarks.Resolve). Our own
	// KH- controls are evaluated with every benchmark.
	Benchmark string
	// Now is the clock for certificate expiry; the zero time means time.Now().
	Now time.Time
	// ManagedControlPlane names a managed platform ("EKS", "GKE", "AKS").
	// When set, control-plane and etcd controls are N/A on every node: the
	// provider runs those components where the scan cannot see them.
	ManagedControlPlane string
	// Distribution is the distribution detected on the cluster (nil: the
	// one the evidence carries, if any; else none, and the node is read as
	// kubeadm lays it out). When its layout is not
	// evaluated, every node control is ERROR with the distribution's
	// reason (control-plane and etcd controls stay N/A under a managed
	// control plane): the collector reads kubeadm's layout, and judging
	// another layout as if it were kubeadm's would misjudge it.
	Distribution *report.Distribution
}

// layoutNotEvaluated is the reason every node control is ERROR on a
// distribution whose layout is not read yet ("" otherwise).
func (o EvalOptions) layoutNotEvaluated() string {
	d := o.Distribution
	if d == nil || d.LayoutEvaluated {
		return ""
	}
	return fmt.Sprintf("distribution %s detected: %s; this control is not evaluated on it", d.Name, d.NotEvaluated)
}

func (o EvalOptions) clock() func() time.Time {
	if o.Now.IsZero() {
		return time.Now
	}
	now := o.Now
	return func() time.Time { return now }
}

// catalog builds the node controls of a benchmark plus our own KH-
// controls, with a clock for the time-dependent ones, sorted by ID. It is
// rebuilt per evaluation so the clock stays injectable while Check keeps
// its simple signature. The harden benchmark has no controls: ours only.
func catalog(b *benchmarks.Benchmark, now func() time.Time) []NodeControl {
	all := append([]NodeControl(nil), benchmarkControls(b)...)
	all = append(all, ownControls(now)...)
	sort.SliceStable(all, func(i, j int) bool { return CompareIDs(all[i].ID, all[j].ID) < 0 })
	return all
}

// resolved caches the node controls of each benchmark: the data is
// embedded and the checks are registered at init, so they never change.
var resolved sync.Map // benchmark ID -> []NodeControl

// benchmarkControls are a benchmark's node controls bound to their checks.
func benchmarkControls(b *benchmarks.Benchmark) []NodeControl {
	if cs, ok := resolved.Load(b.ID); ok {
		return cs.([]NodeControl)
	}
	var cs []NodeControl
	for _, c := range b.ControlsOf(benchmarks.EngineNodes) {
		cs = append(cs, nodeControl(b.ID, c))
	}
	resolved.Store(b.ID, cs)
	return cs
}

// ownControls are our own KH- node controls, evaluated with every benchmark.
func ownControls(now func() time.Time) []NodeControl {
	return append(hardenPKI(now), hardenKubelet()...)
}

// nodeControl binds a benchmark's control to its registered check. A
// control whose check does not resolve (a defect of the data, which the
// tests rule out) is ERROR on every node rather than a crash.
func nodeControl(benchmark string, c benchmarks.Control) NodeControl {
	meta := c.Report(benchmark)
	_, eval, err := registry.Resolve(c)
	if err != nil {
		reason := "benchmark " + benchmark + ": " + err.Error()
		return NodeControl{Control: meta, Check: func(*evidence.Node) Outcome { return errorOutcome(reason) }}
	}
	if c.NotApplicable != "" {
		why := c.NotApplicable
		return NodeControl{Control: meta, Check: func(*evidence.Node) Outcome { return notApplicable(why) }}
	}
	params := c.Params
	return NodeControl{Control: meta, Check: func(ev *evidence.Node) Outcome { return eval(params, ev) }}
}

// NodeControls returns the node controls of a benchmark (an ID, a family
// or "" for the default, as benchmarks.Resolve reads it) sorted by ID,
// with our own KH- controls, which always run; the harden benchmark gives
// only ours. An unknown benchmark returns nil.
func NodeControls(benchmark string) []NodeControl {
	return selectControls(benchmark, time.Now)
}

func selectControls(benchmark string, now func() time.Time) []NodeControl {
	b, err := benchmarks.Resolve(benchmark)
	if err != nil {
		return nil
	}
	return catalog(b, now)
}

// OwnCatalog returns the metadata of our own KH- node controls.
func OwnCatalog() []Control {
	all := ownControls(time.Now)
	out := make([]Control, len(all))
	for i, c := range all {
		out[i] = c.Control
	}
	report.SortControls(out)
	return out
}

// RolesOf derives a node's roles from its running processes: control-plane
// when any of kube-apiserver, kube-controller-manager or kube-scheduler
// runs, etcd when etcd runs, worker when a kubelet runs (control-plane nodes
// usually run one too).
func RolesOf(ev *evidence.Node) []Role {
	var roles []Role
	// A component embedded in a distribution's process whose arguments
	// could not be established still gives its role: its controls are
	// then ERROR saying what is missing, never N/A "not running".
	runs := func(c evidence.Component) bool { return ev.Has(c) || (ev != nil && ev.NotEstablished[c] != "") }
	if runs(evidence.APIServer) || runs(evidence.ControllerManager) || runs(evidence.Scheduler) {
		roles = append(roles, RoleControlPlane)
	}
	if runs(evidence.Etcd) {
		roles = append(roles, RoleEtcd)
	}
	if runs(evidence.Kubelet) {
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
	tr := TargetReport{Kind: targetNode, Name: nodeName(ev), Results: []Result{}}
	b, err := benchmarks.Resolve(opts.Benchmark)
	if err != nil {
		tr.Error = err.Error()
		tr.Summary = Summarize(tr.Results)
		return tr
	}
	controls := catalog(b, opts.clock())
	if opts.Distribution == nil && ev != nil {
		// Saved evidence carries the distribution detected when it was
		// collected (scan --from-evidence).
		opts.Distribution = ev.Distribution
	}
	if opts.ManagedControlPlane == "" {
		opts.ManagedControlPlane = b.Managed
	}

	if why := opts.layoutNotEvaluated(); why != "" {
		// Nothing the collector found is read as if the node were
		// kubeadm's: not the processes (an embedded kubelet is not seen)
		// and not the files (at kubeadm's paths).
		tr.Notes = append(tr.Notes, why)
		if opts.ManagedControlPlane != "" {
			tr.Notes = append(tr.Notes, "control plane is managed by "+opts.ManagedControlPlane+": control-plane and etcd controls are N/A")
		}
		for _, c := range controls {
			o := Outcome{Status: StatusError, Reason: why}
			if opts.ManagedControlPlane != "" && (c.Role == RoleControlPlane || c.Role == RoleEtcd) {
				o = Outcome{Status: StatusNA, Reason: "control plane is managed by " + opts.ManagedControlPlane}
			}
			tr.Results = append(tr.Results, NewResult(c.Control, tr.Name, o))
		}
		tr.Summary = Summarize(tr.Results)
		return tr
	}

	// The distribution's layout read into the shape the controls judge
	// (embedded components, arguments from logs and config files).
	ev, layoutNotes := applyLayout(ev, opts.Distribution)
	var empty string
	switch {
	case ev != nil && len(ev.Processes) == 0 && len(ev.NotEstablished) > 0:
		// Components run embedded but none could be read: each control
		// says what is missing.
	case ev == nil:
		empty = "no evidence was collected from the node"
	case len(ev.Processes) == 0 && ev.TruncatedAt > 0:
		empty = fmt.Sprintf("the collector's output reached its size bound after %d bytes before any Kubernetes component process was recorded (the node holds more than the bound in the files the collector reads, such as certificates; see its warnings): nothing could be evaluated", ev.TruncatedAt)
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
	tr.Notes = append(layoutNotes, nodeNotes(ev, opts)...)
	tr.Kubelet = KubeletFacts(ev)
	tr.Layout = Layout(ev)
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
	// The distribution's layout decides first: a control that does not
	// apply to it is N/A with its reason even where the component is
	// absent (MicroK8s runs no etcd at all).
	if l := layoutOf(opts.Distribution); l != nil {
		locate, _ := c.Params["locate"].(string)
		if why := l.NotApplicableTo(c.Control.Check, locate, string(c.Role)); why != "" {
			return Outcome{Status: StatusNA, Reason: why}
		}
		if why := l.NotEvaluatedFor(c.Control.Check, locate, string(c.Role)); why != "" && slices.Contains(roles, c.Role) {
			return Outcome{Status: StatusError, Reason: why}
		}
	}
	if !slices.Contains(roles, c.Role) {
		if o, ok := kubeletByDesign(ev, layoutOf(opts.Distribution), c.Role); ok {
			return o
		}
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
