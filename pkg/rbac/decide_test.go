package rbac

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/enginetest"
	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestEveryBenchmarkResolves: every RBAC control of every benchmark names a
// registered rbac check with valid parameters. A benchmark that gives a
// check a parameter it does not take, or a value outside its schema, fails
// here, in the package that owns the check.
func TestEveryBenchmarkResolves(t *testing.T) {
	enginetest.EveryBenchmarkResolves(t, Registry(), map[string]benchmarks.Control{
		"unknown check":      {ID: "1", Check: "rbac.nope"},
		"unknown subject":    {ID: "1", Check: broadCheck, Params: Params{"subjects": "system:masters"}},
		"param not taken":    {ID: "1", Check: "rbac.wildcard-roles", Params: Params{"subjects": "system:anonymous"}},
		"manual without why": {ID: "1", Check: ManualCheck},
		"node check":         {ID: "1", Check: "file.mode"},
	})
}

func pairKey(c benchmarks.Control) string {
	spec, _, ok := Registry().Lookup(c.Check)
	if !ok {
		return c.Check + " (unregistered)"
	}
	return c.Check + " {" + spec.Verdict(c.Params).Key() + "}"
}

// subjectCases pin rbac.broad-subject-grants per subjects parameter on a
// cluster where system:anonymous and system:serviceaccounts:team-a are
// granted pods.
var subjectCases = []struct {
	subjects string
	want     report.Status
	names    []string
	// extra is one more subject granted pods, besides broadSnapshot's.
	extra string
}{
	{"", report.StatusFail, []string{"anon-pods", "sa-pods"}, ""},
	{"system:anonymous", report.StatusFail, []string{"anon-pods"}, ""},
	{"system:serviceaccounts", report.StatusFail, []string{"sa-pods"}, ""},
	{"system:unauthenticated,system:authenticated", report.StatusPass, nil, ""},
	{"system:unauthenticated", report.StatusPass, nil, ""},
	{"system:authenticated", report.StatusPass, nil, ""},
	{"system:unauthenticated", report.StatusFail, []string{"extra-pods"}, "system:unauthenticated"},
	{"system:authenticated", report.StatusFail, []string{"extra-pods"}, "system:authenticated"},
	{"system:anonymous", report.StatusPass, nil, "-"},
}

func broadSnapshot() *Snapshot {
	return kubeadmSnapshot().
		cr("pods-reader", nil, rule("get,list", "", "pods")).
		crb("anon-pods", nil, "pods-reader", user("system:anonymous")).
		crb("sa-pods", nil, "pods-reader", group("system:serviceaccounts:team-a"))
}

