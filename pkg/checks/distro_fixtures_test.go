package checks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/distros"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// Evidence of real nodes of each distribution, built from public outputs
// (testdata/distros/SOURCES.md names each one): the command lines, log
// lines and config files are copied verbatim; file modes and owners are the
// ones the same guides' audits returned.

func distroFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "distros", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// journalLogged reads "Running <component> --flag ..." lines as the
// collector's logline records carry them.
func journalLogged(text, source string) map[evidence.Component]*evidence.Process {
	out := map[evidence.Component]*evidence.Process{}
	for _, line := range strings.Split(text, "\n") {
		for _, c := range embeddedComponents {
			i := strings.Index(line, "Running "+string(c)+" ")
			if i < 0 || out[c] != nil {
				continue
			}
			msg := strings.TrimSuffix(strings.TrimSpace(line[i+len("Running "+string(c)+" "):]), `"`)
			out[c] = &evidence.Process{Origin: source, Args: append([]string{string(c)}, strings.Fields(msg)...)}
		}
	}
	return out
}

// psProcesses reads "component --flag ..." lines (ps output without its
// columns).
func psProcesses(text string, pid int) map[evidence.Component]*evidence.Process {
	out := map[evidence.Component]*evidence.Process{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		pid++
		out[evidence.Component(filepath.Base(f[0]))] = &evidence.Process{PID: pid, Args: f, Root: "host"}
	}
	return out
}

func distroNode(name string) *evidence.Node {
	return &evidence.Node{
		Schema: evidence.SchemaVersion, NodeName: name, CollectedAt: testNow, CollectorVersion: "1",
		Processes: map[evidence.Component]*evidence.Process{}, Files: map[string]*evidence.File{},
		Users: map[int]string{0: "root"}, Groups: map[int]string{0: "root"},
		Configs: map[string]string{}, Certificates: map[string]*evidence.Certificate{},
	}
}

// k3sServer is server-0 of k3s-io/docs docs/security/self-assessment-1.12.md
// (K3s v1.32-v1.36, hardened): a k3s server with embedded etcd.
func k3sServer(t testing.TB) *evidence.Node {
	n := distroNode("server-0")
	n.Supervisors = map[string]*evidence.Process{evidence.SupervisorK3s: {PID: 2226, Args: []string{"/usr/local/bin/k3s", "server"}, Root: "host"}}
	n.Logged = journalLogged(distroFile(t, "k3s-server.journal.txt"), "journal:k3s.service,k3s-agent.service")
	rancherFiles(t, n, "k3s", 0)
	addFile(n, "/var/lib/rancher/k3s/server/tls/service.key", 0o600, 0, 0)
	addDir(n, "/var/lib/cni/networks", 0o755, 0, 0)
	addFile(n, "/var/lib/cni/networks/cbr0/10.42.0.2", 0o600, 0, 0)
	addMissing(n, "/etc/cni/net.d")
	return n
}

// rancherFiles adds the files K3s and RKE2 (distro "k3s" or "rke2") keep
// alike under /etc/rancher/<distro> and /var/lib/rancher/<distro>, with the
// modes and owners their guides' audits return (the etcd data directory
// owned by etcdUID): config.yaml, the etcd config, the kubelet drop-in
// 00-<distro>-defaults.conf, credentials, TLS and agent files; neither
// has kubeadm's kubelet unit or config.
func rancherFiles(t testing.TB, n *evidence.Node, distro string, etcdUID int) {
	addMissing(n, evidence.KubeletUnits...)
	addMissing(n, evidence.KubeletConfigs...)
	dataDir := "/var/lib/rancher/" + distro
	n.Configs["/etc/rancher/"+distro+"/config.yaml"] = distroFile(t, distro+"-config.yaml")
	n.Configs[dataDir+"/server/db/etcd/config"] = distroFile(t, distro+"-etcd-config.yaml")
	dropIns := dataDir + "/agent/etc/kubelet.conf.d"
	addDir(n, dropIns, 0o700, 0, 0)
	n.Configs[dropIns+"/00-"+distro+"-defaults.conf"] = distroFile(t, distro+"-00-"+distro+"-defaults.conf")
	addFile(n, dropIns+"/00-"+distro+"-defaults.conf", 0o600, 0, 0)
	for _, p := range []string{"admin", "scheduler", "controller"} {
		addFile(n, dataDir+"/server/cred/"+p+".kubeconfig", 0o600, 0, 0)
	}
	addDir(n, dataDir+"/server/db/etcd", 0o700, etcdUID, etcdUID)
	tls := dataDir + "/server/tls"
	addDir(n, tls, 0o755, 0, 0)
	for _, c := range []string{"client-ca", "server-ca", "request-header-ca", "client-kube-apiserver", "serving-kube-apiserver", "client-auth-proxy"} {
		addFile(n, tls+"/"+c+".crt", 0o644, 0, 0)
		addFile(n, tls+"/"+c+".key", 0o600, 0, 0)
	}
	for _, f := range []string{"kubeproxy.kubeconfig", "kubelet.kubeconfig", "client-ca.crt"} {
		addFile(n, dataDir+"/agent/"+f, 0o600, 0, 0)
	}
}

