package debugpod

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// TestCollectorKubeletDropIns collects an EKS AL2023-shaped node: the
// kubelet's --config JSON file, its --config-dir drop-ins (recursive, only
// *.conf, symlinked files too) and the kubelet's environment file with a
// secret in it; the resolver then evaluates the drop-in's value.
func TestCollectorKubeletDropIns(t *testing.T) {
	host, proc := fakeRoots(t)
	const d = "/etc/kubernetes/kubelet/config.json.d"
	hdr := `"apiVersion":"kubelet.config.k8s.io/v1beta1","kind":"KubeletConfiguration"`
	writeTree(t, host, []fakeFile{
		{path: "/etc/kubernetes/kubelet/config.json", body: "{" + hdr + `,"readOnlyPort":0,"authentication":{"x509":{"clientCAFile":"/etc/kubernetes/pki/ca.crt"}}}`},
		{path: d + "/40-nodeadm.conf", body: "{" + hdr + `,"readOnlyPort":10255}`},
		{path: d + "/sub/50-more.conf", body: "{" + hdr + `,"eventRecordQPS":7,"tlsCertFile":"rel.crt"}`},
		{path: d + "/60-link.conf", link: "/etc/eks/60.conf"},
		{path: "/etc/eks/60.conf", body: "{" + hdr + `,"podPidsLimit":99}`},
		{path: d + "/README.md", body: "SECRET-NOT-A-DROPIN"},
		{path: "/etc/default/kubelet", body: "KUBELET_FLAGS=--node-labels=a=b --bootstrap-token=SECRET-ENV-FLAG\nAZURE_CLIENT_SECRET=SECRET-ENV-VAR\n"},
	})
	fakeProc(t, proc, 100, "kubelet", []string{"/usr/bin/kubelet", "--config", "/etc/kubernetes/kubelet/config.json", "--config-dir=" + d}, nil, host)
	for name, env := range toolchains(t) {
		t.Run(name, func(t *testing.T) {
			out := runCollector(t, env, host, proc)
			for _, s := range []string{"SECRET-ENV-FLAG", "SECRET-ENV-VAR", "SECRET-NOT-A-DROPIN"} {
				if bytes.Contains(out, []byte(s)) {
					t.Errorf("output holds %s", s)
				}
			}
			n, err := evidence.Parse(bytes.NewReader(out), "node-1")
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, out)
			}
			for _, p := range []string{d + "/40-nodeadm.conf", d + "/sub/50-more.conf", d + "/60-link.conf"} {
				if _, ok := n.Configs[p]; !ok {
					t.Errorf("drop-in %s not collected", p)
				}
			}
			if _, ok := n.Configs[d+"/README.md"]; ok {
				t.Errorf("a file the kubelet ignores was collected")
			}
			if f := n.File(d + "/README.md"); f == nil || !f.Exists {
				t.Errorf("the directory's other entries are stat-ed: %v", f)
			}
			env := n.Configs["/etc/default/kubelet"]
			if !strings.Contains(env, "KUBELET_FLAGS=--node-labels=a=b --bootstrap-token=<redacted>") || !strings.Contains(env, "AZURE_CLIENT_SECRET=<redacted>") {
				t.Errorf("env file: %q", env)
			}
			// The relative path of a drop-in is not resolved against its
			// directory: the collector looks for it under the kubelet's cwd.
			if f := n.File("/rel.crt"); f == nil {
				t.Errorf("the drop-in's tlsCertFile was not looked for at /rel.crt")
			}
			for key, want := range map[string]string{"readOnlyPort": "10255", "eventRecordQPS": "7", "podPidsLimit": "99"} {
				s, err := checks.KubeletSetting(n, key)
				if err != nil || s.Value != want || !strings.HasPrefix(s.Source, "drop-in "+d+"/") {
					t.Errorf("%s: %+v %v, want %s from a drop-in", key, s, err, want)
				}
			}
		})
	}
}