func TestDecideNarrowsBroadGrants(t *testing.T) {
	for _, tc := range subjectCases {
		var s *Snapshot
		switch tc.extra {
		case "-":
			s = kubeadmSnapshot()
		case "":
			s = broadSnapshot()
		default:
			s = broadSnapshot().crb("extra-pods", nil, "pods-reader", group(tc.extra))
		}
		m := Build(s)
		params := Params{}
		if tc.subjects != "" {
			params["subjects"] = tc.subjects
		}
		o, err := Decide(m, broadCheck, params, EvalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ev := ""
		for _, e := range o.Evidence {
			ev += e.String() + "\n"
		}
		if o.Status != tc.want {
			t.Errorf("subjects %q: %s %q, want %s", tc.subjects, o.Status, o.Reason, tc.want)
		}
		for _, n := range []string{"anon-pods", "sa-pods", "extra-pods"} {
			wantIn := false
			for _, x := range tc.names {
				wantIn = wantIn || x == n
			}
			if strings.Contains(ev, n) != wantIn {
				t.Errorf("subjects %q: evidence mentions %s = %v, want %v:\n%s", tc.subjects, n, !wantIn, wantIn, ev)
			}
		}
	}
	m := Build(broadSnapshot())
	for check, params := range map[string]Params{
		"rbac.nope":                   nil,
		"rbac.cluster-admin-bindings": {"subjects": "system:anonymous"},
		broadCheck:                    {"subjects": "system:masters"},
	} {
		if _, err := Decide(m, check, params, EvalOptions{}); err == nil {
			t.Errorf("Decide(%s, %v) accepted", check, params)
		}
	}
}

// neverPasses are checks whose verdict is a review at best.
var neverPasses = map[string]bool{ManualCheck: true, "rbac.system-masters-bindings": true}

// TestEveryCheckHasCases keeps the semantics of every benchmark guarded:
// each distinct (check, parameters) pair that any benchmark's RBAC controls
// use is shown to give a non-PASS verdict on some cluster and PASS on
// another (controlCases, written against testBenchmark's IDs, and
// subjectCases). A changed parameter makes a pair without cases.
func TestEveryCheckHasCases(t *testing.T) {
	byID := map[string]benchmarks.Control{}
	tb, _ := benchmarks.Lookup(testBenchmark)
	for _, c := range tb.ControlsOf(benchmarks.EngineRBAC) {
		byID[c.ID] = c
	}
	for _, c := range ownControls {
		byID[c.ID] = benchmarks.Control{ID: c.ID, Check: c.Check, Params: c.params}
	}
	breaks, passes := map[string]bool{}, map[string]bool{}
	for _, tc := range controlCases {
		c, ok := byID[tc.id]
		if !ok {
			t.Fatalf("case for %s, which is neither a control of %s nor ours", tc.id, testBenchmark)
		}
		if tc.want == report.StatusPass {
			passes[pairKey(c)] = true
		} else {
			breaks[pairKey(c)] = true
		}
	}
	for _, tc := range subjectCases {
		c := benchmarks.Control{Check: broadCheck, Params: Params{}}
		if tc.subjects != "" {
			c.Params["subjects"] = tc.subjects
		}
		if tc.want == report.StatusPass {
			passes[pairKey(c)] = true
		} else {
			breaks[pairKey(c)] = true
		}
	}
	// A manual control is a WARN whatever it asks.
	breaks[pairKey(benchmarks.Control{Check: ManualCheck})] = true
	enginetest.Covered(t, benchmarks.EngineRBAC, pairKey, passes, breaks, neverPasses)
}

func kindSnapshot(t *testing.T) *Snapshot {
	t.Helper()
	b, err := os.ReadFile("testdata/kind-1.34-snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	var s Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func byControl(t report.TargetReport) map[string]report.Result {
	out := map[string]report.Result{}
	for _, r := range t.Results {
		out[r.ControlID] = r
	}
	return out
}

// TestSameCheckSameDecision: every benchmark's RBAC control reports the
// decision of its check with its parameters, under its own ID, metadata
// and benchmark; so two benchmarks' controls with one check agree (EKS
// 4.1.1 is CIS 5.1.1's decision).
func TestSameCheckSameDecision(t *testing.T) {
	s := kindSnapshot(t)
	s.crb("ops-admin", nil, "cluster-admin", user("alice"))
	m := Build(s)
	for _, b := range benchmarks.All() {
		got := byControl(Evaluate(m, EvalOptions{Benchmark: b.ID}))
		for _, c := range b.ControlsOf(benchmarks.EngineRBAC) {
			want, err := Decide(m, c.Check, c.Params, EvalOptions{})
			r := got[c.ID]
			if err != nil || r.Status != want.Status || r.Reason != want.Reason || r.Benchmark != b.ID || r.Title != c.Title {
				t.Errorf("%s %s = %s %q (%s), want the decision of %s: %s %q %v", b.ID, c.ID, r.Status, r.Reason, r.Benchmark, c.Check, want.Status, want.Reason, err)
			}
		}
	}
}

// TestOwnControlsReportedOnce: a KH- control whose decision a benchmark
// makes under its own ID is not reported again; KH-RBAC-3 is kept for the
// broad subjects a benchmark's own controls leave out. CIS GKE 4.1.8-4.1.10
// are rbac.broad-subject-grants for one subject each: a grant to
// system:anonymous fails 4.1.8 only, not KH-RBAC-3 again.
func TestOwnControlsReportedOnce(t *testing.T) {
	s := kindSnapshot(t)
	s.crb("anon-view", nil, "view", user("system:anonymous"))
	m := Build(s)
	if r := byControl(Evaluate(m, EvalOptions{Benchmark: testBenchmark}))["KH-RBAC-3"]; r.Status != report.StatusFail {
		t.Fatalf("KH-RBAC-3 under %s = %s, want FAIL for the anonymous binding", testBenchmark, r.Status)
	}
	tr := Evaluate(m, EvalOptions{Benchmark: "gke-1.9.0"})
	gke := byControl(tr)
	for id, want := range map[string]report.Status{"4.1.8": report.StatusFail, "4.1.9": report.StatusPass, "4.1.10": report.StatusPass, "KH-RBAC-3": report.StatusPass} {
		if got := gke[id]; got.Status != want {
			t.Errorf("gke %s = %s %q, want %s", id, got.Status, got.Reason, want)
		}
	}
	if r := gke["4.1.8"]; len(r.Evidence) == 0 || !strings.Contains(r.Evidence[0].String(), "anon-view") {
		t.Errorf("gke 4.1.8 evidence does not name the binding: %v", r.Evidence)
	}
	if r := gke["KH-RBAC-3"]; !strings.Contains(r.Reason, "system:anonymous, system:unauthenticated, system:authenticated: reported by the benchmark's own controls") {
		t.Errorf("KH-RBAC-3 reason does not say what the benchmark reports: %q", r.Reason)
	}
	// A benchmark that names a KH- control's check with the same
	// parameters reports it once, under its own ID, and says so.
	b, _ := benchmarks.Lookup("gke-1.9.0")
	folded := *b
	folded.ID = "gke-folded"
	folded.Controls = append(append([]benchmarks.Control{}, b.Controls...), benchmarks.Control{
		ID: "9.9", Title: "no legacy tokens", Level: 1, Role: report.RoleCluster, Check: "rbac.legacy-token-secrets", Remediation: "r"})
	ps, notes := plan(&folded)
	for _, p := range ps {
		if p.control.ID == "KH-RBAC-1" {
			t.Error("KH-RBAC-1 reported beside the benchmark control that makes its decision")
		}
	}
	if !strings.Contains(strings.Join(notes, "\n"), "KH-RBAC-1 is reported as gke-folded 9.9") {
		t.Errorf("notes do not say where KH-RBAC-1 went: %v", notes)
	}
}

// --benchmark harden keeps our own controls only.
func TestHardenOnlyOwnControls(t *testing.T) {
	tr := Evaluate(Build(kindSnapshot(t)), EvalOptions{Benchmark: benchmarks.Harden})
	if len(tr.Results) != len(ownControls) {
		t.Errorf("%d results, want our %d", len(tr.Results), len(ownControls))
	}
	for _, r := range tr.Results {
		if !strings.HasPrefix(r.ControlID, "KH-") {
			t.Errorf("%s reported with --benchmark harden", r.ControlID)
		}
	}
}
