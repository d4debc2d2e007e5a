package checks

import (
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/internal/enginetest"
	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// resultOf evaluates a node and returns one control's result.
func resultOf(t *testing.T, n *evidence.Node, id string) Result {
	t.Helper()
	tr := EvaluateNode(n, testOpts())
	for _, r := range tr.Results {
		if r.ControlID == id {
			return r
		}
	}
	t.Fatalf("control %s not in report", id)
	return Result{}
}

// editConfig rewrites a collected YAML config through a map.
func editConfig(n *evidence.Node, path string, edit func(m map[string]any)) {
	var m map[string]any
	if err := yaml.Unmarshal([]byte(n.Configs[path]), &m); err != nil {
		panic(err)
	}
	edit(m)
	b, err := yaml.Marshal(m)
	if err != nil {
		panic(err)
	}
	n.Configs[path] = string(b)
}

func editKubelet(edit func(m map[string]any)) func(*evidence.Node) {
	return func(n *evidence.Node) { editConfig(n, kubeletConfigPath, edit) }
}

func sub(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

func chmod(path string, mode uint32) func(*evidence.Node) {
	return func(n *evidence.Node) { n.Files[path].Mode = mode }
}

func chown(path string, uid, gid int) func(*evidence.Node) {
	return func(n *evidence.Node) { n.Files[path].UID, n.Files[path].GID = uid, gid }
}

func remove(path string) func(*evidence.Node) {
	return func(n *evidence.Node) { n.Files[path] = &evidence.File{Path: path} }
}

func flag(c evidence.Component, f, v string) func(*evidence.Node) {
	return func(n *evidence.Node) { setFlag(n, c, f, v) }
}

func noFlag(c evidence.Component, f string) func(*evidence.Node) {
	return func(n *evidence.Node) { delFlag(n, c, f) }
}

func all(fs ...func(*evidence.Node)) func(*evidence.Node) {
	return func(n *evidence.Node) {
		for _, f := range fs {
			f(n)
		}
	}
}

// wantOnHardened is the verdict of every control on the remediated
// control plane: PASS except the controls that always need a reviewer.
func wantOnHardened(id string) Status {
	switch id {
	case "1.2.20", "3.1.1", "3.1.2", "3.2.2":
		return StatusWarn
	}
	return StatusPass
}

func TestHardenedControlPlanePassesEveryControl(t *testing.T) {
	tr := EvaluateNode(hardenedControlPlane(), testOpts())
	if len(tr.Results) != len(NodeControls(testBenchmark)) {
		t.Fatalf("got %d results for %d controls", len(tr.Results), len(NodeControls(testBenchmark)))
	}
	for _, r := range tr.Results {
		if want := wantOnHardened(r.ControlID); r.Status != want {
			t.Errorf("%s: got %s (%s), want %s; evidence %v", r.ControlID, r.Status, r.Reason, want, r.Evidence)
		}
		if r.Status == StatusWarn && len(r.Evidence) == 0 {
			t.Errorf("%s: WARN without evidence", r.ControlID)
		}
	}
}

const (
	api   = evidence.APIServer
	kcm   = evidence.ControllerManager
	sched = evidence.Scheduler
	etcd  = evidence.Etcd
	klt   = evidence.Kubelet
	kpx   = evidence.KubeProxy
)

type controlCase struct {
	id, name string
	mutate   func(*evidence.Node)
	want     Status
	// reason, when set, must appear in the result's reason.
	reason string
}

// breakingCases break one control at a time on the hardened control plane.
// Every control has at least one case whose verdict is not PASS
// (TestEveryControlHasABreakingCase).
var breakingCases = []controlCase{
	{"1.1.1", "mode 644", chmod("/etc/kubernetes/manifests/kube-apiserver.yaml", 0o644), StatusFail, "0644"},
	{"1.1.1", "manifest absent", remove("/etc/kubernetes/manifests/kube-apiserver.yaml"), StatusError, "no kube-apiserver manifest"},
	{"1.1.1", "manifest never collected", func(n *evidence.Node) {
		for _, p := range evidence.APIServerManifests {
			delete(n.Files, p)
		}
	}, StatusError, "not collected"},
	{"1.1.1", "stat error", func(n *evidence.Node) {
		n.Files["/etc/kubernetes/manifests/kube-apiserver.yaml"].Error = "permission denied"
	}, StatusError, ""},
	{"1.1.2", "owned by uid 1000", chown("/etc/kubernetes/manifests/kube-apiserver.yaml", 1000, 0), StatusFail, "(1000:0)"},
	{"1.1.3", "mode 640", chmod("/etc/kubernetes/manifests/kube-controller-manager.yaml", 0o640), StatusFail, ""},
	{"1.1.4", "group daemon", chown("/etc/kubernetes/manifests/kube-controller-manager.yaml", 0, 1), StatusFail, "root:daemon"},
	{"1.1.5", "mode 604", chmod("/etc/kubernetes/manifests/kube-scheduler.yaml", 0o604), StatusFail, ""},
	{"1.1.6", "owned by nobody", chown("/etc/kubernetes/manifests/kube-scheduler.yaml", 65534, 65534), StatusFail, "nobody:nogroup"},
	{"1.1.7", "mode 644", chmod("/etc/kubernetes/manifests/etcd.yaml", 0o644), StatusFail, ""},
	{"1.1.7", "external etcd, no manifest", all(remove("/etc/kubernetes/manifests/etcd.yaml"), func(n *evidence.Node) { delete(n.Processes, etcd) }), StatusNA, "etcd is not running"},
	{"1.1.8", "owned by daemon", chown("/etc/kubernetes/manifests/etcd.yaml", 1, 1), StatusFail, ""},
	{"1.1.9", "conflist 644", chmod(cniConf, 0o644), StatusFail, cniConf},
	{"1.1.9", "no CNI files", func(n *evidence.Node) { delete(n.Files, cniConf) }, StatusNA, ""},
	{"1.1.10", "conflist owned by 1000", chown(cniConf, 1000, 1000), StatusFail, ""},
	{"1.1.11", "data dir 755", chmod("/var/lib/etcd", 0o755), StatusFail, ""},
	{"1.1.11", "ETCD_DATA_DIR names an uncollected dir", func(n *evidence.Node) {
		delFlag(n, etcd, "data-dir")
		n.Processes[etcd].Env = map[string]string{"ETCD_DATA_DIR": "/data/etcd"}
	}, StatusError, "/data/etcd"},
	{"1.1.12", "kubeadm layout: root:root, no etcd user", func(n *evidence.Node) {
		delete(n.Users, 998)
		delete(n.Groups, 998)
		chown("/var/lib/etcd", 0, 0)(n)
	}, StatusFail, "kubeadm"},
	{"1.1.12", "owned by another uid than the host's etcd user", chown("/var/lib/etcd", 997, 997), StatusFail, "(997:997)"},
	{"1.1.12", "host users not collected", func(n *evidence.Node) { n.Users, n.Groups = nil, nil }, StatusError, "not collected"},
	{"1.1.13", "admin.conf 644", chmod("/etc/kubernetes/admin.conf", 0o644), StatusFail, "admin.conf"},
	{"1.1.13", "no admin kubeconfig", all(remove("/etc/kubernetes/admin.conf"), remove("/etc/kubernetes/super-admin.conf")), StatusNA, "no admin kubeconfig"},
	{"1.1.14", "super-admin.conf owned by 1000", chown("/etc/kubernetes/super-admin.conf", 1000, 0), StatusFail, "super-admin.conf"},
	{"1.1.15", "scheduler.conf 644", chmod("/etc/kubernetes/scheduler.conf", 0o644), StatusFail, ""},
	{"1.1.15", "--kubeconfig names an uncollected file", flag(sched, "kubeconfig", "/srv/sched.kubeconfig"), StatusError, "/srv/sched.kubeconfig"},
	{"1.1.16", "scheduler.conf owned by 1000", chown("/etc/kubernetes/scheduler.conf", 1000, 0), StatusFail, ""},
	{"1.1.17", "controller-manager.conf 660", chmod("/etc/kubernetes/controller-manager.conf", 0o660), StatusFail, ""},
	{"1.1.18", "controller-manager.conf group 1", chown("/etc/kubernetes/controller-manager.conf", 0, 1), StatusFail, ""},
	{"1.1.19", "a key owned by 1000", chown(pkiDir+"/sa.key", 1000, 0), StatusFail, "sa.key"},
	{"1.1.19", "pki dir absent", remove(pkiDir), StatusError, ""},
	{"1.1.20", "crt 666", chmod(pkiDir+"/apiserver.crt", 0o666), StatusFail, "apiserver.crt"},
	{"1.1.21", "key 640", chmod(pkiDir+"/etcd/peer.key", 0o640), StatusFail, "peer.key"},

	{"1.2.1", "flag unset", noFlag(api, "anonymous-auth"), StatusFail, "not set"},
	{"1.2.1", "flag true", flag(api, "anonymous-auth", "true"), StatusFail, ""},
	{"1.2.1", "structured authn config", all(noFlag(api, "anonymous-auth"), flag(api, "authentication-config", "/etc/kubernetes/authn.yaml")), StatusWarn, "authn.yaml"},
	{"1.2.2", "token file", flag(api, "token-auth-file", "/etc/kubernetes/tokens.csv"), StatusFail, ""},
	{"1.2.3", "plugin missing", flag(api, "enable-admission-plugins", "NodeRestriction"), StatusFail, ""},
	{"1.2.4", "no client key", noFlag(api, "kubelet-client-key"), StatusFail, "--kubelet-client-key"},
	{"1.2.5", "no kubelet CA", noFlag(api, "kubelet-certificate-authority"), StatusFail, ""},
	{"1.2.6", "AlwaysAllow listed", flag(api, "authorization-mode", "AlwaysAllow,Node,RBAC"), StatusFail, ""},
	{"1.2.6", "flag unset: default AlwaysAllow", noFlag(api, "authorization-mode"), StatusFail, "AlwaysAllow"},
	{"1.2.6", "structured authz config", all(noFlag(api, "authorization-mode"), flag(api, "authorization-config", "/etc/kubernetes/authz.yaml")), StatusWarn, ""},
	{"1.2.7", "RBAC only", flag(api, "authorization-mode", "RBAC"), StatusFail, ""},
	{"1.2.8", "Node only", flag(api, "authorization-mode", "Node"), StatusFail, ""},
	{"1.2.9", "no EventRateLimit", flag(api, "enable-admission-plugins", "NodeRestriction"), StatusFail, ""},
	{"1.2.10", "AlwaysAdmit", flag(api, "enable-admission-plugins", "NodeRestriction,AlwaysAdmit"), StatusFail, ""},
	{"1.2.11", "no AlwaysPullImages", flag(api, "enable-admission-plugins", "NodeRestriction"), StatusFail, ""},
	{"1.2.12", "ServiceAccount disabled", flag(api, "disable-admission-plugins", "ServiceAccount"), StatusFail, ""},
	{"1.2.13", "NamespaceLifecycle disabled", flag(api, "disable-admission-plugins", "PodSecurity,NamespaceLifecycle"), StatusFail, ""},
	{"1.2.14", "not enabled", flag(api, "enable-admission-plugins", "EventRateLimit"), StatusFail, ""},
	{"1.2.14", "enabled but also disabled", flag(api, "disable-admission-plugins", "NodeRestriction"), StatusFail, "disable"},
	{"1.2.15", "profiling unset", noFlag(api, "profiling"), StatusFail, "default true"},
	{"1.2.16", "no audit log", noFlag(api, "audit-log-path"), StatusFail, ""},
	{"1.2.17", "7 days", flag(api, "audit-log-maxage", "7"), StatusFail, "below 30"},
	{"1.2.17", "not a number", flag(api, "audit-log-maxage", "thirty"), StatusFail, "not a number"},
	{"1.2.17", "unset", noFlag(api, "audit-log-maxage"), StatusFail, ""},
	{"1.2.18", "5 backups", flag(api, "audit-log-maxbackup", "5"), StatusFail, ""},
	{"1.2.19", "50 MB", flag(api, "audit-log-maxsize", "50"), StatusFail, ""},
	{"1.2.20", "always reviewed", func(*evidence.Node) {}, StatusWarn, "1m0s (default)"},
	{"1.2.20", "explicit value shown", flag(api, "request-timeout", "5m"), StatusWarn, "5m"},
	{"1.2.21", "lookup off", flag(api, "service-account-lookup", "false"), StatusFail, ""},
	{"1.2.22", "no key file", noFlag(api, "service-account-key-file"), StatusFail, ""},
	{"1.2.23", "no etcd key", noFlag(api, "etcd-keyfile"), StatusFail, ""},
	{"1.2.24", "no serving cert", noFlag(api, "tls-cert-file"), StatusFail, ""},
	{"1.2.25", "no client CA", noFlag(api, "client-ca-file"), StatusFail, ""},
	{"1.2.26", "no etcd CA", noFlag(api, "etcd-cafile"), StatusFail, ""},
	{"1.2.27", "no encryption config", noFlag(api, "encryption-provider-config"), StatusFail, ""},
	{"1.2.28", "identity first", func(n *evidence.Node) {
		n.EncryptionProviders["/etc/kubernetes/enc/encryption.yaml"] = []string{"identity", "aescbc"}
	}, StatusFail, "identity"},
	{"1.2.28", "aesgcm first", func(n *evidence.Node) {
		n.EncryptionProviders["/etc/kubernetes/enc/encryption.yaml"] = []string{"aesgcm"}
	}, StatusFail, "aesgcm"},
	{"1.2.28", "config not collected", func(n *evidence.Node) { n.EncryptionProviders = nil }, StatusError, "not collected"},
	{"1.2.28", "no encryption config", noFlag(api, "encryption-provider-config"), StatusFail, "unencrypted"},
	{"1.2.29", "a CBC suite", flag(api, "tls-cipher-suites", strongCiphers+",TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"), StatusFail, "CBC_SHA"},
	{"1.2.29", "unset: Go defaults", noFlag(api, "tls-cipher-suites"), StatusFail, "Go's default"},
	{"1.2.30", "unset", noFlag(api, "service-account-extend-token-expiration"), StatusFail, ""},

	{"1.3.1", "unset", noFlag(kcm, "terminated-pod-gc-threshold"), StatusWarn, "12500"},
	{"1.3.2", "profiling unset", noFlag(kcm, "profiling"), StatusFail, ""},
	{"1.3.3", "shared credentials", flag(kcm, "use-service-account-credentials", "false"), StatusFail, ""},
	{"1.3.3", "unset", noFlag(kcm, "use-service-account-credentials"), StatusFail, "default false"},
	{"1.3.4", "no signing key", noFlag(kcm, "service-account-private-key-file"), StatusFail, ""},
	{"1.3.5", "no root CA", noFlag(kcm, "root-ca-file"), StatusFail, ""},
	{"1.3.6", "gate off", flag(kcm, "feature-gates", "Foo=true,RotateKubeletServerCertificate=false"), StatusFail, ""},
	{"1.3.7", "unset: default 0.0.0.0", noFlag(kcm, "bind-address"), StatusFail, "0.0.0.0"},
	{"1.3.7", "all interfaces", flag(kcm, "bind-address", "0.0.0.0"), StatusFail, ""},
	{"1.4.1", "profiling true", flag(sched, "profiling", "true"), StatusFail, ""},
	{"1.4.2", "node IP", flag(sched, "bind-address", "172.18.0.3"), StatusFail, ""},

	{"2.1", "no key file", noFlag(etcd, "key-file"), StatusFail, ""},
	{"2.2", "off", flag(etcd, "client-cert-auth", "false"), StatusFail, ""},
	{"2.2", "unset: default false", noFlag(etcd, "client-cert-auth"), StatusFail, "default false"},
	{"2.3", "auto TLS by flag", flag(etcd, "auto-tls", "true"), StatusFail, ""},
	{"2.3", "auto TLS by env", func(n *evidence.Node) { n.Processes[etcd].Env = map[string]string{"ETCD_AUTO_TLS": "true"} }, StatusFail, "ETCD_AUTO_TLS"},
	{"2.4", "no peer cert", noFlag(etcd, "peer-cert-file"), StatusFail, ""},
	{"2.5", "unset", noFlag(etcd, "peer-client-cert-auth"), StatusFail, ""},
	{"2.6", "peer auto TLS", flag(etcd, "peer-auto-tls", "true"), StatusFail, ""},
	{"2.7", "trusts the cluster CA", flag(etcd, "trusted-ca-file", "/etc/kubernetes/pki/ca.crt"), StatusFail, "cluster CA"},
	{"2.7", "same CA under another path", func(n *evidence.Node) {
		setFlag(n, etcd, "trusted-ca-file", "/etc/etcd/ca.crt")
		c := *n.Certificates[pkiDir+"/ca.crt"]
		n.Certificates["/etc/etcd/ca.crt"] = &c
	}, StatusFail, "same certificate"},
	{"2.7", "unset", noFlag(etcd, "trusted-ca-file"), StatusFail, ""},

	{"3.1.1", "always reviewed", func(*evidence.Node) {}, StatusWarn, "client certificate"},
	{"3.1.2", "always reviewed", func(*evidence.Node) {}, StatusWarn, ""},
	{"3.1.3", "bootstrap tokens on", flag(api, "enable-bootstrap-token-auth", "true"), StatusWarn, "bootstrap"},
	{"3.2.1", "no policy", noFlag(api, "audit-policy-file"), StatusFail, ""},
	{"3.2.2", "no policy", noFlag(api, "audit-policy-file"), StatusFail, ""},
	{"3.2.2", "policy to review", func(*evidence.Node) {}, StatusWarn, "audit-policy.yaml"},

	{"4.1.1", "unit 644", chmod(kubeadmUnit, 0o644), StatusFail, ""},
	{"4.1.1", "no unit file", remove(kubeadmUnit), StatusError, "no kubelet systemd unit"},
	{"4.1.2", "owned by 1000", chown(kubeadmUnit, 1000, 0), StatusFail, ""},
	{"4.1.2", "no unit file: accepted, not passed", remove(kubeadmUnit), StatusNA, "accepts an absent"},
	{"4.1.3", "kubeconfig 644", chmod("/var/lib/kube-proxy/kubeconfig.conf", 0o644), StatusFail, ""},
	{"4.1.3", "no kube-proxy, no kubeconfig", all(remove("/var/lib/kube-proxy/kubeconfig.conf"), func(n *evidence.Node) { delete(n.Processes, kpx) }), StatusNA, "kube-proxy is not running"},
	{"4.1.4", "owned by 1000", chown("/var/lib/kube-proxy/kubeconfig.conf", 1000, 0), StatusFail, ""},
	{"4.1.5", "kubelet.conf 644", chmod("/etc/kubernetes/kubelet.conf", 0o644), StatusFail, ""},
	{"4.1.5", "--kubeconfig not collected", flag(klt, "kubeconfig", "/opt/kubelet.kubeconfig"), StatusError, "/opt/kubelet.kubeconfig"},
	{"4.1.6", "group 1", chown("/etc/kubernetes/kubelet.conf", 0, 1), StatusFail, ""},
	{"4.1.7", "ca.crt 666", chmod(pkiDir+"/ca.crt", 0o666), StatusFail, ""},
	{"4.1.7", "no client CA: nothing to check", editKubelet(func(m map[string]any) { delete(sub(m, "authentication", "x509"), "clientCAFile") }), StatusNA, "clientCAFile is unset"},
	{"4.1.7", "kubelet config unreadable", func(n *evidence.Node) { delete(n.Configs, kubeletConfigPath) }, StatusError, "not collected"},
	{"4.1.8", "ca.crt owned by 1000", chown(pkiDir+"/ca.crt", 1000, 0), StatusFail, ""},
	{"4.1.8", "client CA named by flag, not collected", flag(klt, "client-ca-file", "/etc/kubernetes/ssl/ca.pem"), StatusError, "/etc/kubernetes/ssl/ca.pem"},
	{"4.1.9", "config 644", chmod(kubeletConfigPath, 0o644), StatusFail, ""},
	{"4.1.9", "--config file not collected", flag(klt, "config", "/custom/path.yaml"), StatusError, "/custom/path.yaml"},
	{"4.1.10", "owned by 1000", chown(kubeletConfigPath, 1000, 0), StatusFail, ""},

	{"4.2.1", "flag true beats config", flag(klt, "anonymous-auth", "true"), StatusFail, "command-line flag"},
	{"4.2.1", "config true", editKubelet(func(m map[string]any) { sub(m, "authentication", "anonymous")["enabled"] = true }), StatusFail, "config file"},
	{"4.2.1", "no --config: default true", noFlag(klt, "config"), StatusFail, "kubelet default"},
	{"4.2.2", "config AlwaysAllow", editKubelet(func(m map[string]any) { sub(m, "authorization")["mode"] = "AlwaysAllow" }), StatusFail, ""},
	{"4.2.2", "no --config: default AlwaysAllow", noFlag(klt, "config"), StatusFail, "AlwaysAllow"},
	{"4.2.3", "no client CA", editKubelet(func(m map[string]any) { delete(sub(m, "authentication", "x509"), "clientCAFile") }), StatusFail, ""},
	{"4.2.4", "config 10255", editKubelet(func(m map[string]any) { m["readOnlyPort"] = 10255 }), StatusFail, "10255"},
	{"4.2.4", "no --config: default 10255", noFlag(klt, "config"), StatusFail, "10255"},
	{"4.2.5", "flag 0", flag(klt, "streaming-connection-idle-timeout", "0"), StatusFail, ""},
	{"4.2.5", "not a duration", flag(klt, "streaming-connection-idle-timeout", "forever"), StatusError, ""},
	{"4.2.6", "flag false", flag(klt, "make-iptables-util-chains", "false"), StatusFail, ""},
	{"4.2.7", "override set", flag(klt, "hostname-override", "node-a"), StatusFail, ""},
	{"4.2.8", "negative", flag(klt, "event-qps", "-1"), StatusFail, ""},
	{"4.2.9", "self-signed serving cert", editKubelet(func(m map[string]any) { delete(m, "serverTLSBootstrap") }), StatusFail, "self-signed"},
	{"4.2.10", "unset: kubelet default false", editKubelet(func(m map[string]any) { delete(m, "rotateCertificates") }), StatusFail, "kubelet default"},
	{"4.2.11", "gate off in config", editKubelet(func(m map[string]any) {
		m["featureGates"] = map[string]any{"RotateKubeletServerCertificate": false}
	}), StatusFail, ""},
	{"4.2.11", "gate off by flag", flag(klt, "feature-gates", "RotateKubeletServerCertificate=false"), StatusFail, "command-line flag"},
	{"4.2.12", "CBC suite", editKubelet(func(m map[string]any) {
		m["tlsCipherSuites"] = []any{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA"}
	}), StatusFail, "TLS_RSA_WITH_AES_128_CBC_SHA"},
	{"4.2.12", "unset", editKubelet(func(m map[string]any) { delete(m, "tlsCipherSuites") }), StatusFail, "Go's default"},
	{"4.2.13", "unset: -1", editKubelet(func(m map[string]any) { delete(m, "podPidsLimit") }), StatusFail, "no limit"},
	{"4.2.14", "unset: false", editKubelet(func(m map[string]any) { delete(m, "seccompDefault") }), StatusFail, ""},
	{"4.2.14", "config unparseable", func(n *evidence.Node) { n.Configs[kubeletConfigPath] = "kind: [" }, StatusError, "parse"},
	{"4.3.1", "all interfaces", func(n *evidence.Node) {
		editConfig(n, proxyConfigFile, func(m map[string]any) { m["metricsBindAddress"] = "0.0.0.0:10249" })
	}, StatusFail, "0.0.0.0:10249"},
	{"4.3.1", "no kube-proxy", func(n *evidence.Node) { delete(n.Processes, kpx) }, StatusNA, "kube-proxy is not running"},
	{"4.3.1", "config not collected", func(n *evidence.Node) { delete(n.Configs, proxyConfigFile) }, StatusError, "not collected"},

	{"KH-PKI-1", "expires in 20 days", func(n *evidence.Node) {
		n.Certificates[pkiDir+"/apiserver.crt"].NotAfter = testNow.Add(20 * 24 * time.Hour)
	}, StatusFail, "apiserver.crt"},
	{"KH-PKI-1", "expires in 60 days", func(n *evidence.Node) {
		n.Certificates[pkiDir+"/apiserver.crt"].NotAfter = testNow.Add(60 * 24 * time.Hour)
	}, StatusWarn, "apiserver.crt"},
	{"KH-PKI-1", "expired", func(n *evidence.Node) { n.Certificates[pkiDir+"/etcd/peer.crt"].NotAfter = testNow.Add(-time.Hour) }, StatusFail, "peer.crt"},
	{"KH-PKI-1", "unreadable certificate", func(n *evidence.Node) { n.Certificates[pkiDir+"/apiserver.crt"].Error = "bad PEM" }, StatusError, ""},
	{"KH-PKI-1", "no certificates", func(n *evidence.Node) { n.Certificates = nil }, StatusNA, ""},
	{"KH-PKI-2", "RSA 1024", func(n *evidence.Node) { n.Certificates[pkiDir+"/apiserver.crt"].KeyBits = 1024 }, StatusFail, "apiserver.crt"},
	{"KH-PKI-3", "sa.key 644", chmod(pkiDir+"/sa.key", 0o644), StatusFail, "sa.key"},
	{"KH-PKI-3", "flag-named key outside the PKI dir", flag(api, "tls-private-key-file", "/srv/tls/apiserver.key"), StatusError, "/srv/tls/apiserver.key"},
	{"KH-PKI-4", "leaf signed by the etcd CA", func(n *evidence.Node) {
		n.Certificates[pkiDir+"/apiserver.crt"].SignedBy = pkiDir + "/etcd/ca.crt"
	}, StatusFail, "not a CA of the cluster tree"},
	{"KH-PKI-4", "self-signed leaf", func(n *evidence.Node) {
		c := n.Certificates[pkiDir+"/apiserver.crt"]
		c.SignedBy, c.SelfSigned = pkiDir+"/apiserver.crt", true
	}, StatusFail, "self-signed"},
	{"KH-PKI-4", "no signer found", func(n *evidence.Node) { n.Certificates[pkiDir+"/apiserver.crt"].SignedBy = "" }, StatusFail, "not signed by any collected CA"},
}

// passingCases are further PASS paths beyond the hardened baseline.
var passingCases = []controlCase{
	{"1.1.11", "data dir from ETCD_DATA_DIR", func(n *evidence.Node) {
		delFlag(n, etcd, "data-dir")
		n.Processes[etcd].Env = map[string]string{"ETCD_DATA_DIR": "/var/lib/etcd"}
	}, StatusPass, ""},
	{"1.1.13", "only admin.conf", remove("/etc/kubernetes/super-admin.conf"), StatusPass, "mode is 0600"},
	{"1.2.10", "flag absent", noFlag(api, "enable-admission-plugins"), StatusPass, ""},
	{"1.2.21", "unset: default true", noFlag(api, "service-account-lookup"), StatusPass, "default true"},
	{"1.2.28", "kms first", func(n *evidence.Node) {
		n.EncryptionProviders["/etc/kubernetes/enc/encryption.yaml"] = []string{"kms", "identity"}
	}, StatusPass, "kms"},
	{"1.3.6", "other gates only", flag(kcm, "feature-gates", "Foo=true"), StatusPass, ""},
	{"2.1", "from environment", func(n *evidence.Node) {
		delFlag(n, etcd, "cert-file")
		delFlag(n, etcd, "key-file")
		n.Processes[etcd].Env = map[string]string{"ETCD_CERT_FILE": "/etc/kubernetes/pki/etcd/server.crt", "ETCD_KEY_FILE": "/etc/kubernetes/pki/etcd/server.key"}
	}, StatusPass, ""},
	{"2.3", "unset: default false", noFlag(etcd, "auto-tls"), StatusPass, "default false"},
	{"4.2.1", "flag false beats config true", all(flag(klt, "anonymous-auth", "false"),
		editKubelet(func(m map[string]any) { sub(m, "authentication", "anonymous")["enabled"] = true })), StatusPass, "command-line flag"},
	{"4.2.1", "config file without the key: v1beta1 default false", editKubelet(func(m map[string]any) { delete(m, "authentication") }), StatusPass, "kubelet default"},
	{"4.2.4", "config without readOnlyPort: default 0", func(*evidence.Node) {}, StatusPass, "kubelet default"},
	{"4.2.5", "kubeadm's 0s in the file means the default 4h", func(*evidence.Node) {}, StatusPass, "4h0m0s"},
	{"4.2.9", "explicit serving cert", all(editKubelet(func(m map[string]any) { delete(m, "serverTLSBootstrap") }),
		flag(klt, "tls-cert-file", "/var/lib/kubelet/pki/kubelet.crt"), flag(klt, "tls-private-key-file", "/var/lib/kubelet/pki/kubelet.key")), StatusPass, ""},
	{"4.2.12", "Go alias names of ChaCha suites", editKubelet(func(m map[string]any) {
		m["tlsCipherSuites"] = []any{"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"}
	}), StatusPass, ""},
	{"4.3.1", "kubeadm empty value: default 127.0.0.1:10249", func(n *evidence.Node) { n.Configs[proxyConfigFile] = kubeProxyConfigKubeadm }, StatusPass, "127.0.0.1:10249"},
	{"4.3.1", "flag ignored when --config is given", flag(kpx, "metrics-bind-address", "0.0.0.0:10249"), StatusPass, "127.0.0.1:10249"},
	{"4.3.1", "flags only", func(n *evidence.Node) { delFlag(n, kpx, "config") }, StatusPass, "default"},
	{"KH-PKI-4", "CA named by a flag outside the tree", func(n *evidence.Node) {
		addCert(n, "/etc/ca/custom-ca.crt", "custom", "/etc/ca/custom-ca.crt", true, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
		setFlag(n, api, "client-ca-file", "/etc/ca/custom-ca.crt")
		n.Certificates[pkiDir+"/apiserver.crt"].SignedBy = "/etc/ca/custom-ca.crt"
	}, StatusPass, ""},
}

func TestControls(t *testing.T) {
	for _, tc := range append(append([]controlCase{}, breakingCases...), passingCases...) {
		t.Run(tc.id+"/"+tc.name, func(t *testing.T) {
			n := hardenedControlPlane()
			tc.mutate(n)
			r := resultOf(t, n, tc.id)
			if r.Status != tc.want {
				t.Fatalf("got %s (%s), want %s; evidence %v", r.Status, r.Reason, tc.want, r.Evidence)
			}
			if tc.reason != "" && !strings.Contains(r.Reason+" "+evidenceText(r), tc.reason) {
				t.Errorf("reason %q / evidence %v does not mention %q", r.Reason, r.Evidence, tc.reason)
			}
			if r.Status != StatusPass && r.Status != StatusNA && r.Reason == "" {
				t.Errorf("%s without a reason", r.Status)
			}
			if (r.Status == StatusFail || r.Status == StatusWarn) && r.Remediation == "" {
				t.Errorf("%s without remediation", r.Status)
			}
		})
	}
}

func evidenceText(r Result) string {
	var s []string
	for _, o := range r.Evidence {
		s = append(s, o.String())
	}
	return strings.Join(s, " ")
}

// pairKey names a check with the parameters that can change its verdict:
// controls with the same key decide alike, whatever benchmark they belong
// to.
func pairKey(c benchmarks.Control) string {
	spec, _, ok := Registry().Lookup(c.Check)
	if !ok {
		return c.Check + " (unregistered)"
	}
	return c.Check + " {" + spec.Verdict(c.Params).Key() + "}"
}

// controlOf finds a benchmark's control.
func controlOf(t *testing.T, bench, id string) benchmarks.Control {
	t.Helper()
	b, err := benchmarks.Resolve(bench)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range b.Controls {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("%s has no control %s", bench, id)
	return benchmarks.Control{}
}

// neverPasses are checks whose verdict is a review at best (WARN): they
// need a non-PASS case only.
var neverPasses = map[string]bool{
	"manual": true, "apiserver.request-timeout-reviewed": true, "apiserver.user-client-certificates": true,
	"apiserver.user-service-account-tokens": true, "apiserver.audit-policy-coverage": true,
}

// TestEveryCheckHasCases keeps the semantics of every benchmark guarded:
// each distinct (check, parameters) pair that any benchmark's node
// controls use is shown to give a non-PASS verdict on some evidence and
// PASS on other evidence (a case here, or the hardened control plane for
// the controls of testBenchmark). Changing a benchmark's parameters makes
// a new pair without cases, or turns a case's verdict: either fails here.
func TestEveryCheckHasCases(t *testing.T) {
	breaks, passes := map[string]bool{}, map[string]bool{}
	for _, tc := range breakingCases {
		if tc.want != StatusPass && !strings.HasPrefix(tc.id, "KH-") {
			breaks[pairKey(controlOf(t, testBenchmark, tc.id))] = true
		}
	}
	for _, tc := range passingCases {
		if !strings.HasPrefix(tc.id, "KH-") {
			passes[pairKey(controlOf(t, testBenchmark, tc.id))] = true
		}
	}
	for _, c := range NodeControls(testBenchmark) {
		if c.Benchmark != BenchmarkHarden && wantOnHardened(c.ID) == StatusPass {
			passes[pairKey(controlOf(t, testBenchmark, c.ID))] = true
		}
	}
	for _, tc := range benchmarkCases {
		k := pairKey(controlOf(t, tc.bench, tc.id))
		if tc.want == StatusPass {
			passes[k] = true
		} else {
			breaks[k] = true
		}
	}
	enginetest.Covered(t, benchmarks.EngineNodes, pairKey, passes, breaks, neverPasses)
	// Our own controls are not in any benchmark: one breaking case each.
	covered := map[string]bool{}
	for _, tc := range breakingCases {
		if tc.want != StatusPass {
			covered[tc.id] = true
		}
	}
	for _, c := range OwnCatalog() {
		if !covered[c.ID] {
			t.Errorf("control %s has no non-PASS test case", c.ID)
		}
	}
}
