package evidence

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzFlag parses arbitrary command lines: Flag and FlagList never panic, a
// value found with "--name=value" as the last argument is the value of a
// last-wins flag, and the end of the value of an accumulating one.
func FuzzFlag(f *testing.F) {
	f.Add("kube-apiserver\x00--profiling=false\x00--authorization-mode=Node,RBAC", "profiling")
	f.Add("kubelet\x00--config\x00/etc/k.yaml\x00--anonymous-auth", "config")
	f.Add("etcd\x00---x==y\x00-\x00--", "x")
	f.Add("kube-apiserver\x00--profiling=true\x00--profiling=false", "profiling")
	f.Add("kube-apiserver\x00--enable-admission-plugins=A\x00--enable_admission_plugins\x00B,C", "enable-admission-plugins")
	f.Add("kubelet\x00--authorization-mode=AlwaysAllow\x00--authorization-mode\x00Webhook", "authorization-mode")
	f.Add("kubelet\x00--feature-gates=A=true\x00--\x00--feature-gates=A=false", "feature-gates")
	f.Add("kube-apiserver\x00--audit-log-path\x00-\x00--audit-log-path=/var/log/audit.log", "audit-log-path")
	f.Fuzz(func(t *testing.T, argv, name string) {
		p := &Process{Args: strings.Split(argv, "\x00")}
		v, ok := p.Flag(name)
		_ = p.FlagList(name)
		_, _, _ = p.EnvOrFlag(name, "ETCD_X")
		if name == "" || strings.ContainsAny(name, "=-") {
			return
		}
		last := p.Args[len(p.Args)-1]
		if len(p.Args) > 1 && strings.HasPrefix(last, "--"+name+"=") && !slices.Contains(p.Args[1:len(p.Args)-1], "--") {
			want := strings.TrimPrefix(last, "--"+name+"=")
			if accumulates(Component(filepath.Base(p.Args[0])), normalizeFlagName(name)) {
				if !ok || !strings.HasSuffix(v, want) {
					t.Errorf("Flag(%q) = %q, %v; the last argument adds %q", name, v, ok, want)
				}
			} else if !ok || v != want {
				t.Errorf("Flag(%q) = %q, %v; the last argument says %q", name, v, ok, want)
			}
		}
	})
}
