// Package benchmarks is the benchmark layer of kubectl-harden: every
// benchmark (CIS Kubernetes, CIS EKS/GKE/AKS, the DISA STIG) is a data file
// under data/ listing its controls — node, RBAC and workload alike — with
// their metadata and the named check, with parameters, that decides each.
// The engines (pkg/checks for nodes, pkg/rbac, pkg/workloads) register
// their checks in a Registry and evaluate the controls of the engine they
// are named for; no benchmark is special in Go. Each file also carries the
// Kubernetes range it was written for, from which Select chooses the
// benchmark of a cluster.
//
// Adding a benchmark, or a new edition of one, is adding a data file (and
// its tests): no Go code changes.
package benchmarks

import (
	"embed"
	"fmt"
	"path"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

//go:embed data/*.yaml
var files embed.FS

// Harden names our own controls (IDs KH-...): every engine evaluates its
// own with every benchmark; --benchmark harden reports them alone.
const Harden = report.BenchmarkHarden

// Benchmark is one benchmark's data file.
type Benchmark struct {
	// ID is the name used with --benchmark, e.g. "cis-2.0".
	ID string `json:"id"`
	// Title is the benchmark's full name and edition.
	Title string `json:"title"`
	// Family groups the editions of one benchmark ("cis", "stig",
	// "cis-eks"); --benchmark FAMILY means its newest edition.
	Family string `json:"family"`
	// Version orders the editions of a family ("1.12.0" < "2.0.1").
	Version string `json:"version"`
	// Platform is "" for any cluster, else eks, gke or aks: the platform
	// whose clusters the benchmark is chosen for.
	Platform string `json:"platform,omitempty"`
	// Managed names the provider that runs the control plane ("Amazon
	// EKS"); control-plane and etcd node controls are then N/A.
	Managed string `json:"managed,omitempty"`
	// Default makes the benchmark a candidate of Select on its platform;
	// others (the STIG) are used only when asked for.
	Default bool `json:"default,omitempty"`
	// Kubernetes is the range of Kubernetes versions the benchmark was
	// written for.
	Kubernetes Range `json:"kubernetes"`
	// Previous is the edition this one revises: every control it shares
	// with Previous either decides and reads alike or says how it changed,
	// and every control of Previous it drops is listed in Removed.
	Previous string `json:"previous,omitempty"`
	// Sections name the benchmark's sections ("1.2": "API Server"), as the
	// benchmark's own table of contents does; when present, every
	// control's section must be named.
	Sections map[string]string `json:"sections,omitempty"`
	// Sources say where the control list, levels and checks were taken from.
	Sources []string `json:"sources"`
	// Omitted lists rules of the benchmark left out, each with the reason.
	Omitted []Omission `json:"omitted,omitempty"`
	// Removed lists rules of Previous that this edition no longer has.
	Removed []Omission `json:"removed,omitempty"`
	// Controls are the controls.
	Controls []Control `json:"controls"`
	// Extends names the benchmark whose controls (and sections) this one
	// takes: a distribution's profile of a CIS edition, which differs only
	// in the controls its vendor's self-assessment declares not applicable
	// (NotApplicable). A benchmark that extends another lists no controls.
	Extends string `json:"extends,omitempty"`
	// NotApplicable are controls of Extends that do not apply, each with
	// the reason (node controls only).
	NotApplicable []Omission `json:"notApplicable,omitempty"`
}

// Omission is a rule not implemented, or removed, with the reason.
type Omission struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Range is a range of Kubernetes minor versions, "1.32" to "1.34". Max is
// empty when the benchmark's publisher names no upper bound.
type Range struct {
	Min string `json:"min"`
	Max string `json:"max,omitempty"`
	// Source says where the range comes from.
	Source string `json:"source"`
}

// minor parses "1.34" (or "v1.34.2") into 34; ok is false for anything
// that is not Kubernetes 1.x.
func minor(v string) (int, bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	major, rest, ok := strings.Cut(v, ".")
	if !ok || major != "1" {
		return 0, false
	}
	digits := rest
	if i := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		digits = rest[:i]
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil
}

func (r Range) bounds() (lo, hi int) {
	lo, _ = minor(r.Min)
	hi = -1
	if r.Max != "" {
		hi, _ = minor(r.Max)
	}
	return lo, hi
}

// Contains reports whether Kubernetes 1.<m> is in the range.
func (r Range) Contains(m int) bool {
	lo, hi := r.bounds()
	return m >= lo && (hi < 0 || m <= hi)
}

// String renders "1.32-1.34", or "1.31+" without an upper bound.
func (r Range) String() string {
	if r.Max == "" {
		return r.Min + "+"
	}
	if r.Max == r.Min {
		return r.Min
	}
	return r.Min + "-" + r.Max
}

// Control is one control of a benchmark.
type Control struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Section string `json:"section,omitempty"`
	// Level is the CIS profile level (1 or 2); Severity the STIG category.
	Level    int    `json:"level,omitempty"`
	Severity string `json:"severity,omitempty"`
	// RuleID is the benchmark's own identifier beside ID, when it has one.
	RuleID    string      `json:"ruleID,omitempty"`
	Automated bool        `json:"automated"`
	Role      report.Role `json:"role"`
	// Check names the check that decides the control; its engine is
	// derived from the name (EngineOf).
	Check       string   `json:"check"`
	Params      Params   `json:"params,omitempty"`
	Needs       []string `json:"needs,omitempty"`
	Remediation string   `json:"remediation"`
	References  []string `json:"references,omitempty"`
	// Source says where the control, its level/automated flag (or
	// severity) were taken from.
	Source string `json:"source,omitempty"`
	// Changes says how the control differs from the same control of the
	// benchmark's Previous edition, with the source of the change.
	Changes string `json:"changes,omitempty"`
	// NotApplicable is set from the benchmark's NotApplicable list: the
	// reason the control does not apply (the node engine reports N/A).
	NotApplicable string `json:"-"`

	// sectionTitle is the benchmark's name of the control's section,
	// filled in by Parse from Benchmark.Sections.
	sectionTitle string
}

