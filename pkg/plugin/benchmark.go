package plugin

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// Benchmark selection shared by scan, rbac and controls: --benchmark,
// platform detection and auto-selection, --profile level1|level2 (with
// --level kept as an alias).

// profileFlag is --profile: level1 or level2, stored as the level number
// that --level also sets.
type profileFlag struct{ level *int }

func (p profileFlag) String() string {
	if p.level == nil || *p.level == 0 {
		return ""
	}
	return fmt.Sprintf("level%d", *p.level)
}

func (p profileFlag) Set(v string) error {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "level1", "1":
		*p.level = 1
	case "level2", "2":
		*p.level = 2
	default:
		return fmt.Errorf("want level1 or level2, not %q", v)
	}
	return nil
}

func (p profileFlag) Type() string { return "string" }

// addProfileFlag registers --profile on a command, writing into level (the
// variable of --level).
func addProfileFlag(cmd *cobra.Command, level *int) {
	cmd.Flags().Var(profileFlag{level}, "profile", "CIS profile: level1 keeps level-1 controls only, level2 keeps both (default: both). --level 1|2 is an alias.")
	_ = cmd.RegisterFlagCompletionFunc("profile", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"level1", "level2"}, cobra.ShellCompDirectiveNoFileComp
	})
}

// nodeFacts extracts what platform detection reads from Node objects.
func nodeFacts(nodes []*corev1.Node) []checks.NodeFacts {
	out := make([]checks.NodeFacts, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, checks.NodeFacts{Name: n.Name, ProviderID: n.Spec.ProviderID, Labels: n.Labels, Annotations: n.Annotations, OSImage: n.Status.NodeInfo.OSImage})
	}
	return out
}

// clusterFacts gathers what platform and distribution detection read: the
// server version, the nodes and the API groups the server serves (read
// from discovery, which every authenticated user may; when it fails the
// reason is kept and said, and detection goes on without it).
func clusterFacts(client kubernetes.Interface, gitVersion string, nodes []*corev1.Node) checks.ClusterFacts {
	f := checks.ClusterFacts{GitVersion: gitVersion, Nodes: nodeFacts(nodes)}
	groups, err := client.Discovery().ServerGroups()
	if err != nil {
		f.APIGroupsError = err.Error()
		return f
	}
	f.APIGroups = []string{}
	for _, g := range groups.Groups {
		f.APIGroups = append(f.APIGroups, g.Name)
	}
	return f
}

// detectPlatform decides the platform and distribution of the cluster,
// says so on errOut, and returns the nodes that can be scanned (EKS
// Fargate nodes cannot run the privileged host pod).
func detectPlatform(client kubernetes.Interface, gitVersion string, nodes []*corev1.Node, errOut io.Writer) (checks.Platform, []*corev1.Node) {
	p := checks.DetectCluster(clusterFacts(client, gitVersion, nodes))
	sayPlatform(p, errOut)
	if d := p.Distribution; d != nil && !d.LayoutEvaluated {
		fmt.Fprintf(errOut, "Warning: %s detected: %s. Its node controls (control plane and kubelet) are reported as ERROR, not judged as if the nodes were kubeadm's\n", d.Name, safetext.Inert(d.NotEvaluated))
	}
	if len(p.Fargate) == 0 {
		return p, nodes
	}
	skip := map[string]bool{}
	for _, f := range p.Fargate {
		skip[f] = true
	}
	kept := nodes[:0:0]
	for _, n := range nodes {
		if !skip[n.Name] {
			kept = append(kept, n)
		}
	}
	fmt.Fprintf(errOut, "Not scanned: %d EKS Fargate node(s) (no privileged pods or host access on Fargate): %s\n", len(p.Fargate), safetext.Inert(strings.Join(p.Fargate, ", ")))
	return p, kept
}

// sayPlatform prints the detected platform and distribution and the facts
// behind them. Node labels and annotations are the cluster's data:
// sanitised before printing.
func sayPlatform(p checks.Platform, errOut io.Writer) {
	name := "self-managed"
	if p.Provider != "" {
		name = p.Provider
	}
	// The evidence and the signals quote the nodes' labels, annotation
	// keys, provider IDs and OS images, which their kubelets write.
	fmt.Fprintf(errOut, "Platform: %s (%s)\n", name, safetext.Inert(strings.Join(p.Evidence, "; ")))
	d := p.Distribution
	if d == nil {
		return
	}
	var why []string
	for _, s := range d.Signals {
		why = append(why, s.Distribution+": "+s.Detail)
	}
	fmt.Fprintf(errOut, "Distribution: %s (%s)\n", d.Name, safetext.Inert(strings.Join(why, "; ")))
	for _, n := range d.Notes {
		fmt.Fprintf(errOut, "Warning: %s\n", safetext.Inert(n))
	}
}

// platformMetadata is the report's record of the detection.
func platformMetadata(p checks.Platform) *report.Platform {
	return &report.Platform{Name: p.Name, Provider: p.Provider, Managed: p.Managed, Evidence: p.Evidence, Skipped: p.Fargate, Distribution: p.Distribution}
}

