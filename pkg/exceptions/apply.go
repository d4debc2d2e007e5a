package exceptions

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// WarnWithin is how close to its expiry a live exception is warned about.
const WarnWithin = 14 * 24 * time.Hour

// Set is the exceptions of one run, from one or more files, in order.
type Set struct {
	Files   []string
	Entries []*Exception
}

// Load reads and parses files in order. A file that cannot be read or
// parsed is an error naming it (and its lines): nothing is applied then.
func Load(files []string) (*Set, error) {
	s := &Set{}
	for _, name := range files {
		if name == "" {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("exceptions file: %w", err)
		}
		fi, err := f.Stat()
		if err == nil && !fi.Mode().IsRegular() {
			err = fmt.Errorf("%s: not a regular file", name)
		}
		var es []*Exception
		if err == nil {
			es, err = Read(name, f)
		}
		f.Close()
		if err != nil {
			if pe := (*Error)(nil); errors.As(err, &pe) {
				return nil, err
			}
			return nil, fmt.Errorf("exceptions file: %w", err)
		}
		s.Files = append(s.Files, name)
		s.Entries = append(s.Entries, es...)
	}
	return s, nil
}

// Options say how to apply a set.
type Options struct {
	// Now decides expiry.
	Now time.Time
	// Known are the control IDs of the selected benchmarks; a control
	// pattern that matches none is reported (unknown-control). Empty:
	// not checked.
	Known []string
	// Ignore leaves every verdict raw (--ignore-exceptions): the audit
	// still says what each exception would have done.
	Ignore bool
}

// Apply restores the raw verdicts of r (a report read back may carry
// ACCEPTED results), then applies the live exceptions of s: a FAIL or
// WARN result that a live exception without objects covers becomes
// ACCEPTED; an evidence line naming an object that a live exception's
// objects cover becomes ACCEPTED, and the whole result does when every
// finding line is covered and none was left out of the evidence. ERROR is
// never accepted (it was not evaluated), nor anything that is not a
// finding. A match of an expired exception only annotates the result,
// which keeps its verdict. The summaries are recounted; the audit is
// returned and also set in r.Metadata.Exceptions.
func Apply(r *report.Report, s *Set, o Options) *report.ExceptionsAudit {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	accepted := make([]int, len(s.Entries))
	// The exceptions that name a control, once per control ID: a report
	// of a thousand nodes matches each control's globs once, not per node.
	byControl := map[string][]*candidate{}
	for ti := range r.Targets {
		t := &r.Targets[ti]
		for ri := range t.Results {
			t.Results[ri] = t.Results[ri].Raw()
			if len(s.Entries) == 0 || t.Results[ri].Status.Severity() == 0 {
				continue
			}
			id := t.Results[ri].ControlID
			cs, ok := byControl[id]
			if !ok {
				for i, e := range s.Entries {
					if e.MatchControl(id) {
						cs = append(cs, &candidate{i, e})
					}
				}
				byControl[id] = cs
			}
			if len(cs) > 0 {
				applyResult(*t, &t.Results[ri], cs, o, accepted)
			}
		}
	}
	r.Recount()
	audit := &report.ExceptionsAudit{Files: s.Files, Ignored: o.Ignore, Entries: []report.ExceptionAudit{}}
	for i, e := range s.Entries {
		audit.Entries = append(audit.Entries, auditOf(e, accepted[i], o))
	}
	r.Metadata.Exceptions = audit
	return audit
}

// candidate is an exception that names a result's control, with its
// index in the set.
type candidate struct {
	i int
	*Exception
}

// find returns the first live and the first expired exception among es
// (which name the control) that match a target (and an object, when obj
// is not zero; exceptions with objects only then, those without only when
// it is zero), as indexes into es.
func find(es []*candidate, t report.TargetReport, obj report.ObjectRef, now time.Time) (live, expired int) {
	live, expired = -1, -1
	for i, e := range es {
		if (len(e.Objects) > 0) != !obj.IsZero() || !e.MatchTarget(t) {
			continue
		}
		if !obj.IsZero() && !e.MatchObject(obj) {
			continue
		}
		if e.Expired(now) {
			if expired < 0 {
				expired = i
			}
			continue
		}
		return i, expired
	}
	return -1, expired
}

// applyResult applies the candidates (the exceptions that name the
// result's control) to a FAIL or WARN result; PASS, INFO and N/A have
// nothing to accept, and ERROR is never accepted.
func applyResult(t report.TargetReport, res *report.Result, es []*candidate, o Options, accepted []int) {
	live, expired := find(es, t, report.ObjectRef{}, o.Now)
	if live >= 0 {
		accepted[es[live].i]++
		if !o.Ignore {
			res.AcceptedStatus, res.Status, res.Exception = res.Status, report.StatusAccepted, es[live].Ref(false)
		}
		return
	}
	var ev []report.Observation
	findings, covered, first := 0, 0, -1
	for j, line := range res.Evidence {
		if line.Object.IsZero() || line.Status.Severity() == 0 {
			continue
		}
		findings++
		l, x := find(es, t, line.Object, o.Now)
		if l < 0 && x < 0 {
			continue
		}
		if ev == nil {
			ev = append([]report.Observation(nil), res.Evidence...)
		}
		if l >= 0 {
			covered++
			accepted[es[l].i]++
			if first < 0 {
				first = l
			}
			if !o.Ignore {
				ev[j].AcceptedStatus, ev[j].Status, ev[j].Exception = line.Status, report.StatusAccepted, es[l].Ref(false)
			}
			continue
		}
		if expired < 0 {
			expired = x
		}
		if !o.Ignore {
			ev[j].Exception = es[x].Ref(true)
		}
	}
	if o.Ignore {
		return
	}
	if ev != nil {
		res.Evidence = ev
	}
	if findings > 0 && covered == findings && res.Omitted == 0 {
		res.AcceptedStatus, res.Status, res.Exception = res.Status, report.StatusAccepted, es[first].Ref(false)
		return
	}
	if expired >= 0 {
		res.Exception = es[expired].Ref(true)
		res.Reason += report.ExpiredNote(es[expired].Expires)
	}
}

