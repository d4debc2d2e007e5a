// Package fix turns a report into a remediation plan: for every finding,
// the change that fixes it where the effective value is decided (a static
// pod manifest flag, the kubelet's config file or drop-in directory, a
// file's mode or owner), the durable source that keeps it across a kubeadm
// upgrade or node join, its impact, and what cannot be fixed automatically
// and why. Plan generation is pure: it reads a report and the benchmark
// data and never touches a cluster or a node. A fix generator is one small
// entry per check (generators.go), keyed by the name of the check that
// produced the result, as the checks themselves are.
package fix

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// ChangeKind is the kind of one node change.
type ChangeKind string

// Node change kinds.
const (
	// SetFlag sets a flag of a static pod's command to Value.
	SetFlag ChangeKind = "set-flag"
	// AddToFlagList adds Value to a comma-separated flag list (admission
	// plugins) unless it is already there.
	AddToFlagList ChangeKind = "add-to-flag-list"
	// Mount adds a hostPath volume and its mount to a static pod.
	Mount ChangeKind = "mount"
	// WriteFile writes a file the other changes reference (an audit
	// policy, an admission configuration).
	WriteFile ChangeKind = "write-file"
	// KubeletSetting sets a KubeletConfiguration key where the kubelet
	// reads it: a drop-in of its --config-dir, else its --config file.
	KubeletSetting ChangeKind = "kubelet-setting"
	// Chmod removes the permission bits outside Mode.
	Chmod ChangeKind = "chmod"
	// Chown sets the owner to User:Group.
	Chown ChangeKind = "chown"
)

// Change is one change on a node.
type Change struct {
	Kind ChangeKind `json:"kind"`
	// Component is the static pod (kube-apiserver, ...) a flag or mount
	// change edits; Manifest its file.
	Component string `json:"component,omitempty"`
	Manifest  string `json:"manifest,omitempty"`
	Flag      string `json:"flag,omitempty"`
	// Value is the flag's value, the list item, or the kubelet value as
	// YAML.
	Value string `json:"value,omitempty"`
	// Key is a KubeletConfiguration key (top-level keys only when the
	// change edits the main file).
	Key string `json:"key,omitempty"`
	// Path is the file a chmod/chown/write-file changes, or the host path
	// of a mount.
	Path string `json:"path,omitempty"`
	// MountPath, Volume, HostPathType and ReadOnly describe a mount.
	MountPath    string `json:"mountPath,omitempty"`
	Volume       string `json:"volume,omitempty"`
	HostPathType string `json:"hostPathType,omitempty"`
	ReadOnly     bool   `json:"readOnly,omitempty"`
	// Mode is the most permissive mode of a chmod, or the mode of a
	// written file.
	Mode uint32 `json:"mode,omitempty"`
	// User and Group own a chown'd file.
	User  string `json:"user,omitempty"`
	Group string `json:"group,omitempty"`
	// Content is a written file's content.
	Content string `json:"content,omitempty"`
	// Guard makes a set-flag change a precondition: when the flag is
	// already set to another value, apply.sh stops before any change.
	Guard bool `json:"guard,omitempty"`
}

// Disposition says what the plan does with a finding.
type Disposition string

// Dispositions.
const (
	// Fixed: apply.sh changes it.
	Fixed Disposition = "fixed"
	// Decision: a fix exists but can break the cluster or needs a choice
	// only its owner can make; the plan does not write it.
	Decision Disposition = "needs a decision"
	// Manual: it cannot be fixed automatically.
	Manual Disposition = "manual"
	// Managed: the provider runs it; there is no user fix.
	Managed Disposition = "managed by the provider"
)

// Durable is a source beside the immediate fix that keeps it: a kubeadm
// patch, a ClusterConfiguration extraArgs entry, a distribution's config
// line.
type Durable struct {
	// Target names where it goes: "kubeadm ClusterConfiguration
	// apiServer.extraArgs", "kubelet-config ConfigMap", "k3s config.yaml".
	Target string `json:"target"`
	// Component is the component (kube-apiserver, kubelet) it configures.
	Component string `json:"component"`
	// Name and Value are the flag or KubeletConfiguration key and value.
	Name  string `json:"name"`
	Value string `json:"value"`
	// List is true when Value is one item of a comma-separated list flag.
	List bool `json:"list,omitempty"`
}

// Fix is what a generator returns for one finding on one target.
type Fix struct {
	Disposition Disposition `json:"disposition"`
	// Why says why it is a decision, manual or managed; for a fixed
	// finding, what the change does.
	Why string `json:"why"`
	// Impact says what restarts or which workloads are affected.
	Impact  string    `json:"impact,omitempty"`
	Changes []Change  `json:"changes,omitempty"`
	Durable []Durable `json:"durable,omitempty"`
	// Suggested is the change a decision would make, shown for review.
	Suggested string `json:"suggested,omitempty"`
	// Objects are the API objects a cluster fix changes (the owning
	// controllers, the namespaces).
	Objects []report.ObjectRef `json:"objects,omitempty"`
}

// Input is what a generator reads: the result, the control's check
// parameters, and the target and platform it was found on.
type Input struct {
	Result   report.Result
	Params   benchmarks.Params
	Target   *report.TargetReport
	Platform *report.Platform
}

// Generator makes the fix of one check's finding.
type Generator func(in Input) Fix

var generators = map[string]Generator{}

