package checks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// CIS 1.2: kube-apiserver flags. Levels are CIS 1.12's as far as we know
// them; the reference we work from records no levels, so the Level 2 set
// here (1.2.9 EventRateLimit) is our best knowledge of the benchmark.
// 1.2.11, 1.2.27, 1.2.28 and 1.2.29 are Level 1 in the editions we know.

const apiserverManifest = "/etc/kubernetes/manifests/kube-apiserver.yaml"

func apiRem(s string) string {
	return "Edit the kube-apiserver manifest (" + apiserverManifest + " on kubeadm) on every control-plane node: " + s + " The kubelet restarts the API server when the manifest changes."
}

// pluginList reads an admission plugin flag.
func pluginList(p *evidence.Process, flag string) []string {
	v, _ := p.Flag(flag)
	return splitList(v)
}

// enabledPlugin passes when the plugin is in --enable-admission-plugins
// (and not disabled).
func enabledPlugin(plugin string) func(*evidence.Node) Outcome {
	return func(ev *evidence.Node) Outcome {
		p, na := needProcess(ev, evidence.APIServer)
		if na != nil {
			return *na
		}
		obs := []Observation{flagObs(p, evidence.APIServer, "enable-admission-plugins", ""), flagObs(p, evidence.APIServer, "disable-admission-plugins", "")}
		if slices.Contains(pluginList(p, "disable-admission-plugins"), plugin) {
			return fail(plugin+" is listed in --disable-admission-plugins", obs...)
		}
		return verdict(slices.Contains(pluginList(p, "enable-admission-plugins"), plugin),
			plugin+" is enabled", plugin+" is not in --enable-admission-plugins", obs...)
	}
}

// notDisabledPlugin passes when a default-on plugin is not disabled.
func notDisabledPlugin(plugin string) func(*evidence.Node) Outcome {
	return flagCheck(evidence.APIServer, "disable-admission-plugins", "", func(v string, set bool) (bool, string) {
		if slices.Contains(splitList(v), plugin) {
			return false, plugin + " is disabled"
		}
		return true, plugin + " is not disabled (it is on by default)"
	})
}

// authzModes reads --authorization-mode. When --authorization-config is
// used instead (structured authorization), the modes live in that file.
func authzCheck(decide func(modes []string) (bool, string)) func(*evidence.Node) Outcome {
	return func(ev *evidence.Node) Outcome {
		p, na := needProcess(ev, evidence.APIServer)
		if na != nil {
			return *na
		}
		obs := []Observation{flagObs(p, evidence.APIServer, "authorization-mode", "AlwaysAllow")}
		if cfg, ok := p.Flag("authorization-config"); ok {
			obs = append(obs, flagObs(p, evidence.APIServer, "authorization-config", ""))
			return warn("authorizers are configured in the structured authorization file "+cfg+", which the scan does not read: review its authorizers", obs...)
		}
		modes := []string{"AlwaysAllow"}
		if v, ok := p.Flag("authorization-mode"); ok {
			modes = splitList(v)
		}
		ok, why := decide(modes)
		return verdict(ok, why, why, obs...)
	}
}

// minInt passes when a numeric flag is at least min.
func minInt(flag string, min int) func(*evidence.Node) Outcome {
	return flagCheck(evidence.APIServer, flag, "", func(v string, set bool) (bool, string) {
		if !set {
			return false, "--" + flag + " is not set"
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return false, fmt.Sprintf("--%s=%q is not a number", flag, v)
		}
		if n < min {
			return false, fmt.Sprintf("--%s is %d, below %d", flag, n, min)
		}
		return true, fmt.Sprintf("--%s is %d (at least %d)", flag, n, min)
	})
}

// apiserverCiphers is the allow-list of 1.2.29: TLS 1.3 suites and the
// ECDHE AEAD suites of TLS 1.2 (with Go's _SHA256 alias names).
var apiserverCiphers = []string{
	"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
}

// cipherDecision passes when every listed suite is in allowed. An unset
// list is FAIL: Go's default then applies, which still offers CBC suites.
func cipherDecision(value string, set bool, allowed []string) (bool, string) {
	suites := splitList(value)
	if !set || len(suites) == 0 {
		return false, "no cipher suite list is set: Go's default list applies, which includes CBC-mode suites"
	}
	var bad []string
	for _, s := range suites {
		if !slices.Contains(allowed, s) {
			bad = append(bad, s)
		}
	}
	if len(bad) > 0 {
		return false, "weak or unlisted cipher suites: " + strings.Join(bad, ", ")
	}
	return true, fmt.Sprintf("all %d cipher suites are strong AEAD suites", len(suites))
}

