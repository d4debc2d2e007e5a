//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// The EKS AL2023 node layout as nodeadm writes it (awslabs/amazon-eks-ami
// nodeadm/internal/kubelet config.go and environment.go, and
// templates/al2023/runtime/rootfs/etc/systemd/system/kubelet.service):
// the kubelet config is JSON at /etc/kubernetes/kubelet/config.json (mode
// 0644, --config), the user's NodeConfig spec.kubelet.config is a drop-in
// /etc/kubernetes/kubelet/config.json.d/40-nodeadm.conf (--config-dir), and
// the unit runs `/usr/bin/kubelet $NODEADM_KUBELET_ARGS` with
// EnvironmentFile=/etc/eks/kubelet/environment.
const (
	eksKubeletDir  = "/etc/kubernetes/kubelet"
	eksConfig      = eksKubeletDir + "/config.json"
	eksDropInDir   = eksConfig + ".d"
	eksDropIn      = eksDropInDir + "/40-nodeadm.conf"
	eksEnvDir      = "/etc/eks"
	eksEnvFile     = eksEnvDir + "/kubelet/environment"
	eksUnitDropIn  = "/etc/systemd/system/kubelet.service.d/90-harden-e2e-eks.conf"
	kubeadmConfig  = "/var/lib/kubelet/config.yaml"
	kubeadmFlags   = "/var/lib/kubelet/kubeadm-flags.env"
	kubeadmConfDir = "/etc/kubernetes/kubelet.conf.d"
)

// TestEKSNodeDropIn reshapes the kind worker like an EKS AL2023 node and
// scans it with --benchmark eks-1.8.0: the value of readOnlyPort that 3.2.4
// evaluates must be the drop-in's, as the live kubelet's /configz says, in
// both directions, and config.json's own value once the drop-in is gone.
// The node is restored exactly (files, unit, kubelet command line).
func TestEKSNodeDropIn(t *testing.T) {
	node := cluster.worker
	eksShape(t, node)

	// The kubelet merges its drop-ins only at start-up.
	setReadOnlyPort := func(t *testing.T, mainFile int, dropIn *int) {
		t.Helper()
		writeEKSConfig(t, node, mainFile)
		if dropIn == nil {
			nodeExec(t, node, "rm -f "+eksDropIn)
		} else {
			writeNodeFile(t, node, eksDropIn, fmt.Sprintf(`{
    "kind": "KubeletConfiguration",
    "apiVersion": "kubelet.config.k8s.io/v1beta1",
    "readOnlyPort": %d
}
`, *dropIn))
		}
		restartKubelet(t, node)
		expectKubeletFlags(t, node, map[string]string{"config": eksConfig, "config-dir": eksDropInDir})
	}
	scan := func(t *testing.T) *report.TargetReport {
		t.Helper()
		tg := target(t, scanJSON(t, "node/"+node, "--benchmark", "eks-1.8.0"), node)
		expectStatus(t, result(t, tg, "KH-KUBELET-1"), report.StatusPass)
		return tg
	}
	open, closed := 10255, 0

	t.Run("3.2.4 drop-in readOnlyPort 10255 over config.json's 0", func(t *testing.T) {
		setReadOnlyPort(t, closed, &open)
		expectLive(t, node, "readOnlyPort", "10255")
		tg := scan(t)
		r := result(t, tg, "3.2.4")
		expectStatus(t, r, report.StatusFail)
		expectEvidence(t, r, eksDropIn+" readOnlyPort", "10255")
		// The main file is the one --config names, in JSON.
		expectEvidence(t, result(t, tg, "3.1.3"), eksConfig, "644")
	})

	t.Run("3.2.4 without the drop-in config.json's explicit 0 passes", func(t *testing.T) {
		setReadOnlyPort(t, closed, nil)
		expectLive(t, node, "readOnlyPort", "0")
		r := result(t, scan(t), "3.2.4")
		expectStatus(t, r, report.StatusPass)
		expectEvidence(t, r, eksConfig+" readOnlyPort", "0")
	})

	t.Run("3.2.4 drop-in readOnlyPort 0 over config.json's 10255", func(t *testing.T) {
		setReadOnlyPort(t, open, &closed)
		expectLive(t, node, "readOnlyPort", "0")
		r := result(t, scan(t), "3.2.4")
		expectStatus(t, r, report.StatusPass)
		expectEvidence(t, r, eksDropIn+" readOnlyPort", "0")
	})
}

