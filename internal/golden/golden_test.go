package golden

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	if d := Diff([]byte("a\nb\n"), []byte("a\nb\n")); d != "" {
		t.Fatalf("equal texts give %q", d)
	}
	want := strings.Join([]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"}, "\n")
	got := strings.Join([]string{"1", "2", "3", "4", "five", "6", "7", "8", "9", "10", "11", "12", "13"}, "\n")
	d := Diff([]byte(want), []byte(got))
	for _, line := range []string{"@@ -2 +2 @@", "-5", "+five", " 4", " 6", "+13"} {
		if !strings.Contains(d, line+"\n") {
			t.Errorf("diff lacks %q:\n%s", line, d)
		}
	}
	if strings.Contains(d, " 1\n") {
		t.Errorf("diff shows line 1, more than three lines away from a change:\n%s", d)
	}
	long := strings.Repeat("x", 500)
	if d := Diff([]byte(long+"a"), []byte(long+"b")); !strings.Contains(d, "-"+long+"a\n") || !strings.Contains(d, "+"+long+"b\n") {
		t.Errorf("a long line is not shown whole:\n%s", d)
	}
}