func auditOf(e *Exception, n int, o Options) report.ExceptionAudit {
	a := report.ExceptionAudit{
		Source: e.Source, Controls: e.Controls, Targets: e.Targets, Objects: e.Objects,
		Reason: e.Reason, Owner: e.Owner, Expires: e.Expires, Accepted: n,
	}
	a.UnknownControls = e.UnknownControls(o.Known)
	switch {
	case e.Expired(o.Now):
		a.State, a.Accepted = report.AuditExpired, 0
	case n > 0:
		a.State = report.AuditApplied
	case len(a.UnknownControls) > 0:
		a.State = report.AuditUnknownControl
	default:
		a.State = report.AuditUnused
	}
	if days, ok := e.DaysLeft(o.Now); ok && !e.Expired(o.Now) && time.Duration(days)*24*time.Hour < WarnWithin {
		a.ExpiresInDays = &days
	}
	return a
}

// inDays says when an expiry is: "today", "in 1 day", "in 5 days".
func inDays(n int) string {
	switch n {
	case 0:
		return "today"
	case 1:
		return "in 1 day"
	}
	return fmt.Sprintf("in %d days", n)
}

// UnknownControls are the exception's control patterns that match none of
// the known control IDs (none when known is empty: nothing to check).
func (e *Exception) UnknownControls(known []string) []string {
	if len(known) == 0 {
		return nil
	}
	var out []string
	for _, c := range e.Controls {
		if !matchesAny(c, known) {
			out = append(out, c)
		}
	}
	return out
}

func matchesAny(glob string, ids []string) bool {
	g := strings.ToUpper(glob)
	for _, id := range ids {
		if ok, _ := path.Match(g, strings.ToUpper(id)); ok {
			return true
		}
	}
	return false
}

// AuditLines says what a person must know about the exceptions of a run,
// one line each: a summary, then every exception that did not apply,
// names an unknown control or expires soon. Lines hold text from the
// files: print them sanitised.
func AuditLines(a *report.ExceptionsAudit) []string {
	if a == nil {
		return nil
	}
	counts := map[string]int{}
	total := 0
	for _, e := range a.Entries {
		counts[e.State]++
		total += e.Accepted
	}
	verb := "accepted"
	if a.Ignored {
		verb = "would accept (--ignore-exceptions: raw verdicts shown)"
	}
	var parts []string
	for _, st := range []string{report.AuditApplied, report.AuditUnused, report.AuditExpired, report.AuditUnknownControl} {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
		}
	}
	summary := fmt.Sprintf("Exceptions: %d in %s", len(a.Entries), strings.Join(a.Files, ", "))
	if len(parts) > 0 {
		summary += ": " + strings.Join(parts, ", ")
	}
	out := []string{fmt.Sprintf("%s; %s %d finding(s).", summary, verb, total)}
	for _, e := range a.Entries {
		who := fmt.Sprintf("exception %s (controls %s)", e.Source, strings.Join(e.Controls, ","))
		switch e.State {
		case report.AuditExpired:
			out = append(out, fmt.Sprintf("Warning: %s expired on %s: it no longer applies, its findings keep their status.", who, e.Expires))
		case report.AuditUnused:
			out = append(out, fmt.Sprintf("Warning: %s matched no finding (unused): remove it, or check its controls, targets and objects.", who))
		case report.AuditUnknownControl:
			out = append(out, fmt.Sprintf("Warning: %s names controls that no selected benchmark has: %s.", who, strings.Join(e.UnknownControls, ", ")))
		}
		if e.State == report.AuditApplied && len(e.UnknownControls) > 0 {
			out = append(out, fmt.Sprintf("Warning: %s also names controls that no selected benchmark has: %s.", who, strings.Join(e.UnknownControls, ", ")))
		}
		if e.ExpiresInDays != nil {
			out = append(out, fmt.Sprintf("Warning: %s expires on %s (%s): renew or remove it.", who, e.Expires, inDays(*e.ExpiresInDays)))
		}
	}
	return out
}

// PrintAudit writes AuditLines to w, each through sanitize.
func PrintAudit(w io.Writer, a *report.ExceptionsAudit, sanitize func(string) string) {
	for _, l := range AuditLines(a) {
		fmt.Fprintln(w, sanitize(l))
	}
}

// PrintCheck writes what `exceptions check` says of a set: each exception
// with its state (live, expiring soon, expired) and the controls it names
// that are not in known, through sanitize, then the count.
func PrintCheck(w io.Writer, s *Set, known []string, now time.Time, sanitize func(string) string) {
	for _, e := range s.Entries {
		state := "live"
		if e.Expired(now) {
			state = "expired on " + e.Expires
		} else if d, ok := e.DaysLeft(now); ok && time.Duration(d)*24*time.Hour < WarnWithin {
			state = fmt.Sprintf("expiring on %s (%d day(s) left, renew or remove it)", e.Expires, d)
		} else if e.Expires != "" {
			state = "live until " + e.Expires
		}
		line := fmt.Sprintf("%s: controls %s: %s", e.Source, strings.Join(e.Controls, ","), state)
		if u := e.UnknownControls(known); len(u) > 0 {
			line += "; no such control: " + strings.Join(u, ", ")
		}
		fmt.Fprintln(w, sanitize(line))
	}
	fmt.Fprintf(w, "%d exception(s) in %d file(s): valid.\n", len(s.Entries), len(s.Files))
}
