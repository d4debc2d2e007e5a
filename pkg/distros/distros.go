// Package distros recognises Kubernetes distributions (k3s, RKE2, k0s,
// OpenShift, Talos, MicroK8s) from what the API says about the cluster: the
// server's gitVersion, the API groups it serves and its Node objects. The
// distributions, their signals and whether the node collector reads their
// layout are data (data/distributions.yaml), not code.
package distros

import (
	"embed"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

//go:embed data/distributions.yaml
var files embed.FS

// Distribution is one entry of the data file.
type Distribution struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Signals Signals  `json:"signals"`
	Layout  Layout   `json:"layout"`
	Sources []string `json:"sources"`
}

// Signals are the facts that name a distribution.
type Signals struct {
	// ServerVersion are substrings of the API server's gitVersion.
	ServerVersion []string `json:"serverVersion,omitempty"`
	// APIGroups are API groups only the distribution serves.
	APIGroups []string `json:"apiGroups,omitempty"`
	// NodeAnnotations and NodeLabels are "key" or "key=value".
	NodeAnnotations []string `json:"nodeAnnotations,omitempty"`
	NodeLabels      []string `json:"nodeLabels,omitempty"`
	// OSImage are prefixes of status.nodeInfo.osImage.
	OSImage []string `json:"osImage,omitempty"`
}

// Layout says whether and how the node evaluation reads the
// distribution's layout.
type Layout struct {
	Evaluated bool `json:"evaluated"`
	// Reason says what the layout is and that it is not evaluated yet
	// (required when Evaluated is false).
	Reason string `json:"reason,omitempty"`
	// Summary says in one sentence where the distribution keeps each
	// component and its settings (the README table and the node notes).
	Summary string `json:"summary,omitempty"`
	// Arguments says where the embedded components' arguments are read
	// when they are not processes of their own: ArgumentsK3sLog (the
	// "Running <component>" lines k3s logs) or ArgumentsMicroK8s (the
	// arguments files kubelite reads). "" when every component is a
	// process whose command line is read.
	Arguments string `json:"arguments,omitempty"`
	// Supervisor is the distribution's process (evidence.Supervisor*).
	Supervisor string `json:"supervisor,omitempty"`
	// Config and ConfigDir are the distribution's config file and its
	// drop-in directory whose *-arg keys set component flags (k3s, RKE2).
	Config    string `json:"config,omitempty"`
	ConfigDir string `json:"configDir,omitempty"`
	// EtcdConfig is the etcd config file holding the whole configuration
	// of the etcd the distribution runs (RKE2 --config-file, k3s embedded).
	EtcdConfig string `json:"etcdConfig,omitempty"`
	// PKIDir is the distribution's Kubernetes PKI directory.
	PKIDir string `json:"pkiDir,omitempty"`
	// NotApplicable are the controls that do not apply to the layout:
	// those whose file locator (a file.* check's locate parameter) or
	// whose check is named, each with the reason.
	NotApplicable []NotApplicable `json:"notApplicable,omitempty"`
	// NotEvaluated are the controls of the layout whose evidence the scan
	// does not read yet: ERROR with the reason (same shape).
	NotEvaluated []NotApplicable `json:"notEvaluated,omitempty"`
	// KubeletOnlyWith says when the distribution's supervisor runs no
	// kubelet by design (k0s controller without --enable-worker): nil when
	// every node of the distribution runs one.
	KubeletOnlyWith *KubeletOnlyWith `json:"kubeletOnlyWith,omitempty"`
}

// KubeletOnlyWith names the supervisor commands that start a kubelet only
// when one of Flags is given. Without them the worker controls are N/A
// with Reason; with one, a missing kubelet stays an ERROR naming the flag.
type KubeletOnlyWith struct {
	// Commands are the supervisor's subcommands (its first non-flag
	// argument), e.g. "controller".
	Commands []string `json:"commands"`
	// Flags are the flag names (without dashes) that add the worker.
	Flags  []string `json:"flags"`
	Reason string   `json:"reason"`
}

// Ways the embedded components' arguments are read (Layout.Arguments).
const (
	ArgumentsK3sLog   = "k3s-log"
	ArgumentsMicroK8s = "microk8s-args"
)

// NotApplicable is a control that does not apply to a layout: the controls
// whose file locator is Locate, whose check is Check, or whose role is Role.
type NotApplicable struct {
	Locate string `json:"locate,omitempty"`
	Check  string `json:"check,omitempty"`
	// Role names every control of a role (etcd on a distribution without
	// etcd).
	Role   string `json:"role,omitempty"`
	Reason string `json:"reason"`
}

// NotApplicableTo returns the reason a control of check with a file
// locator (locate, "" for none) does not apply to the layout ("" when it
// applies).
func (l Layout) NotApplicableTo(check, locate, role string) string {
	return matchControl(l.NotApplicable, check, locate, role)
}

// NotEvaluatedFor returns why a control is not evaluated on the layout
// ("" when it is).
func (l Layout) NotEvaluatedFor(check, locate, role string) string {
	return matchControl(l.NotEvaluated, check, locate, role)
}

