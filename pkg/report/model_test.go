package report

import "testing"

func TestAddEvidence(t *testing.T) {
	lines := func(n int) []Observation { return make([]Observation, n) }
	for _, tc := range []struct {
		name           string
		had, add, max  int
		wantAll        bool
		wantLines      int
		wantOmitted    int
		wantLastIsNote bool
	}{
		{"under the bound", 0, 3, 5, true, 3, 0, false},
		{"exactly the bound", 2, 3, 5, true, 5, 0, false},
		{"over the bound", 2, 6, 5, false, 6, 3, true},
		{"already full", 5, 2, 5, false, 6, 2, true},
		{"default bound", 0, DefaultMaxEvidence + 1, 0, false, DefaultMaxEvidence + 1, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Outcome{Evidence: lines(tc.had)}
			all := o.AddEvidence(tc.max, lines(tc.add)...)
			if all != tc.wantAll || len(o.Evidence) != tc.wantLines || o.Omitted != tc.wantOmitted {
				t.Fatalf("AddEvidence: %v, %d lines, %d omitted", all, len(o.Evidence), o.Omitted)
			}
			if last := o.Evidence[len(o.Evidence)-1]; (last.Location == "…") != tc.wantLastIsNote {
				t.Errorf("last line %+v", last)
			}
		})
	}
}

func TestFound(t *testing.T) {
	for _, tc := range []struct {
		fail bool
		want Status
	}{{false, StatusWarn}, {true, StatusFail}} {
		var o Outcome
		o.Found(3, tc.fail, "wildcard roles")
		if o.Status != tc.want || o.Reason != "3 finding(s): wildcard roles" {
			t.Errorf("fail=%v: %+v", tc.fail, o)
		}
	}
}
