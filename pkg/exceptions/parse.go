// Package exceptions reads exceptions files (accepted risks kept in Git
// beside a cluster's configuration), validates them, matches them against
// a report's results and applies them: a finding a live exception covers
// becomes ACCEPTED, keeping its verdict, and every exception is audited
// (applied, unused, expired, unknown-control) so none fails silently.
//
// The package is pure: it reads bytes and a report, and returns a report
// and an audit. Matching uses the report's typed facts (control ID,
// target, the ObjectRef of an evidence line), never text parsed back.
//
// The design follows what users of other scanners asked for: a required
// reason and an expiry (kubescape's SecurityException spec.reason and
// spec.expiresAt, kubescape/kubescape core/cautils/getter/crdexceptionsgetter.go;
// trivy's .trivyignore.yaml expired_at and statement, aquasecurity/trivy
// docs/guide/configuration/filtering.md), an accepted status distinct from
// passed (gardener/diki's Accepted), and an audit of unused, expired and
// invalid exceptions (kubescape's --audit-exceptions, docs/cli-reference.md).
package exceptions

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// The document's apiVersion and kind.
const (
	APIVersion = "kubectl-harden.io/v1"
	Kind       = "Exceptions"
)

// Bounds of a file: an exceptions file is small and hand-written; a larger
// one is a mistake (or hostile) and is refused before it is parsed.
const (
	// MaxFileSize is the largest file read, in bytes.
	MaxFileSize = 1 << 20
	// MaxEntries is the most exceptions one file may hold.
	MaxEntries = 10000
	// maxPatterns is the most patterns one list may hold.
	maxPatterns = 1000
	// maxText bounds a reason, an owner or a pattern, in bytes.
	maxText = 4096
	// maxProblems is how many problems of one file are reported.
	maxProblems = 20
)

// DateLayout is the layout of expires: a calendar date, YYYY-MM-DD.
const DateLayout = "2006-01-02"

// Exception is one entry of a file.
type Exception struct {
	// Controls are control IDs or path.Match globs, of any benchmark
	// ("1.1.12", "4.2.*", "V-242387", "KH-PKI-*"), matched in any case.
	Controls []string
	// Targets are node names or globs, "cluster" or "workloads" (also
	// node/NAME); empty means every target.
	Targets []string
	// Objects are KIND/NAMESPACE/NAME or KIND/NAME globs of the API
	// objects named in a result's evidence; empty means the whole result.
	Objects []string
	// Reason says why the risk is accepted (required).
	Reason string
	// Owner is who owns the decision.
	Owner string
	// Expires is the last day the exception applies (YYYY-MM-DD, UTC);
	// empty means it does not expire.
	Expires string
	// Source is FILE:LINE where the entry starts.
	Source string

	controls report.ControlGlobs
	// end is the first instant after the expiry day (zero: never).
	end time.Time
}

// Ref is the exception as a result carries it.
func (e *Exception) Ref(expired bool) *report.ExceptionRef {
	return &report.ExceptionRef{Reason: e.Reason, Owner: e.Owner, Expires: e.Expires, Expired: expired, Source: e.Source}
}

// Expired reports whether the expiry day has passed at now.
func (e *Exception) Expired(now time.Time) bool {
	return !e.end.IsZero() && !now.Before(e.end)
}

// DaysLeft is the number of calendar days (UTC) from now's date to the
// expiry date: 0 on the last day the exception applies, negative once it
// has expired; false when it never expires.
func (e *Exception) DaysLeft(now time.Time) (int, bool) {
	if e.end.IsZero() {
		return 0, false
	}
	u := now.UTC()
	today := time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
	return int(e.end.Sub(today).Hours()/24) - 1, true
}

// MatchControl reports whether a control ID is one of the exception's.
func (e *Exception) MatchControl(id string) bool { return e.controls.Match(id) }

// MatchTarget reports whether the exception covers a target: every target
// when it names none; otherwise a pattern matching the target's name, or
// node/NAME for a node.
func (e *Exception) MatchTarget(t report.TargetReport) bool {
	if len(e.Targets) == 0 {
		return true
	}
	for _, p := range e.Targets {
		if ok, _ := path.Match(p, t.Name); ok {
			return true
		}
		if t.Kind == report.TargetNode && strings.HasPrefix(p, "node/") {
			if ok, _ := path.Match(strings.TrimPrefix(p, "node/"), t.Name); ok {
				return true
			}
		}
	}
	return false
}

// MatchObject reports whether one of the exception's object patterns
// matches an object (see report.ObjectRef.Match).
func (e *Exception) MatchObject(o report.ObjectRef) bool {
	for _, p := range e.Objects {
		if ok, _ := o.Match(p); ok {
			return true
		}
	}
	return false
}

