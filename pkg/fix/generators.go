package fix

import (
	"fmt"
	"slices"
	"strings"
)

// One entry per check: what fixes a finding of that check. A generator
// that cannot bring everything its change needs returns a decision with
// the reason; it never writes a change that stops a component starting.

// strongCiphers are the ECDHE AEAD suites every Kubernetes component
// accepts by name (k8s.io/component-base/cli/flag ciphers.go), and which
// both apiserver.strong-tls-ciphers and kubelet.tls-ciphers pass.
var strongCiphers = []string{
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
}

// Audit logging: a policy file, a log directory, and the flags that use
// them (CIS 1.2.16-1.2.19, 3.2.1, 3.2.2).
const (
	auditDir       = "/etc/kubernetes/audit"
	auditPolicy    = auditDir + "/policy.yaml"
	auditLogDir    = "/var/log/kubernetes/audit"
	auditLogPath   = auditLogDir + "/audit.log"
	admissionDir   = "/etc/kubernetes/admission"
	admissionFile  = admissionDir + "/admission-config.yaml"
	eventRateLimit = admissionDir + "/eventratelimit.yaml"
)

// auditPolicyContent logs every request at Metadata level (never a
// request or response body, so no Secret content is written), and skips
// the noisiest read-only system traffic.
const auditPolicyContent = `# Written by kubectl-harden fix: every request at Metadata level (who,
# what, when; never a body, so no Secret value is logged).
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
- RequestReceived
rules:
- level: None
  users: ["system:kube-proxy"]
  verbs: ["watch"]
- level: None
  nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version"]
- level: Metadata
`

// eventRateLimitContent limits events per namespace and server-wide with
// generous bounds (EventRateLimit admission plugin configuration,
// kubernetes plugin/pkg/admission/eventratelimit/apis/eventratelimit).
const admissionConfigContent = `# Written by kubectl-harden fix: the admission plugins' configuration.
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: EventRateLimit
  path: eventratelimit.yaml
`

const eventRateLimitContent = `# Written by kubectl-harden fix: EventRateLimit bounds.
apiVersion: eventratelimit.admission.k8s.io/v1alpha1
kind: Configuration
limits:
- type: Server
  qps: 1000
  burst: 5000
- type: Namespace
  qps: 100
  burst: 500
  cacheSize: 2000
`

// auditChanges are the changes that turn audit logging on: the policy,
// both mounts and every audit flag, so any one audit finding brings what
// the others need.
func auditChanges(comp, manifest string) []Change {
	return []Change{
		{Kind: WriteFile, Path: auditPolicy, Content: auditPolicyContent, Mode: 0o600},
		{Kind: Mount, Component: comp, Manifest: manifest, Volume: "kh-audit-policy", Path: auditDir, MountPath: auditDir, HostPathType: "DirectoryOrCreate", ReadOnly: true},
		{Kind: Mount, Component: comp, Manifest: manifest, Volume: "kh-audit-log", Path: auditLogDir, MountPath: auditLogDir, HostPathType: "DirectoryOrCreate"},
		{Kind: SetFlag, Component: comp, Manifest: manifest, Flag: "audit-policy-file", Value: auditPolicy},
		{Kind: SetFlag, Component: comp, Manifest: manifest, Flag: "audit-log-path", Value: auditLogPath},
		{Kind: SetFlag, Component: comp, Manifest: manifest, Flag: "audit-log-maxage", Value: "30"},
		{Kind: SetFlag, Component: comp, Manifest: manifest, Flag: "audit-log-maxbackup", Value: "10"},
		{Kind: SetFlag, Component: comp, Manifest: manifest, Flag: "audit-log-maxsize", Value: "100"},
	}
}

// auditFlags are the flags auditChanges sets.
var auditFlags = []string{"audit-policy-file", "audit-log-path", "audit-log-maxage", "audit-log-maxbackup", "audit-log-maxsize"}

// flagValues are the values a plan gives flags that a control only wants
// set; a flag not listed here needs a value only the cluster's owner knows.
var flagValues = map[string]string{
	"profiling": "false",
	"service-account-extend-token-expiration": "false",
	"tls-cipher-suites":                       strings.Join(strongCiphers, ","),
}