// chooseBenchmark resolves the benchmark into md: --benchmark when given
// (an ID, a family's newest edition or harden), else the benchmark the data
// files' Kubernetes ranges select for the platform and the server version,
// else (offline, no version) the default. With a cluster it prints the
// choice and why on errOut, and any warning (a server outside the range of
// the benchmark) both there and in md.BenchmarkWarning.
func chooseBenchmark(flag, gitVersion string, p *checks.Platform, md *report.Metadata, errOut io.Writer) error {
	var sel benchmarks.Selection
	switch {
	case flag != "":
		b, err := benchmarks.Resolve(flag)
		if err != nil {
			return fmt.Errorf("--benchmark: %w", err)
		}
		sel = benchmarks.Selection{ID: b.ID, Reason: "chosen with --benchmark"}
		if flag != b.ID {
			sel.Reason = fmt.Sprintf("chosen with --benchmark %s: its newest edition", flag)
		}
		if gitVersion != "" && b.ID != benchmarks.Harden {
			sel.Warning = benchmarks.RangeWarning(gitVersion, b)
		}
	case gitVersion == "" && p != nil && p.Distribution != nil && benchmarks.HasPlatform(p.Distribution.ID):
		// Saved evidence of a distribution with a profile of its own.
		b := benchmarks.Default(p.Distribution.ID)
		sel = benchmarks.Selection{ID: b.ID, Reason: fmt.Sprintf("offline evaluation without --benchmark: the evidence is of distribution %s, whose newest profile is %s (Kubernetes %s)", p.Distribution.Name, b.ID, b.Kubernetes)}
	case gitVersion == "":
		b, _ := benchmarks.Resolve("")
		sel = benchmarks.Selection{ID: b.ID, Reason: fmt.Sprintf("offline evaluation without --benchmark: the default, %s (Kubernetes %s)", b.ID, b.Kubernetes)}
	default:
		plat := checks.Platform{}
		if p != nil {
			plat = *p
		}
		sel = checks.SelectBenchmarkFor(gitVersion, plat)
	}
	md.Benchmark, md.BenchmarkReason, md.BenchmarkWarning = sel.ID, sel.Reason, sel.Warning
	if sel.Warning != "" {
		fmt.Fprintf(errOut, "Warning: %s\n", sel.Warning)
	}
	if gitVersion != "" {
		// Offline evaluation stays quiet: nothing was chosen from a cluster.
		fmt.Fprintf(errOut, "Benchmark: %s (%s)\n", sel.ID, sel.Reason)
	}
	return nil
}

// validateBenchmarkFlag rejects an unknown --benchmark before anything
// contacts the cluster.
func validateBenchmarkFlag(flag string) error {
	if err := benchmarks.Validate(flag); err != nil {
		return fmt.Errorf("--benchmark: %w", err)
	}
	return nil
}

// apiBenchmark is the benchmark choice of the API commands (rbac,
// workloads): it detects the platform from the server version and the
// nodes, when the user may list them (never required: without that
// permission the server version alone decides, and a warning says so), and
// resolves --benchmark as scan does. It fills md.Benchmark,
// md.BenchmarkReason and md.Platform.
func apiBenchmark(ctx context.Context, client kubernetes.Interface, flag, gitVersion string, md *report.Metadata, errOut io.Writer) error {
	var nodes []*corev1.Node
	// The first 500 nodes say the platform as well as all of them would.
	list, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{Limit: 500})
	if err != nil {
		fmt.Fprintf(errOut, "Warning: cannot list nodes (%v): the platform and distribution are detected from the server version and API groups alone\n", err)
	} else {
		for i := range list.Items {
			nodes = append(nodes, &list.Items[i])
		}
	}
	// Fargate nodes matter to scan only: the platform is all this needs.
	plat := checks.DetectCluster(clusterFacts(client, gitVersion, nodes))
	sayPlatform(plat, errOut)
	md.Platform = platformMetadata(plat)
	return chooseBenchmark(flag, gitVersion, &plat, md, errOut)
}

// offlineBenchmark is the choice when evaluating a saved snapshot.
func offlineBenchmark(flag string, md *report.Metadata) error {
	return chooseBenchmark(flag, "", nil, md, io.Discard)
}

// addBenchmarkFlag adds --benchmark to a command that evaluates a benchmark.
func addBenchmarkFlag(cmd *cobra.Command, v *string) {
	cmd.Flags().StringVar(v, "benchmark", "", "The `BENCHMARK` to evaluate: an ID, a family for its newest edition (e.g. stig), or harden for our own controls only (default: chosen from the platform and the server version; offline, "+benchmarks.Default("").ID+"; kubectl harden controls lists them).")
	_ = cmd.RegisterFlagCompletionFunc("benchmark", completeBenchmarks)
}

// completeBenchmarks completes --benchmark.
func completeBenchmarks(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return benchmarks.Known(), cobra.ShellCompDirectiveNoFileComp
}
