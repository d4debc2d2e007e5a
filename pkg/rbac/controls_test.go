package rbac

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/enginetest"
	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

func resultOf(t *testing.T, tr report.TargetReport, id string) report.Result {
	t.Helper()
	for _, r := range tr.Results {
		if r.ControlID == id {
			return r
		}
	}
	t.Fatalf("no result for %s", id)
	return report.Result{}
}

var evidenceText = enginetest.EvidenceText

// TestDefaultKubeadmClusterHasNoFail: the bootstrap policy of a default
// kind/kubeadm cluster must not produce a finding, with or without
// IncludeSystem.
func TestDefaultKubeadmClusterHasNoFail(t *testing.T) {
	m := Build(kubeadmSnapshot())
	want := map[string]report.Status{
		"5.1.5": report.StatusWarn, // default SA in namespace default: automount unset (CIS asks false)
		"5.1.7": report.StatusInfo, // client certificates are invisible to RBAC
	}
	for _, include := range []bool{false, true} {
		tr := Evaluate(m, EvalOptions{Benchmark: testBenchmark, IncludeSystem: include})
		if cs, _ := Controls(testBenchmark); len(tr.Results) != len(cs) {
			t.Fatalf("%d results for %d controls", len(tr.Results), len(cs))
		}
		for _, r := range tr.Results {
			w, ok := want[r.ControlID]
			if !ok {
				w = report.StatusPass
				if include {
					w = "" // PASS or INFO
				}
			}
			if r.Status == report.StatusFail || (w != "" && r.Status != w) || (w == "" && r.Status != report.StatusPass && r.Status != report.StatusInfo) {
				t.Errorf("include=%v %s = %s (%s), want %s\n%s", include, r.ControlID, r.Status, r.Reason, w, evidenceText(r))
			}
			if r.Status == report.StatusPass && len(r.Evidence) == 0 {
				t.Errorf("%s PASS without evidence", r.ControlID)
			}
		}
	}
	// With IncludeSystem, the defaults are shown, not hidden.
	tr := Evaluate(m, EvalOptions{Benchmark: testBenchmark, IncludeSystem: true})
	for id, sub := range map[string]string{
		"5.1.1":     "clusterrolebinding/kubeadm:cluster-admins",
		"5.1.8":     "ServiceAccount kube-system/clusterrole-aggregation-controller",
		"5.1.9":     "local-path-provisioner-service-account",
		"KH-RBAC-3": "system:anonymous",
		"KH-RBAC-4": "User system:kube-controller-manager",
	} {
		r := resultOf(t, tr, id)
		if r.Status != report.StatusInfo || !strings.Contains(evidenceText(r), sub) {
			t.Errorf("include system: %s = %s, want INFO with %q:\n%s", id, r.Status, sub, evidenceText(r))
		}
	}
}

// testBenchmark is the benchmark the control cases are written against
// (its section 5.1 IDs name the checks); pinned so that adding an edition
// changes no test.
const testBenchmark = "cis-1.12"

// controlCase is one control on the default cluster plus one change.
type controlCase struct {
	id     string
	name   string
	change func(s *Snapshot)
	want   report.Status
	ev     string // evidence must contain
}