// Engine is the engine that decides the control.
func (c Control) Engine() string { return EngineOf(c.Check) }

// sectionOf is the ID without its last part: "1.2.15" → "1.2", "2.1" → "2".
func sectionOf(id string) string {
	if i := strings.LastIndex(id, "."); i > 0 {
		return id[:i]
	}
	return id
}

// Report returns the control's report metadata as a control of benchmark.
func (c Control) Report(benchmark string) report.Control {
	sec := c.Section
	if sec == "" {
		sec = sectionOf(c.ID)
	}
	var params map[string]any
	if len(c.Params) > 0 {
		params = map[string]any(c.Params)
	}
	return report.Control{
		ID: c.ID, Title: c.Title, Section: sec, SectionTitle: c.sectionTitle, Benchmark: benchmark, Level: c.Level,
		Severity: c.Severity, RuleID: c.RuleID, Role: c.Role, Automated: c.Automated,
		Needs: c.Needs, Remediation: c.Remediation, References: c.References,
		Engine: c.Engine(), Check: c.Check, Params: params, Source: c.Source,
	}
}

// ControlsOf returns the controls an engine decides, in file order.
func (b *Benchmark) ControlsOf(engine string) []Control {
	var out []Control
	for _, c := range b.Controls {
		if c.Engine() == engine {
			out = append(out, c)
		}
	}
	return out
}

// Catalog returns the report metadata of every control, sorted by ID.
func (b *Benchmark) Catalog() []report.Control {
	out := make([]report.Control, 0, len(b.Controls))
	for _, c := range b.Controls {
		out = append(out, c.Report(b.ID))
	}
	report.SortControls(out)
	return out
}