// register adds the generator of a check. Each file registers its
// generators from init().
func register(check string, g Generator) {
	if _, dup := generators[check]; dup {
		panic("fix: generator registered twice: " + check)
	}
	generators[check] = g
}

// Generators lists the checks that have a fix generator.
func Generators() []string { return slices.Sorted(maps.Keys(generators)) }

// Options select what is fixed.
type Options struct {
	// Level keeps controls of this CIS level or lower (0: all).
	Level int
	// Controls keeps matching control IDs (none: all).
	Controls report.ControlGlobs
	// Statuses are the statuses fixed (default FAIL).
	Statuses []report.Status
}

// Item is one finding of the plan and its fix.
type Item struct {
	Target      string `json:"target"`
	TargetKind  report.TargetKind
	ControlID   string `json:"controlID"`
	Benchmark   string `json:"benchmark"`
	Title       string `json:"title"`
	Status      report.Status
	Reason      string `json:"reason"`
	Check       string `json:"check"`
	Fix         Fix    `json:"fix"`
	Remediation string `json:"remediation,omitempty"`
}

// Plan is the remediation plan of a report.
type Plan struct {
	Benchmark string
	Platform  *report.Platform
	Items     []Item
	// Accepted counts the findings an exception accepted: never fixed.
	Accepted int
	// Source names the report the plan was made from.
	Source string
	// Cluster are the API objects of the plan (cluster/*.yaml and the
	// server dry run's warnings beside them), by file name.
	Cluster map[string]string
}

// controlIndex finds a result's control in the benchmark data.
func controlIndex(benchmark, id string) (benchmarks.Control, bool) {
	b, ok := benchmarks.Lookup(benchmark)
	if !ok {
		return benchmarks.Control{}, false
	}
	for _, c := range b.Controls {
		if c.ID == id {
			return c, true
		}
	}
	return benchmarks.Control{}, false
}

// Generate makes the plan of a report.
func Generate(r *report.Report, opts Options) (*Plan, error) {
	if r == nil {
		return nil, fmt.Errorf("no report")
	}
	statuses := opts.Statuses
	if len(statuses) == 0 {
		statuses = []report.Status{report.StatusFail}
	}
	p := &Plan{Benchmark: r.Metadata.Benchmark, Platform: r.Metadata.Platform, Source: r.Metadata.Source}
	for ti := range r.Targets {
		t := &r.Targets[ti]
		for _, res := range t.Results {
			if !opts.Controls.Match(res.ControlID) || (opts.Level > 0 && res.Level > opts.Level) {
				continue
			}
			if res.Status == report.StatusAccepted {
				p.Accepted++
				continue
			}
			if !slices.Contains(statuses, res.Status) {
				continue
			}
			it := Item{Target: t.Name, TargetKind: t.Kind, ControlID: res.ControlID, Benchmark: res.Benchmark,
				Title: res.Title, Status: res.Status, Reason: res.Reason, Remediation: res.Remediation}
			c, ok := controlIndex(res.Benchmark, res.ControlID)
			if !ok {
				it.Fix = Fix{Disposition: Manual, Why: "no fix generator: the control is not in the benchmark data (" + res.Benchmark + ")"}
				p.Items = append(p.Items, it)
				continue
			}
			it.Check = c.Check
			g, ok := generators[c.Check]
			if !ok {
				it.Fix = Fix{Disposition: Manual, Why: "no automatic fix for check " + c.Check + ": follow the remediation"}
			} else {
				it.Fix = g(Input{Result: res, Params: c.Params, Target: t, Platform: r.Metadata.Platform})
			}
			if err := validate(it.Fix); err != nil {
				it.Fix = Fix{Disposition: Manual, Why: "the fix was not written: " + err.Error()}
			}
			p.Items = append(p.Items, it)
		}
	}
	sort.SliceStable(p.Items, func(i, j int) bool {
		if p.Items[i].Target != p.Items[j].Target {
			return p.Items[i].Target < p.Items[j].Target
		}
		return report.CompareIDs(p.Items[i].ControlID, p.Items[j].ControlID) < 0
	})
	return p, nil
}

// Every value written into a script comes from a report, which is input:
// it must be plain enough to need no quoting at all.
var (
	safePath  = regexp.MustCompile(`^/[A-Za-z0-9._/+-]+$`)
	safeValue = regexp.MustCompile(`^[A-Za-z0-9._,:/=+\[\] -]*$`)
	safeName  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]*$`)
)

func checkPath(p string) error {
	if !safePath.MatchString(p) || strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") {
		return fmt.Errorf("path %q has characters a plan does not write", p)
	}
	return nil
}

// validate rejects a fix whose changes carry anything a shell script
// could misread.
func validate(f Fix) error {
	for _, c := range f.Changes {
		for _, p := range []string{c.Manifest, c.Path, c.MountPath} {
			if p != "" {
				if err := checkPath(p); err != nil {
					return err
				}
			}
		}
		for _, n := range []string{c.Flag, c.Volume, c.User, c.Group, c.Component, c.HostPathType} {
			if n != "" && !safeName.MatchString(n) {
				return fmt.Errorf("name %q has characters a plan does not write", n)
			}
		}
		if !safeValue.MatchString(c.Value) {
			return fmt.Errorf("value %q has characters a plan does not write", c.Value)
		}
		if c.Key != "" && !safeName.MatchString(c.Key) {
			return fmt.Errorf("key %q has characters a plan does not write", c.Key)
		}
	}
	return nil
}
