package report

import (
	"strings"
	"testing"
)

func TestObjectRefMatch(t *testing.T) {
	proxy := ObjectRef{Kind: "daemonset", Namespace: "kube-system", Name: "kube-proxy"}
	crb := ObjectRef{Kind: "clusterrolebinding", Name: "ops-admin"}
	for _, tc := range []struct {
		obj     ObjectRef
		pattern string
		want    bool
	}{
		{proxy, "daemonset/kube-system/*", true},
		{proxy, "DaemonSet/kube-system/kube-proxy", true},
		{proxy, "*/kube-system/*", true},
		{proxy, "daemonset/kube-*/kube-?roxy", true},
		{proxy, "deployment/kube-system/*", false},
		{proxy, "daemonset/*", false}, // a namespaced object needs its namespace part
		{crb, "clusterrolebinding/ops-*", true},
		{crb, "clusterrolebinding/*/ops-admin", false},
		{ObjectRef{}, "*/*", false},
	} {
		got, err := tc.obj.Match(tc.pattern)
		if err != nil || got != tc.want {
			t.Errorf("%s.Match(%q) = %v, %v; want %v", tc.obj, tc.pattern, got, err, tc.want)
		}
	}
	for _, bad := range []string{"daemonset", "a/b/c/d", "daemonset/[/x"} {
		if _, err := proxy.Match(bad); err == nil {
			t.Errorf("pattern %q: no error", bad)
		}
	}
	if proxy.String() != "daemonset/kube-system/kube-proxy" || crb.String() != "clusterrolebinding/ops-admin" || (ObjectRef{}).String() != "" {
		t.Errorf("String: %s %s", proxy, crb)
	}
}

// One glob semantics for --control everywhere: IDs or path.Match globs,
// in any case, empty values ignored, malformed globs refused.
func TestControlGlobs(t *testing.T) {
	g, err := ParseControlGlobs([]string{" 1.2.* ", "", "kh-pki-?", "V-2423[89]?"})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{
		"1.2.1": true, "1.2.30": true, "1.3.1": false, "KH-PKI-1": true, "KH-PKI-10": false,
		"V-242387": true, "V-242390": true, "V-242400": false, "1.2": false,
	} {
		if got := g.Match(id); got != want {
			t.Errorf("Match(%q) = %v, want %v", id, got, want)
		}
	}
	if !(ControlGlobs(nil)).Match("anything") {
		t.Error("no glob must keep every control")
	}
	if _, err := ParseControlGlobs([]string{"1.[2"}); err == nil || !strings.Contains(err.Error(), `--control "1.[2"`) {
		t.Errorf("malformed glob: %v", err)
	}
}

// A gate never passes on what could not be evaluated.
func TestTrips(t *testing.T) {
	for _, tc := range []struct {
		st, threshold Status
		want          bool
	}{
		{StatusFail, StatusFail, true}, {StatusWarn, StatusFail, false}, {StatusError, StatusFail, true},
		{StatusFail, StatusWarn, true}, {StatusWarn, StatusWarn, true}, {StatusError, StatusWarn, true},
		{StatusPass, StatusWarn, false}, {StatusInfo, StatusWarn, false}, {StatusNA, StatusWarn, false},
		{StatusError, "", false}, {StatusFail, "", false},
	} {
		if got := tc.st.Trips(tc.threshold); got != tc.want {
			t.Errorf("%s.Trips(%q) = %v, want %v", tc.st, tc.threshold, got, tc.want)
		}
	}
	r := NewReport(KindNodeScan, Metadata{})
	r.AddTarget(TargetReport{Name: "n", Results: []Result{{Status: StatusFail}, {Status: StatusError}, {Status: StatusWarn}, {Status: StatusPass}}})
	if n, errs := r.Tripping(StatusFail); n != 2 || errs != 1 {
		t.Errorf("Tripping(FAIL) = %d, %d", n, errs)
	}
}

func TestTargetRef(t *testing.T) {
	for _, tc := range []struct {
		t    TargetReport
		want string
	}{
		{TargetReport{Kind: TargetNode, Name: "workloads"}, "node/workloads"},
		{TargetReport{Kind: TargetWorkloads, Name: "workloads"}, "workloads"},
		{TargetReport{Kind: TargetCluster, Name: "cluster"}, "cluster"},
		{TargetReport{Name: "old-report-node"}, "old-report-node"},
	} {
		if got := tc.t.Ref(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.t, got, tc.want)
		}
	}
}

// AddTarget keeps the report's summary without recounting everything.
func TestAddTargetSummary(t *testing.T) {
	r := bigReport(3)
	want := r.Summary
	r.Recount()
	if r.Summary != want || want.Total != 3*130 {
		t.Errorf("incremental %+v, recounted %+v", want, r.Summary)
	}
}
