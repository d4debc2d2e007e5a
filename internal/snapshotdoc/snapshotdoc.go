// Package snapshotdoc writes, reads and checks the snapshot documents that
// rbac and workloads save with --save-snapshot: a file that is not one (JSON
// null, another kind or version, a missing list, no collection time) is an
// error that says what is wrong, never a clean cluster.
package snapshotdoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kubectl-harden/kubectl-harden/internal/ownerfile"
)

// APIVersion versions the snapshot documents.
const APIVersion = "harden.kubectl.io/v1alpha1"

// Format is one kind of snapshot document.
type Format struct {
	// Noun names the document in errors ("RBAC snapshot"), Article is
	// its indefinite article ("an").
	Noun, Article string
	// Kind and APIVersion are the document's kind and apiVersion.
	Kind, APIVersion string
	// Keys are the keys every saved document has: Collect fills every
	// list and an empty one is saved as null, so a document without one
	// was not written by --save-snapshot.
	Keys []string
}

// Header is what every snapshot document starts with; the snapshots embed
// it.
type Header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Collected is when the snapshot was taken.
	Collected time.Time `json:"collected"`
}

// Header is the header of a document of the format collected at t.
func (f Format) Header(collected time.Time) Header {
	return Header{APIVersion: f.APIVersion, Kind: f.Kind, Collected: collected}
}

// Save writes the snapshot v as indented JSON to path, readable by its
// owner only: a snapshot names every subject, binding and workload of the
// cluster (never a secret value).
func Save(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return ownerfile.Write(path, append(b, '\n'))
}

// Decode checks that b is a document of the format, unmarshals it into v
// and validates it. Kind and apiVersion are checked first: another
// document fails on them, not on the first field whose type differs.
func (f Format) Decode(b []byte, v interface{ Validate() error }) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("not %s %s: %w", f.Article, f.Noun, err)
	}
	if raw == nil {
		return fmt.Errorf("not %s %s: the document is null", f.Article, f.Noun)
	}
	var head Header
	if err := json.Unmarshal(b, &struct {
		APIVersion *string `json:"apiVersion"`
		Kind       *string `json:"kind"`
	}{&head.APIVersion, &head.Kind}); err != nil {
		return fmt.Errorf("not %s %s: %w", f.Article, f.Noun, err)
	}
	if err := f.checkKind(head.Kind, head.APIVersion); err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("not %s %s: %w", f.Article, f.Noun, err)
	}
	var missing []string
	for _, k := range f.Keys {
		if _, ok := raw[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("incomplete %s: missing %s (a snapshot saved with --save-snapshot has every list, empty ones as null)", f.Noun, strings.Join(missing, ", "))
	}
	// The whole document decoded, so collected is a time or null.
	_ = json.Unmarshal(raw["collected"], &head.Collected)
	if bytes.Equal(bytes.TrimSpace(raw["collected"]), []byte("null")) || head.Collected.IsZero() {
		return errors.New("incomplete " + f.Noun + ": collected (the time it was taken) is not set")
	}
	return v.Validate()
}

// checkKind checks a document's kind and apiVersion.
func (f Format) checkKind(kind, apiVersion string) error {
	if kind != f.Kind {
		return fmt.Errorf("not %s %s: kind %q is not %s", f.Article, f.Noun, kind, f.Kind)
	}
	if apiVersion != f.APIVersion {
		return fmt.Errorf("%s apiVersion %q is not supported (want %s)", f.Noun, apiVersion, f.APIVersion)
	}
	return nil
}

// maxProblems caps the problems one validation error lists.
const maxProblems = 10

// Problems gathers what is wrong with a document, for one error.
type Problems []string

// Add records a problem.
func (p *Problems) Add(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

// Check is the error of a document of kind and apiVersion with these
// problems: a document of another kind or version is that, whatever else
// is wrong; nil when it is of the format and has no problem. It lists the
// first few problems.
func (f Format) Check(kind, apiVersion string, p Problems) error {
	if err := f.checkKind(kind, apiVersion); err != nil {
		return err
	}
	if len(p) == 0 {
		return nil
	}
	more := ""
	if len(p) > maxProblems {
		more = fmt.Sprintf("; and %d more", len(p)-maxProblems)
		p = p[:maxProblems]
	}
	return fmt.Errorf("invalid %s: %s%s", f.Noun, strings.Join(p, "; "), more)
}

// Verdict is why a snapshot cannot be evaluated at all, worked out once:
// every control asks, and validating a big snapshot once per control was
// a seventh of the evaluation.
type Verdict struct {
	once sync.Once
	why  string
}

// Why is validate's error, or else more's answer: "" when the snapshot
// can be evaluated. The first call decides.
func (v *Verdict) Why(validate func() error, more func() string) string {
	v.once.Do(func() {
		if err := validate(); err != nil {
			v.why = err.Error()
			return
		}
		v.why = more()
	})
	return v.why
}
