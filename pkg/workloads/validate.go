package workloads

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// snapshotKeys are the keys every saved snapshot has (Collect fills every
// list; an empty one is saved as null). A document without one was not
// written by --save-snapshot: evaluating it would report a kind that was
// never listed as "nothing found".
var snapshotKeys = []string{"apiVersion", "kind", "collected", "namespaces", "workloads", "networkPolicies", "defaultNamespace",
	"validatingAdmissionPolicies", "validatingAdmissionPolicyBindings", "webhooks", "crds"}

// workloadKinds are the kinds Collect records.
var workloadKinds = map[string]bool{"deployment": true, "statefulset": true, "daemonset": true, "replicaset": true, "job": true, "cronjob": true, "pod": true}

// DecodeSnapshot reads a snapshot saved with --save-snapshot and rejects
// anything that is not one (JSON null, another kind or version, a missing
// list, a workload without a name) with an error saying what is wrong.
func DecodeSnapshot(b []byte) (*Snapshot, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("not a workload snapshot: %w", err)
	}
	if raw == nil {
		return nil, errors.New("not a workload snapshot: the document is null")
	}
	// kind and apiVersion first: another document fails on them, not on
	// the first field whose type differs.
	var head Snapshot
	if err := json.Unmarshal(b, &struct {
		APIVersion *string `json:"apiVersion"`
		Kind       *string `json:"kind"`
	}{&head.APIVersion, &head.Kind}); err != nil {
		return nil, fmt.Errorf("not a workload snapshot: %w", err)
	}
	if err := head.checkKind(); err != nil {
		return nil, err
	}
	var s Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("not a workload snapshot: %w", err)
	}
	var missing []string
	for _, k := range snapshotKeys {
		if _, ok := raw[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("incomplete workload snapshot: missing %s (a snapshot saved with --save-snapshot has every list, empty ones as null)", strings.Join(missing, ", "))
	}
	if bytes.Equal(bytes.TrimSpace(raw["collected"]), []byte("null")) || s.Collected.IsZero() {
		return nil, errors.New("incomplete workload snapshot: collected (the time it was taken) is not set")
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s.Sort()
	return &s, nil
}

func (s *Snapshot) checkKind() error {
	if s.Kind != SnapshotKind {
		return fmt.Errorf("not a workload snapshot: kind %q is not %s", s.Kind, SnapshotKind)
	}
	if s.APIVersion != SnapshotAPIVersion {
		return fmt.Errorf("workload snapshot apiVersion %q is not supported (want %s)", s.APIVersion, SnapshotAPIVersion)
	}
	return nil
}

// Validate checks what the controls rely on: kind and apiVersion, the
// identity of every workload and namespace, and the namespace/name form of
// network policies.
func (s *Snapshot) Validate() error {
	if err := s.checkKind(); err != nil {
		return err
	}
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	for i, n := range s.Namespaces {
		if n.Name == "" {
			bad("namespaces[%d]: no name", i)
		}
	}
	for i, w := range s.Workloads {
		if !workloadKinds[w.Kind] || w.Name == "" || w.Namespace == "" {
			bad("workloads[%d]: want a kind (deployment, statefulset, daemonset, replicaset, job, cronjob or pod), a name and a namespace (kind %q, name %q, namespace %q)", i, w.Kind, w.Name, w.Namespace)
		}
		if s.Namespace != "" && w.Namespace != s.Namespace {
			bad("workloads[%d]: namespace %q, but the snapshot was collected in namespace %q", i, w.Namespace, s.Namespace)
		}
	}
	for i, np := range s.NetworkPolicies {
		if ns, name, ok := strings.Cut(np, "/"); !ok || ns == "" || name == "" {
			bad("networkPolicies[%d]: %q is not NAMESPACE/NAME", i, np)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	const max = 10
	more := ""
	if len(problems) > max {
		more = fmt.Sprintf("; and %d more", len(problems)-max)
		problems = problems[:max]
	}
	return fmt.Errorf("invalid workload snapshot: %s%s", strings.Join(problems, "; "), more)
}

// notEvaluable says why no control can be decided on the model, or "": the
// snapshot is invalid, or it was collected in a namespace that does not
// exist (then every "nothing found" would be a PASS on nothing examined).
func (m *Model) notEvaluable() string {
	m.notEvaluableOnce.Do(func() { m.notEvaluableWhy = m.snapshotProblem() })
	return m.notEvaluableWhy
}

// snapshotProblem is notEvaluable's answer, computed once per model (the
// snapshot is validated once, not once per control).
func (m *Model) snapshotProblem() string {
	if err := m.snap.Validate(); err != nil {
		return err.Error()
	}
	if ns := m.snap.Namespace; ns != "" {
		if _, unknown := m.snap.Unavailable[ResNamespaces]; !unknown {
			found := false
			for _, n := range m.snap.Namespaces {
				found = found || n.Name == ns
			}
			if !found {
				return "namespace " + ns + " does not exist (it is not among the namespaces listed)"
			}
		}
	}
	return ""
}

// noWorkloads is the outcome of a control that judges workloads when the
// snapshot holds none: N/A, saying so, never a PASS on nothing examined.
func (m *Model) noWorkloads() (report.Outcome, bool) {
	if len(m.workloads) > 0 {
		return report.Outcome{}, false
	}
	return report.Outcome{Status: report.StatusNA, Reason: "no workloads in " + m.scope() + ": nothing to examine",
		Evidence: []report.Observation{m.examined()}}, true
}
