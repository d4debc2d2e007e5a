package benchmarks

import (
	"fmt"
	"strings"
)

// Selection is the benchmark chosen for a cluster and why.
type Selection struct {
	// ID is the benchmark chosen.
	ID string
	// Reason says why, naming the server version and the range.
	Reason string
	// Warning is set when the server version is outside the range of the
	// benchmark chosen (or could not be read): it names the server
	// version, the benchmark and its range. It is never silent.
	Warning string
}

// describe renders "cis-2.0 (Kubernetes 1.34-1.35)".
func describe(b *Benchmark) string {
	return fmt.Sprintf("%s (Kubernetes %s)", b.ID, b.Kubernetes)
}

// Select chooses the benchmark for a server gitVersion ("v1.34.4") on a
// platform ("" for self-managed clusters, else eks, gke or aks), from the
// Kubernetes ranges of the data files:
//
//   - among the default benchmarks of the platform (those of self-managed
//     clusters when the platform has none), the ones whose range holds the
//     server's minor version; of several, the newest edition: it revises
//     the older one's guidance for the versions both were written for;
//   - a server newer than every range gets the newest benchmark, older
//     than every range the oldest, in a gap between ranges the next newer
//     one, always with a Warning naming the server version, the benchmark
//     and its range (never a silent fall-back);
//   - an unreadable version gets the newest, with a Warning.
func Select(serverGitVersion, platform string) Selection {
	cands := candidates(platform)
	note := ""
	if len(cands) == 0 {
		note = fmt.Sprintf(" (no benchmark for platform %s: those of self-managed clusters apply)", platform)
		cands = candidates("")
	}
	return selectFrom(cands, serverGitVersion, note)
}

// selectFrom is Select over a list of candidates (at least one).
func selectFrom(cands []*Benchmark, serverGitVersion, note string) Selection {
	cands = append([]*Benchmark(nil), cands...)
	sortNewestFirst(cands)
	newest := cands[0]
	m, ok := minor(serverGitVersion)
	if !ok {
		return Selection{
			ID:      newest.ID,
			Reason:  "the newest benchmark implemented" + note,
			Warning: fmt.Sprintf("cannot parse server version %q: evaluating against %s", serverGitVersion, describe(newest)),
		}
	}
	server := fmt.Sprintf("v1.%d", m)
	var covering []*Benchmark
	for _, b := range cands {
		if b.Kubernetes.Contains(m) {
			covering = append(covering, b)
		}
	}
	switch len(covering) {
	case 0:
	case 1:
		return Selection{ID: covering[0].ID, Reason: fmt.Sprintf("server %s is in the range of %s%s", server, describe(covering[0]), note)}
	default:
		names := make([]string, len(covering))
		for i, b := range covering {
			names[len(covering)-1-i] = describe(b)
		}
		return Selection{ID: covering[0].ID, Reason: fmt.Sprintf(
			"server %s is in the range of %s: the newest edition, %s, is chosen, as it revises the older guidance for the versions both cover%s",
			server, strings.Join(names, " and "), covering[0].ID, note)}
	}
	// No range holds the server: the nearest benchmark, with a warning.
	var pick *Benchmark
	older, newerThanAll := true, true
	for _, b := range cands {
		lo, hi := b.Kubernetes.bounds()
		if m >= lo {
			older = false
		}
		if hi < 0 || m <= hi {
			newerThanAll = false
		}
	}
	var how string
	switch {
	case newerThanAll:
		pick, how = newest, "newer than every benchmark implemented"
	default:
		// Older than every range, or between two: the benchmark whose
		// range starts nearest above the server (cands run newest first,
		// so of equal starts the newest wins).
		how = "between the ranges of the benchmarks implemented"
		if older {
			how = "older than every benchmark implemented"
		}
		best := 0
		for _, b := range cands {
			if lo, _ := b.Kubernetes.bounds(); lo > m && (pick == nil || lo < best) {
				pick, best = b, lo
			}
		}
	}
	return Selection{
		ID:     pick.ID,
		Reason: fmt.Sprintf("server %s is %s; %s is the nearest%s", server, how, pick.ID, note),
		Warning: fmt.Sprintf("server %s is outside the range of every benchmark implemented: evaluating against %s, which may not match this version",
			server, describe(pick)),
	}
}

// RangeWarning says when a server version is outside a benchmark's
// Kubernetes range ("" when inside, or when the version cannot be read):
// the warning of a benchmark chosen by hand.
func RangeWarning(serverGitVersion string, b *Benchmark) string {
	m, ok := minor(serverGitVersion)
	if !ok || b.Kubernetes.Min == "" || b.Kubernetes.Contains(m) {
		return ""
	}
	return fmt.Sprintf("server v1.%d is outside the range of %s: some controls may not match this version", m, describe(b))
}
