package checks

import (
	"sort"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// componentManifests are the static pod manifests a component can come
// from, in the order the file checks look for them.
var componentManifests = map[evidence.Component][]string{
	evidence.APIServer:         evidence.APIServerManifests,
	evidence.ControllerManager: evidence.ControllerManagerManifests,
	evidence.Scheduler:         evidence.SchedulerManifests,
	evidence.Etcd:              evidence.EtcdManifests,
}

// Layout reads where a node's settings are decided: the static pod
// manifest of each running control-plane component (the first existing
// candidate, as the manifest file checks find it), the kubelet's --config
// file and --config-dir, and the flags on its command line. nil when the
// node runs none of these components.
func Layout(ev *evidence.Node) *report.NodeLayout {
	if ev == nil {
		return nil
	}
	var l report.NodeLayout
	for c, cands := range componentManifests {
		if !ev.Has(c) {
			continue
		}
		if p := ev.FirstExisting(cands...); p != "" && strings.HasSuffix(p, ".yaml") {
			if l.Manifests == nil {
				l.Manifests = map[string]string{}
			}
			l.Manifests[string(c)] = p
		}
	}
	if kp := ev.Process(evidence.Kubelet); kp != nil {
		kc := loadKubeletConfig(ev)
		l.KubeletConfig, l.KubeletConfigDir, l.KubeletEnvFiles = kc.path, kc.dir, kc.envFiles
		seen := map[string]bool{}
		for _, a := range kp.Args[min(1, len(kp.Args)):] {
			if a == "--" {
				break
			}
			name, ok := strings.CutPrefix(a, "--")
			if !ok || name == "" {
				continue
			}
			name, _, _ = strings.Cut(name, "=")
			name = strings.ReplaceAll(name, "_", "-")
			if !seen[name] {
				seen[name] = true
				l.KubeletFlags = append(l.KubeletFlags, name)
			}
		}
		sort.Strings(l.KubeletFlags)
	}
	if l.Manifests == nil && l.KubeletConfig == "" && l.KubeletConfigDir == "" && l.KubeletFlags == nil {
		return nil
	}
	return &l
}
