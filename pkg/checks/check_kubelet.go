package checks

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// kubelet checks, evaluated on the kubelet's EFFECTIVE configuration
// (kubelet.go): command-line flag, else the --config file and its
// drop-ins, else the kubelet's default for the way it was started. Where a
// benchmark's audit passes an unset value but the real default is insecure
// (rotateCertificates), the effective value decides.

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

// kubeletCiphers is the allow-list of kubelet.tls-ciphers: ECDHE with AES-GCM or
// ChaCha20-Poly1305 (Go's _SHA256 alias names of the ChaCha suites are the
// same suites and accepted too).
var kubeletCiphers = []string{
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
}

func hostnameOverride(ev *evidence.Node) Outcome {
	return flagCheck(evidence.Kubelet, "hostname-override", "", func(v string, set bool) (bool, string) {
		if !set {
			return true, "--hostname-override is not set"
		}
		return false, "--hostname-override=" + v + " breaks the match between the node name and its TLS identity"
	})(ev)
}

var kubeletOptions = []ParamSpec{
	{Name: "explicit", Type: "bool", Doc: "the setting must be set explicitly (flag or config file); the kubelet's default does not pass"},
	{Name: "noFlag", Type: "bool", Doc: "the setting must come from the config file; a command-line flag is a finding (DISA STIG)"},
}

// stricter applies the explicit/noFlag options to an outcome that passed.
func stricter(p Params, ev *evidence.Node, keys []string, o Outcome) Outcome {
	if o.Status != StatusPass || (!p.Bool("explicit") && !p.Bool("noFlag")) {
		return o
	}
	for _, k := range keys {
		s, err := KubeletSetting(ev, k)
		if err != nil {
			return errorOutcome(fmt.Sprintf("cannot resolve kubelet setting %s: %v", k, err), o.Evidence...)
		}
		if p.Bool("explicit") && !s.Set {
			return fail(fmt.Sprintf("%s is not set explicitly (the kubelet default %q applies); this benchmark requires it set", k, s.Value), o.Evidence...)
		}
		if p.Bool("noFlag") && s.Source == "flag" {
			return fail(fmt.Sprintf("%s is set by the command-line flag %s; this benchmark requires it in the config file and no flag", k, s.Location), o.Evidence...)
		}
	}
	return o
}

// kubeletOps are the operators of the generic kubelet.setting check.
var kubeletOps = []string{"eq", "ne", "set", "unset", "minDuration"}

func kubeletSetting(p Params, ev *evidence.Node) Outcome {
	if _, na := needProcess(ev, evidence.Kubelet); na != nil {
		return *na
	}
	key, want := p.String("key"), p.String("value")
	s, err := KubeletSetting(ev, key)
	if err != nil {
		return errorOutcome(fmt.Sprintf("cannot resolve kubelet setting %s: %v", key, err))
	}
	obs := s.Observation()
	var ok bool
	var why string
	switch p.String("op") {
	case "eq":
		ok, why = s.Value == want, fmt.Sprintf("%s is %q%s (want %q)", key, s.Value, from(s), want)
	case "ne":
		ok, why = s.Value != want, fmt.Sprintf("%s is %q%s (must not be %q)", key, s.Value, from(s), want)
	case "set":
		ok, why = s.Value != "", fmt.Sprintf("%s is %q%s (must be set)", key, s.Value, from(s))
	case "unset":
		ok, why = s.Value == "", fmt.Sprintf("%s is %q%s (must not be set)", key, s.Value, from(s))
	case "minDuration":
		d, err := time.ParseDuration(s.Value)
		min, _ := time.ParseDuration(want)
		if err != nil {
			return errorOutcome(fmt.Sprintf("%s=%q is not a duration", key, s.Value), obs)
		}
		ok, why = d >= min, fmt.Sprintf("%s is %s%s (must be at least %s)", key, d, from(s), min)
	}
	if s.Value == "" && p.String("op") != "unset" {
		why = fmt.Sprintf("%s is not set%s", key, from(s))
	}
	return stricter(p, ev, []string{key}, verdict(ok, why, why, obs))
}

