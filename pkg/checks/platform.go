package checks

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/distros"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// NodeFacts are the API facts of one node that platform detection reads.
type NodeFacts struct {
	Name       string
	ProviderID string
	Labels     map[string]string
	// Annotations are read for distribution signals (k3s.io/node-args).
	Annotations map[string]string
	// OSImage is status.nodeInfo.osImage.
	OSImage string
}

// Platform is what DetectPlatform concluded, with the facts behind it.
type Platform struct {
	// Name is "eks", "gke", "aks" or "" (a self-managed cluster, e.g.
	// kubeadm, kind, or Kubernetes installed on cloud VMs).
	Name string `json:"name,omitempty"`
	// Provider names the managed offering ("Amazon EKS"), "" if self-managed.
	Provider string `json:"provider,omitempty"`
	// Managed is true when the provider runs the control plane.
	Managed bool `json:"managed"`
	// Cloud is the cloud the nodes run in from their providerID ("aws",
	// "gce", "azure"), also for self-managed clusters.
	Cloud string `json:"cloud,omitempty"`
	// OS names node operating systems recognised from osImage.
	OS []string `json:"os,omitempty"`
	// Fargate lists EKS Fargate nodes: they cannot run the privileged
	// host pod a scan needs, so they are not scanned.
	Fargate []string `json:"fargate,omitempty"`
	// Evidence are the facts that decided, one sentence each.
	Evidence []string `json:"evidence"`
	// Distribution is the distribution detected (k3s, rke2, ...), nil
	// when none was signalled; see distros.Detect.
	Distribution *report.Distribution `json:"distribution,omitempty"`
}

// ClusterFacts are the API facts of a cluster that detection reads.
type ClusterFacts struct {
	// GitVersion is the API server's version.
	GitVersion string
	// APIGroups are the API groups the server serves (discovery); nil when
	// not read, and APIGroupsError says why.
	APIGroups      []string
	APIGroupsError string
	Nodes          []NodeFacts
}

// DetectCluster is DetectPlatform plus the distribution (distros.Detect),
// which also reads the API groups the server serves (OpenShift).
func DetectCluster(f ClusterFacts) Platform {
	p := DetectPlatform(f.GitVersion, f.Nodes)
	in := distros.Facts{GitVersion: f.GitVersion, APIGroups: f.APIGroups, APIGroupsError: f.APIGroupsError}
	for _, n := range f.Nodes {
		in.Nodes = append(in.Nodes, distros.Node{Name: n.Name, Labels: n.Labels, Annotations: n.Annotations, OSImage: n.OSImage})
	}
	p.Distribution = distros.Detect(in)
	return p
}

var providers = map[string]string{"eks": "Amazon EKS", "gke": "Google GKE", "aks": "Azure AKS"}

