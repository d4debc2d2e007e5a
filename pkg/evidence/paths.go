package evidence

// Candidate paths on the host, in order of preference. The collector stats
// every one of them (and the paths named by the components' own flags);
// a control takes the path a component's flag names first, and otherwise the
// first candidate that exists. The lists follow the layouts of kubeadm, kind,
// k3s/RKE2, microk8s and the managed distributions.
var (
	// APIServerManifests are static pod manifests (or argument files) of kube-apiserver.
	APIServerManifests = staticPodManifests("kube-apiserver", "/var/snap/microk8s/current/args/kube-apiserver")
	// ControllerManagerManifests are static pod manifests of kube-controller-manager.
	ControllerManagerManifests = staticPodManifests("kube-controller-manager", "/var/snap/microk8s/current/args/kube-controller-manager")
	// SchedulerManifests are static pod manifests of kube-scheduler.
	SchedulerManifests = staticPodManifests("kube-scheduler", "/var/snap/microk8s/current/args/kube-scheduler")
	// EtcdManifests are static pod manifests or configuration files of etcd.
	EtcdManifests = staticPodManifests("etcd", "/etc/etcd/etcd.conf")
	// EtcdDataDirs are etcd data directories used when --data-dir is not on the command line.
	EtcdDataDirs = []string{
		"/var/lib/etcd", "/var/lib/etcd/default.etcd", "/var/lib/etcd/data.etcd",
		"/var/lib/rancher/k3s/server/db/etcd", "/var/lib/rancher/rke2/server/db/etcd", "/var/lib/k0s/etcd",
	}
	// AdminKubeconfigs are the cluster-admin kubeconfigs written by kubeadm.
	// (and by k3s, RKE2, k0s and MicroK8s).
	AdminKubeconfigs = []string{
		"/etc/kubernetes/admin.conf", "/etc/kubernetes/super-admin.conf",
		"/var/lib/rancher/k3s/server/cred/admin.kubeconfig", "/var/lib/rancher/rke2/server/cred/admin.kubeconfig",
		"/var/lib/k0s/pki/admin.conf", "/var/snap/microk8s/current/credentials/client.config",
	}
	// SchedulerKubeconfigs are kube-scheduler kubeconfigs when --kubeconfig is not given.
	SchedulerKubeconfigs = []string{
		"/etc/kubernetes/scheduler.conf", "/var/lib/kube-scheduler/kubeconfig",
		"/var/lib/rancher/k3s/server/cred/scheduler.kubeconfig", "/var/snap/microk8s/current/credentials/scheduler.config",
	}
	// ControllerManagerKubeconfigs are kube-controller-manager kubeconfigs when --kubeconfig is not given.
	ControllerManagerKubeconfigs = []string{
		"/etc/kubernetes/controller-manager.conf", "/var/lib/kube-controller-manager/kubeconfig",
		"/var/lib/rancher/k3s/server/cred/controller.kubeconfig", "/var/snap/microk8s/current/credentials/controller.config",
	}
	// PKIDirs are the directories whose whole tree is stat-ed (and whose *.crt are parsed).
	// (kubeadm's, then those of k3s, RKE2, k0s and MicroK8s).
	PKIDirs = []string{
		"/etc/kubernetes/pki", "/var/lib/rancher/k3s/server/tls", "/var/lib/rancher/rke2/server/tls",
		"/var/lib/k0s/pki", "/var/snap/microk8s/current/certs",
	}
	// OpenShiftStaticPodResources is where OpenShift's static pod installers
	// write each revision's and each component's certs directory's
	// configmaps and secrets (openshift/library-go
	// pkg/operator/staticpod/installerpod/cmd.go): the entries of its
	// secrets are only stat-ed, never read.
	OpenShiftStaticPodResources = "/etc/kubernetes/static-pod-resources"
	// StaticPodDirs are static pod manifest directories whose files are
	// stat-ed (the kubelet's own staticPodPath is added by the collector).
	StaticPodDirs = []string{"/etc/kubernetes/manifests"}
	// KubeletPKIDirs are the kubelet's certificate directories (--cert-dir);
	// their *.crt are parsed, their keys only stat-ed.
	KubeletPKIDirs = []string{"/var/lib/kubelet/pki"}
	// CNIDirs are the CNI configuration and state directories whose files are stat-ed.
	CNIDirs = []string{"/etc/cni/net.d", "/var/lib/cni/networks"}
	// KubeletUnits are systemd unit files and drop-ins of the kubelet.
	KubeletUnits = []string{
		"/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
		"/etc/systemd/system/kubelet.service", "/lib/systemd/system/kubelet.service", "/usr/lib/systemd/system/kubelet.service",
	}
	// KubeletConfigs are kubelet config files used when the kubelet has no --config flag.
	// (kubeadm, EKS AL2023 and AL2, GKE, Bottlerocket, AKS). The kubelet's
	// own --config always decides; these are only mentioned when it has none.
	KubeletConfigs = []string{
		"/var/lib/kubelet/config.yaml", "/etc/kubernetes/kubelet-config.yaml", "/etc/kubernetes/kubelet/config.json",
		"/etc/kubernetes/kubelet/kubelet-config.json", "/home/kubernetes/kubelet-config.yaml", "/etc/kubernetes/kubelet/config",
		"/etc/default/kubeletconfig.json",
	}
	// KubeletEnvFiles are EnvironmentFiles of kubelet units whose variables
	// carry kubelet flags (AKS KUBELET_FLAGS and GKE KUBELET_OPTS in
	// /etc/default/kubelet, kubeadm KUBELET_EXTRA_ARGS, EKS AL2023
	// NODEADM_KUBELET_ARGS). Only the process's command line decides; the
	// files are collected (secret values redacted) to show where flags came from.
	KubeletEnvFiles = []string{"/etc/default/kubelet", "/etc/sysconfig/kubelet", "/var/lib/kubelet/kubeadm-flags.env", "/etc/eks/kubelet/environment"}
	// KubeletKubeconfigs are kubelet kubeconfigs used when the kubelet has no --kubeconfig flag.
	KubeletKubeconfigs = []string{"/etc/kubernetes/kubelet.conf", "/var/lib/kubelet/kubeconfig", "/etc/kubernetes/kubelet/kubeconfig"}
	// KubeletClientCAs are client CA files used when neither flag nor config names one.
	KubeletClientCAs = []string{"/etc/kubernetes/pki/ca.crt", "/var/lib/rancher/k3s/agent/client-ca.crt"}
	// ProxyKubeconfigs are kube-proxy kubeconfigs used when kube-proxy has no --kubeconfig flag.
	ProxyKubeconfigs = []string{"/etc/kubernetes/proxy.conf", "/var/lib/kube-proxy/kubeconfig.conf", "/var/lib/kube-proxy/kubeconfig"}
	// DistroStatFiles are files of distributions' layouts that no running
	// process's flag names (the flags of MicroK8s's components are in its
	// arguments files; k3s's kube-proxy may have no log line): only stat-ed.
	DistroStatFiles = []string{
		"/var/lib/rancher/k3s/agent/kubelet.kubeconfig", "/var/lib/rancher/k3s/agent/kubeproxy.kubeconfig",
		"/var/snap/microk8s/current/credentials/kubelet.config", "/var/snap/microk8s/current/credentials/proxy.config",
		"/var/snap/microk8s/current/certs/ca.crt",
		OpenShiftNodeKubeconfig,
	}
	// OpenShiftNodeKubeconfig is the kubeconfig the machine-config operator
	// writes on every OpenShift node (the kubelet's --bootstrap-kubeconfig;
	// openshift/machine-config-operator templates/*/kubelet.service.yaml).
	OpenShiftNodeKubeconfig = "/etc/kubernetes/kubeconfig"
	// DistroConfigs are the config files of k3s and RKE2, and DistroConfigDirs
	// their drop-in directories (*.yaml read after the file, in lexical
	// order; k3s-io/k3s pkg/configfilearg): only the keys that pass
	// component arguments (kube-apiserver-arg, kubelet-arg, ...) and a few
	// hardening keys are collected, never the token.
	DistroConfigs    = []string{"/etc/rancher/k3s/config.yaml", "/etc/rancher/rke2/config.yaml"}
	DistroConfigDirs = []string{"/etc/rancher/k3s/config.yaml.d", "/etc/rancher/rke2/config.yaml.d"}
	// EtcdConfigFiles are the etcd config files k3s and RKE2 write for the
	// etcd they run (the whole configuration of that etcd: RKE2 starts it
	// with --config-file, k3s embeds it).
	EtcdConfigFiles = []string{"/var/lib/rancher/k3s/server/db/etcd/config", "/var/lib/rancher/rke2/server/db/etcd/config"}
	// DistroKubeletDropIns are kubelet --config-dir directories of embedded
	// kubelets, whose flags the collector cannot read from a process (k3s:
	// its "Running kubelet" log line names the directory).
	DistroKubeletDropIns = []string{"/var/lib/rancher/k3s/agent/etc/kubelet.conf.d"}
	// MicroK8sArgsDir holds one arguments file per component, which the
	// kubelite process reads (canonical/microk8s
	// microk8s-resources/wrappers/run-kubelite-with-args).
	MicroK8sArgsDir = "/var/snap/microk8s/current/args"
	// MicroK8sKubeliteArgs is kubelite's own arguments file
	// (--start-control-plane=false on a node joined as a worker).
	MicroK8sKubeliteArgs = MicroK8sArgsDir + "/kubelite"
	// MicroK8sArgsFiles are the components' arguments files of MicroK8s.
	MicroK8sArgsFiles = map[Component]string{
		APIServer: MicroK8sArgsDir + "/kube-apiserver", ControllerManager: MicroK8sArgsDir + "/kube-controller-manager",
		Scheduler: MicroK8sArgsDir + "/kube-scheduler", Kubelet: MicroK8sArgsDir + "/kubelet", KubeProxy: MicroK8sArgsDir + "/kube-proxy",
	}
	// ProxyConfigs are kube-proxy config files used when kube-proxy has no --config flag.
	ProxyConfigs = []string{"/var/lib/kube-proxy/config.conf"}
)

