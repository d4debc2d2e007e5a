package checks

import (
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// The kubelet's --config-dir (Kubernetes 1.30+), as cmd/kubelet/app/server.go
// mergeKubeletConfigurations does it at v1.34.4.

const dropInDir = "/etc/kubernetes/kubelet/config.json.d"

// dropIn is a drop-in body with the header the kubelet requires.
func dropIn(body string) string {
	return "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n" + body
}

// withDropIns gives a node's kubelet --config-dir=dir with the files (stat
// records and collected contents).
func withDropIns(n *evidence.Node, dir string, files map[string]string) *evidence.Node {
	setFlag(n, evidence.Kubelet, "config-dir", dir)
	addDir(n, dir, 0o755, 0, 0)
	for name, body := range files {
		p := dir + "/" + name
		addFile(n, p, 0o644, 0, 0)
		n.Configs[p] = body
	}
	return n
}

func TestKubeletDropInSelectionAndOrder(t *testing.T) {
	for _, tc := range []struct {
		name          string
		dirType       string
		entries       map[string]string
		want, skipped []string
	}{
		{
			name:    "lexical order, only .conf",
			dirType: "dir",
			entries: map[string]string{"/d/20-b.conf": "file", "/d/10-a.conf": "file", "/d/30.conf.bak": "file", "/d/README": "file", "/d/40.CONF": "file"},
			want:    []string{"/d/10-a.conf", "/d/20-b.conf"},
			skipped: []string{"/d/30.conf.bak", "/d/40.CONF", "/d/README"},
		},
		{
			// WalkDir descends into a directory when it meets its name: "a/"
			// comes before "a-b.conf" although "/" sorts after "-".
			name:    "subdirectories walked depth first in name order",
			dirType: "dir",
			entries: map[string]string{"/d/a": "dir", "/d/a/z.conf": "file", "/d/a-b.conf": "file", "/d/0.conf": "file", "/d/b.conf": "dir"},
			want:    []string{"/d/0.conf", "/d/a/z.conf", "/d/a-b.conf"},
		},
		{
			name:    "hidden .conf files and symlinked files are read",
			dirType: "dir",
			entries: map[string]string{"/d/.conf": "file", "/d/.hidden.conf": "file", "/d/link.conf": "symlink"},
			want:    []string{"/d/.conf", "/d/.hidden.conf", "/d/link.conf"},
		},
		{
			name:    "a symlinked --config-dir is not followed",
			dirType: "symlink",
			entries: map[string]string{"/d/10.conf": "file"},
		},
		{
			name:    "a --config-dir naming a .conf file reads that file",
			dirType: "file",
			want:    []string{"/d"},
		},
		{
			name:    "entries outside the directory do not count",
			dirType: "dir",
			entries: map[string]string{"/dd/10.conf": "file", "/d.conf": "file"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := "/d/"
			if tc.dirType == "file" {
				dir = "/d"
				got, _ := KubeletDropIns(dir, tc.dirType, tc.entries)
				if len(got) != 0 {
					t.Fatalf("a file without .conf is not a drop-in: %v", got)
				}
				dir = "/d.conf"
				tc.want = []string{"/d.conf"}
			}
			got, skipped := KubeletDropIns(dir, tc.dirType, tc.entries)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("drop-ins (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.skipped, skipped); diff != "" {
				t.Errorf("skipped (-want +got):\n%s", diff)
			}
		})
	}
}

// untag strips the layer tags of a merged document.
func untag(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range t {
			out[k] = untag(e)
		}
		return out
	case leaf:
		return t.v
	}
	return v
}

