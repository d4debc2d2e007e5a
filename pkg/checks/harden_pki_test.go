package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// TestKubeletSelfSignedServingCertReportedOnce: the kubelet's self-signed
// serving certificate is CIS 4.2.9's finding; KH-PKI-4 leaves it out and
// says so, so --fail-on and the summary count the fact once.
func TestKubeletSelfSignedServingCertReportedOnce(t *testing.T) {
	const servingCert = "/var/lib/kubelet/pki/kubelet.crt"
	// As the kubelet writes it (kind 1.34): a leaf issued by a throw-away
	// CA that is in the same file only, so no collected CA signed it.
	selfSigned := func(n *evidence.Node) {
		addCert(n, servingCert, "node-1@1700000000", "", false, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
		c := n.Certificates[servingCert]
		c.Issuer, c.Count = "CN=node-1-ca@1700000000", 2
	}
	plainSelfSigned := func(n *evidence.Node) {
		addCert(n, servingCert, "node-1@1700000000", servingCert, false, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	noBootstrap := editKubelet(func(m map[string]any) { delete(m, "serverTLSBootstrap") })
	cases := []struct {
		name            string
		mutate          func(*evidence.Node)
		want429, wantPK Status
		pkReason        string
	}{
		{"kubelet self-signs: only 4.2.9 fails", all(noBootstrap, selfSigned), StatusFail, StatusPass, "CIS 4.2.9 reports it"},
		{"older kubelet, plainly self-signed: only 4.2.9 fails", all(noBootstrap, plainSelfSigned), StatusFail, StatusPass, "CIS 4.2.9 reports it"},
		{"self-signed leaf elsewhere still fails KH-PKI-4", all(noBootstrap, selfSigned, func(n *evidence.Node) {
			c := n.Certificates[pkiDir+"/apiserver.crt"]
			c.SignedBy, c.SelfSigned = pkiDir+"/apiserver.crt", true
		}), StatusFail, StatusFail, "apiserver.crt"},
		{"serverTLSBootstrap on: a self-signed kubelet.crt is KH-PKI-4's", selfSigned, StatusPass, StatusFail, "kubelet.crt"},
		{"configured serving certificate that is self-signed is KH-PKI-4's", all(noBootstrap, selfSigned,
			flag(klt, "tls-cert-file", servingCert), flag(klt, "tls-private-key-file", "/var/lib/kubelet/pki/kubelet.key")), StatusPass, StatusFail, "kubelet.crt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := hardenedControlPlane()
			tc.mutate(n)
			r429, rpk := resultOf(t, n, "4.2.9"), resultOf(t, n, "KH-PKI-4")
			if r429.Status != tc.want429 {
				t.Errorf("4.2.9: %s (%s), want %s", r429.Status, r429.Reason, tc.want429)
			}
			if rpk.Status != tc.wantPK {
				t.Errorf("KH-PKI-4: %s (%s), want %s", rpk.Status, rpk.Reason, tc.wantPK)
			}
			if !strings.Contains(rpk.Reason, tc.pkReason) {
				t.Errorf("KH-PKI-4 reason %q does not mention %q", rpk.Reason, tc.pkReason)
			}
		})
	}
}

// TestCertChainsUnchecked: a certificate whose signature linking could not
// check (a node with more same-name certificates than the bounded budget
// allows, a key too large to check) makes KH-PKI-4 ERROR, naming it; it is
// neither a PASS nor read as "not signed by any collected CA".
func TestCertChainsUnchecked(t *testing.T) {
	const why = "the node's certificates used up the budget of 4096 signature checks"
	cases := []struct {
		name   string
		mutate func(*evidence.Node)
		want   Status
		reason []string
	}{
		{"unchecked leaf", func(n *evidence.Node) {
			c := n.Certificates[pkiDir+"/apiserver.crt"]
			c.SignedBy, c.SignatureUnchecked = "", why
		}, StatusError, []string{"1 certificate(s) could not be checked: apiserver.crt"}},
		{"unchecked leaf beside a failing one still fails", func(n *evidence.Node) {
			c := n.Certificates[pkiDir+"/apiserver.crt"]
			c.SignedBy, c.SignatureUnchecked = "", why
			f := n.Certificates[pkiDir+"/front-proxy-client.crt"]
			f.SignedBy, f.SelfSigned = pkiDir+"/front-proxy-client.crt", true
		}, StatusFail, []string{"front-proxy-client.crt"}},
		{"unchecked kubelet serving certificate is not taken for 4.2.9's", all(editKubelet(func(m map[string]any) { delete(m, "serverTLSBootstrap") }), func(n *evidence.Node) {
			const p = "/var/lib/kubelet/pki/kubelet.crt"
			addCert(n, p, "node-1@1700000000", "", false, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
			n.Certificates[p].SignatureUnchecked = why
		}), StatusError, []string{"could not be checked: kubelet.crt"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := hardenedControlPlane()
			tc.mutate(n)
			r := resultOf(t, n, "KH-PKI-4")
			if r.Status != tc.want {
				t.Errorf("KH-PKI-4: %s (%s), want %s", r.Status, r.Reason, tc.want)
			}
			for _, s := range tc.reason {
				if !strings.Contains(r.Reason, s) {
					t.Errorf("KH-PKI-4 reason %q does not mention %q", r.Reason, s)
				}
			}
		})
	}
}
