package fix

import (
	"fmt"
	"slices"
	"strings"
)

// kubeletFixes are the kubelet checks a plan fixes by setting one
// KubeletConfiguration key, with the kubelet flag that overrides it
// (kubernetes cmd/kubelet/app/options/options.go) and the impact beyond
// the kubelet's restart.
var kubeletFixes = map[string]struct {
	key, flag, value, impact string
}{
	"kubelet.tls-ciphers":                    {"tlsCipherSuites", "tls-cipher-suites", "[" + strings.Join(strongCiphers, ",") + "]", "clients of the kubelet's port 10250 must offer an ECDHE AEAD suite (every supported Kubernetes client does)"},
	"kubelet.pod-pids-limit":                 {"podPidsLimit", "pod-max-pids", "4096", "a pod that starts more than 4096 processes fails to fork; raise the value for pods that need more"},
	"kubelet.seccomp-default":                {"seccompDefault", "seccomp-default", "true", "containers started from now on get the runtime's default seccomp profile unless they ask for Unconfined; a workload that needs a blocked syscall must set seccompProfile Unconfined (running pods keep theirs until restarted)"},
	"kubelet.read-only-port-off":             {"readOnlyPort", "read-only-port", "0", "anything scraping port 10255 (old metrics agents) stops working"},
	"kubelet.streaming-idle-timeout":         {"streamingConnectionIdleTimeout", "streaming-connection-idle-timeout", "4h0m0s", "idle exec/attach/port-forward sessions close after 4h"},
	"kubelet.iptables-util-chains":           {"makeIPTablesUtilChains", "make-iptables-util-chains", "true", ""},
	"kubelet.event-qps":                      {"eventRecordQPS", "event-qps", "50", ""},
	"kubelet.rotate-certificates":            {"rotateCertificates", "rotate-certificates", "true", ""},
	"kubelet.anonymous-auth-off":             {"authentication.anonymous.enabled", "anonymous-auth", "false", "anonymous requests to the kubelet API are rejected"},
	"kubelet.authorization-not-always-allow": {"authorization.mode", "authorization-mode", "Webhook", "kubelet API requests are authorized by the API server (SubjectAccessReview)"},
}

// kubeletFix sets key to value where the kubelet reads it.
func kubeletFix(in Input, key, flag, value, impact string) Fix {
	var durable []Durable
	switch {
	case distribution(in) == "openshift":
		durable = []Durable{{Target: "OpenShift KubeletConfig spec.kubeletConfig", Component: "kubelet", Name: key, Value: value}}
	case distribution(in) == "":
		durable = []Durable{{Target: "kubelet-config ConfigMap (kube-system) and kubeadm --patches kubeletconfiguration", Component: "kubelet", Name: key, Value: value}}
	}
	if in.Platform != nil && in.Platform.Name == "eks" {
		durable = []Durable{{Target: "nodeadm NodeConfig spec.kubelet.config (launch template user data)", Component: "kubelet", Name: key, Value: value}}
	}
	if d := distribution(in); d == "k3s" || d == "rke2" {
		durable = []Durable{{Target: "/etc/rancher/" + d + "/config.yaml kubelet-arg", Component: "kubelet", Name: flag, Value: strings.Trim(value, "[]")}}
		return Fix{Disposition: Manual, Why: d + " writes the kubelet's configuration at every start: add the kubelet-arg line below to /etc/rancher/" + d + "/config.yaml and restart the " + d + " service", Durable: durable}
	} else if d == "openshift" {
		return Fix{Disposition: Manual, Why: "OpenShift owns the kubelet configuration: set " + key + " in a KubeletConfig object (machineconfiguration.openshift.io/v1) for the pool; the Machine Config Operator reboots its nodes", Durable: durable}
	} else if d != "" {
		return Fix{Disposition: Manual, Why: "the " + d + " distribution owns the kubelet configuration: set " + key + " through it", Durable: durable}
	}
	l := in.Target.Layout
	if l == nil {
		return Fix{Disposition: Manual, Why: "the report does not say where this kubelet's configuration comes from (a report made before layouts were recorded): re-scan, then re-plan"}
	}
	if slices.Contains(l.KubeletFlags, flag) {
		return Fix{Disposition: Manual, Why: fmt.Sprintf("the kubelet's command line sets --%s, and a flag overrides the config file: remove it from the kubelet's unit or its EnvironmentFile (%s), then set %s: %s in the config", flag, strings.Join(l.KubeletEnvFiles, ", "), key, value), Durable: durable}
	}
	impact = strings.TrimPrefix(strings.TrimSuffix("the kubelet restarts (running pods keep running); "+impact, "; "), "; ")
	switch {
	case l.KubeletConfigDir != "":
		return Fix{Disposition: Fixed, Why: key + ": " + value + " in the drop-in " + l.KubeletConfigDir + "/" + dropInName + " (drop-ins override the --config file; a later drop-in overrides this one)",
			Impact: impact, Changes: []Change{{Kind: KubeletSetting, Path: l.KubeletConfigDir + "/" + dropInName, Key: key, Value: value}}, Durable: durable}
	case l.KubeletConfig == "":
		return Fix{Disposition: Manual, Why: "the kubelet has no --config file: add --" + flag + " to its command line, or give it a config file", Durable: durable}
	case strings.Contains(key, "."):
		return Fix{Disposition: Manual, Why: "the kubelet has no --config-dir and " + key + " is nested in " + l.KubeletConfig + ": set it there by hand (the plan edits top-level keys only)", Durable: durable}
	case !strings.HasSuffix(l.KubeletConfig, ".yaml") && !strings.HasSuffix(l.KubeletConfig, ".yml"):
		return Fix{Disposition: Manual, Why: "the kubelet's config " + l.KubeletConfig + " is not YAML: set " + key + " there by hand", Durable: durable}
	}
	return Fix{Disposition: Fixed, Why: key + ": " + value + " in " + l.KubeletConfig + " (--config; no command-line flag overrides it)",
		Impact: impact, Changes: []Change{{Kind: KubeletSetting, Path: l.KubeletConfig, Key: key, Value: value}}, Durable: durable}
}

