package checks

import (
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// CIS 4.1: worker node configuration files (all Level 1). They apply to
// every node running a kubelet, control-plane nodes included.

// kubeletUnit locates the kubelet's systemd unit: the first existing known
// unit or drop-in. When none exists, 4.1.1 is ERROR (the file the control
// is about was not seen) while 4.1.2 is N/A: the benchmark's own audit
// accepts an absent unit for 4.1.2, and we follow it without calling it a
// pass.
func kubeletUnit(absent Status) locator {
	return func(ev *evidence.Node) ([]string, *Outcome, []Observation) {
		if p := ev.FirstExisting(evidence.KubeletUnits...); p != "" {
			return []string{p}, nil, nil
		}
		var obs []Observation
		collected := false
		for _, u := range evidence.KubeletUnits {
			obs = append(obs, fileObs(ev, u))
			if f := ev.File(u); f != nil && f.Error == "" {
				collected = true
			}
		}
		if !collected {
			o := errorOutcome("the kubelet unit paths were not collected: not evaluated", obs...)
			return nil, &o, nil
		}
		reason := "no kubelet systemd unit at any known path (" + strings.Join(evidence.KubeletUnits, ", ") + ")"
		o := Outcome{Status: absent, Evidence: obs}
		if absent == StatusNA {
			o.Reason = reason + "; the benchmark accepts an absent unit file for this control"
		} else {
			o.Reason = reason + ": not evaluated; if the kubelet is started another way, check that file by hand"
		}
		return nil, &o, nil
	}
}

// kubeletFlagPath reads a path flag of the kubelet.
func kubeletFlagPath(flag string) func(*evidence.Node) (string, string) {
	return func(ev *evidence.Node) (string, string) {
		if v, ok := ev.Process(evidence.Kubelet).Flag(flag); ok && v != "" {
			return v, "kubelet --" + flag
		}
		return "", ""
	}
}

// proxyKubeconfigPath is kube-proxy's --kubeconfig, else
// clientConnection.kubeconfig of its --config file. Paths are as the
// process sees them; the collector records files under those paths.
func proxyKubeconfigPath(ev *evidence.Node) (string, string) {
	p := ev.Process(evidence.KubeProxy)
	if v, ok := p.Flag("kubeconfig"); ok && v != "" {
		return v, "kube-proxy --kubeconfig"
	}
	if cfg, _ := proxyConfigPath(ev); cfg != "" {
		if doc, err := parseComponentConfig(ev, cfg, "KubeProxyConfiguration"); err == nil {
			if v, ok := lookup(doc, "clientConnection.kubeconfig"); ok && renderValue(v) != "" {
				return renderValue(v), cfg + " clientConnection.kubeconfig"
			}
		}
	}
	return "", ""
}

// kubeletClientCA is the kubelet's effective client CA file. Unlike the
// benchmark's audit, it never falls back to a default path: a kubelet
// without a client CA has no such file (N/A here, FAIL in 4.2.3), and an
// unreadable kubelet config means the file is unknown (ERROR).
func kubeletClientCA(ev *evidence.Node) ([]string, *Outcome, []Observation) {
	s, err := KubeletSetting(ev, "authentication.x509.clientCAFile")
	if err != nil {
		o := errorOutcome("cannot resolve the kubelet's client CA file: " + err.Error())
		return nil, &o, nil
	}
	why := []Observation{s.Observation()}
	if s.Value == "" {
		o := notApplicable("the kubelet has no client CA file (see 4.2.3)")
		return nil, &o, why
	}
	if _, o := usable(ev, s.Value, "kubelet client CA file"); o != nil {
		return nil, o, why
	}
	return []string{s.Value}, nil, why
}

// kubeletConfigFile is the config file the kubelet reads (--config). A
// kubelet without --config reads no file: a known config file present on
// the host is still checked (it may be used after a restart), and the
// evidence says the kubelet does not read it; with no file at all the
// controls are N/A.
func kubeletConfigFile(ev *evidence.Node) ([]string, *Outcome, []Observation) {
	kc := loadKubeletConfig(ev)
	switch {
	case kc.path != "":
		why := []Observation{{Location: "kubelet --config", Value: kc.path}}
		if _, o := usable(ev, kc.path, "kubelet config file"); o != nil {
			return nil, o, why
		}
		return []string{kc.path}, nil, why
	case kc.unused != "":
		return []string{kc.unused}, nil, []Observation{{Location: "kubelet --config", Value: "<unset>; " + kc.unused + " exists but the kubelet does not read it"}}
	}
	o := notApplicable("the kubelet has no --config flag and no known kubelet config file exists: it runs on flags only", Observation{Location: "kubelet --config", Value: "<unset>"})
	return nil, &o, nil
}

func cis41WorkerFiles() []NodeControl {
	w := RoleWorker
	unitMode, unitOwner := kubeletUnit(StatusError), kubeletUnit(StatusNA)
	proxyKC := oneFile("kube-proxy kubeconfig", evidence.KubeProxy, proxyKubeconfigPath, evidence.ProxyKubeconfigs)
	kubeletKC := oneFile("kubelet kubeconfig", evidence.Kubelet, kubeletFlagPath("kubeconfig"), evidence.KubeletKubeconfigs)
	rem := func(cmd, what string) string {
		return "On each node run `" + cmd + " <file>` for the " + what + " shown in the evidence."
	}
	return []NodeControl{
		{cis("4.1.1", 1, true, w, "kubelet systemd unit file is mode 600 or stricter", rem("chmod 600", "kubelet unit file")+" Then `systemctl daemon-reload`.", "stat of the kubelet unit file"), modeCheck(unitMode, 0o600)},
		{cis("4.1.2", 1, true, w, "kubelet systemd unit file is owned by root:root", rem("chown root:root", "kubelet unit file"), "stat of the kubelet unit file"), ownerCheck(unitOwner, "root", "root")},
		{cis("4.1.3", 1, false, w, "kube-proxy kubeconfig is mode 600 or stricter", rem("chmod 600", "kube-proxy kubeconfig")+" When kube-proxy runs as a DaemonSet its kubeconfig is a mounted volume: set defaultMode 0600 on it.", "kube-proxy --kubeconfig", "stat of the kubeconfig"), modeCheck(proxyKC, 0o600)},
		{cis("4.1.4", 1, false, w, "kube-proxy kubeconfig is owned by root:root", rem("chown root:root", "kube-proxy kubeconfig"), "kube-proxy --kubeconfig", "stat of the kubeconfig"), ownerCheck(proxyKC, "root", "root")},
		{cis("4.1.5", 1, true, w, "kubelet kubeconfig is mode 600 or stricter", rem("chmod 600", "kubelet kubeconfig"), "kubelet --kubeconfig", "stat of the kubeconfig"), modeCheck(kubeletKC, 0o600)},
		{cis("4.1.6", 1, true, w, "kubelet kubeconfig is owned by root:root", rem("chown root:root", "kubelet kubeconfig"), "kubelet --kubeconfig", "stat of the kubeconfig"), ownerCheck(kubeletKC, "root", "root")},
		{cis("4.1.7", 1, false, w, "kubelet client CA file is mode 644 or stricter", rem("chmod 644", "kubelet client CA file"), "kubelet client CA file (flag or config)", "stat of the file"), modeCheck(kubeletClientCA, 0o644)},
		{cis("4.1.8", 1, false, w, "kubelet client CA file is owned by root:root", rem("chown root:root", "kubelet client CA file"), "kubelet client CA file (flag or config)", "stat of the file"), ownerCheck(kubeletClientCA, "root", "root")},
		{cis("4.1.9", 1, true, w, "kubelet config file is mode 600 or stricter", rem("chmod 600", "kubelet config file"), "kubelet --config", "stat of the config file"), modeCheck(kubeletConfigFile, 0o600)},
		{cis("4.1.10", 1, true, w, "kubelet config file is owned by root:root", rem("chown root:root", "kubelet config file"), "kubelet --config", "stat of the config file"), ownerCheck(kubeletConfigFile, "root", "root")},
	}
}