func TestMergeKubeletConfigIsAJSONMergePatch(t *testing.T) {
	main := map[string]any{
		"authentication":  map[string]any{"anonymous": map[string]any{"enabled": false}, "x509": map[string]any{"clientCAFile": "/ca"}},
		"tlsCipherSuites": []any{"A", "B"}, "readOnlyPort": 0.0, "featureGates": map[string]any{"X": true},
	}
	patches := []map[string]any{
		{"authentication": map[string]any{"anonymous": map[string]any{"enabled": true}}, "tlsCipherSuites": []any{"C"}},
		{"readOnlyPort": nil, "featureGates": map[string]any{"Y": false}, "new": map[string]any{"a": nil, "b": 1.0}},
		{"authentication": map[string]any{"x509": "oops"}},
	}
	got := MergeKubeletConfig(main, patches)
	want := map[string]any{
		"authentication":  map[string]any{"anonymous": map[string]any{"enabled": true}, "x509": "oops"},
		"tlsCipherSuites": []any{"C"}, "featureGates": map[string]any{"X": true, "Y": false}, "new": map[string]any{"b": 1.0},
	}
	if diff := cmp.Diff(want, untag(got)); diff != "" {
		t.Errorf("merge (-want +got):\n%s", diff)
	}
	if l, _ := lookupMerged(got, []string{"featureGates", "X"}, true, false); l.layer != 0 {
		t.Errorf("X came from layer %d, want the main file", l.layer)
	}
	if l, _ := lookupMerged(got, []string{"featureGates", "Y"}, true, false); l.layer != 2 {
		t.Errorf("Y came from layer %d, want drop-in 2", l.layer)
	}
	if main["readOnlyPort"] != 0.0 || len(main["tlsCipherSuites"].([]any)) != 2 {
		t.Errorf("the main document was modified: %v", main)
	}
}

func TestKubeletDropInsResolution(t *testing.T) {
	const d = dropInDir
	for _, tc := range []struct {
		name   string
		files  map[string]string
		node   func(n *evidence.Node)
		key    string
		value  string
		source string
		expl   bool
		errSub string
	}{
		{name: "a drop-in overrides the main file", files: map[string]string{"40-nodeadm.conf": dropIn("readOnlyPort: 10255\n")},
			key: "readOnlyPort", value: "10255", source: "drop-in " + d + "/40-nodeadm.conf", expl: true},
		{name: "the later drop-in wins", files: map[string]string{"10-a.conf": dropIn("eventRecordQPS: 5\n"), "20-b.conf": dropIn("eventRecordQPS: 0\n")},
			key: "eventRecordQPS", value: "0", source: "drop-in " + d + "/20-b.conf", expl: true},
		{name: "a sibling key of the main file survives", files: map[string]string{"10-a.conf": dropIn("authentication:\n  anonymous:\n    enabled: true\n")},
			key: "authentication.x509.clientCAFile", value: "/etc/kubernetes/pki/ca.crt", source: "config", expl: true},
		{name: "a flag beats every drop-in", files: map[string]string{"10-a.conf": dropIn("readOnlyPort: 10255\n")},
			node: func(n *evidence.Node) { setFlag(n, evidence.Kubelet, "read-only-port", "0") }, key: "readOnlyPort", value: "0", source: "flag", expl: true},
		{name: "null in a drop-in resets to the default", files: map[string]string{"10-a.conf": dropIn("rotateCertificates: null\n")},
			key: "rotateCertificates", value: "false", source: "default"},
		{name: "a zero duration in a drop-in is defaulted after the merge", files: map[string]string{"10-a.conf": dropIn("streamingConnectionIdleTimeout: 0s\n")},
			key: "streamingConnectionIdleTimeout", value: "4h0m0s", source: "default"},
		{name: "a file without .conf is ignored", files: map[string]string{"10-a.yaml": dropIn("readOnlyPort: 10255\n")},
			key: "readOnlyPort", value: "0", source: "default"},
		{name: "drop-ins merge feature gates per gate", files: map[string]string{"10-a.conf": dropIn("featureGates:\n  Other: true\n")},
			node: func(n *evidence.Node) {
				editConfig(n, kubeletConfigPath, func(m map[string]any) { m["featureGates"] = map[string]any{"RotateKubeletServerCertificate": false} })
			},
			key: "featureGates.RotateKubeletServerCertificate", value: "false", source: "config", expl: true},
		{
			// encoding/json, which decodes the merged drop-ins, matches
			// field names case-insensitively.
			name: "a drop-in key in another case still counts", files: map[string]string{"10-a.conf": dropIn("ReadOnlyPort: 10255\n")},
			key: "readOnlyPort", value: "10255", source: "drop-in " + d + "/10-a.conf", expl: true},
		{
			// The main file is decoded case-sensitively before the merge.
			name: "a main-file key in another case does not", files: map[string]string{},
			node: func(n *evidence.Node) {
				editConfig(n, kubeletConfigPath, func(m map[string]any) { m["ReadOnlyPort"] = 10255 })
			},
			key: "readOnlyPort", value: "0", source: "default"},
		{name: "without --config the drop-ins merge over the flags-only defaults", files: map[string]string{"10-a.conf": dropIn("eventRecordQPS: 1\n")},
			node: func(n *evidence.Node) { delFlag(n, evidence.Kubelet, "config") }, key: "readOnlyPort", value: "10255", source: "default"},
		{name: "a drop-in that was not collected", files: map[string]string{"10-a.conf": dropIn("readOnlyPort: 0\n")},
			node: func(n *evidence.Node) { delete(n.Configs, d+"/10-a.conf") }, key: "readOnlyPort", errSub: "not collected"},
		{name: "a drop-in without apiVersion", files: map[string]string{"10-a.conf": "kind: KubeletConfiguration\nreadOnlyPort: 0\n"},
			key: "readOnlyPort", errSub: "which the kubelet refuses"},
		{name: "an empty drop-in", files: map[string]string{"10-a.conf": ""}, key: "readOnlyPort", errSub: "empty"},
		{name: "the directory was not collected", files: map[string]string{},
			node: func(n *evidence.Node) { delete(n.Files, d) }, key: "readOnlyPort", errSub: "was not collected"},
		{name: "a symlinked directory contributes nothing", files: map[string]string{"10-a.conf": dropIn("readOnlyPort: 10255\n")},
			node: func(n *evidence.Node) { n.Files[d].Target = "/elsewhere" }, key: "readOnlyPort", value: "0", source: "default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := withDropIns(kubeadmWorker(), d, tc.files)
			if tc.node != nil {
				tc.node(n)
			}
			s, err := KubeletSetting(n, tc.key)
			if tc.errSub != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errSub) {
					t.Fatalf("got %+v, %v; want an error with %q", s, err, tc.errSub)
				}
				return
			}
			if err != nil || s.Value != tc.value || s.Source != tc.source || s.Explicit != tc.expl || s.Set != tc.expl {
				t.Fatalf("got %+v, %v; want %s from %s (explicit %t)", s, err, tc.value, tc.source, tc.expl)
			}
		})
	}
}

