// Package testutil holds assertions the tests of several packages share.
package testutil

import (
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
