package plugin

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// ClientFactory gives a live command its Kubernetes clients and says where
// they point, like kubectl's cmdutil.Factory but small. Every command that
// talks to a cluster (scan, rbac and its subcommands, workloads, all,
// cleanup, cronjob run) builds its clients through one; the commands use
// the kubeconfig flags' factory and tests inject fake clientsets.
type ClientFactory interface {
	// Clientset returns a client whose rate limiter allows at least qps
	// requests per second with bursts of burst (0 keeps the kubeconfig's
	// or client-go's defaults, 5 and 10). It does not contact the server.
	Clientset(qps float32, burst int) (kubernetes.Interface, error)
	// Metadata returns a metadata-only client (object metadata, never a
	// Secret's or ConfigMap's data), with the same limits.
	Metadata(qps float32, burst int) (metadata.Interface, error)
	// RESTMapper resolves resource names (short names, kinds) with the
	// server's discovery.
	RESTMapper() (meta.RESTMapper, error)
	// Server is the API server's URL ("" if unknown).
	Server() string
	// Context is the kubeconfig context in use ("" if unknown).
	Context() string
	// Namespace is the namespace given with -n/--namespace, or "".
	Namespace() string
	// DefaultNamespace is -n, else the kubeconfig context's namespace,
	// else the namespace of an in-cluster service account, else default.
	DefaultNamespace() (string, error)
}

// NewClientFactory returns the factory of the kubeconfig flags.
func NewClientFactory(cf *genericclioptions.ConfigFlags) ClientFactory {
	return configFlagsFactory{cf}
}

type configFlagsFactory struct {
	cf *genericclioptions.ConfigFlags
}

func (f configFlagsFactory) config(qps float32, burst int) (*rest.Config, error) {
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
	return cfg, nil
}

func (f configFlagsFactory) Clientset(qps float32, burst int) (kubernetes.Interface, error) {
	cfg, err := f.config(qps, burst)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

func (f configFlagsFactory) Metadata(qps float32, burst int) (metadata.Interface, error) {
	cfg, err := f.config(qps, burst)
	if err != nil {
		return nil, err
	}
	return metadata.NewForConfig(cfg)
}

func (f configFlagsFactory) RESTMapper() (meta.RESTMapper, error) { return f.cf.ToRESTMapper() }

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

func (f configFlagsFactory) DefaultNamespace() (string, error) {
	ns, _, err := f.cf.ToRawKubeConfigLoader().Namespace()
	return ns, err
}

// cluster is one connection to the API server, shared by every part of a
// command (`all` reads nodes, RBAC and workloads through one): the clients,
// and the metadata that every report of it carries, the server version
// read once.
type cluster struct {
	client kubernetes.Interface
	meta   metadata.Interface
	md     report.Metadata
}

// connect builds the clients with the given rate limits and reads the
// server version.
func connect(f ClientFactory, qps float32, burst int) (*cluster, error) {
	client, err := f.Clientset(qps, burst)
	if err != nil {
		return nil, err
	}
	meta, err := f.Metadata(qps, burst)
	if err != nil {
		return nil, err
	}
	c := &cluster{client: client, meta: meta, md: report.Metadata{Server: f.Server(), Context: f.Context(), Source: "cluster"}}
	sv, err := client.Discovery().ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("reading the server version from %s: %w", c.md.Server, err)
	}
	c.md.ServerVersion = sv.GitVersion
	return c, nil
}
