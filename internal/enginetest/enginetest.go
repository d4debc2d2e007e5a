// Package enginetest holds the tests every engine (nodes, rbac,
// workloads) owes its benchmarks: each benchmark control resolves to a
// registered check, has a passing and a breaking case, is reported as
// announced, and a snapshot file is untrusted input. Only tests import it.
package enginetest

import (
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// MaxFuzzInput bounds the documents a fuzzer feeds a decoder: a bigger
// one reaches no code that smaller ones do not, costs more per run and,
// once found interesting, far more to minimise.
const MaxFuzzInput = 4 << 10

// EveryBenchmarkResolves checks that every control of every benchmark
// that reg's engine decides names a registered check with valid
// parameters (a benchmark that gives a check a parameter it does not
// take, or a value outside its schema, fails in the package that owns the
// check), and that reg rejects each of bad.
func EveryBenchmarkResolves[F any](t *testing.T, reg *benchmarks.Registry[F], bad map[string]benchmarks.Control) {
	t.Helper()
	for _, b := range benchmarks.All() {
		if err := reg.Validate(b); err != nil {
			t.Error(err)
		}
	}
	for name, c := range bad {
		if _, _, err := reg.Resolve(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Covered checks that every control of engine in every benchmark has a
// case giving a non-PASS verdict (breaks) and, unless its check never
// passes, one giving PASS (passes); key names a control's check and
// parameters.
func Covered(t *testing.T, engine string, key func(benchmarks.Control) string, passes, breaks, neverPasses map[string]bool) {
	t.Helper()
	for _, b := range benchmarks.All() {
		for _, c := range b.ControlsOf(engine) {
			k := key(c)
			if !breaks[k] {
				t.Errorf("%s %s: %s has no case giving a non-PASS verdict", b.ID, c.ID, k)
			}
			if !passes[k] && !neverPasses[c.Check] {
				t.Errorf("%s %s: %s has no case giving PASS", b.ID, c.ID, k)
			}
		}
	}
}

// ReportsAsAnnounced checks, for every benchmark and the default one,
// that evaluate reports what controls announces: one result per control,
// in order, sorted, of role cluster and of engine, with a title and a
// remediation, our own KH- controls under benchmark harden, none ERROR;
// and that an unknown benchmark is an error.
func ReportsAsAnnounced(t *testing.T, engine string, controls func(string) ([]report.Control, error), evaluate func(string) report.TargetReport) {
	t.Helper()
	for _, id := range append(benchmarks.Known(), "") {
		cs, err := controls(id)
		if err != nil {
			t.Fatal(err)
		}
		tr := evaluate(id)
		if len(tr.Results) != len(cs) || tr.Error != "" {
			t.Fatalf("%q: %d results for %d controls (error %q)", id, len(tr.Results), len(cs), tr.Error)
		}
		for i, c := range cs {
			r := tr.Results[i]
			if r.ControlID != c.ID || c.Title == "" || c.Remediation == "" || c.Role != report.RoleCluster || c.Engine != engine {
				t.Errorf("%q: result %s for control %+v", id, r.ControlID, c)
			}
			if strings.HasPrefix(c.ID, "KH-") != (c.Benchmark == report.BenchmarkHarden) {
				t.Errorf("%q %s: benchmark %s", id, c.ID, c.Benchmark)
			}
			if i > 0 && report.CompareIDs(cs[i-1].ID, c.ID) >= 0 {
				t.Errorf("%q: not sorted at %s", id, c.ID)
			}
			if r.Status == report.StatusError {
				t.Errorf("%q %s: ERROR %s", id, c.ID, r.Reason)
			}
		}
	}
	if _, err := controls("bogus"); err == nil {
		t.Error("Controls(bogus) accepted")
	}
	if tr := evaluate("bogus"); tr.Error == "" || len(tr.Results) != 0 {
		t.Errorf("Evaluate(bogus): %+v", tr)
	}
}

// Fuzzed checks a fuzzed snapshot document: if it is small enough to be
// worth the fuzzer's time (MaxFuzzInput) and decode accepts it, evaluate
// must report one result per control of the default benchmark, and ERROR
// everywhere, never PASS, when the snapshot cannot be evaluated (why says
// why, "" when it can).
func Fuzzed[S any](t *testing.T, data []byte, decode func([]byte) (S, error), controls func(string) ([]report.Control, error), evaluate func(S) (tr report.TargetReport, why string)) {
	t.Helper()
	if len(data) > MaxFuzzInput {
		return
	}
	s, err := decode(data)
	if err != nil {
		return
	}
	tr, why := evaluate(s)
	if cs, _ := controls(""); len(tr.Results) != len(cs) {
		t.Fatalf("%d results for %d controls", len(tr.Results), len(cs))
	}
	if why == "" {
		return
	}
	for _, r := range tr.Results {
		if r.Status != report.StatusError {
			t.Fatalf("%s is %s on a snapshot that cannot be evaluated (%s)", r.ControlID, r.Status, why)
		}
	}
}

// Rejects checks that decode rejects each case (a document) with an error
// containing its Want, and accepts each of valid.
func Rejects[S any](t *testing.T, decode func([]byte) (S, error), cases []struct{ Name, Doc, Want string }, valid ...string) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			s, err := decode([]byte(c.Doc))
			if err == nil || !strings.Contains(err.Error(), c.Want) {
				t.Fatalf("decode(%s) = %v, %v; want an error containing %q", c.Doc, s, err, c.Want)
			}
		})
	}
	for _, doc := range valid {
		if _, err := decode([]byte(doc)); err != nil {
			t.Errorf("decode(%s): %v", doc, err)
		}
	}
}

