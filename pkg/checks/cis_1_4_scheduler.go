package checks

import (
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// CIS 1.4: kube-scheduler flags (both Level 1).

func schRem(s string) string {
	return "Edit the kube-scheduler manifest (/etc/kubernetes/manifests/kube-scheduler.yaml on kubeadm) on every control-plane node: " + s
}

func cis14Scheduler() []NodeControl {
	cp := RoleControlPlane
	sch := evidence.Scheduler
	return []NodeControl{
		{cis("1.4.1", 1, true, cp, "kube-scheduler profiling endpoints are off",
			schRem("set `--profiling=false`."), "kube-scheduler --profiling"),
			flagCheck(sch, "profiling", "true", func(v string, set bool) (bool, string) {
				if !set {
					return false, "--profiling is not set (default true)"
				}
				return v == "false", "--profiling=" + v
			})},
		{cis("1.4.2", 1, true, cp, "kube-scheduler listens on loopback only",
			schRem("set `--bind-address=127.0.0.1`."), "kube-scheduler --bind-address"), bindLoopback(sch)},
	}
}
