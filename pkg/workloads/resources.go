package workloads

// Resources read by Collect, as "resource.group" keys of
// Snapshot.Unavailable and Control.Resources.
const (
	ResNamespaces      = "namespaces"
	ResPods            = "pods"
	ResDeployments     = "deployments.apps"
	ResStatefulSets    = "statefulsets.apps"
	ResDaemonSets      = "daemonsets.apps"
	ResReplicaSets     = "replicasets.apps"
	ResJobs            = "jobs.batch"
	ResCronJobs        = "cronjobs.batch"
	ResNetworkPolicies = "networkpolicies.networking.k8s.io"
	ResServices        = "services"
	ResConfigMaps      = "configmaps"
	ResServiceAccounts = "serviceaccounts"
	ResVAPs            = "validatingadmissionpolicies.admissionregistration.k8s.io"
	ResVAPBindings     = "validatingadmissionpolicybindings.admissionregistration.k8s.io"
	ResValidatingHooks = "validatingwebhookconfigurations.admissionregistration.k8s.io"
	ResMutatingHooks   = "mutatingwebhookconfigurations.admissionregistration.k8s.io"
	ResCRDs            = "customresourcedefinitions.apiextensions.k8s.io"
)

// workloadResources are every kind a pod-level control needs.
var workloadResources = []string{ResPods, ResDeployments, ResStatefulSets, ResDaemonSets, ResReplicaSets, ResJobs, ResCronJobs}
