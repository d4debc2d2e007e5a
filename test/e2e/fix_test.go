//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestFixPlanApplyRollback is the fix round trip on the kind cluster, as an
// admin would do it: scan the nodes, write a plan, run each node's apply.sh
// as root on the node (control plane first), wait for the control plane
// and the kubelets, scan again; then run rollback.sh and check that the
// first scan's verdicts are back. rollback.sh also runs in t.Cleanup, so a
// failure half-way never leaves the shared cluster hardened (or broken)
// for the tests after this one.
func TestFixPlanApplyRollback(t *testing.T) {
	dir := t.TempDir()
	before := scanJSON(t, "nodes")
	reportFile := filepath.Join(dir, "before.json")
	testutil.WriteJSON(t, reportFile, before)

	// --apply without --yes refuses, and writes nothing.
	if r := harden(t, time.Minute, "fix", "--from-report", reportFile, "-o", filepath.Join(dir, "refused"), "--apply", "node/"+cluster.cp); r.exit == 0 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("fix --apply without --yes: want a refusal naming --yes, got:\n%s", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "refused")); err == nil {
		t.Errorf("fix --apply without --yes wrote a plan")
	}

	plan := filepath.Join(dir, "plan")
	if r := harden(t, time.Minute, "fix", "--from-report", reportFile, "-o", plan); r.exit != 0 {
		t.Fatalf("fix failed:\n%s", r)
	} else {
		t.Logf("fix: %s", strings.TrimSpace(r.stdout))
	}
	planMD, err := os.ReadFile(filepath.Join(plan, "PLAN.md"))
	if err != nil {
		t.Fatal(err)
	}
	nodes := []string{cluster.cp, cluster.worker}
	scripts := map[string][2][]byte{}
	for _, n := range nodes {
		a, err1 := os.ReadFile(filepath.Join(plan, "nodes", n, "apply.sh"))
		b, err2 := os.ReadFile(filepath.Join(plan, "nodes", n, "rollback.sh"))
		if err1 != nil || err2 != nil {
			t.Fatalf("node/%s: no apply.sh/rollback.sh in the plan: %v %v", n, err1, err2)
		}
		scripts[n] = [2][]byte{a, b}
	}

	rolledBack := false
	rollback := func() {
		for _, n := range nodes {
			out, err := nodeExecLong(n, scripts[n][1], 10*time.Minute)
			t.Logf("node/%s rollback.sh:\n%s", n, out)
			if err != nil {
				t.Errorf("node/%s: rollback.sh failed: %v", n, err)
			}
		}
		rolledBack = true
		waitHealthy(t, nodes)
	}
	t.Cleanup(func() {
		if !rolledBack {
			rollback()
		}
	})

	// The control plane as an admin would (docker exec as root); the worker
	// through `fix --apply node/NAME --yes` (the one-shot apply pod), which
	// re-scans the node and prints before/after.
	start := time.Now()
	out, err := nodeExecLong(cluster.cp, scripts[cluster.cp][0], 10*time.Minute)
	t.Logf("node/%s apply.sh (%s):\n%s", cluster.cp, time.Since(start).Round(time.Second), out)
	if err != nil {
		t.Fatalf("node/%s: apply.sh failed: %v", cluster.cp, err)
	}
	waitHealthy(t, nodes)
	r := harden(t, 15*time.Minute, "fix", "--from-report", reportFile, "-o", filepath.Join(dir, "plan-apply"), "--apply", "node/"+cluster.worker, "--yes")
	t.Logf("fix --apply node/%s --yes:\n%s", cluster.worker, r.stdout)
	if r.exit != 0 || !strings.Contains(r.stdout, "apply.sh: done:") || !strings.Contains(r.stdout, "node/"+cluster.worker+": FAIL ") {
		t.Fatalf("fix --apply node/%s --yes failed:\n%s", cluster.worker, r)
	}
	if a, _ := os.ReadFile(filepath.Join(dir, "plan-apply", "nodes", cluster.worker, "apply.sh")); string(a) != string(scripts[cluster.worker][0]) {
		t.Errorf("the --apply plan's apply.sh differs from the first plan's (same report)")
	}
	assertNoLeftovers(t, 2*time.Minute)
	waitHealthy(t, nodes)
	// Idempotent: a second run changes nothing.
	for _, n := range nodes {
		out, err := nodeExecLong(n, scripts[n][0], 10*time.Minute)
		if err != nil || !strings.Contains(out, "done: 0 change(s)") {
			t.Errorf("node/%s: the second apply.sh run changed something or failed (%v):\n%s", n, err, out)
		}
	}

	after := scanJSON(t, "nodes")
	fixed := fixedControls(string(planMD))
	for _, n := range nodes {
		b, a := target(t, before, n), target(t, after, n)
		t.Logf("node/%s: FAIL %d -> %d (PASS %d -> %d)", n, b.Summary.Fail, a.Summary.Fail, b.Summary.Pass, a.Summary.Pass)
		for _, res := range a.Results {
			if res.Status != report.StatusFail {
				continue
			}
			t.Logf("node/%s: still FAIL %s %s: %s", n, res.ControlID, res.Reason, planEntry(string(planMD), res.ControlID, n))
			if fixed[n+" "+res.ControlID] {
				t.Errorf("node/%s: %s is fixed by the plan but still FAILs: %s", n, res.ControlID, res.Reason)
			}
		}
		if a.Summary.Fail >= b.Summary.Fail {
			t.Errorf("node/%s: FAIL count did not go down (%d -> %d)", n, b.Summary.Fail, a.Summary.Fail)
		}
	}

	rollback()
	again := scanJSON(t, "nodes")
	for _, n := range nodes {
		b, g := verdicts(target(t, before, n)), verdicts(target(t, again, n))
		var diffs []string
		for id, st := range b {
			if g[id] != st {
				diffs = append(diffs, id+": "+string(st)+" -> "+string(g[id]))
			}
		}
		sort.Strings(diffs)
		if len(diffs) > 0 {
			t.Errorf("node/%s: after rollback.sh the verdicts differ from the first scan: %v", n, diffs)
		} else {
			t.Logf("node/%s: after rollback.sh every verdict equals the first scan's (FAIL %d)", n, target(t, again, n).Summary.Fail)
		}
	}
}