// DetectPlatform decides the platform from the server gitVersion and node
// facts. Signals, strongest first:
//   - gitVersion suffix "-eks-" (EKS) or "-gke." (GKE): the API server
//     itself is the provider's;
//   - node labels set only by the managed offering: eks.amazonaws.com/*,
//     cloud.google.com/gke-*, kubernetes.azure.com/* (AKS has no version
//     suffix, so its labels are its signal);
//   - providerID prefix aws://, gce://, azure:// names the cloud only. A
//     cluster whose nodes say azure:// but carry no AKS label is a
//     self-managed cluster on Azure VMs (cloud-provider-azure sets that
//     providerID on any Azure VM), not AKS: kube-bench calls it AKS, we do
//     not, because its control plane is then on the user's own nodes and
//     must be scanned. The same holds for aws:// and gce:// without the
//     version suffix or labels.
//
// osImage (Amazon Linux 2023, Bottlerocket, Container-Optimized OS) is
// reported as evidence; it does not decide on its own.
func DetectPlatform(gitVersion string, nodes []NodeFacts) Platform {
	var p Platform
	votes := map[string]string{}
	switch {
	case strings.Contains(gitVersion, "-eks-"):
		votes["eks"] = fmt.Sprintf("server version %s has the -eks- suffix", gitVersion)
	case strings.Contains(gitVersion, "-gke."):
		votes["gke"] = fmt.Sprintf("server version %s has the -gke. suffix", gitVersion)
	}
	clouds := map[string]bool{}
	oses := map[string]bool{}
	for _, n := range nodes {
		for k, v := range n.Labels {
			switch {
			case k == "eks.amazonaws.com/compute-type" && v == "fargate":
				p.Fargate = append(p.Fargate, n.Name)
				setVote(votes, "eks", fmt.Sprintf("node %s has label %s=%s", n.Name, k, v))
			case strings.HasPrefix(k, "eks.amazonaws.com/"):
				setVote(votes, "eks", fmt.Sprintf("node %s has label %s", n.Name, k))
			case strings.HasPrefix(k, "cloud.google.com/gke-"):
				setVote(votes, "gke", fmt.Sprintf("node %s has label %s", n.Name, k))
			case strings.HasPrefix(k, "kubernetes.azure.com/"):
				setVote(votes, "aks", fmt.Sprintf("node %s has label %s", n.Name, k))
			}
		}
		id := strings.ToLower(n.ProviderID)
		for _, c := range []string{"aws", "gce", "azure"} {
			if strings.HasPrefix(id, c+"://") {
				clouds[c] = true
			}
		}
		switch img := n.OSImage; {
		case strings.HasPrefix(img, "Amazon Linux 2023"):
			oses["Amazon Linux 2023"] = true
		case strings.HasPrefix(img, "Amazon Linux 2"):
			oses["Amazon Linux 2"] = true
		case strings.HasPrefix(img, "Bottlerocket"):
			oses["Bottlerocket"] = true
		case strings.HasPrefix(img, "Container-Optimized OS"):
			oses["Container-Optimized OS"] = true
		}
	}
	p.Cloud = strings.Join(slices.Sorted(maps.Keys(clouds)), ",")
	p.OS = slices.Sorted(maps.Keys(oses))
	// One vote decides; conflicting votes (a GKE server with EKS labels)
	// follow the server version, the stronger signal.
	names := slices.Sorted(maps.Keys(votes))
	switch {
	case len(names) == 1:
		p.Name = names[0]
	case len(names) > 1:
		for _, n := range []string{"eks", "gke"} {
			if strings.Contains(votes[n], "server version") {
				p.Name = n
			}
		}
		if p.Name == "" {
			p.Name = names[0]
		}
		p.Evidence = append(p.Evidence, "conflicting platform signals: "+strings.Join(names, ", "))
	}
	if p.Name != "" {
		p.Provider, p.Managed = providers[p.Name], true
		p.Evidence = append(p.Evidence, votes[p.Name])
	} else {
		p.Evidence = append(p.Evidence, "no managed-platform signal (version suffix or platform node labels): self-managed")
	}
	if p.Cloud != "" {
		p.Evidence = append(p.Evidence, "node providerID names the cloud: "+p.Cloud)
		if p.Name == "" {
			p.Evidence = append(p.Evidence, "a providerID alone does not make a managed platform: scanned as self-managed")
		}
	}
	if len(p.OS) > 0 {
		p.Evidence = append(p.Evidence, "node OS images: "+strings.Join(p.OS, ", "))
	}
	if len(p.Fargate) > 0 {
		sort.Strings(p.Fargate)
		p.Evidence = append(p.Evidence, fmt.Sprintf("%d EKS Fargate node(s) cannot run the scan's privileged host pod and are not scanned: %s", len(p.Fargate), strings.Join(p.Fargate, ", ")))
	}
	return p
}

func setVote(votes map[string]string, name, why string) {
	if _, ok := votes[name]; !ok {
		votes[name] = why
	}
}

// SelectBenchmarkFor chooses the benchmark for a server version on a
// detected platform from the benchmarks' data (benchmarks.Select): the
// provider's own benchmark on EKS, GKE and AKS, CIS Kubernetes otherwise.
// The reason names the platform and its evidence first.
func SelectBenchmarkFor(gitVersion string, p Platform) benchmarks.Selection {
	if d := p.Distribution; d != nil && benchmarks.HasPlatform(d.ID) {
		sel := benchmarks.Select(gitVersion, d.ID)
		sel.Reason = fmt.Sprintf("distribution %s has a CIS profile of its own, decided over its layout: %s", d.Name, sel.Reason)
		return sel
	}
	sel := benchmarks.Select(gitVersion, p.Name)
	if p.Name != "" {
		sel.Reason = fmt.Sprintf("platform %s (%s): %s", p.Provider, p.Evidence[0], sel.Reason)
	}
	if d := p.Distribution; d != nil {
		sel.Reason = fmt.Sprintf("distribution %s has no CIS profile of its own implemented: CIS Kubernetes is evaluated over its layout: %s", d.Name, sel.Reason)
	}
	return sel
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

// OfflinePlatform is the platform of saved evidence: the distribution every
// node's evidence carries when they all carry the same one (nil otherwise:
// evidence of no distribution, or of several, is evaluated node by node
// over the layout each carries).
func OfflinePlatform(evs []*evidence.Node) *Platform {
	var d *report.Distribution
	for i, ev := range evs {
		switch {
		case ev == nil || ev.Distribution == nil:
			return nil
		case i == 0:
			d = ev.Distribution
		case ev.Distribution.ID != d.ID:
			return nil
		}
	}
	if d == nil {
		return nil
	}
	return &Platform{Distribution: d, Evidence: []string{"saved evidence of distribution " + d.Name}}
}
