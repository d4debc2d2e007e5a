// Package safetext makes text that a node or a cluster controls inert and
// bounded before it enters an error or a reason: a kubelet's status
// message, a collector's log tail, a path or a certificate name read from
// a node. Such text may hold terminal escapes, line breaks that forge
// output lines, bidirectional overrides that reorder what is shown, bytes
// that are not UTF-8, or megabytes. Clip keeps the readable part and
// makes the rest visible as escapes where the text enters the program;
// Inert is what every printer (table, text formats, stderr) applies again.
// This package is the one sanitiser of the module.
package safetext

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Inert returns s with every control character (C0 including line breaks
// and tabs, DEL, C1), every character that reorders or hides displayed
// text (bidirectional marks, embeddings, overrides and isolates, line and
// paragraph separators, zero-width characters) and every byte that is not
// UTF-8 replaced by a visible escape (\x1b, \u202e, \xff). Text without
// such characters is returned as it is. Printers use it for every string
// they show; where the text enters the program, Clip also bounds it.
func Inert(s string) string { return escape(s, -1, false) }

// Lines is Inert for a message of several lines that the program wrote
// (an error with a usage hint): line feeds are kept, everything else
// Inert escapes is escaped. Node text inside it was already made inert by
// Clip, so a line feed it held cannot forge a line here.
func Lines(s string) string { return escape(s, -1, true) }

// Clip is Inert cut to at most limit bytes of output at a character
// boundary; a cut is marked with "...(N more bytes)". limit < 16 means 16.
func Clip(s string, limit int) string { return escape(s, max(limit, 16), false) }

// escape is the one implementation behind Inert, Lines and Clip; limit < 0
// means unbounded.
func escape(s string, limit int, keepLF bool) string {
	clean := true
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x7f || keepLF && c == '\n' {
			i++ // printable ASCII: the common case, no decoding
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if needsEscape(r, n) {
			clean = false
			break
		}
		i += n
	}
	if clean && (limit < 0 || len(s) <= limit) {
		return s
	}
	var b strings.Builder
	if limit < 0 {
		b.Grow(len(s) + 16)
	} else {
		b.Grow(min(len(s), limit) + 24)
	}
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		piece := s[i : i+n]
		switch {
		case keepLF && r == '\n':
		case r == utf8.RuneError && n == 1:
			piece = fmt.Sprintf(`\x%02x`, s[i])
		case needsEscape(r, n) && r < 0x80:
			piece = fmt.Sprintf(`\x%02x`, r)
		case needsEscape(r, n):
			piece = fmt.Sprintf(`\u%04x`, r)
		}
		if limit >= 0 && b.Len()+len(piece) > limit {
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
		return true // C0 (line breaks and tabs too), DEL, C1 (0x9b is CSI)
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidirectional marks, embeddings, overrides, isolates ("Trojan Source")
	case r >= 0x200b && r <= 0x200d, r == 0x2060, r == 0xfeff:
		return true // zero-width space, joiners, word joiner, BOM
	case r == 0x2028, r == 0x2029:
		return true // line and paragraph separators
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
