package plugin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/distros"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// Evidence saved on a k3s cluster carries the distribution: evaluated
// offline, it gets K3s's profile and K3s's layout (the embedded API server
// from its log line, its manifests N/A with K3s's reason).
func TestFromEvidenceKeepsDistribution(t *testing.T) {
	n := &evidence.Node{
		Schema: evidence.SchemaVersion, NodeName: "server-0", CollectedAt: time.Date(2026, 5, 26, 22, 9, 0, 0, time.UTC),
		Distribution: distros.Detect(distros.Facts{GitVersion: "v1.33.5+k3s1"}),
		Processes:    map[evidence.Component]*evidence.Process{},
		Supervisors:  map[string]*evidence.Process{evidence.SupervisorK3s: {PID: 2226, Args: []string{"/usr/local/bin/k3s", "server"}, Root: "host"}},
		Logged: map[evidence.Component]*evidence.Process{
			evidence.APIServer: {Origin: "journal:k3s.service", Args: []string{"kube-apiserver", "--anonymous-auth=false"}},
		},
	}
	b, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "server-0.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, _ := run(t, "scan", "--from-evidence", dir, "-o", "json")
	rep := decode(t, out)
	if rep.Metadata.Benchmark != "k3s-cis-1.12" || !strings.Contains(rep.Metadata.BenchmarkReason, "distribution K3s") {
		t.Errorf("benchmark %q (%s)", rep.Metadata.Benchmark, rep.Metadata.BenchmarkReason)
	}
	if p := rep.Metadata.Platform; p == nil || p.Distribution == nil || p.Distribution.ID != "k3s" {
		t.Fatalf("platform %+v", p)
	}
	for _, r := range rep.Targets[0].Results {
		switch r.ControlID {
		case "1.1.1":
			if r.Status != report.StatusNA || !strings.Contains(r.Reason, "K3s embeds the API server") {
				t.Errorf("1.1.1: %s %q", r.Status, r.Reason)
			}
		case "1.2.1":
			if r.Status != report.StatusPass || len(r.Evidence) == 0 || !strings.Contains(r.Evidence[0].Location, "k3s log line journal:k3s.service") {
				t.Errorf("1.2.1: %s %q %+v", r.Status, r.Reason, r.Evidence)
			}
		}
	}
}
