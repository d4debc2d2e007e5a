package plugin

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/rbac"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
	"github.com/kubectl-harden/kubectl-harden/pkg/workloads"
)

// TestSection5LevelsMatchSource checks the level and Automated/Manual flag
// of every CIS 1.12 section 5 control (RBAC and workloads engines) against
// the public record the node profile is checked against (pkg/checks'
// testdata, copied from Prowler's CIS 1.12 mapping). Section 4.3.1 and the
// node controls are checked in pkg/checks.
func TestSection5LevelsMatchSource(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "checks", "testdata", "prowler-cis-1.12-levels.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type rec struct {
		level     int
		automated bool
	}
	want := map[string]rec{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 3 || strings.HasPrefix(fs[0], "#") || !strings.HasPrefix(fs[0], "5.") {
			continue
		}
		lvl, err := strconv.Atoi(fs[1])
		if err != nil {
			t.Fatalf("bad level in %q", sc.Text())
		}
		want[fs[0]] = rec{lvl, fs[2] == "Automated"}
	}
	var got []report.Control
	for _, c := range append(rbac.Catalog(), workloads.Catalog()...) {
		if c.Benchmark == report.BenchmarkCIS112 {
			got = append(got, c)
		}
	}
	seen := map[string]bool{}
	for _, c := range got {
		w, ok := want[c.ID]
		if !ok {
			t.Errorf("%s is not in the source's section 5", c.ID)
			continue
		}
		seen[c.ID] = true
		if c.Level != w.level {
			t.Errorf("%s: level %d, source says %d", c.ID, c.Level, w.level)
		}
		if c.Automated != w.automated {
			t.Errorf("%s: automated %t, source says %t", c.ID, c.Automated, w.automated)
		}
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("%s is in the source but no engine implements it", id)
		}
	}
}