// Decides returns the control that is decided by check with params (the
// parameters that change the verdict, as the engine's spec says), if any:
// an engine then does not report its own control of the same decision a
// second time.
func (b *Benchmark) Decides(spec CheckSpec, params Params) (Control, bool) {
	want := spec.Verdict(params)
	for _, c := range b.Controls {
		if c.Check == spec.ID && reflect.DeepEqual(spec.Verdict(c.Params), want) {
			return c, true
		}
	}
	return Control{}, false
}

// Parse parses and validates one data file on its own: required fields,
// unique IDs, known roles, a role that fits the engine of the check, a
// range and a version. Whether each check exists with valid parameters is
// for the engine that owns it (Registry.Validate).
func Parse(data []byte, name string) (*Benchmark, error) {
	var b Benchmark
	if err := yaml.UnmarshalStrict(data, &b); err != nil {
		return nil, fmt.Errorf("benchmark file %s: %w", name, err)
	}
	fail := func(format string, a ...any) (*Benchmark, error) {
		return nil, fmt.Errorf("benchmark file %s: "+format, append([]any{name}, a...)...)
	}
	switch {
	case b.ID == "" || b.Title == "" || b.Family == "" || b.Version == "" || len(b.Sources) == 0:
		return fail("id, title, family, version and sources are required")
	case b.ID == Harden:
		return fail("%s names our own controls and cannot be a benchmark", Harden)
	case versionParts(b.Version) == nil:
		return fail("version %q is not dot-separated numbers", b.Version)
	}
	lo, ok := minor(b.Kubernetes.Min)
	if !ok || b.Kubernetes.Source == "" {
		return fail("kubernetes.min (e.g. \"1.34\") and kubernetes.source are required")
	}
	if b.Kubernetes.Max != "" {
		hi, ok := minor(b.Kubernetes.Max)
		if !ok || hi < lo {
			return fail("kubernetes.max %q is not a version at or above min %s", b.Kubernetes.Max, b.Kubernetes.Min)
		}
	}
	for i := range b.Controls {
		c := &b.Controls[i]
		sec := c.Section
		if sec == "" {
			sec = sectionOf(c.ID)
		}
		c.sectionTitle = b.Sections[sec]
		if len(b.Sections) > 0 && c.sectionTitle == "" {
			return fail("control %s: its section %s is not named under sections", c.ID, sec)
		}
	}
	seen := map[string]bool{}
	for _, c := range b.Controls {
		where := fmt.Sprintf("benchmark %s control %s", b.ID, c.ID)
		switch {
		case c.ID == "" || c.Title == "" || c.Remediation == "" || c.Check == "":
			return nil, fmt.Errorf("%s: id, title, check and remediation are required", where)
		case strings.HasPrefix(c.ID, "KH-"):
			return nil, fmt.Errorf("%s: KH- IDs are our own controls and cannot be in a benchmark", where)
		case seen[c.ID]:
			return nil, fmt.Errorf("%s: duplicate ID", where)
		case c.Level == 0 && c.Severity == "":
			return nil, fmt.Errorf("%s: a level or a severity is required", where)
		}
		seen[c.ID] = true
		node := c.Engine() == EngineNodes
		switch c.Role {
		case report.RoleControlPlane, report.RoleEtcd, report.RoleWorker:
			if !node {
				return nil, fmt.Errorf("%s: check %s is decided from API objects by %s: its role is cluster, not %s", where, c.Check, c.Engine(), c.Role)
			}
			if b.Managed != "" && c.Role != report.RoleWorker {
				return nil, fmt.Errorf("%s: the control plane of %s is managed: a node control of role %s cannot be evaluated", where, b.Managed, c.Role)
			}
		case report.RoleCluster:
			if node {
				return nil, fmt.Errorf("%s: check %s is decided from a node's evidence: role cluster needs an rbac.* or workloads.* check", where, c.Check)
			}
		default:
			return nil, fmt.Errorf("%s: unknown role %q", where, c.Role)
		}
	}
	return &b, nil
}

// versionParts parses "2.0.1" into [2 0 1]; nil when it is not numeric.
func versionParts(v string) []int {
	var out []int
	for _, p := range strings.Split(v, ".") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil
		}
		out = append(out, n)
	}
	return out
}

