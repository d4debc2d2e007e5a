//go:build e2e

package e2e

import (
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestKubeletConfigzMatchesResolution scans both nodes, keeps the evidence
// (which holds the live /configz the scan read), and checks for every
// kubelet setting a control reads that the configuration resolved from the
// kubelet's files and flags equals the node's /configz, read once more
// independently with `kubectl get --raw`. Read-only: safe on a shared cluster.
func TestKubeletConfigzMatchesResolution(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rep := scanJSON(t, "nodes", "--save-evidence", dir)
	evs, err := evidence.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*evidence.Node{}
	for _, ev := range evs {
		byName[ev.NodeName] = ev
	}
	for _, node := range []string{cluster.cp, cluster.worker} {
		ev := byName[node]
		if ev == nil {
			t.Fatalf("no evidence saved for node/%s", node)
		}
		if len(ev.KubeletConfigz) == 0 {
			t.Fatalf("node/%s: no live /configz in the evidence: %s", node, ev.KubeletConfigzNote)
		}
		raw := []byte(kubectl(t, "get", "--raw", "/api/v1/nodes/"+node+"/proxy/configz"))
		for _, key := range checks.KubeletControlKeys() {
			s, err := checks.KubeletSetting(ev, key)
			if err != nil {
				t.Errorf("node/%s %s: %v", node, key, err)
				continue
			}
			live, err := checks.LiveKubeletSetting(raw, key)
			if err != nil {
				t.Fatal(err)
			}
			if s.Value != live && !(s.Value == "" && (live == "/var/lib/kubelet/pki/kubelet.crt" || live == "/var/lib/kubelet/pki/kubelet.key")) {
				t.Errorf("node/%s %s: resolved %q from %s (%s), live /configz %q", node, key, s.Value, s.Source, s.Location, live)
			}
		}
		diffs, n, unresolved, err := checks.CompareKubeletConfigz(ev)
		if err != nil || len(diffs) != 0 || len(unresolved) != 0 || n != len(checks.KubeletControlKeys()) {
			t.Errorf("node/%s: diffs %+v, %d compared, unresolved %v, %v", node, diffs, n, unresolved, err)
		}
		if r := result(t, target(t, rep, node), "KH-KUBELET-1"); r.Status != report.StatusPass {
			t.Errorf("node/%s KH-KUBELET-1: %s", node, describe(r))
		}
	}
}
