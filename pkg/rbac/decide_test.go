package rbac

import (
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

func TestDecideNarrowsBroadGrants(t *testing.T) {
	s := kubeadmSnapshot().
		cr("pods-reader", nil, rule("get,list", "", "pods")).
		crb("anon-pods", nil, "pods-reader", user("system:anonymous")).
		crb("sa-pods", nil, "pods-reader", group("system:serviceaccounts:team-a"))
	m := Build(s)
	for _, tc := range []struct {
		subjects string
		want     report.Status
		names    []string
	}{
		{"", report.StatusFail, []string{"anon-pods", "sa-pods"}},
		{"system:anonymous", report.StatusFail, []string{"anon-pods"}},
		{"system:serviceaccounts", report.StatusFail, []string{"sa-pods"}},
		{"system:unauthenticated,system:authenticated", report.StatusPass, nil},
	} {
		params := map[string]any{"engine": "rbac", "control": "KH-RBAC-3"}
		if tc.subjects != "" {
			params["subjects"] = tc.subjects
		}
		o, err := Decide(m, "KH-RBAC-3", params, EvalOptions{})
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
		for _, n := range []string{"anon-pods", "sa-pods"} {
			wantIn := false
			for _, x := range tc.names {
				wantIn = wantIn || x == n
			}
			if strings.Contains(ev, n) != wantIn {
				t.Errorf("subjects %q: evidence mentions %s = %v, want %v:\n%s", tc.subjects, n, !wantIn, wantIn, ev)
			}
		}
	}
	for _, bad := range []struct {
		id     string
		params map[string]any
	}{
		{"5.1.99", nil},
		{"5.1.1", map[string]any{"subjects": "system:anonymous"}},
		{"KH-RBAC-3", map[string]any{"subjects": "system:masters"}},
		{"5.1.1", map[string]any{"colour": "red"}},
	} {
		if _, err := Decide(m, bad.id, bad.params, EvalOptions{}); err == nil {
			t.Errorf("Decide(%s, %v) accepted", bad.id, bad.params)
		}
	}
	// Without subjects, Decide is the control's own decision.
	native := Evaluate(m, EvalOptions{})
	for _, r := range native.Results {
		o, err := Decide(m, r.ControlID, nil, EvalOptions{})
		if err != nil || o.Status != r.Status || o.Reason != r.Reason {
			t.Errorf("Decide(%s) = %s %q %v, Evaluate gave %s %q", r.ControlID, o.Status, o.Reason, err, r.Status, r.Reason)
		}
	}
}