// Objects says which evidence lines of a report must name their object.
type Objects struct {
	// Want maps a control to an object one of its evidence lines names.
	Want map[string]report.ObjectRef
	// Kinds are the location prefixes ("pod/") of lines about one object.
	Kinds []string
	// Unjudged are controls whose lines list objects for a review: they
	// carry the object but no status of their own.
	Unjudged []string
	// SameObject asks that a line carrying an object starts with its
	// kind/name.
	SameObject bool
}

// Check checks that every evidence line of a finding that is about one
// Kubernetes object names it in Observation.Object, with the line's own
// status (which diff compares and exceptions match), and that each
// control of Want has a line naming its object.
func (o Objects) Check(t *testing.T, tr report.TargetReport) {
	t.Helper()
	for _, r := range tr.Results {
		found := false
		for _, ob := range r.Evidence {
			if ob.Object == o.Want[r.ControlID] {
				found = true
			}
			if r.Status == report.StatusPass || r.Status == report.StatusNA {
				continue
			}
			named := false
			for _, k := range o.Kinds {
				named = named || strings.HasPrefix(ob.Location, k)
			}
			if named && ob.Object.IsZero() {
				t.Errorf("%s: %q names an object but carries none", r.ControlID, ob.Location)
			}
			if named && ob.Status == "" && !contains(o.Unjudged, r.ControlID) {
				t.Errorf("%s: %q is a finding without its status", r.ControlID, ob.Location)
			}
			if o.SameObject && !ob.Object.IsZero() && !strings.HasPrefix(ob.Location, ob.Object.Kind+"/"+ob.Object.Name) {
				t.Errorf("%s: %q carries another object %s", r.ControlID, ob.Location, ob.Object)
			}
		}
		if w, ok := o.Want[r.ControlID]; ok && !found {
			t.Errorf("%s (%s): no evidence line names %s:\n%s", r.ControlID, r.Status, w, EvidenceText(r))
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// EvidenceText renders a result's evidence one line each, for failures.
func EvidenceText(r report.Result) string {
	var b strings.Builder
	for _, o := range r.Evidence {
		b.WriteString(o.String())
		b.WriteByte('\n')
	}
	return b.String()
}
