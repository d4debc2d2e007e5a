// Package plugin holds the cobra commands of kubectl-harden: flag parsing,
// turning flags into the engines' options, and printing. The engines
// (debugpod, checks, rbac) never see cobra.
package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
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
	// ExitInterrupted means Ctrl-C (SIGINT) stopped the command after it
	// cleaned up: 128 + the signal's number, as a shell reports a process
	// the signal killed, so that scripts and CI tell "stopped on purpose"
	// from "failed" (SIGTERM gives 143).
	ExitInterrupted = 130
)

const exitCodesHelp = `Exit codes:
  0    success, and no finding at or above --fail-on
  1    error: bad flags, a malformed exceptions file, cluster unreachable, permission denied,
       or a target that could not be scanned
  2    findings at or above --fail-on (FAIL, or WARN) were reported, or with --fail-on
       a result that could not be evaluated (ERROR): a gate never passes on what was not checked
  130  interrupted by Ctrl-C (143: by SIGTERM), after deleting what it had created`

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

// InterruptedError is returned when a signal (Ctrl-C, SIGTERM) stopped a
// command; Err is what the command returned when it stopped.
type InterruptedError struct {
	Signal os.Signal
	Err    error
}

func (e *InterruptedError) Error() string {
	if e.Err == nil {
		return "interrupted by " + e.Signal.String()
	}
	return fmt.Sprintf("interrupted by %s: %v", e.Signal, e.Err)
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// PrintError writes the error a command returned as the program's last
// line(s) on w (stderr), "error: ..." as kubectl does. Errors may quote a
// node (a kubelet's message, a collector's output, a file's name): the
// text is made inert as every other line the program prints. A closed
// pipe (`kubectl harden scan nodes | head`) is not worth a message.
func PrintError(w io.Writer, err error) {
	if err == nil || errors.Is(err, syscall.EPIPE) {
		return
	}
	fmt.Fprintln(w, "error:", safetext.Lines(err.Error()))
}

// ExitCode maps an error returned by a command to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var in *InterruptedError
	if errors.As(err, &in) {
		if s, ok := in.Signal.(syscall.Signal); ok {
			return 128 + int(s)
		}
		return ExitInterrupted
	}
	var f *FindingsError
	if errors.As(err, &f) {
		return ExitFindings
	}
	return ExitError
}

// Execute runs the command tree with a context that SIGINT (Ctrl-C) and
// SIGTERM cancel, for every command alike: each command stops, deletes
// what it created, and returns; the error is then an *InterruptedError
// (exit code 130 or 143). A second signal is ignored like the first, so
// that the cleanup runs to its end (it is bounded in time).
func Execute(cmd *cobra.Command) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var got atomic.Value
	go func() {
		select {
		case s := <-sigs:
			got.Store(s)
			cancel()
		case <-ctx.Done():
		}
	}()
	err := cmd.ExecuteContext(ctx)
	if s, ok := got.Load().(os.Signal); ok && err != nil {
		return &InterruptedError{Signal: s, Err: err}
	}
	return err
}

// NewCmdHarden builds the root command, shown in help as `kubectl harden`.
func NewCmdHarden(streams genericiooptions.IOStreams) *cobra.Command {
	return newCmdHarden(streams, NewClientFactory)
}

// newCmdHarden builds the command tree with the clients of newFactory
// (tests pass fake clientsets): every command that talks to the cluster
// gets them from the one factory built here.
func newCmdHarden(streams genericiooptions.IOStreams, newFactory func(*genericclioptions.ConfigFlags) ClientFactory) *cobra.Command {
	configFlags := genericclioptions.NewConfigFlags(true)
	f := newFactory(configFlags)

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

  # The benchmarks, then the level-1 controls of CIS 2.0
  kubectl harden controls
  kubectl harden controls --benchmark cis-2.0 --level 1`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: "kubectl harden",
		},
		Args: noArgs,
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
		NewCmdScan(f, streams),
		NewCmdRBAC(f, streams),
		NewCmdWorkloads(f, streams),
		NewCmdAll(f, streams),
		NewCmdControls(streams),
		NewCmdCleanup(f, streams),
		NewCmdDiff(streams),
		NewCmdFix(f, streams),
		NewCmdExceptions(streams),
		NewCmdCronJob(f, streams),
		NewCmdVersion(streams),
		NewCmdCompletion(streams),
	)
	return cmd
}
