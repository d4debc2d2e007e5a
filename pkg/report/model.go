// Package report is the result model shared by every part of kubectl-harden:
// statuses, controls, observations, results and the versioned report
// document. Node checks, RBAC and workload controls all produce it and the
// printers consume it; it depends on nothing else in the module.
package report

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Status is the verdict of one control on one target.
type Status string

// The statuses a result can have. A control that could not be evaluated is
// never PASS: it is ERROR (evidence missing or unreadable) or N/A (the
// component is not on this target, or the control plane is managed).
const (
	StatusPass  Status = "PASS"
	StatusFail  Status = "FAIL"
	StatusWarn  Status = "WARN"
	StatusInfo  Status = "INFO"
	StatusNA    Status = "N/A"
	StatusError Status = "ERROR"
	// StatusAccepted is a finding (FAIL or WARN) that a live exception
	// covers: an accepted risk, with a reason, an owner and an expiry. It
	// is not PASS: the result keeps its original verdict in AcceptedStatus
	// and counts apart. It never trips --fail-on.
	StatusAccepted Status = "ACCEPTED"
)

// AllStatuses lists the statuses in their display order.
var AllStatuses = []Status{StatusFail, StatusWarn, StatusError, StatusAccepted, StatusPass, StatusInfo, StatusNA}