func TestKubeletDropInDecidesControlAndSaysSo(t *testing.T) {
	n := withDropIns(kubeadmWorker(), dropInDir, map[string]string{
		"40-nodeadm.conf": dropIn("readOnlyPort: 10255\n"), "README": "not a drop-in",
	})
	r := resultOf(t, n, "4.2.4")
	if r.Status != StatusFail || !strings.Contains(r.Reason, "drop-in "+dropInDir+"/40-nodeadm.conf") {
		t.Errorf("4.2.4: %s %q", r.Status, r.Reason)
	}
	if !strings.Contains(evidenceText(r), dropInDir+"/40-nodeadm.conf readOnlyPort") {
		t.Errorf("evidence %v does not name the drop-in", r.Evidence)
	}
	wantNotes(t, EvaluateNode(n, testOpts()), "drop-ins of --config-dir "+dropInDir+" in merge order: "+dropInDir+"/40-nodeadm.conf", "ignored by the kubelet (not *.conf): "+dropInDir+"/README")
}

// An EKS AL2023 node (nodeadm): JSON config at /etc/kubernetes/kubelet/config.json,
// user settings in config.json.d/40-nodeadm.conf.
func TestKubeletEKSAL2023Layout(t *testing.T) {
	const main = "/etc/kubernetes/kubelet/config.json"
	n := kubeadmWorker()
	setFlag(n, evidence.Kubelet, "config", main)
	addFile(n, main, 0o644, 0, 0)
	n.Configs[main] = `{"apiVersion":"kubelet.config.k8s.io/v1beta1","kind":"KubeletConfiguration",
	 "authentication":{"anonymous":{"enabled":false},"webhook":{"enabled":true},"x509":{"clientCAFile":"/etc/kubernetes/pki/ca.crt"}},
	 "authorization":{"mode":"Webhook"},"readOnlyPort":0,"protectKernelDefaults":true,"serverTLSBootstrap":true,
	 "featureGates":{"RotateKubeletServerCertificate":true}}`
	withDropIns(n, main+".d", map[string]string{"40-nodeadm.conf": `{"apiVersion":"kubelet.config.k8s.io/v1beta1","kind":"KubeletConfiguration","eventRecordQPS":0,"podPidsLimit":4096}`})
	for key, want := range map[string]string{"readOnlyPort": "config", "eventRecordQPS": "drop-in " + main + ".d/40-nodeadm.conf", "podPidsLimit": "drop-in " + main + ".d/40-nodeadm.conf", "streamingConnectionIdleTimeout": "default"} {
		if s, err := KubeletSetting(n, key); err != nil || s.Source != want {
			t.Errorf("%s: %+v %v, want source %s", key, s, err, want)
		}
	}
	if r := resultOf(t, n, "4.2.13"); r.Status != StatusPass {
		t.Errorf("4.2.13: %s %q", r.Status, r.Reason)
	}
}

