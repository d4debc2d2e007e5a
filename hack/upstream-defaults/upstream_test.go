// Package upstream proves what pkg/checks assumes about the kubelet against
// the kubelet's own code at k8s.io/kubernetes v1.34.4: the defaults of
// every setting a control reads, with and without a config file, and the
// result of merging --config-dir drop-ins.
package upstream

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	kubeletconfigv1beta1 "k8s.io/kubelet/config/v1beta1"
	"k8s.io/kubernetes/cmd/kubelet/app/options"
	"k8s.io/kubernetes/pkg/features"
	kubeletconfig "k8s.io/kubernetes/pkg/kubelet/apis/config"
	kubeletv1beta1 "k8s.io/kubernetes/pkg/kubelet/apis/config/v1beta1"
	"k8s.io/kubernetes/pkg/kubelet/kubeletconfig/configfiles"
	utilfs "k8s.io/kubernetes/pkg/util/filesystem"

	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// asConfigz renders a v1beta1 config as /configz serves it.
func asConfigz(t *testing.T, v *kubeletconfigv1beta1.KubeletConfiguration) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"kubeletconfig": v})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func toV1beta1(t *testing.T, in *kubeletconfig.KubeletConfiguration) *kubeletconfigv1beta1.KubeletConfiguration {
	t.Helper()
	out := &kubeletconfigv1beta1.KubeletConfiguration{}
	if err := kubeletv1beta1.Convert_config_KubeletConfiguration_To_v1beta1_KubeletConfiguration(in, out, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// upstreamValue is a key's value in an upstream config; a feature gate the
// config does not list has the gate's registered default.
func upstreamValue(t *testing.T, v *kubeletconfigv1beta1.KubeletConfiguration, key string) string {
	t.Helper()
	if gate, ok := strings.CutPrefix(key, "featureGates."); ok {
		if g, ok := v.FeatureGates[gate]; ok {
			return strconv.FormatBool(g)
		}
		return strconv.FormatBool(utilfeature.DefaultFeatureGate.Enabled(features.RotateKubeletServerCertificate) && gate == string(features.RotateKubeletServerCertificate))
	}
	got, err := checks.LiveKubeletSetting(asConfigz(t, v), key)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestDefaultsMatchUpstream(t *testing.T) {
	withFile := &kubeletconfigv1beta1.KubeletConfiguration{}
	kubeletv1beta1.SetDefaults_KubeletConfiguration(withFile)
	flagsInternal, err := options.NewKubeletConfiguration()
	if err != nil {
		t.Fatal(err)
	}
	flagsOnly := toV1beta1(t, flagsInternal)
	for _, key := range checks.KubeletControlKeys() {
		for _, tc := range []struct {
			name     string
			file     bool
			upstream *kubeletconfigv1beta1.KubeletConfiguration
		}{{"with a config file", true, withFile}, {"flags only", false, flagsOnly}} {
			ours, _, _ := checks.KubeletDefault(key, tc.file)
			if got := upstreamValue(t, tc.upstream, key); got != ours {
				t.Errorf("%s %s: upstream default %q, our table %q", key, tc.name, got, ours)
			}
		}
	}
}

// zeroOf is the zero value of a key's field as a config file spells it.
var zeroOf = map[string]any{
	"authentication.anonymous.enabled": false, "authentication.webhook.enabled": false, "authorization.mode": "",
	"authentication.x509.clientCAFile": "", "readOnlyPort": 0, "streamingConnectionIdleTimeout": "0s",
	"makeIPTablesUtilChains": false, "eventRecordQPS": 0, "tlsCertFile": "", "tlsPrivateKeyFile": "",
	"rotateCertificates": false, "serverTLSBootstrap": false, "tlsCipherSuites": []string{}, "podPidsLimit": 0,
	"seccompDefault": false, "protectKernelDefaults": false, "staticPodPath": "",
	"featureGates.RotateKubeletServerCertificate": false,
}

func TestZeroIsUnsetMatchesUpstream(t *testing.T) {
	for _, key := range checks.KubeletControlKeys() {
		zero, ok := zeroOf[key]
		if !ok {
			t.Errorf("no zero value for %s: add it", key)
			continue
		}
		doc := map[string]any{}
		setPath(doc, key, zero)
		b, _ := json.Marshal(doc)
		v := &kubeletconfigv1beta1.KubeletConfiguration{}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
		kubeletv1beta1.SetDefaults_KubeletConfiguration(v)
		zeroText, _ := json.Marshal(zero)
		dflt, zeroIsUnset, _ := checks.KubeletDefault(key, true)
		got := upstreamValue(t, v, key)
		replaced := got == dflt && !sameZero(got, string(zeroText))
		if replaced != zeroIsUnset {
			t.Errorf("%s: a zero %s in the file becomes %q upstream; our zeroIsUnset is %t", key, zeroText, got, zeroIsUnset)
		}
	}
}

func sameZero(got, zero string) bool {
	zero = strings.Trim(zero, `"`)
	return got == zero || (zero == "[]" && got == "") || (zero == "0s" && got == "0s")
}

func setPath(doc map[string]any, key string, v any) {
	parts := strings.Split(key, ".")
	for _, p := range parts[:len(parts)-1] {
		if _, ok := doc[p].(map[string]any); !ok {
			doc[p] = map[string]any{}
		}
		doc = doc[p].(map[string]any)
	}
	doc[parts[len(parts)-1]] = v
}

// kubeletMerge does what cmd/kubelet/app/server.go does at v1.34.4 with
// --config and --config-dir (mergeKubeletConfigurations is unexported):
// load the main file with the kubelet's loader, walk the drop-in directory,
// merge each *.conf as a JSON merge patch of its undefaulted JSON, decode,
// default, convert back.
func kubeletMerge(t *testing.T, mainFile, dir string) *kubeletconfigv1beta1.KubeletConfiguration {
	t.Helper()
	var internal *kubeletconfig.KubeletConfiguration
	if mainFile != "" {
		l, err := configfiles.NewFsLoader(&utilfs.DefaultFs{}, mainFile)
		if err != nil {
			t.Fatal(err)
		}
		if internal, err = l.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
	} else {
		var err error
		if internal, err = options.NewKubeletConfiguration(); err != nil {
			t.Fatal(err)
		}
	}
	base, err := json.Marshal(toV1beta1(t, internal))
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(d.Name()) != ".conf" {
			return err
		}
		l, err := configfiles.NewFsLoader(&utilfs.DefaultFs{}, p)
		if err != nil {
			return err
		}
		patch, _, err := l.LoadIntoJSON()
		if err != nil {
			return err
		}
		base, err = jsonpatch.MergePatch(base, patch)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	out := &kubeletconfigv1beta1.KubeletConfiguration{}
	if err := json.Unmarshal(base, out); err != nil {
		t.Fatal(err)
	}
	kubeletv1beta1.SetDefaults_KubeletConfiguration(out)
	return out
}

const hdr = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"

// TestDropInMergeMatchesUpstream writes real files, merges them with the
// kubelet's own loader and merge patch, and checks that pkg/checks resolves
// every control key to the same value from the same files as evidence.
func TestDropInMergeMatchesUpstream(t *testing.T) {
	for _, tc := range []struct {
		name  string
		main  string
		files map[string]string
	}{
		{"drop-ins override in lexical order", hdr + "readOnlyPort: 0\neventRecordQPS: 3\nauthentication:\n  x509:\n    clientCAFile: /ca.crt\n",
			map[string]string{"10-a.conf": hdr + "readOnlyPort: 10255\neventRecordQPS: 9\n", "20-b.conf": hdr + "eventRecordQPS: 0\n"}},
		{"subdirectory before a sibling file", hdr, map[string]string{"a/z.conf": hdr + "podPidsLimit: 5\n", "a-b.conf": hdr + "podPidsLimit: 7\n"}},
		{"null resets, zero duration re-defaulted, lists replaced", hdr + "rotateCertificates: true\ntlsCipherSuites: [A, B]\nstreamingConnectionIdleTimeout: 1h\n",
			map[string]string{"10.conf": hdr + "rotateCertificates: null\ntlsCipherSuites: [C]\nstreamingConnectionIdleTimeout: 0s\n"}},
		{"feature gates merge per gate", hdr + "featureGates:\n  RotateKubeletServerCertificate: false\n",
			map[string]string{"10.conf": hdr + "featureGates:\n  MemoryQoS: true\n"}},
		{"case-insensitive field names in drop-ins", hdr, map[string]string{"10.conf": hdr + "ReadOnlyPort: 10255\nauthentication:\n  Anonymous:\n    Enabled: true\n"}},
		{"other files ignored", hdr, map[string]string{"10.yaml": hdr + "readOnlyPort: 10255\n", "20.conf.bak": hdr + "readOnlyPort: 1\n"}},
		{"no --config: drop-ins over the flags-only defaults", "", map[string]string{"10.conf": hdr + "eventRecordQPS: 1\n"}},
		{"JSON main file and drop-in", `{"apiVersion":"kubelet.config.k8s.io/v1beta1","kind":"KubeletConfiguration","readOnlyPort":0,"serverTLSBootstrap":true}`,
			map[string]string{"40-nodeadm.conf": `{"apiVersion":"kubelet.config.k8s.io/v1beta1","kind":"KubeletConfiguration","readOnlyPort":10255,"protectKernelDefaults":true}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "config.d")
			ev := &evidence.Node{NodeName: "n", Files: map[string]*evidence.File{}, Configs: map[string]string{},
				Processes: map[evidence.Component]*evidence.Process{evidence.Kubelet: {PID: 1, Args: []string{"kubelet", "--config-dir=" + dir}}}}
			mainFile := ""
			if tc.main != "" {
				mainFile = filepath.Join(root, "config.yaml")
				write(t, mainFile, tc.main)
				ev.Processes[evidence.Kubelet].Args = append(ev.Processes[evidence.Kubelet].Args, "--config="+mainFile)
				ev.Files[mainFile] = &evidence.File{Path: mainFile, Exists: true, Type: "file"}
				ev.Configs[mainFile] = tc.main
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			ev.Files[dir] = &evidence.File{Path: dir, Exists: true, Type: "dir"}
			for name, body := range tc.files {
				p := filepath.Join(dir, name)
				write(t, p, body)
				ev.Files[p] = &evidence.File{Path: p, Exists: true, Type: "file"}
				ev.Files[filepath.Dir(p)] = &evidence.File{Path: filepath.Dir(p), Exists: true, Type: "dir"}
				ev.Configs[p] = body
			}
			up := kubeletMerge(t, mainFile, dir)
			for _, key := range checks.KubeletControlKeys() {
				s, err := checks.KubeletSetting(ev, key)
				if err != nil {
					t.Errorf("%s: %v", key, err)
					continue
				}
				if want := upstreamValue(t, up, key); s.Value != want {
					t.Errorf("%s: we resolve %q (%s), the kubelet's merge gives %q", key, s.Value, s.Source, want)
				}
			}
		})
	}
}

func write(t *testing.T, p, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
