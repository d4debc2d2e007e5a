package plugin

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod"
)

// CleanupOptions holds the flags of `kubectl harden cleanup`.
type CleanupOptions struct {
	genericiooptions.IOStreams
	DryRun  bool
	Timeout time.Duration

	// factory builds the client; tests set a fake one.
	factory ClientFactory
}

// NewCmdCleanup builds `kubectl harden cleanup`.
func NewCmdCleanup(f ClientFactory, streams genericiooptions.IOStreams) *cobra.Command {
	return newCmdCleanup(&CleanupOptions{IOStreams: streams, factory: f, Timeout: time.Minute})
}

func newCmdCleanup(o *CleanupOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Delete every pod and namespace kubectl-harden left behind",
		Long: `Delete every pod and temporary namespace that kubectl-harden created, in every
namespace, found by the label app.kubernetes.io/managed-by=kubectl-harden.

A scan deletes its own objects on success, error, timeout and Ctrl-C, and its
pods die by themselves at their deadline. Use cleanup after the process was
killed (SIGKILL, a lost laptop lid) or to check that nothing is left.
Namespaces given with -n to a scan are never deleted: only the pods in them.`,
		Example: `  # See what would be deleted
  kubectl harden cleanup --dry-run

  # Delete it
  kubectl harden cleanup`,
		Args: noArgs,
		RunE: runE(o),
	}
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "List what would be deleted and delete nothing.")
	cmd.Flags().DurationVar(&o.Timeout, "timeout", o.Timeout, "How long to wait for the deletions.")
	return cmd
}

// Complete has nothing to complete: cleanup takes no arguments.
func (o *CleanupOptions) Complete(*cobra.Command, []string) error { return nil }

// Validate checks --timeout.
func (o *CleanupOptions) Validate() error {
	if o.Timeout <= 0 || o.Timeout > MaxTimeout {
		return fmt.Errorf("--timeout must be between 1s and %s, not %s", MaxTimeout, o.Timeout)
	}
	return nil
}

// Run deletes (or lists) the objects, after checking that it may.
func (o *CleanupOptions) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	client, err := o.factory.Clientset(0, 0)
	if err != nil {
		return err
	}
	needs := debugpod.CleanupPermissions()
	if o.DryRun {
		// Listing what would be deleted deletes nothing.
		needs = slices.DeleteFunc(needs, func(p access.Permission) bool { return p.Verb != "list" })
	}
	if _, err := access.Require(ctx, client, "cleanup", needs); err != nil {
		return err
	}
	names, err := debugpod.Cleanup(ctx, client, o.DryRun)
	suffix := "deleted"
	if o.DryRun {
		suffix = "would be deleted (dry run)"
	}
	for _, n := range names {
		fmt.Fprintf(o.Out, "%s %s\n", n, suffix)
	}
	if err != nil {
		return err
	}
	if len(names) == 0 {
		fmt.Fprintln(o.Out, "Nothing to clean up: no object labelled app.kubernetes.io/managed-by=kubectl-harden.")
	}
	return nil
}
