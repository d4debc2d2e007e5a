package workloads

import (
	"encoding/json"
	"testing"
)

// FuzzEvaluateSnapshot: a snapshot file given to --from-snapshot is
// untrusted input; no content may make evaluation panic.
func FuzzEvaluateSnapshot(f *testing.F) {
	b, _ := json.Marshal(riskySnapshot())
	f.Add(b)
	f.Add([]byte(`{"kind":"WorkloadSnapshot","workloads":[{"kind":"pod","spec":{"containers":[{"name":"a","securityContext":{}}],"ephemeralContainers":[{"name":"e"}]}}]}`))
	f.Add([]byte(`{"networkPolicies":["/","x"],"crds":["."],"namespaces":[{"name":""}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Snapshot
		if json.Unmarshal(data, &s) != nil {
			return
		}
		s.Sort()
		tr := Evaluate(Build(&s), EvalOptions{IncludeSystem: true})
		if cs, _ := Controls(""); len(tr.Results) != len(cs) {
			t.Fatalf("%d results", len(tr.Results))
		}
	})
}
