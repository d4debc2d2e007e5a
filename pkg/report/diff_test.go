package report

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func res(target, id string, st Status, ev ...string) Result {
	r := Result{ControlID: id, Title: "title " + id, Target: target, Status: st}
	for _, e := range ev {
		r.Evidence = append(r.Evidence, Observation{Location: e})
	}
	return r
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
			name: "several results of one control are told apart by object",
			old: rep(map[string][]Result{"cluster": {
				res("cluster", "KH-W-1", StatusFail, "deployment/a/web"), res("cluster", "KH-W-1", StatusFail, "deployment/b/api"),
			}}, "cluster"),
			cur: rep(map[string][]Result{"cluster": {
				res("cluster", "KH-W-1", StatusFail, "deployment/b/api"), res("cluster", "KH-W-1", StatusFail, "deployment/c/db"),
			}}, "cluster"),
			wantNew:   []string{"cluster/KH-W-1/deployment/c/db >FAIL"},
			wantFixed: []string{"cluster/KH-W-1/deployment/a/web FAIL>"}, wantChanged: []string{},
			wantAdded: []string{}, wantRemoved: []string{},
			regressFail: 1, regressWarn: 1,
		},
		{
			name: "one result becomes one per object, matched by evidence",
			old:  rep(map[string][]Result{"cluster": {res("cluster", "KH-W-1", StatusFail, "deployment/a/web")}}, "cluster"),
			cur: rep(map[string][]Result{"cluster": {
				res("cluster", "KH-W-1", StatusFail, "deployment/a/web"), res("cluster", "KH-W-1", StatusWarn, "deployment/b/api"),
			}}, "cluster"),
			wantNew: []string{"cluster/KH-W-1/deployment/b/api >WARN"}, wantFixed: []string{}, wantChanged: []string{},
			wantAdded: []string{}, wantRemoved: []string{},
			regressFail: 0, regressWarn: 1,
		},
		{
			name: "one per object becomes one result",
			old: rep(map[string][]Result{"cluster": {
				res("cluster", "KH-W-1", StatusFail, "deployment/a/web"), res("cluster", "KH-W-1", StatusFail, "deployment/b/api"),
			}}, "cluster"),
			cur:     rep(map[string][]Result{"cluster": {res("cluster", "KH-W-1", StatusWarn, "deployment/b/api")}}, "cluster"),
			wantNew: []string{}, wantFixed: []string{"cluster/KH-W-1/deployment/a/web FAIL>"}, wantChanged: []string{"cluster/KH-W-1 FAIL>WARN"},
			wantAdded: []string{}, wantRemoved: []string{},
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
			// JSON round trip.
			b, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			var back Diff
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(*d, back); diff != "" {
				t.Errorf("JSON round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindingKeys(t *testing.T) {
	got := FindingKeys([]Result{
		res("c", "1", StatusFail), res("c", "2", StatusFail, "a"), res("c", "2", StatusFail, "b"),
		res("c", "2", StatusFail, "a"), res("c", "3", StatusPass), res("c", "3", StatusPass),
	})
	want := []FindingKey{
		{"c", "1", ""}, {"c", "2", "a"}, {"c", "2", "b"}, {"c", "2", "a#2"}, {"c", "3", "#1"}, {"c", "3", "#2"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDecodeReports(t *testing.T) {
	one := rep(map[string][]Result{"n1": {res("n1", "1.1", StatusFail)}}, "n1")
	b, _ := json.Marshal(one)
	r, err := DecodeReports(b)
	if err != nil || r.Kind != KindNodeScan || len(r.Targets) != 1 || r.Summary.Fail != 1 || r.Metadata.Benchmark != BenchmarkCIS112 {
		t.Fatalf("%+v %v", r, err)
	}
	// A document that bundles reports (as `all` may) is read whatever its shape.
	rb := NewReport(KindRBAC, Metadata{Benchmark: BenchmarkCIS112})
	rb.AddTarget(TargetReport{Name: "cluster", Results: []Result{res("cluster", "5.1.1", StatusWarn)}})
	bundle, _ := json.Marshal(map[string]any{"apiVersion": ReportAPIVersion, "kind": "ClusterReport", "metadata": one.Metadata, "reports": []any{one, rb}})
	r, err = DecodeReports(bundle)
	if err != nil || r.Kind != "ClusterReport" || len(r.Targets) != 2 || r.Summary.Total != 2 {
		t.Fatalf("bundle: %+v %v", r, err)
	}
	for _, bad := range []string{`[]`, `{"kind":"ControlList","items":[]}`, `not json`} {
		if _, err := DecodeReports([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// FuzzDecodeReports feeds arbitrary documents to the report reader (report
// files are user input): it must not panic, and a report it accepts has no
// difference with itself.
func FuzzDecodeReports(f *testing.F) {
	one := rep(map[string][]Result{"n1": {res("n1", "1.1", StatusFail, "a"), res("n1", "1.1", StatusPass)}}, "n1")
	b, _ := json.Marshal(one)
	f.Add(b)
	f.Add([]byte(`{"kind":"ClusterReport","reports":[{"targets":[{"name":"x","results":[{"controlID":"1","status":"FAIL"}]}]}]}`))
	f.Add([]byte(`{"targets":null}`))
	f.Add([]byte(`{"a":{"targets":[{"results":[{}]}]},"metadata":{"generated":"x"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeReports(data)
		if err != nil {
			return
		}
		d := Compare(r, r)
		if len(d.NewFindings)+len(d.FixedFindings)+len(d.Changed)+len(d.TargetsAdded)+len(d.TargetsRemoved) != 0 {
			t.Errorf("a report differs from itself: %+v", d)
		}
	})
}
