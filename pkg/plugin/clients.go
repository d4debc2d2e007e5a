package plugin

import (
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// ClientFactory gives a live command its Kubernetes client and says where
// it points, like kubectl's cmdutil.Factory but small. The commands build
// one from the kubeconfig flags; tests inject fake clientsets.
type ClientFactory interface {
	// Clientset returns a client whose rate limiter allows at least qps
	// requests per second with bursts of burst (0 keeps the kubeconfig's
	// or client-go's defaults, 5 and 10). It does not contact the server.
	Clientset(qps float32, burst int) (kubernetes.Interface, error)
	// Server is the API server's URL ("" if unknown).
	Server() string
	// Context is the kubeconfig context in use ("" if unknown).
	Context() string
	// Namespace is the namespace given with -n/--namespace, or "".
	Namespace() string
}

// NewClientFactory returns the factory of the kubeconfig flags.
func NewClientFactory(cf *genericclioptions.ConfigFlags) ClientFactory {
	return configFlagsFactory{cf}
}

type configFlagsFactory struct {
	cf *genericclioptions.ConfigFlags
}

func (f configFlagsFactory) Clientset(qps float32, burst int) (kubernetes.Interface, error) {
	base, err := f.cf.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	cfg := rest.CopyConfig(base)
	if cfg.QPS < qps {
		cfg.QPS = qps
	}
	if cfg.Burst < burst {
		cfg.Burst = burst
	}
	return kubernetes.NewForConfig(cfg)
}

func (f configFlagsFactory) Server() string {
	rc, err := f.cf.ToRESTConfig()
	if err != nil {
		return ""
	}
	return rc.Host
}

func (f configFlagsFactory) Context() string {
	if f.cf.Context != nil && *f.cf.Context != "" {
		return *f.cf.Context
	}
	raw, err := f.cf.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return ""
	}
	return raw.CurrentContext
}

func (f configFlagsFactory) Namespace() string {
	if f.cf.Namespace == nil {
		return ""
	}
	return *f.cf.Namespace
}