// rke2Server is server-0 of rancher/rke2-docs
// docs/security/cis_self_assessment112.md (RKE2 v1.33-1.36, hardened): the
// ps lines of its audits, etcd as the static pod "etcd
// --config-file=/var/lib/rancher/rke2/server/db/etcd/config" (rke2's
// etcd.yaml), the etcd config and 00-rke2-defaults.conf its audits print.
func rke2Server(t testing.TB) *evidence.Node {
	n := distroNode("server-0")
	n.Supervisors = map[string]*evidence.Process{evidence.SupervisorRKE2: {PID: 2313, Args: []string{"/usr/local/bin/rke2", "server"}, Root: "host"}}
	n.Processes = psProcesses(distroFile(t, "rke2-server.ps.txt"), 2600)
	n.Processes[evidence.Etcd] = &evidence.Process{PID: 2500, Root: "container", Args: []string{"etcd", "--config-file=/var/lib/rancher/rke2/server/db/etcd/config"}}
	for _, c := range []evidence.Component{evidence.APIServer, evidence.ControllerManager, evidence.Scheduler, evidence.KubeProxy} {
		n.Processes[c].Root = "container"
	}
	n.Users[1001], n.Groups[1001] = "etcd", "etcd"
	pm := "/var/lib/rancher/rke2/agent/pod-manifests"
	addDir(n, pm, 0o700, 0, 0)
	for _, c := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd", "kube-proxy"} {
		addFile(n, pm+"/"+c+".yaml", 0o600, 0, 0)
	}
	rancherFiles(t, n, "rke2", 1001)
	addDir(n, "/etc/cni/net.d", 0o700, 0, 0)
	addFile(n, "/etc/cni/net.d/05-cilium.conflist", 0o600, 0, 0)
	addMissing(n, "/var/lib/cni/networks")
	return n
}

// microk8sNode is a MicroK8s node: kubelite runs every component with the
// arguments files canonical/microk8s installs (default-args, see SOURCES.md).
func microk8sNode(t testing.TB) *evidence.Node {
	n := distroNode("ubuntua")
	n.Supervisors = map[string]*evidence.Process{evidence.SupervisorKubelite: {PID: 1234, Args: []string{"/snap/microk8s/current/kubelite", "--scheduler-args-file=/var/snap/microk8s/current/args/kube-scheduler", "--controller-manager-args-file=/var/snap/microk8s/current/args/kube-controller-manager", "--proxy-args-file=/var/snap/microk8s/current/args/kube-proxy", "--kubelet-args-file=/var/snap/microk8s/current/args/kubelet", "--apiserver-args-file=/var/snap/microk8s/current/args/kube-apiserver"}, Root: "host"}}
	for c, f := range evidence.MicroK8sArgsFiles {
		n.Configs[f] = distroFile(t, "microk8s-args-"+string(c))
		// kube-bench #959: MicroK8s's arguments files are 660.
		addFile(n, f, 0o660, 0, 0)
	}
	// canonical/microk8s snap/hooks/install creates credentials/ (the
	// kubeconfigs) and certs/ as root, and it and snap/hooks/configure run
	// "chmod -R ug+rwX" and "chmod -R o-rwX" over credentials/, certs/
	// and args/: files 0660, directories 0770; owner and group as the
	// arguments files above. The files are those the hook writes and the
	// arguments files name.
	const data = "/var/snap/microk8s/current"
	for _, d := range []string{data + "/credentials", data + "/certs"} {
		addDir(n, d, 0o770, 0, 0)
	}
	for _, f := range []string{"client.config", "controller.config", "scheduler.config", "kubelet.config", "proxy.config"} {
		addFile(n, data+"/credentials/"+f, 0o660, 0, 0)
	}
	for _, f := range []string{"ca.crt", "server.crt", "server.key", "serviceaccount.key", "front-proxy-ca.crt", "front-proxy-client.crt", "front-proxy-client.key"} {
		addFile(n, data+"/certs/"+f, 0o660, 0, 0)
	}
	// The snap keeps its files under /var/snap/microk8s: the other
	// distributions' admin kubeconfigs are absent.
	for _, f := range evidence.AdminKubeconfigs {
		if !strings.HasPrefix(f, data) {
			addMissing(n, f)
		}
	}
	addMissing(n, evidence.KubeletUnits...)
	addMissing(n, evidence.KubeletConfigs...)
	return n
}

