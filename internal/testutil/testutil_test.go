package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	errors, fatals []string
}

// Fatal records the failure and stops the function under test, as
// t.Fatal stops the test (the caller recovers).
func (r *recorder) Fatal(args ...any) {
	r.fatals = append(r.fatals, "fatal")
	panic(r)
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}

func TestContains(t *testing.T) {
	for _, tc := range []struct {
		name  string
		got   string
		wants []string
		fails int
	}{
		{"all present", "scan rbac workloads", []string{"scan", "workloads"}, 0},
		{"one missing", "scan rbac", []string{"scan", "workloads"}, 1},
		{"each missing one fails", "", []string{"a", "b"}, 2},
		{"nothing wanted", "", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			Contains(r, "out", tc.got, tc.wants...)
			if len(r.errors) != tc.fails {
				t.Errorf("%d failures, want %d: %v", len(r.errors), tc.fails, r.errors)
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	type doc struct {
		A string `json:"a"`
		b int    // unexported: lost on the way, as in any JSON round trip
	}
	if got := JSONRoundTrip(t, doc{A: "x", b: 1}); got != (doc{A: "x"}) {
		t.Errorf("round trip = %+v", got)
	}
	r := &recorder{TB: t}
	defer func() {
		if recover() == nil || len(r.fatals) != 1 {
			t.Errorf("a value JSON cannot encode did not fail the test: %v", r.fatals)
		}
	}()
	JSONRoundTrip[any](r, func() {})
}

func TestWriteHelpers(t *testing.T) {
	dir := Mkdir(t, filepath.Join(t.TempDir(), "a", "b"))
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("Mkdir: %v", err)
	}
	p := WriteJSON(t, filepath.Join(dir, "x.json"), map[string]int{"n": 1})
	if b, err := os.ReadFile(p); err != nil || string(b) != `{"n":1}` {
		t.Errorf("WriteJSON wrote %q, %v", b, err)
	}
	r := &recorder{TB: t}
	defer func() {
		if recover() == nil || len(r.fatals) != 1 {
			t.Errorf("writing into a missing directory did not fail the test: %v", r.fatals)
		}
	}()
	WriteFile(r, filepath.Join(dir, "missing", "x"), "")
}
