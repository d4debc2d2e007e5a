package format

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// Sanitize makes text from a node or the API inert on a terminal: every
// control character (C0, DEL, C1), every byte that is not valid UTF-8 (a
// raw 0x9b is CSI to an 8-bit terminal) and every character that reorders
// or hides text (bidirectional overrides and isolates, line and paragraph
// separators, zero-width characters) becomes a visible escape. Valid text
// is returned as it is.
func Sanitize(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r < 0x80 && isControl(r):
			fmt.Fprintf(&b, "\\x%02x", r)
		case isControl(r) || isHiding(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			// Only ASCII is clean without a closer look.
			return cleanSlow(s[i:])
		}
	}
	return true
}

func cleanSlow(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if isControl(r) || isHiding(r) {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// isHiding reports the characters that reorder or hide displayed text
// (the "Trojan Source" characters and their relatives).
func isHiding(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidirectional marks, embeddings, overrides, isolates
	case r >= 0x200b && r <= 0x200d, r == 0x2060, r == 0xfeff:
		return true // zero-width space, joiners, word joiner, BOM
	case r == 0x2028, r == 0x2029:
		return true // line and paragraph separators
	}
	return false
}

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
