//go:build unix

package evidence

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
)

// TestLoadRefusesUnboundedFiles: --from-evidence reads no more than the
// live path would hold for a node, and never from something that is not a
// regular file: a FIFO named *.json used to hang the scan, a link to
// /dev/zero to grow its memory without limit, a large file to take ten
// times its size in memory. Each is refused promptly, naming the file.
func TestLoadRefusesUnboundedFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	fifoDir := testutil.Mkdir(t, filepath.Join(dir, "with-fifo"))
	if err := syscall.Mkfifo(filepath.Join(fifoDir, "node-a.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.json")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	zeroDir := testutil.Mkdir(t, filepath.Join(dir, "with-zero"))
	if err := os.Symlink("/dev/zero", filepath.Join(zeroDir, "node-a.json")); err != nil {
		t.Fatal(err)
	}
	// A sparse file: large, but no disk used and nothing worth reading.
	big := filepath.Join(dir, "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFileBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// A link to a regular file is followed.
	js, _ := sampleNode("linked").Marshal()
	real := filepath.Join(dir, "real")
	if err := os.WriteFile(real, js, 0o600); err != nil {
		t.Fatal(err)
	}
	linkDir := testutil.Mkdir(t, filepath.Join(dir, "with-link"))
	if err := os.Symlink(real, filepath.Join(linkDir, "linked.json")); err != nil {
		t.Fatal(err)
	}

	tests := []struct{ name, path, want string }{
		{"fifo", fifo, "fifo.json is not a regular file (a named pipe)"},
		{"fifo in a directory", fifoDir, "node-a.json is not a regular file (a named pipe)"},
		{"link to /dev/zero", zero, "zero.json is not a regular file (a character device)"},
		{"link to /dev/zero in a directory", zeroDir, "node-a.json is not a regular file (a character device)"},
		{"larger than the bound", big, "more than the bound of 33554432"},
		{"link to a regular file", linkDir, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			type result struct {
				nodes []*Node
				err   error
			}
			done := make(chan result, 1)
			go func() {
				n, err := Load(tt.path)
				done <- result{n, err}
			}()
			select {
			case <-ctx.Done():
				t.Fatalf("Load(%s) did not return", tt.path)
			case r := <-done:
				if tt.want == "" {
					if r.err != nil || len(r.nodes) != 1 {
						t.Fatalf("Load = %d nodes, %v", len(r.nodes), r.err)
					}
					return
				}
				if r.err == nil || !strings.Contains(r.err.Error(), tt.want) {
					t.Fatalf("err = %v, want %q", r.err, tt.want)
				}
			}
		})
	}
}

// TestReadFileBoundedGrowing: a file that grows after Stat is still read
// only up to the bound.
func TestReadFileBoundedGrowing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(strings.Repeat("x", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFileBounded(p, 99); err == nil || !strings.Contains(err.Error(), "more than the bound of 99") {
		t.Fatalf("err = %v", err)
	}
	b, err := ReadFileBounded(p, 100)
	if err != nil || len(b) != 100 {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
}