// openshiftMaster is an OpenShift 4 control-plane node: the kubelet as the
// machine-config-operator's kubelet.service starts it with its
// kubelet.conf, and the API server as hyperkube with --openshift-config
// (cluster-kube-apiserver-operator's defaultconfig.yaml).
func openshiftMaster(t testing.TB) *evidence.Node {
	n := distroNode("master-0")
	const kc = "/etc/kubernetes/kubelet.conf"
	n.Processes[evidence.Kubelet] = &evidence.Process{PID: 2100, Root: "host", Args: []string{"/usr/bin/hyperkube", "kubelet",
		"--config=" + kc, "--bootstrap-kubeconfig=/etc/kubernetes/kubeconfig", "--kubeconfig=/var/lib/kubelet/kubeconfig",
		"--container-runtime=remote", "--container-runtime-endpoint=/var/run/crio/crio.sock", "--runtime-cgroups=/system.slice/crio.service",
		"--node-labels=node-role.kubernetes.io/master,node.openshift.io/os_id=rhcos", "--node-ip=10.0.0.5", "--minimum-container-ttl-duration=6m0s",
		"--cloud-provider=external", "--volume-plugin-dir=/etc/kubernetes/kubelet-plugins/volume/exec",
		"--register-with-taints=node-role.kubernetes.io/master=:NoSchedule", "--v=2"}}
	n.Configs[kc] = distroFile(t, "openshift-kubelet.conf")
	addFile(n, kc, 0o644, 0, 0)
	const cfg = "/etc/kubernetes/static-pod-resources/configmaps/config/config.yaml"
	n.Processes[evidence.APIServer] = &evidence.Process{PID: 3100, Root: "container", Args: []string{"hyperkube", "kube-apiserver",
		"--openshift-config=" + cfg, "--advertise-address=10.0.0.5", "-v=2", "--permit-address-sharing"}}
	n.Configs[cfg] = distroFile(t, "openshift-kube-apiserver-config.yaml")
	addFile(n, "/etc/kubernetes/manifests/kube-apiserver-pod.yaml", 0o600, 0, 0)
	// The static pod manifests the operators' installer pods write, as
	// root, 0600 (openshift/library-go
	// pkg/operator/staticpod/installerpod/cmd.go, the installer of the
	// kube-apiserver, kube-controller-manager, kube-scheduler and etcd
	// operators).
	for _, m := range []string{"kube-controller-manager-pod.yaml", "kube-scheduler-pod.yaml", "etcd-pod.yaml"} {
		addFile(n, "/etc/kubernetes/manifests/"+m, 0o600, 0, 0)
	}
	addFile(n, "/var/lib/kubelet/kubeconfig", 0o600, 0, 0)
	addFile(n, "/etc/kubernetes/kubelet-ca.crt", 0o644, 0, 0)
	addFile(n, "/etc/systemd/system/kubelet.service", 0o644, 0, 0)
	addDir(n, "/etc/kubernetes/manifests", 0o755, 0, 0)
	// The secrets the installer pods write as root under the static pod
	// resources (openshift/library-go
	// pkg/operator/staticpod/installerpod/cmd.go: directories 0755,
	// secrets 0600), those kube-bench's rh-1.8 audits name; the collector
	// lists only entries with a secrets directory in their path.
	res := evidence.OpenShiftStaticPodResources
	addDir(n, res, 0o755, 0, 0)
	for _, d := range []string{"/kube-apiserver-certs/secrets", "/kube-apiserver-pod-7/secrets"} {
		addDir(n, res+d, 0o755, 0, 0)
	}
	for _, sec := range []string{"/kube-apiserver-certs/secrets/kubelet-client", "/kube-apiserver-certs/secrets/service-network-serving-certkey", "/kube-apiserver-pod-7/secrets/etcd-client"} {
		addDir(n, res+sec, 0o755, 0, 0)
		addFile(n, res+sec+"/tls.crt", 0o600, 0, 0)
		addFile(n, res+sec+"/tls.key", 0o600, 0, 0)
	}
	return n
}

