package workloads

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Effective capabilities. The API stores capabilities.add and .drop as
// free strings; the kubelet passes them to the runtime unchanged, and the
// runtime decides what the process gets. containerd's CRI plugin
// (containerd/containerd internal/cri/opts/spec_opts.go WithCapabilities;
// pkg/cri/opts/spec_linux.go in the 1.6 and 1.7 releases):
//
//  1. starts from its default set, which holds CAP_NET_RAW but not
//     CAP_SYS_ADMIN (pkg/oci/spec.go defaultUnixCaps);
//  2. "ALL" in add (compared case-insensitively) gives every capability,
//     then "ALL" in drop removes every capability;
//  3. every other add entry is upper-cased and prefixed with CAP_ and
//     added, then every other drop entry likewise removed.
//
// So "net_raw" adds NET_RAW, and "CAP_NET_RAW" in drop removes
// "CAP_CAP_NET_RAW", which does not exist: NET_RAW stays. A privileged
// container gets every capability whatever add and drop say
// (internal/cri/server/container_create.go applies oci.WithPrivileged,
// WithAllCurrentCapabilities, after the capability options). CRI-O strips
// a CAP_ prefix; containerd, the runtime of most clusters (kind, kubeadm,
// EKS, GKE, AKS), does not, so a CAP_ entry is reported as not honoured.

// capsHeld is what a container ends up with for one capability, and why.
// addedAndDropped is set when add names it (or ALL) and drop removes it
// again: the process does not hold it, but PSS baseline rejects the add.
type capsHeld struct {
	held            bool
	why             string
	addedAndDropped bool
}

// holdsCap computes, as containerd does, whether the container's process
// holds the capability name (upper case, without CAP_).
func holdsCap(sc *corev1.SecurityContext, name string, inDefault bool) capsHeld {
	if sc != nil && sc.Privileged != nil && *sc.Privileged {
		return capsHeld{held: true, why: "privileged: the container holds every capability"}
	}
	held := inDefault
	why := "not dropped: the runtime grants " + name + " by default"
	if !inDefault {
		why = "not added"
	}
	if sc == nil || sc.Capabilities == nil {
		return capsHeld{held: held, why: why}
	}
	add, drop := sc.Capabilities.Add, sc.Capabilities.Drop
	if c, ok := findCap(add, "ALL"); ok {
		held, why = true, fmt.Sprintf("add: [%s] gives every capability", c)
	}
	if c, ok := findCap(drop, "ALL"); ok {
		held, why = false, fmt.Sprintf("drop: [%s]", c)
	}
	if c, ok := findCap(add, name); ok {
		held, why = true, fmt.Sprintf("add: [%s]", c)
		if c != name {
			why += " (the runtime upper-cases it: " + name + ")"
		}
	}
	if c, ok := findCap(drop, name); ok {
		out := capsHeld{why: fmt.Sprintf("drop: [%s]", c)}
		if a, ok := findCap(add, name); ok {
			out.addedAndDropped = true
			out.why = fmt.Sprintf("add: [%s] and drop: [%s]: the drop is applied last", a, c)
		}
		return out
	}
	if held {
		if c, ok := findCap(drop, "CAP_"+name); ok {
			why += fmt.Sprintf("; drop: [%s] is not honoured: containerd prefixes CAP_ itself and drops the nonexistent CAP_%s", c, strings.ToUpper(c))
		}
	}
	return capsHeld{held: held, why: why}
}

// findCap returns the first entry equal to name ignoring case.
func findCap(list []corev1.Capability, name string) (string, bool) {
	for _, c := range list {
		if strings.EqualFold(string(c), name) {
			return string(c), true
		}
	}
	return "", false
}
