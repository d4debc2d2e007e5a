package rbac

import "testing"

// FuzzParseSubject: ParseSubject never panics, and what it accepts has a
// kind and a name (and a namespace for service accounts).
func FuzzParseSubject(f *testing.F) {
	for _, s := range []string{"user/alice", "group/system:masters", "serviceaccount/kube-system:coredns", "sa/ns:x", "user/system:serviceaccount:a:b", "robot/x", "user/", "/", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sub, err := ParseSubject(s)
		if err != nil {
			return
		}
		if sub.Kind == "" || sub.Name == "" || (sub.Kind == KindServiceAccount && sub.Namespace == "") {
			t.Errorf("ParseSubject(%q) = %+v", s, sub)
		}
	})
}
