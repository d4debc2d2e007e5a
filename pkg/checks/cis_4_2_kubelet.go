package checks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// CIS 4.2: kubelet settings, evaluated on the kubelet's EFFECTIVE
// configuration (kubelet.go): command-line flag, else the file named by
// --config, else the kubelet's default for the way it was started. Where
// the benchmark's audit passes an unset value but the real default is
// insecure (4.2.10), the effective value decides. Levels, Automated flags
// and the published metadata are in benchmarks/cis-1.12.yaml; the decisions
// here are registered as the kubelet.* checks (registry.go).

const kubeletRem = "Set it in the kubelet config file named by the kubelet's --config flag (kubeadm: /var/lib/kubelet/config.yaml, or the kubelet-config ConfigMap), remove any command-line flag that overrides it, then `systemctl restart kubelet`. "

// kubeletCheck evaluates settings. A setting that depends on an unreadable
// config file is ERROR.
func kubeletCheck(keys []string, decide func(s []Setting) Outcome) func(*evidence.Node) Outcome {
	return func(ev *evidence.Node) Outcome {
		if _, na := needProcess(ev, evidence.Kubelet); na != nil {
			return *na
		}
		kc := loadKubeletConfig(ev)
		var ss []Setting
		for _, k := range keys {
			s, err := kc.get(k)
			if err != nil {
				return errorOutcome(fmt.Sprintf("cannot resolve kubelet setting %s: %v", k, err),
					Observation{Location: "kubelet --config", Value: kc.path})
			}
			ss = append(ss, s)
		}
		o := decide(ss)
		for _, s := range ss {
			o.Evidence = append(o.Evidence, s.Observation())
		}
		return o
	}
}

// from says where a value came from, for reasons.
func from(s Setting) string {
	switch {
	case s.Source == "default":
		return " (kubelet default)"
	case s.Source == "flag":
		return " (command-line flag)"
	case strings.HasPrefix(s.Source, "drop-in "):
		return " (" + s.Source + ")"
	}
	return " (config file)"
}

func kubeletBool(key string, want bool, what string) func(*evidence.Node) Outcome {
	return kubeletCheck([]string{key}, func(s []Setting) Outcome {
		v, err := strconv.ParseBool(s[0].Value)
		if err != nil {
			return errorOutcome(fmt.Sprintf("%s=%q is not a boolean", key, s[0].Value))
		}
		return verdict(v == want, fmt.Sprintf("%s is %t%s", what, v, from(s[0])), fmt.Sprintf("%s is %t%s", what, v, from(s[0])))
	})
}

// kubeletCiphers is the 4.2.12 allow-list: ECDHE with AES-GCM or
// ChaCha20-Poly1305 (Go's _SHA256 alias names of the ChaCha suites are the
// same suites and accepted too).
var kubeletCiphers = []string{
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
}

func hostnameOverride(ev *evidence.Node) Outcome {
	p, na := needProcess(ev, evidence.Kubelet)
	if na != nil {
		return *na
	}
	o := flagObs(p, evidence.Kubelet, "hostname-override", "")
	v, set := p.Flag("hostname-override")
	return verdict(!set, "--hostname-override is not set", "--hostname-override="+v+" breaks the match between the node name and its TLS identity", o)
}

