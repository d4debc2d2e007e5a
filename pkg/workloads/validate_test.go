package workloads

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/internal/enginetest"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestDecodeSnapshotRejects: a document that is not a snapshot saved by
// --save-snapshot is an error, never a clean cluster.
func TestDecodeSnapshotRejects(t *testing.T) {
	const head = `"apiVersion":"harden.kubectl.io/v1alpha1","kind":"WorkloadSnapshot","collected":"2026-01-02T03:04:05Z"`
	const lists = `"namespaces":[{"name":"default"}],"workloads":null,"networkPolicies":null,"defaultNamespace":null,"validatingAdmissionPolicies":null,"validatingAdmissionPolicyBindings":null,"webhooks":null,"crds":null`
	cases := []struct{ Name, Doc, Want string }{
		{"kind only", `{"kind":"WorkloadSnapshot"}`, `apiVersion ""`},
		{"empty object", `{}`, `kind ""`},
		{"null", `null`, "null"},
		{"an RBAC snapshot", `{"kind":"RBACSnapshot","apiVersion":"harden.kubectl.io/v1alpha1","namespaces":["a"]}`, "is not WorkloadSnapshot"},
		{"lists missing", `{` + head + `}`, "missing namespaces, workloads, networkPolicies"},
		{"collected missing", `{"apiVersion":"harden.kubectl.io/v1alpha1","kind":"WorkloadSnapshot",` + lists + `}`, "missing collected"},
		{"workload without a name", `{` + head + `,` + strings.Replace(lists, `"workloads":null`, `"workloads":[{"kind":"pod","namespace":"default","spec":{}}]`, 1) + `}`, `workloads[0]`},
		{"workload of an unknown kind", `{` + head + `,` + strings.Replace(lists, `"workloads":null`, `"workloads":[{"kind":"Pod","namespace":"default","name":"p","spec":{}}]`, 1) + `}`, `kind "Pod"`},
		{"workload outside the collected namespace", `{` + head + `,"namespace":"a",` + strings.Replace(lists, `"workloads":null`, `"workloads":[{"kind":"pod","namespace":"b","name":"p","spec":{}}]`, 1) + `}`, `collected in namespace "a"`},
		{"network policy without a namespace", `{` + head + `,` + strings.Replace(lists, `"networkPolicies":null`, `"networkPolicies":["x"]`, 1) + `}`, "not NAMESPACE/NAME"},
	}
	enginetest.Rejects(t, DecodeSnapshot, cases, `{`+head+`,`+lists+`}`)
	b, err := os.ReadFile("testdata/snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeSnapshot(b); err != nil {
		t.Errorf("testdata/snapshot.json: %v", err)
	}
}

// TestNothingExaminedIsNotPass: an empty namespace gives N/A for every
// control that judges workloads; a namespace that does not exist, or an
// invalid snapshot, gives ERROR everywhere; neither is ever PASS.
func TestNothingExaminedIsNotPass(t *testing.T) {
	empty := &Snapshot{Header: snapshotFormat.Header(time.Now()), Namespace: "quiet", Namespaces: []Namespace{{Name: "quiet"}}}
	tr := Evaluate(Build(empty), EvalOptions{})
	for _, r := range tr.Results {
		if r.Status == report.StatusPass {
			t.Errorf("empty namespace: %s is PASS (%s)", r.ControlID, r.Reason)
		}
	}
	for _, id := range []string{"5.2.2", "5.2.6", "5.2.8", "5.2.9", "5.4.1", "5.6.2", "5.6.3", "5.2.1", "5.3.2"} {
		if r := resultOf(tr, id); r.Status != report.StatusNA || !strings.Contains(r.Reason, "no workloads in namespace quiet") {
			t.Errorf("empty namespace: %s = %s (%s), want N/A", id, r.Status, r.Reason)
		}
	}
	nope := *empty
	nope.Namespace, nope.Namespaces = "nope", nil
	bad := baseSnapshot()
	bad.APIVersion = "v0"
	for name, s := range map[string]*Snapshot{"missing namespace": &nope, "invalid": bad, "zero value": {}} {
		for _, r := range Evaluate(Build(s), EvalOptions{}).Results {
			if r.Status != report.StatusError {
				t.Errorf("%s: %s = %s (%s), want ERROR", name, r.ControlID, r.Status, r.Reason)
			}
		}
	}
	if r := resultOf(Evaluate(Build(&nope), EvalOptions{}), "5.2.2"); !strings.Contains(r.Reason, "namespace nope does not exist") {
		t.Errorf("missing namespace: reason %q", r.Reason)
	}
}

func resultOf(tr report.TargetReport, id string) report.Result {
	for _, r := range tr.Results {
		if r.ControlID == id {
			return r
		}
	}
	return report.Result{}
}

func TestSnapshotRoundTripDecodes(t *testing.T) {
	s := baseSnapshot(wl("deployment", "prod", "web", nil))
	s.Collected = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b, _ := json.Marshal(s)
	if _, err := DecodeSnapshot(b); err != nil {
		t.Fatal(err)
	}
}