// strongEncryptionProviders may be first in an EncryptionConfiguration:
// the first provider encrypts every write. aesgcm is excluded (CIS 1.12
// lists aescbc, kms and secretbox; aesgcm needs key rotation every 200k
// writes to stay safe), identity stores plaintext.
var strongEncryptionProviders = []string{"aescbc", "kms", "secretbox"}

func encryptionProviders(ev *evidence.Node) Outcome {
	p, na := needProcess(ev, evidence.APIServer)
	if na != nil {
		return *na
	}
	obs := []Observation{flagObs(p, evidence.APIServer, "encryption-provider-config", "")}
	path, ok := p.Flag("encryption-provider-config")
	if !ok || path == "" {
		return fail("no encryption provider config: Secrets are stored in etcd unencrypted (identity)", obs...)
	}
	provs, ok := ev.EncryptionProviders[path]
	if !ok {
		return errorOutcome("encryption provider config "+path+" was not collected or could not be parsed: not evaluated", obs...)
	}
	obs = append(obs, Observation{Location: path + " providers", Value: strings.Join(provs, ","), Path: path})
	if len(provs) == 0 {
		return errorOutcome("no provider was found in "+path+": not evaluated", obs...)
	}
	first := provs[0]
	switch {
	case slices.Contains(strongEncryptionProviders, first):
		return pass("new writes are encrypted with "+first, obs...)
	case first == "identity":
		return fail("identity is the first provider: new writes are stored unencrypted", obs...)
	}
	return fail("the first provider "+first+" is not one of "+strings.Join(strongEncryptionProviders, ", "), obs...)
}

func requestTimeout(ev *evidence.Node) Outcome {
	p, na := needProcess(ev, evidence.APIServer)
	if na != nil {
		return *na
	}
	o := flagObs(p, evidence.APIServer, "request-timeout", "1m0s")
	v, set := p.Flag("request-timeout")
	if !set {
		v = "1m0s (default)"
	}
	return warn("review whether the request timeout "+v+" suits the cluster's largest list and watch requests", o)
}

func anonymousAuth(ev *evidence.Node) Outcome {
	p, na := needProcess(ev, evidence.APIServer)
	if na != nil {
		return *na
	}
	obs := []Observation{flagObs(p, evidence.APIServer, "anonymous-auth", "true")}
	v, set := p.Flag("anonymous-auth")
	if !set {
		if cfg, ok := p.Flag("authentication-config"); ok {
			obs = append(obs, flagObs(p, evidence.APIServer, "authentication-config", ""))
			return warn("anonymous access may be configured in the structured authentication file "+cfg+" (its anonymous section), which the scan does not read: review it", obs...)
		}
		return fail("--anonymous-auth is not set: anonymous requests are allowed by default", obs...)
	}
	return verdict(v == "false", "anonymous requests are rejected", "anonymous requests are allowed (--anonymous-auth="+v+")", obs...)
}

