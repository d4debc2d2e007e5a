//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

const (
	workloadFixtures = "testdata/workloads-risky.yaml"
	workloadNS       = "wl-e2e-risky"
)

// evidenceWith reports whether a result has an evidence line containing
// every one of subs.
func evidenceWith(r *report.Result, subs ...string) bool {
	for _, o := range r.Evidence {
		s := o.String()
		all := true
		for _, sub := range subs {
			all = all && strings.Contains(s, sub)
		}
		if all {
			return true
		}
	}
	return false
}

// TestWorkloads applies one risky workload per control in its own
// namespace and checks each is flagged with its owner and field; checks
// that kind's own system pods are INFO, not FAIL; and that a caller without
// list permissions gets ERROR, never PASS.
func TestWorkloads(t *testing.T) {
	// Parallel: its scans are of its own namespace and kube-system (where
	// no test creates anything), and the whole cluster's 5.3.1 and 5.6.4 are
	// read for kind's own objects.
	t.Parallel()
	deleteFixtures := func() {
		if out, err := kubectlOut(context.Background(), "delete", "-f", workloadFixtures, "--ignore-not-found", "--wait=true", "--timeout=180s"); err != nil {
			t.Errorf("deleting the workload fixtures: %v\n%s", err, out)
		}
	}
	deleteFixtures() // left by an interrupted run
	t.Cleanup(deleteFixtures)
	applied := eventually(30*time.Second, 2*time.Second, func() bool {
		out, err := kubectlOut(context.Background(), "apply", "-f", workloadFixtures)
		if err != nil {
			t.Logf("kubectl apply -f %s: %v: %s (retrying)", workloadFixtures, err, out)
		}
		return err == nil
	})
	if !applied {
		t.Fatalf("kubectl apply -f %s failed", workloadFixtures)
	}

	t.Run("risky workloads are flagged with owner and field", func(t *testing.T) {
		r := harden(t, 2*time.Minute, "workloads", "-n", workloadNS, "-o", "json", "--fail-on", "FAIL")
		if r.exit != 2 {
			t.Fatalf("want exit 2 with --fail-on FAIL:\n%s", r)
		}
		rep := decodeReport(t, r)
		if rep.Kind != report.KindWorkloads {
			t.Errorf("kind = %q", rep.Kind)
		}
		tg := target(t, rep, "workloads")
		ns := workloadNS
		cases := []struct {
			id   string
			subs []string
		}{
			{"5.2.1", []string{"namespace/" + ns, "enforce=privileged"}},
			{"5.2.2", []string{"deployment/" + ns + "/wl-priv", "privileged"}},
			{"5.2.3", []string{"daemonset/" + ns + "/wl-hostns spec.hostPID", "PSS hostNamespaces"}},
			{"5.2.4", []string{"daemonset/" + ns + "/wl-hostns spec.hostIPC"}},
			{"5.2.5", []string{"daemonset/" + ns + "/wl-hostns spec.hostNetwork"}},
			{"5.2.5", []string{"pod/" + ns + "/kube-proxy spec.hostNetwork"}}, // a look-alike is not system
			{"5.2.6", []string{"deployment/" + ns + "/wl-priv spec.containers[app].securityContext", "privileged: allowPrivilegeEscalation is always true"}},
			{"5.2.7", []string{"deployment/" + ns + "/wl-priv securityContext.runAsUser", "PSS runAsUser"}},
			{"5.2.8", []string{"deployment/" + ns + "/wl-priv spec.containers[app].securityContext.capabilities", "holds NET_RAW"}},
			{"5.2.9", []string{"deployment/" + ns + "/wl-priv", "PSS capabilities_restricted"}},
			{"5.2.10", []string{"statefulset/" + ns + "/wl-win", "hostProcess"}},
			{"5.2.11", []string{"daemonset/" + ns + "/wl-hostns spec.volumes", `"root"`}},
			{"5.2.12", []string{"deployment/" + ns + "/wl-priv", "hostPort 8080"}},
			{"5.3.2", []string{"namespace/" + ns, "0 NetworkPolicies"}},
			{"5.4.1", []string{"deployment/" + ns + "/wl-priv spec.containers[app].env[DB_PASSWORD]", "secretKeyRef secret/wl-db key password"}},
			{"5.4.1", []string{"cronjob/" + ns + "/wl-envfrom spec.containers[job].envFrom[0]", "secret/wl-api-keys"}},
			{"5.6.2", []string{"cronjob/" + ns + "/wl-envfrom", "PSS seccompProfile_baseline"}},
			{"5.6.3", []string{"replicaset/" + ns + "/wl-orphan securityContext"}},
		}
		for _, c := range cases {
			res := result(t, tg, c.id)
			if res.Status != report.StatusFail || !evidenceWith(res, c.subs...) {
				t.Errorf("want FAIL with evidence %q: %s", c.subs, describe(res))
			}
		}
		// Controllers are evaluated once, never through their pods.
		if strings.Contains(r.stdout, "pod/"+ns+"/wl-") {
			t.Errorf("a controller's pod was evaluated on its own:\n%s", r)
		}
	})

	t.Run("kind's system pods are INFO, not FAIL", func(t *testing.T) {
		r := harden(t, 2*time.Minute, "workloads", "-n", "kube-system", "--include-system", "-o", "json")
		if r.exit != 0 {
			t.Fatalf("want exit 0:\n%s", r)
		}
		tg := target(t, decodeReport(t, r), "workloads")
		for _, res := range tg.Results {
			// 5.3.1 is about the CNI's features, not a finding on a system
			// pod; it is checked in the next subtest.
			if res.ControlID != "5.3.1" && (res.Status == report.StatusFail || res.Status == report.StatusError) {
				t.Errorf("kube-system: %s", describe(&res))
			}
		}
		for _, c := range []struct{ id, sub string }{
			{"5.2.2", "(expected for kube-proxy)"},
			{"5.2.5", "(expected for kindnet"},
			{"5.2.5", "(mirror pod on node "},
			{"5.2.11", "(expected for etcd (static pod))"},
		} {
			res := result(t, tg, c.id)
			if res.Status != report.StatusInfo || !evidenceWith(res, c.sub) {
				t.Errorf("want INFO with %q: %s", c.sub, describe(res))
			}
		}
	})

	t.Run("CNI and default namespace on the whole cluster", func(t *testing.T) {
		r := harden(t, 2*time.Minute, "policies", "--control", "5.3.1,5.6.4", "-o", "json")
		if r.exit != 0 {
			t.Fatalf("want exit 0:\n%s", r)
		}
		tg := target(t, decodeReport(t, r), "workloads")
		// kindnetd enforces NetworkPolicy; the offline images' minikindnet
		// stand-in does not.
		want := report.StatusPass
		if strings.Contains(kubectl(t, "get", "daemonset", "-n", "kube-system", "kindnet", "-o", "jsonpath={.spec.template.spec.containers[*].image}"), "minikindnet") {
			want = report.StatusFail
		}
		if res := result(t, tg, "5.3.1"); res.Status != want || !evidenceWith(res, "daemonset/kube-system/kindnet") {
			t.Errorf("5.3.1 on kind: want %s: %s", want, describe(res))
		}
		if res := result(t, tg, "5.6.4"); evidenceWith(res, "service/kubernetes") {
			t.Errorf("5.6.4 lists the kubernetes Service: %s", describe(res))
		}
	})

	t.Run("missing permissions are named and ERROR, never PASS", func(t *testing.T) {
		r := harden(t, 2*time.Minute, "workloads", "--as", "system:serviceaccount:"+workloadNS+":default", "-o", "json")
		if r.exit != 1 {
			t.Fatalf("want exit 1 (incomplete):\n%s", r)
		}
		for _, want := range []string{"missing permissions", "list pods", "list daemonsets.apps"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r)
			}
		}
		tg := target(t, decodeReport(t, r), "workloads")
		if tg.Error == "" {
			t.Error("target has no error")
		}
		for _, res := range tg.Results {
			if strings.HasPrefix(res.ControlID, "5.2.") && res.Status != report.StatusError {
				t.Errorf("forbidden: %s", describe(&res))
			}
		}
	})
}
