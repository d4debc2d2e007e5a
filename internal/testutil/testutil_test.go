package testutil

import "testing"

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}

func TestContains(t *testing.T) {
	for _, tc := range []struct {
		name  string
		got   string
		wants []string
		fails int
	}{
		{"all present", "scan rbac workloads", []string{"scan", "workloads"}, 0},
		{"one missing", "scan rbac", []string{"scan", "workloads"}, 1},
		{"each missing one fails", "", []string{"a", "b"}, 2},
		{"nothing wanted", "", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			Contains(r, "out", tc.got, tc.wants...)
			if len(r.errors) != tc.fails {
				t.Errorf("%d failures, want %d: %v", len(r.errors), tc.fails, r.errors)
			}
		})
	}
}