func cis12APIServer() []NodeControl {
	cp := RoleControlPlane
	api := evidence.APIServer
	isFalse := func(flag, dflt string) func(*evidence.Node) Outcome {
		return flagCheck(api, flag, dflt, func(v string, set bool) (bool, string) {
			if !set {
				return false, "--" + flag + " is not set (default " + dflt + ")"
			}
			return v == "false", "--" + flag + "=" + v
		})
	}
	return []NodeControl{
		{cis("1.2.1", 1, false, cp, "kube-apiserver rejects anonymous requests",
			apiRem("set `--anonymous-auth=false`. Health probes that need anonymous access can use an AuthenticationConfiguration with anonymous access limited to /livez, /readyz and /healthz."),
			"kube-apiserver --anonymous-auth"), anonymousAuth},
		{cis("1.2.2", 1, true, cp, "kube-apiserver does not accept static bearer tokens from a file",
			apiRem("remove `--token-auth-file` and move its users to client certificates, OIDC or webhook authentication."),
			"kube-apiserver --token-auth-file"),
			flagCheck(api, "token-auth-file", "", func(v string, set bool) (bool, string) {
				if set {
					return false, "static token file in use: " + v
				}
				return true, "no static token file"
			})},
		{cis("1.2.3", 1, false, cp, "DenyServiceExternalIPs admission plugin is enabled",
			apiRem("add `DenyServiceExternalIPs` to `--enable-admission-plugins` unless Services genuinely need externalIPs."),
			"kube-apiserver --enable-admission-plugins"), enabledPlugin("DenyServiceExternalIPs")},
		{cis("1.2.4", 1, true, cp, "kube-apiserver authenticates to kubelets with a client certificate",
			apiRem("set `--kubelet-client-certificate` and `--kubelet-client-key` to a client certificate signed by the cluster CA (kubeadm: apiserver-kubelet-client.crt/.key)."),
			"kube-apiserver --kubelet-client-certificate, --kubelet-client-key"), flagsPresent(api, "kubelet-client-certificate", "kubelet-client-key")},
		{cis("1.2.5", 1, true, cp, "kube-apiserver verifies kubelet serving certificates",
			apiRem("set `--kubelet-certificate-authority` to the CA that signs kubelet serving certificates, and have kubelets use CA-signed serving certificates (serverTLSBootstrap)."),
			"kube-apiserver --kubelet-certificate-authority"), flagsPresent(api, "kubelet-certificate-authority")},
		{cis("1.2.6", 1, true, cp, "kube-apiserver authorization mode is not AlwaysAllow",
			apiRem("set `--authorization-mode=Node,RBAC`."), "kube-apiserver --authorization-mode"),
			authzCheck(func(m []string) (bool, string) {
				if slices.Contains(m, "AlwaysAllow") {
					return false, "authorization modes include AlwaysAllow: " + strings.Join(m, ",")
				}
				return true, "authorization modes: " + strings.Join(m, ",")
			})},
		{cis("1.2.7", 1, true, cp, "kube-apiserver authorization modes include Node",
			apiRem("include `Node` in `--authorization-mode` (e.g. `Node,RBAC`)."), "kube-apiserver --authorization-mode"),
			authzCheck(func(m []string) (bool, string) {
				return slices.Contains(m, "Node"), "authorization modes: " + strings.Join(m, ",")
			})},
		{cis("1.2.8", 1, true, cp, "kube-apiserver authorization modes include RBAC",
			apiRem("include `RBAC` in `--authorization-mode` (e.g. `Node,RBAC`)."), "kube-apiserver --authorization-mode"),
			authzCheck(func(m []string) (bool, string) {
				return slices.Contains(m, "RBAC"), "authorization modes: " + strings.Join(m, ",")
			})},
		// Level 2: the benchmark files event rate limiting under its
		// defence-in-depth profile (our best knowledge of CIS 1.12).
		{cis("1.2.9", 2, false, cp, "EventRateLimit admission plugin is enabled",
			apiRem("add `EventRateLimit` to `--enable-admission-plugins` and point `--admission-control-config-file` at an AdmissionConfiguration with EventRateLimit limits."),
			"kube-apiserver --enable-admission-plugins"), enabledPlugin("EventRateLimit")},
		{cis("1.2.10", 1, true, cp, "AlwaysAdmit admission plugin is not enabled",
			apiRem("remove `AlwaysAdmit` from `--enable-admission-plugins`."), "kube-apiserver --enable-admission-plugins"),
			flagCheck(api, "enable-admission-plugins", "", func(v string, set bool) (bool, string) {
				if slices.Contains(splitList(v), "AlwaysAdmit") {
					return false, "AlwaysAdmit is enabled"
				}
				return true, "AlwaysAdmit is not enabled"
			})},
		{cis("1.2.11", 1, false, cp, "AlwaysPullImages admission plugin is enabled",
			apiRem("add `AlwaysPullImages` to `--enable-admission-plugins` so that private images cached on a node are not usable without pull credentials."),
			"kube-apiserver --enable-admission-plugins"), enabledPlugin("AlwaysPullImages")},
		{cis("1.2.12", 1, true, cp, "ServiceAccount admission plugin is not disabled",
			apiRem("remove `ServiceAccount` from `--disable-admission-plugins`."), "kube-apiserver --disable-admission-plugins"), notDisabledPlugin("ServiceAccount")},
		{cis("1.2.13", 1, true, cp, "NamespaceLifecycle admission plugin is not disabled",
			apiRem("remove `NamespaceLifecycle` from `--disable-admission-plugins`."), "kube-apiserver --disable-admission-plugins"), notDisabledPlugin("NamespaceLifecycle")},
		{cis("1.2.14", 1, true, cp, "NodeRestriction admission plugin is enabled",
			apiRem("add `NodeRestriction` to `--enable-admission-plugins` (together with the Node authorizer)."), "kube-apiserver --enable-admission-plugins"), enabledPlugin("NodeRestriction")},
		{cis("1.2.15", 1, true, cp, "kube-apiserver profiling endpoints are off",
			apiRem("set `--profiling=false`."), "kube-apiserver --profiling"), isFalse("profiling", "true")},
		{cis("1.2.16", 1, true, cp, "kube-apiserver writes an audit log",
			apiRem("set `--audit-log-path` to a file on a mounted host directory (and `--audit-policy-file`)."), "kube-apiserver --audit-log-path"), flagsPresent(api, "audit-log-path")},
		{cis("1.2.17", 1, true, cp, "audit log files are kept at least 30 days",
			apiRem("set `--audit-log-maxage=30` or more."), "kube-apiserver --audit-log-maxage"), minInt("audit-log-maxage", 30)},
		{cis("1.2.18", 1, true, cp, "at least 10 rotated audit log files are kept",
			apiRem("set `--audit-log-maxbackup=10` or more."), "kube-apiserver --audit-log-maxbackup"), minInt("audit-log-maxbackup", 10)},
		{cis("1.2.19", 1, true, cp, "audit log files rotate at 100 MB or more",
			apiRem("set `--audit-log-maxsize=100` or more."), "kube-apiserver --audit-log-maxsize"), minInt("audit-log-maxsize", 100)},
		{cis("1.2.20", 1, false, cp, "kube-apiserver request timeout suits the cluster",
			apiRem("keep `--request-timeout` at its default of 1m0s unless large clusters need more; raise it only as far as needed."),
			"kube-apiserver --request-timeout"), requestTimeout},
		{cis("1.2.21", 1, true, cp, "service account tokens are checked against etcd",
			apiRem("remove `--service-account-lookup=false` (the default is true)."), "kube-apiserver --service-account-lookup"),
			flagCheck(api, "service-account-lookup", "true", func(v string, set bool) (bool, string) {
				if !set {
					return true, "not set: the default true applies"
				}
				return v == "true", "--service-account-lookup=" + v
			})},
		{cis("1.2.22", 1, true, cp, "kube-apiserver verifies service account tokens with an explicit key",
			apiRem("set `--service-account-key-file` to the public key matching the controller manager's --service-account-private-key-file (kubeadm: sa.pub)."),
			"kube-apiserver --service-account-key-file"), flagsPresent(api, "service-account-key-file")},
		{cis("1.2.23", 1, true, cp, "kube-apiserver uses a client certificate towards etcd",
			apiRem("set `--etcd-certfile` and `--etcd-keyfile` to a client certificate of the etcd CA."), "kube-apiserver --etcd-certfile, --etcd-keyfile"),
			flagsPresent(api, "etcd-certfile", "etcd-keyfile")},
		{cis("1.2.24", 1, true, cp, "kube-apiserver serves with an explicit certificate and key",
			apiRem("set `--tls-cert-file` and `--tls-private-key-file` to a CA-signed serving certificate."), "kube-apiserver --tls-cert-file, --tls-private-key-file"),
			flagsPresent(api, "tls-cert-file", "tls-private-key-file")},
		{cis("1.2.25", 1, true, cp, "kube-apiserver has a client CA for certificate authentication",
			apiRem("set `--client-ca-file` to the cluster CA certificate."), "kube-apiserver --client-ca-file"), flagsPresent(api, "client-ca-file")},
		{cis("1.2.26", 1, true, cp, "kube-apiserver verifies etcd's serving certificate",
			apiRem("set `--etcd-cafile` to the etcd CA certificate."), "kube-apiserver --etcd-cafile"), flagsPresent(api, "etcd-cafile")},
		{cis("1.2.27", 1, false, cp, "kube-apiserver has an encryption-at-rest configuration",
			apiRem("write an EncryptionConfiguration for secrets and set `--encryption-provider-config` to it."), "kube-apiserver --encryption-provider-config"),
			flagsPresent(api, "encryption-provider-config")},
		{cis("1.2.28", 1, false, cp, "Secrets are encrypted at rest with a strong provider",
			"Make aescbc, secretbox or (preferably) a kms provider the first provider for secrets in the EncryptionConfiguration, restart the API servers, then rewrite all Secrets (`kubectl get secrets -A -o json | kubectl replace -f -`).",
			"kube-apiserver --encryption-provider-config", "provider names of that file"), encryptionProviders},
		{cis("1.2.29", 1, false, cp, "kube-apiserver offers only strong TLS cipher suites",
			apiRem("set `--tls-cipher-suites` to TLS 1.3 and ECDHE AES-GCM/ChaCha20-Poly1305 suites only, e.g. TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305."),
			"kube-apiserver --tls-cipher-suites"),
			flagCheck(api, "tls-cipher-suites", "Go defaults", func(v string, set bool) (bool, string) { return cipherDecision(v, set, apiserverCiphers) })},
		{cis("1.2.30", 1, true, cp, "service account token lifetimes are not silently extended",
			apiRem("set `--service-account-extend-token-expiration=false` once workloads refresh projected tokens (all current client libraries do)."),
			"kube-apiserver --service-account-extend-token-expiration"), isFalse("service-account-extend-token-expiration", "true")},
	}
}