// dropInName is the drop-in a plan writes in the kubelet's --config-dir:
// files merge in lexical order, so a high prefix wins over the usual ones.
const dropInName = "90-kubectl-harden.conf"

// fileFix is a chmod or chown of every file the evidence names.
func fileFix(in Input, mk func(path string) Change, what string) Fix {
	switch distribution(in) {
	case "talos":
		return Fix{Disposition: Manual, Why: "Talos's root filesystem is immutable and its files are written by machined: change them through the machine configuration, or accept the finding"}
	case "openshift":
		return Fix{Disposition: Manual, Why: "the Machine Config Operator owns the node's files and reverts what it manages: change them with a MachineConfig for the pool"}
	}
	switch in.Params.String("locate") {
	case "cni-files":
		return Fix{Disposition: Manual, Why: "the CNI configuration is written by the network plugin (its DaemonSet rewrites it): change the mode in the plugin's own configuration, or accept the finding"}
	case "proxy-kubeconfig":
		return Fix{Disposition: Manual, Why: "kube-proxy's kubeconfig is projected from the kube-proxy ConfigMap into its pod, not a host file: set defaultMode 0600 (384) on the kube-proxy DaemonSet's ConfigMap volume"}
	}
	var changes []Change
	for _, o := range in.Result.Evidence {
		if o.Path != "" && !slices.ContainsFunc(changes, func(c Change) bool { return c.Path == o.Path }) {
			changes = append(changes, mk(o.Path))
		}
	}
	if len(changes) == 0 {
		return Fix{Disposition: Manual, Why: "the evidence names no file to change"}
	}
	why := what + " of the files named in the evidence (only files that need it are changed)"
	if distribution(in) == "microk8s" {
		why += "; MicroK8s gives its files to the microk8s group (0660) so that its members run microk8s commands without sudo: after this they need sudo, and a snap refresh may restore the modes"
	}
	if in.Params.String("locate") == "kubelet-config" {
		why += "; kubeadm rewrites the kubelet config on `kubeadm upgrade node` and join: re-run apply.sh after each"
	}
	return Fix{Disposition: Fixed, Why: why, Impact: "none: no component restarts", Changes: changes}
}

func init() {
	for check, k := range kubeletFixes {
		register(check, func(in Input) Fix { return kubeletFix(in, k.key, k.flag, k.value, k.impact) })
	}
	register("kubelet.setting", func(in Input) Fix {
		if in.Params.String("op") != "eq" {
			return Fix{Disposition: Manual, Why: in.Params.String("key") + " " + in.Params.String("op") + ": no single value to set; follow the remediation"}
		}
		return kubeletFix(in, in.Params.String("key"), "", in.Params.String("value"), "")
	})
	register("kubelet.serving-cert", func(Input) Fix {
		return Fix{Disposition: Decision, Why: "serverTLSBootstrap: true makes each kubelet request a serving certificate that nothing approves by default (kubeadm does not): until its CSR is approved, `kubectl logs/exec` and metrics to that node fail. Run a CSR approver (or approve with `kubectl certificate approve`), then set it", Suggested: "serverTLSBootstrap: true"}
	})
	register("kubelet.serving-cert-rotation", func(Input) Fix {
		return Fix{Disposition: Manual, Why: "remove RotateKubeletServerCertificate=false from the kubelet's featureGates"}
	})
	register("kubelet.client-ca-set", func(Input) Fix {
		return Fix{Disposition: Manual, Why: "authentication.x509.clientCAFile needs the cluster's CA file on the node (kubeadm: /etc/kubernetes/pki/ca.crt)"}
	})
	register("kubelet.no-hostname-override", func(Input) Fix {
		return Fix{Disposition: Manual, Why: "removing --hostname-override renames the node as the API sees it: drain and re-register it"}
	})
	register("kube-proxy.metrics-bind-loopback", func(Input) Fix {
		return Fix{Disposition: Manual, Why: "set metricsBindAddress: 127.0.0.1:10249 in the kube-proxy ConfigMap (kube-system) and restart its DaemonSet; Prometheus scraping kube-proxy metrics from outside the node stops"}
	})
	register("file.mode", func(in Input) Fix {
		max := in.Params.Mode("max")
		return fileFix(in, func(p string) Change { return Change{Kind: Chmod, Path: p, Mode: max} }, fmt.Sprintf("remove permission bits outside %04o", max))
	})
	register("file.owner", func(in Input) Fix {
		u, g := in.Params.String("user"), in.Params.String("group")
		return fileFix(in, func(p string) Change { return Change{Kind: Chown, Path: p, User: u, Group: g} }, "chown "+u+":"+g)
	})
}