// k0sController is the k0s controller of k463/k0smotron-exp1: the
// control plane as child processes of k0s from /var/lib/k0s/bin, external
// etcd, no kubelet running.
func k0sController(t testing.TB) *evidence.Node {
	n := distroNode("kmc-cpo127-0")
	n.Supervisors = map[string]*evidence.Process{evidence.SupervisorK0s: {PID: 21, Root: "host", Args: []string{"k0s", "controller", "--enable-worker", "--no-taints", "--config=/etc/k0s/k0s.yaml", "--enable-dynamic-config"}}}
	n.Processes = psProcesses(distroFile(t, "k0s-controller.ps.txt"), 110)
	// The files k0s itself writes under /var/lib/k0s/pki, with the modes
	// of its source: the directory CertRootDirMode 0751 (cmd/controller/
	// controller.go), keys CertSecureMode 0640 and certificates CertMode
	// 0644 (pkg/certificate/manager.go), kubeconfigs CertSecureMode 0640
	// (cmd/controller/certificates.go kubeConfig). Owners: root, as the
	// source's ps shows every process as root (k0s falls back to root when
	// its users do not exist). The external etcd's client files k0smotron
	// places there are not modelled.
	const pki = "/var/lib/k0s/pki"
	addDir(n, pki, 0o751, 0, 0)
	for _, c := range []string{"ca", "server", "apiserver-kubelet-client", "front-proxy-ca", "front-proxy-client"} {
		addFile(n, pki+"/"+c+".crt", 0o644, 0, 0)
		addFile(n, pki+"/"+c+".key", 0o640, 0, 0)
	}
	addFile(n, pki+"/sa.key", 0o640, 0, 0)
	addFile(n, pki+"/sa.pub", 0o644, 0, 0)
	for _, c := range []string{"admin", "scheduler", "ccm"} {
		addFile(n, pki+"/"+c+".conf", 0o640, 0, 0)
	}
	return n
}

// k0sWorker is a k0s worker as k0sproject/k0s builds it (see SOURCES.md):
// the kubelet a child process of "k0s worker" with the arguments
// pkg/component/worker/kubelet.go gives it, and the KubeletConfiguration of
// the default worker profile (pkg/component/controller/workerconfig) with
// the local settings kubelet.go adds, written 0644.
func k0sWorker(t testing.TB) *evidence.Node {
	n := distroNode("k0s-worker-0")
	n.Supervisors = map[string]*evidence.Process{evidence.SupervisorK0s: {PID: 27892, Root: "host", Args: []string{"/usr/local/bin/k0s", "worker", "--token-file=/etc/k0s/join.token"}}}
	const kc = "/var/lib/k0s/kubelet-config.yaml"
	n.Processes[evidence.Kubelet] = &evidence.Process{PID: 27951, Root: "host", Args: []string{"/var/lib/k0s/bin/kubelet",
		"--root-dir=/var/lib/k0s/kubelet", "--config=" + kc, "--kubeconfig=/var/lib/k0s/kubelet.conf", "--v=1",
		"--runtime-cgroups=/system.slice/containerd.service", "--cert-dir=/var/lib/k0s/kubelet/pki",
		"--container-runtime-endpoint=unix:///run/k0s/containerd.sock", "--containerd=/run/k0s/containerd.sock"}}
	n.Configs[kc] = distroFile(t, "k0s-worker-kubelet-config.yaml")
	addFile(n, kc, 0o644, 0, 0)
	addMissing(n, evidence.KubeletUnits...)
	return n
}

