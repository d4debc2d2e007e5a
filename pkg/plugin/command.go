package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// options is the shape of every command's Options type, as in kubectl:
// Complete fills what the flags and arguments imply without contacting the
// cluster, Validate checks the values, Run does the work.
type options interface {
	Complete(cmd *cobra.Command, args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// runE is the RunE of every command: Complete, Validate, Run.
func runE(o options) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.Complete(cmd, args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		return o.Run(ctx)
	}
}

// validateSnapshotFlags checks --from-snapshot, --save-snapshot and
// --benchmark of the API commands; a --save-snapshot file is checked
// before anything is read, not after.
func validateSnapshotFlags(from, save, benchmark string) error {
	if from != "" && save != "" {
		return errors.New("--save-snapshot and --from-snapshot cannot be used together")
	}
	if err := validateBenchmarkFlag(benchmark); err != nil {
		return err
	}
	if save != "" {
		if err := checkWritableFile(save); err != nil {
			return fmt.Errorf("--save-snapshot: %w", err)
		}
	}
	return nil
}

// TableFlags is --no-headers, for every command that prints a table.
type TableFlags struct {
	NoHeaders bool
}

// AddFlags registers --no-headers; also names what else is left out
// (e.g. "and the summary"), or is "".
func (f *TableFlags) AddFlags(cmd *cobra.Command, also string) {
	help := "When printing a table, leave out the header row"
	if also != "" {
		help += " " + also
	}
	cmd.Flags().BoolVar(&f.NoHeaders, "no-headers", f.NoHeaders, help+".")
}

// Bounds of the node collection flags of scan and all.
const (
	// MaxParallel bounds --parallel: the API server admits 200 mutating
	// requests at once by default (--max-mutating-requests-inflight), so
	// more pods created at once only queue, and the client's rate limit
	// (2×parallel) would exceed what a shared control plane should take.
	MaxParallel = 200
	// MinTimeout leaves time to schedule a pod, start it and read its log.
	MinTimeout = 10 * time.Second
	// MaxTimeout bounds a debug pod's life (its activeDeadlineSeconds): a
	// node that needs more than an hour to give its evidence is stuck, and
	// a privileged host pod should not outlive its purpose.
	MaxTimeout = time.Hour
)

// validateCollection checks --parallel and --timeout.
func validateCollection(parallel int, timeout time.Duration) error {
	if parallel < 1 || parallel > MaxParallel {
		return fmt.Errorf("--parallel must be between 1 and %d, not %d", MaxParallel, parallel)
	}
	if timeout < MinTimeout {
		return fmt.Errorf("--timeout must be at least %s to leave time to start a pod, not %s", MinTimeout, timeout)
	}
	if timeout > MaxTimeout {
		return fmt.Errorf("--timeout must be at most %s (it is also the debug pod's hard deadline), not %s", MaxTimeout, timeout)
	}
	return nil
}

// checkWritableDir makes sure dir exists (creating it, readable by its
// owner only) and that a file can be created in it, so that an output
// directory is refused before anything runs, not after.
func checkWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".kubectl-harden-write-check-")
	if err != nil {
		return fmt.Errorf("directory %s is not writable: %w", dir, err)
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}

// checkWritableFile makes sure the file path can be written: its
// directory exists and takes a new file, and the path is not a directory.
func checkWritableFile(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return checkWritableDir(dir)
}

// noArgs is cobra.NoArgs with an error that says what the command takes,
// and, for a command with subcommands, which one was probably meant.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasAvailableSubCommands() {
		return unknownSubcommand(cmd, args[0])
	}
	return fmt.Errorf("%s takes no arguments, got %s (see: %s --help)", cmd.CommandPath(), quoteArgs(args), cmd.CommandPath())
}

// unknownSubcommand names the subcommands closest to arg ("did you mean").
func unknownSubcommand(cmd *cobra.Command, arg string) error {
	msg := fmt.Sprintf("unknown command %q for %q", arg, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default
	}
	if s := cmd.SuggestionsFor(arg); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return errors.New(msg + "\n\nRun '" + cmd.CommandPath() + " --help' for usage.")
}

// exactArgs is cobra.ExactArgs with an error that names each argument
// (names are the placeholders of the usage line, e.g. "VERB", "RESOURCE").
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < len(names):
			missing := names[len(args):]
			return fmt.Errorf("%s needs %s: missing %s (usage: %s)", cmd.CommandPath(), strings.Join(names, " and "), strings.Join(missing, " and "), cmd.UseLine())
		case len(args) > len(names):
			return fmt.Errorf("%s takes %s only, got %d arguments: %s is one too many (usage: %s)", cmd.CommandPath(), strings.Join(names, " and "), len(args), quoteArgs(args[len(names):len(names)+1]), cmd.UseLine())
		}
		return nil
	}
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = fmt.Sprintf("%q", a)
	}
	return strings.Join(q, " ")
}
