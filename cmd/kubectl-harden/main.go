// Command kubectl-harden is the kubectl plugin `kubectl harden`.
package main

import (
	"io"
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	_ "k8s.io/client-go/plugin/pkg/client/auth" // exec, OIDC and cloud auth providers of kubeconfigs
	"k8s.io/klog/v2"

	"github.com/kubectl-harden/kubectl-harden/pkg/plugin"
)

func main() {
	// client-go logs through klog; a cancelled request (Ctrl-C) must not
	// print a log line in the middle of the user's output.
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	err := plugin.Execute(plugin.NewCmdHarden(streams))
	plugin.PrintError(os.Stderr, err)
	os.Exit(plugin.ExitCode(err))
}