// decisions are flag fixes the plan never writes, with the reason.
var decisions = map[string]string{
	"kubelet-certificate-authority": "the API server would verify kubelet serving certificates against the cluster CA; kubelets that serve self-signed certificates (the kubeadm default, serverTLSBootstrap false) then fail `kubectl logs/exec/port-forward` and metrics. Enable serverTLSBootstrap on every kubelet, approve their serving CSRs (or run an approver), then set the flag",
	"encryption-provider-config":    "encryption at rest needs a key you manage (or a KMS plugin), the same file on every control-plane node, and a rewrite of existing Secrets (`kubectl get secrets -A -o json | kubectl replace -f -`); losing the key loses every Secret",
	"anonymous-auth":                "--anonymous-auth=false makes the kubeadm liveness/readiness probes of the API server (unauthenticated GET /livez, /readyz) fail with 401, and the kubelet then restarts the API server forever; use an AuthenticationConfiguration that allows anonymous access to the health endpoints only (anonymous.conditions, Kubernetes 1.32+) instead",
	"authorization-mode":            "changing the authorization modes changes who can do what across the whole cluster",
	"AlwaysPullImages":              "every pod start then pulls its image from the registry: nodes without registry access (air-gapped, preloaded images) can no longer start pods, and a registry outage stops every restart",
}

// manifestOf is the static pod manifest of a component on the target.
func manifestOf(in Input, comp string) string {
	if in.Target == nil || in.Target.Layout == nil {
		return ""
	}
	return in.Target.Layout.Manifests[comp]
}

// distribution is the detected distribution's ID ("" for kubeadm and
// managed platforms).
func distribution(in Input) string {
	if in.Platform == nil || in.Platform.Distribution == nil {
		return ""
	}
	return in.Platform.Distribution.ID
}

// managed says the provider runs the control plane.
func managed(in Input) (string, bool) {
	if in.Platform != nil && in.Platform.Managed {
		p := in.Platform.Provider
		if p == "" {
			p = in.Platform.Name
		}
		return p, true
	}
	return "", false
}

// distroArgs are the config.yaml keys of k3s and RKE2 that carry a
// component's flags (docs.k3s.io "Server Configuration": kube-apiserver-arg,
// kube-controller-manager-arg, kube-scheduler-arg, etcd-arg, kubelet-arg).
func distroDurable(distro, comp, flag, value string) []Durable {
	if distro != "k3s" && distro != "rke2" {
		return nil
	}
	key := comp + "-arg"
	return []Durable{{Target: "/etc/rancher/" + distro + "/config.yaml " + key, Component: comp, Name: flag, Value: value}}
}

// clusterConfigField is the ClusterConfiguration field of a component's
// extraArgs (kubeadm v1beta4).
var clusterConfigField = map[string]string{
	"kube-apiserver": "apiServer", "kube-controller-manager": "controllerManager",
	"kube-scheduler": "scheduler", "etcd": "etcd.local",
}

