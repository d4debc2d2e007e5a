package checks

import (
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// CIS 3: control-plane configuration. All Manual. Levels and the published
// metadata are in benchmarks/cis-1.12.yaml (verified against Prowler's CIS
// 1.12 mapping: 3.2.2 is Level 2, the others Level 1).
//
// 3.1.x cannot be decided from a node: whether people (rather than
// components) authenticate with certificates or tokens is a matter of how
// credentials are handed out. They are WARN with the authentication flags a
// reviewer needs, except 3.1.3 which passes when bootstrap token
// authentication is off altogether.

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

func auditPolicyCoverage(ev *evidence.Node) Outcome {
	p, na := needProcess(ev, evidence.APIServer)
	if na != nil {
		return *na
	}
	obs := authnObs(p, "audit-policy-file", "audit-log-path", "audit-webhook-config-file")
	v, ok := p.Flag("audit-policy-file")
	if !ok || v == "" {
		return fail("no audit policy is configured, so nothing is audited", obs...)
	}
	return warn("review that the audit policy "+v+" records Secret, ConfigMap and TokenReview access at Metadata level, and pod exec/attach/portforward and RBAC changes", obs...)
}

func cis3ControlPlane() []NodeControl {
	cp := RoleControlPlane
	return []NodeControl{
		{cis("3.1.1", 2, false, cp, "people do not authenticate with client certificates",
			"Give users OIDC or webhook-based credentials that can be revoked; keep client certificates for components and a break-glass admin only.",
			"kube-apiserver authentication flags"), clientCertUsers},
		{cis("3.1.2", 1, false, cp, "people do not authenticate with service account tokens",
			"Give users OIDC or webhook-based credentials; do not hand out service account tokens for human access.",
			"kube-apiserver authentication flags"), saTokenUsers},
		{cis("3.1.3", 1, false, cp, "people do not authenticate with bootstrap tokens",
			"Use bootstrap tokens only for node joins, with short TTLs; set `--enable-bootstrap-token-auth=false` when no node joins are expected.",
			"kube-apiserver --enable-bootstrap-token-auth"), bootstrapTokenUsers},
		{cis("3.2.1", 1, false, cp, "kube-apiserver has an audit policy",
			apiRem("set `--audit-policy-file` to an audit Policy and mount it into the API server pod."), "kube-apiserver --audit-policy-file"),
			flagsPresent(evidence.APIServer, "audit-policy-file")},
		{cis("3.2.2", 2, false, cp, "the audit policy covers the security-relevant requests",
			"Extend the audit policy so it records at least Metadata for Secrets, ConfigMaps and TokenReviews, RequestResponse for RBAC changes, and pod exec/attach/portforward.",
			"kube-apiserver --audit-policy-file"), auditPolicyCoverage},
	}
}