// talosWorker is a Talos worker: the kubelet runs in its container with the
// arguments and the KubeletConfiguration Talos's own tests expect (see
// SOURCES.md); the control plane is on other nodes.
func talosWorker(t testing.TB) *evidence.Node {
	n := distroNode("talos-worker-1")
	const kc = "/etc/kubernetes/kubelet.yaml"
	n.Processes[evidence.Kubelet] = &evidence.Process{PID: 1300, Root: "container", Args: []string{"/usr/local/bin/kubelet",
		"--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubeconfig", "--cert-dir=/var/lib/kubelet/pki", "--cloud-provider=external",
		"--config=" + kc, "--hostname-override=talos-worker-1", "--kubeconfig=/etc/kubernetes/kubeconfig-kubelet", "--node-ip=172.20.0.2"}}
	n.Configs[kc] = distroFile(t, "talos-kubelet.yaml")
	addFile(n, kc, 0o600, 0, 0)
	addMissing(n, evidence.KubeletUnits...)
	return n
}

// distroFixture is one distribution's node and the benchmark the scan
// selects for its cluster.
type distroFixture struct {
	id string
	// golden names the golden file (default: id).
	golden     string
	gitVersion string
	node       func(testing.TB) *evidence.Node
	// flip changes one security setting where the distribution keeps it;
	// control is the control that must then FAIL, and place a text its
	// evidence must name.
	flip           func(*evidence.Node)
	control, place string
	// facts are the API facts detection reads (default: gitVersion only).
	facts distros.Facts
	// absent are the components the node really does not run (or its
	// source does not show), with why: their controls may say so.
	absent map[evidence.Component]string
	// bench is a benchmark chosen by hand (--benchmark) instead of the
	// one the scan selects for the distribution.
	bench string
}

// openshiftAbsent are the components the OpenShift fixture's sources do
// not show, and openshiftFacts the API facts that name OpenShift.
var (
	openshiftAbsent = map[evidence.Component]string{
		evidence.ControllerManager: "its source shows the API server's and the kubelet's configuration only",
		evidence.Scheduler:         "its source shows the API server's and the kubelet's configuration only",
		evidence.Etcd:              "its source shows the API server's and the kubelet's configuration only",
		evidence.KubeProxy:         "OVN-Kubernetes, OpenShift's default network, replaces kube-proxy",
	}
	openshiftFacts = distros.Facts{GitVersion: "v1.31.6", APIGroups: []string{"config.openshift.io"}}
)

// openshiftAnonymous turns the kubelet's anonymous authentication on in
// the kubelet.conf the machine-config operator renders.
func openshiftAnonymous(n *evidence.Node) {
	const kc = "/etc/kubernetes/kubelet.conf"
	n.Configs[kc] = strings.Replace(n.Configs[kc], "  anonymous:\n    enabled: false", "  anonymous:\n    enabled: true", 1)
}

