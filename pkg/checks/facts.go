package checks

import (
	"strconv"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// KubeletFacts reads the kubelet facts other engines use from a node's
// evidence, resolved exactly as the node controls resolve them (flag,
// config file, drop-ins, default) but whatever the benchmark: the
// workloads' seccomp control needs seccompDefault under --benchmark stig
// as much as under cis-1.12. It returns nil when the node runs no kubelet
// or no fact could be read; a fact that cannot be resolved is left nil
// (unknown), never guessed.
func KubeletFacts(ev *evidence.Node) *report.KubeletFacts {
	if ev == nil || ev.Process(evidence.Kubelet) == nil {
		return nil
	}
	var f report.KubeletFacts
	if s, err := KubeletSetting(ev, "seccompDefault"); err == nil {
		if v, err := strconv.ParseBool(strings.TrimSpace(s.Value)); err == nil {
			f.SeccompDefault = &v
		}
	}
	if f == (report.KubeletFacts{}) {
		return nil
	}
	return &f
}

// targetNode is the kind of every target this package reports.
const targetNode = report.TargetNode
