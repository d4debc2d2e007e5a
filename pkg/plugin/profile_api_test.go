package plugin

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/workloads"
)

// Every api.control reference of every profile names a control of its
// engine with parameters that control accepts, and every cluster control
// is reported by exactly one engine.
func TestProfileAPIRefsResolve(t *testing.T) {
	n := 0
	for _, p := range checks.Profiles() {
		reported := map[string]int{}
		for _, e := range checks.APIEngines {
			pcs, _ := checks.APIControls(p.ID, e)
			for _, pc := range pcs {
				reported[pc.ID]++
				if pc.Check != checks.CheckAPIControl {
					continue
				}
				n++
				ref, _ := pc.Params["control"].(string)
				var err error
				switch e {
				case "rbac":
					err = rbac.ValidateRef(ref, pc.Params)
				case "workloads":
					err = workloads.ValidateRef(ref, pc.Params)
				}
				if err != nil {
					t.Errorf("%s %s: %v", p.ID, pc.ID, err)
				}
			}
		}
		for _, pc := range p.Controls {
			if pc.Role == checks.RoleCluster && reported[pc.ID] != 1 {
				t.Errorf("%s %s: reported by %d engines, want 1", p.ID, pc.ID, reported[pc.ID])
			}
		}
	}
	if n < 60 {
		t.Errorf("only %d api.control references in all profiles; section 4 of EKS, GKE and AKS alone has more", n)
	}
	if err := rbac.ValidateRef("5.1.99", nil); err == nil {
		t.Error("rbac.ValidateRef accepts an unknown control")
	}
	if err := workloads.ValidateRef("5.2.2", map[string]any{"subjects": "x"}); err == nil {
		t.Error("workloads.ValidateRef accepts an unknown parameter")
	}
}

func kindRBACSnapshot(t *testing.T) *rbac.Snapshot {
	t.Helper()
	b, err := os.ReadFile(kindSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	var s rbac.Snapshot
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

// EKS section 4.1 reports the decisions of CIS 1.12 5.1 under its own IDs,
// metadata and benchmark; the CIS controls EKS lacks are dropped (and
// named), our KH- controls stay.
func TestRBACTargetEKS(t *testing.T) {
	m := rbac.Build(kindRBACSnapshot(t))
	native := byControl(rbacTarget(m, rbac.EvalOptions{}, report.BenchmarkCIS112))
	tgt := rbacTarget(m, rbac.EvalOptions{}, "eks-1.8.0")
	eks := byControl(tgt)
	for eksID, cis := range map[string]string{"4.1.1": "5.1.1", "4.1.2": "5.1.2", "4.1.3": "5.1.3", "4.1.4": "5.1.4", "4.1.5": "5.1.5",
		"4.1.6": "5.1.6", "4.1.8": "5.1.8", "4.1.9": "5.1.9", "4.1.10": "5.1.10", "4.1.11": "5.1.12", "4.1.12": "5.1.13"} {
		got, ok := eks[eksID]
		if !ok {
			t.Errorf("eks-1.8.0 %s missing", eksID)
			continue
		}
		if got.Status != native[cis].Status || got.Reason != native[cis].Reason || got.Benchmark != "eks-1.8.0" {
			t.Errorf("eks %s = %s %q (%s), want the decision of %s: %s %q", eksID, got.Status, got.Reason, got.Benchmark, cis, native[cis].Status, native[cis].Reason)
		}
	}
	if r := eks["4.1.7"]; r.Status != report.StatusWarn || !strings.Contains(r.Reason, "manual review") {
		t.Errorf("eks 4.1.7 (access entries, AWS-side) = %s %q, want a manual WARN", r.Status, r.Reason)
	}
	for id := range eks {
		if strings.HasPrefix(id, "5.") {
			t.Errorf("CIS 1.12 control %s reported under eks-1.8.0", id)
		}
	}
	for _, id := range []string{"KH-RBAC-1", "KH-RBAC-2", "KH-RBAC-3", "KH-RBAC-4"} {
		if _, ok := eks[id]; !ok {
			t.Errorf("%s missing under eks-1.8.0", id)
		}
	}
	if notes := strings.Join(tgt.Notes, "\n"); !strings.Contains(notes, "not reported: 5.1.7, 5.1.11") {
		t.Errorf("notes do not name the dropped CIS controls: %s", notes)
	}
	if cat := apiCatalog("eks-1.8.0", "rbac", rbac.Catalog()); len(cat) != len(tgt.Results) {
		t.Errorf("apiCatalog has %d controls, the target %d results", len(cat), len(tgt.Results))
	}
}

// GKE 4.1.8-4.1.10 are KH-RBAC-3 for one subject each: a grant to
// system:anonymous fails 4.1.8 only, and is not counted again by KH-RBAC-3.
func TestRBACTargetGKEOneFindingPerFact(t *testing.T) {
	s := kindRBACSnapshot(t)
	s.ClusterRoleBindings = append(s.ClusterRoleBindings, rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "anon-view"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "system:anonymous"}},
	})
	m := rbac.Build(s)
	if r := byControl(rbacTarget(m, rbac.EvalOptions{}, report.BenchmarkCIS112))["KH-RBAC-3"]; r.Status != report.StatusFail {
		t.Fatalf("native KH-RBAC-3 = %s, want FAIL for the anonymous binding", r.Status)
	}
	gke := byControl(rbacTarget(m, rbac.EvalOptions{}, "gke-1.9.0"))
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
}