// newer reports whether a is a newer edition than b.
func newer(a, b *Benchmark) bool {
	// Missing parts count as 0: 1.12 and 1.12.0 are the same edition.
	trim := func(p []int) []int {
		for len(p) > 0 && p[len(p)-1] == 0 {
			p = p[:len(p)-1]
		}
		return p
	}
	if c := slices.Compare(trim(versionParts(a.Version)), trim(versionParts(b.Version))); c != 0 {
		return c > 0
	}
	return a.ID > b.ID
}

var (
	loadOnce sync.Once
	loaded   map[string]*Benchmark
	loadErr  error
)

func load() (map[string]*Benchmark, error) {
	loadOnce.Do(func() {
		loaded, loadErr = loadFS()
	})
	return loaded, loadErr
}

func loadFS() (map[string]*Benchmark, error) {
	entries, err := files.ReadDir("data")
	if err != nil {
		return nil, err
	}
	out := map[string]*Benchmark{}
	for _, e := range entries {
		data, err := files.ReadFile(path.Join("data", e.Name()))
		if err != nil {
			return nil, err
		}
		b, err := Parse(data, e.Name())
		if err != nil {
			return nil, err
		}
		if strings.TrimSuffix(e.Name(), ".yaml") != b.ID {
			return nil, fmt.Errorf("benchmark file %s holds benchmark %s", e.Name(), b.ID)
		}
		out[b.ID] = b
	}
	if err := resolveExtends(out); err != nil {
		return nil, err
	}
	return out, validateSet(out)
}

// resolveExtends gives each benchmark that extends another the other's
// controls and sections, with its own not-applicable reasons.
func resolveExtends(all map[string]*Benchmark) error {
	for _, b := range all {
		if b.Extends == "" {
			if len(b.NotApplicable) > 0 {
				return fmt.Errorf("benchmark %s: notApplicable needs extends", b.ID)
			}
			continue
		}
		base, ok := all[b.Extends]
		switch {
		case !ok || base.Extends != "":
			return fmt.Errorf("benchmark %s: extends %q, which is not a benchmark of its own controls", b.ID, b.Extends)
		case len(b.Controls) > 0:
			return fmt.Errorf("benchmark %s: extends %s and lists controls", b.ID, b.Extends)
		}
		na := map[string]string{}
		for _, o := range b.NotApplicable {
			if o.Reason == "" {
				return fmt.Errorf("benchmark %s: control %s is not applicable without a reason", b.ID, o.ID)
			}
			na[o.ID] = o.Reason
		}
		if b.Sections == nil {
			b.Sections = base.Sections
		}
		b.Omitted = append(append([]Omission(nil), base.Omitted...), b.Omitted...)
		for _, c := range base.Controls {
			if r, ok := na[c.ID]; ok {
				if c.Engine() != EngineNodes {
					return fmt.Errorf("benchmark %s: control %s is decided from API objects: only node controls can be declared not applicable", b.ID, c.ID)
				}
				c.NotApplicable = r
				delete(na, c.ID)
			}
			c.References = []string{fmt.Sprintf("%s, control %s", b.Title, c.ID)}
			b.Controls = append(b.Controls, c)
		}
		for id := range na {
			return fmt.Errorf("benchmark %s: not-applicable control %s is not a control of %s", b.ID, id, b.Extends)
		}
	}
	return nil
}

// validateSet checks what spans files: family names do not shadow IDs, and
// each edition's Previous exists in the same family and accounts for every
// control of it.
func validateSet(all map[string]*Benchmark) error {
	for _, b := range all {
		if other, ok := all[b.Family]; ok && other.Family != b.Family {
			return fmt.Errorf("family %s of benchmark %s is the ID of benchmark %s", b.Family, b.ID, other.ID)
		}
		if b.Previous == "" {
			continue
		}
		prev, ok := all[b.Previous]
		if !ok || prev.Family != b.Family || !newer(b, prev) {
			return fmt.Errorf("benchmark %s: previous %q is not an older edition of family %s", b.ID, b.Previous, b.Family)
		}
		have := map[string]bool{}
		for _, c := range b.Controls {
			have[c.ID] = true
		}
		for _, o := range append(append([]Omission{}, b.Omitted...), b.Removed...) {
			have[o.ID] = true
		}
		for _, c := range prev.Controls {
			if !have[c.ID] {
				return fmt.Errorf("benchmark %s: control %s of %s is neither a control, omitted nor removed", b.ID, c.ID, prev.ID)
			}
		}
	}
	return nil
}

