package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
)

func res(target, id string, st Status, ev ...string) Result {
	r := Result{ControlID: id, Title: "title " + id, Target: target, Status: st}
	for _, e := range ev {
		r.Evidence = append(r.Evidence, Observation{Location: e})
	}
	return r
}

// obj is a result whose evidence lines name objects, with omitted lines
// left out.
func obj(target, id string, st Status, omitted int, lines ...Observation) Result {
	r := Result{ControlID: id, Title: "title " + id, Target: target, Status: st, Evidence: lines, Omitted: omitted}
	return r
}

func fail(kind, ns, name string) Observation {
	return Observation{Location: kind + "/" + name, Value: "privileged", Object: ObjectRef{Kind: kind, Namespace: ns, Name: name}, Status: StatusFail}
}

func warn(kind, ns, name string) Observation {
	o := fail(kind, ns, name)
	o.Status = StatusWarn
	return o
}

func rep(targets map[string][]Result, order ...string) *Report {
	r := NewReport(KindNodeScan, Metadata{Benchmark: BenchmarkCIS112, Generated: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	for _, name := range order {
		r.AddTarget(TargetReport{Name: name, Results: targets[name]})
	}
	return r
}

func keys(cs []Change) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.String()+" "+string(c.OldStatus)+">"+string(c.NewStatus))
	}
	return out
}

