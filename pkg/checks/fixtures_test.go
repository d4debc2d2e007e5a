package checks

import (
	"strings"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// testNow is the fixed clock of every test.
var testNow = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// testBenchmark is the benchmark most node tests evaluate: the hardened
// control-plane fixture passes (or, for reviews, warns on) every control of
// it, and the goldens are pinned to it so that adding a benchmark edition
// changes none of them.
const testBenchmark = "cis-1.12"

func testOpts() EvalOptions { return EvalOptions{Benchmark: testBenchmark, Now: testNow} }

// ---- small builders ----

func addFile(n *evidence.Node, path string, mode uint32, uid, gid int) {
	n.Files[path] = &evidence.File{Path: path, Exists: true, Type: "file", Mode: mode, UID: uid, GID: gid, Size: 100}
}

func addDir(n *evidence.Node, path string, mode uint32, uid, gid int) {
	n.Files[path] = &evidence.File{Path: path, Exists: true, Type: "dir", Mode: mode, UID: uid, GID: gid, Size: 4096}
}

func addMissing(n *evidence.Node, paths ...string) {
	for _, p := range paths {
		if _, ok := n.Files[p]; !ok {
			n.Files[p] = &evidence.File{Path: p}
		}
	}
}

// setFlag replaces every occurrence of a flag of a component (or appends it).
func setFlag(n *evidence.Node, c evidence.Component, flag, value string) {
	delFlag(n, c, flag)
	p := n.Processes[c]
	p.Args = append(p.Args, "--"+flag+"="+value)
}

func delFlag(n *evidence.Node, c evidence.Component, flag string) {
	p := n.Processes[c]
	var out []string
	for _, a := range p.Args {
		if a == "--"+flag || strings.HasPrefix(a, "--"+flag+"=") {
			continue
		}
		out = append(out, a)
	}
	p.Args = out
}

func proc(pid int, args ...string) *evidence.Process { return &evidence.Process{PID: pid, Args: args} }

func addCert(n *evidence.Node, path, subject, signedBy string, isCA bool, notAfter time.Time) {
	c := &evidence.Certificate{
		Path: path, Subject: "CN=" + subject, NotBefore: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), NotAfter: notAfter,
		IsCA: isCA, KeyAlgorithm: "RSA", KeyBits: 2048, SignedBy: signedBy,
	}
	if signedBy == path {
		c.SelfSigned = true
	}
	if s := n.Certificates[signedBy]; s != nil {
		c.Issuer = s.Subject
	}
	n.Certificates[path] = c
}

// ---- kubeadm layout ----

const kubeletConfigKubeadm = `apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
  webhook:
    cacheAuthorizedTTL: 0s
    cacheUnauthorizedTTL: 0s
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
containerRuntimeEndpoint: ""
cpuManagerReconcilePeriod: 0s
evictionPressureTransitionPeriod: 0s
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageMinimumGCAge: 0s
kind: KubeletConfiguration
logging: {}
memorySwap: {}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
`

const kubeProxyConfigKubeadm = `apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
clientConnection:
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
clusterCIDR: 10.244.0.0/16
kind: KubeProxyConfiguration
metricsBindAddress: ""
mode: iptables
`

const (
	kubeletConfigPath = "/var/lib/kubelet/config.yaml"
	proxyConfigFile   = "/var/lib/kube-proxy/config.conf"
	kubeadmUnit       = "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
	cniConf           = "/etc/cni/net.d/10-kindnet.conflist"
)

func kubeletProc(name string) *evidence.Process {
	return proc(700, "/usr/bin/kubelet", "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
		"--kubeconfig=/etc/kubernetes/kubelet.conf", "--config=/var/lib/kubelet/config.yaml",
		"--container-runtime-endpoint=unix:///run/containerd/containerd.sock", "--node-ip=172.18.0.3",
		"--pod-infra-container-image=registry.k8s.io/pause:3.10", "--provider-id=kind://docker/kind/"+name)
}

func kubeProxyProc(name string) *evidence.Process {
	return proc(900, "/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override="+name)
}