// must returns the embedded benchmarks; tests validate them, so a failure
// here is a build defect.
func must() map[string]*Benchmark {
	all, err := load()
	if err != nil {
		panic(err)
	}
	return all
}

// All returns every embedded benchmark sorted by ID.
func All() []*Benchmark {
	var out []*Benchmark
	for _, b := range must() {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Lookup returns the benchmark of an exact ID.
func Lookup(id string) (*Benchmark, bool) {
	b, ok := must()[id]
	return b, ok
}

// harden is the pseudo-benchmark of our own controls only.
var harden = &Benchmark{ID: Harden, Title: "kubectl-harden's own controls (KH-) only", Family: Harden, Version: "0"}

// Families returns the family names that are not also benchmark IDs, sorted.
func Families() []string {
	seen := map[string]bool{}
	for _, b := range must() {
		if _, isID := must()[b.Family]; !isID {
			seen[b.Family] = true
		}
	}
	var out []string
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Newest returns the newest edition of a family.
func Newest(family string) (*Benchmark, bool) {
	var best *Benchmark
	for _, b := range must() {
		if b.Family == family && (best == nil || newer(b, best)) {
			best = b
		}
	}
	return best, best != nil
}

// Known lists the names --benchmark accepts: every benchmark ID, every
// family name (its newest edition) and harden.
func Known() []string {
	var out []string
	for _, b := range All() {
		out = append(out, b.ID)
	}
	out = append(out, Families()...)
	return append(out, Harden)
}

// Resolve returns the benchmark a --benchmark value names: an ID, a family
// (its newest edition, e.g. "stig") or harden (no benchmark controls: our
// own only). "" is the default benchmark of a self-managed cluster whose
// version is not known (Default).
func Resolve(name string) (*Benchmark, error) {
	switch name {
	case "":
		return Default(""), nil
	case Harden:
		return harden, nil
	}
	if b, ok := Lookup(name); ok {
		return b, nil
	}
	if b, ok := Newest(name); ok {
		return b, nil
	}
	return nil, fmt.Errorf("unknown benchmark %q (known: %s)", name, strings.Join(Known(), ", "))
}

// Validate returns an error for a --benchmark value this build does not
// implement ("" is accepted: the default).
func Validate(name string) error {
	_, err := Resolve(name)
	return err
}

// candidates are the default benchmarks of a platform.
func candidates(platform string) []*Benchmark {
	var out []*Benchmark
	for _, b := range All() {
		if b.Default && b.Platform == platform {
			out = append(out, b)
		}
	}
	return out
}

// HasPlatform reports whether a platform or distribution ("k3s") has
// default benchmarks of its own.
func HasPlatform(platform string) bool { return len(candidates(platform)) > 0 }

// Default is the newest default benchmark of a platform ("" for
// self-managed clusters), the choice when the server version is unknown.
func Default(platform string) *Benchmark {
	var best *Benchmark
	for _, b := range candidates(platform) {
		if best == nil || newer(b, best) {
			best = b
		}
	}
	if best == nil && platform != "" {
		return Default("")
	}
	if best == nil {
		panic("no default benchmark for self-managed clusters")
	}
	return best
}

// sortNewestFirst orders benchmarks from the newest edition down.
func sortNewestFirst(bs []*Benchmark) {
	slices.SortStableFunc(bs, func(a, b *Benchmark) int {
		switch {
		case newer(a, b):
			return -1
		case newer(b, a):
			return 1
		}
		return 0
	})
}