var distroFixtures = []distroFixture{
	{id: "k3s", gitVersion: "v1.33.5+k3s1", node: k3sServer, control: "1.2.1", place: "/etc/rancher/k3s/config.yaml kube-apiserver-arg",
		flip: func(n *evidence.Node) {
			// anonymous auth on, in /etc/rancher/k3s/config.yaml as K3s's
			// guide (1.2.1) shows; k3s then logs it in the apiserver line.
			n.Configs["/etc/rancher/k3s/config.yaml"] += "  - \"anonymous-auth=true\"\n"
			api := n.Logged[evidence.APIServer]
			api.Args = append(api.Args, "--anonymous-auth=true")
		}},
	{id: "rke2", gitVersion: "v1.33.5+rke2r1", node: rke2Server, control: "4.2.1", place: "/var/lib/rancher/rke2/agent/etc/kubelet.conf.d/50-anonymous.conf",
		flip: func(n *evidence.Node) {
			// a kubelet drop-in that turns anonymous auth on.
			p := "/var/lib/rancher/rke2/agent/etc/kubelet.conf.d/50-anonymous.conf"
			n.Configs[p] = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\n"
			addFile(n, p, 0o600, 0, 0)
		}},
	{id: "microk8s", node: microk8sNode, control: "4.2.1", place: "MicroK8s arguments file /var/snap/microk8s/current/args/kubelet",
		facts: distros.Facts{GitVersion: "v1.31.4", Nodes: []distros.Node{{Name: "ubuntua", Labels: map[string]string{"microk8s.io/cluster": "true"}}}},
		flip: func(n *evidence.Node) {
			f := evidence.MicroK8sArgsFiles[evidence.Kubelet]
			n.Configs[f] = strings.Replace(n.Configs[f], "--anonymous-auth=false", "--anonymous-auth=true", 1)
		}},
	{id: "openshift", node: openshiftMaster, absent: openshiftAbsent, control: "4.2.2", place: "/etc/kubernetes/kubelet.conf authentication.anonymous.enabled",
		facts: openshiftFacts,
		flip:  openshiftAnonymous},
	{id: "openshift", node: openshiftMaster, absent: openshiftAbsent, control: "1.1.21", place: "/etc/kubernetes/static-pod-resources/kube-apiserver-pod-7/secrets/etcd-client/tls.key",
		facts: openshiftFacts,
		flip: func(n *evidence.Node) {
			// a secret key the installer wrote 0600, loosened on the node.
			n.Files["/etc/kubernetes/static-pod-resources/kube-apiserver-pod-7/secrets/etcd-client/tls.key"].Mode = 0o644
		}},
	{id: "openshift", bench: "cis-1.12", node: openshiftMaster, absent: openshiftAbsent, control: "4.2.1", place: "/etc/kubernetes/kubelet.conf authentication.anonymous.enabled",
		facts: openshiftFacts,
		flip:  openshiftAnonymous},
	{id: "talos", node: talosWorker, control: "4.2.4", place: "/etc/kubernetes/kubelet.yaml readOnlyPort",
		facts: distros.Facts{GitVersion: "v1.34.1", Nodes: []distros.Node{{Name: "talos-worker-1", OSImage: "Talos (v1.11.2)"}}},
		absent: map[evidence.Component]string{
			evidence.APIServer: "a worker", evidence.ControllerManager: "a worker", evidence.Scheduler: "a worker", evidence.Etcd: "a worker",
			evidence.KubeProxy: "its source shows the kubelet only",
		},
		flip: func(n *evidence.Node) {
			// machine.kubelet.extraConfig lands in kubelet.yaml.
			n.Configs["/etc/kubernetes/kubelet.yaml"] += "readOnlyPort: 10255\n"
		}},
	{id: "k0s", golden: "k0s-worker", gitVersion: "v1.27.2+k0s.0", node: k0sWorker, control: "4.2.1", place: "/var/lib/k0s/kubelet-config.yaml authentication.anonymous.enabled",
		absent: map[evidence.Component]string{
			evidence.APIServer: "a worker", evidence.ControllerManager: "a worker", evidence.Scheduler: "a worker", evidence.Etcd: "a worker",
			evidence.KubeProxy: "k0s runs kube-proxy as a DaemonSet pod; its source shows the kubelet only",
		},
		flip: func(n *evidence.Node) {
			// a worker profile {"authentication": {"anonymous": {"enabled":
			// true}}} (k0sproject/k0s workerconfig reconciler_test.go
			// profile_XXX) ends up in the kubelet config k0s writes.
			const kc = "/var/lib/k0s/kubelet-config.yaml"
			n.Configs[kc] = strings.Replace(n.Configs[kc], "authentication:\n", "authentication:\n  anonymous:\n    enabled: true\n", 1)
		}},
	{id: "k0s", gitVersion: "v1.27.2+k0s.0", node: k0sController, absent: map[evidence.Component]string{
		evidence.Etcd: "this k0smotron control plane uses an external etcd (--etcd-servers=https://kmc-cpo127-k0swc1-etcd:2379)",
	}, control: "1.2.1", place: "kube-apiserver --anonymous-auth",
		flip: func(n *evidence.Node) {
			// spec.api.extraArgs of k0s.yaml end up on the command line.
			api := n.Processes[evidence.APIServer]
			api.Args = append(api.Args, "--anonymous-auth=true")
		}},
}

