package checks

import (
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// kube-proxy checks.

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

func init() {
	register(Check{ID: "kube-proxy.metrics-bind-loopback", Doc: "kube-proxy serves metrics on loopback only (config file metricsBindAddress, else --metrics-bind-address, else the default 127.0.0.1:10249)",
		Eval: func(_ Params, ev *evidence.Node) Outcome { return proxyMetrics(ev) }})
}
