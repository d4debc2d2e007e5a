package rbac

import (
	"strings"
)

// Recognising defaults. A default kubeadm or kind cluster must not produce a
// finding: its bootstrap roles grant exactly what the control plane needs.
// A binding counts as default by its identity (bootstrap label, or a name
// kubeadm/kind are known to create), but each of its subjects must also
// look like a system identity: someone who adds "User alice" to
// clusterrolebinding/cluster-admin is reported, because the subject and
// not the binding's name decides.

const bootstrapLabel = "kubernetes.io/bootstrapping"

// kubeadmClusterObjects are cluster-scoped roles and bindings kubeadm
// (1.29–1.34) and kind create without the bootstrap label.
var kubeadmClusterObjects = map[string]bool{
	"kubeadm:cluster-admins":                        true,
	"kubeadm:get-nodes":                             true,
	"kubeadm:kubelet-bootstrap":                     true,
	"kubeadm:node-autoapprove-bootstrap":            true,
	"kubeadm:node-autoapprove-certificate-rotation": true,
	"kubeadm:node-proxier":                          true,
	"system:coredns":                                true,
	// kind's CNI and storage add-ons (sigs.k8s.io/kind pkg/build/nodeimage).
	"kindnet":                     true,
	"local-path-provisioner-role": true,
	"local-path-provisioner-bind": true,
}

// userFacingDefaults are the bootstrap ClusterRoles (and the
// cluster-admin ClusterRoleBinding) without the system: prefix. They grant
// nothing until someone binds them; such bindings are not defaults.
var userFacingDefaults = map[string]bool{"cluster-admin": true, "admin": true, "edit": true, "view": true}

// kubeadmNamespacedObjects are namespaced roles and bindings ("ns/name")
// kubeadm and kind create.
var kubeadmNamespacedObjects = map[string]bool{
	"kube-system/kube-proxy":                           true,
	"kube-system/kubeadm:kubelet-config":               true,
	"kube-system/kubeadm:nodes-kubeadm-config":         true,
	"kube-public/kubeadm:bootstrap-signer-clusterinfo": true,
	"local-path-storage/local-path-provisioner-role":   true,
	"local-path-storage/local-path-provisioner-bind":   true,
}

// systemNamespaces hold the control plane's and the distribution's own
// service accounts and pods.
var systemNamespaces = map[string]bool{
	"kube-system":        true,
	"kube-public":        true,
	"kube-node-lease":    true,
	"local-path-storage": true,
}

// IsSystemNamespace reports whether a namespace belongs to the control
// plane or the distribution (kube-system, kube-public, kube-node-lease and
// kind's local-path-storage).
func IsSystemNamespace(ns string) bool { return systemNamespaces[ns] }

// isDefaultObject reports whether a role or binding is a known default.
func isDefaultObject(namespace, name string, labels map[string]string) bool {
	if labels[bootstrapLabel] == "rbac-defaults" &&
		(strings.HasPrefix(name, "system:") || (namespace == "" && userFacingDefaults[name])) {
		return true
	}
	if namespace == "" {
		return kubeadmClusterObjects[name]
	}
	return kubeadmNamespacedObjects[namespace+"/"+name]
}

// isSystemSubject reports whether a subject is a control-plane or
// distribution identity: system:/kubeadm: users and groups, and service
// accounts of the system namespaces.
func isSystemSubject(s Subject) bool {
	switch s.Kind {
	case KindServiceAccount:
		return systemNamespaces[s.Namespace]
	default:
		return strings.HasPrefix(s.Name, "system:") || strings.HasPrefix(s.Name, "kubeadm:")
	}
}

// broadGroups contain (nearly) everyone; any grant to them is serious.
var broadGroups = map[string]bool{
	"system:authenticated":   true,
	"system:unauthenticated": true,
	"system:serviceaccounts": true,
}

// isBroad reports whether a subject stands for many or unknown identities:
// the all-users groups, all service accounts (of a namespace), and the
// anonymous user.
func isBroad(s Subject) bool {
	switch s.Kind {
	case KindGroup:
		return broadGroups[s.Name] || strings.HasPrefix(s.Name, "system:serviceaccounts:")
	case KindUser:
		return s.Name == "system:anonymous"
	}
	return false
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
