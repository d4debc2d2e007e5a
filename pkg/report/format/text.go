package format

import (
	"strings"
	"unicode/utf8"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// AcceptedNote says why a result or an evidence line is ACCEPTED, or
// that an exception that matched it has expired: "accepted FAIL: REASON
// (owner OWNER, until DATE, FILE:LINE)". It is empty when no exception is
// involved.
func AcceptedNote(st, accepted report.Status, e *report.ExceptionRef) string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	if e.Expired {
		b.WriteString("exception expired on " + e.Expires + ": ")
	} else if st == report.StatusAccepted {
		b.WriteString("accepted " + string(accepted) + ": ")
	}
	b.WriteString(e.Reason)
	var parts []string
	if e.Owner != "" {
		parts = append(parts, "owner "+e.Owner)
	}
	if e.Expires != "" && !e.Expired {
		parts = append(parts, "until "+e.Expires)
	}
	if e.Source != "" {
		parts = append(parts, e.Source)
	}
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	return b.String()
}

// observationText is an evidence line with its acceptance, if any.
func observationText(o report.Observation) string {
	s := o.String()
	if o.Status == report.StatusAccepted {
		s += " [ACCEPTED " + string(o.AcceptedStatus) + "]"
	}
	return s
}

// OrNone is s, or kubectl's "<none>" when s is empty.
func OrNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// shorten cuts s to at most n characters, marking the cut with "…".
func shorten(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:n-1]) + "…"
}

// cutBytes cuts s to at most n bytes without splitting a UTF-8 character.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
