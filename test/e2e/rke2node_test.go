//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// RKE2's kubelet layout, the part of it a kind node can honestly take: the
// kubelet is started with no --config, --config-dir
// /var/lib/rancher/rke2/agent/etc/kubelet.conf.d (whose 00-rke2-defaults.conf
// holds its configuration) and --read-only-port=0, as rancher/rke2-docs
// docs/security/cis_self_assessment112.md shows RKE2's kubelet running; the
// node carries the label RKE2's cloud provider sets
// (node.kubernetes.io/instance-type=rke2). RKE2's binaries, process
// ancestry and version suffix are not reproduced.
const (
	rke2DropInDir  = "/var/lib/rancher/rke2/agent/etc/kubelet.conf.d"
	rke2Defaults   = rke2DropInDir + "/00-rke2-defaults.conf"
	rke2UserDropIn = rke2DropInDir + "/50-anonymous.conf"
	rke2UnitDropIn = "/etc/systemd/system/kubelet.service.d/90-harden-e2e-rke2.conf"
	rke2Label      = "node.kubernetes.io/instance-type"
)

// TestRKE2KubeletLayout reshapes the kind worker's kubelet like RKE2's and
// scans it with no --benchmark: the scan names RKE2 from the node label,
// chooses rke2-cis-1.12, reports 4.1.1 N/A with RKE2's reason, and decides
// 4.2.1 from the drop-ins, naming the file: PASS from
// 00-rke2-defaults.conf, FAIL once a later drop-in turns anonymous
// authentication on (as the live kubelet confirms). The node is restored.
func TestRKE2KubeletLayout(t *testing.T) {
	node := cluster.worker
	rke2Shape(t, node)
	kubectl(t, "label", "node", node, rke2Label+"=rke2")
	t.Cleanup(func() { kubectl(t, "label", "node", node, rke2Label+"-") })

	scan := func(t *testing.T) *report.TargetReport {
		t.Helper()
		// No --benchmark: the distribution's own profile is chosen (the
		// shared helpers expect kind's plain CIS choice, so the report is
		// decoded here).
		r := harden(t, scanTimeout, "scan", "node/"+node, "-o", "json")
		if r.exit != 0 && r.exit != 2 {
			t.Fatalf("scan failed:\n%s", r)
		}
		var rep report.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("stdout is not a JSON report: %v\n%s", err, r)
		}
		if rep.Metadata.Benchmark != "rke2-cis-1.12" || !strings.Contains(r.stderr, "Distribution: RKE2 (") {
			t.Errorf("benchmark %q (%s), want rke2-cis-1.12; stderr:\n%s", rep.Metadata.Benchmark, rep.Metadata.BenchmarkReason, r.stderr)
		}
		if p := rep.Metadata.Platform; p == nil || p.Distribution == nil || p.Distribution.ID != "rke2" || !p.Distribution.LayoutEvaluated {
			t.Fatalf("distribution: %+v", p)
		}
		return target(t, &rep, node)
	}

	t.Run("4.2.1 from 00-rke2-defaults.conf", func(t *testing.T) {
		restartKubelet(t, node)
		expectKubeletFlags(t, node, map[string]string{"config-dir": rke2DropInDir, "read-only-port": "0"})
		expectLive(t, node, "authentication.anonymous.enabled", "false")
		tg := scan(t)
		r := result(t, tg, "4.2.1")
		expectStatus(t, r, report.StatusPass)
		expectEvidence(t, r, rke2Defaults+" authentication.anonymous.enabled", "false")
		na := result(t, tg, "4.1.1")
		expectStatus(t, na, report.StatusNA)
		if !strings.Contains(na.Reason, "RKE2") {
			t.Errorf("4.1.1 reason %q does not give RKE2's", na.Reason)
		}
		expectStatus(t, result(t, tg, "4.2.4"), report.StatusPass)
	})

	t.Run("4.2.1 fails with a drop-in that turns anonymous auth on", func(t *testing.T) {
		writeNodeFile(t, node, rke2UserDropIn, "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\n")
		restartKubelet(t, node)
		expectLive(t, node, "authentication.anonymous.enabled", "true")
		r := result(t, scan(t), "4.2.1")
		expectStatus(t, r, report.StatusFail)
		expectEvidence(t, r, rke2UserDropIn+" authentication.anonymous.enabled", "true")
	})
}

// rke2Shape starts the kubelet of a kind node as RKE2 does: the running
// kubelet's arguments without --config, plus --config-dir and
// --read-only-port=0, with the kubeadm config.yaml as the drop-in
// 00-rke2-defaults.conf (staticPodPath left as kubeadm's). t.Cleanup
// removes all of it, restarts the kubelet and checks its command line is
// the one of before.
func rke2Shape(t *testing.T, node string) {
	t.Helper()
	origArgv := procCmdline(t, node, "kubelet")
	if len(origArgv) < 2 || flagValues(origArgv)["config"] != kubeadmConfig {
		t.Fatalf("node/%s: kubelet command line %q, want one with --config=%s", node, origArgv, kubeadmConfig)
	}
	for _, p := range []string{"/var/lib/rancher/rke2", rke2UnitDropIn} {
		mustNotExist(t, node, p)
	}
	t.Cleanup(func() {
		nodeExec(t, node, "rm -rf /var/lib/rancher/rke2 "+rke2UnitDropIn+" && rmdir /var/lib/rancher 2>/dev/null; systemctl daemon-reload")
		restartKubelet(t, node)
		expectArgv(t, node, origArgv)
	})
	args := []string{"--config-dir=" + rke2DropInDir, "--read-only-port=0"}
	for _, a := range origArgv[1:] {
		switch {
		case a == "--config" || a == "--config-dir" || strings.ContainsAny(a, " \t\"'\\$"):
			t.Fatalf("node/%s: kubelet argument %q cannot be carried over to the unit", node, a)
		case strings.HasPrefix(a, "--config="), strings.HasPrefix(a, "--config-dir="), strings.HasPrefix(a, "--read-only-port="):
		default:
			args = append(args, a)
		}
	}
	nodeExec(t, node, "mkdir -p "+rke2DropInDir+" && chmod 0700 "+rke2DropInDir)
	writeNodeFile(t, node, rke2Defaults, nodeExec(t, node, "cat "+kubeadmConfig))
	nodeExec(t, node, "chmod 0600 "+rke2Defaults)
	writeNodeFile(t, node, rke2UnitDropIn, "[Service]\nExecStart=\nExecStart="+origArgv[0]+" "+strings.Join(args, " ")+"\n")
	nodeExec(t, node, "systemctl daemon-reload")
}
