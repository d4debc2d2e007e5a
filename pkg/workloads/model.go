package workloads

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-harden/kubectl-harden/internal/snapshotdoc"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// EvalOptions tune evaluation.
type EvalOptions struct {
	// Benchmark selects the controls: an ID, a family (its newest edition)
	// or "" (the default, benchmarks.Resolve).
	Benchmark string
	// IncludeSystem lists the findings of recognised system components
	// (they are INFO "expected for <component>") in the evidence.
	IncludeSystem bool
	// MaxEvidence caps the evidence lines per control; 0 means 200.
	MaxEvidence int
	// SeccompDefault is the kubelet's effective seccompDefault per node,
	// from a node scan (`kubectl harden all`); nil when unknown.
	SeccompDefault map[string]bool
}

// Model is a snapshot with every workload classified once.
type Model struct {
	snap      *Snapshot
	workloads []classified
	// perNS counts evaluated workloads per namespace.
	perNS map[string]int
	// verdict is notEvaluable()'s answer, worked out once.
	verdict snapshotdoc.Verdict
}

type classified struct {
	w      *Workload
	system string
	why    string
}

// Build classifies the snapshot's workloads.
func Build(s *Snapshot) *Model {
	m := &Model{snap: s, perNS: map[string]int{}}
	m.workloads = make([]classified, len(s.Workloads))
	for i := range s.Workloads {
		w := &s.Workloads[i]
		c, why := SystemComponent(w)
		m.workloads[i] = classified{w: w, system: c, why: why}
		m.perNS[w.Namespace]++
	}
	return m
}

// finding is one evidence line with the status it calls for. system names
// the system component (or namespace) it is expected for.
type finding struct {
	obs    report.Observation
	status report.Status
	system string
}

// where renders a workload for evidence: "daemonset/kube-system/kube-proxy",
// with the owner of a pod and the node of a mirror pod.
func where(w *Workload, field string) string {
	s := w.Ref()
	switch {
	case w.Mirror:
		s += " (mirror pod on node " + w.Node + ")"
	case w.Owner != "":
		s += " (owner " + w.Owner + ")"
	}
	if field != "" {
		s += " " + field
	}
	return s
}

// verdict folds findings into an outcome:
//   - findings on user objects decide: FAIL if any calls for FAIL, else WARN;
//   - findings only on recognised system components are INFO "expected
//     for <component>"; they are listed with IncludeSystem, counted otherwise;
//   - no finding is PASS, with what was examined as evidence.
func verdict(fs []finding, opts EvalOptions, what string, clean report.Observation) report.Outcome {
	var user, sys []finding
	for _, f := range fs {
		if f.system != "" {
			sys = append(sys, f)
		} else {
			user = append(user, f)
		}
	}
	o := report.Outcome{}
	add := func(list []finding) {
		lines := make([]report.Observation, len(list))
		for i, f := range list {
			ob := f.obs
			if !ob.Object.IsZero() {
				// The line's own verdict, for diff and exceptions: what is
				// expected for a system component is never a finding.
				ob.Status = f.status
				if f.system != "" {
					ob.Status = report.StatusInfo
				}
			}
			if f.system != "" {
				ob.Value = "(expected for " + f.system + ") " + ob.Value
			}
			lines[i] = ob
		}
		o.AddEvidence(opts.MaxEvidence, lines...)
	}
	sysNote := func() {
		if len(sys) > 0 && !opts.IncludeSystem {
			o.Evidence = append(o.Evidence, report.Observation{Location: "system components", Value: fmt.Sprintf("%d finding(s) expected for %s not shown (--include-system lists them)", len(sys), components(sys))})
		}
	}
	if len(user) > 0 {
		o.Found(len(user), slices.ContainsFunc(user, func(f finding) bool { return f.status == report.StatusFail }), what)
		add(user)
		if opts.IncludeSystem {
			add(sys)
		}
		sysNote()
		return o
	}
	if len(sys) > 0 {
		o.Status = report.StatusInfo
		o.Reason = fmt.Sprintf("only system components, expected for %s: %s", components(sys), what)
		o.Evidence = append(o.Evidence, clean)
		if opts.IncludeSystem {
			add(sys)
		}
		sysNote()
		return o
	}
	o.Status = report.StatusPass
	o.Reason = "no " + what
	o.Evidence = []report.Observation{clean}
	return o
}

func components(fs []finding) string {
	seen := map[string]bool{}
	var out []string
	for _, f := range fs {
		if !seen[f.system] {
			seen[f.system] = true
			out = append(out, f.system)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// examined is the PASS evidence of a pod-level control.
func (m *Model) examined() report.Observation {
	return report.Observation{Location: "workloads examined", Value: fmt.Sprintf("%d (controllers without an evaluated owner, bare pods, mirror pods) in %s", len(m.workloads), m.scope())}
}

func (m *Model) scope() string {
	if m.snap.Namespace != "" {
		return "namespace " + m.snap.Namespace
	}
	return fmt.Sprintf("%d namespace(s)", len(m.snap.Namespaces))
}

// podControl runs a per-workload decision over every workload; each
// finding names its workload as the object it is about.
// judgePods decides a pod-level control: N/A without workloads, else the
// verdict on what decide finds in each workload.
func (m *Model) judgePods(o EvalOptions, what string, decide func(w *Workload) []finding) report.Outcome {
	if out, none := m.noWorkloads(); none {
		return out
	}
	return verdict(m.podFindings(decide), o, what, m.examined())
}

func (m *Model) podFindings(decide func(w *Workload) []finding) []finding {
	var fs []finding
	for _, c := range m.workloads {
		for _, f := range decide(c.w) {
			if f.obs.Object.IsZero() {
				f.obs.Object = c.w.Object()
			}
			f.system = c.system
			fs = append(fs, f)
		}
	}
	return fs
}

// notWindows skips Windows pods, which cannot set the Linux security
// context fields decide reads (PSS skips them too).
func notWindows(decide func(w *Workload) []finding) func(w *Workload) []finding {
	return func(w *Workload) []finding {
		if w.Spec.OS != nil && w.Spec.OS.Name == corev1.Windows {
			return nil
		}
		return decide(w)
	}
}
