package checks

import (
	"embed"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// A benchmark is data: a YAML file under benchmarks/ listing its controls,
// each naming a check of the registry with parameters. Adding a benchmark
// is adding a file (and its tests); no Go code changes.

//go:embed benchmarks/*.yaml
var benchmarkFiles embed.FS

// Profile is one benchmark's data file.
type Profile struct {
	// ID is the name used with --benchmark, e.g. "eks-1.8.0".
	ID string `json:"id"`
	// Title is the benchmark's full name.
	Title string `json:"title"`
	// Platform is "" for any cluster, else eks, gke or aks.
	Platform string `json:"platform,omitempty"`
	// Managed names the provider that runs the control plane ("Amazon
	// EKS"); control-plane and etcd controls are then N/A "managed by ...".
	Managed string `json:"managed,omitempty"`
	// MinMinor and MaxMinor are the Kubernetes 1.x minors the benchmark
	// was written for (0 = no bound).
	MinMinor int `json:"minMinor,omitempty"`
	MaxMinor int `json:"maxMinor,omitempty"`
	// Sources say where the control list, levels and automated flags
	// were taken from.
	Sources []string `json:"sources"`
	// Omitted lists rules of the benchmark left out, each with the reason.
	Omitted []Omission `json:"omitted,omitempty"`
	// Controls are the controls.
	Controls []ProfileControl `json:"controls"`
}

// Omission is a benchmark rule deliberately not implemented.
type Omission struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// ProfileControl is one control of a profile.
type ProfileControl struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Section     string   `json:"section,omitempty"`
	Level       int      `json:"level,omitempty"`
	Severity    string   `json:"severity,omitempty"`
	RuleID      string   `json:"ruleID,omitempty"`
	Automated   bool     `json:"automated"`
	Role        Role     `json:"role"`
	Check       string   `json:"check"`
	Params      Params   `json:"params,omitempty"`
	Needs       []string `json:"needs,omitempty"`
	Remediation string   `json:"remediation"`
	References  []string `json:"references,omitempty"`
	// Source says where level/automated (or severity) came from.
	Source string `json:"source,omitempty"`
}

// Control returns the report metadata of a profile control.
func (pc ProfileControl) Control(benchmark string) Control {
	sec := pc.Section
	if sec == "" {
		sec = sectionOf(pc.ID)
	}
	return Control{
		ID: pc.ID, Title: pc.Title, Section: sec, Benchmark: benchmark, Level: pc.Level,
		Severity: pc.Severity, RuleID: pc.RuleID,
		Role: pc.Role, Automated: pc.Automated, Needs: pc.Needs, Remediation: pc.Remediation,
		References: pc.References, Check: pc.Check, Params: map[string]any(pc.Params), Source: pc.Source,
	}
}

var (
	profilesOnce sync.Once
	profiles     map[string]*Profile
	profilesErr  error
)

// ParseProfile parses and validates one data file: known roles, unique
// IDs, every check registered and its params valid.
func ParseProfile(b []byte, name string) (*Profile, error) {
	var p Profile
	if err := yaml.UnmarshalStrict(b, &p); err != nil {
		return nil, fmt.Errorf("benchmark file %s: %w", name, err)
	}
	if p.ID == "" || p.Title == "" || len(p.Sources) == 0 {
		return nil, fmt.Errorf("benchmark file %s: id, title and sources are required", name)
	}
	seen := map[string]bool{}
	for _, c := range p.Controls {
		where := fmt.Sprintf("benchmark %s control %s", p.ID, c.ID)
		if c.ID == "" || c.Title == "" || c.Remediation == "" {
			return nil, fmt.Errorf("%s: id, title and remediation are required", where)
		}
		if strings.HasPrefix(c.ID, "KH-") {
			return nil, fmt.Errorf("%s: KH- IDs are our own controls and cannot be in a profile", where)
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("%s: duplicate ID", where)
		}
		seen[c.ID] = true
		switch c.Role {
		case RoleControlPlane, RoleEtcd, RoleWorker, RoleCluster:
		default:
			return nil, fmt.Errorf("%s: unknown role %q", where, c.Role)
		}
		if c.Level == 0 && c.Severity == "" {
			return nil, fmt.Errorf("%s: a level or a severity is required", where)
		}
		chk, ok := LookupCheck(c.Check)
		if !ok {
			return nil, fmt.Errorf("%s: unknown check %q", where, c.Check)
		}
		if err := chk.Validate(c.Params); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		// Cluster-role controls are decided from API objects; node
		// controls from a node's evidence.
		switch {
		case c.Role == RoleCluster && c.Check != CheckAPIControl && c.Check != "manual":
			return nil, fmt.Errorf("%s: a cluster control is decided by %s (or manual), not by the node check %s", where, CheckAPIControl, c.Check)
		case c.Role != RoleCluster && c.Check == CheckAPIControl:
			return nil, fmt.Errorf("%s: %s decides cluster controls only, not role %s", where, CheckAPIControl, c.Role)
		case c.Role != RoleCluster && c.Params.str("engine") != "":
			return nil, fmt.Errorf("%s: engine applies to cluster controls only", where)
		}
	}
	return &p, nil
}

