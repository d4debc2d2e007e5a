package rbac

import (
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Test helpers to write snapshots compactly.

var boot = map[string]string{bootstrapLabel: "rbac-defaults"}

func rule(verbs, groups, resources string, names ...string) rbacv1.PolicyRule {
	r := rbacv1.PolicyRule{Verbs: split(verbs), APIGroups: splitKeepEmpty(groups), Resources: split(resources)}
	r.ResourceNames = names
	return r
}

func urlRule(verbs, urls string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: split(verbs), NonResourceURLs: split(urls)}
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// splitKeepEmpty splits API groups, where "" is the core group.
func splitKeepEmpty(s string) []string {
	if s == "" {
		return []string{""}
	}
	return split(s)
}

func user(n string) rbacv1.Subject  { return rbacv1.Subject{Kind: "User", Name: n} }
func group(n string) rbacv1.Subject { return rbacv1.Subject{Kind: "Group", Name: n} }
func sa(ns, n string) rbacv1.Subject {
	return rbacv1.Subject{Kind: "ServiceAccount", Namespace: ns, Name: n}
}

func om(ns, name string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}
}

func (s *Snapshot) cr(name string, labels map[string]string, rules ...rbacv1.PolicyRule) *Snapshot {
	s.ClusterRoles = append(s.ClusterRoles, rbacv1.ClusterRole{ObjectMeta: om("", name, labels), Rules: rules})
	return s
}

func (s *Snapshot) role(ns, name string, labels map[string]string, rules ...rbacv1.PolicyRule) *Snapshot {
	s.Roles = append(s.Roles, rbacv1.Role{ObjectMeta: om(ns, name, labels), Rules: rules})
	return s
}

func (s *Snapshot) crb(name string, labels map[string]string, clusterRole string, subjects ...rbacv1.Subject) *Snapshot {
	s.ClusterRoleBindings = append(s.ClusterRoleBindings, rbacv1.ClusterRoleBinding{
		ObjectMeta: om("", name, labels), Subjects: subjects,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: clusterRole},
	})
	return s
}

// rb binds kind ("Role" or "ClusterRole") roleName in ns.
func (s *Snapshot) rb(ns, name string, labels map[string]string, kind, roleName string, subjects ...rbacv1.Subject) *Snapshot {
	s.RoleBindings = append(s.RoleBindings, rbacv1.RoleBinding{
		ObjectMeta: om(ns, name, labels), Subjects: subjects,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: roleName},
	})
	return s
}

func (s *Snapshot) sa(ns, name string, automount *bool) *Snapshot {
	s.ServiceAccounts = append(s.ServiceAccounts, ServiceAccount{Namespace: ns, Name: name, AutomountServiceAccountToken: automount})
	return s
}

func (s *Snapshot) pod(ns, name, saName string, mounts bool) *Snapshot {
	s.Pods = append(s.Pods, Pod{Namespace: ns, Name: name, ServiceAccountName: saName, MountsToken: mounts})
	return s
}

func (s *Snapshot) ns(names ...string) *Snapshot {
	s.Namespaces = append(s.Namespaces, names...)
	return s
}

func boolp(b bool) *bool { return &b }

