// Package safetext makes text that a node or a cluster controls inert and
// bounded before it enters an error or a reason: a kubelet's status
// message, a collector's log tail, a path or a certificate name read from
// a node. Such text may hold terminal escapes, line breaks that forge
// output lines, bidirectional overrides that reorder what is shown, bytes
// that are not UTF-8, or megabytes. Clip keeps the readable part and
// makes the rest visible as escapes; printers sanitise again, this is
// where the text enters the program.
package safetext

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Clip returns s with every control character (C0 including line breaks
// and tabs, DEL, C1), every bidirectional or line-separator format
// character and every byte that is not UTF-8 replaced by a visible escape
// (\x1b, \u202e, \xff), cut to at most limit bytes of output at a character
// boundary; a cut is marked with "...(N more bytes)". limit < 16 means 16.
func Clip(s string, limit int) string {
	limit = max(limit, 16)
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if needsEscape(r, n) {
			clean = false
			break
		}
		i += n
	}
	if clean && len(s) <= limit {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), limit) + 24)
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		piece := s[i : i+n]
		switch {
		case r == utf8.RuneError && n == 1:
			piece = fmt.Sprintf(`\x%02x`, s[i])
		case needsEscape(r, n) && r < 0x80:
			piece = fmt.Sprintf(`\x%02x`, r)
		case needsEscape(r, n):
			piece = fmt.Sprintf(`\u%04x`, r)
		}
		if b.Len()+len(piece) > limit {
			break
		}
		b.WriteString(piece)
		i += n
	}
	if i < len(s) {
		fmt.Fprintf(&b, "...(%d more bytes)", len(s)-i)
	}
	return b.String()
}

// needsEscape says whether a decoded rune must be escaped.
func needsEscape(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r == 0x2028, r == 0x2029,
		r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		// Arabic letter mark, LRM/RLM, line and paragraph separators,
		// embeddings and overrides, isolates.
		return true
	}
	return false
}

// Error returns err with its message passed through Clip; errors.Is and
// errors.As still reach err. Use it for errors that quote what a node or
// a file holds (a decoder's "unknown field" names the field).
func Error(err error, limit int) error {
	if err == nil {
		return nil
	}
	return &clipped{err: err, limit: limit}
}

type clipped struct {
	err   error
	limit int
}

func (e *clipped) Error() string { return Clip(e.err.Error(), e.limit) }
func (e *clipped) Unwrap() error { return e.err }
