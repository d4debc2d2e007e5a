package workloads

import (
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/enginetest"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// FuzzEvaluateSnapshot: a snapshot file given to --from-snapshot is
// untrusted input. DecodeSnapshot rejects what is not a snapshot; what it
// accepts evaluates without panicking, with one result per control, and a
// snapshot that cannot be evaluated is ERROR everywhere, never PASS. The
// seeds are small documents that reach the decoder's checks and the
// controls' branches (capabilities in any case, privileged, an empty
// namespace, a missing one).
func FuzzEvaluateSnapshot(f *testing.F) {
	const head = `{"apiVersion":"harden.kubectl.io/v1alpha1","kind":"WorkloadSnapshot","collected":"2026-01-02T03:04:05Z",` +
		`"networkPolicies":["app/deny"],"defaultNamespace":["service/kubernetes"],"validatingAdmissionPolicies":null,"validatingAdmissionPolicyBindings":null,"webhooks":null,"crds":null,`
	f.Add([]byte(head + `"namespaces":[{"name":"app","labels":{"pod-security.kubernetes.io/enforce":"baseline"}}],"workloads":[{"kind":"pod","namespace":"app","name":"p","spec":{` +
		`"containers":[{"name":"a","securityContext":{"privileged":true}},{"name":"b","securityContext":{"capabilities":{"add":["net_raw"],"drop":["CAP_NET_RAW"]}}}],` +
		`"ephemeralContainers":[{"name":"e","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"add":["SYS_ADMIN"]}}}]}}]}`))
	f.Add([]byte(head + `"namespace":"app","namespaces":[{"name":"app"}],"workloads":null}`))
	f.Add([]byte(head + `"namespace":"nope","namespaces":null,"workloads":null}`))
	f.Add([]byte(head + `"namespaces":[{"name":"kube-system"}],"workloads":[{"kind":"daemonset","namespace":"kube-system","name":"kube-proxy","spec":{"hostNetwork":true,"os":{"name":"windows"},` +
		`"volumes":[{"name":"v","hostPath":{"path":"/"}}],"containers":[{"name":"c","ports":[{"containerPort":1,"hostPort":2}],"env":[{"name":"E","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}]}]}}]}`))
	f.Add([]byte(`{"kind":"WorkloadSnapshot"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		enginetest.Fuzzed(t, data, DecodeSnapshot, Controls, func(s *Snapshot) (report.TargetReport, string) {
			m := Build(s)
			return Evaluate(m, EvalOptions{IncludeSystem: true}), m.notEvaluable()
		})
	})
}
