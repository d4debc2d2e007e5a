//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestSymlinkedPaths moves a checked file, and then the whole PKI directory,
// to another place on the control-plane node, links it back with an
// absolute symlink (which only resolves against the node's root, not the
// debug pod's) and loosens the target's mode: the control must FAIL naming
// the target. The node is restored exactly (same inodes, modes, owners) and
// the control plane keeps answering.
func TestSymlinkedPaths(t *testing.T) {
	node := cluster.cp

	t.Run("1.1.15 scheduler kubeconfig behind a symlink", func(t *testing.T) {
		const path, moved = "/etc/kubernetes/scheduler.conf", "/srv/harden-e2e-symlink/scheduler.conf"
		moveAndLink(t, node, path, moved)
		chmodWithRestore(t, node, moved, "644")
		tg := target(t, scanJSON(t, "node/"+node), node)
		r := result(t, tg, "1.1.15")
		expectStatus(t, r, report.StatusFail)
		if !strings.Contains(r.Reason, moved) {
			t.Errorf("the reason does not name the target %s: %s", moved, describe(r))
		}
		expectEvidence(t, r, path, "symlink to "+moved)
		expectStatus(t, result(t, tg, "1.1.16"), report.StatusPass)
	})

	t.Run("1.1.21 PKI directory behind a symlink", func(t *testing.T) {
		const dir, moved = "/etc/kubernetes/pki", "/srv/harden-e2e-symlink-pki"
		moveAndLink(t, node, dir, moved)
		chmodWithRestore(t, node, moved+"/sa.key", "644")
		chmodWithRestore(t, node, moved+"/ca.crt", "666")
		tg := target(t, scanJSON(t, "node/"+node), node)
		r := result(t, tg, "1.1.21")
		expectStatus(t, r, report.StatusFail)
		if !strings.Contains(r.Reason, moved+"/sa.key") {
			t.Errorf("the reason does not name the target %s/sa.key: %s", moved, describe(r))
		}
		r = result(t, tg, "1.1.20")
		expectStatus(t, r, report.StatusFail)
		if !strings.Contains(r.Reason, moved+"/ca.crt") {
			t.Errorf("the reason does not name the target %s/ca.crt: %s", moved, describe(r))
		}
		// the directory was walked as its target: every entry is still seen
		expectStatus(t, result(t, tg, "1.1.19"), report.StatusPass)
		if r := result(t, tg, "KH-PKI-4"); r.Status == report.StatusNA || r.Status == report.StatusError {
			t.Errorf("certificates behind the symlinked directory were not collected: %s", describe(r))
		}
		// the API server keeps serving with its PKI behind the symlink
		kubectl(t, "get", "--raw", "/readyz")
	})
}

// moveAndLink renames path to moved on a node and puts an absolute symlink
// at path; t.Cleanup removes the link and renames it back, then checks the
// inode, mode and owner are those of before.
func moveAndLink(t *testing.T, node, path, moved string) {
	t.Helper()
	stat := func() string { return strings.TrimSpace(nodeExec(t, node, "stat -c '%i %a %u %g %F' "+path)) }
	before := stat()
	if strings.Contains(before, "symbolic link") {
		t.Fatalf("node/%s: %s is already a symlink", node, path)
	}
	parent := moved[:strings.LastIndex(moved, "/")]
	nodeExec(t, node, "mkdir -p "+parent+" && mv "+path+" "+moved+" && ln -s "+moved+" "+path)
	t.Cleanup(func() {
		nodeExec(t, node, "rm "+path+" && mv "+moved+" "+path)
		if parent != "/srv" {
			nodeExec(t, node, "rmdir "+parent+" 2>/dev/null || true")
		}
		if got := stat(); got != before {
			t.Errorf("restoring %s on %s: %s, want %s", path, node, got, before)
		}
	})
}
