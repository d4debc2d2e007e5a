//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoSuggestionsRunAsPrinted runs hack/demo.sh against the e2e cluster (the
// demo reuses a kind cluster of its name) as a new user runs `make demo`, then
// runs the lines it printed after "Try:" in a new shell that has only the user's
// PATH and HOME, as the user would paste them: every line must succeed (a node
// that could not be scanned makes scan and all exit 1).
func TestDemoSuggestionsRunAsPrinted(t *testing.T) {
	// Parallel: the demo and its suggestions only read the cluster; their
	// scans are activities (busy) for the other tests' leftover checks.
	t.Parallel()
	defer busy(t)()
	userPath := userPATH()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()

	demo := exec.CommandContext(ctx, "bash", filepath.Join(cluster.repoRoot, "hack", "demo.sh"))
	demo.Dir = cluster.repoRoot
	demo.Env = withEnv(os.Environ(), "PATH="+userPath, "HARDEN_KIND_CLUSTER="+cluster.name, "HARDEN_KUBECONFIG="+cluster.kubeconfig)
	var out, errOut bytes.Buffer
	demo.Stdout, demo.Stderr = &out, &errOut
	start := time.Now()
	if err := demo.Run(); err != nil {
		t.Fatalf("hack/demo.sh: %v\n--- stdout:\n%s\n--- stderr:\n%s", err, truncate(out.String(), 6000), truncate(errOut.String(), 4000))
	}
	t.Logf("hack/demo.sh passed in %s", time.Since(start).Round(time.Second))

	lines := tryLines(out.String())
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "export ") {
		t.Fatalf("the demo printed no \"Try:\" lines starting with an export:\n%s", out.String())
	}
	script := strings.Join(lines, "\n")
	t.Logf("the demo's suggestions:\n%s", script)

	dir := t.TempDir()
	sh := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	sh.Dir = dir
	sh.Env = []string{"HOME=" + os.Getenv("HOME"), "PATH=" + userPath, "TERM=dumb"}
	var shOut, shErr bytes.Buffer
	sh.Stdout, sh.Stderr = &shOut, &shErr
	start = time.Now()
	if err := sh.Run(); err != nil {
		t.Fatalf("the demo's suggestions fail as printed (%v):\n%s\n--- stdout:\n%s\n--- stderr:\n%s", err, script, truncate(shOut.String(), 6000), truncate(shErr.String(), 4000))
	}
	t.Logf("the suggestions ran in %s", time.Since(start).Round(time.Second))
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil || !bytes.Contains(page, []byte("<html")) {
		t.Errorf("report.html of the last suggestion: %d bytes, %v", len(page), err)
	}
}

// tryLines returns the lines the demo printed between "Try:" and "Delete it
// with:", without their indent.
func tryLines(out string) []string {
	var lines []string
	in := false
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasSuffix(l, "Try:"):
			in = true
		case strings.HasPrefix(l, "Delete it with:"):
			in = false
		case in && strings.TrimSpace(l) != "":
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	return lines
}

// userPATH is this process's PATH without what the e2e scripts put on it: the
// plugin's directories, the pinned tools and the offline cache's binaries. It
// stands for the PATH of someone who has just cloned the repository.
func userPATH() string {
	drop := map[string]bool{
		cluster.binDir:                                                     true,
		filepath.Join(cluster.repoRoot, "bin"):                             true,
		filepath.Join(cluster.repoRoot, "hack", "tools", "bin"):            true,
		filepath.Join(envOr("KINDLAB_CACHE", "/var/cache/kindlab"), "bin"): true,
	}
	var keep []string
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if d != "" && !drop[filepath.Clean(d)] {
			keep = append(keep, d)
		}
	}
	return strings.Join(keep, string(os.PathListSeparator))
}

// withEnv returns env with each KEY=VALUE of set replacing that key's entry.
func withEnv(env []string, set ...string) []string {
	out := make([]string, 0, len(env)+len(set))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		replaced := false
		for _, s := range set {
			if strings.HasPrefix(s, k+"=") {
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return append(out, set...)
}