var controlCases = []controlCase{
	{"5.1.1", "clean", nil, report.StatusPass, "0 of"},
	{"5.1.1", "user bound to cluster-admin: review", func(s *Snapshot) { s.crb("ops-admin", nil, "cluster-admin", user("alice")) }, report.StatusWarn, "clusterrolebinding/ops-admin=User alice → clusterrole/cluster-admin (cluster-wide)"},
	{"5.1.1", "service account bound to cluster-admin", func(s *Snapshot) { s.crb("ci", nil, "cluster-admin", sa("ci", "deployer")) }, report.StatusFail, "ServiceAccount ci/deployer"},
	{"5.1.1", "equivalent */*/* role", func(s *Snapshot) {
		s.cr("god", nil, rule("*", "*", "*"))
		s.crb("god", nil, "god", group("system:serviceaccounts"))
	}, report.StatusFail, "clusterrole/god"},
	{"5.1.1", "user added to the default binding", func(s *Snapshot) {
		s.ClusterRoleBindings[indexCRB(s, "cluster-admin")].Subjects = append(s.ClusterRoleBindings[indexCRB(s, "cluster-admin")].Subjects, user("alice"))
	}, report.StatusWarn, "clusterrolebinding/cluster-admin=User alice"},
	{"5.1.2", "clean", nil, report.StatusPass, "0 of"},
	{"5.1.2", "namespaced secret reader", func(s *Snapshot) { s.rb("app", "read", nil, "ClusterRole", "view-secrets", sa("app", "web")) }, report.StatusWarn, "rolebinding/read -n app"},
	{"5.1.2", "cluster-wide secret reader", func(s *Snapshot) { s.crb("read", nil, "view-secrets", user("bob")) }, report.StatusFail, "User bob"},
	{"5.1.2", "all authenticated", func(s *Snapshot) {
		s.rb("app", "read", nil, "ClusterRole", "view-secrets", group("system:authenticated"))
	}, report.StatusFail, "system:authenticated"},
	{"5.1.3", "clean", nil, report.StatusPass, "none outside the defaults"},
	{"5.1.3", "unbound wildcard role", func(s *Snapshot) { s.role("app", "wild", nil, rule("get", "", "*")) }, report.StatusWarn, "role/wild -n app=get * (not bound)"},
	{"5.1.3", "bound wildcard role", func(s *Snapshot) {
		s.role("app", "wild", nil, rule("*", "", "pods"))
		s.rb("app", "wild", nil, "Role", "wild", user("carol"))
	}, report.StatusFail, "bound by 1 binding"},
	{"5.1.4", "clean", nil, report.StatusPass, "0 of"},
	{"5.1.4", "namespaced deployer", func(s *Snapshot) { s.rb("app", "deploy", nil, "ClusterRole", "edit", sa("ci", "deployer")) }, report.StatusWarn, "ServiceAccount ci/deployer → clusterrole/edit (namespace app)"},
	{"5.1.4", "cluster-wide pod creator", func(s *Snapshot) { s.crb("deploy", nil, "edit", sa("ci", "deployer")) }, report.StatusFail, "cluster-wide"},
	{"5.1.5", "all default SAs false", func(s *Snapshot) {
		for i := range s.ServiceAccounts {
			if s.ServiceAccounts[i].Name == "default" {
				s.ServiceAccounts[i].AutomountServiceAccountToken = boolp(false)
			}
		}
	}, report.StatusPass, "all set automountServiceAccountToken: false"},
	{"5.1.5", "default SA with permissions and automount", func(s *Snapshot) { s.rb("default", "x", nil, "ClusterRole", "view", sa("default", "default")) }, report.StatusFail, "serviceaccount/default -n default=automountServiceAccountToken <unset> (true); has permissions"},
	{"5.1.6", "clean", nil, report.StatusPass, "mount a token"},
	{"5.1.6", "pod with unused token", func(s *Snapshot) {
		s.sa("app", "web", nil).pod("app", "web-1", "web", true).pod("app", "web-2", "web", true)
	}, report.StatusFail, "serviceaccount/web -n app=2 pod(s) mount its token"},
	{"5.1.6", "pod whose SA has permissions", func(s *Snapshot) {
		s.sa("app", "op", nil).pod("app", "op-1", "op", true)
		s.rb("app", "op", nil, "ClusterRole", "view", sa("app", "op"))
	}, report.StatusPass, "1 of those"},
	{"5.1.6", "pod without token", func(s *Snapshot) { s.sa("app", "web", nil).pod("app", "web-1", "web", false) }, report.StatusPass, "mount a token"},
	{"5.1.7", "clean", nil, report.StatusInfo, "kubeadm:cluster-admins"},
	{"5.1.7", "binding names system:masters", func(s *Snapshot) { s.crb("masters-view", nil, "view", group("system:masters")) }, report.StatusWarn, "clusterrolebinding/masters-view"},
	{"5.1.8", "impersonator", func(s *Snapshot) {
		s.cr("imp", nil, rule("impersonate", "", "users,groups"))
		s.crb("imp", nil, "imp", user("dave"))
	}, report.StatusWarn, "User dave"},
	{"5.1.8", "escalate via rolebinding on roles", func(s *Snapshot) {
		s.cr("esc", nil, rule("escalate", "rbac.authorization.k8s.io", "roles"))
		s.rb("app", "esc", nil, "ClusterRole", "esc", user("erin"))
	}, report.StatusWarn, "User erin"},
	{"5.1.9", "pv creator", func(s *Snapshot) {
		s.cr("pv", nil, rule("create", "", "persistentvolumes"))
		s.crb("pv", nil, "pv", sa("csi", "driver"))
	}, report.StatusWarn, "ServiceAccount csi/driver"},
	{"5.1.9", "pv create through a rolebinding grants nothing", func(s *Snapshot) {
		s.cr("pv", nil, rule("create", "", "persistentvolumes"))
		s.rb("app", "pv", nil, "ClusterRole", "pv", sa("csi", "driver"))
	}, report.StatusPass, "0 of"},
	{"5.1.10", "get nodes/proxy is enough", func(s *Snapshot) {
		s.cr("mon", nil, rule("get", "", "nodes/proxy"))
		s.crb("mon", nil, "mon", sa("monitoring", "prometheus"))
	}, report.StatusWarn, "ServiceAccount monitoring/prometheus"},
	{"5.1.10", "kubelet-api-admin to all authenticated", func(s *Snapshot) { s.crb("oops", nil, "system:kubelet-api-admin", group("system:authenticated")) }, report.StatusFail, "clusterrolebinding/oops"},
	{"5.1.11", "approval without signer is not enough", func(s *Snapshot) {
		s.cr("half", nil, rule("update", "certificates.k8s.io", "certificatesigningrequests/approval"))
		s.crb("half", nil, "half", user("frank"))
	}, report.StatusPass, "0 of"},
	{"5.1.11", "approval and signer", func(s *Snapshot) {
		s.cr("approver", nil, rule("update", "certificates.k8s.io", "certificatesigningrequests/approval"), rule("approve", "certificates.k8s.io", "signers"))
		s.crb("approver", nil, "approver", user("frank"))
	}, report.StatusWarn, "User frank"},
	{"5.1.12", "webhook editor", func(s *Snapshot) {
		s.cr("wh", nil, rule("patch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"))
		s.crb("wh", nil, "wh", sa("cert-manager", "cainjector"))
	}, report.StatusWarn, "cert-manager/cainjector"},
	{"5.1.12", "clean", nil, report.StatusPass, "0 of"},
	{"5.1.13", "token minter", func(s *Snapshot) {
		s.cr("tok", nil, rule("create", "", "serviceaccounts/token"))
		s.rb("app", "tok", nil, "ClusterRole", "tok", user("gina"))
	}, report.StatusWarn, "User gina"},
	{"KH-RBAC-1", "clean", nil, report.StatusPass, "0 secrets"},
	{"KH-RBAC-1", "powerful legacy token", func(s *Snapshot) {
		s.sa("ci", "deployer", nil)
		s.crb("ci", nil, "edit", sa("ci", "deployer"))
		s.TokenSecrets = append(s.TokenSecrets, TokenSecret{Namespace: "ci", Name: "deployer-token-abc", ServiceAccount: "deployer", LastUsed: "2026-05-01"})
	}, report.StatusFail, "secret/deployer-token-abc -n ci=ServiceAccount ci/deployer exists; it holds permissions beyond the defaults; 0 pod(s) use the service account; last used 2026-05-01"},
	{"KH-RBAC-1", "orphan legacy token", func(s *Snapshot) {
		s.TokenSecrets = append(s.TokenSecrets, TokenSecret{Namespace: "ci", Name: "gone-token", ServiceAccount: "gone"})
	}, report.StatusWarn, "ServiceAccount ci/gone does not exist"},
	{"KH-RBAC-2", "clean", nil, report.StatusPass, "reference existing"},
	{"KH-RBAC-2", "missing role", func(s *Snapshot) { s.crb("ghost", nil, "does-not-exist", user("h")) }, report.StatusWarn, "clusterrolebinding/ghost=references missing clusterrole/does-not-exist"},
	{"KH-RBAC-2", "missing service account", func(s *Snapshot) { s.rb("app", "b", nil, "ClusterRole", "view", sa("old", "bot")) }, report.StatusWarn, "names missing ServiceAccount old/bot (namespace old does not exist either)"},
	{"KH-RBAC-3", "clean", nil, report.StatusPass, "0 of"},
	{"KH-RBAC-3", "anonymous can list pods", func(s *Snapshot) { s.crb("anon", nil, "view", user("system:anonymous")) }, report.StatusFail, "User system:anonymous → clusterrole/view"},
	{"KH-RBAC-3", "all service accounts of a namespace", func(s *Snapshot) { s.rb("app", "sas", nil, "ClusterRole", "view", group("system:serviceaccounts:app")) }, report.StatusFail, "Group system:serviceaccounts:app"},
	{"KH-RBAC-4", "clean", nil, report.StatusPass, "0 non-default"},
	{"5.1.8", "clean", nil, report.StatusPass, "0 of"},
	{"5.1.10", "clean", nil, report.StatusPass, "0 of"},
	{"5.1.13", "clean", nil, report.StatusPass, "0 of"},
}

