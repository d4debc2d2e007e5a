package checks

import (
	"fmt"
	"net"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// kubeProxyMetricsPort is ports.ProxyStatusPort.
const kubeProxyMetricsPort = "10249"

// proxyConfigPath is the file named by kube-proxy's --config flag. Like the
// kubelet, kube-proxy reads no file without that flag.
func proxyConfigPath(ev *evidence.Node) (string, string) {
	p := ev.Process(evidence.KubeProxy)
	if v, ok := p.Flag("config"); ok && v != "" {
		return v, "from --config"
	}
	return "", ""
}

// KubeProxyMetricsBindAddress returns kube-proxy's effective
// metricsBindAddress, resolved as kube-proxy v1.34 does
// (cmd/kube-proxy/app/options.go Complete): with --config the file is the
// whole configuration and command-line flags other than logging and
// --hostname-override are ignored; without it, --metrics-bind-address
// applies. An empty value is defaulted (pkg/proxy/apis/config/v1alpha1
// defaults.go) to 127.0.0.1:10249, or [::1]:10249 when bindAddress is IPv6.
func KubeProxyMetricsBindAddress(ev *evidence.Node) (Setting, error) {
	const key = "metricsBindAddress"
	s := Setting{Key: key}
	p := ev.Process(evidence.KubeProxy)
	if p == nil {
		return s, fmt.Errorf("kube-proxy is not running on this node")
	}
	if cfg, _ := proxyConfigPath(ev); cfg != "" {
		doc, err := parseComponentConfig(ev, cfg, "KubeProxyConfiguration")
		if err != nil {
			return s, err
		}
		if _, ok := p.Flag("metrics-bind-address"); ok {
			s.Note = "--metrics-bind-address is ignored because --config is given"
		}
		if v, ok := lookup(doc, key); ok && renderValue(v) != "" {
			s.Value, s.Source, s.Set, s.Explicit = withPort(renderValue(v)), "config", true, true
			s.Location = cfg + " " + key
			return s, nil
		}
		bind := "0.0.0.0"
		if v, ok := lookup(doc, "bindAddress"); ok && renderValue(v) != "" {
			bind = renderValue(v)
		}
		s.Value, s.Source = defaultMetricsAddr(bind), "default"
		s.Location = fmt.Sprintf("kube-proxy default for %s (config file %s does not set it)", key, cfg)
		return s, nil
	}
	if v, ok := p.Flag("metrics-bind-address"); ok {
		s.Value, s.Source, s.Set, s.Explicit = v, "flag", true, true
		s.Location = "kube-proxy --metrics-bind-address"
		if v == "" {
			s.Note = "empty: metrics server disabled"
		}
		return s, nil
	}
	bind, _ := p.Flag("bind-address")
	if bind == "" {
		bind = "0.0.0.0"
	}
	s.Value, s.Source = defaultMetricsAddr(bind), "default"
	s.Location = "kube-proxy default for --metrics-bind-address (no config file, flag not given)"
	return s, nil
}

func defaultMetricsAddr(bind string) string {
	if ip := net.ParseIP(bind); ip != nil && ip.To4() == nil {
		return "[::1]:" + kubeProxyMetricsPort
	}
	return "127.0.0.1:" + kubeProxyMetricsPort
}

// withPort appends the default port like proxyutil.AppendPortIfNeeded.
func withPort(addr string) string {
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	if ip := net.ParseIP(strings.Trim(addr, "[]")); ip != nil {
		return net.JoinHostPort(ip.String(), kubeProxyMetricsPort)
	}
	return addr
}
