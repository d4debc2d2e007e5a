// Package plugin holds the cobra commands of kubectl-harden: flag parsing,
// turning flags into the engines' options, and printing. The engines
// (debugpod, checks, rbac) never see cobra.
package plugin

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// Exit codes of kubectl-harden, documented in README.md and in --help.
const (
	// ExitOK means the command succeeded and no finding reached --fail-on.
	ExitOK = 0
	// ExitError means the command failed: bad flags, cluster unreachable,
	// forbidden, or a target that could not be scanned at all.
	ExitError = 1
	// ExitFindings means the command succeeded and findings reached the
	// --fail-on threshold.
	ExitFindings = 2
)

const exitCodesHelp = `Exit codes:
  0  success, and no finding at or above --fail-on
  1  error: bad flags, cluster unreachable, permission denied, or a target that could not be scanned
  2  findings at or above --fail-on (FAIL, or WARN) were reported, or with --fail-on
     a result that could not be evaluated (ERROR): a gate never passes on what was not checked`

// FindingsError is returned when results trip the --fail-on threshold:
// findings at or above it, or ERROR results. The report has been printed
// already; only the exit code is left to set.
type FindingsError struct {
	Threshold string
	Count     int
	// Errors is how many of Count are ERROR (could not be evaluated).
	Errors int
	// Flag is the flag that set the threshold ("--fail-on" when empty).
	Flag string
}

func (e *FindingsError) Error() string {
	flag := e.Flag
	if flag == "" {
		flag = "--fail-on"
	}
	msg := fmt.Sprintf("%d finding(s) at or above %s=%s", e.Count, flag, e.Threshold)
	if e.Errors > 0 {
		msg += fmt.Sprintf(" (%d of them ERROR: could not be evaluated)", e.Errors)
	}
	return msg
}

// IncompleteError is returned when a report was printed but some targets
// could not be evaluated; it maps to ExitError.
type IncompleteError struct {
	Msg string
}

func (e *IncompleteError) Error() string { return e.Msg }

// ExitCode maps an error returned by a command to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var f *FindingsError
	if errors.As(err, &f) {
		return ExitFindings
	}
	return ExitError
}

// NewCmdHarden builds the root command, shown in help as `kubectl harden`.
func NewCmdHarden(streams genericiooptions.IOStreams) *cobra.Command {
	configFlags := genericclioptions.NewConfigFlags(true)

	cmd := &cobra.Command{
		Use:   "kubectl-harden",
		Short: "Harden Kubernetes clusters against the CIS Kubernetes Benchmark",
		Long: `kubectl harden checks a cluster against the CIS Kubernetes Benchmark and beyond.

It scans nodes from host evidence collected by a short-lived debug pod that it
always deletes, and checks RBAC from the API. Nothing needs to be installed in
the cluster.

` + exitCodesHelp,
		Example: `  # Scan every node of the current context
  kubectl harden scan nodes

  # Scan one node and show the evidence behind each result
  kubectl harden scan node/worker-1 -o wide

  # Check RBAC and fail a CI job on any FAIL
  kubectl harden rbac --fail-on FAIL

  # List the controls of the CIS 1.12 benchmark, level 1 only
  kubectl harden controls --level 1`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: "kubectl harden",
		},
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	cmd.SetIn(streams.In)
	cmd.CompletionOptions.DisableDefaultCmd = true
	configFlags.AddFlags(cmd.PersistentFlags())

	cmd.AddCommand(
		NewCmdScan(configFlags, streams),
		NewCmdRBAC(configFlags, streams),
		NewCmdWorkloads(configFlags, streams),
		NewCmdAll(configFlags, streams),
		NewCmdControls(streams),
		NewCmdCleanup(configFlags, streams),
		NewCmdDiff(streams),
		NewCmdCronJob(configFlags, streams),
		NewCmdVersion(streams),
		NewCmdCompletion(streams),
	)
	return cmd
}