// TestControls runs controlCases.
func TestControls(t *testing.T) {
	for _, c := range controlCases {
		t.Run(c.id+" "+c.name, func(t *testing.T) {
			s := kubeadmSnapshot()
			s.ns("app", "ci")
			s.cr("view-secrets", nil, rule("get,list,watch", "", "secrets"))
			if c.change != nil {
				c.change(s)
			}
			r := resultOf(t, Evaluate(Build(s), EvalOptions{Benchmark: testBenchmark}), c.id)
			ev := evidenceText(r)
			if r.Status != c.want || !strings.Contains(ev, c.ev) {
				t.Errorf("%s = %s (%s), want %s with %q; evidence:\n%s", c.id, r.Status, r.Reason, c.want, c.ev, ev)
			}
			if (r.Status == report.StatusFail || r.Status == report.StatusWarn) && r.Remediation == "" {
				t.Error("finding without remediation")
			}
		})
	}
}

func indexCRB(s *Snapshot, name string) int {
	for i, b := range s.ClusterRoleBindings {
		if b.Name == name {
			return i
		}
	}
	panic("no clusterrolebinding " + name)
}

// TestPathsToClusterAdmin checks each "can become" edge and the chains.
func TestPathsToClusterAdmin(t *testing.T) {
	powerful := func(s *Snapshot) {
		s.ns("app", "ci", "ops")
		s.sa("ops", "root", nil)
		s.crb("ops-root", nil, "cluster-admin", sa("ops", "root"))
	}
	cases := []struct {
		name   string
		change func(s *Snapshot)
		want   []string // the path's evidence lines, in order (substrings)
	}{
		{"pod create in the namespace of a powerful SA", func(s *Snapshot) {
			s.rb("ops", "dev", nil, "ClusterRole", "edit", user("alice"))
		}, []string{
			"rolebinding/dev -n ops=path of User alice, step 1: User alice can create pods in namespace ops: runs one as ServiceAccount ops/root and reads its token → becomes ServiceAccount ops/root",
			"clusterrolebinding/ops-root=path of User alice, step 2: ServiceAccount ops/root holds */*/* cluster-wide → full control (clusterrole/cluster-admin)",
		}},
		{"legacy token readable", func(s *Snapshot) {
			s.TokenSecrets = append(s.TokenSecrets, TokenSecret{Namespace: "ops", Name: "root-token", ServiceAccount: "root"})
			s.role("ops", "one-secret", nil, rule("get", "", "secrets", "root-token"))
			s.rb("ops", "reader", nil, "Role", "one-secret", user("bob"))
		}, []string{"User bob can read secret/root-token -n ops, a legacy token of ServiceAccount ops/root"}},
		{"token for another name is no path", func(s *Snapshot) {
			s.role("ops", "tok", nil, rule("create", "", "serviceaccounts/token", "other"))
			s.rb("ops", "tok", nil, "Role", "tok", user("bob"))
		}, nil},
		{"token create", func(s *Snapshot) {
			s.role("ops", "tok", nil, rule("create", "", "serviceaccounts/token", "root"))
			s.rb("ops", "tok", nil, "Role", "tok", user("bob"))
		}, []string{"User bob can create a token for ServiceAccount ops/root"}},
		{"exec into a pod of the powerful SA", func(s *Snapshot) {
			s.pod("ops", "root-pod", "root", true)
			s.role("ops", "exec", nil, rule("create", "", "pods/exec"))
			s.rb("ops", "exec", nil, "Role", "exec", sa("ci", "runner"))
		}, []string{"ServiceAccount ci/runner can exec into pod/root-pod -n ops"}},
		{"impersonate a user with full control", func(s *Snapshot) {
			s.crb("carol-admin", nil, "cluster-admin", user("carol"))
			s.cr("imp-carol", nil, rule("impersonate", "", "users", "carol"))
			s.crb("imp", nil, "imp-carol", user("dave"))
		}, []string{"User dave can impersonate User carol → becomes User carol"}},
		{"impersonate system:masters", func(s *Snapshot) {
			s.cr("imp", nil, rule("impersonate", "", "users,groups"))
			s.crb("imp", nil, "imp", user("dave"))
		}, []string{"User dave can impersonate group system:masters → full control"}},
		{"escalate", func(s *Snapshot) {
			s.cr("esc", nil, rule("escalate,update", "rbac.authorization.k8s.io", "clusterroles"))
			s.crb("esc", nil, "esc", user("erin"))
		}, []string{"User erin can escalate and update clusterroles"}},
		{"bind cluster-admin", func(s *Snapshot) {
			s.cr("binder", nil, rule("bind", "rbac.authorization.k8s.io", "clusterroles", "cluster-admin"), rule("create", "rbac.authorization.k8s.io", "clusterrolebindings"))
			s.crb("binder", nil, "binder", user("erin"))
		}, []string{"User erin can bind clusterrole/cluster-admin"}},
		{"nodes/proxy", func(s *Snapshot) { s.crb("kubelet", nil, "system:kubelet-api-admin", sa("monitoring", "agent")) }, []string{"ServiceAccount monitoring/agent can use nodes/proxy"}},
		{"CSR self-approval", func(s *Snapshot) {
			s.cr("csr", nil, rule("create", "certificates.k8s.io", "certificatesigningrequests"), rule("update", "certificates.k8s.io", "certificatesigningrequests/approval"), rule("approve", "certificates.k8s.io", "signers", "kubernetes.io/kube-apiserver-client"))
			s.crb("csr", nil, "csr", user("frank"))
		}, []string{"User frank can create and approve a CSR"}},
		{"two hops through kube-system", func(s *Snapshot) {
			// ci/deployer can create deployments in kube-system, where the
			// aggregation controller's SA can escalate clusterroles.
			s.cr("deployer", nil, rule("create", "apps", "deployments"))
			s.rb("kube-system", "deployer", nil, "ClusterRole", "deployer", sa("ci", "deployer"))
		}, []string{
			"ServiceAccount ci/deployer can create pods in namespace kube-system",
			"becomes ServiceAccount kube-system/",
			"step 2: ServiceAccount kube-system/",
		}},
		{"pods with resourceNames never authorize create", func(s *Snapshot) {
			s.role("ops", "named", nil, rule("create", "", "pods", "x"))
			s.rb("ops", "named", nil, "Role", "named", user("gina"))
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkPathCase(t, powerful, c.change, c.want) })
	}
}