// flagFix is the fix of a control-plane flag: set it in the static pod
// manifest, and keep it in the kubeadm ClusterConfiguration or the
// distribution's config.
func flagFix(in Input, comp string, changes []Change, why string) Fix {
	if p, ok := managed(in); ok {
		return Fix{Disposition: Managed, Why: comp + " is run by " + p + ": no user fix"}
	}
	var durable []Durable
	for _, c := range changes {
		if c.Kind != SetFlag && c.Kind != AddToFlagList {
			continue
		}
		if d := distribution(in); d != "" {
			for _, dd := range distroDurable(d, comp, c.Flag, c.Value) {
				dd.List = c.Kind == AddToFlagList
				durable = append(durable, dd)
			}
			continue
		}
		if f, ok := clusterConfigField[comp]; ok {
			durable = append(durable, Durable{Target: "kubeadm ClusterConfiguration " + f + ".extraArgs", Component: comp, Name: c.Flag, Value: c.Value, List: c.Kind == AddToFlagList})
		}
	}
	if d := distribution(in); d != "" {
		if d == "k3s" || d == "rke2" {
			why := d + " writes its components' flags from /etc/rancher/" + d + "/config.yaml at start: add the lines below and restart the " + d + " service"
			for _, c := range changes {
				if c.Kind == WriteFile || c.Kind == Mount {
					why += "; the flags name files that must first be written on every server and mounted into the static pod (" + d + ": kube-apiserver-extra-mount)"
					break
				}
			}
			return Fix{Disposition: Manual, Why: why, Durable: durable}
		}
		return Fix{Disposition: Manual, Why: "the " + d + " distribution manages " + comp + "'s flags: set it through the distribution's own configuration"}
	}
	manifest := manifestOf(in, comp)
	if manifest == "" {
		return Fix{Disposition: Manual, Why: "no static pod manifest of " + comp + " was found on this node: set the flag where its service is configured"}
	}
	for i := range changes {
		changes[i].Component, changes[i].Manifest = comp, manifest
	}
	impact := "the kubelet restarts the " + comp + " static pod"
	if comp == "kube-apiserver" {
		impact += "; the API is unavailable on this node for ~30-60s"
	}
	return Fix{Disposition: Fixed, Why: why, Impact: impact, Changes: changes, Durable: durable}
}

// setFlag fixes a flag that must have a known value.
func setFlag(in Input, comp, flag string) Fix {
	if why, ok := decisions[flag]; ok {
		return Fix{Disposition: Decision, Why: why, Suggested: comp + " --" + flag}
	}
	if slices.Contains(auditFlags, flag) {
		return flagFix(in, comp, auditChanges(comp, ""), "audit logging: policy "+auditPolicy+" (every request at Metadata level, never a body), log "+auditLogPath+" (30 days, 10 files of 100 MB), both mounted into the static pod; a control that reviews the policy's coverage becomes WARN (a human reviews it), not PASS")
	}
	v, ok := flagValues[flag]
	if !ok {
		return Fix{Disposition: Manual, Why: "--" + flag + " needs a value only the cluster's owner knows (a file, a certificate, an address)"}
	}
	return flagFix(in, comp, []Change{{Kind: SetFlag, Flag: flag, Value: v}}, "--"+flag+"="+v)
}

