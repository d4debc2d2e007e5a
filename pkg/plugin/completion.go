package plugin

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// NewCmdCompletion builds `kubectl harden completion SHELL`.
func NewCmdCompletion(streams genericiooptions.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:       "completion (bash|zsh|fish|powershell)",
		Short:     "Print a shell completion script",
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Long: `Print a shell completion script for kubectl-harden.

kubectl completes plugin commands through an executable named
kubectl_complete-harden on the PATH that runs "kubectl-harden __complete "$@"".
The scripts printed here complete the kubectl-harden binary itself.`,
		Example: `  # Load completion for the current bash session
  source <(kubectl-harden completion bash)

  # Let kubectl complete "kubectl harden ..." (kubectl 1.26+)
  printf '#!/bin/sh\nkubectl-harden __complete "$@"\n' > /usr/local/bin/kubectl_complete-harden
  chmod +x /usr/local/bin/kubectl_complete-harden`,
		Args: exactArgs("SHELL (bash, zsh, fish or powershell)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(streams.Out, true)
			case "zsh":
				return root.GenZshCompletion(streams.Out)
			case "fish":
				return root.GenFishCompletion(streams.Out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(streams.Out)
			}
			return fmt.Errorf("unsupported shell %q: use bash, zsh, fish or powershell", args[0])
		},
	}
}