// checkPathCase evaluates KH-RBAC-4 on the kubeadm snapshot with base and
// change applied: PASS when want is nil, else FAIL with want, in order, in
// the evidence.
func checkPathCase(t *testing.T, base, change func(*Snapshot), want []string) {
	t.Helper()
	s := kubeadmSnapshot()
	base(s)
	change(s)
	r := resultOf(t, Evaluate(Build(s), EvalOptions{}), "KH-RBAC-4")
	if want == nil {
		if r.Status != report.StatusPass {
			t.Fatalf("want PASS, got %s:\n%s", r.Status, evidenceText(r))
		}
		return
	}
	if r.Status != report.StatusFail {
		t.Fatalf("want FAIL, got %s (%s)", r.Status, r.Reason)
	}
	wantInOrder(t, evidenceText(r), want)
}

func TestPathsAreShortest(t *testing.T) {
	s := kubeadmSnapshot()
	s.ns("a", "b")
	s.sa("a", "x", nil).sa("b", "y", nil)
	s.crb("y-admin", nil, "cluster-admin", sa("b", "y"))
	s.rb("a", "u-a", nil, "ClusterRole", "edit", user("u"))    // u → a/x
	s.rb("b", "x-b", nil, "ClusterRole", "edit", sa("a", "x")) // a/x → b/y
	s.rb("b", "u-b", nil, "ClusterRole", "edit", user("u"))    // u → b/y directly
	var got *Path
	for _, p := range Build(s).PathsToClusterAdmin() {
		if p.Subject.Name == "u" {
			p := p
			got = &p
		}
	}
	if got == nil || len(got.Steps) != 2 || got.Steps[0].To.String() != "ServiceAccount b/y" {
		t.Fatalf("want u → b/y → full control, got %+v", got)
	}
}