func loadProfiles() (map[string]*Profile, error) {
	profilesOnce.Do(func() {
		profiles = map[string]*Profile{}
		entries, err := benchmarkFiles.ReadDir("benchmarks")
		if err != nil {
			profilesErr = err
			return
		}
		for _, e := range entries {
			b, err := benchmarkFiles.ReadFile(path.Join("benchmarks", e.Name()))
			if err != nil {
				profilesErr = err
				return
			}
			p, err := ParseProfile(b, e.Name())
			if err != nil {
				profilesErr = err
				return
			}
			if _, dup := profiles[p.ID]; dup || p.ID == BenchmarkHarden {
				profilesErr = fmt.Errorf("benchmark %s is defined twice", p.ID)
				return
			}
			profiles[p.ID] = p
		}
	})
	return profiles, profilesErr
}

// mustProfiles returns the embedded profiles; they are validated by tests,
// so a failure here is a build defect.
func mustProfiles() map[string]*Profile {
	ps, err := loadProfiles()
	if err != nil {
		panic(err)
	}
	return ps
}

// LookupProfile returns the profile of a benchmark.
func LookupProfile(id string) (*Profile, bool) {
	p, ok := mustProfiles()[id]
	return p, ok
}

// Profiles returns every embedded profile sorted by ID.
func Profiles() []*Profile {
	var out []*Profile
	for _, p := range mustProfiles() {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// nodeRole reports whether a role is evaluated on nodes.
func nodeRole(r Role) bool {
	return r == RoleControlPlane || r == RoleEtcd || r == RoleWorker
}

// profileNodeControls turns a profile's node controls into NodeControls.
func profileNodeControls(p *Profile) []NodeControl {
	var out []NodeControl
	for _, pc := range p.Controls {
		if !nodeRole(pc.Role) {
			continue
		}
		chk, _ := LookupCheck(pc.Check)
		params := pc.Params
		out = append(out, NodeControl{Control: pc.Control(p.ID), Check: func(ev *evidence.Node) Outcome { return chk.Eval(params, ev) }})
	}
	return out
}

// ProfileControls returns every control of a benchmark (node and cluster
// roles) as report metadata, with our own KH- node controls when withHarden.
func ProfileControls(id string) []report.Control {
	p, ok := LookupProfile(id)
	if !ok {
		return nil
	}
	out := make([]report.Control, 0, len(p.Controls))
	for _, pc := range p.Controls {
		out = append(out, pc.Control(p.ID))
	}
	report.SortControls(out)
	return out
}

// APIControls returns the cluster controls of a benchmark that an API
// engine ("rbac" or "workloads") evaluates: those decided by api.control
// with that engine, and manual ones listed in its report (manual ones
// without an engine go to rbac). native is true when the engine's own
// controls are the benchmark's (cis-1.12, harden, "" or an unknown ID):
// the engine's CIS 1.12 section 5 controls are then reported as they are.
func APIControls(benchmark, engine string) (pcs []ProfileControl, native bool) {
	if benchmark == "" || benchmark == BenchmarkCIS112 || benchmark == BenchmarkHarden {
		return nil, true
	}
	p, ok := LookupProfile(benchmark)
	if !ok {
		return nil, true
	}
	for _, pc := range p.Controls {
		if pc.Role != RoleCluster {
			continue
		}
		e := pc.Params.str("engine")
		if e == "" && pc.Check == "manual" {
			e = "rbac"
		}
		if e == engine {
			pcs = append(pcs, pc)
		}
	}
	sort.SliceStable(pcs, func(i, j int) bool { return report.CompareIDs(pcs[i].ID, pcs[j].ID) < 0 })
	return pcs, false
}