// Error is a file that cannot be used: every problem found, each as
// FILE:LINE:COLUMN: message.
type Error struct {
	File     string
	Problems []string
}

func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return "exceptions file " + e.Problems[0]
	}
	return fmt.Sprintf("exceptions file %s: %d problems:\n  %s", e.File, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// parser collects the problems of one file.
type parser struct {
	file     string
	problems []string
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	if len(p.problems) == maxProblems {
		p.problems = append(p.problems, fmt.Sprintf("%s: … more problems not shown", p.file))
	}
	if len(p.problems) > maxProblems {
		return
	}
	where := p.file
	if n != nil {
		where = fmt.Sprintf("%s:%d:%d", p.file, n.Line, n.Column)
	}
	p.problems = append(p.problems, where+": "+fmt.Sprintf(format, args...))
}

// Read reads and parses one file from r, refusing more than MaxFileSize
// bytes.
func Read(name string, r io.Reader) ([]*Exception, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("exceptions file %s: %w", name, err)
	}
	if len(b) > MaxFileSize {
		return nil, &Error{File: name, Problems: []string{fmt.Sprintf("%s: larger than %d bytes", name, MaxFileSize)}}
	}
	return Parse(name, b)
}

// Parse parses and validates one exceptions file. Unknown fields, a
// missing reason, a malformed date or glob, and anything else that would
// make an exception mean something other than what it says are errors
// naming the line: a file is used entirely or not at all.
func Parse(name string, data []byte) ([]*Exception, error) {
	p := &parser{file: name}
	if len(data) > MaxFileSize {
		p.errorf(nil, "larger than %d bytes", MaxFileSize)
		return nil, p.err()
	}
	if !utf8.Valid(data) {
		p.errorf(nil, "not UTF-8 text")
		return nil, p.err()
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(nil, "the file is empty: want apiVersion: %s, kind: %s and exceptions", APIVersion, Kind)
		} else {
			p.errorf(nil, "not YAML: %s", yamlError(err))
		}
		return nil, p.err()
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.errorf(&extra, "a second YAML document: an exceptions file holds one")
	} else if !errors.Is(err, io.EOF) {
		p.errorf(nil, "not YAML: %s", yamlError(err))
	}
	if len(p.problems) > 0 {
		return nil, p.err()
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	out := p.document(root)
	if len(p.problems) > 0 {
		return nil, p.err()
	}
	return out, nil
}

func (p *parser) err() error { return &Error{File: p.file, Problems: p.problems} }

// yamlError drops the library's prefix from a YAML error.
func yamlError(err error) string {
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "yaml: "), "unmarshal errors:\n  ")
}

// fields walks a mapping, reporting unknown and repeated keys and
// aliases; known maps each allowed key to the node of its value.
func (p *parser) fields(n *yaml.Node, what string, allowed []string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping, not %s", what, describe(n))
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, "%s: a key must be a plain name", what)
			continue
		}
		if v.Kind == yaml.AliasNode || k.Kind == yaml.AliasNode {
			p.errorf(v, "%s: YAML aliases are not allowed", what)
			continue
		}
		known := false
		for _, a := range allowed {
			if k.Value == a {
				known = true
			}
		}
		if !known {
			p.errorf(k, "%s: unknown field %q (want %s)", what, k.Value, strings.Join(allowed, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.errorf(k, "%s: %s is given twice", what, k.Value)
			continue
		}
		out[k.Value] = v
	}
	return out
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "empty"
}

func (p *parser) document(root *yaml.Node) []*Exception {
	f := p.fields(root, "the document", []string{"apiVersion", "kind", "exceptions"})
	if f == nil {
		return nil
	}
	if v, ok := f["apiVersion"]; !ok {
		p.errorf(root, "apiVersion is missing: want %s", APIVersion)
	} else if p.scalar(v, "apiVersion") != APIVersion {
		p.errorf(v, "apiVersion is %s: want %s", describe(v), APIVersion)
	}
	if v, ok := f["kind"]; !ok {
		p.errorf(root, "kind is missing: want %s", Kind)
	} else if p.scalar(v, "kind") != Kind {
		p.errorf(v, "kind is %s: want %s", describe(v), Kind)
	}
	list, ok := f["exceptions"]
	if !ok {
		p.errorf(root, "exceptions is missing: want a list of exceptions")
		return nil
	}
	if list.Kind == yaml.ScalarNode && list.Tag == "!!null" {
		return nil // "exceptions:" with nothing: an empty file
	}
	if list.Kind != yaml.SequenceNode {
		p.errorf(list, "exceptions must be a list, not %s", describe(list))
		return nil
	}
	if len(list.Content) > MaxEntries {
		p.errorf(list, "%d exceptions: at most %d", len(list.Content), MaxEntries)
		return nil
	}
	var out []*Exception
	for i, n := range list.Content {
		if e := p.exception(i, n); e != nil {
			out = append(out, e)
		}
	}
	return out
}

