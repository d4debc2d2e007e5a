package plugin

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-harden/kubectl-harden/pkg/version"
)

// VersionOptions holds the flags of `kubectl harden version`.
type VersionOptions struct {
	genericiooptions.IOStreams
	OutputFlags
}

// NewCmdVersion builds `kubectl harden version`.
func NewCmdVersion(streams genericiooptions.IOStreams) *cobra.Command {
	o := &VersionOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of kubectl-harden",
		Example: `  # Print the version
  kubectl harden version

  # Print the version as JSON
  kubectl harden version -o json`,
		Args: noArgs,
		RunE: runE(o),
	}
	o.OutputFlags = OutputFlags{Formats: []string{"json", "yaml"}}
	o.OutputFlags.AddFlags(cmd)
	return cmd
}

// Complete has nothing to complete.
func (o *VersionOptions) Complete(*cobra.Command, []string) error { return nil }

// Validate checks the output format.
func (o *VersionOptions) Validate() error {
	_, err := o.OutputFlags.ToPrinter()
	return err
}

// Run prints the version.
func (o *VersionOptions) Run(context.Context) error {
	info := version.Get()
	if ok, err := o.printDocument(info, o.Out); ok {
		return err
	}
	_, err := fmt.Fprintln(o.Out, info)
	return err
}