// kubeadmSnapshot is a compact picture of a default kind/kubeadm 1.34
// cluster: the bootstrap roles that grant something a control looks at
// (cluster-admin, secrets, pods, tokens, escalate, CSR approval, PVs,
// nodes/proxy, anonymous access), kubeadm's own objects and kind's CNI and
// storage add-ons, with their service accounts and pods.
func kubeadmSnapshot() *Snapshot {
	s := NewSnapshot(time.Time{})
	s.ns("default", "kube-system", "kube-public", "kube-node-lease", "local-path-storage")
	// User-facing defaults.
	s.cr("cluster-admin", boot, rule("*", "*", "*"), urlRule("*", "*"))
	s.crb("cluster-admin", boot, "cluster-admin", group("system:masters"))
	s.cr("admin", boot, rule("create,delete,get,list,patch,update,watch", "", "pods,secrets,serviceaccounts"), rule("create", "", "serviceaccounts/token"), rule("impersonate", "", "serviceaccounts"),
		rule("create,delete,get,list,patch,update,watch", "rbac.authorization.k8s.io", "roles,rolebindings"))
	s.ClusterRoles[len(s.ClusterRoles)-1].AggregationRule = &rbacv1.AggregationRule{}
	s.cr("edit", boot, rule("create,delete,get,list,patch,update,watch", "", "pods,secrets"), rule("create", "", "pods/exec"))
	s.ClusterRoles[len(s.ClusterRoles)-1].AggregationRule = &rbacv1.AggregationRule{}
	s.cr("view", boot, rule("get,list,watch", "", "pods,configmaps"))
	// Discovery for everyone.
	s.cr("system:discovery", boot, urlRule("get", "/api,/api/*,/apis,/apis/*,/healthz,/livez,/openapi,/openapi/*,/readyz,/version,/version/"))
	s.crb("system:discovery", boot, "system:discovery", group("system:authenticated"))
	s.cr("system:basic-user", boot, rule("create", "authorization.k8s.io", "selfsubjectaccessreviews,selfsubjectrulesreviews"))
	s.crb("system:basic-user", boot, "system:basic-user", group("system:authenticated"))
	s.cr("system:public-info-viewer", boot, urlRule("get", "/healthz,/livez,/readyz,/version,/version/"))
	s.crb("system:public-info-viewer", boot, "system:public-info-viewer", group("system:authenticated"), group("system:unauthenticated"))
	// Control plane components.
	s.cr("system:kube-controller-manager", boot, rule("create,delete,get,list,update,watch", "", "secrets,serviceaccounts"), rule("create", "", "serviceaccounts/token"))
	s.crb("system:kube-controller-manager", boot, "system:kube-controller-manager", user("system:kube-controller-manager"))
	s.cr("system:kube-scheduler", boot, rule("get,list,watch", "", "pods,nodes"), rule("create", "", "pods/binding,bindings"))
	s.crb("system:kube-scheduler", boot, "system:kube-scheduler", user("system:kube-scheduler"))
	s.cr("system:node", boot, rule("get,list,watch", "", "secrets,configmaps"), rule("create,delete", "", "pods"), rule("create", "", "serviceaccounts/token"), rule("create,get,list,watch", "certificates.k8s.io", "certificatesigningrequests"))
	s.crb("system:node", boot, "system:node")
	s.cr("system:node-proxier", boot, rule("list,watch", "", "endpoints,services,nodes"))
	s.cr("system:kubelet-api-admin", boot, rule("*", "", "nodes/proxy"), rule("get,list,watch,proxy", "", "nodes"))
	s.cr("system:node-bootstrapper", boot, rule("create,get,list,watch", "certificates.k8s.io", "certificatesigningrequests"))
	s.cr("system:certificates.k8s.io:certificatesigningrequests:nodeclient", boot, rule("create", "certificates.k8s.io", "certificatesigningrequests/nodeclient"))
	s.cr("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", boot, rule("create", "certificates.k8s.io", "certificatesigningrequests/selfnodeclient"))
	// Controllers (a representative, risky subset).
	ctl := func(name string, rules ...rbacv1.PolicyRule) {
		s.cr("system:controller:"+name, boot, rules...)
		s.crb("system:controller:"+name, boot, "system:controller:"+name, sa("kube-system", name))
		s.sa("kube-system", name, nil)
	}
	ctl("clusterrole-aggregation-controller", rule("escalate,get,list,patch,update,watch", "rbac.authorization.k8s.io", "clusterroles"))
	ctl("daemon-set-controller", rule("create,delete,list,patch,watch", "", "pods"), rule("create", "", "pods/binding"))
	ctl("replicaset-controller", rule("create,delete,list,patch,watch", "", "pods"))
	ctl("job-controller", rule("create,delete,list,patch,watch", "", "pods"))
	ctl("certificate-controller", rule("delete,get,list,watch", "certificates.k8s.io", "certificatesigningrequests"),
		rule("update", "certificates.k8s.io", "certificatesigningrequests/approval,certificatesigningrequests/status"),
		rule("approve", "certificates.k8s.io", "signers", "kubernetes.io/kube-apiserver-client-kubelet", "kubernetes.io/legacy-unknown"),
		rule("sign", "certificates.k8s.io", "signers", "kubernetes.io/kube-apiserver-client", "kubernetes.io/kube-apiserver-client-kubelet", "kubernetes.io/kubelet-serving", "kubernetes.io/legacy-unknown"),
		rule("create", "authorization.k8s.io", "subjectaccessreviews"))
	ctl("persistent-volume-binder", rule("create,delete,get,list,update,watch", "", "persistentvolumes"), rule("create,delete,get,list,watch", "", "pods"))
	ctl("generic-garbage-collector", rule("delete,get,list,patch,update,watch", "*", "*"))
	ctl("namespace-controller", rule("delete,deletecollection,get,list", "*", "*"))
	ctl("resourcequota-controller", rule("list,watch", "*", "*"))
	ctl("horizontal-pod-autoscaler", rule("get,update", "*", "*/scale"))
	ctl("root-ca-cert-publisher", rule("create,update", "", "configmaps"))
	s.role("kube-system", "system:controller:token-cleaner", boot, rule("delete,get,list,watch", "", "secrets"))
	s.rb("kube-system", "system:controller:token-cleaner", boot, "Role", "system:controller:token-cleaner", sa("kube-system", "token-cleaner"))
	s.sa("kube-system", "token-cleaner", nil)
	s.role("kube-public", "system:controller:bootstrap-signer", boot, rule("get,list,watch", "", "configmaps"), rule("update", "", "configmaps", "cluster-info"))
	s.rb("kube-public", "system:controller:bootstrap-signer", boot, "Role", "system:controller:bootstrap-signer", sa("kube-system", "bootstrap-signer"))
	s.sa("kube-system", "bootstrap-signer", nil)
	s.role("kube-system", "system::leader-locking-kube-scheduler", boot, rule("watch", "", "configmaps"), rule("get,update", "", "configmaps", "kube-scheduler"))
	s.rb("kube-system", "system::leader-locking-kube-scheduler", boot, "Role", "system::leader-locking-kube-scheduler", user("system:kube-scheduler"), sa("kube-system", "kube-scheduler"))
	// kubeadm.
	s.crb("kubeadm:cluster-admins", nil, "cluster-admin", group("kubeadm:cluster-admins"))
	s.cr("kubeadm:get-nodes", nil, rule("get", "", "nodes"))
	s.crb("kubeadm:get-nodes", nil, "kubeadm:get-nodes", group("system:bootstrappers:kubeadm:default-node-token"))
	s.crb("kubeadm:kubelet-bootstrap", nil, "system:node-bootstrapper", group("system:bootstrappers:kubeadm:default-node-token"))
	s.crb("kubeadm:node-autoapprove-bootstrap", nil, "system:certificates.k8s.io:certificatesigningrequests:nodeclient", group("system:bootstrappers:kubeadm:default-node-token"))
	s.crb("kubeadm:node-autoapprove-certificate-rotation", nil, "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", group("system:nodes"))
	s.crb("kubeadm:node-proxier", nil, "system:node-proxier", sa("kube-system", "kube-proxy"))
	s.cr("system:coredns", nil, rule("list,watch", "", "endpoints,services,pods,namespaces"), rule("list,watch", "discovery.k8s.io", "endpointslices"))
	s.crb("system:coredns", nil, "system:coredns", sa("kube-system", "coredns"))
	s.role("kube-system", "kube-proxy", nil, rule("get", "", "configmaps", "kube-proxy"))
	s.rb("kube-system", "kube-proxy", nil, "Role", "kube-proxy", group("system:bootstrappers:kubeadm:default-node-token"))
	s.role("kube-system", "kubeadm:kubelet-config", nil, rule("get", "", "configmaps", "kubelet-config"))
	s.rb("kube-system", "kubeadm:kubelet-config", nil, "Role", "kubeadm:kubelet-config", group("system:nodes"), group("system:bootstrappers:kubeadm:default-node-token"))
	s.role("kube-system", "kubeadm:nodes-kubeadm-config", nil, rule("get", "", "configmaps", "kubeadm-config"))
	s.rb("kube-system", "kubeadm:nodes-kubeadm-config", nil, "Role", "kubeadm:nodes-kubeadm-config", group("system:nodes"), group("system:bootstrappers:kubeadm:default-node-token"))
	s.role("kube-public", "kubeadm:bootstrap-signer-clusterinfo", nil, rule("get", "", "configmaps", "cluster-info"))
	s.rb("kube-public", "kubeadm:bootstrap-signer-clusterinfo", nil, "Role", "kubeadm:bootstrap-signer-clusterinfo", user("system:anonymous"))
	// kind add-ons.
	s.cr("kindnet", nil, rule("use", "policy", "podsecuritypolicies", "kindnet"), rule("list,watch", "", "nodes,pods,namespaces"), rule("list,watch", "networking.k8s.io", "networkpolicies"))
	s.crb("kindnet", nil, "kindnet", sa("kube-system", "kindnet"))
	s.role("local-path-storage", "local-path-provisioner-role", nil, rule("get,list,watch,create,patch,update,delete", "", "pods"))
	s.cr("local-path-provisioner-role", nil, rule("get,list,watch", "", "nodes,persistentvolumeclaims,configmaps,pods,pods/log"),
		rule("get,list,watch,create,patch,update,delete", "", "persistentvolumes"), rule("create,patch", "", "events"), rule("get,list,watch", "storage.k8s.io", "storageclasses"))
	s.rb("local-path-storage", "local-path-provisioner-bind", nil, "Role", "local-path-provisioner-role", sa("local-path-storage", "local-path-provisioner-service-account"))
	s.crb("local-path-provisioner-bind", nil, "local-path-provisioner-role", sa("local-path-storage", "local-path-provisioner-service-account"))
	// Service accounts and pods.
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease", "local-path-storage"} {
		s.sa(ns, "default", nil)
	}
	s.sa("kube-system", "coredns", nil).sa("kube-system", "kube-proxy", nil).sa("kube-system", "kindnet", nil).sa("kube-system", "kube-scheduler", nil)
	s.sa("local-path-storage", "local-path-provisioner-service-account", nil)
	s.pod("kube-system", "coredns-66bc5c9577-abcde", "coredns", true).pod("kube-system", "coredns-66bc5c9577-fghij", "coredns", true)
	s.pod("kube-system", "kube-proxy-x1", "kube-proxy", true).pod("kube-system", "kindnet-x1", "kindnet", true)
	s.pod("kube-system", "etcd-harden-e2e-control-plane", "default", false).pod("kube-system", "kube-apiserver-harden-e2e-control-plane", "default", false)
	s.pod("local-path-storage", "local-path-provisioner-7b8c8ddbd6-xyz", "local-path-provisioner-service-account", true)
	s.sort()
	return s
}

func rbacSubjectSANoNS(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: "ServiceAccount", Name: name}
}
