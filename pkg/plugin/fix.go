package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod"
	"github.com/kubectl-harden/kubectl-harden/pkg/exceptions"
	"github.com/kubectl-harden/kubectl-harden/pkg/fix"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// FixOptions holds the flags of `kubectl harden fix`.
type FixOptions struct {
	genericiooptions.IOStreams
	ExceptionsFlags
	FromReport string
	OutDir     string
	Level      int
	Controls   []string
	Statuses   []string
	Apply      string
	Yes        bool

	factory    ClientFactory
	fixOpts    fix.Options
	exceptions *exceptions.Set
	applyNode  string
}

// NewCmdFix builds `kubectl harden fix`.
func NewCmdFix(f ClientFactory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &FixOptions{IOStreams: streams, factory: f}
	cmd := &cobra.Command{
		Use:   "fix --from-report REPORT -o DIR",
		Short: "Write a remediation plan (node scripts, durable sources, API objects) for a report's findings; changes nothing",
		Long: `Write a remediation plan for the findings of a report (scan, rbac,
workloads or all, written with -o json) into a directory, changing nothing:

  nodes/NODE/apply.sh     POSIX shell, run as root on that node: the node's
                          fixes, idempotent; every changed file is backed up
                          (content, mode, owner) and each change is printed.
                          Static pod manifest flags (the kubelet restarts the
                          static pod; the script waits until it answers the
                          health endpoint its manifest sets: --secure-port and
                          --bind-address, etcd's --listen-metrics-urls),
                          kubelet settings where the kubelet reads them (a
                          drop-in of its --config-dir, else its --config file;
                          a command-line flag overrides both and is reported),
                          file modes and owners.
  nodes/NODE/rollback.sh  restores every file apply.sh changed.
  durable/                kubeadm ClusterConfiguration extraArgs and kubelet
                          patches (or the distribution's config lines), so the
                          next upgrade or node join keeps the fixes.
  PLAN.md                 every finding, its fix and impact, what needs a
                          decision (a fix that can break the cluster) or cannot
                          be fixed automatically, and the re-scan to verify.

Fixes that can stop a component or break workloads (--anonymous-auth=false with
kubeadm's probes, --kubelet-certificate-authority without CA-signed kubelet
serving certificates, AlwaysPullImages, encryption at rest, authorization
modes) are never written: PLAN.md lists them under "needs a decision" with the
reason. Findings an exception accepts are not fixed.

--apply node/NAME --yes runs that node's apply.sh through a one-shot
privileged pod (deleted afterwards whatever happens). Without --yes it refuses.`,
		Example: `  # Plan the fixes of a full report
  kubectl harden all -o json > report.json
  kubectl harden fix --from-report report.json -o plan

  # Only level-1 controls of section 1.2, without the accepted risks
  kubectl harden fix --from-report report.json -o plan --level 1 --control '1.2.*' --exceptions exceptions.yaml`,
		Args: noArgs,
		RunE: runE(o),
	}
	cmd.Flags().StringVar(&o.FromReport, "from-report", "", "The report `FILE` to plan from (-o json or -o yaml of scan, rbac, workloads or all; default: run kubectl harden all first).")
	_ = cmd.MarkFlagFilename("from-report", "json", "yaml", "yml")
	cmd.Flags().StringVarP(&o.OutDir, "output-dir", "o", "", "The plan directory to write (must not exist, or be empty).")
	_ = cmd.MarkFlagDirname("output-dir")
	cmd.Flags().IntVar(&o.Level, "level", 0, "Fix only controls of this CIS level or lower (default: both levels).")
	cmd.Flags().StringSliceVar(&o.Controls, "control", nil, "Fix only controls whose ID matches one of these globs (e.g. '1.2.*,4.2.1').")
	cmd.Flags().StringSliceVar(&o.Statuses, "status", []string{"FAIL"}, "Fix results with these statuses (FAIL, WARN).")
	cmd.Flags().StringVar(&o.Apply, "apply", "", "Run the plan's apply.sh of node/NAME on that node through a one-shot privileged pod (needs --yes).")
	cmd.Flags().BoolVar(&o.Yes, "yes", false, "Confirm --apply: the node's files are changed.")
	o.ExceptionsFlags.AddFlags(cmd)
	return cmd
}