// baseNode has what every kubeadm node has: a kubelet, kube-proxy, their
// files and the host's users.
func baseNode(name string) *evidence.Node {
	n := &evidence.Node{
		Schema: evidence.SchemaVersion, NodeName: name, CollectedAt: testNow, CollectorVersion: "1",
		Processes: map[evidence.Component]*evidence.Process{
			evidence.Kubelet:   kubeletProc(name),
			evidence.KubeProxy: kubeProxyProc(name),
		},
		Files:        map[string]*evidence.File{},
		Users:        map[int]string{0: "root", 1: "daemon", 65534: "nobody"},
		Groups:       map[int]string{0: "root", 1: "daemon", 65534: "nogroup"},
		Configs:      map[string]string{kubeletConfigPath: kubeletConfigKubeadm, proxyConfigFile: kubeProxyConfigKubeadm},
		Certificates: map[string]*evidence.Certificate{},
	}
	addFile(n, kubeadmUnit, 0o644, 0, 0)
	addMissing(n, evidence.KubeletUnits...)
	addFile(n, "/etc/kubernetes/kubelet.conf", 0o600, 0, 0)
	addFile(n, kubeletConfigPath, 0o644, 0, 0)
	addMissing(n, evidence.KubeletConfigs...)
	addMissing(n, evidence.KubeletKubeconfigs...)
	addFile(n, proxyConfigFile, 0o644, 0, 0)
	addFile(n, "/var/lib/kube-proxy/kubeconfig.conf", 0o644, 0, 0)
	addMissing(n, evidence.ProxyKubeconfigs...)
	addDir(n, "/etc/cni/net.d", 0o755, 0, 0)
	addFile(n, cniConf, 0o644, 0, 0)
	addMissing(n, evidence.CNIDirs...)
	addDir(n, pkiDir, 0o755, 0, 0)
	addFile(n, pkiDir+"/ca.crt", 0o644, 0, 0)
	addCert(n, pkiDir+"/ca.crt", "kubernetes", pkiDir+"/ca.crt", true, time.Date(2035, 11, 1, 0, 0, 0, 0, time.UTC))
	return n
}

// kubeadmWorker is a kubeadm (kind) worker node with kubeadm's defaults.
func kubeadmWorker() *evidence.Node { return baseNode("kind-worker") }

// kubeadmControlPlane is a kubeadm (kind) control-plane node with kubeadm's
// defaults: profiling on, no audit log, no encryption, /var/lib/etcd
// root:root and no etcd user on the host.
func kubeadmControlPlane() *evidence.Node {
	n := baseNode("kind-control-plane")
	n.Processes[evidence.APIServer] = proc(100, "kube-apiserver", "--advertise-address=172.18.0.3", "--allow-privileged=true",
		"--authorization-mode=Node,RBAC", "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--enable-admission-plugins=NodeRestriction",
		"--enable-bootstrap-token-auth=true", "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
		"--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt", "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
		"--etcd-servers=https://127.0.0.1:2379", "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
		"--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key", "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
		"--proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt", "--proxy-client-key-file=/etc/kubernetes/pki/front-proxy-client.key",
		"--requestheader-allowed-names=front-proxy-client", "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-", "--requestheader-group-headers=X-Remote-Group",
		"--requestheader-username-headers=X-Remote-User", "--runtime-config=", "--secure-port=6443",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local", "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
		"--service-account-signing-key-file=/etc/kubernetes/pki/sa.key", "--service-cluster-ip-range=10.96.0.0/16",
		"--tls-cert-file=/etc/kubernetes/pki/apiserver.crt", "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key")
	n.Processes[evidence.ControllerManager] = proc(200, "kube-controller-manager", "--allocate-node-cidrs=true",
		"--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf", "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf",
		"--bind-address=127.0.0.1", "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--cluster-cidr=10.244.0.0/16", "--cluster-name=kind",
		"--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt", "--cluster-signing-key-file=/etc/kubernetes/pki/ca.key",
		"--controllers=*,bootstrapsigner,tokencleaner", "--enable-hostpath-provisioner=true", "--kubeconfig=/etc/kubernetes/controller-manager.conf",
		"--leader-elect=true", "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt", "--root-ca-file=/etc/kubernetes/pki/ca.crt",
		"--service-account-private-key-file=/etc/kubernetes/pki/sa.key", "--service-cluster-ip-range=10.96.0.0/16", "--use-service-account-credentials=true")
	n.Processes[evidence.Scheduler] = proc(300, "kube-scheduler", "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
		"--authorization-kubeconfig=/etc/kubernetes/scheduler.conf", "--bind-address=127.0.0.1", "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true")
	n.Processes[evidence.Etcd] = proc(400, "etcd", "--advertise-client-urls=https://172.18.0.3:2379", "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
		"--client-cert-auth=true", "--data-dir=/var/lib/etcd", "--feature-gates=InitialCorruptCheck=true", "--key-file=/etc/kubernetes/pki/etcd/server.key",
		"--listen-client-urls=https://127.0.0.1:2379,https://172.18.0.3:2379", "--listen-metrics-urls=http://127.0.0.1:2381",
		"--listen-peer-urls=https://172.18.0.3:2380", "--name=kind-control-plane", "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
		"--peer-client-cert-auth=true", "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key", "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
		"--snapshot-count=10000", "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt")

	for _, m := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"} {
		addFile(n, "/etc/kubernetes/manifests/"+m+".yaml", 0o600, 0, 0)
	}
	for _, l := range [][]string{evidence.APIServerManifests, evidence.ControllerManagerManifests, evidence.SchedulerManifests, evidence.EtcdManifests, evidence.EtcdDataDirs} {
		addMissing(n, l...)
	}
	addDir(n, "/var/lib/etcd", 0o700, 0, 0)
	addFile(n, "/etc/kubernetes/admin.conf", 0o600, 0, 0)
	addFile(n, "/etc/kubernetes/super-admin.conf", 0o600, 0, 0)
	addFile(n, "/etc/kubernetes/scheduler.conf", 0o600, 0, 0)
	addFile(n, "/etc/kubernetes/controller-manager.conf", 0o600, 0, 0)
	for _, l := range [][]string{evidence.AdminKubeconfigs, evidence.SchedulerKubeconfigs, evidence.ControllerManagerKubeconfigs} {
		addMissing(n, l...)
	}

	addDir(n, pkiDir+"/etcd", 0o755, 0, 0)
	expires := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ca, eca, fpca := pkiDir+"/ca.crt", pkiDir+"/etcd/ca.crt", pkiDir+"/front-proxy-ca.crt"
	addCert(n, eca, "etcd-ca", eca, true, time.Date(2035, 11, 1, 0, 0, 0, 0, time.UTC))
	addCert(n, fpca, "front-proxy-ca", fpca, true, time.Date(2035, 11, 1, 0, 0, 0, 0, time.UTC))
	leaves := map[string]string{
		"apiserver": ca, "apiserver-kubelet-client": ca, "apiserver-etcd-client": eca, "front-proxy-client": fpca,
		"etcd/server": eca, "etcd/peer": eca, "etcd/healthcheck-client": eca,
	}
	for leaf, signer := range leaves {
		addCert(n, pkiDir+"/"+leaf+".crt", leaf, signer, false, expires)
	}
	for _, base := range []string{"ca", "front-proxy-ca", "etcd/ca", "apiserver", "apiserver-kubelet-client", "apiserver-etcd-client",
		"front-proxy-client", "etcd/server", "etcd/peer", "etcd/healthcheck-client"} {
		addFile(n, pkiDir+"/"+base+".crt", 0o644, 0, 0)
		addFile(n, pkiDir+"/"+base+".key", 0o600, 0, 0)
	}
	addFile(n, pkiDir+"/sa.key", 0o600, 0, 0)
	addFile(n, pkiDir+"/sa.pub", 0o644, 0, 0)
	return n
}