func TestCompare(t *testing.T) {
	cases := []struct {
		name                   string
		old, cur               *Report
		wantNew, wantFixed     []string
		wantChanged            []string
		wantAdded, wantRemoved []string
		regressFail            int
		regressWarn            int
	}{
		{
			name:    "identical",
			old:     rep(map[string][]Result{"n1": {res("n1", "1.1", StatusFail)}}, "n1"),
			cur:     rep(map[string][]Result{"n1": {res("n1", "1.1", StatusFail)}}, "n1"),
			wantNew: []string{}, wantFixed: []string{}, wantChanged: []string{}, wantAdded: []string{}, wantRemoved: []string{},
		},
		{
			name: "new, fixed and changed",
			old: rep(map[string][]Result{"n1": {
				res("n1", "1.1", StatusPass), res("n1", "1.2", StatusFail), res("n1", "1.3", StatusWarn), res("n1", "1.4", StatusPass), res("n1", "1.5", StatusFail),
			}}, "n1"),
			cur: rep(map[string][]Result{"n1": {
				res("n1", "1.1", StatusFail), res("n1", "1.2", StatusPass), res("n1", "1.3", StatusFail), res("n1", "1.4", StatusNA), res("n1", "1.6", StatusWarn),
			}}, "n1"),
			wantNew:     []string{"n1/1.1 PASS>FAIL", "n1/1.6 >WARN"},
			wantFixed:   []string{"n1/1.2 FAIL>PASS", "n1/1.5 FAIL>"},
			wantChanged: []string{"n1/1.3 WARN>FAIL", "n1/1.4 PASS>N/A"},
			wantAdded:   []string{}, wantRemoved: []string{},
			regressFail: 2, regressWarn: 3,
		},
		{
			name:    "targets added and removed",
			old:     rep(map[string][]Result{"n1": {res("n1", "1.1", StatusPass)}, "gone": {res("gone", "1.1", StatusFail)}}, "n1", "gone"),
			cur:     rep(map[string][]Result{"n1": {res("n1", "1.1", StatusPass)}, "n2": {res("n2", "1.1", StatusWarn), res("n2", "1.2", StatusPass)}}, "n1", "n2"),
			wantNew: []string{"n2/1.1 >WARN"}, wantFixed: []string{}, wantChanged: []string{},
			wantAdded: []string{"n2"}, wantRemoved: []string{"gone"},
			regressFail: 0, regressWarn: 1,
		},
		{
			name: "objects of a control that stays a finding are matched by reference",
			old: rep(map[string][]Result{"workloads": {
				obj("workloads", "5.2.2", StatusFail, 0, fail("deployment", "a", "web"), fail("deployment", "b", "api"), warn("daemonset", "c", "agent")),
			}}, "workloads"),
			cur: rep(map[string][]Result{"workloads": {
				obj("workloads", "5.2.2", StatusFail, 0, fail("deployment", "b", "api"), fail("deployment", "c", "db"), fail("daemonset", "c", "agent")),
			}}, "workloads"),
			wantNew:     []string{"workloads/5.2.2/deployment/c/db >FAIL"},
			wantFixed:   []string{"workloads/5.2.2/deployment/a/web FAIL>"},
			wantChanged: []string{"workloads/5.2.2/daemonset/c/agent WARN>FAIL"},
			wantAdded:   []string{}, wantRemoved: []string{},
			regressFail: 2, regressWarn: 2,
		},
		{
			name: "a side whose evidence was cut concludes nothing from an absent object",
			old: rep(map[string][]Result{"workloads": {
				obj("workloads", "5.2.2", StatusFail, 3, fail("deployment", "a", "web")),
			}}, "workloads"),
			cur: rep(map[string][]Result{"workloads": {
				obj("workloads", "5.2.2", StatusFail, 0, fail("deployment", "b", "api")),
			}}, "workloads"),
			wantNew: []string{}, wantFixed: []string{"workloads/5.2.2/deployment/a/web FAIL>"}, wantChanged: []string{},
			wantAdded: []string{}, wantRemoved: []string{},
		},
		{
			name: "a control that becomes a finding is one change, not one per object",
			old:  rep(map[string][]Result{"cluster": {obj("cluster", "5.1.1", StatusPass, 0)}}, "cluster"),
			cur: rep(map[string][]Result{"cluster": {
				obj("cluster", "5.1.1", StatusFail, 0, fail("clusterrolebinding", "", "ops"), fail("rolebinding", "dev", "admin")),
			}}, "cluster"),
			wantNew: []string{"cluster/5.1.1 PASS>FAIL"}, wantFixed: []string{}, wantChanged: []string{},
			wantAdded: []string{}, wantRemoved: []string{},
			regressFail: 1, regressWarn: 1,
		},
		{
			name:    "ERROR regresses every gate: what could not be evaluated never passes",
			old:     rep(map[string][]Result{"n1": {res("n1", "1.1", StatusPass), res("n1", "1.2", StatusFail)}}, "n1"),
			cur:     rep(map[string][]Result{"n1": {res("n1", "1.1", StatusError), res("n1", "1.2", StatusError)}}, "n1"),
			wantNew: []string{}, wantFixed: []string{"n1/1.2 FAIL>ERROR"}, wantChanged: []string{"n1/1.1 PASS>ERROR"},
			wantAdded: []string{}, wantRemoved: []string{},
			regressFail: 1, regressWarn: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Compare(tc.old, tc.cur)
			if diff := cmp.Diff(tc.wantNew, keys(d.NewFindings)); diff != "" {
				t.Errorf("new (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantFixed, keys(d.FixedFindings)); diff != "" {
				t.Errorf("fixed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantChanged, keys(d.Changed)); diff != "" {
				t.Errorf("changed (-want +got):\n%s", diff)
			}
			names := func(ts []TargetChange) []string {
				out := []string{}
				for _, t := range ts {
					out = append(out, t.Name)
				}
				return out
			}
			if diff := cmp.Diff(tc.wantAdded, names(d.TargetsAdded)); diff != "" {
				t.Errorf("added (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantRemoved, names(d.TargetsRemoved)); diff != "" {
				t.Errorf("removed (-want +got):\n%s", diff)
			}
			if n := d.Regressions(StatusFail); n != tc.regressFail {
				t.Errorf("regressions at FAIL: %d, want %d", n, tc.regressFail)
			}
			if n := d.Regressions(StatusWarn); n != tc.regressWarn {
				t.Errorf("regressions at WARN: %d, want %d", n, tc.regressWarn)
			}
			if diff := cmp.Diff(*d, testutil.JSONRoundTrip(t, *d)); diff != "" {
				t.Errorf("JSON round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	one := rep(map[string][]Result{"n1": {res("n1", "1.1", StatusFail)}}, "n1")
	one.Summary = Summary{Pass: 99} // counts in a file are not trusted
	b, _ := json.Marshal(one)
	r, err := Decode(bytes.NewReader(b))
	if err != nil || r.Kind != KindNodeScan || len(r.Targets) != 1 || r.Summary.Fail != 1 || r.Summary.Pass != 0 || r.Metadata.Benchmark != BenchmarkCIS112 {
		t.Fatalf("%+v %v", r, err)
	}
	for _, tc := range []struct{ doc, want string }{
		{`[]`, "not a kubectl-harden report"},
		{`null`, "null"},
		{`not json`, "not a kubectl-harden report"},
		{`{"kind":"ControlList","items":[]}`, `kind "ControlList"`},
		{`{"apiVersion":"v1","kind":"RBACReport","targets":[]}`, `apiVersion "v1"`},
		{`{"apiVersion":"harden.kubectl.io/v1alpha1","kind":"RBACReport"}`, "targets is missing"},
		{`{"apiVersion":"harden.kubectl.io/v1alpha1","kind":"RBACReport","targets":[{"name":"c","kind":"pod","results":[]}]}`, `kind "pod"`},
		{`{"apiVersion":"harden.kubectl.io/v1alpha1","kind":"RBACReport","targets":[{"name":"c","results":[{"controlID":"5.1.1","status":"OK"}]}]}`, `targets[0].results[0] (c 5.1.1): status "OK"`},
		{`{"apiVersion":"harden.kubectl.io/v1alpha1","kind":"RBACReport","targets":[{"name":"c","results":[{"controlID":"5.1.1","status":"ACCEPTED","acceptedStatus":"PASS"}]}]}`, `status ACCEPTED without the accepted verdict`},
	} {
		if _, err := Decode(strings.NewReader(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.doc, err, tc.want)
		}
	}
}

// FuzzDecode feeds arbitrary documents to the report reader (report files
// are user input): it must not panic, and a report it accepts has no
// difference with itself.
func FuzzDecode(f *testing.F) {
	one := rep(map[string][]Result{"n1": {res("n1", "1.1", StatusFail, "a"), obj("n1", "1.2", StatusFail, 0, fail("pod", "a", "b"), fail("pod", "a", "b"))}}, "n1")
	b, _ := json.Marshal(one)
	f.Add(b)
	f.Add([]byte(`{"apiVersion":"harden.kubectl.io/v1alpha1","kind":"ClusterReport","targets":[{"name":"x","results":[{"controlID":"1","status":"FAIL"},{"controlID":"1","status":"PASS"}]}]}`))
	f.Add([]byte(`{"targets":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		d := Compare(r, r)
		if len(d.NewFindings)+len(d.FixedFindings)+len(d.Changed)+len(d.TargetsAdded)+len(d.TargetsRemoved) != 0 {
			t.Errorf("a report differs from itself: %+v", d)
		}
	})
}

// TestCompareAccepted: a finding that became ACCEPTED is listed as
// accepted, never as fixed; one ACCEPTED before and FAIL now (its
// exception expired) is a new finding and a regression.
func TestCompareAccepted(t *testing.T) {
	acc := res("n1", "1.1", StatusAccepted)
	acc.AcceptedStatus = StatusFail
	raw := rep(map[string][]Result{"n1": {res("n1", "1.1", StatusFail)}}, "n1")
	accepted := rep(map[string][]Result{"n1": {acc}}, "n1")
	d := Compare(raw, accepted)
	if len(d.FixedFindings) != 0 || len(d.AcceptedFindings) != 1 || d.AcceptedFindings[0].OldStatus != StatusFail || d.Regressions(StatusFail) != 0 {
		t.Errorf("FAIL to ACCEPTED: %+v", d)
	}
	d = Compare(accepted, raw)
	if len(d.NewFindings) != 1 || d.Regressions(StatusFail) != 1 {
		t.Errorf("ACCEPTED to FAIL: %+v", d)
	}
	// Per object: one of two objects accepted while the control still fails.
	obj := func(name string, st Status) Observation {
		o := ObjectRef{Kind: "deployment", Namespace: "prod", Name: name}
		return Observation{Location: o.String(), Object: o, Status: st}
	}
	old := res("workloads", "5.2.2", StatusFail)
	old.Evidence = []Observation{obj("a", StatusFail), obj("b", StatusFail)}
	cur := res("workloads", "5.2.2", StatusFail)
	cur.Evidence = []Observation{obj("a", StatusAccepted), obj("b", StatusFail)}
	cur.Evidence[0].AcceptedStatus = StatusFail
	d = Compare(rep(map[string][]Result{"workloads": {old}}, "workloads"), rep(map[string][]Result{"workloads": {cur}}, "workloads"))
	if len(d.FixedFindings) != 0 || len(d.AcceptedFindings) != 1 || d.AcceptedFindings[0].Object.Name != "a" {
		t.Errorf("object accepted: fixed %+v, accepted %+v", d.FixedFindings, d.AcceptedFindings)
	}
}
