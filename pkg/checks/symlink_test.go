package checks

import (
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// TestSymlinkedFilesAreJudgedByTheirTarget: the collector reports a path
// reached through a symlink with its target's mode and owner and the
// target's name; the verdict is the target's and names it.
func TestSymlinkedFilesAreJudgedByTheirTarget(t *testing.T) {
	const sch = "/etc/kubernetes/scheduler.conf"
	link := func(p, target string, mode uint32) func(*evidence.Node) {
		return func(n *evidence.Node) {
			f := n.Files[p]
			f.Target, f.Mode, f.Type = target, mode, "file"
		}
	}
	cases := []struct {
		name, id string
		mutate   func(*evidence.Node)
		want     Status
		mention  string
	}{
		{"644 target of a 600 requirement", "1.1.15", link(sch, "/srv/k8s/scheduler.conf", 0o644), StatusFail, sch + " (symlink to /srv/k8s/scheduler.conf) is 0644"},
		{"600 target", "1.1.15", link(sch, "/srv/k8s/scheduler.conf", 0o600), StatusPass, "symlink to /srv/k8s/scheduler.conf"},
		{"key under a symlinked PKI dir", "1.1.21", link(pkiDir+"/sa.key", "/srv/pki/sa.key", 0o644), StatusFail, "(symlink to /srv/pki/sa.key) is 0644"},
		{"owner of the target", "1.1.16", func(n *evidence.Node) {
			link(sch, "/srv/k8s/scheduler.conf", 0o600)(n)
			n.Files[sch].UID = 1000
		}, StatusFail, "(symlink to /srv/k8s/scheduler.conf) is"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := hardenedControlPlane()
			tc.mutate(n)
			r := resultOf(t, n, tc.id)
			if r.Status != tc.want {
				t.Fatalf("%s: %s (%s), want %s", tc.id, r.Status, r.Reason, tc.want)
			}
			if !strings.Contains(r.Reason+" "+evidenceText(r), tc.mention) {
				t.Errorf("%s: reason %q / evidence %q does not mention %q", tc.id, r.Reason, evidenceText(r), tc.mention)
			}
		})
	}
}
