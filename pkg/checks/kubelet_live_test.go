package checks

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// liveConfigz builds a /configz answer from the node's resolved kubelet
// configuration, with edits (key → raw JSON value) applied on top.
func liveConfigz(n *evidence.Node, edits map[string]any) []byte {
	kc := loadKubeletConfig(n)
	doc := map[string]any{}
	set := func(key string, v any) {
		parts := strings.Split(key, ".")
		m := doc
		for _, p := range parts[:len(parts)-1] {
			if _, ok := m[p].(map[string]any); !ok {
				m[p] = map[string]any{}
			}
			m = m[p].(map[string]any)
		}
		m[parts[len(parts)-1]] = v
	}
	for _, key := range KubeletControlKeys() {
		s, err := kc.get(key)
		if err != nil {
			panic(err)
		}
		var v any = s.Value
		if b, err := strconv.ParseBool(s.Value); err == nil {
			v = b
		} else if f, err := strconv.ParseFloat(s.Value, 64); err == nil {
			v = f
		} else if key == "tlsCipherSuites" && s.Value != "" {
			v = strings.Split(s.Value, ",")
		}
		set(key, v)
	}
	for k, v := range edits {
		set(k, v)
	}
	b, err := json.Marshal(map[string]any{"kubeletconfig": doc})
	if err != nil {
		panic(err)
	}
	return b
}

func withConfigz(edits map[string]any) func(*evidence.Node) {
	return func(n *evidence.Node) { n.KubeletConfigz = liveConfigz(n, edits) }
}

// The KH-KUBELET-1 rows join the control table (controls_test.go) here, so
// that TestControls and TestEveryControlHasABreakingCase cover them.
func init() {
	breakingCases = append(breakingCases,
		controlCase{"KH-KUBELET-1", "live read-only port differs", withConfigz(map[string]any{"readOnlyPort": 10255}), StatusWarn, "readOnlyPort: files and flags give 0, the live kubelet runs with 10255"},
		controlCase{"KH-KUBELET-1", "no permission", func(n *evidence.Node) {
			n.KubeletConfigz = nil
			n.KubeletConfigzNote = "you may not get nodes/proxy, so the kubelet's live /configz was not read"
		}, StatusInfo, "you may not get nodes/proxy"},
		controlCase{"KH-KUBELET-1", "garbage configz", func(n *evidence.Node) { n.KubeletConfigz = []byte(`{"kubeletconfig": 7}`) }, StatusError, "cannot read the live /configz"},
	)
	passingCases = append(passingCases,
		controlCase{"KH-KUBELET-1", "live config agrees", withConfigz(nil), StatusPass, "all 18 settings"},
		// /configz omits zero values (omitempty) and unset feature gates.
		controlCase{"KH-KUBELET-1", "omitted zero values agree", func(n *evidence.Node) {
			n.KubeletConfigz = liveConfigz(n, nil)
			var doc map[string]map[string]any
			_ = json.Unmarshal(n.KubeletConfigz, &doc)
			delete(doc["kubeletconfig"], "readOnlyPort")
			delete(doc["kubeletconfig"], "featureGates")
			n.KubeletConfigz, _ = json.Marshal(doc)
		}, StatusPass, ""},
		controlCase{"KH-KUBELET-1", "self-signed serving certificate filled in by the kubelet", func(n *evidence.Node) {
			editConfig(n, kubeletConfigPath, func(m map[string]any) { delete(m, "tlsCertFile"); delete(m, "tlsPrivateKeyFile") })
			n.KubeletConfigz = liveConfigz(n, map[string]any{"tlsCertFile": "/var/lib/kubelet/pki/kubelet.crt", "tlsPrivateKeyFile": "/var/lib/kubelet/pki/kubelet.key"})
		}, StatusPass, ""},
		controlCase{"KH-KUBELET-1", "durations compare by value", withConfigz(map[string]any{"streamingConnectionIdleTimeout": "240m"}), StatusPass, ""},
	)
}

func TestLiveKubeletSetting(t *testing.T) {
	z := []byte(`{"kubeletconfig":{"readOnlyPort":10255,"authentication":{"anonymous":{"enabled":false}},"tlsCipherSuites":["A","B"]}}`)
	for key, want := range map[string]string{
		"readOnlyPort": "10255", "authentication.anonymous.enabled": "false", "tlsCipherSuites": "A,B",
		"rotateCertificates": "false", "featureGates.RotateKubeletServerCertificate": "true", "staticPodPath": "",
	} {
		if got, err := LiveKubeletSetting(z, key); err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", key, got, err, want)
		}
	}
	if _, err := LiveKubeletSetting([]byte(`[]`), "readOnlyPort"); err == nil {
		t.Error("a list is not a /configz answer")
	}
}

func TestSameKubeletValue(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"4h0m0s", "4h", true}, {"4h", "5m", false}, {"0", "0.0", true}, {"true", "True", true},
		{"A,B", "A, B", true}, {"A,B", "B,A", false}, {"", "0", false}, {"/a", "/a", true}, {"x", "y", false},
	} {
		if got := sameKubeletValue(tc.a, tc.b); got != tc.same {
			t.Errorf("%q vs %q: %t", tc.a, tc.b, got)
		}
	}
}

func TestCompareKubeletConfigzNamesTheDropIn(t *testing.T) {
	n := withDropIns(kubeadmWorker(), dropInDir, map[string]string{"40-nodeadm.conf": dropIn("eventRecordQPS: 3\n")})
	n.KubeletConfigz = liveConfigz(n, map[string]any{"eventRecordQPS": 50})
	diffs, compared, unresolved, err := CompareKubeletConfigz(n)
	if err != nil || len(diffs) != 1 || compared != len(kubeletKeys) || len(unresolved) != 0 {
		t.Fatalf("%+v %d %v %v", diffs, compared, unresolved, err)
	}
	if d := diffs[0]; d.Resolved.Source != "drop-in "+dropInDir+"/40-nodeadm.conf" || d.Live != "50" {
		t.Errorf("%+v", d)
	}
}

// FuzzLiveKubeletSetting: any /configz text, nothing panics.
func FuzzLiveKubeletSetting(f *testing.F) {
	f.Add(`{"kubeletconfig":{"readOnlyPort":0,"featureGates":{"RotateKubeletServerCertificate":false}}}`)
	f.Add(`{"kubeletconfig":null}`)
	f.Add(`{"kubeletconfig":{"authentication":[1]}}`)
	f.Fuzz(func(t *testing.T, z string) {
		// The node's config is always the same text, so the parse cache
		// hits on every run after the first: coverage does not depend on
		// history here, and no reset is needed.
		if len(z) > maxFuzzInput {
			return
		}
		for _, key := range KubeletControlKeys() {
			_, _ = LiveKubeletSetting([]byte(z), key)
		}
		n := kubeadmWorker()
		n.KubeletConfigz = []byte(z)
		_ = kubeletLiveMatches(n)
	})
}