// Complete has nothing to derive from arguments.
func (o *FixOptions) Complete(*cobra.Command, []string) error { return nil }

// Validate checks the flags.
func (o *FixOptions) Validate() error {
	if o.OutDir == "" {
		return errors.New("-o DIR is required: the plan directory to write")
	}
	if o.Level < 0 || o.Level > 2 {
		return fmt.Errorf("--level %d: want 1 or 2", o.Level)
	}
	globs, err := report.ParseControlGlobs(o.Controls)
	if err != nil {
		return err
	}
	o.fixOpts = fix.Options{Level: o.Level, Controls: globs}
	for _, s := range o.Statuses {
		st, err := report.ParseStatus(s)
		if err != nil {
			return fmt.Errorf("--status: %w", err)
		}
		if st != report.StatusFail && st != report.StatusWarn {
			return fmt.Errorf("--status %s: only FAIL and WARN results are fixed", st)
		}
		o.fixOpts.Statuses = append(o.fixOpts.Statuses, st)
	}
	if o.Apply != "" {
		node, ok := strings.CutPrefix(o.Apply, "node/")
		if !ok || node == "" || strings.Contains(node, "/") {
			return fmt.Errorf("--apply %q: want node/NAME", o.Apply)
		}
		if !o.Yes {
			return fmt.Errorf("--apply %s changes the node's files: refusing without --yes (review %s first)", o.Apply, filepath.Join(o.OutDir, "nodes", node, "apply.sh"))
		}
		o.applyNode = node
	}
	if o.exceptions, err = o.ExceptionsFlags.Load(); err != nil {
		return err
	}
	return nil
}

// Run writes the plan, then applies one node's part when asked.
func (o *FixOptions) Run(ctx context.Context) error {
	var r *report.Report
	var err error
	if o.FromReport != "" {
		r, err = readReport(o.FromReport)
	} else {
		fmt.Fprintln(o.ErrOut, "No --from-report: running `kubectl harden all` first.")
		r, err = runReportCmd(ctx, o.factory, o.IOStreams, []string{"all", "-o", "json"}, "")
	}
	if err != nil {
		return err
	}
	if o.exceptions != nil {
		at := r.Metadata.Generated
		if at.IsZero() {
			at = time.Now()
		}
		a := exceptions.Apply(r, o.exceptions, exceptions.Options{Now: at, Known: knownControls(r), Ignore: o.IgnoreExceptions})
		exceptions.PrintAudit(o.ErrOut, a, safetext.Inert)
	}
	p, err := fix.Generate(r, o.fixOpts)
	if err != nil {
		return err
	}
	if needsCluster(p) {
		var client kubernetes.Interface
		if c, err := o.factory.Clientset(20, 40); err == nil {
			if _, err := c.Discovery().ServerVersion(); err == nil {
				client = c
			} else {
				fmt.Fprintf(o.ErrOut, "Warning: the cluster is not reachable (%s): workload and namespace fixes are listed, not rendered.\n", safetext.Clip(err.Error(), 200))
			}
		}
		p.RenderCluster(ctx, client)
	}
	files := p.Files()
	if err := writePlan(o.OutDir, files); err != nil {
		return err
	}
	counts := map[fix.Disposition]int{}
	for _, it := range p.Items {
		counts[it.Fix.Disposition]++
	}
	fmt.Fprintf(o.Out, "Plan written to %s: %d finding(s), %d fixed by the plan, %d need a decision, %d manual, %d managed by the provider (see PLAN.md).\n",
		safetext.Inert(o.OutDir), len(p.Items), counts[fix.Fixed], counts[fix.Decision], counts[fix.Manual], counts[fix.Managed])
	var scripts []string
	for k := range files {
		if strings.HasSuffix(k, "/apply.sh") {
			scripts = append(scripts, k)
		}
	}
	sort.Strings(scripts)
	for _, s := range scripts {
		fmt.Fprintf(o.Out, "  %s\n", safetext.Inert(filepath.Join(o.OutDir, s)))
	}
	if o.applyNode == "" {
		return nil
	}
	script, ok := files["nodes/"+o.applyNode+"/apply.sh"]
	if !ok {
		return fmt.Errorf("the plan has no change for node %s: nothing to apply", safetext.Inert(o.applyNode))
	}
	return applyOnNode(ctx, o.factory, r, o.applyNode, script, o.IOStreams)
}

