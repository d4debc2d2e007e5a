package permissions

import (
	"os"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/golden"
	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/access"
	"github.com/kubectl-harden/kubectl-harden/pkg/access/accesstest"
)

// section replaces (with update) or returns the text between begin and end
// in the file at path.
func section(t *testing.T, path, begin, end, want string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("%s: no section between %q and %q", path, begin, end)
	}
	got := s[i+len(begin) : j]
	if golden.Updating() && got != want {
		testutil.WriteFile(t, path, s[:i+len(begin)]+want+s[j:])
		t.Logf("%s updated (-old +new):\n%s", path, golden.Diff([]byte(got), []byte(want)))
		return want
	}
	return got
}

// TestDocumentationIsGenerated: the README's table and the Krew caveats
// say exactly what the commands declare (go test -update rewrites them).
func TestDocumentationIsGenerated(t *testing.T) {
	want := "\n" + Markdown()
	if got := section(t, "../../README.md", "<!-- BEGIN GENERATED PERMISSIONS (go test ./pkg/permissions -update) -->", "<!-- END GENERATED PERMISSIONS -->", want); got != want {
		t.Errorf("README.md permissions differ from the declarations (-readme +declared; go test ./pkg/permissions -update):\n%s", golden.Diff([]byte(got), []byte(want)))
	}
	var caveats strings.Builder
	for _, l := range strings.SplitAfter(Caveats(), "\n") {
		if l != "" {
			caveats.WriteString("    " + l)
		}
	}
	want = caveats.String() + "\n"
	if got := section(t, "../../plugins/krew.yaml", "the temporary namespace of a scan):\n\n", "    * Pod Security:", want); got != want {
		t.Errorf("plugins/krew.yaml caveats differ from the declarations (-krew +declared; go test ./pkg/permissions -update):\n%s", golden.Diff([]byte(got), []byte(want)))
	}
}

// TestAllIsItsParts: the caveats say all needs what its parts need.
func TestAllIsItsParts(t *testing.T) {
	all := All("ns", false)
	parts := access.Merge(Scan("ns", false, false), RBAC(), Workloads(""))
	if un := accesstest.Uncovered(all, parts); len(un) > 0 {
		t.Errorf("all needs more than its parts: %s", access.Join(un))
	}
	if un := accesstest.Uncovered(access.Only(parts, access.Required), all); len(un) > 0 {
		t.Errorf("a part needs more than all: %s", access.Join(un))
	}
}
