package checks

import (
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// OpenShift evidence on the hardened control plane: the static pod
// resources tree (a secret's directory and files, modes and owners as
// given), the node kubeconfig, and the API server's --openshift-config.
var ocpRes = evidence.OpenShiftStaticPodResources

func ocpSecrets(keyMode, crtMode uint32, uid int) func(*evidence.Node) {
	return func(n *evidence.Node) {
		addDir(n, ocpRes, 0o755, 0, 0)
		d := ocpRes + "/kube-apiserver-certs/secrets/localhost-serving-cert-certkey"
		addDir(n, ocpRes+"/kube-apiserver-certs/secrets", 0o755, uid, 0)
		addDir(n, d, 0o755, 0, 0)
		addFile(n, d+"/tls.key", keyMode, 0, 0)
		addFile(n, d+"/tls.crt", crtMode, 0, 0)
		// configmaps are written 0644 and are not PKI secrets.
		addFile(n, ocpRes+"/kube-apiserver-certs/configmaps/client-ca/ca-bundle.crt", 0o644, 1000, 0)
	}
}

func ocpConfig(text string) func(*evidence.Node) {
	return func(n *evidence.Node) {
		const cf = "/etc/kubernetes/static-pod-resources/configmaps/config/config.yaml"
		setFlag(n, evidence.APIServer, "openshift-config", cf)
		n.Configs[cf] = text
	}
}

func ocpKubeconfig(mode uint32, uid int) func(*evidence.Node) {
	return func(n *evidence.Node) { addFile(n, evidence.OpenShiftNodeKubeconfig, mode, uid, 0) }
}

func init() {
	benchmarkCases = append(benchmarkCases, []benchmarkCase{
		{"rh-1.8", "1.1.12", nil, chown("/var/lib/etcd", 0, 0), StatusPass},
		{"rh-1.8", "1.1.12", nil, nil, StatusFail}, // etcd:etcd (998) is not OpenShift's root
		{"rh-1.8", "1.1.13", nil, ocpKubeconfig(0o600, 0), StatusPass},
		{"rh-1.8", "1.1.13", nil, ocpKubeconfig(0o644, 0), StatusFail},
		{"rh-1.8", "1.1.13", nil, nil, StatusError}, // not collected
		{"rh-1.8", "1.1.14", nil, ocpKubeconfig(0o600, 0), StatusPass},
		{"rh-1.8", "1.1.14", nil, ocpKubeconfig(0o600, 1000), StatusFail},
		{"rh-1.8", "1.1.19", nil, ocpSecrets(0o600, 0o600, 0), StatusPass},
		{"rh-1.8", "1.1.19", nil, ocpSecrets(0o600, 0o600, 1000), StatusFail},
		{"rh-1.8", "1.1.19", nil, nil, StatusError},
		{"rh-1.8", "1.1.20", nil, ocpSecrets(0o600, 0o600, 0), StatusPass},
		{"rh-1.8", "1.1.20", nil, ocpSecrets(0o600, 0o644, 0), StatusFail},
		{"rh-1.8", "1.1.21", nil, ocpSecrets(0o600, 0o644, 0), StatusPass},
		{"rh-1.8", "1.1.21", nil, ocpSecrets(0o640, 0o600, 0), StatusFail},
		{"rh-1.8", "1.2.12", nil, flag(api, "enable-admission-plugins", "NodeRestriction,security.openshift.io/SecurityContextConstraint"), StatusPass},
		{"rh-1.8", "1.2.12", nil, nil, StatusFail},
		{"rh-1.8", "1.2.15", nil, nil, StatusPass}, // no insecure port since Kubernetes 1.24
		{"rh-1.8", "1.2.15", nil, flag(api, "insecure-port", "8080"), StatusFail},
		{"rh-1.8", "1.2.16", nil, nil, StatusPass},
		{"rh-1.8", "1.2.16", nil, flag(api, "secure-port", "0"), StatusFail},
		{"rh-1.8", "1.2.24", nil, ocpConfig("serviceAccountPublicKeyFiles:\n- /etc/kubernetes/static-pod-resources/configmaps/sa-token-signing-certs\n"), StatusPass},
		{"rh-1.8", "1.2.24", nil, ocpConfig("serviceAccountPublicKeyFiles: []\n"), StatusFail},
		{"rh-1.8", "1.2.24", nil, nil, StatusError}, // no --openshift-config
		{"rh-1.8", "1.2.27", nil, ocpConfig("servingInfo:\n  clientCA: /etc/kubernetes/static-pod-certs/configmaps/client-ca/ca-bundle.crt\n"), StatusPass},
		{"rh-1.8", "1.2.27", nil, ocpConfig("servingInfo:\n  bindAddress: 0.0.0.0:6443\n"), StatusFail},
		{"rh-1.8", "4.1.2", worker, nil, StatusPass},
		{"rh-1.8", "4.1.2", worker, chown(kubeadmUnit, 1000, 0), StatusFail},
	}...)
}

// The OpenShift config check: a field set, empty, absent, unreadable or
// not collected, and the process not running.
func TestOpenShiftConfigSet(t *testing.T) {
	const cf = "/c/config.yaml"
	node := func(args []string, cfg *string) *evidence.Node {
		n := distroNode("master-0")
		if args != nil {
			n.Processes[evidence.APIServer] = &evidence.Process{PID: 1, Args: args}
		}
		if cfg != nil {
			n.Configs[cf] = *cfg
		}
		return n
	}
	text := func(s string) *string { return &s }
	withCfg := []string{"kube-apiserver", "--openshift-config=" + cf}
	for _, tc := range []struct {
		name string
		n    *evidence.Node
		key  string
		want Status
		says string
	}{
		{"set", node(withCfg, text("servingInfo:\n  clientCA: /ca.crt\n")), "servingInfo.clientCA", StatusPass, "is set in " + cf},
		{"empty", node(withCfg, text("servingInfo:\n  clientCA: \"\"\n")), "servingInfo.clientCA", StatusFail, "is not set"},
		{"absent", node(withCfg, text("servingInfo: {}\n")), "servingInfo.clientCA", StatusFail, "is not set"},
		{"not a map", node(withCfg, text("servingInfo: x\n")), "servingInfo.clientCA", StatusFail, "is not set"},
		{"unreadable", node(withCfg, text("servingInfo: [\n")), "servingInfo.clientCA", StatusError, "could not be read"},
		{"not collected", node(withCfg, nil), "servingInfo.clientCA", StatusError, "was not collected"},
		{"no flag", node([]string{"kube-apiserver"}, nil), "servingInfo.clientCA", StatusError, "has no --openshift-config"},
		{"not running", node(nil, nil), "servingInfo.clientCA", StatusNA, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := openshiftConfigSet(tc.n, evidence.APIServer, tc.key)
			if o.Status != tc.want || !strings.Contains(o.Reason, tc.says) {
				t.Errorf("%s %q, want %s naming %q", o.Status, o.Reason, tc.want, tc.says)
			}
		})
	}
}

// A static pod resources tree the collector cut at its bound decides no
// PKI control.
func TestOpenShiftSecretsTreeCut(t *testing.T) {
	n := hardenedControlPlane()
	ocpSecrets(0o600, 0o600, 0)(n)
	n.Warnings = append(n.Warnings, "tree "+ocpRes+" has more than 2000 entries; the rest was not collected")
	for _, id := range []string{"1.1.19", "1.1.20", "1.1.21"} {
		r := resultIn(t, EvaluateNode(n, EvalOptions{Benchmark: "rh-1.8", Now: testNow}), id)
		if r.Status != StatusError || !strings.Contains(r.Reason, "listed only part of "+ocpRes) {
			t.Errorf("%s: %s %q", id, r.Status, r.Reason)
		}
	}
}
