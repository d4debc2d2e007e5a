package checks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// cis112Minors is the Kubernetes range CIS Kubernetes Benchmark 1.12 was
// written for (kube-bench cfg/config.yaml version_mapping).
const cis112MinMinor, cis112MaxMinor = 32, 34

var gitVersionRE = regexp.MustCompile(`^v?(\d+)\.(\d+)`)

// SelectBenchmark picks the benchmark for a server gitVersion such as
// "v1.34.4" or "v1.31.2-eks-1234". This build implements only cis-1.12, so
// the answer is always cis-1.12; warning is non-empty when the server is
// outside 1.32–1.34 and results may not match that version's own benchmark.
func SelectBenchmark(serverGitVersion string) (benchmark, reason, warning string) {
	benchmark = BenchmarkCIS112
	m := gitVersionRE.FindStringSubmatch(strings.TrimSpace(serverGitVersion))
	if m == nil {
		return benchmark, "server version unknown; cis-1.12 is the only benchmark implemented",
			fmt.Sprintf("cannot parse server version %q: evaluating against cis-1.12 (for Kubernetes 1.32-1.34)", serverGitVersion)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	v := fmt.Sprintf("v%d.%d", major, minor)
	switch {
	case major == 1 && minor >= cis112MinMinor && minor <= cis112MaxMinor:
		return benchmark, fmt.Sprintf("server %s is covered by CIS Kubernetes Benchmark 1.12 (Kubernetes 1.32-1.34)", v), ""
	case major == 1 && minor < cis112MinMinor:
		return benchmark, "cis-1.12 is the only benchmark implemented",
			fmt.Sprintf("server %s is older than Kubernetes 1.32: cis-1.12 is written for 1.32-1.34 and some controls may not match this version", v)
	default:
		return benchmark, "cis-1.12 is the newest benchmark implemented",
			fmt.Sprintf("server %s is newer than any known mapping: evaluating against cis-1.12 (for Kubernetes 1.32-1.34)", v)
	}
}

// ManagedPlatform names a managed Kubernetes offering from the server
// gitVersion and the nodes' spec.providerID values: "EKS" ("-eks-" in the
// version), "GKE" ("-gke." in the version), "AKS" (a providerID starting
// with "azure://"), or "" for a self-managed cluster. On a managed platform
// the control plane is not reachable from the nodes. An azure:// providerID
// is also what a self-managed cluster on Azure VMs with the Azure cloud
// provider reports; callers that know better should not pass it.
func ManagedPlatform(gitVersion string, nodeProviderIDs []string) string {
	switch {
	case strings.Contains(gitVersion, "-eks-"):
		return "EKS"
	case strings.Contains(gitVersion, "-gke."):
		return "GKE"
	}
	for _, id := range nodeProviderIDs {
		if strings.HasPrefix(strings.ToLower(id), "azure://") {
			return "AKS"
		}
	}
	return ""
}