var strongCiphers = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"

const kubeletConfigHardened = kubeletConfigKubeadm + `serverTLSBootstrap: true
podPidsLimit: 4096
seccompDefault: true
tlsCipherSuites:
- TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
- TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
- TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
`

// hardenedControlPlane is the kubeadm control plane with every control
// remediated: the baseline on which each test breaks one thing.
func hardenedControlPlane() *evidence.Node {
	n := kubeadmControlPlane()
	api := evidence.APIServer
	setFlag(n, api, "anonymous-auth", "false")
	setFlag(n, api, "enable-admission-plugins", "NodeRestriction,DenyServiceExternalIPs,EventRateLimit,AlwaysPullImages")
	setFlag(n, api, "kubelet-certificate-authority", "/etc/kubernetes/pki/ca.crt")
	setFlag(n, api, "profiling", "false")
	setFlag(n, api, "audit-log-path", "/var/log/kubernetes/audit/audit.log")
	setFlag(n, api, "audit-log-maxage", "30")
	setFlag(n, api, "audit-log-maxbackup", "10")
	setFlag(n, api, "audit-log-maxsize", "100")
	setFlag(n, api, "audit-policy-file", "/etc/kubernetes/audit-policy.yaml")
	setFlag(n, api, "encryption-provider-config", "/etc/kubernetes/enc/encryption.yaml")
	setFlag(n, api, "tls-cipher-suites", strongCiphers)
	setFlag(n, api, "service-account-extend-token-expiration", "false")
	setFlag(n, api, "enable-bootstrap-token-auth", "false")
	n.EncryptionProviders = map[string][]string{"/etc/kubernetes/enc/encryption.yaml": {"aescbc", "identity"}}
	setFlag(n, evidence.ControllerManager, "profiling", "false")
	setFlag(n, evidence.ControllerManager, "terminated-pod-gc-threshold", "10")
	setFlag(n, evidence.Scheduler, "profiling", "false")

	n.Users[998], n.Groups[998] = "etcd", "etcd"
	n.Files["/var/lib/etcd"].UID, n.Files["/var/lib/etcd"].GID = 998, 998
	n.Files[cniConf].Mode = 0o600
	n.Files[kubeadmUnit].Mode = 0o600
	n.Files[kubeletConfigPath].Mode = 0o600
	n.Files["/var/lib/kube-proxy/kubeconfig.conf"].Mode = 0o600
	n.Configs[kubeletConfigPath] = kubeletConfigHardened
	n.Configs[proxyConfigFile] = strings.Replace(kubeProxyConfigKubeadm, `metricsBindAddress: ""`, "metricsBindAddress: 127.0.0.1:10249", 1)
	// The live kubelet agrees with its files (KH-KUBELET-1).
	n.KubeletConfigz = liveConfigz(n, nil)
	return n
}
