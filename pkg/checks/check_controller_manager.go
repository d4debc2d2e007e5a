package checks

import (
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// kube-controller-manager checks beyond the generic component ones.

func gcThreshold(ev *evidence.Node) Outcome {
	f, stop := readFlag(ev, evidence.ControllerManager, "terminated-pod-gc-threshold", "12500")
	if stop != nil {
		return *stop
	}
	if f.Set && f.Value != "" {
		return pass("terminated pods are garbage-collected above "+f.Value, f.Obs)
	}
	return warn("--terminated-pod-gc-threshold is not set: up to 12500 terminated pods are kept; review whether a lower threshold suits the cluster", f.Obs)
}

func init() {
	register(Check{ID: "controller-manager.terminated-pod-gc-threshold", Doc: "--terminated-pod-gc-threshold is set (PASS), else a review (WARN) of the default 12500",
		Eval: func(_ Params, ev *evidence.Node) Outcome { return gcThreshold(ev) }})
	register(Check{ID: "controller-manager.service-account-credentials", Doc: "--use-service-account-credentials is set and not false: each controller uses its own service account",
		Eval: func(_ Params, ev *evidence.Node) Outcome {
			return flagCheck(evidence.ControllerManager, "use-service-account-credentials", "false", func(v string, set bool) (bool, string) {
				if !set {
					return false, "--use-service-account-credentials is not set (default false): controllers share the manager's identity"
				}
				return v != "false", "--use-service-account-credentials=" + v
			})(ev)
		}})
	register(Check{ID: "controller-manager.kubelet-serving-cert-rotation", Doc: "--feature-gates does not set RotateKubeletServerCertificate=false",
		Eval: func(_ Params, ev *evidence.Node) Outcome {
			return flagCheck(evidence.ControllerManager, "feature-gates", "", func(v string, set bool) (bool, string) {
				if g, ok := parseKV(v)["RotateKubeletServerCertificate"]; ok && g == "false" {
					return false, "RotateKubeletServerCertificate=false"
				}
				return true, "RotateKubeletServerCertificate is not disabled (on by default)"
			})(ev)
		}})
}