func TestKubeletRelativePathsResolveAgainstTheMainFile(t *testing.T) {
	n := kubeadmWorker()
	editConfig(n, kubeletConfigPath, func(m map[string]any) { m["tlsCertFile"] = "pki/kubelet.crt" })
	s, err := KubeletSetting(n, "tlsCertFile")
	if err != nil || s.Value != "/var/lib/kubelet/pki/kubelet.crt" {
		t.Errorf("%+v %v", s, err)
	}
}

func TestKubeletRepeatedFlagLastWins(t *testing.T) {
	n := kubeadmWorker()
	p := n.Processes[evidence.Kubelet]
	p.Args = append(p.Args, "--read-only-port=10255", "--read-only-port", "0")
	if s, _ := KubeletSetting(n, "readOnlyPort"); s.Value != "0" {
		t.Errorf("%+v", s)
	}
}

// FuzzKubeletDropIns feeds a main file and two drop-ins through the
// resolver: nothing panics, every resolved value names a source that
// exists, and the merge never modifies its inputs.
func FuzzKubeletDropIns(f *testing.F) {
	// Small seeds: every input the fuzzer finds interesting is minimised,
	// and minimising kubeletConfigKubeadm (1 KiB) took most of a run.
	f.Add(dropIn("authentication:\n  anonymous:\n    enabled: false\nreadOnlyPort: 0\n"), dropIn("readOnlyPort: 10255\n"), dropIn("readOnlyPort: null\n"), "10-a.conf")
	f.Add(`{"kind":"KubeletConfiguration","apiVersion":"kubelet.config.k8s.io/v1beta1"}`, `{"apiVersion":"kubelet.config.k8s.io/v1beta1","kind":"KubeletConfiguration","featureGates":{"RotateKubeletServerCertificate":false}}`, dropIn("FeatureGates: {A: true}\n"), "a/b.conf")
	f.Add("kind: KubeletConfiguration\n", dropIn("authentication: 7\n"), "", ".conf")
	f.Add(":\n- [", dropIn("authorization:\n  mode: AlwaysAllow\n"), "kind: x", "x.conf.bak")
	f.Fuzz(func(t *testing.T, main, d1, d2, name string) {
		if strings.Contains(name, "..") || strings.HasPrefix(name, "/") || len(main)+len(d1)+len(d2)+len(name) > maxFuzzInput {
			return
		}
		resetParseCache()
		n := kubeadmWorker()
		n.Configs[kubeletConfigPath] = main
		withDropIns(n, dropInDir, map[string]string{name: d1, "zz-last.conf": d2})
		before := maps.Clone(n.Configs)
		kc := loadKubeletConfig(n)
		for key := range kubeletKeys {
			s, err := kc.get(key)
			if err != nil {
				continue
			}
			if src, ok := strings.CutPrefix(s.Source, "drop-in "); ok {
				if _, collected := n.Configs[src]; !collected {
					t.Errorf("%s from an unknown drop-in %q", key, src)
				}
			} else if s.Source != "flag" && s.Source != "config" && s.Source != "default" {
				t.Errorf("%s: source %q", key, s.Source)
			}
			if s.Explicit == (s.Source == "default") {
				t.Errorf("%s: explicit %t with source %s", key, s.Explicit, s.Source)
			}
		}
		if !reflect.DeepEqual(before, n.Configs) {
			t.Errorf("configs modified")
		}
		// No EvaluateNode here: it rebuilds the benchmark's catalog on each
		// call (a millisecond, twenty times the rest), and the controls
		// read the configuration only through kc.get, exercised above for
		// every key; FuzzKubeletConfig evaluates the controls.
	})
}
