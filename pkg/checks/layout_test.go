package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/distros"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

func distroOf(t *testing.T, id string) *report.Distribution {
	t.Helper()
	d, ok := distros.Lookup(id)
	if !ok {
		t.Fatalf("no distribution %s", id)
	}
	return &report.Distribution{ID: d.ID, Name: d.Name, LayoutEvaluated: d.Layout.Evaluated}
}

func TestParseArgsFile(t *testing.T) {
	got := ParseArgsFile("# comment\n--a=1\n\n--b \"x y\"\n--c='${SNAP_DATA}/z'\n--flag\n  --d=${SNAP_COMMON}/e  \n")
	want := []string{"--a=1", "--b=x y", "--c=/var/snap/microk8s/current/z", "--flag", "--d=/var/snap/microk8s/common/e"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestEtcdConfigArgs(t *testing.T) {
	got, err := EtcdConfigArgs("data-dir: /d\nclient-transport-security:\n  client-cert-auth: true\n  unknown: x\npeer-transport-security:\n  auto-tls: false\nlisten-client-urls: [https://a, https://b]\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--client-cert-auth=true", "--data-dir=/d", "--listen-client-urls=https://a,https://b", "--peer-auto-tls=false"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := EtcdConfigArgs("a: [\n"); err == nil {
		t.Error("a broken file gave arguments")
	}
}

// The *-arg keys of the config file and its drop-ins name where a flag was
// set: a later file's key replaces, a "key+" appends.
func TestDistroArgOrigins(t *testing.T) {
	ev := &evidence.Node{Configs: map[string]string{
		"/etc/rancher/rke2/config.yaml":               "kubelet-arg:\n  - \"anonymous-auth=false\"\n  - read-only-port=0\nkube-apiserver-arg: profiling=false\n",
		"/etc/rancher/rke2/config.yaml.d/10-a.yaml":   "kubelet-arg+:\n  - event-qps=5\n",
		"/etc/rancher/rke2/config.yaml.d/20-b.yaml":   "kube-apiserver-arg:\n  - audit-log-maxage=30\n",
		"/etc/rancher/rke2/config.yaml.d/notes.txt":   "kubelet-arg: [x=y]\n",
		"/etc/rancher/rke2/config.yaml.d/30-bad.yaml": "kubelet-arg: [\n",
	}}
	d, _ := distros.Lookup("rke2")
	got := distroArgOrigins(ev, &d.Layout)
	if got[evidence.Kubelet]["anonymous-auth"] != "set by /etc/rancher/rke2/config.yaml kubelet-arg" ||
		got[evidence.Kubelet]["event-qps"] != "set by /etc/rancher/rke2/config.yaml.d/10-a.yaml kubelet-arg+" {
		t.Errorf("kubelet origins %v", got[evidence.Kubelet])
	}
	if _, kept := got[evidence.APIServer]["profiling"]; kept || got[evidence.APIServer]["audit-log-maxage"] == "" {
		t.Errorf("a later kube-apiserver-arg replaces the earlier: %v", got[evidence.APIServer])
	}
	if _, read := got[evidence.Kubelet]["x"]; read {
		t.Error("a file that is not *.yaml was read")
	}
}

// OpenShift: the flags of --openshift-config come first, the command line
// wins, and each flag from the file names it; a file not collected leaves
// the component not established.
func TestOpenShiftConfigArgs(t *testing.T) {
	const cf = "/etc/kubernetes/static-pod-resources/configmaps/config/config.yaml"
	ev := &evidence.Node{NodeName: "m", Processes: map[evidence.Component]*evidence.Process{
		evidence.ControllerManager: {Args: []string{"hyperkube", "kube-controller-manager", "--openshift-config=" + cf, "--profiling=false"}},
	}, Configs: map[string]string{cf: `{"extendedArguments": {"profiling": ["true"], "use-service-account-credentials": ["true"]}}`}}
	n, _ := applyLayout(ev, distroOf(t, "openshift"))
	p := n.Process(evidence.ControllerManager)
	if v, _ := p.Flag("profiling"); v != "false" || p.FlagOrigin("profiling") != "" {
		t.Errorf("the command line must win: profiling=%q from %q", v, p.FlagOrigin("profiling"))
	}
	if v, _ := p.Flag("use-service-account-credentials"); v != "true" || !strings.Contains(p.FlagOrigin("use-service-account-credentials"), cf+" extendedArguments") {
		t.Errorf("use-service-account-credentials=%q from %q", v, p.FlagOrigin("use-service-account-credentials"))
	}
	delete(ev.Configs, cf)
	n, _ = applyLayout(ev, distroOf(t, "openshift"))
	if n.Has(evidence.ControllerManager) || !strings.Contains(n.NotEstablished[evidence.ControllerManager], "not collected") {
		t.Errorf("without its config file: %+v %v", n.Process(evidence.ControllerManager), n.NotEstablished)
	}
	if !ev.Has(evidence.ControllerManager) {
		t.Error("applyLayout modified the evidence it was given")
	}
}

// k3s: a component with a log line becomes a process naming the line; one
// without, on a server, is not established (an agent runs no control plane).
func TestK3sComponents(t *testing.T) {
	for name, tc := range map[string]struct {
		role        string
		logged      []evidence.Component
		established []evidence.Component
		missing     []evidence.Component
	}{
		"server, every line":      {"server", embeddedComponents, embeddedComponents, nil},
		"server, kubelet line":    {"server", []evidence.Component{evidence.Kubelet}, []evidence.Component{evidence.Kubelet}, []evidence.Component{evidence.APIServer, evidence.ControllerManager, evidence.Scheduler, evidence.KubeProxy}},
		"agent, no line":          {"agent", nil, nil, []evidence.Component{evidence.Kubelet, evidence.KubeProxy}},
		"agent, the proxy's line": {"agent", []evidence.Component{evidence.KubeProxy}, []evidence.Component{evidence.KubeProxy}, []evidence.Component{evidence.Kubelet}},
	} {
		t.Run(name, func(t *testing.T) {
			ev := &evidence.Node{NodeName: "n", Supervisors: map[string]*evidence.Process{evidence.SupervisorK3s: {PID: 7, Args: []string{"k3s", tc.role}}}, Logged: map[evidence.Component]*evidence.Process{}}
			for _, c := range tc.logged {
				ev.Logged[c] = &evidence.Process{Origin: "journal:k3s.service", Args: []string{string(c), "--profiling=false"}}
			}
			n, _ := applyLayout(ev, distroOf(t, "k3s"))
			for _, c := range tc.established {
				if p := n.Process(c); p == nil || !strings.HasPrefix(p.FlagOrigin("profiling"), "k3s log line journal:k3s.service") {
					t.Errorf("%s: %+v", c, p)
				}
			}
			for _, c := range tc.missing {
				if n.Has(c) || !strings.Contains(n.NotEstablished[c], "not established") {
					t.Errorf("%s: process %+v, not established %q", c, n.Process(c), n.NotEstablished[c])
				}
			}
			if len(n.NotEstablished) != len(tc.missing) {
				t.Errorf("not established: %v", n.NotEstablished)
			}
		})
	}
}

// A MicroK8s node joined as a worker runs kubelite with
// --start-control-plane=false: its control-plane arguments files are not
// read as running components.
func TestMicroK8sWorker(t *testing.T) {
	for name, ev := range map[string]*evidence.Node{
		"kubelite's command line": {NodeName: "w", Supervisors: map[string]*evidence.Process{evidence.SupervisorKubelite: {PID: 9, Args: []string{"/snap/microk8s/current/kubelite", "--start-control-plane=false"}}}, Configs: map[string]string{}},
		"args/kubelite":           {NodeName: "w", Configs: map[string]string{evidence.MicroK8sKubeliteArgs: "--start-control-plane=false\n"}},
	} {
		t.Run(name, func(t *testing.T) {
			for _, f := range evidence.MicroK8sArgsFiles {
				ev.Configs[f] = "--profiling=false\n"
			}
			n, _ := applyLayout(ev, distroOf(t, "microk8s"))
			if n.Has(evidence.APIServer) || n.Has(evidence.ControllerManager) || n.Has(evidence.Scheduler) || !n.Has(evidence.Kubelet) || !n.Has(evidence.KubeProxy) {
				t.Errorf("processes %v", n.Processes)
			}
		})
	}
}

// A component k3s was told not to run (--disable-apiserver, or the same key
// in its config file) is not running: no ERROR for its missing log line.
func TestK3sDisabledComponents(t *testing.T) {
	ev := &evidence.Node{NodeName: "etcd-only",
		Supervisors: map[string]*evidence.Process{evidence.SupervisorK3s: {PID: 7, Args: []string{"k3s", "server", "--disable-scheduler"}}},
		Configs: map[string]string{
			"/etc/rancher/k3s/config.yaml":             "disable-apiserver: true\ndisable-controller-manager: true\n",
			"/etc/rancher/k3s/config.yaml.d/90-x.yaml": "disable-controller-manager: false\n",
		}}
	n, notes := applyLayout(ev, distroOf(t, "k3s"))
	for _, c := range []evidence.Component{evidence.APIServer, evidence.Scheduler} {
		if n.NotEstablished[c] != "" {
			t.Errorf("%s disabled but reported not established", c)
		}
	}
	for _, c := range []evidence.Component{evidence.ControllerManager, evidence.Kubelet, evidence.KubeProxy} {
		if n.NotEstablished[c] == "" {
			t.Errorf("%s runs: its missing line must be reported", c)
		}
	}
	if !strings.Contains(strings.Join(notes, "\n"), "kube-apiserver is disabled (/etc/rancher/k3s/config.yaml disable-apiserver: true)") {
		t.Errorf("notes %q", notes)
	}
}