// EKS 4.2.x and 4.5.2 report the workload decisions of CIS 1.12 5.2.2-5.2.6
// and 5.6.4.
func TestWorkloadsTargetEKS(t *testing.T) {
	ws, err := loadWorkloadSnapshot(workloadSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	m := workloads.Build(ws)
	native := byControl(workloadsTarget(m, workloads.EvalOptions{}, report.BenchmarkCIS112))
	eks := byControl(workloadsTarget(m, workloads.EvalOptions{}, "eks-1.8.0"))
	for eksID, cis := range map[string]string{"4.2.1": "5.2.2", "4.2.2": "5.2.3", "4.2.3": "5.2.4", "4.2.4": "5.2.5", "4.2.5": "5.2.6",
		"4.3.1": "5.3.1", "4.3.2": "5.3.2", "4.4.1": "5.4.1", "4.4.2": "5.4.2", "4.5.1": "5.6.1", "4.5.2": "5.6.4"} {
		if got := eks[eksID]; got.Status != native[cis].Status || len(got.Evidence) != len(native[cis].Evidence) {
			t.Errorf("eks %s = %s (%d evidence), want %s's %s (%d)", eksID, got.Status, len(got.Evidence), cis, native[cis].Status, len(native[cis].Evidence))
		}
	}
	if len(eks) != 11 {
		t.Errorf("eks-1.8.0 workloads target has %d results, want the 11 section 4.2-4.5 controls", len(eks))
	}
}

// --benchmark harden keeps our own controls only, as scan does.
func TestAPITargetsHardenOnly(t *testing.T) {
	m := rbac.Build(kindRBACSnapshot(t))
	tgt := rbacTarget(m, rbac.EvalOptions{}, report.BenchmarkHarden)
	if len(tgt.Results) != 4 {
		t.Errorf("%d results, want KH-RBAC-1..4", len(tgt.Results))
	}
	for _, r := range tgt.Results {
		if !strings.HasPrefix(r.ControlID, "KH-") {
			t.Errorf("%s reported with --benchmark harden", r.ControlID)
		}
	}
	if cat := apiCatalog(report.BenchmarkHarden, "rbac", rbac.Catalog()); len(cat) != 4 {
		t.Errorf("harden catalog has %d rbac controls, want 4", len(cat))
	}
	ws, err := loadWorkloadSnapshot(workloadSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	if wt := workloadsTarget(workloads.Build(ws), workloads.EvalOptions{}, report.BenchmarkHarden); len(wt.Results) != 0 {
		t.Errorf("workloads has no KH- control, yet %d results with --benchmark harden", len(wt.Results))
	}
}