// needsCluster reports whether the plan has API-object fixes to render.
func needsCluster(p *fix.Plan) bool {
	for _, it := range p.Items {
		if len(it.Fix.Objects) > 0 {
			return true
		}
	}
	return false
}

// runReport runs a report command (all, or scan node/NAME) of this plugin
// with the same cluster flags and decodes its JSON report; a run that
// found something (exit code 2) still gave its report.
func runReportCmd(ctx context.Context, f ClientFactory, streams genericiooptions.IOStreams, args []string, benchmark string) (*report.Report, error) {
	var buf bytes.Buffer
	sub := genericiooptions.IOStreams{In: streams.In, Out: &buf, ErrOut: streams.ErrOut}
	var cmd *cobra.Command
	if args[0] == "all" {
		cmd = NewCmdAll(f, sub)
	} else {
		cmd = NewCmdScan(f, sub)
	}
	if benchmark != "" {
		args = append(args, "--benchmark", benchmark)
	}
	cmd.SetArgs(args[1:])
	if err := cmd.ExecuteContext(ctx); err != nil {
		var fe *FindingsError
		if !errors.As(err, &fe) {
			return nil, err
		}
	}
	return report.Decode(&buf)
}

// writePlan writes the plan's files under dir, which must not exist or be
// empty. Scripts are executable.
func writePlan(dir string, files map[string]string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s exists and is not empty: choose a new plan directory", dir)
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			return err
		}
	}
	return nil
}

// applyOnNode runs a node's apply.sh through the one-shot apply pod, then
// re-scans the node and prints each control whose verdict changed.
func applyOnNode(ctx context.Context, f ClientFactory, before *report.Report, node, script string, streams genericiooptions.IOStreams) error {
	client, err := f.Clientset(20, 40)
	if err != nil {
		return err
	}
	o := debugpod.DefaultOptions()
	o.Image = envOr(EnvDebugImage, debugpod.DefaultImage)
	o.ImagePullPolicy = corev1.PullPolicy(envOr(EnvImagePullPolicy, string(corev1.PullIfNotPresent)))
	o.Timeout = debugpod.DefaultApplyTimeout
	fmt.Fprintf(streams.Out, "Running apply.sh on node/%s (one-shot privileged pod, deleted afterwards):\n", safetext.Inert(node))
	if err := debugpod.Apply(ctx, client, node, script, o, streams.Out); err != nil {
		return err
	}
	fmt.Fprintf(streams.Out, "Re-scanning node/%s:\n", safetext.Inert(node))
	after, err := runReportCmd(ctx, f, streams, []string{"scan", "node/" + node, "-o", "json"}, before.Metadata.Benchmark)
	if err != nil {
		return fmt.Errorf("re-scan of node/%s: %w", node, err)
	}
	old := map[string]report.Status{}
	var oldSum, newSum report.Summary
	for _, t := range before.Targets {
		if t.Kind == report.TargetNode && t.Name == node {
			for _, r := range t.Results {
				old[r.ControlID] = r.Status
			}
			oldSum = t.Summary
		}
	}
	for _, t := range after.Targets {
		if t.Name != node {
			continue
		}
		newSum = t.Summary
		for _, r := range t.Results {
			if o, ok := old[r.ControlID]; ok && o != r.Status {
				fmt.Fprintf(streams.Out, "  %-8s %s -> %s\n", r.ControlID, o, r.Status)
			}
		}
	}
	fmt.Fprintf(streams.Out, "node/%s: FAIL %d -> %d, PASS %d -> %d\n", safetext.Inert(node), oldSum.Fail, newSum.Fail, oldSum.Pass, newSum.Pass)
	return nil
}
