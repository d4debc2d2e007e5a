package format

import "github.com/kubectl-harden/kubectl-harden/pkg/report"

// sectionTitles names the sections of each benchmark, for reports whose
// results do not carry a SectionTitle from the benchmark data. The CIS
// titles are the group texts of aquasecurity/kube-bench cfg/cis-1.12,
// cfg/eks-1.8.0, cfg/gke-1.9.0 and cfg/aks-1.8 (master.yaml, etcd.yaml,
// controlplane.yaml, node.yaml, policies.yaml, managedservices.yaml);
// the STIG's sections are named after the component already, and our own
// sections are ours.
var sectionTitles = map[string]map[string]string{
	report.BenchmarkCIS112: {
		"1.1": "Control Plane Node Configuration Files", "1.2": "API Server", "1.3": "Controller Manager", "1.4": "Scheduler",
		"2":   "Etcd Node Configuration",
		"3.1": "Authentication and Authorization", "3.2": "Logging",
		"4.1": "Worker Node Configuration Files", "4.2": "Kubelet", "4.3": "kube-proxy",
		"5.1": "RBAC and Service Accounts", "5.2": "Pod Security Standards", "5.3": "Network Policies and CNI",
		"5.4": "Secrets Management", "5.5": "Extensible Admission Control", "5.6": "General Policies",
	},
	"eks-1.8.0": {
		"2.1": "Logging", "3.1": "Worker Node Configuration Files", "3.2": "Kubelet",
		"4.1": "RBAC and Service Accounts", "4.2": "Pod Security Standards", "4.3": "CNI Plugin",
		"4.4": "Secrets Management", "4.5": "General Policies",
		"5.1": "Image Registry and Image Scanning", "5.2": "Identity and Access Management (IAM)",
		"5.3": "AWS EKS Key Management Service", "5.4": "Cluster Networking", "5.5": "Authentication and Authorization",
	},
	"gke-1.9.0": {
		"3.1": "Worker Node Configuration Files",
		"4.1": "RBAC and Service Accounts", "4.2": "Pod Security Standards", "4.3": "Network Policies and CNI",
		"4.4": "Secrets Management", "4.5": "Extensible Admission Control", "4.6": "General Policies",
		"5.1": "Image Registry and Image Scanning", "5.2": "Identity and Access Management (IAM)",
		"5.3": "Cloud Key Management Service (Cloud KMS)", "5.4": "Node Metadata", "5.5": "Node Configuration and Maintenance",
		"5.6": "Cluster Networking", "5.7": "Logging", "5.8": "Authentication and Authorization", "5.9": "Storage",
		"5.10": "Other Cluster Configurations",
	},
	"aks-1.8": {
		"2.1": "Logging", "3.1": "Worker Node Configuration Files", "3.2": "Kubelet",
		"4.1": "RBAC and Service Accounts", "4.2": "Pod Security Policies", "4.3": "Azure Policy / OPA",
		"4.4": "CNI Plugin", "4.5": "Secrets Management", "4.6": "General Policies",
		"5.1": "Image Registry and Image Scanning", "5.2": "Access and identity options for Azure Kubernetes Service (AKS)",
		"5.3": "Key Management Service (KMS)", "5.4": "Cluster Networking", "5.5": "Authentication and Authorization",
	},
	"stig": {
		"api": "Kubernetes API objects", "host": "Node host",
	},
	report.BenchmarkHarden: {
		"KH-PKI": "Certificates and keys", "KH-KUBELET": "Kubelet as it runs (live /configz)", "RBAC": "RBAC beyond CIS",
	},
}

// sectionTitle names a result's section: from the result when the
// benchmark data named it, else from the table above, else "".
func sectionTitle(res report.Result) string {
	if res.SectionTitle != "" {
		return res.SectionTitle
	}
	return sectionTitles[res.Benchmark][res.Section]
}
