package checks

import (
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// A k0s controller runs a kubelet only with --enable-worker or --single: a
// controller without them has the worker controls N/A with the reason; one
// with them, or a k0s worker, without a kubelet is ERROR (the evidence is
// incomplete), never N/A.
func TestK0sKubeletByDesign(t *testing.T) {
	var fx distroFixture
	for _, f := range distroFixtures {
		if f.id == "k0s" && f.golden == "" {
			fx = f
		}
	}
	o, _ := detectFixture(t, fx)
	tests := []struct {
		name   string
		args   []string
		status Status
		reason string
	}{
		{"controller only", []string{"k0s", "controller", "--config=/etc/k0s/k0s.yaml"}, StatusNA, "runs no kubelet on this node by design"},
		{"server alias", []string{"/usr/local/bin/k0s", "server"}, StatusNA, "runs no kubelet on this node by design"},
		{"enable-worker", []string{"k0s", "controller", "--enable-worker", "--no-taints"}, StatusError, "started with --enable-worker, so a kubelet is expected"},
		{"single", []string{"k0s", "controller", "--single=true"}, StatusError, "started with --single, so a kubelet is expected"},
		{"enable-worker=false", []string{"k0s", "controller", "--enable-worker=false"}, StatusNA, "by design"},
		{"worker", []string{"k0s", "worker", "--token-file=/etc/k0s/token"}, StatusError, "no kubelet process was found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := k0sController(t)
			n.Supervisors[evidence.SupervisorK0s].Args = tt.args
			tr := EvaluateNode(n, o)
			for _, id := range []string{"4.1.5", "4.2.1", "4.2.10"} {
				r := resultIn(t, tr, id)
				if r.Status != tt.status || !strings.Contains(r.Reason, tt.reason) {
					t.Errorf("%s: %s %q, want %s containing %q", id, r.Status, r.Reason, tt.status, tt.reason)
				}
			}
		})
	}
}

// MicroK8s's hooks leave credentials and certs 0660 (ug+rwX, o-rwX); with
// the cis-hardening lock its configure hook also removes the group's
// rights (g-wr): 0600, which passes.
func TestMicroK8sCredentialModes(t *testing.T) {
	var fx distroFixture
	for _, f := range distroFixtures {
		if f.id == "microk8s" {
			fx = f
		}
	}
	o, _ := detectFixture(t, fx)
	const sched = "/var/snap/microk8s/current/credentials/scheduler.config"
	for _, tt := range []struct {
		mode   uint32
		status Status
	}{{0o660, StatusFail}, {0o600, StatusPass}} {
		n := fx.node(t)
		n.Files[sched].Mode = tt.mode
		r := resultIn(t, EvaluateNode(n, o), "1.1.15")
		named := false
		for _, e := range r.Evidence {
			named = named || e.Path == sched
		}
		if r.Status != tt.status || !named {
			t.Errorf("mode %o: %s %q %+v, want %s naming %s", tt.mode, r.Status, r.Reason, r.Evidence, tt.status, sched)
		}
	}
}

// OpenShift's installer pods write the static pod manifests 0600 (older
// library-go installers wrote 0644, which fails 1.1.3).
func TestOpenShiftManifestModes(t *testing.T) {
	var fx distroFixture
	for _, f := range distroFixtures {
		if f.id == "openshift" {
			fx = f
		}
	}
	o, _ := detectFixture(t, fx)
	const m = "/etc/kubernetes/manifests/kube-controller-manager-pod.yaml"
	for _, tt := range []struct {
		mode   uint32
		status Status
	}{{0o600, StatusPass}, {0o644, StatusFail}} {
		n := fx.node(t)
		n.Files[m].Mode = tt.mode
		r := resultIn(t, EvaluateNode(n, o), "1.1.3")
		named := false
		for _, e := range r.Evidence {
			named = named || e.Path == m
		}
		if r.Status != tt.status || !named {
			t.Errorf("mode %o: %s %q %+v, want %s naming %s", tt.mode, r.Status, r.Reason, r.Evidence, tt.status, m)
		}
	}
}