// kubeletNamed registers a bespoke kubelet decision over keys; with keys
// it takes the explicit/noFlag options.
func kubeletNamed(id, doc string, keys []string, decide func(*evidence.Node) Outcome) {
	var params []ParamSpec
	if keys != nil {
		params = kubeletOptions
	}
	register(Check{ID: id, Doc: doc, Params: params, Eval: func(p Params, ev *evidence.Node) Outcome {
		return stricter(p, ev, keys, decide(ev))
	}})
}

func init() {
	keys := slices.Sorted(maps.Keys(kubeletKeys))
	register(Check{
		ID:  "kubelet.setting",
		Doc: "one effective kubelet setting (flag, else --config file, else the kubelet default) compared with a value",
		Params: append([]ParamSpec{
			{Name: "key", Type: "string", Required: true, Enum: keys, Doc: "KubeletConfiguration key"},
			{Name: "op", Type: "string", Required: true, Enum: kubeletOps, Doc: "eq/ne compare with value; set/unset test presence of a non-empty value; minDuration compares durations"},
			{Name: "value", Type: "string", Doc: "the value for eq/ne/minDuration"},
		}, kubeletOptions...),
		Eval: kubeletSetting,
	})
	kubeletNamed("kubelet.anonymous-auth-off", "the kubelet rejects anonymous requests (authentication.anonymous.enabled false)",
		[]string{"authentication.anonymous.enabled"}, kubeletBool("authentication.anonymous.enabled", false, "anonymous authentication"))
	kubeletNamed("kubelet.authorization-not-always-allow", "the kubelet's authorization.mode is set and not AlwaysAllow",
		[]string{"authorization.mode"}, kubeletCheck([]string{"authorization.mode"}, func(s []Setting) Outcome {
			return verdict(s[0].Value != "" && s[0].Value != "AlwaysAllow", "authorization mode is "+s[0].Value+from(s[0]),
				"authorization mode is "+s[0].Value+from(s[0])+": every authenticated request is allowed")
		}))
	kubeletNamed("kubelet.client-ca-set", "the kubelet verifies client certificates against a CA (authentication.x509.clientCAFile set)",
		[]string{"authentication.x509.clientCAFile"}, kubeletCheck([]string{"authentication.x509.clientCAFile"}, func(s []Setting) Outcome {
			return verdict(s[0].Value != "", "client CA file is "+s[0].Value+from(s[0]), "no client CA file: client certificates are not accepted for authentication")
		}))
	kubeletNamed("kubelet.read-only-port-off", "the kubelet's unauthenticated read-only port is disabled (readOnlyPort 0)",
		[]string{"readOnlyPort"}, kubeletCheck([]string{"readOnlyPort"}, func(s []Setting) Outcome {
			return verdict(s[0].Value == "0", "read-only port is disabled"+from(s[0]), "read-only port "+s[0].Value+" is open without authentication"+from(s[0]))
		}))
	kubeletNamed("kubelet.streaming-idle-timeout", "idle streaming connections time out (streamingConnectionIdleTimeout not 0)",
		[]string{"streamingConnectionIdleTimeout"}, kubeletCheck([]string{"streamingConnectionIdleTimeout"}, func(s []Setting) Outcome {
			d, err := time.ParseDuration(s[0].Value)
			if err != nil {
				return errorOutcome(fmt.Sprintf("streamingConnectionIdleTimeout=%q is not a duration", s[0].Value))
			}
			return verdict(d != 0, "idle streaming connections close after "+d.String()+from(s[0]), "idle timeout 0 keeps streaming connections open forever"+from(s[0]))
		}))
	kubeletNamed("kubelet.iptables-util-chains", "the kubelet manages its iptables utility chains (makeIPTablesUtilChains true)",
		[]string{"makeIPTablesUtilChains"}, kubeletBool("makeIPTablesUtilChains", true, "makeIPTablesUtilChains"))
	kubeletNamed("kubelet.no-hostname-override", "the kubelet has no --hostname-override flag", nil, hostnameOverride)
	kubeletNamed("kubelet.event-qps", "the kubelet's eventRecordQPS is not negative",
		[]string{"eventRecordQPS"}, kubeletCheck([]string{"eventRecordQPS"}, func(s []Setting) Outcome {
			n, err := strconv.ParseFloat(s[0].Value, 64)
			if err != nil {
				return errorOutcome(fmt.Sprintf("eventRecordQPS=%q is not a number", s[0].Value))
			}
			return verdict(n >= 0, "event QPS is "+s[0].Value+from(s[0]), "event QPS "+s[0].Value+" is negative")
		}))
	kubeletNamed("kubelet.serving-cert", "the kubelet serves with a CA-signed certificate: tlsCertFile and tlsPrivateKeyFile set, or serverTLSBootstrap",
		[]string{"tlsCertFile", "tlsPrivateKeyFile"}, kubeletCheck([]string{"tlsCertFile", "tlsPrivateKeyFile", "serverTLSBootstrap"}, func(s []Setting) Outcome {
			switch {
			case s[0].Value != "" && s[1].Value != "":
				return pass("serving certificate and key are set")
			case s[2].Value == "true":
				// Our decision: a bootstrapped serving certificate is
				// CA-signed, which is what the control is after.
				return pass("serving certificate is requested from the cluster CA (serverTLSBootstrap)" + from(s[2]))
			}
			return fail("no serving certificate is configured: the kubelet serves with a self-signed certificate")
		}))
	kubeletNamed("kubelet.rotate-certificates", "the kubelet rotates its client certificate (rotateCertificates true; the default is false)",
		[]string{"rotateCertificates"}, kubeletBool("rotateCertificates", true, "client certificate rotation"))
	kubeletNamed("kubelet.serving-cert-rotation", "the RotateKubeletServerCertificate feature gate is not disabled",
		[]string{"featureGates.RotateKubeletServerCertificate"}, kubeletCheck([]string{"featureGates.RotateKubeletServerCertificate", "serverTLSBootstrap"}, func(s []Setting) Outcome {
			if s[0].Value == "false" {
				return fail("RotateKubeletServerCertificate is disabled" + from(s[0]))
			}
			return pass("RotateKubeletServerCertificate is enabled" + from(s[0]))
		}))
	kubeletNamed("kubelet.tls-ciphers", "the kubelet's tlsCipherSuites lists only ECDHE AES-GCM/ChaCha20 suites (unset means Go's defaults: FAIL)",
		[]string{"tlsCipherSuites"}, kubeletCheck([]string{"tlsCipherSuites"}, func(s []Setting) Outcome {
			ok, why := cipherDecision(s[0].Value, s[0].Set, kubeletCiphers)
			return verdict(ok, why, why)
		}))
	kubeletNamed("kubelet.pod-pids-limit", "the kubelet limits processes per pod (podPidsLimit positive)",
		[]string{"podPidsLimit"}, kubeletCheck([]string{"podPidsLimit"}, func(s []Setting) Outcome {
			n, err := strconv.ParseInt(strings.TrimSpace(s[0].Value), 10, 64)
			if err != nil {
				return errorOutcome(fmt.Sprintf("podPidsLimit=%q is not a number", s[0].Value))
			}
			return verdict(n > 0, fmt.Sprintf("pods are limited to %d processes%s", n, from(s[0])),
				fmt.Sprintf("podPidsLimit %d means no limit%s: one pod can exhaust the node's PIDs", n, from(s[0])))
		}))
	kubeletNamed("kubelet.seccomp-default", "the kubelet applies the RuntimeDefault seccomp profile by default (seccompDefault true)",
		[]string{"seccompDefault"}, kubeletBool("seccompDefault", true, "seccompDefault"))
}
