package checks

import (
	"errors"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// TestNodeControlsShape: for every benchmark, the node controls are
// sorted, unique, complete and of a node role, with our own KH- controls
// (and only those) under benchmark harden.
func TestNodeControlsShape(t *testing.T) {
	own := len(OwnCatalog())
	for _, id := range append(benchmarks.Known(), "") {
		cs := NodeControls(id)
		b, _ := benchmarks.Resolve(id)
		if want := len(b.ControlsOf(benchmarks.EngineNodes)) + own; len(cs) != want {
			t.Errorf("%q: %d node controls, want the benchmark's %d plus our %d", id, len(cs), want-own, own)
		}
		seen := map[string]bool{}
		for i, c := range cs {
			if seen[c.ID] {
				t.Errorf("%s: duplicate ID %s", id, c.ID)
			}
			seen[c.ID] = true
			if i > 0 && CompareIDs(cs[i-1].ID, c.ID) >= 0 {
				t.Errorf("%s: not sorted at %s, %s", id, cs[i-1].ID, c.ID)
			}
			if c.Title == "" || c.Remediation == "" || c.Section == "" || (c.Level == 0 && c.Severity == "") {
				t.Errorf("%s %s: incomplete metadata %+v", id, c.ID, c.Control)
			}
			if c.Role != RoleControlPlane && c.Role != RoleEtcd && c.Role != RoleWorker {
				t.Errorf("%s %s: role %s", id, c.ID, c.Role)
			}
			if strings.HasPrefix(c.ID, "KH-") != (c.Benchmark == BenchmarkHarden) || (c.Benchmark != BenchmarkHarden && c.Benchmark != b.ID) {
				t.Errorf("%s %s: benchmark %s", id, c.ID, c.Benchmark)
			}
		}
	}
	if NodeControls("cis-9.9") != nil {
		t.Error("unknown benchmark should give no controls")
	}
}

func TestEmptyEvidenceIsErrorNeverPass(t *testing.T) {
	for name, tc := range map[string]struct {
		ev   *evidence.Node
		want string
	}{
		"nil":          {nil, "no evidence was collected"},
		"no processes": {&evidence.Node{NodeName: "n1", Files: hardenedControlPlane().Files}, "no Kubernetes component process"},
		// A node that fills the collector's output bound before its
		// processes are recorded: the reason names the bound.
		"truncated before the processes": {&evidence.Node{NodeName: "n1", Files: hardenedControlPlane().Files, TruncatedAt: 4194250}, "size bound after 4194250 bytes"},
	} {
		t.Run(name, func(t *testing.T) {
			tr := EvaluateNode(tc.ev, testOpts())
			n := len(NodeControls(testBenchmark))
			if tr.Error == "" || len(tr.Results) != n {
				t.Fatalf("error %q, %d results for %d controls", tr.Error, len(tr.Results), n)
			}
			if !strings.Contains(tr.Error, tc.want) {
				t.Errorf("error %q does not say %q", tr.Error, tc.want)
			}
			if tr.Summary.Error != n {
				t.Errorf("summary %+v, want %d ERROR", tr.Summary, n)
			}
		})
	}
}

func TestMissingEvidenceNeverPasses(t *testing.T) {
	n := hardenedControlPlane()
	n.Files, n.Configs, n.Certificates, n.EncryptionProviders = nil, nil, nil, nil
	tr := EvaluateNode(n, testOpts())
	// Only controls decided by command-line flags alone may still pass.
	flagOnly := func(id string) bool {
		switch {
		case id == "1.2.28", strings.HasPrefix(id, "1.1."), strings.HasPrefix(id, "4.1."), strings.HasPrefix(id, "4.3."), strings.HasPrefix(id, "KH-"):
			return false
		case strings.HasPrefix(id, "4.2."):
			return id == "4.2.7"
		}
		return true
	}
	for _, r := range tr.Results {
		if r.Status == StatusPass && !flagOnly(r.ControlID) {
			t.Errorf("%s passed without its evidence: %s %v", r.ControlID, r.Reason, r.Evidence)
		}
	}
	if s := resultOf(t, n, "4.2.1"); s.Status != StatusError || !strings.Contains(s.Reason, "not collected") {
		t.Errorf("4.2.1 without the config file: %s %s", s.Status, s.Reason)
	}
}

func TestWorkerNode(t *testing.T) {
	tr := EvaluateNode(kubeadmWorker(), testOpts())
	if len(tr.Roles) != 1 || tr.Roles[0] != RoleWorker {
		t.Fatalf("roles %v", tr.Roles)
	}
	for _, r := range tr.Results {
		sec := strings.SplitN(r.ControlID, ".", 2)[0]
		switch sec {
		case "1", "3":
			if r.Status != StatusNA || r.Reason != "kube-apiserver is not running on this node" {
				t.Errorf("%s: %s %q", r.ControlID, r.Status, r.Reason)
			}
		case "2":
			if r.Status != StatusNA || r.Reason != "etcd is not running on this node" {
				t.Errorf("%s: %s %q", r.ControlID, r.Status, r.Reason)
			}
		default:
			if r.Status == StatusNA && r.ControlID != "KH-PKI-3" && r.ControlID != "KH-PKI-4" { // a worker has no keys or leaf certificates under /etc/kubernetes/pki
				t.Errorf("%s: N/A on a worker: %s", r.ControlID, r.Reason)
			}
		}
	}
}

func TestManagedControlPlane(t *testing.T) {
	opts := testOpts()
	opts.ManagedControlPlane = "EKS"
	tr := EvaluateNode(hardenedControlPlane(), opts)
	for _, r := range tr.Results {
		if r.Role == RoleControlPlane || r.Role == RoleEtcd {
			if r.Status != StatusNA || r.Reason != "control plane is managed by EKS" {
				t.Errorf("%s: %s %q", r.ControlID, r.Status, r.Reason)
			}
		} else if r.Status == StatusNA {
			t.Errorf("%s: worker control N/A on a managed platform", r.ControlID)
		}
	}
	wantNotes(t, tr, "managed by EKS")
}

func TestNoKubeletIsErrorNotNA(t *testing.T) {
	n := hardenedControlPlane()
	delete(n.Processes, evidence.Kubelet)
	r := resultOf(t, n, "4.2.1")
	if r.Status != StatusError || !strings.Contains(r.Reason, "no kubelet process") {
		t.Errorf("4.2.1 without kubelet: %s %q", r.Status, r.Reason)
	}
}

func TestResultsSortedAndFilled(t *testing.T) {
	tr := EvaluateNode(kubeadmControlPlane(), testOpts())
	if tr.Name != "kind-control-plane" || len(tr.Roles) != 3 {
		t.Fatalf("name %q roles %v", tr.Name, tr.Roles)
	}
	for i, r := range tr.Results {
		if i > 0 && CompareIDs(tr.Results[i-1].ControlID, r.ControlID) >= 0 {
			t.Errorf("results not sorted at %s", r.ControlID)
		}
		if r.Target != tr.Name || r.Title == "" {
			t.Errorf("%s: target %q title %q", r.ControlID, r.Target, r.Title)
		}
	}
	if tr.Summary.Total != len(tr.Results) {
		t.Errorf("summary %+v", tr.Summary)
	}
	wantNotes(t, tr, "kubelet config: /var/lib/kubelet/config.yaml (from --config)", "kube-proxy config: /var/lib/kube-proxy/config.conf (from --config)")
}

// wantNotes fails the test for each of wants that no note of tr contains.
func wantNotes(t *testing.T, tr TargetReport, wants ...string) {
	t.Helper()
	testutil.Contains(t, "notes", strings.Join(tr.Notes, "\n"), wants...)
}

func TestUnknownBenchmark(t *testing.T) {
	tr := EvaluateNode(kubeadmWorker(), EvalOptions{Benchmark: "cis-0.1"})
	if tr.Error == "" || len(tr.Results) != 0 {
		t.Errorf("error %q results %d", tr.Error, len(tr.Results))
	}
}

func TestErrorTarget(t *testing.T) {
	tr := ErrorTarget("worker-3", errors.New("debug pod never started"), testBenchmark)
	if tr.Name != "worker-3" || !strings.Contains(tr.Error, "debug pod never started") {
		t.Fatalf("%+v", tr)
	}
	if n := len(NodeControls(testBenchmark)); len(tr.Results) != n || tr.Summary.Error != n {
		t.Errorf("%d results, summary %+v", len(tr.Results), tr.Summary)
	}
	for _, r := range tr.Results {
		if r.Target != "worker-3" || !strings.Contains(r.Reason, "debug pod never started") {
			t.Errorf("%s: %+v", r.ControlID, r)
			break
		}
	}
}

func TestRolesOf(t *testing.T) {
	if got := RolesOf(nil); len(got) != 0 {
		t.Errorf("nil: %v", got)
	}
	n := kubeadmWorker()
	n.Processes[evidence.Etcd] = proc(1, "etcd")
	got := RolesOf(n)
	if len(got) != 2 || got[0] != RoleEtcd || got[1] != RoleWorker {
		t.Errorf("dedicated etcd node: %v", got)
	}
}