func TestEvidenceCap(t *testing.T) {
	s := kubeadmSnapshot()
	for i := 0; i < 30; i++ {
		s.crb(fmt.Sprintf("admin-%02d", i), nil, "cluster-admin", user(fmt.Sprintf("u%02d", i)))
	}
	r := resultOf(t, Evaluate(Build(s), EvalOptions{Benchmark: testBenchmark, MaxEvidence: 10}), "5.1.1")
	if len(r.Evidence) != 11 || !strings.Contains(r.Evidence[10].Value, "20 more") {
		t.Errorf("evidence cap: got %d lines:\n%s", len(r.Evidence), evidenceText(r))
	}
}

// TestControlsOfEveryBenchmark: what Evaluate reports for each benchmark
// is what Controls announces, all of role cluster, sorted, with our own
// KH-RBAC controls under benchmark harden.
func TestControlsOfEveryBenchmark(t *testing.T) {
	m := Build(kubeadmSnapshot())
	enginetest.ReportsAsAnnounced(t, benchmarks.EngineRBAC, Controls, func(id string) report.TargetReport {
		return Evaluate(m, EvalOptions{Benchmark: id})
	})
}

// TestRealKindSnapshot evaluates a snapshot collected (with Collect and the
// metadata client) from a fresh kind v1.34.4 cluster: no FAIL, and the
// only WARN is the default service account of namespace default.
func TestRealKindSnapshot(t *testing.T) {
	s := kindSnapshot(t)
	if len(s.ClusterRoles) < 60 || len(s.ClusterRoleBindings) < 50 {
		t.Fatalf("snapshot looks truncated: %d clusterroles, %d clusterrolebindings", len(s.ClusterRoles), len(s.ClusterRoleBindings))
	}
	m := Build(s)
	for _, include := range []bool{false, true} {
		for _, r := range Evaluate(m, EvalOptions{Benchmark: testBenchmark, IncludeSystem: include}).Results {
			if r.Status == report.StatusFail || (r.Status == report.StatusWarn && r.ControlID != "5.1.5") || r.Status == report.StatusError {
				t.Errorf("include=%v %s = %s (%s)\n%s", include, r.ControlID, r.Status, r.Reason, evidenceText(r))
			}
		}
	}
	// Checked against `kubectl auth can-i` on the live cluster.
	for _, c := range []struct {
		subj string
		a    Attributes
		want bool
	}{
		{"serviceaccount/kube-system:clusterrole-aggregation-controller", Attributes{Verb: "escalate", APIGroup: "rbac.authorization.k8s.io", Resource: "clusterroles"}, true},
		{"user/system:kube-controller-manager", Attributes{Verb: "create", Resource: "serviceaccounts", Subresource: "token", Namespace: "default"}, true},
		{"serviceaccount/kube-system:generic-garbage-collector", Attributes{Verb: "get", Resource: "nodes", Subresource: "proxy"}, true},
		{"serviceaccount/kube-system:coredns", Attributes{Verb: "get", Resource: "secrets", Namespace: "kube-system"}, false},
		{"user/system:anonymous", Attributes{Verb: "get", Resource: "configmaps", Name: "cluster-info", Namespace: "kube-public"}, true},
		{"user/system:anonymous", Attributes{Verb: "get", Resource: "configmaps", Name: "kube-root-ca.crt", Namespace: "kube-public"}, false},
		{"serviceaccount/default:default", Attributes{Verb: "get", Path: "/apis/apps"}, true},
		{"user/system:kube-proxy", Attributes{Verb: "list", APIGroup: "discovery.k8s.io", Resource: "endpointslices"}, true},
	} {
		sj, err := ParseSubject(c.subj)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := m.Allowed(sj, c.a); got != c.want {
			t.Errorf("Allowed(%s, %s) = %v, kubectl auth can-i said %v", sj, c.a, got, c.want)
		}
	}
}