// FirstExisting returns the first of the paths that was seen to exist, or "".
func (n *Node) FirstExisting(paths ...string) string {
	for _, p := range paths {
		if f := n.File(p); f != nil && f.Exists {
			return p
		}
	}
	return ""
}

// FlagFile is a component flag whose value names a file or directory that
// the collector reads inside the component's root, and how it reads it
// (a collector target kind: stat, cert, tree, certtree, kubeletconfig,
// proxyconfig or encryption; see pkg/debugpod/collector.sh).
type FlagFile struct {
	Flag string
	Kind string
}

// FlagFiles lists, per component, the flags whose files the collector
// reads. It is the single source of the list: package debugpod passes it to
// the collector (HARDEN_TARGET_FLAGS), so a control can rely on the file
// named by any flag here having been collected.
var FlagFiles = map[Component][]FlagFile{
	Kubelet: {
		{"config", "kubeletconfig"}, {"config-dir", "kubeletdropins"}, {"kubeconfig", "stat"}, {"bootstrap-kubeconfig", "stat"},
		{"client-ca-file", "cert"}, {"tls-cert-file", "cert"}, {"tls-private-key-file", "stat"},
		{"cni-conf-dir", "tree"}, {"cert-dir", "certtree"}, {"pod-manifest-path", "tree"},
	},
	APIServer: {
		{"encryption-provider-config", "encryption"}, {"audit-policy-file", "stat"}, {"audit-log-path", "stat"},
		{"client-ca-file", "cert"}, {"tls-cert-file", "cert"}, {"tls-private-key-file", "stat"},
		{"kubelet-client-certificate", "cert"}, {"kubelet-client-key", "stat"}, {"kubelet-certificate-authority", "cert"},
		{"etcd-cafile", "cert"}, {"etcd-certfile", "cert"}, {"etcd-keyfile", "stat"},
		{"service-account-key-file", "stat"}, {"service-account-signing-key-file", "stat"}, {"token-auth-file", "stat"},
		{"requestheader-client-ca-file", "cert"}, {"proxy-client-cert-file", "cert"}, {"proxy-client-key-file", "stat"},
		{"authentication-config", "stat"}, {"authorization-config", "stat"}, {"admission-control-config-file", "stat"},
		// OpenShift: the KubeAPIServerConfig whose apiServerArguments
		// carry most of the API server's flags.
		{"openshift-config", "config"},
	},
	ControllerManager: {
		{"kubeconfig", "stat"}, {"authentication-kubeconfig", "stat"}, {"authorization-kubeconfig", "stat"},
		{"root-ca-file", "cert"}, {"service-account-private-key-file", "stat"}, {"cluster-signing-cert-file", "cert"},
		{"cluster-signing-key-file", "stat"}, {"client-ca-file", "cert"}, {"requestheader-client-ca-file", "cert"},
		{"tls-cert-file", "cert"}, {"tls-private-key-file", "stat"},
	},
	Scheduler: {
		{"kubeconfig", "stat"}, {"authentication-kubeconfig", "stat"}, {"authorization-kubeconfig", "stat"},
		{"config", "stat"}, {"client-ca-file", "cert"}, {"requestheader-client-ca-file", "cert"},
		{"tls-cert-file", "cert"}, {"tls-private-key-file", "stat"},
	},
	Etcd: {
		{"data-dir", "stat"}, {"cert-file", "cert"}, {"key-file", "stat"}, {"trusted-ca-file", "cert"},
		{"peer-cert-file", "cert"}, {"peer-key-file", "stat"}, {"peer-trusted-ca-file", "cert"}, {"config-file", "stat"},
	},
	KubeProxy: {{"config", "proxyconfig"}, {"kubeconfig", "stat"}},
}

// staticPodManifests are the places of a control-plane component's static
// pod manifest: kubeadm's (and kind's) .yaml, then .yml and .manifest,
// other (its arguments file on MicroK8s, etcd's config file), RKE2's
// pod-manifests, and OpenShift 4's NAME-pod.yaml.
func staticPodManifests(name, other string) []string {
	return []string{
		"/etc/kubernetes/manifests/" + name + ".yaml", "/etc/kubernetes/manifests/" + name + ".yml",
		"/etc/kubernetes/manifests/" + name + ".manifest", other,
		"/var/lib/rancher/rke2/agent/pod-manifests/" + name + ".yaml",
		"/etc/kubernetes/manifests/" + name + "-pod.yaml",
	}
}
