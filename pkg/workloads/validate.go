package workloads

import (
	"strings"

	"github.com/kubectl-harden/kubectl-harden/internal/snapshotdoc"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// snapshotFormat is the saved workload snapshot document.
var snapshotFormat = snapshotdoc.Format{Noun: "workload snapshot", Article: "a", Kind: "WorkloadSnapshot", APIVersion: snapshotdoc.APIVersion,
	Keys: []string{"apiVersion", "kind", "collected", "namespaces", "workloads", "networkPolicies", "defaultNamespace",
		"validatingAdmissionPolicies", "validatingAdmissionPolicyBindings", "webhooks", "crds"}}

// workloadKinds are the kinds Collect records.
var workloadKinds = map[string]bool{"deployment": true, "statefulset": true, "daemonset": true, "replicaset": true, "job": true, "cronjob": true, "pod": true}

// DecodeSnapshot reads a snapshot saved with --save-snapshot and rejects
// anything that is not one (JSON null, another kind or version, a missing
// list, a workload without a name) with an error saying what is wrong.
func DecodeSnapshot(b []byte) (*Snapshot, error) {
	var s Snapshot
	if err := snapshotFormat.Decode(b, &s); err != nil {
		return nil, err
	}
	s.Sort()
	return &s, nil
}

// Validate checks what the controls rely on: kind and apiVersion, the
// identity of every workload and namespace, and the namespace/name form of
// network policies.
func (s *Snapshot) Validate() error {
	var problems snapshotdoc.Problems
	bad := problems.Add
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
	return snapshotFormat.Check(s.Kind, s.APIVersion, problems)
}

// notEvaluable says why no control can be decided on the model, or "": the
// snapshot is invalid, or it was collected in a namespace that does not
// exist (then every "nothing found" would be a PASS on nothing examined).
func (m *Model) notEvaluable() string {
	return m.verdict.Why(m.snap.Validate, m.namespaceMissing)
}

// namespaceMissing says when the snapshot was collected in a namespace
// that is not among those listed.
func (m *Model) namespaceMissing() string {
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
