package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod"
)

// CleanupOptions holds the flags of `kubectl harden cleanup`.
type CleanupOptions struct {
	genericiooptions.IOStreams
	configFlags *genericclioptions.ConfigFlags
	DryRun      bool
	Timeout     time.Duration

	// factory builds the client (default: from configFlags); tests set it.
	factory ClientFactory
	client  kubernetes.Interface
}

// NewCmdCleanup builds `kubectl harden cleanup`.
func NewCmdCleanup(configFlags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	return newCmdCleanup(&CleanupOptions{IOStreams: streams, configFlags: configFlags, factory: NewClientFactory(configFlags), Timeout: time.Minute})
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
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "List what would be deleted and delete nothing.")
	cmd.Flags().DurationVar(&o.Timeout, "timeout", o.Timeout, "How long to wait for the deletions.")
	return cmd
}

// Complete builds the client.
func (o *CleanupOptions) Complete() error {
	if o.factory == nil {
		o.factory = NewClientFactory(o.configFlags)
	}
	var err error
	o.client, err = o.factory.Clientset(0, 0)
	return err
}

// Run deletes (or lists) the objects.
func (o *CleanupOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	names, err := debugpod.Cleanup(ctx, o.client, o.DryRun)
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
