package checks

import (
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// CIS 4.3: kube-proxy (Level 1).

func proxyMetrics(ev *evidence.Node) Outcome {
	if _, na := needProcess(ev, evidence.KubeProxy); na != nil {
		return *na
	}
	s, err := KubeProxyMetricsBindAddress(ev)
	if err != nil {
		return errorOutcome("cannot resolve kube-proxy metricsBindAddress: "+err.Error(), Observation{Location: "kube-proxy --config", Value: firstNonEmpty(proxyConfigPath(ev))})
	}
	o := s.Observation()
	if s.Source == "flag" && s.Value == "" {
		return pass("metrics server is disabled", o)
	}
	src := " (" + s.Source + ")"
	return verdict(isLoopbackAddr(s.Value), "metrics are served on loopback "+s.Value+src,
		"metrics are served on "+s.Value+src+", reachable from the network", o)
}

func firstNonEmpty(a, _ string) string {
	if a == "" {
		return "<unset>"
	}
	return a
}

func cis43Proxy() []NodeControl {
	return []NodeControl{
		{cis("4.3.1", 1, true, RoleWorker, "kube-proxy metrics are served on loopback only",
			"Set `metricsBindAddress: 127.0.0.1:10249` in the kube-proxy configuration (kubeadm: the kube-proxy ConfigMap in kube-system, key config.conf) and restart the kube-proxy pods; with --config, a --metrics-bind-address flag is ignored.",
			"kube-proxy --config file metricsBindAddress, or --metrics-bind-address"), proxyMetrics},
	}
}
