package ownerfile

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestWrite(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no owner-only file modes")
	}
	dir := t.TempDir()
	cases := []struct {
		name string
		old  os.FileMode // 0: no file before
	}{
		{"new file", 0},
		{"over a world-readable file", 0o644},
		{"over a group-writable file", 0o660},
		{"over an owner-only file", 0o600},
		{"over an owner-read-only file", 0o400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name)
			if c.old != 0 {
				if err := os.WriteFile(p, []byte("an earlier, longer content"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, c.old); err != nil {
					t.Fatal(err)
				}
			}
			err := Write(p, []byte("new"))
			if c.old == 0o400 && os.Geteuid() != 0 {
				// Not writable by its owner: refused, left as it was.
				if err == nil {
					t.Fatal("wrote a read-only file")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", st.Mode().Perm())
			}
			if b, _ := os.ReadFile(p); string(b) != "new" {
				t.Errorf("content %q, want %q", b, "new")
			}
		})
	}
	if err := Write(filepath.Join(dir, "missing", "f"), nil); err == nil {
		t.Error("wrote into a directory that does not exist")
	}
}
