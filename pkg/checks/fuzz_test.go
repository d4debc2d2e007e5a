package checks

import (
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/distros"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// FuzzKubeletConfig feeds arbitrary kubelet config files and flags through
// the effective-configuration resolver and every node control: nothing
// may panic, and a config that does not parse never yields a PASS for the
// kubelet settings read from it.
func FuzzKubeletConfig(f *testing.F) {
	f.Add("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\nreadOnlyPort: 0\n", "--read-only-port=10255")
	f.Add("{\"kind\":\"KubeletConfiguration\",\"featureGates\":{\"RotateKubeletServerCertificate\":false}}", "--feature-gates=A=true,,=")
	f.Add("kind: KubeletConfiguration\ntlsCipherSuites: [a, b]\nstreamingConnectionIdleTimeout: 0s\n", "--anonymous-auth")
	f.Add(":\n- [", "--config-dir=/x")
	f.Fuzz(func(t *testing.T, config, flag string) {
		if len(config)+len(flag) > maxFuzzInput {
			return
		}
		resetParseCache()
		const path = "/var/lib/kubelet/config.yaml"
		ev := &evidence.Node{
			NodeName: "fuzz",
			Processes: map[evidence.Component]*evidence.Process{
				evidence.Kubelet: {PID: 1, Args: []string{"kubelet", "--config=" + path, flag}},
			},
			Files:   map[string]*evidence.File{path: {Path: path, Exists: true, Type: "file", Mode: 0o600}},
			Configs: map[string]string{path: config},
			Users:   map[int]string{0: "root"},
			Groups:  map[int]string{0: "root"},
		}
		for key := range kubeletKeys {
			_, _ = KubeletSetting(ev, key)
		}
		tr := EvaluateNode(ev, testOpts())
		if _, err := parseConfigText(path, "KubeletConfiguration", config); err != nil {
			for _, r := range tr.Results {
				if r.ControlID == "4.2.1" && r.Status == StatusPass && flag != "--anonymous-auth=false" {
					t.Errorf("4.2.1 PASS from an unparseable config (%v): %s", err, r.Reason)
				}
			}
		}
	})
}

// maxFuzzInput bounds what the node fuzz targets look at: a longer config
// only repeats the parser's work, and minimising a long input that took a
// millisecond per run kept the fuzzer from fuzzing.
const maxFuzzInput = 4 << 10

// resetParseCache empties parseComponentConfig's cache, so that each fuzz
// input runs the same code however often it ran before. A cache hit skips
// the YAML parser: the coverage then changed from run to run, the fuzzer
// took old inputs for new ones and spent its time minimising them (a
// 30-second run made 8 executions).
func resetParseCache() {
	parsedConfigs.Lock()
	parsedConfigs.m = map[string]map[string]any{}
	parsedConfigs.Unlock()
}

// FuzzLayoutFiles: the distribution files the layout reads (an etcd config
// file, a MicroK8s arguments file, a k3s config file's *-arg keys,
// OpenShift's apiServerArguments) never crash the evaluation.
func FuzzLayoutFiles(f *testing.F) {
	f.Add("client-transport-security:\n  client-cert-auth: true\ndata-dir: /d\n", "--anonymous-auth=false\n# c\n--x ${SNAP_DATA}/y\n")
	f.Add("apiServerArguments:\n  anonymous-auth: [\"true\"]\n", "kube-apiserver-arg+: a=b\nkubelet-arg: [x, 1, {a: b}]\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		_, _ = EtcdConfigArgs(a)
		_ = ParseArgsFile(b)
		n := &evidence.Node{NodeName: "n", Processes: map[evidence.Component]*evidence.Process{
			evidence.APIServer: {Args: []string{"hyperkube", "kube-apiserver", "--openshift-config=/c"}},
			evidence.Etcd:      {Args: []string{"etcd", "--config-file=/var/lib/rancher/rke2/server/db/etcd/config"}},
		}, Configs: map[string]string{"/c": a, "/var/lib/rancher/rke2/server/db/etcd/config": a, "/etc/rancher/rke2/config.yaml": b}}
		for _, id := range []string{"openshift", "rke2", "microk8s", "k3s"} {
			d, _ := distros.Lookup(id)
			_ = EvaluateNode(n, EvalOptions{Benchmark: "cis-1.12", Distribution: &report.Distribution{ID: d.ID, Name: d.Name, LayoutEvaluated: true}})
		}
	})
}
