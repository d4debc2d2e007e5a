package workloads

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-harden/kubectl-harden/internal/enginetest"
	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestEveryBenchmarkResolves: every workload control of every benchmark
// names a registered workloads check with valid parameters. A benchmark
// that gives a check a parameter it does not take, or a value outside its
// schema, fails here, in the package that owns the check.
func TestEveryBenchmarkResolves(t *testing.T) {
	enginetest.EveryBenchmarkResolves(t, Registry(), map[string]benchmarks.Control{
		"unknown check":      {ID: "1", Check: "workloads.nope"},
		"unknown namespace":  {ID: "1", Check: "workloads.host-namespaces", Params: Params{"namespace": "hostUTS"}},
		"param not taken":    {ID: "1", Check: "workloads.privileged-containers", Params: Params{"subjects": "x"}},
		"manual without why": {ID: "1", Check: ManualCheck},
		"rbac check":         {ID: "1", Check: "rbac.wildcard-roles"},
	})
}

// TestControlsOfEveryBenchmark: what Evaluate reports for each benchmark is
// what Controls announces, sorted, of role cluster, never ERROR on a
// complete snapshot; harden reports nothing (no KH- workload control).
func TestControlsOfEveryBenchmark(t *testing.T) {
	m := Build(baseSnapshot(wl("deployment", "prod", "web", nil)))
	enginetest.ReportsAsAnnounced(t, benchmarks.EngineWorkloads, Controls, func(id string) report.TargetReport {
		return Evaluate(m, EvalOptions{Benchmark: id})
	})
	if cs, _ := Controls(benchmarks.Harden); len(cs) != 0 {
		t.Errorf("harden has %d workload controls, want none", len(cs))
	}
}

// verdictCases are the verdicts of the cluster-level controls (the pod
// controls are podCases) on small clusters, by testBenchmark's IDs.
var verdictCases = []struct {
	id   string
	snap func() *Snapshot
	want report.Status
}{
	{"5.2.1", func() *Snapshot { return baseSnapshot(wl("deployment", "prod", "web", nil)) }, report.StatusInfo},
	{"5.2.1", func() *Snapshot {
		s := baseSnapshot(wl("deployment", "team-a", "api", nil))
		s.Namespaces = append(s.Namespaces, Namespace{Name: "team-a"})
		return s
	}, report.StatusFail},
	{"5.3.1", func() *Snapshot { return baseSnapshot() }, report.StatusPass},
	{"5.3.1", func() *Snapshot {
		s := baseSnapshot()
		s.Workloads = []Workload{{Kind: "daemonset", Namespace: "kube-flannel", Name: "kube-flannel-ds", Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "kube-flannel", Image: "docker.io/flannel/flannel:v0.26"}}}}}
		return s
	}, report.StatusFail},
	{"5.3.2", func() *Snapshot { return baseSnapshot(wl("deployment", "prod", "web", nil)) }, report.StatusInfo},
	{"5.3.2", func() *Snapshot {
		s := baseSnapshot(wl("deployment", "prod", "web", nil))
		s.NetworkPolicies = nil
		return s
	}, report.StatusFail},
	{"5.4.2", func() *Snapshot { return baseSnapshot() }, report.StatusWarn},
	{"5.5.1", func() *Snapshot { return baseSnapshot() }, report.StatusWarn},
	{"5.5.1", func() *Snapshot {
		s := baseSnapshot()
		s.Webhooks = []Webhook{{Kind: "validatingwebhookconfiguration", Name: "policy.sigstore.dev"}}
		return s
	}, report.StatusPass},
	{"5.6.1", func() *Snapshot { return baseSnapshot(wl("deployment", "default", "web", nil)) }, report.StatusWarn},
	{"5.6.1", func() *Snapshot { return baseSnapshot(wl("deployment", "prod", "web", nil)) }, report.StatusInfo},
	{"5.6.4", func() *Snapshot { return baseSnapshot() }, report.StatusPass},
	{"5.6.4", func() *Snapshot { return baseSnapshot(wl("pod", "default", "nginx", nil)) }, report.StatusFail},
}

func TestVerdictCases(t *testing.T) {
	for _, tc := range verdictCases {
		if r := evalControl(t, tc.id, tc.snap(), EvalOptions{}); r.Status != tc.want {
			t.Errorf("%s = %s (%s), want %s", tc.id, r.Status, r.Reason, tc.want)
		}
	}
}

func pairKey(c benchmarks.Control) string {
	spec, _, ok := Registry().Lookup(c.Check)
	if !ok {
		return c.Check + " (unregistered)"
	}
	return c.Check + " {" + spec.Verdict(c.Params).Key() + "}"
}

// neverPasses are checks whose verdict is a review at best.
var neverPasses = map[string]bool{ManualCheck: true, "workloads.external-secret-store": true}

// passing are the verdicts that find nothing to fix: PASS, or INFO when
// only recognised system components (or a design review) are listed.
func passing(s report.Status) bool { return s == report.StatusPass || s == report.StatusInfo }

// TestEveryCheckHasCases keeps the semantics of every benchmark guarded:
// each distinct (check, parameters) pair that any benchmark's workload
// controls use is shown to find something on some cluster and nothing on
// another (podCases with the restricted workload, verdictCases). A changed
// parameter makes a pair without cases.
func TestEveryCheckHasCases(t *testing.T) {
	tb, _ := benchmarks.Lookup(testBenchmark)
	byID := map[string]benchmarks.Control{}
	for _, c := range tb.ControlsOf(benchmarks.EngineWorkloads) {
		byID[c.ID] = c
	}
	breaks, passes := map[string]bool{}, map[string]bool{}
	for _, tc := range podCases {
		// TestPodControls shows the restricted workload passing and the
		// changed one failing.
		breaks[pairKey(byID[tc.id])] = true
		passes[pairKey(byID[tc.id])] = true
	}
	for _, tc := range verdictCases {
		if passing(tc.want) {
			passes[pairKey(byID[tc.id])] = true
		} else {
			breaks[pairKey(byID[tc.id])] = true
		}
	}
	breaks[pairKey(benchmarks.Control{Check: ManualCheck})] = true
	enginetest.Covered(t, benchmarks.EngineWorkloads, pairKey, passes, breaks, neverPasses)
}

// TestSameCheckSameDecision: every benchmark's workload control reports
// the decision of its check with its parameters under its own ID and
// benchmark (EKS 4.2.1 is CIS 5.2.2's decision).
func TestSameCheckSameDecision(t *testing.T) {
	m := Build(riskySnapshot())
	for _, b := range benchmarks.All() {
		got := map[string]report.Result{}
		for _, r := range Evaluate(m, EvalOptions{Benchmark: b.ID}).Results {
			got[r.ControlID] = r
		}
		for _, c := range b.ControlsOf(benchmarks.EngineWorkloads) {
			want, err := Decide(m, c.Check, c.Params, EvalOptions{})
			r := got[c.ID]
			if err != nil || r.Status != want.Status || r.Reason != want.Reason || len(r.Evidence) != len(want.Evidence) || r.Benchmark != b.ID {
				t.Errorf("%s %s = %s %q (%s), want the decision of %s: %s %q %v", b.ID, c.ID, r.Status, r.Reason, r.Benchmark, c.Check, want.Status, want.Reason, err)
			}
		}
	}
	if _, err := Decide(m, "workloads.nope", nil, EvalOptions{}); err == nil || !strings.Contains(err.Error(), "no check") {
		t.Errorf("Decide(workloads.nope): %v", err)
	}
}