func init() {
	register("component.flag-false", func(in Input) Fix {
		return setFlag(in, in.Params.String("component"), in.Params.String("flag"))
	})
	register("component.flags-set", func(in Input) Fix {
		comp := in.Params.String("component")
		flags := in.Params.List("flags")
		if len(flags) == 1 {
			return setFlag(in, comp, flags[0])
		}
		return Fix{Disposition: Manual, Why: "--" + strings.Join(flags, " and --") + " need values only the cluster's owner knows (certificates and keys)"}
	})
	register("component.flag-min", func(in Input) Fix {
		comp, flag := in.Params.String("component"), in.Params.String("flag")
		if slices.Contains(auditFlags, flag) {
			return setFlag(in, comp, flag)
		}
		v := fmt.Sprint(in.Params.Int("min"))
		return flagFix(in, comp, []Change{{Kind: SetFlag, Flag: flag, Value: v}}, "--"+flag+"="+v)
	})
	register("component.flag", func(in Input) Fix {
		comp, flag, op, v := in.Params.String("component"), in.Params.String("flag"), in.Params.String("op"), in.Params.String("value")
		if why, ok := decisions[flag]; ok {
			return Fix{Disposition: Decision, Why: why, Suggested: comp + " --" + flag}
		}
		if op != "eq" || comp == "kubelet" || comp == "kube-proxy" {
			return Fix{Disposition: Manual, Why: "--" + flag + " " + op + " " + v + ": no single value to set; follow the remediation"}
		}
		return flagFix(in, comp, []Change{{Kind: SetFlag, Flag: flag, Value: v}}, "--"+flag+"="+v)
	})
	register("component.bind-address-loopback", func(in Input) Fix {
		comp := in.Params.String("component")
		return flagFix(in, comp, []Change{{Kind: SetFlag, Flag: "bind-address", Value: "127.0.0.1"}},
			"--bind-address=127.0.0.1 (kubeadm's own value; its probes use 127.0.0.1)")
	})
	register("apiserver.strong-tls-ciphers", func(in Input) Fix { return setFlag(in, "kube-apiserver", "tls-cipher-suites") })
	register("apiserver.anonymous-auth-disabled", func(in Input) Fix {
		return Fix{Disposition: Decision, Why: decisions["anonymous-auth"], Suggested: "kube-apiserver --anonymous-auth=false"}
	})
	register("apiserver.encryption-provider-strong", func(in Input) Fix {
		return Fix{Disposition: Decision, Why: decisions["encryption-provider-config"], Suggested: "kube-apiserver --encryption-provider-config with aescbc, secretbox or kms v2"}
	})
	register("apiserver.audit-policy-coverage", func(in Input) Fix { return setFlag(in, "kube-apiserver", "audit-policy-file") })
	register("apiserver.authorization-modes", func(in Input) Fix {
		return Fix{Disposition: Decision, Why: decisions["authorization-mode"], Suggested: "kube-apiserver --authorization-mode=Node,RBAC"}
	})
	register("apiserver.admission-plugin-enabled", admissionPlugin)
	register("apiserver.admission-plugin-not-disabled", func(in Input) Fix {
		return Fix{Disposition: Manual, Why: "remove " + in.Params.String("plugin") + " from --disable-admission-plugins: whoever disabled it had a reason the plan cannot see"}
	})
	register("apiserver.admission-plugin-not-enabled", func(in Input) Fix {
		return Fix{Disposition: Manual, Why: "remove " + in.Params.String("plugin") + " from --enable-admission-plugins"}
	})
	register("etcd.data-dir-owner", func(in Input) Fix {
		return Fix{Disposition: Decision, Why: "kubeadm runs etcd as root: chown etcd:etcd needs an etcd user on the host and etcd run as that user (securityContext runAsUser in the etcd manifest), else etcd cannot write its data", Suggested: "useradd -r etcd; chown -R etcd:etcd <data-dir>; run etcd as etcd"}
	})
}

// admissionPlugin adds a plugin to --enable-admission-plugins, bringing
// what the plugin needs, or explains why it is a decision.
func admissionPlugin(in Input) Fix {
	plugin := in.Params.String("plugin")
	if why, ok := decisions[plugin]; ok {
		return Fix{Disposition: Decision, Why: why, Suggested: "add " + plugin + " to kube-apiserver --enable-admission-plugins"}
	}
	add := []Change{{Kind: AddToFlagList, Flag: "enable-admission-plugins", Value: plugin}}
	why := plugin + " added to --enable-admission-plugins"
	switch plugin {
	case "EventRateLimit":
		add = append([]Change{
			{Kind: WriteFile, Path: admissionFile, Content: admissionConfigContent, Mode: 0o600},
			{Kind: WriteFile, Path: eventRateLimit, Content: eventRateLimitContent, Mode: 0o600},
			{Kind: Mount, Volume: "kh-admission", Path: admissionDir, MountPath: admissionDir, HostPathType: "DirectoryOrCreate", ReadOnly: true},
			// Guard: an admission configuration the owner already has is
			// never replaced; apply.sh stops before changing anything.
			{Kind: SetFlag, Flag: "admission-control-config-file", Value: admissionFile, Guard: true},
		}, add...)
		why += ", with its configuration " + admissionFile + " (server 1000 qps, namespace 100 qps) mounted into the static pod"
	case "DenyServiceExternalIPs":
		why += ": new Services with spec.externalIPs are rejected (existing ones keep working)"
	case "NodeRestriction", "NamespaceLifecycle", "ServiceAccount":
	default:
		return Fix{Disposition: Decision, Why: plugin + " changes what the API server admits; review its effect first", Suggested: "add " + plugin + " to kube-apiserver --enable-admission-plugins"}
	}
	return flagFix(in, "kube-apiserver", add, why)
}