// ParseStatus accepts a status name in any case ("fail", "n/a", "na").
func ParseStatus(s string) (Status, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if u == "NA" {
		u = "N/A"
	}
	for _, st := range AllStatuses {
		if string(st) == u {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown status %q (want one of PASS, FAIL, WARN, INFO, N/A, ERROR, ACCEPTED)", s)
}

// Severity orders findings: FAIL is worse than WARN, and everything else
// (ACCEPTED included) is not a finding. A gate uses Trips, which also
// counts ERROR.
func (s Status) Severity() int {
	switch s {
	case StatusFail:
		return 2
	case StatusWarn:
		return 1
	}
	return 0
}

// Trips reports whether a result with this status trips a gate set at
// threshold (FAIL or WARN): a finding at or above it, or an ERROR, since a
// gate must never pass on what could not be evaluated. An empty threshold
// is no gate.
func (s Status) Trips(threshold Status) bool {
	if threshold == "" {
		return false
	}
	return s == StatusError || (s.Severity() > 0 && s.Severity() >= threshold.Severity())
}

// Role is the kind of target a control applies to.
type Role string

// Target roles. A node's roles come from the processes running on it.
const (
	RoleControlPlane Role = "control-plane"
	RoleEtcd         Role = "etcd"
	RoleWorker       Role = "worker"
	RoleCluster      Role = "cluster"
)

// Benchmark names. The benchmarks themselves are data (pkg/benchmarks);
// the tool never selects or special-cases one by name in Go.
const (
	// BenchmarkCIS112 is the ID of CIS Kubernetes Benchmark v1.12.0's data
	// file, a label for tests and fixtures that need a benchmark name.
	BenchmarkCIS112 = "cis-1.12"
	// BenchmarkHarden marks our own controls that go beyond CIS. Their IDs
	// carry the "KH-" prefix so they never collide with a CIS number.
	BenchmarkHarden = "harden"
)

// Control is the data of one control: what it is, where it applies, what it
// reads and how to fix it. The decision function lives beside it, in a
// type of the package that owns the evidence (NodeControl here, rbac.Control
// for API-level controls).
type Control struct {
	// ID is the benchmark's number ("1.2.15", "V-242387") or our own
	// "KH-..." identifier.
	ID string `json:"id"`
	// Title says what must be true, in our own words.
	Title string `json:"title"`
	// Section is the CIS section number ("1.2") or our own group.
	Section string `json:"section"`
	// Benchmark is the ID of the benchmark the control belongs to (e.g.
	// "cis-2.0"), or BenchmarkHarden for our own controls.
	Benchmark string `json:"benchmark"`
	// Level is the CIS profile level, 1 or 2.
	Level int `json:"level"`
	// Role is the kind of target the control applies to.
	Role Role `json:"role"`
	// Automated is true when the benchmark marks the control "Automated".
	// Manual controls still get evidence; their verdict is WARN unless the
	// evidence decides them.
	Automated bool `json:"automated"`
	// Needs says in words what evidence the control reads.
	Needs []string `json:"needs,omitempty"`
	// Remediation says how to fix a failure, in our own words.
	Remediation string `json:"remediation"`
	// References are links or document sections.
	References []string `json:"references,omitempty"`
	// Severity is the DISA STIG category (CAT I, CAT II, CAT III) of a
	// STIG rule; empty for CIS controls, which have levels.
	Severity string `json:"severity,omitempty"`
	// RuleID is the benchmark's own rule identifier beside ID (the STIG's
	// CNTR-K8-... ID), when it has one.
	RuleID string `json:"ruleID,omitempty"`
	// Engine is the engine that decides the control: nodes (from a
	// node's host evidence), rbac or workloads (from API objects).
	Engine string `json:"engine,omitempty"`
	// Check names the reusable check that decides the control.
	Check string `json:"check,omitempty"`
	// SectionTitle names the section ("API Server") when the benchmark data
	// names it; printers fall back to their own table.
	SectionTitle string `json:"sectionTitle,omitempty"`
	// Params are the check's parameters for this control.
	Params map[string]any `json:"params,omitempty"`
	// Source says where the control's level/automated flag (or severity)
	// were taken from.
	Source string `json:"source,omitempty"`
}

// Observation is one piece of evidence that was seen: where, and what.
// An observation about one API object names it in Object, with the
// verdict it calls for in Status: such lines are the per-object results
// that diff compares and exceptions match.
type Observation struct {
	// Location is the flag, file or object the value came from, e.g.
	// "kube-apiserver --profiling", "/etc/kubernetes/admin.conf",
	// "/var/lib/kubelet/config.yaml authentication.anonymous.enabled",
	// "clusterrolebinding/ops-admin".
	Location string `json:"location"`
	// Value is what was seen there, e.g. "false", "0600 root:root (0:0)",
	// "<unset>", "<missing>".
	Value string `json:"value"`
	// Path is the file path on the host, when the observation is about a
	// file (SARIF uses it for locations).
	Path string `json:"path,omitempty"`
	// Object is the API object the line is about, when it is about one.
	Object ObjectRef `json:"object,omitzero"`
	// Status is the verdict this line calls for on Object: FAIL or WARN
	// for a finding, INFO for one on a recognised system component or a
	// bootstrap default, ACCEPTED for a finding an exception covers.
	// Empty when Object is.
	Status Status `json:"status,omitempty"`
	// AcceptedStatus is the verdict an exception accepted (FAIL or WARN)
	// when Status is ACCEPTED.
	AcceptedStatus Status `json:"acceptedStatus,omitempty"`
	// Exception is the exception that accepted the line (Status ACCEPTED),
	// or an expired one that would have.
	Exception *ExceptionRef `json:"exception,omitempty"`
}

// String renders an observation as "location=value".
func (o Observation) String() string {
	if o.Value == "" {
		return o.Location
	}
	return o.Location + "=" + o.Value
}

// Outcome is what a decision function returns: a verdict, a one-line reason
// and the evidence behind it.
type Outcome struct {
	Status   Status        `json:"status"`
	Reason   string        `json:"reason"`
	Evidence []Observation `json:"evidence,omitempty"`
	// Omitted counts the per-object lines left out of Evidence to keep it
	// bounded: a comparison cannot tell an omitted object from a fixed one.
	Omitted int `json:"omitted,omitempty"`
}

// Found makes the outcome that of n findings on objects that should not
// be there (what names them): FAIL when one of them calls for FAIL, else
// WARN.
func (o *Outcome) Found(n int, fail bool, what string) {
	o.Status = StatusWarn
	if fail {
		o.Status = StatusFail
	}
	o.Reason = fmt.Sprintf("%d finding(s): %s", n, what)
}

// DefaultMaxEvidence is how many evidence lines a control shows when its
// engine is given no bound.
const DefaultMaxEvidence = 200

// AddEvidence appends lines to the outcome's evidence while it holds fewer
// than max lines (DefaultMaxEvidence when max <= 0); the rest are counted
// in Omitted and in one last line, "N more not shown". It reports whether
// every line was added.
func (o *Outcome) AddEvidence(max int, lines ...Observation) bool {
	if max <= 0 {
		max = DefaultMaxEvidence
	}
	for i, ob := range lines {
		if len(o.Evidence) >= max {
			o.Evidence = append(o.Evidence, Observation{Location: "…", Value: fmt.Sprintf("%d more not shown", len(lines)-i)})
			o.Omitted += len(lines) - i
			return false
		}
		o.Evidence = append(o.Evidence, ob)
	}
	return true
}

// Result is the outcome of one control on one target, with the control's
// identity denormalised so that a result stands on its own in any output.
type Result struct {
	ControlID string `json:"controlID"`
	Title     string `json:"title"`
	Section   string `json:"section"`
	Benchmark string `json:"benchmark"`
	Level     int    `json:"level"`
	Role      Role   `json:"role"`
	Automated bool   `json:"automated"`
	Severity  string `json:"severity,omitempty"`
	// RuleID is the benchmark's own rule identifier (the STIG's SV- rule).
	RuleID string `json:"ruleID,omitempty"`
	// SectionTitle names the section when the benchmark data does.
	SectionTitle string        `json:"sectionTitle,omitempty"`
	Target       string        `json:"target"`
	Status       Status        `json:"status"`
	Reason       string        `json:"reason"`
	Evidence     []Observation `json:"evidence,omitempty"`
	// Omitted counts per-object evidence lines left out (see Outcome).
	Omitted     int    `json:"omitted,omitempty"`
	Remediation string `json:"remediation,omitempty"`
	// AcceptedStatus is the verdict (FAIL or WARN) an exception accepted,
	// when Status is ACCEPTED: the raw verdict, which --ignore-exceptions
	// shows.
	AcceptedStatus Status `json:"acceptedStatus,omitempty"`
	// Exception is the exception that accepted the result (Status
	// ACCEPTED), or an expired one that no longer does (Expired true: the
	// result keeps its verdict).
	Exception *ExceptionRef `json:"exception,omitempty"`
}

// ExceptionRef is an exception as a result carries it: why the finding is
// accepted, who owns the decision, until when, and where it is written.
type ExceptionRef struct {
	// Reason is the exception's required reason.
	Reason string `json:"reason"`
	// Owner is who owns the decision, when the exception names one.
	Owner string `json:"owner,omitempty"`
	// Expires is the last day (YYYY-MM-DD, UTC) the exception applies.
	Expires string `json:"expires,omitempty"`
	// Expired is true when the exception matched but had expired: it did
	// not apply.
	Expired bool `json:"expired,omitempty"`
	// Source is FILE:LINE of the exception.
	Source string `json:"source"`
}

// Raw is the result as it was evaluated, before any exception: an
// ACCEPTED result or evidence line gets its accepted verdict back, and
// the exception annotations are dropped.
func (r Result) Raw() Result {
	if r.Status == StatusAccepted && r.AcceptedStatus != "" {
		r.Status = r.AcceptedStatus
	}
	r.AcceptedStatus, r.Exception = "", nil
	if r.Reason != "" {
		r.Reason = stripExpiredNote(r.Reason)
	}
	var ev []Observation
	for i, o := range r.Evidence {
		if o.Exception == nil && o.AcceptedStatus == "" {
			continue
		}
		if ev == nil {
			ev = append([]Observation(nil), r.Evidence...)
		}
		if o.Status == StatusAccepted && o.AcceptedStatus != "" {
			ev[i].Status = o.AcceptedStatus
		}
		ev[i].AcceptedStatus, ev[i].Exception = "", nil
	}
	if ev != nil {
		r.Evidence = ev
	}
	return r
}

// ExpiredNote is what a result's reason says after it when an exception
// that matched it has expired.
func ExpiredNote(date string) string { return " (exception expired on " + date + ")" }

func stripExpiredNote(reason string) string {
	if i := strings.LastIndex(reason, " (exception expired on "); i >= 0 && strings.HasSuffix(reason, ")") {
		return reason[:i]
	}
	return reason
}

// NewResult joins a control, a target and an outcome. FAIL and WARN results
// carry the remediation; others leave it out to keep reports short.
func NewResult(c Control, target string, o Outcome) Result {
	r := Result{
		ControlID: c.ID, Title: c.Title, Section: c.Section, Benchmark: c.Benchmark,
		Level: c.Level, Role: c.Role, Automated: c.Automated, Severity: c.Severity, RuleID: c.RuleID,
		SectionTitle: c.SectionTitle, Target: target,
		Status: o.Status, Reason: o.Reason, Evidence: o.Evidence, Omitted: o.Omitted,
	}
	if o.Status == StatusFail || o.Status == StatusWarn {
		r.Remediation = c.Remediation
	}
	return r
}

// Report API constants. The schema is documented in docs/report-schema.md and
// only grows compatibly within a version.
const (
	ReportAPIVersion = "harden.kubectl.io/v1alpha1"
	KindNodeScan     = "NodeScanReport"
	KindRBAC         = "RBACReport"
	KindWorkloads    = "WorkloadReport"
	// KindCluster is the report of `kubectl harden all`: nodes, RBAC and
	// workloads in one document.
	KindCluster       = "ClusterReport"
	ClusterTargetName = "cluster"
)

// Metadata describes where and when a report was made.
type Metadata struct {
	// Context is the kubeconfig context used ("" when evaluated offline).
	Context string `json:"context,omitempty"`
	// Server is the API server URL.
	Server string `json:"server,omitempty"`
	// ServerVersion is the cluster's gitVersion, e.g. "v1.34.4".
	ServerVersion string `json:"serverVersion,omitempty"`
	// Benchmark is the benchmark the results were evaluated against.
	Benchmark string `json:"benchmark"`
	// BenchmarkReason says why this benchmark was chosen.
	BenchmarkReason string `json:"benchmarkReason,omitempty"`
	// BenchmarkWarning is set when the server version is outside the
	// Kubernetes range of the benchmark (or could not be read): it names
	// the server version, the benchmark and its range.
	BenchmarkWarning string `json:"benchmarkWarning,omitempty"`
	// Platform is the detected platform and the facts behind it (absent
	// offline).
	Platform *Platform `json:"platform,omitempty"`
	// Generated is when the report was made.
	Generated time.Time `json:"generated"`
	// ToolVersion is the kubectl-harden version.
	ToolVersion string `json:"toolVersion"`
	// Source is "cluster" or "evidence:<path>" for offline evaluation.
	Source string `json:"source,omitempty"`
	// Exceptions is the audit of the exceptions files of the run (absent
	// when none was given).
	Exceptions *ExceptionsAudit `json:"exceptions,omitempty"`
}

// ExceptionsAudit says what the exceptions of a run did: each one's state,
// so an exception never fails silently.
type ExceptionsAudit struct {
	// Files are the exceptions files read, in order.
	Files []string `json:"files"`
	// Ignored is true with --ignore-exceptions: the results are the raw
	// verdicts and no exception applied.
	Ignored bool `json:"ignored,omitempty"`
	// Entries are the exceptions, in file order.
	Entries []ExceptionAudit `json:"entries"`
}

// Audit states of one exception.
const (
	// AuditApplied: the exception accepted at least one finding.
	AuditApplied = "applied"
	// AuditUnused: live, but it matched no finding.
	AuditUnused = "unused"
	// AuditExpired: its expiry date has passed; it accepted nothing.
	AuditExpired = "expired"
	// AuditUnknownControl: a control pattern matches no control of the
	// selected benchmarks (a typo, or another benchmark's ID).
	AuditUnknownControl = "unknown-control"
)

// ExceptionAudit is one exception and what it did in this run.
type ExceptionAudit struct {
	// Source is FILE:LINE of the exception.
	Source   string   `json:"source"`
	Controls []string `json:"controls"`
	Targets  []string `json:"targets,omitempty"`
	Objects  []string `json:"objects,omitempty"`
	Reason   string   `json:"reason"`
	Owner    string   `json:"owner,omitempty"`
	Expires  string   `json:"expires,omitempty"`
	// State is applied, unused, expired or unknown-control.
	State string `json:"state"`
	// Accepted counts the results and evidence lines it accepted.
	Accepted int `json:"accepted"`
	// ExpiresInDays is set when a live exception expires within 14 days.
	ExpiresInDays *int `json:"expiresInDays,omitempty"`
	// UnknownControls are the control patterns that match no control of
	// the selected benchmarks.
	UnknownControls []string `json:"unknownControls,omitempty"`
}

// Platform is the platform a cluster was detected to run on.
type Platform struct {
	// Name is eks, gke or aks; empty for a self-managed cluster.
	Name string `json:"name,omitempty"`
	// Provider names the managed offering, e.g. "Amazon EKS".
	Provider string `json:"provider,omitempty"`
	// Managed is true when the provider runs the control plane.
	Managed bool `json:"managed"`
	// Evidence are the facts that decided.
	Evidence []string `json:"evidence,omitempty"`
	// Skipped are nodes that were not scanned (EKS Fargate).
	Skipped []string `json:"skipped,omitempty"`
	// Distribution is the Kubernetes distribution detected (k3s, rke2,
	// k0s, openshift, talos, microk8s) with the signals that decided it;
	// absent when no distribution signal was seen (kubeadm, kind, or a
	// managed platform's own nodes).
	Distribution *Distribution `json:"distribution,omitempty"`
}

// Distribution is a detected Kubernetes distribution.
type Distribution struct {
	// ID is the distribution's ID in the data file: k3s, rke2, k0s,
	// openshift, talos or microk8s.
	ID string `json:"id"`
	// Name is its display name ("K3s").
	Name string `json:"name"`
	// LayoutEvaluated is true when the node collector reads this
	// distribution's layout. When false, control-plane and kubelet node
	// controls are ERROR with NotEvaluated as the reason.
	LayoutEvaluated bool `json:"layoutEvaluated"`
	// NotEvaluated says what the distribution's layout is and that it is
	// not evaluated yet ("" when LayoutEvaluated).
	NotEvaluated string `json:"notEvaluated,omitempty"`
	// Signals are every distribution signal seen, those of other
	// distributions included.
	Signals []DistributionSignal `json:"signals"`
	// Conflicting are the other distributions some signal named; the
	// strongest signal decided.
	Conflicting []string `json:"conflicting,omitempty"`
	// Notes say what a reader must know: conflicts, a node signal on some
	// nodes only, API groups that could not be read.
	Notes []string `json:"notes,omitempty"`
}

// DistributionSignal is one fact that names a distribution.
type DistributionSignal struct {
	// Distribution is the ID of the distribution the signal names.
	Distribution string `json:"distribution"`
	// Kind is serverVersion, apiGroup, nodeAnnotation, nodeLabel or osImage.
	Kind string `json:"kind"`
	// Detail is the fact, one sentence.
	Detail string `json:"detail"`
	// Nodes counts the nodes that show a node signal (0 for the
	// cluster-wide kinds).
	Nodes int `json:"nodes,omitempty"`
}

// Summary counts results per status.
type Summary struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Warn  int `json:"warn"`
	Info  int `json:"info"`
	NA    int `json:"na"`
	Error int `json:"error"`
	// Accepted counts the findings an exception accepted; absent when none.
	Accepted int `json:"accepted,omitempty"`
	Total    int `json:"total"`
}

// Add counts one status.
func (s *Summary) Add(st Status) {
	s.Total++
	switch st {
	case StatusPass:
		s.Pass++
	case StatusFail:
		s.Fail++
	case StatusWarn:
		s.Warn++
	case StatusInfo:
		s.Info++
	case StatusNA:
		s.NA++
	case StatusError:
		s.Error++
	case StatusAccepted:
		s.Accepted++
	}
}

// Count returns the count of one status.
func (s Summary) Count(st Status) int {
	switch st {
	case StatusPass:
		return s.Pass
	case StatusFail:
		return s.Fail
	case StatusWarn:
		return s.Warn
	case StatusInfo:
		return s.Info
	case StatusNA:
		return s.NA
	case StatusError:
		return s.Error
	case StatusAccepted:
		return s.Accepted
	}
	return 0
}

// Summarize counts a list of results.
func Summarize(rs []Result) Summary {
	var s Summary
	for _, r := range rs {
		s.Add(r.Status)
	}
	return s
}

// TargetKind is what a target is: every printer names it by its kind,
// never by guessing from its name.
type TargetKind string

// Target kinds.
const (
	// TargetNode is a node scanned from host evidence.
	TargetNode TargetKind = "node"
	// TargetCluster is the cluster's API as RBAC sees it.
	TargetCluster TargetKind = "cluster"
	// TargetWorkloads is the cluster's workloads and policies.
	TargetWorkloads TargetKind = "workloads"
)

// KubeletFacts are facts about a node's kubelet that other engines use,
// read from the node's evidence whatever the benchmark. A nil field is
// unknown.
type KubeletFacts struct {
	// SeccompDefault is the kubelet's effective seccompDefault.
	SeccompDefault *bool `json:"seccompDefault,omitempty"`
}

// NodeLayout is where a node's component settings come from.
type NodeLayout struct {
	// Manifests maps a running control-plane component (kube-apiserver,
	// kube-controller-manager, kube-scheduler, etcd) to the static pod
	// manifest found for it on the host.
	Manifests map[string]string `json:"manifests,omitempty"`
	// KubeletConfig is the kubelet's --config file ("" without one).
	KubeletConfig string `json:"kubeletConfig,omitempty"`
	// KubeletConfigDir is the kubelet's --config-dir ("" without one).
	KubeletConfigDir string `json:"kubeletConfigDir,omitempty"`
	// KubeletFlags are the names (without dashes) of the flags on the
	// kubelet's command line: a flag overrides the config file.
	KubeletFlags []string `json:"kubeletFlags,omitempty"`
	// KubeletEnvFiles are the kubelet unit's EnvironmentFiles seen on the
	// host, where command-line flags usually come from.
	KubeletEnvFiles []string `json:"kubeletEnvFiles,omitempty"`
}

// TargetReport holds the results of one target (a node, or the cluster).
type TargetReport struct {
	// Kind says what the target is. Reports written before it existed
	// leave it empty.
	Kind TargetKind `json:"kind,omitempty"`
	// Name is the node name, or "cluster".
	Name string `json:"name"`
	// ProviderID is a node's spec.providerID (aws:///us-east-1a/i-0abc),
	// when the API gave one.
	ProviderID string `json:"providerID,omitempty"`
	// Kubelet holds a node's kubelet facts, when its evidence shows them.
	Kubelet *KubeletFacts `json:"kubelet,omitempty"`
	// Layout says where a node's settings are decided (static pod
	// manifests, the kubelet's config file, drop-in directory and
	// command-line flags), so that a fix changes them where the effective
	// value comes from. Absent when the evidence shows none.
	Layout *NodeLayout `json:"layout,omitempty"`
	// Roles are the roles detected on the target, e.g. control-plane, etcd, worker.
	Roles []Role `json:"roles,omitempty"`
	// Error says why the target could not be scanned at all; its results
	// are then ERROR.
	Error string `json:"error,omitempty"`
	// Notes are facts about the target a reader should know (managed
	// control plane, kubelet config path used, ...).
	Notes   []string `json:"notes,omitempty"`
	Results []Result `json:"results"`
	Summary Summary  `json:"summary"`
}

// Ref names the target for people and other tools: node/NAME for a node,
// its name for the cluster and workloads targets (and for a target of a
// report written before kinds were recorded).
func (t TargetReport) Ref() string {
	if t.Kind == TargetNode {
		return "node/" + t.Name
	}
	return t.Name
}

// Report is the versioned document every command prints.
type Report struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   Metadata       `json:"metadata"`
	Targets    []TargetReport `json:"targets"`
	Summary    Summary        `json:"summary"`
}