// TestKubeletDropInKubeadm keeps the kubeadm layout of the kind worker
// (/var/lib/kubelet/config.yaml, which sets no podPidsLimit) and adds
// --config-dir to KUBELET_KUBEADM_ARGS: of two drop-ins the lexically last
// must win and a file not ending in .conf must be ignored, as the live
// kubelet does; without the drop-ins CIS 1.12 4.2.13 fails again.
func TestKubeletDropInKubeadm(t *testing.T) {
	node := cluster.worker
	if _, set := kubeletConfigKey(t, node, kubeadmConfig, "podPidsLimit"); set {
		t.Fatalf("node/%s: %s already sets podPidsLimit: the cluster is not in its default state", node, kubeadmConfig)
	}
	origArgv := procCmdline(t, node, "kubelet")
	if flagValues(origArgv)["config"] != kubeadmConfig {
		t.Fatalf("node/%s: kubelet runs with --config=%q, want %s", node, flagValues(origArgv)["config"], kubeadmConfig)
	}
	mustNotExist(t, node, kubeadmConfDir)
	origFlags := nodeExec(t, node, "cat "+kubeadmFlags)
	t.Cleanup(func() {
		writeNodeFile(t, node, kubeadmFlags, origFlags)
		nodeExec(t, node, "rm -rf "+kubeadmConfDir)
		restartKubelet(t, node)
		expectArgv(t, node, origArgv)
	})
	flags, err := addKubeadmArg(origFlags, "--config-dir="+kubeadmConfDir)
	if err != nil {
		t.Fatalf("%s on node/%s: %v", kubeadmFlags, node, err)
	}
	const first, last, ignored = kubeadmConfDir + "/10-pids.conf", kubeadmConfDir + "/20-pids.conf", kubeadmConfDir + "/30-pids.conf.disabled"
	nodeExec(t, node, "mkdir -p "+kubeadmConfDir)
	writeNodeFile(t, node, first, "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\npodPidsLimit: 1024\n")
	writeNodeFile(t, node, last, `{"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration", "podPidsLimit": 4096}`+"\n")
	writeNodeFile(t, node, ignored, "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\npodPidsLimit: 99\n")
	writeNodeFile(t, node, kubeadmFlags, flags)

	t.Run("4.2.13 podPidsLimit from the last drop-in", func(t *testing.T) {
		restartKubelet(t, node)
		expectKubeletFlags(t, node, map[string]string{"config": kubeadmConfig, "config-dir": kubeadmConfDir})
		expectLive(t, node, "podPidsLimit", "4096")
		tg := target(t, scanJSON(t, "node/"+node), node)
		r := result(t, tg, "4.2.13")
		expectStatus(t, r, report.StatusPass)
		expectEvidence(t, r, last+" podPidsLimit", "4096")
		expectStatus(t, result(t, tg, "KH-KUBELET-1"), report.StatusPass)
	})

	t.Run("4.2.13 fails with only the ignored file left", func(t *testing.T) {
		nodeExec(t, node, "rm -f "+first+" "+last)
		restartKubelet(t, node)
		expectLive(t, node, "podPidsLimit", "-1")
		tg := target(t, scanJSON(t, "node/"+node), node)
		r := result(t, tg, "4.2.13")
		expectStatus(t, r, report.StatusFail)
		expectEvidence(t, r, "kubelet default for podPidsLimit", "-1")
		expectStatus(t, result(t, tg, "KH-KUBELET-1"), report.StatusPass)
	})
}