// nodeExecLong runs a script as root inside a kind node, fed on stdin.
func nodeExecLong(node string, script []byte, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return nodeExecCtx(ctx, node, "sh -s", script)
}

// waitHealthy waits until every node is Ready, the API server answers
// /readyz and every kube-system pod is Running and ready.
func waitHealthy(t *testing.T, nodes []string) {
	t.Helper()
	for _, n := range nodes {
		waitNodeReady(t, n, time.Now().Add(-time.Minute))
	}
	ok := eventually(5*time.Minute, time.Second, func() bool {
		out, err := kubectlOut(context.Background(), "get", "--raw", "/readyz")
		return err == nil && strings.TrimSpace(out) == "ok"
	})
	if !ok {
		t.Fatalf("the API server did not become ready within 5m")
	}
	var last string
	ok = eventually(5*time.Minute, time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		pods, err := cluster.client.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{})
		if err != nil {
			last = err.Error()
			return false
		}
		var bad []string
		for _, p := range pods.Items {
			ready := p.Status.Phase == "Running"
			for _, cs := range p.Status.ContainerStatuses {
				ready = ready && cs.Ready
			}
			if !ready {
				bad = append(bad, p.Name+" "+string(p.Status.Phase))
			}
		}
		last = strings.Join(bad, ", ")
		return len(bad) == 0 && len(pods.Items) > 0
	})
	if !ok {
		t.Fatalf("kube-system pods not Running and ready within 5m: %s", last)
	}
	t.Logf("healthy: nodes %v Ready, /readyz ok, every kube-system pod Running and ready", nodes)
}