func cis42Kubelet() []NodeControl {
	w := RoleWorker
	return []NodeControl{
		{cis("4.2.1", 1, true, w, "kubelet rejects anonymous requests",
			kubeletRem+"Key: `authentication.anonymous.enabled: false` (flag --anonymous-auth=false).", "effective authentication.anonymous.enabled"),
			kubeletBool("authentication.anonymous.enabled", false, "anonymous authentication")},
		{cis("4.2.2", 1, true, w, "kubelet authorizes requests (not AlwaysAllow)",
			kubeletRem+"Key: `authorization.mode: Webhook` (flag --authorization-mode=Webhook).", "effective authorization.mode"),
			kubeletCheck([]string{"authorization.mode"}, func(s []Setting) Outcome {
				return verdict(s[0].Value != "" && s[0].Value != "AlwaysAllow", "authorization mode is "+s[0].Value+from(s[0]),
					"authorization mode is "+s[0].Value+from(s[0])+": every authenticated request is allowed")
			})},
		{cis("4.2.3", 1, true, w, "kubelet verifies client certificates against a CA",
			kubeletRem+"Key: `authentication.x509.clientCAFile: /etc/kubernetes/pki/ca.crt` (flag --client-ca-file).", "effective authentication.x509.clientCAFile"),
			kubeletCheck([]string{"authentication.x509.clientCAFile"}, func(s []Setting) Outcome {
				return verdict(s[0].Value != "", "client CA file is "+s[0].Value+from(s[0]), "no client CA file: client certificates are not accepted for authentication")
			})},
		{cis("4.2.4", 1, false, w, "kubelet read-only port is disabled",
			kubeletRem+"Key: `readOnlyPort: 0` (flag --read-only-port=0).", "effective readOnlyPort"),
			kubeletCheck([]string{"readOnlyPort"}, func(s []Setting) Outcome {
				return verdict(s[0].Value == "0", "read-only port is disabled"+from(s[0]), "read-only port "+s[0].Value+" is open without authentication"+from(s[0]))
			})},
		{cis("4.2.5", 1, false, w, "kubelet streaming connections time out when idle",
			kubeletRem+"Key: `streamingConnectionIdleTimeout: 4h0m0s` or shorter, never 0.", "effective streamingConnectionIdleTimeout"),
			kubeletCheck([]string{"streamingConnectionIdleTimeout"}, func(s []Setting) Outcome {
				d, err := time.ParseDuration(s[0].Value)
				if err != nil {
					return errorOutcome(fmt.Sprintf("streamingConnectionIdleTimeout=%q is not a duration", s[0].Value))
				}
				return verdict(d != 0, "idle streaming connections close after "+d.String()+from(s[0]), "idle timeout 0 keeps streaming connections open forever"+from(s[0]))
			})},
		{cis("4.2.6", 1, true, w, "kubelet manages its iptables utility chains",
			kubeletRem+"Key: `makeIPTablesUtilChains: true` (or remove the setting; true is the default).", "effective makeIPTablesUtilChains"),
			kubeletBool("makeIPTablesUtilChains", true, "makeIPTablesUtilChains")},
		{cis("4.2.7", 1, false, w, "kubelet does not override the node's hostname",
			"Remove `--hostname-override` from the kubelet's arguments (kubeadm: /var/lib/kubelet/kubeadm-flags.env or the systemd drop-in) and restart the kubelet. Some cloud setups need it; then document the exception.",
			"kubelet --hostname-override"), hostnameOverride},
		{cis("4.2.8", 2, false, w, "kubelet event rate limit lets important events through",
			kubeletRem+"Key: `eventRecordQPS` set to 0 (no limit) or a value that suits the node's event volume.", "effective eventRecordQPS"),
			kubeletCheck([]string{"eventRecordQPS"}, func(s []Setting) Outcome {
				n, err := strconv.ParseFloat(s[0].Value, 64)
				if err != nil {
					return errorOutcome(fmt.Sprintf("eventRecordQPS=%q is not a number", s[0].Value))
				}
				return verdict(n >= 0, "event QPS is "+s[0].Value+from(s[0]), "event QPS "+s[0].Value+" is negative")
			})},
		{cis("4.2.9", 1, false, w, "kubelet serves with a CA-signed certificate",
			kubeletRem+"Either set `tlsCertFile` and `tlsPrivateKeyFile` to a CA-signed serving certificate, or set `serverTLSBootstrap: true` and approve the kubelet serving CSRs.",
			"effective tlsCertFile, tlsPrivateKeyFile, serverTLSBootstrap"),
			kubeletCheck([]string{"tlsCertFile", "tlsPrivateKeyFile", "serverTLSBootstrap"}, func(s []Setting) Outcome {
				switch {
				case s[0].Value != "" && s[1].Value != "":
					return pass("serving certificate and key are set")
				case s[2].Value == "true":
					// Our decision: a bootstrapped serving certificate is
					// CA-signed, which is what the control is after.
					return pass("serving certificate is requested from the cluster CA (serverTLSBootstrap)" + from(s[2]))
				}
				return fail("no serving certificate is configured: the kubelet serves with a self-signed certificate")
			})},
		{cis("4.2.10", 1, true, w, "kubelet rotates its client certificate",
			kubeletRem+"Key: `rotateCertificates: true` (flag --rotate-certificates). The kubelet's default is false, so an unset value does not rotate.",
			"effective rotateCertificates"), kubeletBool("rotateCertificates", true, "client certificate rotation")},
		{cis("4.2.11", 1, false, w, "kubelet serving certificate rotation is not disabled",
			kubeletRem+"Remove `RotateKubeletServerCertificate: false` from `featureGates` (and from --feature-gates); pair it with `serverTLSBootstrap: true`.",
			"effective featureGates.RotateKubeletServerCertificate", "effective serverTLSBootstrap"),
			kubeletCheck([]string{"featureGates.RotateKubeletServerCertificate", "serverTLSBootstrap"}, func(s []Setting) Outcome {
				if s[0].Value == "false" {
					return fail("RotateKubeletServerCertificate is disabled" + from(s[0]))
				}
				return pass("RotateKubeletServerCertificate is enabled" + from(s[0]))
			})},
		{cis("4.2.12", 1, false, w, "kubelet offers only strong TLS cipher suites",
			kubeletRem+"Key: `tlsCipherSuites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305]`.",
			"effective tlsCipherSuites"),
			kubeletCheck([]string{"tlsCipherSuites"}, func(s []Setting) Outcome {
				ok, why := cipherDecision(s[0].Value, s[0].Set, kubeletCiphers)
				return verdict(ok, why, why)
			})},
		{cis("4.2.13", 1, false, w, "kubelet limits the number of processes per pod",
			kubeletRem+"Key: `podPidsLimit` set to a positive limit that suits the workloads (e.g. 4096).", "effective podPidsLimit"),
			kubeletCheck([]string{"podPidsLimit"}, func(s []Setting) Outcome {
				n, err := strconv.ParseInt(strings.TrimSpace(s[0].Value), 10, 64)
				if err != nil {
					return errorOutcome(fmt.Sprintf("podPidsLimit=%q is not a number", s[0].Value))
				}
				return verdict(n > 0, fmt.Sprintf("pods are limited to %d processes%s", n, from(s[0])),
					fmt.Sprintf("podPidsLimit %d means no limit%s: one pod can exhaust the node's PIDs", n, from(s[0])))
			})},
		{cis("4.2.14", 1, false, w, "kubelet applies the RuntimeDefault seccomp profile by default",
			kubeletRem+"Key: `seccompDefault: true` (flag --seccomp-default). Test workloads first: a few need an explicit Unconfined or custom profile.",
			"effective seccompDefault"), kubeletBool("seccompDefault", true, "seccompDefault")},
	}
}
