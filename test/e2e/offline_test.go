//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestDryRun wants `scan --dry-run=client -o yaml` to print the debug pods and
// create nothing.
func TestDryRun(t *testing.T) {
	// A scan returns once its namespace's deletion is requested, not done:
	// let an earlier test's namespace finish terminating first.
	assertNoLeftovers(t, 90*time.Second)
	before := namespaceNames(t)
	r := harden(t, time.Minute, "scan", "node/"+cluster.cp, "node/"+cluster.worker, "--dry-run=client", "-o", "yaml")
	if r.exit != 0 {
		t.Fatalf("want exit 0:\n%s", r)
	}
	if n := strings.Count(r.stdout, "kind: Pod"); n != 2 {
		t.Errorf("want 2 pods in the output, got %d:\n%s", n, r.stdout)
	}
	for _, want := range []string{"hostPID: true", "app.kubernetes.io/managed-by: kubectl-harden", cluster.cp, cluster.worker, "activeDeadlineSeconds"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the printed pods lack %q:\n%s", want, r.stdout)
		}
	}
	if img := os.Getenv("HARDEN_DEBUG_IMAGE"); img != "" && !strings.Contains(r.stdout, "image: "+img) {
		t.Errorf("the printed pods do not use HARDEN_DEBUG_IMAGE=%s", img)
	}
	// nothing may appear, now or a moment later
	for i := 0; i < 3; i++ {
		if out, err := leftovers(); err != nil || out != "" {
			t.Fatalf("--dry-run=client created objects (err %v):\n%s", err, out)
		}
		time.Sleep(time.Second)
	}
	if after := namespaceNames(t); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("namespaces changed during a dry run:\nbefore %v\nafter  %v", before, after)
	}
}

func namespaceNames(t *testing.T) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := cluster.client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A namespace an earlier test deleted (harden-e2e-scan of TestMutations)
	// may finish terminating at any moment: only the others are compared. A
	// namespace a dry run created would be Active.
	var names []string
	for _, ns := range list.Items {
		if ns.Status.Phase != corev1.NamespaceTerminating {
			names = append(names, ns.Name)
		}
	}
	sort.Strings(names)
	return names
}

// TestSaveAndReplayEvidence scans with --save-evidence, then evaluates the saved
// evidence with --from-evidence and no cluster at all: same statuses.
func TestSaveAndReplayEvidence(t *testing.T) {
	// Parallel: it compares a node scan with its own saved evidence.
	t.Parallel()
	dir := t.TempDir()
	live := scanJSON(t, "nodes", "--save-evidence", dir)
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	t.Logf("saved evidence: %v", files)
	if len(files) < 2 {
		t.Fatalf("want evidence of 2 nodes in %s, got %v", dir, files)
	}

	// A kubeconfig pointing at nothing: --from-evidence must not need a cluster.
	bogus := filepath.Join(t.TempDir(), "bogus-kubeconfig")
	testutil.WriteFile(t, bogus, `apiVersion: v1
kind: Config
clusters:
- name: nowhere
  cluster: {server: "https://127.0.0.1:1"}
contexts:
- name: nowhere
  context: {cluster: nowhere, user: nobody}
current-context: nowhere
users:
- name: nobody
  user: {token: bogus}
`)

	t.Run("directory", func(t *testing.T) {
		r := harden(t, time.Minute, "scan", "--from-evidence", dir, "-o", "json", "--kubeconfig", bogus)
		if r.exit != 0 && r.exit != 2 {
			t.Fatalf("--from-evidence failed:\n%s", r)
		}
		compareStatuses(t, live, decodeReport(t, r))
	})

	t.Run("single file", func(t *testing.T) {
		r := harden(t, time.Minute, "scan", "--from-evidence", files[0], "-o", "json", "--kubeconfig", bogus)
		if r.exit != 0 && r.exit != 2 {
			t.Fatalf("--from-evidence %s failed:\n%s", files[0], r)
		}
		offline := decodeReport(t, r)
		if len(offline.Targets) != 1 {
			t.Fatalf("want 1 target from %s, got %d", files[0], len(offline.Targets))
		}
		compareStatuses(t, live, offline)
	})
}

// compareStatuses wants every result of the offline report to have the status
// of the same control on the same node in the live report, and every node of
// the offline report to have all its live results.
func compareStatuses(t *testing.T, live, offline *report.Report) {
	t.Helper()
	want := map[string]map[string]report.Status{}
	for _, tg := range live.Targets {
		want[tg.Name] = map[string]report.Status{}
		for _, r := range tg.Results {
			want[tg.Name][r.ControlID] = r.Status
		}
	}
	for _, tg := range offline.Targets {
		w, ok := want[tg.Name]
		if !ok {
			t.Errorf("offline target %q was not in the live scan", tg.Name)
			continue
		}
		got := map[string]report.Status{}
		for _, r := range tg.Results {
			got[r.ControlID] = r.Status
			if ws, ok := w[r.ControlID]; !ok {
				t.Errorf("node/%s %s: %s offline, absent live", tg.Name, r.ControlID, r.Status)
			} else if ws != r.Status {
				t.Errorf("node/%s %s: %s offline, %s live (%s)", tg.Name, r.ControlID, r.Status, ws, r.Reason)
			}
		}
		for id, ws := range w {
			if _, ok := got[id]; !ok {
				t.Errorf("node/%s %s: %s live, absent offline", tg.Name, id, ws)
			}
		}
		t.Logf("node/%s: %d results compared, summary %+v", tg.Name, len(tg.Results), tg.Summary)
	}
}