func matchControl(list []NotApplicable, check, locate, role string) string {
	for _, na := range list {
		if (na.Locate != "" && na.Locate == locate) || (na.Check != "" && na.Check == check) || (na.Role != "" && na.Role == role) {
			return na.Reason
		}
	}
	return ""
}

// Signal kinds, strongest first (report.DistributionSignal.Kind).
const (
	KindServerVersion  = "serverVersion"
	KindAPIGroup       = "apiGroup"
	KindNodeAnnotation = "nodeAnnotation"
	KindNodeLabel      = "nodeLabel"
	KindOSImage        = "osImage"
)

// strength orders the kinds: cluster-wide facts of the API server beat
// what nodes say, and node keys set by the distribution beat an OS name.
var strength = map[string]int{KindServerVersion: 3, KindAPIGroup: 3, KindNodeAnnotation: 2, KindNodeLabel: 2, KindOSImage: 1}

// Parse parses and validates the data file.
func Parse(data []byte) ([]*Distribution, error) {
	var f struct {
		Distributions []*Distribution `json:"distributions"`
	}
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, fmt.Errorf("distributions: %w", err)
	}
	seen := map[string]bool{}
	for _, d := range f.Distributions {
		if d == nil {
			return nil, fmt.Errorf("distributions: an empty entry")
		}
		s := d.Signals
		switch {
		case d.ID == "" || d.Name == "" || len(d.Sources) == 0:
			return nil, fmt.Errorf("distributions: id, name and sources are required (entry %q)", d.ID)
		case seen[d.ID]:
			return nil, fmt.Errorf("distributions: duplicate id %s", d.ID)
		case len(s.ServerVersion)+len(s.APIGroups)+len(s.NodeAnnotations)+len(s.NodeLabels)+len(s.OSImage) == 0:
			return nil, fmt.Errorf("distributions: %s has no signal", d.ID)
		case !d.Layout.Evaluated && d.Layout.Reason == "":
			return nil, fmt.Errorf("distributions: %s: layout.reason is required when layout.evaluated is false", d.ID)
		case d.Layout.Evaluated && d.Layout.Summary == "":
			return nil, fmt.Errorf("distributions: %s: layout.summary is required when layout.evaluated is true", d.ID)
		}
		if k := d.Layout.KubeletOnlyWith; k != nil && (d.Layout.Supervisor == "" || len(k.Commands) == 0 || len(k.Flags) == 0 || k.Reason == "") {
			return nil, fmt.Errorf("distributions: %s: layout.kubeletOnlyWith needs layout.supervisor, commands, flags and a reason", d.ID)
		}
		switch d.Layout.Arguments {
		case "", ArgumentsK3sLog, ArgumentsMicroK8s:
		default:
			return nil, fmt.Errorf("distributions: %s: unknown layout.arguments %q", d.ID, d.Layout.Arguments)
		}
		for _, na := range append(append([]NotApplicable(nil), d.Layout.NotApplicable...), d.Layout.NotEvaluated...) {
			named := 0
			for _, v := range []string{na.Locate, na.Check, na.Role} {
				if v != "" {
					named++
				}
			}
			if named != 1 || na.Reason == "" {
				return nil, fmt.Errorf("distributions: %s: a notApplicable entry names one locate, check or role, and a reason", d.ID)
			}
		}
		for _, list := range [][]string{s.ServerVersion, s.APIGroups, s.NodeAnnotations, s.NodeLabels, s.OSImage} {
			for _, v := range list {
				if strings.TrimSpace(v) == "" {
					return nil, fmt.Errorf("distributions: %s has an empty signal", d.ID)
				}
			}
		}
		seen[d.ID] = true
	}
	if len(f.Distributions) == 0 {
		return nil, fmt.Errorf("distributions: none")
	}
	return f.Distributions, nil
}

var all = sync.OnceValues(func() ([]*Distribution, error) {
	data, err := files.ReadFile("data/distributions.yaml")
	if err != nil {
		return nil, err
	}
	return Parse(data)
})

// All returns the embedded distributions in file order. Tests validate the
// data, so a failure here is a build defect.
func All() []*Distribution {
	ds, err := all()
	if err != nil {
		panic(err)
	}
	return ds
}

// Lookup returns the distribution of an ID.
func Lookup(id string) (*Distribution, bool) {
	for _, d := range All() {
		if d.ID == id {
			return d, true
		}
	}
	return nil, false
}

// Node is what detection reads of one Node object.
type Node struct {
	Name        string
	Labels      map[string]string
	Annotations map[string]string
	// OSImage is status.nodeInfo.osImage.
	OSImage string
}

// Facts are the API facts detection reads.
type Facts struct {
	// GitVersion is the API server's version.
	GitVersion string
	// APIGroups are the groups the server serves; nil when discovery was
	// not read (then no API-group signal can be seen, and Notes says so).
	APIGroups []string
	// APIGroupsError says why the groups could not be read ("" if read).
	APIGroupsError string
	Nodes          []Node
}

