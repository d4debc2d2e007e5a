// Package testutil holds assertions the tests of several packages share.
package testutil

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// Contains fails t once for each of wants that got does not contain,
// printing got under its name what ("stderr", "help", ...).
func Contains(t testing.TB, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, got)
		}
	}
}

// JSONRoundTrip marshals v to JSON and decodes it into a new T, failing t
// on either error.
func JSONRoundTrip[T any](t testing.TB, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back T
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

// WriteFile writes data to path (mode 0644) and returns path.
func WriteFile(t testing.TB, path, data string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// WriteJSON writes v as JSON to path (mode 0644) and returns path.
func WriteJSON(t testing.TB, path string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return WriteFile(t, path, string(b))
}

// Mkdir makes the directory path and its parents (mode 0755) and returns
// path.
func Mkdir(t testing.TB, path string) string {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}
