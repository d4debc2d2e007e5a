//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestK3sJournalChannel exercises the one channel through which k3s's
// embedded components can be read: the lines k3s writes to its systemd
// journal. k3s itself is not run; a stand-in unit named k3s, whose process
// is named k3s-server as k3s's is, writes the lines k3s writes at start
// ("Starting k3s ...", "Running kube-apiserver --flag ...", k3s-io/docs
// docs/security/self-assessment-1.12.md) to the node's real journal. The
// scan must read them through the host's journalctl, evaluate the embedded
// API server from the newest line, and name that line as the origin of the
// value; the older run's line must not count.
func TestK3sJournalChannel(t *testing.T) {
	node := cluster.worker
	const unit, bin = "k3s", "/usr/local/bin/k3s-server"
	mustNotExist(t, node, bin)
	if out := nodeExec(t, node, "systemctl is-active "+unit+" 2>/dev/null || true"); strings.TrimSpace(out) == "active" {
		t.Fatalf("node/%s already runs a %s unit", node, unit)
	}
	t.Cleanup(func() {
		nodeExec(t, node, "systemctl stop "+unit+" 2>/dev/null; systemctl reset-failed "+unit+" 2>/dev/null; rm -f "+bin+"; true")
		kubectl(t, "label", "node", node, rke2Label+"-")
	})
	nodeExec(t, node, "cp /bin/sleep "+bin)
	line := func(msg string) string {
		return `echo 'time="2026-05-26T22:08:48Z" level=info msg="` + msg + `"'`
	}
	script := strings.Join([]string{
		line("Starting k3s v1.33.5+k3s1 (aaaa)"),
		line("Running kube-apiserver --anonymous-auth=true --profiling=true"),
		line("Starting k3s v1.33.5+k3s1 (bbbb)"),
		line("Running kube-apiserver --anonymous-auth=false --authorization-mode=Node,RBAC --profiling=false"),
		"exec " + bin + " infinity",
	}, "; ")
	nodeExec(t, node, "systemd-run --unit="+unit+" --collect /bin/sh -c '"+strings.ReplaceAll(script, "'", `'\''`)+"'")
	nodeExec(t, node, "for i in $(seq 50); do journalctl -u "+unit+" -o cat | grep -q 'Node,RBAC' && pgrep -x k3s-server >/dev/null && exit 0; sleep 0.2; done; exit 1")
	kubectl(t, "label", "node", node, rke2Label+"=k3s")

	r := harden(t, scanTimeout, "scan", "node/"+node, "--benchmark", "k3s-cis-1.12", "-o", "json")
	if r.exit != 0 && r.exit != 2 {
		t.Fatalf("scan failed:\n%s", r)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, r)
	}
	if p := rep.Metadata.Platform; p == nil || p.Distribution == nil || p.Distribution.ID != "k3s" {
		t.Fatalf("distribution: %+v\n%s", p, r.stderr)
	}
	tg := target(t, &rep, node)
	res := result(t, tg, "1.2.1")
	expectStatus(t, res, report.StatusPass)
	expectEvidence(t, res, "kube-apiserver --anonymous-auth (k3s log line journal:k3s.service", "false")
	expectStatus(t, result(t, tg, "1.2.15"), report.StatusPass)
	// The real (kubeadm) kubelet of the node stays the one evaluated.
	expectStatus(t, result(t, tg, "4.2.1"), report.StatusPass)
}