// maxNodesNamed bounds the node names a signal lists.
const maxNodesNamed = 5

// Detect decides the distribution from the facts, or returns nil when no
// distribution signal is seen (kubeadm, kind and the managed platforms,
// which DetectPlatform decides). Every signal found is reported, those of
// other distributions too; when signals name more than one distribution
// the strongest kind decides (ties: file order), and Conflicting names the
// others. A node signal seen on only some nodes says on how many.
func Detect(f Facts) *report.Distribution {
	type hit struct {
		d     *Distribution
		kind  string
		what  string
		nodes []string
	}
	var hits []*hit
	for _, d := range All() {
		s := d.Signals
		for _, sub := range s.ServerVersion {
			if strings.Contains(f.GitVersion, sub) {
				hits = append(hits, &hit{d: d, kind: KindServerVersion, what: fmt.Sprintf("server version %s contains %q", f.GitVersion, sub)})
			}
		}
		for _, g := range s.APIGroups {
			for _, have := range f.APIGroups {
				if have == g {
					hits = append(hits, &hit{d: d, kind: KindAPIGroup, what: fmt.Sprintf("the server serves the API group %s", g)})
				}
			}
		}
		nodeSignal := func(kind, what string, match func(Node) bool) {
			var names []string
			for _, n := range f.Nodes {
				if match(n) {
					names = append(names, n.Name)
				}
			}
			if len(names) > 0 {
				hits = append(hits, &hit{d: d, kind: kind, what: what, nodes: names})
			}
		}
		for _, k := range s.NodeAnnotations {
			nodeSignal(KindNodeAnnotation, "annotation "+k, func(n Node) bool { return matchKey(n.Annotations, k) })
		}
		for _, k := range s.NodeLabels {
			nodeSignal(KindNodeLabel, "label "+k, func(n Node) bool { return matchKey(n.Labels, k) })
		}
		for _, p := range s.OSImage {
			nodeSignal(KindOSImage, fmt.Sprintf("osImage starting %q", p), func(n Node) bool { return strings.HasPrefix(n.OSImage, p) })
		}
	}
	if len(hits) == 0 {
		return nil
	}
	// The decision: the distribution with the strongest signal; of equal
	// strength, the first in the data file (hits are in file order).
	best := hits[0]
	for _, h := range hits[1:] {
		if strength[h.kind] > strength[best.kind] {
			best = h
		}
	}
	out := &report.Distribution{ID: best.d.ID, Name: best.d.Name, LayoutEvaluated: best.d.Layout.Evaluated}
	if !best.d.Layout.Evaluated {
		out.NotEvaluated = best.d.Layout.Reason
	}
	others := map[string][]string{} // distribution -> kinds of its signals
	for _, h := range hits {
		sig := report.DistributionSignal{Distribution: h.d.ID, Kind: h.kind, Detail: h.what}
		if h.nodes != nil {
			sig.Nodes = len(h.nodes)
			named := h.nodes
			if len(named) > maxNodesNamed {
				named = named[:maxNodesNamed]
			}
			sig.Detail = fmt.Sprintf("%s on %d of %d node(s): %s", h.what, len(h.nodes), len(f.Nodes), strings.Join(named, ", "))
			if len(h.nodes) > maxNodesNamed {
				sig.Detail += ", …"
			}
			if h.d == best.d && len(h.nodes) < len(f.Nodes) {
				out.Notes = append(out.Notes, fmt.Sprintf("%s: %s is on %d of %d node(s) only", h.d.ID, h.what, len(h.nodes), len(f.Nodes)))
			}
		}
		out.Signals = append(out.Signals, sig)
		if h.d != best.d && !slices.Contains(others[h.d.ID], h.kind) {
			others[h.d.ID] = append(others[h.d.ID], h.kind)
		}
	}
	var seen []string
	for id, kinds := range others {
		out.Conflicting = append(out.Conflicting, id)
		seen = append(seen, fmt.Sprintf("%s (%s)", id, strings.Join(kinds, ", ")))
	}
	sort.Strings(out.Conflicting)
	sort.Strings(seen)
	if len(seen) > 0 {
		how := fmt.Sprintf("its stronger %s signal", best.kind)
		for _, h := range hits {
			if h.d != best.d && strength[h.kind] == strength[best.kind] {
				how = fmt.Sprintf("its %s signal, of the same strength as another's: the first in the data file decides", best.kind)
			}
		}
		out.Notes = append(out.Notes, fmt.Sprintf("conflicting distribution signals: %s also seen; %s decided by %s",
			strings.Join(seen, ", "), best.d.ID, how))
	}
	if f.APIGroupsError != "" {
		out.Notes = append(out.Notes, "API groups not read ("+f.APIGroupsError+"): an API-group signal (OpenShift) could not be seen")
	}
	return out
}

// matchKey says whether m has key k ("key") or k's value ("key=value").
func matchKey(m map[string]string, k string) bool {
	key, val, withVal := strings.Cut(k, "=")
	v, ok := m[key]
	return ok && (!withVal || v == val)
}
