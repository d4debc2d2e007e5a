package debugpod

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// TestCollectorHasNoOwnFlagList keeps the flag list in Go only: the script
// must read it from FlagFilesEnv, not carry a copy.
func TestCollectorHasNoOwnFlagList(t *testing.T) {
	for _, ff := range evidence.FlagFiles[evidence.APIServer] {
		if strings.Contains(CollectorScript, ff.Flag+":"+ff.Kind) {
			t.Errorf("collector.sh names %s:%s; the list belongs in evidence.FlagFiles", ff.Flag, ff.Kind)
		}
	}
	if !strings.Contains(CollectorScript, "$"+FlagFilesEnv) {
		t.Errorf("collector.sh does not read $%s", FlagFilesEnv)
	}
}

// TestFlagTargetsFormat checks the rendering the script's flags_for parses.
func TestFlagTargetsFormat(t *testing.T) {
	word := regexp.MustCompile(`^[a-z0-9-]+:(stat|config|cert|tree|certtree|kubeletconfig|kubeletdropins|proxyconfig|encryption)$`)
	lines := strings.Split(strings.TrimSuffix(FlagTargets(), "\n"), "\n")
	if len(lines) != len(evidence.FlagFiles) {
		t.Fatalf("%d lines for %d components:\n%s", len(lines), len(evidence.FlagFiles), FlagTargets())
	}
	for _, l := range lines {
		f := strings.Fields(l)
		c := evidence.Component(f[0])
		if len(f)-1 != len(evidence.FlagFiles[c]) {
			t.Errorf("%s: %d words for %d flags", c, len(f)-1, len(evidence.FlagFiles[c]))
		}
		for _, w := range f[1:] {
			if !word.MatchString(w) {
				t.Errorf("%s: word %q is not FLAG:KIND of a known kind", c, w)
			}
		}
	}
}

// TestCollectorReadsEveryFlagFile runs the collector over one process of
// each component with every flag of evidence.FlagFiles set, and checks that
// the file each flag names was looked at: the Go list and what the script
// does agree.
func TestCollectorReadsEveryFlagFile(t *testing.T) {
	host, proc := fakeRoots(t)
	writeTree(t, host, []fakeFile{{path: "/etc/passwd", body: "root:x:0:0::/root:/bin/sh\n"}})
	want := map[string]string{} // path -> component flag
	pid := 100
	for _, c := range evidence.Components {
		argv := []string{"/usr/bin/" + string(c)}
		for _, ff := range evidence.FlagFiles[c] {
			p := fmt.Sprintf("/flagfiles/%s/%s", c, ff.Flag)
			argv = append(argv, "--"+ff.Flag+"="+p)
			want[p] = string(c) + " --" + ff.Flag
		}
		pid++
		fakeProc(t, proc, pid, string(c), argv, nil, host)
	}
	for name, env := range toolchains(t) {
		t.Run(name, func(t *testing.T) {
			out := runCollector(t, env, host, proc)
			n, err := evidence.Parse(bytes.NewReader(out), "node-1")
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, out)
			}
			if len(n.Processes) != len(evidence.Components) {
				t.Fatalf("processes: got %d, want %d", len(n.Processes), len(evidence.Components))
			}
			for p, flag := range want {
				if n.File(p) == nil {
					t.Errorf("%s names %s, but the collector did not look at it", flag, p)
				}
			}
		})
	}
}

// TestCtxErrorKeepsTimeoutError checks that ctxError recognises the
// collector's own timeout error by type, not by its text.
func TestCtxErrorKeepsTimeoutError(t *testing.T) {
	r := &Runner{opts: Options{Timeout: time.Second}}
	wctx, cancel := context.WithCancel(context.Background())
	cancel()
	own := &timeoutError{fmt.Errorf("node/n: collector pod p did not finish: %w", context.Canceled)}
	if got := r.ctxError(context.Background(), wctx, "n", fmt.Errorf("wrapped: %w", own)); !errors.Is(got, context.Canceled) || strings.Count(got.Error(), "--timeout") != 0 {
		t.Errorf("timeoutError rewritten: %v", got)
	}
	other := errors.New("read log: unexpected EOF")
	if got := r.ctxError(context.Background(), wctx, "n", other); !errors.Is(got, other) || !strings.Contains(got.Error(), "did not finish within --timeout 1s") {
		t.Errorf("plain error after the timeout: %v", got)
	}
}