func detectFixture(t *testing.T, fx distroFixture) (EvalOptions, string) {
	t.Helper()
	facts := fx.facts
	if facts.GitVersion == "" {
		facts.GitVersion = fx.gitVersion
	}
	d := distros.Detect(facts)
	if d == nil || d.ID != fx.id || !d.LayoutEvaluated {
		t.Fatalf("detection: %+v", d)
	}
	sel := SelectBenchmarkFor(facts.GitVersion, Platform{Distribution: d})
	// The choice says which benchmark and why, naming the distribution.
	if !strings.Contains(sel.Reason, "distribution "+d.Name) {
		t.Errorf("benchmark %s: reason %q does not name %s", sel.ID, sel.Reason, d.Name)
	}
	if fx.bench != "" {
		sel.ID = fx.bench
	}
	o := EvalOptions{Benchmark: sel.ID, Now: testNow, Distribution: d}
	return o, sel.ID
}

// Each distribution's node: its own benchmark, every control decided or
// N/A with a reason, none "not running on this node" for a component the
// distribution runs, and the golden report.
func TestDistroFixtures(t *testing.T) {
	for _, fx := range distroFixtures {
		t.Run(fx.id+fx.golden+fx.bench, func(t *testing.T) {
			o, bench := detectFixture(t, fx)
			tr := EvaluateNode(fx.node(t), o)
			for _, r := range tr.Results {
				c, _, notRunning := strings.Cut(r.Reason, " is not running on this node")
				if notRunning && fx.absent[evidence.Component(c)] == "" {
					t.Errorf("%s: %s %q", r.ControlID, r.Status, r.Reason)
				}
				if r.Status == StatusNA && r.Reason == "" {
					t.Errorf("%s: N/A without a reason", r.ControlID)
				}
			}
			name := fx.golden
			if name == "" {
				name = fx.id
			}
			checkGolden(t, filepath.Join("testdata", "distros", name+"."+bench+".golden"), tr)
		})
	}
}

// One security setting changed where the distribution keeps it flips the
// matching control to FAIL, and the evidence names that place.
func TestDistroFlips(t *testing.T) {
	for _, fx := range distroFixtures {
		t.Run(fx.id+fx.golden+fx.bench, func(t *testing.T) {
			o, _ := detectFixture(t, fx)
			base := resultIn(t, EvaluateNode(fx.node(t), o), fx.control)
			if base.Status != StatusPass {
				t.Fatalf("%s before the change: %s %q", fx.control, base.Status, base.Reason)
			}
			n := fx.node(t)
			fx.flip(n)
			r := resultIn(t, EvaluateNode(n, o), fx.control)
			var locs []string
			for _, e := range r.Evidence {
				locs = append(locs, e.Location)
			}
			if r.Status != StatusFail || !strings.Contains(strings.Join(locs, "\n"), fx.place) {
				t.Errorf("%s after the change: %s %q, evidence %q (want FAIL naming %s)", fx.control, r.Status, r.Reason, locs, fx.place)
			}
		})
	}
}

func resultIn(t *testing.T, tr TargetReport, id string) Result {
	t.Helper()
	for _, r := range tr.Results {
		if r.ControlID == id {
			return r
		}
	}
	t.Fatalf("no control %s", id)
	return Result{}
}

// Saved evidence carries the distribution detected at collection, and
// evaluating it (scan --from-evidence) reads the node over that layout.
func TestSavedEvidenceCarriesDistribution(t *testing.T) {
	fx := distroFixtures[0]
	o, _ := detectFixture(t, fx)
	n := fx.node(t)
	n.Distribution = o.Distribution
	b, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := evidence.Unmarshal(b, "server-0.json")
	if err != nil {
		t.Fatal(err)
	}
	if saved.Distribution == nil || saved.Distribution.ID != "k3s" {
		t.Fatalf("distribution not saved: %+v", saved.Distribution)
	}
	offline := o
	offline.Distribution = nil
	if got, want := EvaluateNode(saved, offline), EvaluateNode(fx.node(t), o); !reflect.DeepEqual(got.Results, want.Results) {
		t.Errorf("saved evidence evaluated differently from the live evaluation")
	}
}