// NewReport makes an empty report of a kind.
func NewReport(kind string, md Metadata) *Report {
	return &Report{APIVersion: ReportAPIVersion, Kind: kind, Metadata: md, Targets: []TargetReport{}}
}

// AddTarget appends a target, computing its summary, and adds it to the
// report's summary (in time linear in the target's results: a 5 000-node
// report is built in linear time).
func (r *Report) AddTarget(t TargetReport) {
	if t.Results == nil {
		t.Results = []Result{}
	}
	t.Summary = Summarize(t.Results)
	r.Targets = append(r.Targets, t)
	r.Summary.merge(t.Summary)
}

// merge adds the counts of o.
func (s *Summary) merge(o Summary) {
	s.Pass += o.Pass
	s.Fail += o.Fail
	s.Warn += o.Warn
	s.Info += o.Info
	s.NA += o.NA
	s.Error += o.Error
	s.Accepted += o.Accepted
	s.Total += o.Total
}

// Recount recomputes every summary from the results (after filtering).
func (r *Report) Recount() {
	r.Summary = Summary{}
	for i := range r.Targets {
		r.Targets[i].Summary = Summarize(r.Targets[i].Results)
		for _, res := range r.Targets[i].Results {
			r.Summary.Add(res.Status)
		}
	}
}

