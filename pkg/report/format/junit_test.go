package format

import (
	"encoding/xml"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/reportsample"
)

func TestJUnitCounts(t *testing.T) {
	var doc JUnitSuites
	if err := xml.Unmarshal([]byte(render(t, "junit", reportsample.Report(), Writer{})), &doc); err != nil {
		t.Fatalf("invalid XML: %v", err)
	}
	if doc.Tests != 8 || doc.Failures != 2 || doc.Errors != 1 || doc.Skipped != 1 {
		t.Errorf("tests=%d failures=%d errors=%d skipped=%d, want 8/2/1/1", doc.Tests, doc.Failures, doc.Errors, doc.Skipped)
	}
	if doc.Suites[0].Name != "node/cp-1" {
		t.Errorf("suite %q, want node/cp-1", doc.Suites[0].Name)
	}
}
