package checks

import (
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// CIS 2: etcd. Every setting is read from the command line, falling back
// to the ETCD_* environment variable etcd also honours. 2.7 is Level 2 in
// the benchmark editions we know; 2.1–2.6 are Level 1.

const etcdRem = "Edit the etcd manifest (/etc/kubernetes/manifests/etcd.yaml on kubeadm) or etcd's environment file on every etcd member: "

// etcdPair passes when both flags (or env) are set.
func etcdPair(f1, e1, f2, e2 string) func(*evidence.Node) Outcome {
	return func(ev *evidence.Node) Outcome {
		p, na := needProcess(ev, evidence.Etcd)
		if na != nil {
			return *na
		}
		v1, ok1, o1 := envFlagObs(p, f1, e1, "")
		v2, ok2, o2 := envFlagObs(p, f2, e2, "")
		return verdict(ok1 && ok2 && v1 != "" && v2 != "", "--"+f1+" and --"+f2+" are set",
			"--"+f1+" and --"+f2+" must both be set", o1, o2)
	}
}

// etcdBool passes when a boolean is (or defaults to) want.
func etcdBool(flag, env string, dflt, want bool) func(*evidence.Node) Outcome {
	return func(ev *evidence.Node) Outcome {
		p, na := needProcess(ev, evidence.Etcd)
		if na != nil {
			return *na
		}
		d := "false"
		if dflt {
			d = "true"
		}
		v, set, o := envFlagObs(p, flag, env, d)
		if !set {
			v = d
		}
		w := "false"
		if want {
			w = "true"
		}
		if !set {
			return verdict(v == w, "--"+flag+" is not set: the default "+d+" applies", "--"+flag+" is not set: the default "+d+" applies", o)
		}
		return verdict(v == w, "--"+flag+"="+v, "--"+flag+"="+v, o)
	}
}

// etcdDedicatedCA is 2.7: etcd must trust its own CA, not the cluster CA.
// The benchmark's audit only checks that a CA file is set; we also fail
// when it is the cluster CA (same path, or the same certificate subject as
// kube-apiserver's --client-ca-file).
func etcdDedicatedCA(ev *evidence.Node) Outcome {
	p, na := needProcess(ev, evidence.Etcd)
	if na != nil {
		return *na
	}
	ca, set, o := envFlagObs(p, "trusted-ca-file", "ETCD_TRUSTED_CA_FILE", "")
	obs := []Observation{o}
	if !set || ca == "" {
		return fail("etcd has no --trusted-ca-file: client certificates are not verified against a dedicated CA", obs...)
	}
	clusterCAs := []string{pkiDir + "/ca.crt"}
	if api := ev.Process(evidence.APIServer); api != nil {
		obs = append(obs, flagObs(api, evidence.APIServer, "client-ca-file", ""))
		if v, ok := api.Flag("client-ca-file"); ok && v != "" {
			clusterCAs = append(clusterCAs, v)
		}
	}
	for _, c := range clusterCAs {
		if c == ca {
			return fail("etcd trusts the cluster CA "+ca+": any certificate of the cluster CA can talk to etcd", obs...)
		}
		a, b := ev.Certificates[c], ev.Certificates[ca]
		if a != nil && b != nil && a.Error == "" && b.Error == "" && a.Subject == b.Subject && a.NotBefore.Equal(b.NotBefore) {
			return fail("etcd's CA "+ca+" is the same certificate as the cluster CA "+c, obs...)
		}
	}
	return pass("etcd trusts its own CA "+ca+", distinct from the cluster CA", obs...)
}

func cis2Etcd() []NodeControl {
	e := RoleEtcd
	return []NodeControl{
		{cis("2.1", 1, true, e, "etcd serves clients over TLS with a certificate and key",
			etcdRem+"set `--cert-file` and `--key-file` to etcd's serving certificate (kubeadm: etcd/server.crt/.key).", "etcd --cert-file, --key-file (or ETCD_CERT_FILE, ETCD_KEY_FILE)"),
			etcdPair("cert-file", "ETCD_CERT_FILE", "key-file", "ETCD_KEY_FILE")},
		{cis("2.2", 1, true, e, "etcd requires client certificates",
			etcdRem+"set `--client-cert-auth=true`.", "etcd --client-cert-auth (or ETCD_CLIENT_CERT_AUTH)"),
			etcdBool("client-cert-auth", "ETCD_CLIENT_CERT_AUTH", false, true)},
		{cis("2.3", 1, true, e, "etcd does not use self-signed client TLS certificates",
			etcdRem+"remove `--auto-tls` or set it to false.", "etcd --auto-tls (or ETCD_AUTO_TLS)"),
			etcdBool("auto-tls", "ETCD_AUTO_TLS", false, false)},
		{cis("2.4", 1, true, e, "etcd peers talk over TLS with a certificate and key",
			etcdRem+"set `--peer-cert-file` and `--peer-key-file` (kubeadm: etcd/peer.crt/.key).", "etcd --peer-cert-file, --peer-key-file (or env)"),
			etcdPair("peer-cert-file", "ETCD_PEER_CERT_FILE", "peer-key-file", "ETCD_PEER_KEY_FILE")},
		{cis("2.5", 1, true, e, "etcd peers require client certificates",
			etcdRem+"set `--peer-client-cert-auth=true`.", "etcd --peer-client-cert-auth (or ETCD_PEER_CLIENT_CERT_AUTH)"),
			etcdBool("peer-client-cert-auth", "ETCD_PEER_CLIENT_CERT_AUTH", false, true)},
		{cis("2.6", 1, true, e, "etcd peers do not use self-signed TLS certificates",
			etcdRem+"remove `--peer-auto-tls` or set it to false.", "etcd --peer-auto-tls (or ETCD_PEER_AUTO_TLS)"),
			etcdBool("peer-auto-tls", "ETCD_PEER_AUTO_TLS", false, false)},
		{cis("2.7", 2, false, e, "etcd trusts a CA of its own, not the cluster CA",
			etcdRem+"set `--trusted-ca-file` to a CA used only for etcd (kubeadm: etcd/ca.crt) and issue the API server's etcd client certificate from it.",
			"etcd --trusted-ca-file (or ETCD_TRUSTED_CA_FILE)", "kube-apiserver --client-ca-file", "certificate subjects"), etcdDedicatedCA},
	}
}
