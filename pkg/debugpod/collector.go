// Package debugpod collects node evidence with short-lived pods: one
// privileged, hostPID pod per node runs an embedded POSIX sh collector over
// the host root mounted read-only, prints framed text to its log, and is
// deleted as soon as the log is read. The text is parsed by package evidence.
//
// The package never prints and never exits: progress and warnings go to
// the callbacks in Options.
//
// Typical use:
//
//	r, err := debugpod.NewRunner(clientset, opts) // opts from DefaultOptions()
//	if err != nil { ... }
//	defer r.Close(context.Background())            // deletes the temporary namespace
//	if err := r.Prepare(ctx); err != nil { ... }   // permissions, Pod Security, namespace
//	for _, res := range r.CollectAll(ctx, nodes, 5) {
//		// res.Evidence (*evidence.Node) or res.Err naming node/<name>
//	}
//
// `kubectl harden cleanup` calls Cleanup; `--dry-run=client -o yaml` can
// print GenerateNamespace and Generate.
package debugpod

import (
	_ "embed"
	"strconv"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// CollectorScript is the collector (collector.sh): POSIX sh that runs in a
// busybox image and prints the evidence format of evidence.Parse.
//
//go:embed collector.sh
var CollectorScript string

// Environment variables the collector reads. Tests point HostRootEnv and
// ProcRootEnv at fake trees. FlagFilesEnv carries FlagTargets.
const (
	HostRootEnv  = "HARDEN_HOST"
	ProcRootEnv  = "HARDEN_PROC"
	MaxFileEnv   = "HARDEN_MAX_FILE"
	MaxTotalEnv  = "HARDEN_MAX_TOTAL"
	FlagFilesEnv = "HARDEN_TARGET_FLAGS"
	HostRootPath = "/host"
)

// Default size bounds of the collector's output. The total stays well under
// the kubelet's default container log rotation size (10 MiB) so the whole
// output is still in the log when it is read.
const (
	DefaultMaxFileBytes  = 256 << 10
	DefaultMaxTotalBytes = evidence.MaxCollectorOutput
)

// Targets returns the collector's arguments, KIND:PATH, built from the
// candidate paths of package evidence so that the paths the controls look
// up and the paths the collector stats have one source of truth. The
// collector adds the paths named by the running components' own flags.
func Targets() []string {
	var out []string
	add := func(kind string, paths ...string) {
		for _, p := range paths {
			out = append(out, kind+":"+p)
		}
	}
	add("stat", evidence.APIServerManifests...)
	add("stat", evidence.ControllerManagerManifests...)
	add("stat", evidence.SchedulerManifests...)
	add("stat", evidence.EtcdManifests...)
	add("stat", evidence.EtcdDataDirs...)
	add("stat", evidence.AdminKubeconfigs...)
	add("stat", evidence.SchedulerKubeconfigs...)
	add("stat", evidence.ControllerManagerKubeconfigs...)
	add("certtree", evidence.PKIDirs...)
	add("tree", evidence.CNIDirs...)
	add("tree", evidence.StaticPodDirs...)
	add("certtree", evidence.KubeletPKIDirs...)
	add("stat", evidence.KubeletUnits...)
	add("kubeletconfig", evidence.KubeletConfigs...)
	add("envfile", evidence.KubeletEnvFiles...)
	add("stat", evidence.KubeletKubeconfigs...)
	add("cert", evidence.KubeletClientCAs...)
	add("stat", evidence.ProxyKubeconfigs...)
	add("proxyconfig", evidence.ProxyConfigs...)
	add("distroconfig", evidence.DistroConfigs...)
	add("distroconfigdir", evidence.DistroConfigDirs...)
	add("config", evidence.EtcdConfigFiles...)
	add("kubeletdropins", evidence.DistroKubeletDropIns...)
	add("stat", evidence.DistroStatFiles...)
	for _, c := range evidence.Components {
		if f, ok := evidence.MicroK8sArgsFiles[c]; ok {
			add("config", f)
		}
	}
	add("config", evidence.MicroK8sKubeliteArgs)
	return out
}

// FlagTargets renders evidence.FlagFiles for the collector (FlagFilesEnv):
// one line per component, "COMPONENT FLAG:KIND FLAG:KIND...", in the order
// of evidence.Components.
func FlagTargets() string {
	var b strings.Builder
	for _, c := range evidence.Components {
		ffs := evidence.FlagFiles[c]
		if len(ffs) == 0 {
			continue
		}
		b.WriteString(string(c))
		for _, ff := range ffs {
			b.WriteString(" " + ff.Flag + ":" + ff.Kind)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// collectorEnv is the environment of the collector container.
func collectorEnv(maxFile, maxTotal int64) map[string]string {
	return map[string]string{
		HostRootEnv:  HostRootPath,
		ProcRootEnv:  "/proc",
		MaxFileEnv:   strconv.FormatInt(maxFile, 10),
		MaxTotalEnv:  strconv.FormatInt(maxTotal, 10),
		FlagFilesEnv: FlagTargets(),
	}
}
