// Package testutil holds assertions the tests of several packages share.
package testutil

import (
	"encoding/json"
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