// fixedControls reads "NODE CONTROL" of the plan's fixed findings from
// PLAN.md's "Fixed by this plan" section ("### ID NODE — title").
func fixedControls(md string) map[string]bool {
	out := map[string]bool{}
	_, rest, ok := strings.Cut(md, "## Fixed by this plan\n")
	if !ok {
		return out
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	for _, l := range strings.Split(rest, "\n") {
		if h, ok := strings.CutPrefix(l, "### "); ok {
			f := strings.Fields(h)
			if len(f) >= 2 {
				out[f[1]+" "+f[0]] = true
			}
		}
	}
	return out
}

// planEntry is the plan's section and reason for a finding.
func planEntry(md, id, node string) string {
	head := "### " + id + " " + node + " "
	i := strings.Index(md, head)
	if i < 0 {
		return "(not in the plan)"
	}
	sec := md[:i]
	section := sec[strings.LastIndex(sec, "\n## ")+4:]
	section = section[:strings.Index(section, "\n")]
	body := md[i:]
	why := ""
	for _, l := range strings.Split(body, "\n")[1:] {
		if strings.HasPrefix(l, "### ") || strings.HasPrefix(l, "## ") {
			break
		}
		if w, ok := strings.CutPrefix(l, "- Why: "); ok {
			why = w
		}
	}
	return "[" + section + "] " + why
}

func verdicts(tg *report.TargetReport) map[string]report.Status {
	out := map[string]report.Status{}
	for _, r := range tg.Results {
		out[r.ControlID] = r.Status
	}
	return out
}

// nodeExecCtx runs `docker exec -i NODE sh -c SCRIPT` with stdin, returning
// stdout and stderr together (the scripts print their changes on both).
func nodeExecCtx(ctx context.Context, node, script string, stdin []byte) (string, error) {
	cmd := exec.CommandContext(ctx, cluster.docker, "exec", "-i", node, "sh", "-c", script)
	cmd.Stdin = bytes.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestFixClusterObjects: a risky Deployment in an unlabelled namespace;
// the plan's cluster/*.yaml pass a server-side dry run, and applying them
// turns the Deployment's and the namespace's fixed findings to PASS.
func TestFixClusterObjects(t *testing.T) {
	ns := "fix-risky"
	dir := t.TempDir()
	manifest := filepath.Join(dir, "risky.yaml")
	testutil.WriteFile(t, manifest, `apiVersion: v1
kind: Namespace
metadata:
  name: `+ns+`
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: `+ns+`
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: `+envOr("HARDEN_DEBUG_IMAGE", "local/busybox:1.35")+`
        imagePullPolicy: IfNotPresent
        command: ["sleep", "3600"]
`)
	kubectl(t, "apply", "-f", manifest)
	t.Cleanup(func() {
		_, _ = kubectlOut(context.Background(), "delete", "namespace", ns, "--wait=true", "--timeout=120s")
	})
	kubectl(t, "-n", ns, "rollout", "status", "deploy/web", "--timeout=120s")

	findings := func() map[string]bool {
		r := harden(t, 3*time.Minute, "workloads", "-o", "json")
		if r.exit != 0 && r.exit != 2 {
			t.Fatalf("workloads failed:\n%s", r)
		}
		var rep report.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, tg := range rep.Targets {
			for _, res := range tg.Results {
				for _, o := range res.Evidence {
					if (o.Object.Namespace == ns || (o.Object.Kind == "namespace" && o.Object.Name == ns)) && (o.Status == report.StatusFail || o.Status == report.StatusWarn) {
						out[res.ControlID+" "+o.Object.String()] = true
					}
				}
			}
		}
		return out
	}
	before := findings()
	r := harden(t, 3*time.Minute, "workloads", "-o", "json")
	reportFile := filepath.Join(dir, "workloads.json")
	testutil.WriteFile(t, reportFile, r.stdout)
	plan := filepath.Join(dir, "plan")
	if r := harden(t, time.Minute, "fix", "--from-report", reportFile, "-o", plan); r.exit != 0 {
		t.Fatalf("fix failed:\n%s", r)
	}
	files, _ := filepath.Glob(filepath.Join(plan, "cluster", "*.yaml"))
	if len(files) == 0 {
		t.Fatalf("no cluster/*.yaml in the plan")
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		dr, _ := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".dryrun.txt")
		t.Logf("%s:\n%s\ndry run:\n%s", filepath.Base(f), b, dr)
		kubectl(t, "apply", "--server-side", "--field-manager", "kubectl-harden-fix", "--dry-run=server", "-f", f)
	}
	for _, f := range files {
		kubectl(t, "apply", "--server-side", "--field-manager", "kubectl-harden-fix", "-f", f)
	}
	kubectl(t, "-n", ns, "rollout", "status", "deploy/web", "--timeout=120s")
	after := findings()
	planMD, _ := os.ReadFile(filepath.Join(plan, "PLAN.md"))
	fixed := map[string]bool{}
	for k := range fixedControls(string(planMD)) {
		fixed[strings.Fields(k)[1]] = true
	}
	var gone, left []string
	for k := range before {
		if after[k] {
			left = append(left, k)
			if fixed[strings.Fields(k)[0]] {
				t.Errorf("%s is fixed by the plan but still a finding after applying cluster/*.yaml", k)
			}
		} else {
			gone = append(gone, k)
		}
	}
	sort.Strings(gone)
	sort.Strings(left)
	t.Logf("findings turned PASS by cluster/*.yaml: %v", gone)
	t.Logf("findings left (decisions in PLAN.md): %v", left)
	if len(gone) == 0 {
		t.Errorf("applying cluster/*.yaml fixed nothing")
	}
}
