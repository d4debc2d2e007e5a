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

// SelectBenchmark picks the CIS Kubernetes benchmark for a server
// gitVersion such as "v1.34.4" (SelectBenchmarkFor picks a platform's own
// benchmark). cis-1.12 is the only CIS Kubernetes edition; warning is non-empty when the server is
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

// ManagedPlatform names the provider of a managed control plane ("Amazon
// EKS", "Google GKE", "Azure AKS") from the server gitVersion and the nodes'
// spec.providerID values, or "" for a self-managed cluster. It is
// DetectPlatform without labels: a providerID alone (azure:// on any Azure
// VM) never makes a managed platform.
func ManagedPlatform(gitVersion string, nodeProviderIDs []string) string {
	var nodes []NodeFacts
	for _, id := range nodeProviderIDs {
		nodes = append(nodes, NodeFacts{ProviderID: id})
	}
	return DetectPlatform(gitVersion, nodes).Provider
}
