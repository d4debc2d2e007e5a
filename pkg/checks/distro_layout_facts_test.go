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
	fx := fixtureByID(t, "k0s")
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

// File modes the fixtures take from the distributions' sources, with the
// setting that passes and the one that fails: MicroK8s's hooks leave
// credentials 0660 (ug+rwX, o-rwX; its cis-hardening lock removes the
// group's rights: 0600); OpenShift's installer pods write the static pod
// manifests 0600 (older library-go installers wrote 0644).
func TestDistroFileModes(t *testing.T) {
	for _, tt := range []struct {
		id, control, path string
		pass, fail        uint32
	}{
		{"microk8s", "1.1.15", "/var/snap/microk8s/current/credentials/scheduler.config", 0o600, 0o660},
		{"openshift", "1.1.3", "/etc/kubernetes/manifests/kube-controller-manager-pod.yaml", 0o600, 0o644},
		{"k0s", "1.1.13", "/var/lib/k0s/pki/admin.conf", 0o600, 0o640},
	} {
		fx := fixtureByID(t, tt.id)
		o, _ := detectFixture(t, fx)
		for mode, want := range map[uint32]Status{tt.pass: StatusPass, tt.fail: StatusFail} {
			n := fx.node(t)
			n.Files[tt.path].Mode = mode
			r := resultIn(t, EvaluateNode(n, o), tt.control)
			named := false
			for _, e := range r.Evidence {
				named = named || e.Path == tt.path
			}
			if r.Status != want || !named {
				t.Errorf("%s %s mode %o: %s %q %+v, want %s naming %s", tt.id, tt.control, mode, r.Status, r.Reason, r.Evidence, want, tt.path)
			}
		}
	}
}

// fixtureByID is the first distribution fixture of id (the one whose
// golden is named after the distribution).
func fixtureByID(t *testing.T, id string) distroFixture {
	t.Helper()
	for _, f := range distroFixtures {
		if f.id == id && f.golden == "" {
			return f
		}
	}
	t.Fatalf("no fixture %s", id)
	return distroFixture{}
}
