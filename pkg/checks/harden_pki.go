package checks

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// Our own PKI controls (benchmark "harden", IDs "KH-PKI-n"). They look at
// the certificates and key files collected on a node, so they apply to every
// node with a kubelet (RoleWorker), control-plane nodes included, and are
// N/A where no certificate or key was found.

const (
	expiryFail = 30 * 24 * time.Hour
	expiryWarn = 90 * 24 * time.Hour
	minRSABits = 2048
	minECBits  = 256
)

func harden(id, title, remediation string, needs ...string) Control {
	return Control{
		ID: id, Title: title, Section: "KH-PKI", Benchmark: BenchmarkHarden, Level: 1,
		Role: RoleWorker, Automated: true, Needs: needs, Remediation: remediation,
	}
}

// certPaths lists the collected certificates in path order.
func certPaths(ev *evidence.Node) []string {
	out := make([]string, 0, len(ev.Certificates))
	for p, c := range ev.Certificates {
		if c != nil {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// certFold runs a per-certificate judgement and folds it into one outcome:
// any FAIL makes FAIL, then unreadable certificates and those the judge
// could not decide (ERROR) make ERROR, then any WARN makes WARN.
// Observations list the certificates that matter (all of them when
// everything passes).
func certFold(ev *evidence.Node, judge func(p string, c *evidence.Certificate) (Status, string)) Outcome {
	paths := certPaths(ev)
	if len(paths) == 0 {
		return notApplicable("no certificates were found on this node")
	}
	var failObs, warnObs, errObs, undecidedObs, passObs []Observation
	for _, p := range paths {
		c := ev.Certificates[p]
		if c.Error != "" {
			errObs = append(errObs, Observation{Location: p, Value: "<unreadable: " + c.Error + ">", Path: p})
			continue
		}
		st, v := judge(p, c)
		o := Observation{Location: p, Value: v, Path: p}
		switch st {
		case StatusFail:
			failObs = append(failObs, o)
		case StatusWarn:
			warnObs = append(warnObs, o)
		case StatusError:
			undecidedObs = append(undecidedObs, o)
		case StatusPass:
			passObs = append(passObs, o)
		}
	}
	names := func(obs []Observation) string {
		var s []string
		for _, o := range obs {
			s = append(s, path.Base(o.Location))
		}
		return summarize(s)
	}
	switch {
	case len(failObs) > 0:
		return fail(fmt.Sprintf("%d certificate(s) fail: %s", len(failObs), names(failObs)), append(append(failObs, errObs...), undecidedObs...)...)
	case len(errObs) > 0 || len(undecidedObs) > 0:
		var why []string
		if len(errObs) > 0 {
			why = append(why, fmt.Sprintf("%d certificate(s) could not be read: %s", len(errObs), names(errObs)))
		}
		if len(undecidedObs) > 0 {
			why = append(why, fmt.Sprintf("%d certificate(s) could not be checked: %s", len(undecidedObs), names(undecidedObs)))
		}
		return errorOutcome(strings.Join(why, "; "), append(append(errObs, undecidedObs...), warnObs...)...)
	case len(warnObs) > 0:
		return warn(fmt.Sprintf("%d certificate(s) need attention: %s", len(warnObs), names(warnObs)), warnObs...)
	case len(passObs) == 0:
		return notApplicable("no certificate this control applies to was found")
	}
	return pass(fmt.Sprintf("all %d certificates are fine", len(passObs)), passObs...)
}

func certExpiry(now func() time.Time) func(*evidence.Node) Outcome {
	return func(ev *evidence.Node) Outcome {
		t := now()
		return certFold(ev, func(_ string, c *evidence.Certificate) (Status, string) {
			left := c.NotAfter.Sub(t)
			v := "expires " + c.NotAfter.UTC().Format(time.RFC3339)
			switch {
			case left <= 0:
				return StatusFail, "expired " + c.NotAfter.UTC().Format(time.RFC3339)
			case left < expiryFail:
				return StatusFail, fmt.Sprintf("%s (in %d days)", v, int(left.Hours()/24))
			case left < expiryWarn:
				return StatusWarn, fmt.Sprintf("%s (in %d days)", v, int(left.Hours()/24))
			}
			return StatusPass, v
		})
	}
}

func certKeySize(ev *evidence.Node) Outcome {
	return certFold(ev, func(_ string, c *evidence.Certificate) (Status, string) {
		v := fmt.Sprintf("%s %d bits", c.KeyAlgorithm, c.KeyBits)
		switch c.KeyAlgorithm {
		case "RSA":
			if c.KeyBits < minRSABits {
				return StatusFail, v
			}
		case "ECDSA":
			if c.KeyBits < minECBits {
				return StatusFail, v
			}
		}
		return StatusPass, v
	})
}

// keyFlags name private key files, per component.
var keyFlags = map[evidence.Component][]string{
	evidence.APIServer:         {"tls-private-key-file", "kubelet-client-key", "etcd-keyfile", "proxy-client-key-file", "service-account-signing-key-file"},
	evidence.ControllerManager: {"service-account-private-key-file", "cluster-signing-key-file", "tls-private-key-file"},
	evidence.Scheduler:         {"tls-private-key-file"},
	evidence.Etcd:              {"key-file", "peer-key-file"},
	evidence.KubeProxy:         {},
}

// privateKeyFiles are *.key files under the PKI directories plus the files
// named by the components' key flags (and the kubelet's tlsPrivateKeyFile).
func privateKeyFiles(ev *evidence.Node) map[string]string {
	out := map[string]string{}
	for _, d := range evidence.PKIDirs {
		for _, p := range filesUnder(ev, d, false, hasExt(".key")) {
			out[p] = "*.key under " + d
		}
	}
	for _, c := range evidence.Components {
		p := ev.Process(c)
		for _, f := range keyFlags[c] {
			if v, ok := p.Flag(f); ok && v != "" {
				out[v] = string(c) + " --" + f
			}
		}
	}
	if ev.Has(evidence.Kubelet) {
		if s, err := KubeletSetting(ev, "tlsPrivateKeyFile"); err == nil && s.Value != "" {
			out[s.Value] = s.Location
		}
	}
	return out
}

func keyFileModes(ev *evidence.Node) Outcome {
	keys := privateKeyFiles(ev)
	if len(keys) == 0 {
		return notApplicable("no private key files were found on this node")
	}
	paths := slices.Sorted(maps.Keys(keys))
	loc := func(*evidence.Node) ([]string, *Outcome, []Observation) { return paths, nil, nil }
	return modeCheck(loc, 0o600)(ev)
}

// trustTree names the CA hierarchy a certificate belongs to: kubeadm keeps
// three (cluster, etcd, front-proxy), each with its own CA. The API
// server's etcd client certificate lives beside the cluster certificates
// but belongs to the etcd tree.
func trustTree(ev *evidence.Node, p string) string {
	if v, ok := ev.Process(evidence.APIServer).Flag("etcd-certfile"); ok && v == p {
		return "etcd"
	}
	switch {
	case strings.Contains(p, "/pki/etcd/"), strings.Contains(path.Base(p), "etcd-client"):
		return "etcd"
	case strings.HasPrefix(path.Base(p), "front-proxy"):
		return "front-proxy"
	}
	return "cluster"
}

// treeCAs collects, per tree, the CA certificates that may sign its leaves:
// the CAs found in the tree, plus the CA files the components name.
func treeCAs(ev *evidence.Node) map[string]map[string]bool {
	cas := map[string]map[string]bool{"cluster": {}, "etcd": {}, "front-proxy": {}}
	add := func(tree, p string) {
		if c := ev.Certificates[p]; c != nil && c.Error == "" && c.IsCA {
			cas[tree][p] = true
		}
	}
	for p, c := range ev.Certificates {
		if c != nil && c.IsCA {
			add(trustTree(ev, p), p)
		}
	}
	named := []struct {
		comp       evidence.Component
		flag, tree string
	}{
		{evidence.APIServer, "client-ca-file", "cluster"},
		{evidence.APIServer, "etcd-cafile", "etcd"},
		{evidence.APIServer, "requestheader-client-ca-file", "front-proxy"},
		{evidence.ControllerManager, "root-ca-file", "cluster"},
		{evidence.ControllerManager, "cluster-signing-cert-file", "cluster"},
		{evidence.Etcd, "trusted-ca-file", "etcd"},
		{evidence.Etcd, "peer-trusted-ca-file", "etcd"},
	}
	for _, n := range named {
		if v, ok := ev.Process(n.comp).Flag(n.flag); ok {
			add(n.tree, v)
		}
	}
	if ev.Has(evidence.Kubelet) {
		if s, err := KubeletSetting(ev, "authentication.x509.clientCAFile"); err == nil && s.Value != "" {
			add("cluster", s.Value)
		}
	}
	return cas
}

// kubeletSelfSigned returns the path of the kubelet's self-generated
// serving certificate (<--cert-dir>/kubelet.crt) when CIS 4.2.9 already
// reports it: the kubelet runs with neither a serving certificate and key
// nor serverTLSBootstrap, exactly 4.2.9's FAIL, and the file found there
// does not chain to a collected CA. The kubelet writes that file itself
// (client-go's cert.GenerateSelfSignedCertKey): a leaf issued by a
// throw-away "<host>-ca@<time>" CA that exists only in that file, as seen
// on kind 1.34, or a plainly self-signed certificate. "" otherwise.
func kubeletSelfSigned(ev *evidence.Node) string {
	kp := ev.Process(evidence.Kubelet)
	if kp == nil {
		return ""
	}
	setting := func(key string) string {
		s, err := KubeletSetting(ev, key)
		if err != nil {
			return ""
		}
		return s.Value
	}
	if (setting("tlsCertFile") != "" && setting("tlsPrivateKeyFile") != "") || setting("serverTLSBootstrap") == "true" {
		return ""
	}
	dir, ok := kp.Flag("cert-dir")
	if !ok || dir == "" {
		dir = "/var/lib/kubelet/pki" // the kubelet's default --cert-dir
	}
	p := path.Join(dir, "kubelet.crt")
	if c := ev.Certificates[p]; c != nil && c.Error == "" && (c.SelfSigned || c.SignedBy == "" && c.SignatureUnchecked == "") {
		return p
	}
	return ""
}

func certChains(ev *evidence.Node) Outcome {
	// One finding per fact: the kubelet's self-signed serving certificate
	// is CIS 4.2.9's finding, so it is not counted again here.
	skip := kubeletSelfSigned(ev)
	o := certTrees(ev, skip)
	if skip != "" {
		o.Reason += "; " + skip + " (the kubelet's self-signed serving certificate) is not judged here: CIS 4.2.9 reports it"
		o.Evidence = append(o.Evidence, Observation{Location: skip, Value: "self-signed kubelet serving certificate: see 4.2.9", Path: skip})
	}
	return o
}

func certTrees(ev *evidence.Node, skip string) Outcome {
	cas := treeCAs(ev)
	anyCA := false
	for _, m := range cas {
		if len(m) > 0 {
			anyCA = true
		}
	}
	o := certFold(ev, func(p string, c *evidence.Certificate) (Status, string) {
		if c.IsCA || p == skip {
			return "", "" // CAs are the anchors, not judged here
		}
		tree := trustTree(ev, p)
		switch {
		case !c.SelfSigned && c.SignedBy == "" && c.SignatureUnchecked != "":
			// Linking was bounded (evidence.ParseCertificatesContext): an
			// unknown signer is neither a pass nor a finding.
			return StatusError, "signature not checked: " + c.SignatureUnchecked
		case c.SelfSigned:
			return StatusFail, "self-signed leaf certificate"
		case c.SignedBy == "":
			return StatusFail, "not signed by any collected CA (issuer " + c.Issuer + ")"
		case cas[tree][c.SignedBy]:
			return StatusPass, "signed by " + c.SignedBy + " (" + tree + " CA)"
		}
		return StatusFail, "signed by " + c.SignedBy + ", which is not a CA of the " + tree + " tree"
	})
	if o.Status == StatusFail && !anyCA {
		return errorOutcome("no CA certificate was collected on this node, so signatures could not be checked: "+o.Reason, o.Evidence...)
	}
	return o
}

func hardenPKI(now func() time.Time) []NodeControl {
	return []NodeControl{
		{harden("KH-PKI-1", "no certificate expires within 90 days (FAIL within 30 days)",
			"Renew the certificates shown (kubeadm: `kubeadm certs renew <name>` or `kubeadm certs renew all`, then restart the control-plane static pods); enable kubelet certificate rotation so kubelet certificates renew themselves.",
			"public facts of every certificate collected on the node"), certExpiry(now)},
		{harden("KH-PKI-2", "certificate keys are at least RSA 2048 or ECDSA P-256",
			"Reissue the certificates shown with RSA 2048+ or ECDSA P-256 keys (kubeadm: ClusterConfiguration encryptionAlgorithm, then `kubeadm certs renew`).",
			"key algorithm and size of every certificate"), certKeySize},
		{harden("KH-PKI-3", "private key files are mode 600 or stricter",
			"Run `chmod 600` on the key files shown.",
			"stat of *.key under /etc/kubernetes/pki and of every file named by a key flag"), keyFileModes},
		{harden("KH-PKI-4", "every leaf certificate is signed by a CA of its own tree",
			"Reissue the certificates shown from the right CA (cluster CA ca.crt, etcd CA etcd/ca.crt, front-proxy CA front-proxy-ca.crt); replace self-signed serving certificates (kubelet: serverTLSBootstrap: true).",
			"issuer and signature facts of every certificate", "CA files named by component flags"), certChains},
	}
}
