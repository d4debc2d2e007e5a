package checks

import (
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// CIS 1.3: kube-controller-manager flags (all Level 1).

func kcmRem(s string) string {
	return "Edit the kube-controller-manager manifest (/etc/kubernetes/manifests/kube-controller-manager.yaml on kubeadm) on every control-plane node: " + s
}

func gcThreshold(ev *evidence.Node) Outcome {
	p, na := needProcess(ev, evidence.ControllerManager)
	if na != nil {
		return *na
	}
	o := flagObs(p, evidence.ControllerManager, "terminated-pod-gc-threshold", "12500")
	if v, ok := p.Flag("terminated-pod-gc-threshold"); ok && v != "" {
		return pass("terminated pods are garbage-collected above "+v, o)
	}
	return warn("--terminated-pod-gc-threshold is not set: up to 12500 terminated pods are kept; review whether a lower threshold suits the cluster", o)
}

func cis13ControllerManager() []NodeControl {
	cp := RoleControlPlane
	kcm := evidence.ControllerManager
	return []NodeControl{
		{cis("1.3.1", 1, false, cp, "terminated pods are garbage-collected at a chosen threshold",
			kcmRem("set `--terminated-pod-gc-threshold` to a value that fits the cluster, e.g. 10."), "kube-controller-manager --terminated-pod-gc-threshold"), gcThreshold},
		{cis("1.3.2", 1, true, cp, "kube-controller-manager profiling endpoints are off",
			kcmRem("set `--profiling=false`."), "kube-controller-manager --profiling"),
			flagCheck(kcm, "profiling", "true", func(v string, set bool) (bool, string) {
				if !set {
					return false, "--profiling is not set (default true)"
				}
				return v == "false", "--profiling=" + v
			})},
		{cis("1.3.3", 1, true, cp, "each controller uses its own service account credentials",
			kcmRem("set `--use-service-account-credentials=true`."), "kube-controller-manager --use-service-account-credentials"),
			flagCheck(kcm, "use-service-account-credentials", "false", func(v string, set bool) (bool, string) {
				if !set {
					return false, "--use-service-account-credentials is not set (default false): controllers share the manager's identity"
				}
				return v != "false", "--use-service-account-credentials=" + v
			})},
		{cis("1.3.4", 1, true, cp, "service account tokens are signed with an explicit private key",
			kcmRem("set `--service-account-private-key-file` to the key pair's private half (kubeadm: sa.key)."), "kube-controller-manager --service-account-private-key-file"),
			flagsPresent(kcm, "service-account-private-key-file")},
		{cis("1.3.5", 1, true, cp, "service account token volumes carry the cluster root CA",
			kcmRem("set `--root-ca-file` to the cluster CA certificate."), "kube-controller-manager --root-ca-file"), flagsPresent(kcm, "root-ca-file")},
		{cis("1.3.6", 1, true, cp, "kubelet serving certificate rotation is not disabled",
			kcmRem("remove `RotateKubeletServerCertificate=false` from `--feature-gates`."), "kube-controller-manager --feature-gates"),
			flagCheck(kcm, "feature-gates", "", func(v string, set bool) (bool, string) {
				if g, ok := parseKV(v)["RotateKubeletServerCertificate"]; ok && g == "false" {
					return false, "RotateKubeletServerCertificate=false"
				}
				return true, "RotateKubeletServerCertificate is not disabled (on by default)"
			})},
		{cis("1.3.7", 1, true, cp, "kube-controller-manager listens on loopback only",
			kcmRem("set `--bind-address=127.0.0.1`."), "kube-controller-manager --bind-address"), bindLoopback(kcm)},
	}
}

// bindLoopback passes when --bind-address is loopback. The benchmark's own
// audit passes an unset flag, but the real default is 0.0.0.0 (every
// interface), so unset is FAIL here.
func bindLoopback(c evidence.Component) func(*evidence.Node) Outcome {
	return flagCheck(c, "bind-address", "0.0.0.0", func(v string, set bool) (bool, string) {
		if !set {
			return false, "--bind-address is not set: the default 0.0.0.0 listens on every interface"
		}
		return isLoopbackAddr(v), "--bind-address=" + v
	})
}