// exceptionFields are the fields of one exception, in the order the
// format documents them.
var exceptionFields = []string{"controls", "targets", "objects", "reason", "expires", "owner"}

func (p *parser) exception(i int, n *yaml.Node) *Exception {
	what := fmt.Sprintf("exception %d", i+1)
	f := p.fields(n, what, exceptionFields)
	if f == nil {
		return nil
	}
	before := len(p.problems)
	e := &Exception{Source: fmt.Sprintf("%s:%d", p.file, n.Line)}
	if v, ok := f["controls"]; ok {
		e.Controls = p.patterns(v, what, "controls")
		if v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
			p.errorf(v, "%s: controls is empty: name the control IDs or globs it accepts", what)
		}
		for _, c := range e.Controls {
			if c == "*" {
				p.errorf(v, `%s: controls "*" would accept every control: name the controls`, what)
			}
			e.controls = append(e.controls, strings.ToUpper(c))
		}
	} else {
		p.errorf(n, "%s: controls is missing: name the control IDs or globs it accepts, e.g. controls: [\"1.1.12\"]", what)
	}
	if v, ok := f["targets"]; ok {
		e.Targets = p.patterns(v, what, "targets")
	}
	if v, ok := f["objects"]; ok {
		e.Objects = p.patterns(v, what, "objects")
		for _, o := range e.Objects {
			if _, err := (report.ObjectRef{}).Match(o); err != nil {
				p.errorf(v, "%s: objects: %v", what, err)
			}
		}
	}
	if v, ok := f["reason"]; ok {
		e.Reason = strings.TrimSpace(p.scalar(v, what+": reason"))
		if e.Reason == "" && v.Kind == yaml.ScalarNode {
			p.errorf(v, "%s: reason is empty: say why the risk is accepted", what)
		}
		p.bound(v, what, "reason", e.Reason)
	} else {
		p.errorf(n, "%s: reason is missing: say why the risk is accepted (required)", what)
	}
	if v, ok := f["owner"]; ok {
		e.Owner = strings.TrimSpace(p.scalar(v, what+": owner"))
		p.bound(v, what, "owner", e.Owner)
	}
	if v, ok := f["expires"]; ok {
		s := p.scalar(v, what+": expires")
		d, err := time.Parse(DateLayout, s)
		if err != nil {
			if v.Kind == yaml.ScalarNode {
				p.errorf(v, "%s: expires %q is not a date: want YYYY-MM-DD, e.g. 2027-03-31", what, s)
			}
		} else {
			e.Expires = d.Format(DateLayout)
			e.end = d.UTC().AddDate(0, 0, 1)
		}
	}
	if len(p.problems) > before {
		return nil
	}
	return e
}

// scalar is a scalar's value; anything else is a problem and "".
func (p *parser) scalar(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(n, "%s must be a value, not %s", what, describe(n))
		return ""
	}
	return n.Value
}

func (p *parser) bound(n *yaml.Node, what, field, s string) {
	if len(s) > maxText {
		p.errorf(n, "%s: %s is longer than %d bytes", what, field, maxText)
	}
}

// patterns reads a list of globs, each checked with path.Match.
func (p *parser) patterns(n *yaml.Node, what, field string) []string {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s: %s must be a list, e.g. %s: [\"%s\"], not %s", what, field, field, example(field), describe(n))
		return nil
	}
	if len(n.Content) > maxPatterns {
		p.errorf(n, "%s: %s has %d entries: at most %d", what, field, len(n.Content), maxPatterns)
		return nil
	}
	var out []string
	for _, c := range n.Content {
		s := strings.TrimSpace(p.scalar(c, what+": "+field+" entry"))
		if c.Kind != yaml.ScalarNode || c.Tag == "!!null" {
			continue
		}
		if s == "" {
			p.errorf(c, "%s: %s: an empty entry", what, field)
			continue
		}
		p.bound(c, what, field, s)
		if _, err := path.Match(s, ""); err != nil {
			p.errorf(c, "%s: %s: %q is not a valid glob: %v", what, field, s, err)
			continue
		}
		out = append(out, s)
	}
	return out
}

func example(field string) string {
	switch field {
	case "targets":
		return "*-worker"
	case "objects":
		return "daemonset/kube-system/*"
	}
	return "1.1.12"
}
