package workloads

import (
	"strings"
)

// systemComponent recognises one component of the control plane, the
// distribution or the CNI that legitimately needs privileges. An object is
// recognised only when ALL of namespace, kind, name and every container
// image match: a user's pod named kube-proxy in namespace default, or a
// DaemonSet kube-system/kube-proxy running some other image, is not system.
type systemComponent struct {
	// Component is the name shown in "expected for <component>".
	Component string
	// Why says what the privileges are for.
	Why string
	// Namespaces the object must be in.
	Namespaces []string
	// Kind is the workload kind ("daemonset", "deployment"); "pod" with
	// Mirror means the mirror pod of a static pod.
	Kind   string
	Mirror bool
	// Name is the object's name; for mirror pods the name is
	// Name + "-" + node name, as the kubelet names them.
	Name string
	// Images: every regular container's image reference must contain one
	// of them (repository path, e.g. "kube-proxy").
	Images []string
}

// systemComponents is the list of recognised system objects.
var systemComponents = []systemComponent{
	{Component: "kube-proxy", Why: "programs the node's iptables/IPVS rules: host network, privileged, host paths /lib/modules and /run/xtables.lock",
		Namespaces: []string{"kube-system"}, Kind: "daemonset", Name: "kube-proxy", Images: []string{"kube-proxy"}},
	// kind's CNI: kindnetd (kubernetes-sigs/kind, images/kindnetd); node
	// images built offline may carry minikindnet instead, a stand-in with
	// the same DaemonSet name, namespace and privileges.
	{Component: "kindnet (kind's CNI)", Why: "configures pod networking on the node: host network, NET_RAW/NET_ADMIN, host paths /etc/cni/net.d, /lib/modules, /run/xtables.lock",
		Namespaces: []string{"kube-system"}, Kind: "daemonset", Name: "kindnet", Images: []string{"kindnetd", "minikindnet"}},
	{Component: "Calico CNI", Why: "configures pod networking and enforces NetworkPolicy on the node: host network, privileged, host paths",
		Namespaces: []string{"kube-system", "calico-system"}, Kind: "daemonset", Name: "calico-node", Images: []string{"calico/node"}},
	{Component: "Cilium CNI", Why: "configures pod networking and enforces NetworkPolicy on the node: host network, privileged or NET_ADMIN/SYS_ADMIN, host paths",
		Namespaces: []string{"kube-system"}, Kind: "daemonset", Name: "cilium", Images: []string{"cilium/cilium"}},
	{Component: "Flannel CNI", Why: "configures pod networking on the node: host network, NET_ADMIN/NET_RAW, host paths",
		Namespaces: []string{"kube-flannel", "kube-system"}, Kind: "daemonset", Name: "kube-flannel-ds", Images: []string{"flannel"}},
	{Component: "AWS VPC CNI", Why: "configures pod networking on the node: host network, privileged init, host paths",
		Namespaces: []string{"kube-system"}, Kind: "daemonset", Name: "aws-node", Images: []string{"amazon-k8s-cni"}},
	{Component: "CoreDNS", Why: "cluster DNS: binds port 53 (NET_BIND_SERVICE); kubeadm's manifest sets no runAsNonRoot and no seccomp profile",
		Namespaces: []string{"kube-system"}, Kind: "deployment", Name: "coredns", Images: []string{"coredns"}},
	{Component: "local-path-provisioner (kind's storage)", Why: "provisions hostPath volumes for PersistentVolumeClaims; kind's manifest runs it without a restricted security context",
		Namespaces: []string{"local-path-storage"}, Kind: "deployment", Name: "local-path-provisioner", Images: []string{"local-path-provisioner"}},
	{Component: "etcd (static pod)", Why: "control-plane static pod: host network, hostPath data and certificate directories",
		Namespaces: []string{"kube-system"}, Kind: "pod", Mirror: true, Name: "etcd", Images: []string{"etcd"}},
	{Component: "kube-apiserver (static pod)", Why: "control-plane static pod: host network, hostPath certificate and configuration directories",
		Namespaces: []string{"kube-system"}, Kind: "pod", Mirror: true, Name: "kube-apiserver", Images: []string{"kube-apiserver"}},
	{Component: "kube-controller-manager (static pod)", Why: "control-plane static pod: host network, hostPath certificate and configuration directories",
		Namespaces: []string{"kube-system"}, Kind: "pod", Mirror: true, Name: "kube-controller-manager", Images: []string{"kube-controller-manager"}},
	{Component: "kube-scheduler (static pod)", Why: "control-plane static pod: host network, hostPath kubeconfig",
		Namespaces: []string{"kube-system"}, Kind: "pod", Mirror: true, Name: "kube-scheduler", Images: []string{"kube-scheduler"}},
}

// systemNamespaces hold the control plane's and the distribution's own
// objects. Namespace-level findings (no Pod Security label, no
// NetworkPolicy) in them are INFO. Workloads in them are NOT system for
// that reason alone: they must match systemComponents.
var systemNamespaces = map[string]bool{
	"kube-system": true, "kube-public": true, "kube-node-lease": true, "local-path-storage": true,
}

// IsSystemNamespace reports whether ns belongs to the control plane or the
// distribution (kube-system, kube-public, kube-node-lease, kind's
// local-path-storage).
func IsSystemNamespace(ns string) bool { return systemNamespaces[ns] }

// SystemComponent returns the component a workload is recognised as, and
// why it needs its privileges; "" when it is not a system object.
func SystemComponent(w *Workload) (component, why string) {
	for i := range systemComponents {
		c := &systemComponents[i]
		if c.matches(w) {
			return c.Component, c.Why
		}
	}
	return "", ""
}

func (c *systemComponent) matches(w *Workload) bool {
	if w.Kind != c.Kind || c.Mirror != w.Mirror {
		return false
	}
	inNS := false
	for _, ns := range c.Namespaces {
		inNS = inNS || ns == w.Namespace
	}
	if !inNS {
		return false
	}
	if c.Mirror {
		if w.Node == "" || w.Name != c.Name+"-"+w.Node {
			return false
		}
	} else if w.Name != c.Name {
		return false
	}
	// Init containers are not checked: CNI DaemonSets install their
	// plugins with init containers of other images (calico/cni).
	n := 0
	for _, ct := range w.Spec.Containers {
		n++
		ok := false
		for _, im := range c.Images {
			ok = ok || strings.Contains(ct.Image, im)
		}
		if !ok {
			return false
		}
	}
	return n > 0
}