// eksShape moves the kubelet of a kind node to the EKS AL2023 layout: its
// kubeadm config.yaml copied to config.json as JSON, an empty
// config.json.d, and a unit drop-in that starts the kubelet as AL2023 does,
// with the running kubelet's own arguments except --config, plus --config
// and --config-dir of the EKS layout. t.Cleanup removes all of it, restarts
// the kubelet and checks its command line is the one of before.
func eksShape(t *testing.T, node string) {
	t.Helper()
	origArgv := procCmdline(t, node, "kubelet")
	if len(origArgv) < 2 || flagValues(origArgv)["config"] != kubeadmConfig {
		t.Fatalf("node/%s: kubelet command line %q, want one with --config=%s", node, origArgv, kubeadmConfig)
	}
	for _, p := range []string{eksKubeletDir, eksEnvDir, eksUnitDropIn} {
		mustNotExist(t, node, p)
	}
	t.Cleanup(func() {
		nodeExec(t, node, "rm -rf "+eksKubeletDir+" "+eksEnvDir+" "+eksUnitDropIn+" && systemctl daemon-reload")
		restartKubelet(t, node)
		expectArgv(t, node, origArgv)
	})
	args := []string{"--config=" + eksConfig, "--config-dir=" + eksDropInDir}
	for _, a := range origArgv[1:] {
		switch {
		case a == "--config" || a == "--config-dir" || strings.ContainsAny(a, " \t\"'\\$"):
			t.Fatalf("node/%s: kubelet argument %q cannot be carried over to $NODEADM_KUBELET_ARGS", node, a)
		case strings.HasPrefix(a, "--config="), strings.HasPrefix(a, "--config-dir="):
		default:
			args = append(args, a)
		}
	}
	nodeExec(t, node, "mkdir -p "+eksDropInDir+" "+eksEnvDir+"/kubelet")
	writeNodeFile(t, node, eksEnvFile, "NODEADM_KUBELET_ARGS="+strings.Join(args, " ")+"\n")
	writeNodeFile(t, node, eksUnitDropIn, "[Service]\nEnvironmentFile="+eksEnvFile+"\nExecStart=\nExecStart="+origArgv[0]+" $NODEADM_KUBELET_ARGS\n")
	nodeExec(t, node, "systemctl daemon-reload")
}

// writeEKSConfig writes config.json: the node's kubeadm config.yaml as
// JSON, readOnlyPort set explicitly (AL2023's default config sets it to 0).
func writeEKSConfig(t *testing.T, node string, readOnlyPort int) {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(nodeExec(t, node, "cat "+kubeadmConfig)))
	if err != nil {
		t.Fatalf("%s on node/%s: %v", kubeadmConfig, node, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatalf("%s on node/%s: %v", kubeadmConfig, node, err)
	}
	doc["readOnlyPort"] = readOnlyPort
	out, err := json.MarshalIndent(doc, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	writeNodeFile(t, node, eksConfig, string(out)+"\n")
	nodeExec(t, node, "chmod 0644 "+eksConfig)
}

// kubeletConfigKey reads a key of a kubelet config file on a node.
func kubeletConfigKey(t *testing.T, node, path, key string) (any, bool) {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(nodeExec(t, node, "cat "+path)), &doc); err != nil {
		t.Fatalf("%s on node/%s: %v", path, node, err)
	}
	return lookup(doc, key)
}

// addKubeadmArg appends a flag to KUBELET_KUBEADM_ARGS of kubeadm-flags.env.
func addKubeadmArg(env, flag string) (string, error) {
	lines := strings.Split(env, "\n")
	for i, l := range lines {
		if v, ok := strings.CutPrefix(l, "KUBELET_KUBEADM_ARGS="); ok {
			if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
				return "", fmt.Errorf("KUBELET_KUBEADM_ARGS is not a double-quoted value: %q", l)
			}
			lines[i] = "KUBELET_KUBEADM_ARGS=" + v[:len(v)-1] + " " + flag + `"`
			return strings.Join(lines, "\n"), nil
		}
	}
	return "", fmt.Errorf("no KUBELET_KUBEADM_ARGS line")
}

func mustNotExist(t *testing.T, node, path string) {
	t.Helper()
	if out := nodeExec(t, node, "ls -d "+path+" 2>/dev/null || true"); strings.TrimSpace(out) != "" {
		t.Fatalf("node/%s: %s exists already (left by an interrupted run?); remove it or recreate the cluster", node, path)
	}
}

// expectKubeletFlags checks flags of the running kubelet's command line.
func expectKubeletFlags(t *testing.T, node string, want map[string]string) {
	t.Helper()
	got := flagValues(procCmdline(t, node, "kubelet"))
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("node/%s: kubelet runs with --%s=%q, want %q", node, k, got[k], v)
		}
	}
}

// expectArgv checks that the running kubelet's command line is argv.
func expectArgv(t *testing.T, node string, argv []string) {
	t.Helper()
	if got := procCmdline(t, node, "kubelet"); !reflect.DeepEqual(got, argv) {
		t.Errorf("node/%s not restored: kubelet runs as %q, want %q", node, got, argv)
	}
}

// expectLive checks a setting of the live kubelet (/configz through the
// API server's node proxy): the ground truth of what the kubelet merged.
func expectLive(t *testing.T, node, key, want string) {
	t.Helper()
	raw := []byte(kubectl(t, "get", "--raw", "/api/v1/nodes/"+node+"/proxy/configz"))
	got, err := checks.LiveKubeletSetting(raw, key)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("node/%s: live kubelet %s = %q, want %q (the node is not shaped as the test needs)", node, key, got, want)
	}
}
