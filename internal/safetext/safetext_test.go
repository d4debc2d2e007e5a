package safetext

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	tests := []struct {
		name, in string
		limit    int
		want     string
	}{
		{"plain", "services have not yet been read", 100, "services have not yet been read"},
		{"terminal escape", "a\x1b]0;owned\x07b", 100, `a\x1b]0;owned\x07b`},
		{"line break forges a line", "x\nnode/evil: PASS", 100, `x\x0anode/evil: PASS`},
		{"C1 CSI and invalid UTF-8", "a\u009b31mb\xffc", 100, `a\u009b31mb\xffc`},
		{"bidi override", "abc\u202edcba", 100, `abc\u202edcba`},
		{"non-ASCII kept", "Zertifikat für ßtraße ✓", 100, "Zertifikat für ßtraße ✓"},
		{"cut", strings.Repeat("a", 100), 20, strings.Repeat("a", 20) + "...(80 more bytes)"},
		{"cut never splits a character", "ab" + strings.Repeat("ü", 20), 17, "ab" + strings.Repeat("ü", 7) + "...(26 more bytes)"},
		{"cut never splits an escape", strings.Repeat("a", 15) + "\x1bxyz", 17, strings.Repeat("a", 15) + "...(4 more bytes)"},
		{"limit below 16 means 16", strings.Repeat("b", 40), 1, strings.Repeat("b", 16) + "...(24 more bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clip(tt.in, tt.limit); got != tt.want {
				t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
		})
	}
}

func TestInert(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text, üñíçødé", "plain text, üñíçødé"},
		{"\x1b[31mred", `\x1b[31mred`},
		{"bell\x07", `bell\x07`},
		{"tab\tnewline\n", `tab\x09newline\x0a`},
		{"raw CSI \x9b31m", `raw CSI \x9b31m`},
		{"raw \xff byte", `raw \xff byte`},
		{"C1 \u009b as a rune", `C1 \u009b as a rune`},
		{"del\x7f", `del\x7f`},
		{"abc\u202edcba", `abc\u202edcba`},
		{"iso\u2066late\u2069", `iso\u2066late\u2069`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"bom\ufeff", `bom\ufeff`},
		{strings.Repeat("long ", 1000), strings.Repeat("long ", 1000)},
	} {
		if got := Inert(tc.in); got != tc.want {
			t.Errorf("Inert(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLines(t *testing.T) {
	in := "unknown command \"x\x1b[2J\"\n\nRun 'kubectl harden --help' for usage.\r\u202e"
	want := "unknown command \"x\\x1b[2J\"\n\nRun 'kubectl harden --help' for usage.\\x0d\\u202e"
	if got := Lines(in); got != want {
		t.Errorf("Lines(%q) = %q, want %q", in, got, want)
	}
}

// FuzzInert: whatever a node sends, what reaches a terminal is valid
// UTF-8 without a control or text-reordering character, and text that
// needs no escape is kept as it is.
func FuzzInert(f *testing.F) {
	for _, s := range []string{"", "ok", "\x1b]0;t\x07", "\x9b\xff\xfe", "\u202e", "é\xc3", "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Inert(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q: %q", s, out)
		}
		for _, r := range out {
			if needsEscape(r, utf8.RuneLen(r)) {
				t.Fatalf("%U survived in %q", r, out)
			}
		}
		if out != s && utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return needsEscape(r, utf8.RuneLen(r)) }) {
			t.Fatalf("Inert changed clean text %q into %q", s, out)
		}
		for _, line := range strings.Split(Lines(s), "\n") {
			if line != Inert(line) {
				t.Fatalf("Lines(%q) keeps a line that is not inert: %q", s, line)
			}
		}
	})
}

func FuzzClip(f *testing.F) {
	f.Add("a\x1b[2Jb\xff\u202e\n", 20)
	f.Add(strings.Repeat("ü", 30), 17)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit > 1<<16 || limit < -1<<16 {
			return
		}
		got := Clip(s, limit)
		if !utf8.ValidString(got) {
			t.Fatalf("Clip(%q) = %q: not UTF-8", s, got)
		}
		for _, r := range got {
			if needsEscape(r, utf8.RuneLen(r)) {
				t.Fatalf("Clip(%q) = %q keeps %U", s, got, r)
			}
		}
		// The text kept is at most the limit; the cut mark adds at most 32.
		if len(got) > max(limit, 16)+32 {
			t.Fatalf("Clip(%q, %d) = %q: longer than the limit", s, limit, got)
		}
	})
}

func TestError(t *testing.T) {
	base := errors.New("json: unknown field \"\x1b[2J" + strings.Repeat("x", 100) + "\"")
	err := Error(base, 40)
	if !errors.Is(err, base) {
		t.Error("errors.Is does not reach the wrapped error")
	}
	if got := err.Error(); len(got) > 40+32 || strings.Contains(got, "\x1b") {
		t.Errorf("Error() = %q", got)
	}
	if Error(nil, 10) != nil {
		t.Error("Error(nil) != nil")
	}
}
