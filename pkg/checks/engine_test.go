package checks

import (
	"errors"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

func TestCatalogShape(t *testing.T) {
	cs := Catalog()
	perSection := map[string]int{}
	automated := map[string]int{}
	seen := map[string]bool{}
	for i, c := range cs {
		if seen[c.ID] {
			t.Errorf("duplicate ID %s", c.ID)
		}
		seen[c.ID] = true
		if i > 0 && CompareIDs(cs[i-1].ID, c.ID) >= 0 {
			t.Errorf("catalog not sorted at %s, %s", cs[i-1].ID, c.ID)
		}
		if c.Title == "" || c.Remediation == "" || len(c.Needs) == 0 || c.Section == "" {
			t.Errorf("%s: incomplete metadata %+v", c.ID, c)
		}
		if c.Level != 1 && c.Level != 2 {
			t.Errorf("%s: level %d", c.ID, c.Level)
		}
		perSection[c.Section]++
		if c.Automated {
			automated[strings.SplitN(c.ID, ".", 2)[0]]++
		}
		wantRole := map[string]Role{"1": RoleControlPlane, "2": RoleEtcd, "3": RoleControlPlane, "4": RoleWorker}[strings.SplitN(c.ID, ".", 2)[0]]
		if c.Benchmark == BenchmarkCIS112 && c.Role != wantRole {
			t.Errorf("%s: role %s, want %s", c.ID, c.Role, wantRole)
		}
		if strings.HasPrefix(c.ID, "KH-") != (c.Benchmark == BenchmarkHarden) {
			t.Errorf("%s: benchmark %s", c.ID, c.Benchmark)
		}
	}
	// Counts from the CIS 1.12 reference: 1.1: 21, 1.2: 30, 1.3: 7, 1.4: 2,
	// etcd 7, control plane 5, 4.1: 10, 4.2: 14, 4.3: 1; 65 Automated.
	want := map[string]int{"1.1": 21, "1.2": 30, "1.3": 7, "1.4": 2, "2": 7, "3.1": 3, "3.2": 2, "4.1": 10, "4.2": 14, "4.3": 1, "KH-PKI": 4}
	for s, n := range want {
		if perSection[s] != n {
			t.Errorf("section %s: %d controls, want %d", s, perSection[s], n)
		}
	}
	if automated["1"] != 47 || automated["2"] != 6 || automated["3"] != 0 || automated["4"] != 12 {
		t.Errorf("automated counts %v, want 1:47 2:6 3:0 4:12", automated)
	}
	if n := len(NodeControls(BenchmarkCIS112)); n != 102 {
		t.Errorf("NodeControls(cis-1.12) = %d controls, want 97 CIS + 5 KH", n)
	}
	if n := len(NodeControls(BenchmarkHarden)); n != 5 {
		t.Errorf("NodeControls(harden) = %d controls, want 5", n)
	}
	if NodeControls("cis-9.9") != nil {
		t.Error("unknown benchmark should give no controls")
	}
}

func TestEmptyEvidenceIsErrorNeverPass(t *testing.T) {
	for name, ev := range map[string]*evidence.Node{
		"nil":          nil,
		"no processes": {NodeName: "n1", Files: hardenedControlPlane().Files},
	} {
		t.Run(name, func(t *testing.T) {
			tr := EvaluateNode(ev, testOpts())
			if tr.Error == "" || len(tr.Results) != 102 {
				t.Fatalf("error %q, %d results", tr.Error, len(tr.Results))
			}
			if tr.Summary.Error != 102 {
				t.Errorf("summary %+v, want 102 ERROR", tr.Summary)
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
	if !strings.Contains(strings.Join(tr.Notes, "\n"), "managed by EKS") {
		t.Errorf("notes %v", tr.Notes)
	}
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
	notes := strings.Join(tr.Notes, "\n")
	for _, want := range []string{"kubelet config: /var/lib/kubelet/config.yaml (from --config)", "kube-proxy config: /var/lib/kube-proxy/config.conf (from --config)"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
}

func TestUnknownBenchmark(t *testing.T) {
	tr := EvaluateNode(kubeadmWorker(), EvalOptions{Benchmark: "cis-0.1"})
	if tr.Error == "" || len(tr.Results) != 0 {
		t.Errorf("error %q results %d", tr.Error, len(tr.Results))
	}
}

func TestErrorTarget(t *testing.T) {
	tr := ErrorTarget("worker-3", errors.New("debug pod never started"), "")
	if tr.Name != "worker-3" || !strings.Contains(tr.Error, "debug pod never started") {
		t.Fatalf("%+v", tr)
	}
	if len(tr.Results) != 102 || tr.Summary.Error != 102 {
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