// Results returns every result of every target, in target order.
func (r *Report) Results() []Result {
	var out []Result
	for _, t := range r.Targets {
		out = append(out, t.Results...)
	}
	return out
}

// Filter keeps only the results for which keep returns true, and recounts.
func (r *Report) Filter(keep func(Result) bool) {
	for i := range r.Targets {
		kept := r.Targets[i].Results[:0]
		for _, res := range r.Targets[i].Results {
			if keep(res) {
				kept = append(kept, res)
			}
		}
		r.Targets[i].Results = kept
	}
	r.Recount()
}

// Tripping counts the results that trip a gate at threshold, and among
// them the ERROR ones (see Status.Trips).
func (r *Report) Tripping(threshold Status) (n, errors int) {
	for _, t := range r.Targets {
		for _, res := range t.Results {
			if res.Status.Trips(threshold) {
				n++
				if res.Status == StatusError {
					errors++
				}
			}
		}
	}
	return n, errors
}

// WorstSeverity is the highest Status.Severity among the results.
func (r *Report) WorstSeverity() int {
	worst := 0
	for _, t := range r.Targets {
		for _, res := range t.Results {
			if s := res.Status.Severity(); s > worst {
				worst = s
			}
		}
	}
	return worst
}

// CompareIDs orders control IDs numerically part by part ("1.2.9" < "1.2.10"),
// with our own "KH-" controls after the CIS ones.
func CompareIDs(a, b string) int {
	ak, bk := strings.HasPrefix(a, "KH-"), strings.HasPrefix(b, "KH-")
	if ak != bk {
		if ak {
			return 1
		}
		return -1
	}
	ap, bp := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(ap) && i < len(bp); i++ {
		if ap[i] == bp[i] {
			continue
		}
		var an, bn int
		_, ea := fmt.Sscanf(ap[i], "%d", &an)
		_, eb := fmt.Sscanf(bp[i], "%d", &bn)
		if ea == nil && eb == nil && an != bn {
			if an < bn {
				return -1
			}
			return 1
		}
		return strings.Compare(ap[i], bp[i])
	}
	return len(ap) - len(bp)
}

// SortControls orders controls by ID.
func SortControls(cs []Control) {
	sort.SliceStable(cs, func(i, j int) bool { return CompareIDs(cs[i].ID, cs[j].ID) < 0 })
}
