package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// kube-apiserver checks: admission plugins, authorizers, authentication of
// people, encryption at rest, TLS and audit settings, read from the API
// server's command line (and the files its flags name).

// pluginList reads an admission plugin flag.
func pluginList(p *evidence.Process, flag string) []string {
	v, _ := p.Flag(flag)
	return benchmarks.SplitList(v)
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
		if slices.Contains(benchmarks.SplitList(v), plugin) {
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
			modes = benchmarks.SplitList(v)
		}
		ok, why := decide(modes)
		return verdict(ok, why, why, obs...)
	}
}

// apiserverCiphers is the allow-list of apiserver.strong-tls-ciphers: TLS 1.3 suites and the
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
	suites := benchmarks.SplitList(value)
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
// the first provider encrypts every write. aesgcm is excluded (CIS lists
// aescbc, kms and secretbox; aesgcm needs key rotation every 200k
// writes to stay safe), identity stores plaintext.
var strongEncryptionProviders = []string{"aescbc", "kms", "secretbox"}

func encryptionProviders(ev *evidence.Node) Outcome {
	f, stop := readFlag(ev, evidence.APIServer, "encryption-provider-config", "")
	if stop != nil {
		return *stop
	}
	obs, path := []Observation{f.Obs}, f.Value
	if !f.Set || path == "" {
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
	f, stop := readFlag(ev, evidence.APIServer, "request-timeout", "1m0s")
	if stop != nil {
		return *stop
	}
	v := f.Value
	if !f.Set {
		v = "1m0s (default)"
	}
	return warn("review whether the request timeout "+v+" suits the cluster's largest list and watch requests", f.Obs)
}

func anonymousAuth(ev *evidence.Node) Outcome {
	f, stop := readFlag(ev, evidence.APIServer, "anonymous-auth", "true")
	if stop != nil {
		return *stop
	}
	obs, v := []Observation{f.Obs}, f.Value
	if !f.Set {
		if cfg, ok := f.Proc.Flag("authentication-config"); ok {
			obs = append(obs, flagObs(f.Proc, evidence.APIServer, "authentication-config", ""))
			return warn("anonymous access may be configured in the structured authentication file "+cfg+" (its anonymous section), which the scan does not read: review it", obs...)
		}
		return fail("--anonymous-auth is not set: anonymous requests are allowed by default", obs...)
	}
	return verdict(v == "false", "anonymous requests are rejected", "anonymous requests are allowed (--anonymous-auth="+v+")", obs...)
}

func authnObs(p *evidence.Process, flags ...string) []Observation {
	var obs []Observation
	for _, f := range flags {
		obs = append(obs, flagObs(p, evidence.APIServer, f, ""))
	}
	return obs
}

func clientCertUsers(ev *evidence.Node) Outcome {
	p, na := needProcess(ev, evidence.APIServer)
	if na != nil {
		return *na
	}
	obs := authnObs(p, "client-ca-file", "oidc-issuer-url", "authentication-config", "authentication-token-webhook-config-file")
	if v, ok := p.Flag("client-ca-file"); ok && v != "" {
		return warn("client certificate authentication is enabled (needed by components); check that no person uses a client certificate (e.g. admin.conf) for day-to-day access and that users authenticate through OIDC or a webhook", obs...)
	}
	return warn("client certificate authentication appears off; check how users authenticate", obs...)
}

func saTokenUsers(ev *evidence.Node) Outcome {
	p, na := needProcess(ev, evidence.APIServer)
	if na != nil {
		return *na
	}
	obs := authnObs(p, "service-account-key-file", "service-account-issuer", "oidc-issuer-url", "authentication-config")
	return warn("service account tokens are always accepted; check that people do not use service account tokens to access the cluster", obs...)
}

func bootstrapTokenUsers(ev *evidence.Node) Outcome {
	p, na := needProcess(ev, evidence.APIServer)
	if na != nil {
		return *na
	}
	obs := authnObs(p, "enable-bootstrap-token-auth")
	if v, ok := p.Flag("enable-bootstrap-token-auth"); ok && v == "true" {
		return warn("bootstrap token authentication is enabled (kubeadm uses it to join nodes); check that bootstrap tokens are short-lived, deleted after use and never handed to people", obs...)
	}
	return pass("bootstrap token authentication is off", obs...)
}

// authorizationModes decides check apiserver.authorization-modes: op has
// passes when the modes include mode, lacks when they do not.
func authorizationModes(p Params, ev *evidence.Node) Outcome {
	mode := p.String("mode")
	if p.String("op") == "lacks" {
		return authzCheck(func(m []string) (bool, string) {
			if slices.Contains(m, mode) {
				return false, "authorization modes include " + mode + ": " + strings.Join(m, ",")
			}
			return true, "authorization modes: " + strings.Join(m, ",")
		})(ev)
	}
	return authzCheck(func(m []string) (bool, string) {
		return slices.Contains(m, mode), "authorization modes: " + strings.Join(m, ",")
	})(ev)
}

// auditPolicyCoverage asks a reviewer to read the audit policy for what
// the benchmark wants recorded (param review); no policy at all is FAIL.
func auditPolicyCoverage(p Params, ev *evidence.Node) Outcome {
	proc, na := needProcess(ev, evidence.APIServer)
	if na != nil {
		return *na
	}
	obs := authnObs(proc, "audit-policy-file", "audit-log-path", "audit-webhook-config-file")
	v, ok := proc.Flag("audit-policy-file")
	if !ok || v == "" {
		return fail("no audit policy is configured, so nothing is audited", obs...)
	}
	return warn("review that the audit policy "+v+" "+p.String("review"), obs...)
}

func init() {
	plugin := []ParamSpec{{Name: "plugin", Type: "string", Required: true, Doc: "the admission plugin, e.g. NodeRestriction"}}
	for _, c := range []Check{
		{ID: "apiserver.anonymous-auth-disabled", Doc: "kube-apiserver --anonymous-auth=false (unset allows anonymous requests; a structured authentication file is a review)",
			Eval: func(_ Params, ev *evidence.Node) Outcome { return anonymousAuth(ev) }},
		{ID: "apiserver.token-auth-file-unset", Doc: "kube-apiserver has no --token-auth-file (static bearer tokens)",
			Eval: func(_ Params, ev *evidence.Node) Outcome {
				return flagCheck(evidence.APIServer, "token-auth-file", "", func(v string, set bool) (bool, string) {
					if set {
						return false, "static token file in use: " + v
					}
					return true, "no static token file"
				})(ev)
			}},
		{ID: "apiserver.admission-plugin-enabled", Doc: "the admission plugin is in --enable-admission-plugins and not in --disable-admission-plugins", Params: plugin,
			Eval: func(p Params, ev *evidence.Node) Outcome { return enabledPlugin(p.String("plugin"))(ev) }},
		{ID: "apiserver.admission-plugin-not-enabled", Doc: "the admission plugin is not in --enable-admission-plugins", Params: plugin,
			Eval: func(p Params, ev *evidence.Node) Outcome {
				plugin := p.String("plugin")
				return flagCheck(evidence.APIServer, "enable-admission-plugins", "", func(v string, set bool) (bool, string) {
					if slices.Contains(benchmarks.SplitList(v), plugin) {
						return false, plugin + " is enabled"
					}
					return true, plugin + " is not enabled"
				})(ev)
			}},
		{ID: "apiserver.admission-plugin-not-disabled", Doc: "a default-on admission plugin is not in --disable-admission-plugins", Params: plugin,
			Eval: func(p Params, ev *evidence.Node) Outcome { return notDisabledPlugin(p.String("plugin"))(ev) }},
		{ID: "apiserver.authorization-modes", Doc: "kube-apiserver --authorization-mode includes (has) or excludes (lacks) a mode; unset means AlwaysAllow; a structured authorization file is a review",
			Params: []ParamSpec{
				{Name: "op", Type: "string", Required: true, Enum: []string{"has", "lacks"}, Doc: "has: the modes include mode; lacks: they do not"},
				{Name: "mode", Type: "string", Required: true, Doc: "the authorizer, e.g. Node, RBAC or AlwaysAllow"},
			},
			Eval: authorizationModes},
		{ID: "apiserver.request-timeout-reviewed", Doc: "always a review (WARN): the request timeout that applies, for a human to judge",
			Eval: func(_ Params, ev *evidence.Node) Outcome { return requestTimeout(ev) }},
		{ID: "apiserver.service-account-lookup-enabled", Doc: "kube-apiserver checks service account tokens against etcd (--service-account-lookup unset or true)",
			Eval: func(_ Params, ev *evidence.Node) Outcome {
				return flagCheck(evidence.APIServer, "service-account-lookup", "true", func(v string, set bool) (bool, string) {
					if !set {
						return true, "not set: the default true applies"
					}
					return v == "true", "--service-account-lookup=" + v
				})(ev)
			}},
		{ID: "apiserver.encryption-provider-strong", Doc: "the first provider for Secrets in the --encryption-provider-config file is aescbc, kms or secretbox",
			Eval: func(_ Params, ev *evidence.Node) Outcome { return encryptionProviders(ev) }},
		{ID: "apiserver.strong-tls-ciphers", Doc: "kube-apiserver --tls-cipher-suites lists only TLS 1.3 and ECDHE AEAD suites (unset means Go's defaults: FAIL)",
			Eval: func(_ Params, ev *evidence.Node) Outcome {
				return flagCheck(evidence.APIServer, "tls-cipher-suites", "Go defaults", func(v string, set bool) (bool, string) { return cipherDecision(v, set, apiserverCiphers) })(ev)
			}},
		{ID: "apiserver.user-client-certificates", Doc: "a review (WARN) of whether people authenticate with client certificates, with the authentication flags",
			Eval: func(_ Params, ev *evidence.Node) Outcome { return clientCertUsers(ev) }},
		{ID: "apiserver.user-service-account-tokens", Doc: "a review (WARN) of whether people authenticate with service account tokens, with the authentication flags",
			Eval: func(_ Params, ev *evidence.Node) Outcome { return saTokenUsers(ev) }},
		{ID: "apiserver.user-bootstrap-tokens", Doc: "bootstrap token authentication is off (PASS), or a review of how bootstrap tokens are handed out (WARN)",
			Eval: func(_ Params, ev *evidence.Node) Outcome { return bootstrapTokenUsers(ev) }},
		{ID: "apiserver.audit-policy-coverage", Doc: "no audit policy is FAIL; with one, a review (WARN) of what it records",
			Params: []ParamSpec{{Name: "review", Type: "string", Required: true, Wording: true, Doc: "what the policy must record, as the reviewer is told"}},
			Eval:   auditPolicyCoverage},
	} {
		register(c)
	}
}
