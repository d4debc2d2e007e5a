package evidence

import (
	"strings"
	"testing"
)

// FuzzFlag parses arbitrary command lines: Flag and FlagList never panic,
// and a value found with "--name=value" is returned as given.
func FuzzFlag(f *testing.F) {
	f.Add("kube-apiserver\x00--profiling=false\x00--authorization-mode=Node,RBAC", "profiling")
	f.Add("kubelet\x00--config\x00/etc/k.yaml\x00--anonymous-auth", "config")
	f.Add("etcd\x00---x==y\x00-\x00--", "x")
	f.Fuzz(func(t *testing.T, argv, name string) {
		p := &Process{Args: strings.Split(argv, "\x00")}
		v, ok := p.Flag(name)
		_ = p.FlagList(name)
		_, _, _ = p.EnvOrFlag(name, "ETCD_X")
		if name == "" || strings.ContainsAny(name, "=-") {
			return
		}
		last := p.Args[len(p.Args)-1]
		if len(p.Args) > 1 && strings.HasPrefix(last, "--"+name+"=") {
			if want := strings.TrimPrefix(last, "--"+name+"="); !ok || v != want {
				t.Errorf("Flag(%q) = %q, %v; the last argument says %q", name, v, ok, want)
			}
		}
	})
}
