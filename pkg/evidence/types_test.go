package evidence

import (
	"strings"
	"testing"
)

// TestFlag covers the command-line forms and the repeated-flag rules of the
// components' parsers (pflag with component-base's value types; Go's flag
// package for etcd).
func TestFlag(t *testing.T) {
	tests := []struct {
		name    string
		argv    string // words separated by spaces
		flag    string
		want    string
		wantSet bool
	}{
		{"equals", "kube-apiserver --profiling=false", "profiling", "false", true},
		{"separate value", "kubelet --config /var/lib/kubelet/config.yaml", "config", "/var/lib/kubelet/config.yaml", true},
		{"bare boolean", "kubelet --anonymous-auth", "anonymous-auth", "true", true},
		{"boolean never takes the next word", "kubelet --anonymous-auth false", "anonymous-auth", "true", true},
		{"bare unknown flag before another flag is a boolean", "kube-apiserver --some-bool --profiling=false", "some-bool", "true", true},
		{"bare flag at the end", "kube-apiserver --some-bool", "some-bool", "true", true},
		{"unset", "kube-apiserver --profiling=false", "anonymous-auth", "", false},
		{"empty value", "kube-apiserver --audit-log-path=", "audit-log-path", "", true},
		{"value with =", "kube-apiserver --feature-gates=A=true", "feature-gates", "A=true", true},
		{"dash value is stdout", "kube-apiserver --audit-log-path - --profiling=false", "audit-log-path", "-", true},
		{"negative number", "kubelet --pod-max-pids -1", "pod-max-pids", "-1", true},
		{"underscore spelling", "kube-apiserver --anonymous_auth=false", "anonymous-auth", "false", true},
		{"underscore lookup", "kube-apiserver --anonymous-auth=false", "anonymous_auth", "false", true},
		{"single dash (Go flag syntax)", "etcd -client-cert-auth=true", "client-cert-auth", "true", true},
		{"terminator ends the flags", "kube-apiserver --profiling=false -- --profiling=true", "profiling", "false", true},
		{"flag-like word after the terminator", "kube-apiserver -- --profiling=true", "profiling", "", false},
		{"triple dash is bad syntax", "kube-apiserver ---profiling=false", "profiling", "", false},
		{"argv[0] is not a flag", "--profiling=true", "profiling", "", false},

		// Repeated flags: last wins for scalars.
		{"repeated string: last wins", "kube-apiserver --audit-log-path=/a --audit-log-path=/b", "audit-log-path", "/b", true},
		{"repeated bool: last wins", "kube-apiserver --profiling=false --profiling=true", "profiling", "true", true},
		{"repeated bool, bare last", "kube-apiserver --profiling=false --profiling", "profiling", "true", true},
		{"repeated, mixed forms", "kubelet --config=/a --config /b", "config", "/b", true},
		{"repeated, underscore spelling last", "kubelet --read-only-port=0 --read_only_port=10255", "read-only-port", "10255", true},
		{"kubelet authorization-mode is a string", "kubelet --authorization-mode=AlwaysAllow --authorization-mode=Webhook", "authorization-mode", "Webhook", true},
		{"etcd is last-wins (Go flag, StringsValue replaces)", "etcd --cipher-suites=A,B --cipher-suites=C", "cipher-suites", "C", true},
		{"etcd single and double dash", "/usr/local/bin/etcd --data-dir=/a -data-dir=/b", "data-dir", "/b", true},

		// Repeated list- and map-typed flags accumulate.
		{"StringSlice accumulates", "kube-apiserver --enable-admission-plugins=NodeRestriction --enable-admission-plugins=AlwaysPullImages,EventRateLimit", "enable-admission-plugins", "NodeRestriction,AlwaysPullImages,EventRateLimit", true},
		{"apiserver authorization-mode accumulates", "/usr/local/bin/kube-apiserver --authorization-mode=Node --authorization-mode RBAC", "authorization-mode", "Node,RBAC", true},
		{"kubelet tls-cipher-suites accumulates", "/usr/bin/kubelet --tls-cipher-suites=A --tls-cipher-suites=B", "tls-cipher-suites", "A,B", true},
		{"scheduler tls-cipher-suites accumulates", "kube-scheduler --tls-cipher-suites=A --tls-cipher-suites=B", "tls-cipher-suites", "A,B", true},
		{"feature-gates merge in order", "kube-controller-manager --feature-gates=A=true,B=true --feature-gates=A=false", "feature-gates", "A=true,B=true,A=false", true},
		{"kubelet feature-gates merge", "kubelet --feature-gates=RotateKubeletServerCertificate=false --feature_gates=RotateKubeletServerCertificate=true", "feature-gates", "RotateKubeletServerCertificate=false,RotateKubeletServerCertificate=true", true},
		{"StringArray accumulates", "kube-apiserver --service-account-key-file=/a.pub --service-account-key-file=/b.pub", "service-account-key-file", "/a.pub,/b.pub", true},
		{"single occurrence of a list flag", "kube-apiserver --enable-admission-plugins=NodeRestriction", "enable-admission-plugins", "NodeRestriction", true},
		{"unknown executable: union of the components", "./apiserver --authorization-mode=Node --authorization-mode=RBAC", "authorization-mode", "Node,RBAC", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Process{Args: strings.Fields(tt.argv)}
			got, set := p.Flag(tt.flag)
			if got != tt.want || set != tt.wantSet {
				t.Errorf("Flag(%q) on %q = %q, %v; want %q, %v", tt.flag, tt.argv, got, set, tt.want, tt.wantSet)
			}
		})
	}
}

// TestFlagListRepeated checks the list view of an accumulated flag.
func TestFlagListRepeated(t *testing.T) {
	p := &Process{Args: []string{"kube-apiserver", "--enable-admission-plugins=A, B", "--enable-admission-plugins=", "--enable-admission-plugins=C"}}
	got := strings.Join(p.FlagList("enable-admission-plugins"), "|")
	if got != "A|B|C" {
		t.Errorf("FlagList = %q, want A|B|C", got)
	}
	var nilProc *Process
	if v, ok := nilProc.Flag("x"); ok || v != "" {
		t.Errorf("nil process: Flag = %q, %v", v, ok)
	}
	if v, ok := (&Process{}).Flag("x"); ok || v != "" {
		t.Errorf("empty argv: Flag = %q, %v", v, ok)
	}
}
