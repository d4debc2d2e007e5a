package checks

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// Setting is one effective configuration value of a component and where it
// came from, so that every result can show its provenance.
type Setting struct {
	// Key is the config-file key, e.g. "authentication.anonymous.enabled".
	Key string `json:"key"`
	// Value is the effective value rendered as text ("" when unset and no
	// default exists; lists are comma-joined).
	Value string `json:"value"`
	// Source is "flag", "config" or "default".
	Source string `json:"source"`
	// Location says exactly where: "kubelet --anonymous-auth",
	// "/var/lib/kubelet/config.yaml authentication.anonymous.enabled" or
	// "kubelet default (with a config file)".
	Location string `json:"location"`
	// Set is true when a flag or the config file set the value.
	Set bool `json:"set"`
	// Note adds a fact a reviewer needs (e.g. an ignored flag).
	Note string `json:"note,omitempty"`
}

// Observation renders the setting as evidence.
func (s Setting) Observation() Observation {
	v := s.Value
	switch {
	case !s.Set && v == "":
		v = "<unset> (no default)"
	case !s.Set:
		v = "<unset> (default " + v + ")"
	case v == "":
		v = `""`
	}
	if s.Note != "" {
		v += " [" + s.Note + "]"
	}
	return Observation{Location: s.Location, Value: v}
}

// kubeletKey describes how the kubelet resolves one setting: its
// command-line flag and its default, which differs between a kubelet
// started with a config file (KubeletConfiguration v1beta1 defaulting,
// pkg/kubelet/apis/config/v1beta1/defaults.go) and one started with flags
// only (the same defaults, then applyLegacyDefaults in
// cmd/kubelet/app/options/options.go: anonymous auth on, AlwaysAllow,
// read-only port 10255). Verified against k8s.io/kubernetes v1.34.4.
type kubeletKey struct {
	flag      string
	withFile  string
	flagsOnly string
	// zeroIsUnset marks keys whose zero value in the config file is
	// replaced by the default during defaulting (non-pointer fields such as
	// streamingConnectionIdleTimeout: kubeadm writes "0s", which the
	// kubelet turns into 4h0m0s). A flag's zero is applied after
	// defaulting and stays zero.
	zeroIsUnset bool
}

var kubeletKeys = map[string]kubeletKey{
	"authentication.anonymous.enabled":            {"anonymous-auth", "false", "true", false},
	"authentication.webhook.enabled":              {"authentication-token-webhook", "true", "false", false},
	"authorization.mode":                          {"authorization-mode", "Webhook", "AlwaysAllow", true},
	"authentication.x509.clientCAFile":            {"client-ca-file", "", "", false},
	"readOnlyPort":                                {"read-only-port", "0", "10255", false},
	"streamingConnectionIdleTimeout":              {"streaming-connection-idle-timeout", "4h0m0s", "4h0m0s", true},
	"makeIPTablesUtilChains":                      {"make-iptables-util-chains", "true", "true", false},
	"eventRecordQPS":                              {"event-qps", "50", "50", false},
	"tlsCertFile":                                 {"tls-cert-file", "", "", false},
	"tlsPrivateKeyFile":                           {"tls-private-key-file", "", "", false},
	"rotateCertificates":                          {"rotate-certificates", "false", "false", false},
	"serverTLSBootstrap":                          {"rotate-server-certificates", "false", "false", false},
	"tlsCipherSuites":                             {"tls-cipher-suites", "", "", false},
	"podPidsLimit":                                {"pod-max-pids", "-1", "-1", false},
	"seccompDefault":                              {"seccomp-default", "false", "false", false},
	"protectKernelDefaults":                       {"protect-kernel-defaults", "false", "false", false},
	"staticPodPath":                               {"pod-manifest-path", "", "", false},
	"featureGates.RotateKubeletServerCertificate": {"feature-gates", "true", "true", false}, // beta, on by default since 1.12
}

// kubeletConfig is the kubelet's configuration as the kubelet itself
// assembles it: the file named by its own --config flag, then the drop-ins
// of --config-dir, then every flag given on the command line on top.
type kubeletConfig struct {
	proc *evidence.Process
	// path is the config file the kubelet reads, "" when it runs on flags only.
	path string
	// how says why this path: "from --config".
	how string
	// unused is a known config file present on the host that the kubelet
	// does NOT read (no --config flag): reported, never used.
	unused string
	// dropIns are the drop-in files merged after path, in order.
	dropIns []string
	doc     map[string]any
	// err is set when the config file could not be read or parsed.
	err error
}

// loadKubeletConfig resolves the kubelet's config. Only the kubelet's own
// --config flag selects a file (field lesson #1: scanners that read the
// first file of a static list evaluate the wrong file). Without --config
// the kubelet reads no file at all, so a candidate file found on the host
// is only mentioned, never used: using it would evaluate settings the
// kubelet does not apply.
func loadKubeletConfig(ev *evidence.Node) *kubeletConfig {
	kc := &kubeletConfig{proc: ev.Process(evidence.Kubelet)}
	if kc.proc == nil {
		kc.err = fmt.Errorf("kubelet is not running on this node")
		return kc
	}
	if p, ok := kc.proc.Flag("config"); ok && p != "" {
		kc.path, kc.how = p, "from --config"
		kc.doc, kc.err = parseComponentConfig(ev, p, "KubeletConfiguration")
	} else if p := ev.FirstExisting(evidence.KubeletConfigs...); p != "" {
		kc.unused = p
	}
	if dir, ok := kc.proc.Flag("config-dir"); ok && dir != "" && kc.err == nil {
		kc.mergeDropIns(ev, dir)
	}
	return kc
}

// mergeDropIns applies *.conf files of --config-dir in lexical order, as the
// kubelet does; each overrides the fields it sets.
func (kc *kubeletConfig) mergeDropIns(ev *evidence.Node, dir string) {
	prefix := strings.TrimSuffix(dir, "/") + "/"
	var files []string
	for p := range ev.Configs {
		if strings.HasPrefix(p, prefix) && path.Ext(p) == ".conf" && !strings.Contains(p[len(prefix):], "/") {
			files = append(files, p)
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return
	}
	// The parsed main file is shared (cache): merge into a copy.
	kc.doc = cloneMap(kc.doc)
	for _, f := range files {
		d, err := parseComponentConfig(ev, f, "KubeletConfiguration")
		if err != nil {
			kc.err = err
			return
		}
		mergeMaps(kc.doc, cloneMap(d))
		kc.dropIns = append(kc.dropIns, f)
	}
}

// cloneMap deep-copies the nested maps of a document (lists are replaced
// whole by a merge, so they can stay shared).
func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sm, ok := v.(map[string]any); ok {
			v = cloneMap(sm)
		}
		out[k] = v
	}
	return out
}

func mergeMaps(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeMaps(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// usesFile reports whether the kubelet reads a config file (this selects
// which defaults apply).
func (kc *kubeletConfig) usesFile() bool { return kc.path != "" || len(kc.dropIns) > 0 }

// describe is the node note about the kubelet config.
func (kc *kubeletConfig) describe() string {
	var s string
	switch {
	case kc.proc == nil:
		return "none (kubelet not running)"
	case kc.path != "":
		s = kc.path + " (" + kc.how + ")"
	case kc.unused != "":
		s = "none: the kubelet has no --config flag, so flags and the kubelet's flag defaults apply; " + kc.unused + " exists on the host but the kubelet does not read it"
	default:
		s = "none: the kubelet has no --config flag, so flags and the kubelet's flag defaults apply"
	}
	if len(kc.dropIns) > 0 {
		s += "; drop-ins " + strings.Join(kc.dropIns, ", ")
	}
	if kc.err != nil {
		s += "; error: " + kc.err.Error()
	}
	return s
}

// parsedConfigs caches parsed documents by kind and text: every kubelet
// control reads the same file, and YAML parsing dominates evaluation time.
// Cached documents are shared and must not be modified.
var parsedConfigs = struct {
	sync.Mutex
	m map[string]map[string]any
}{m: map[string]map[string]any{}}

const parsedConfigsMax = 64

// parseComponentConfig parses a YAML or JSON config file collected at p and
// checks its kind. The result is shared: callers must not modify it.
func parseComponentConfig(ev *evidence.Node, p, kind string) (map[string]any, error) {
	text, ok := ev.Configs[p]
	if !ok {
		return nil, fmt.Errorf("config file %s was not collected", p)
	}
	key := kind + "\x00" + text
	parsedConfigs.Lock()
	doc, hit := parsedConfigs.m[key]
	parsedConfigs.Unlock()
	if hit {
		return doc, nil
	}
	doc, err := parseConfigText(p, kind, text)
	if err != nil {
		return nil, err
	}
	parsedConfigs.Lock()
	if len(parsedConfigs.m) >= parsedConfigsMax {
		parsedConfigs.m = map[string]map[string]any{}
	}
	parsedConfigs.m[key] = doc
	parsedConfigs.Unlock()
	return doc, nil
}

func parseConfigText(p, kind, text string) (map[string]any, error) {
	js, err := yaml.YAMLToJSON([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", p, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", p, err)
	}
	if doc == nil {
		return nil, fmt.Errorf("config file %s is empty", p)
	}
	if k, _ := doc["kind"].(string); k != kind {
		return nil, fmt.Errorf("%s is not a %s (kind %q)", p, kind, k)
	}
	return doc, nil
}

// lookup walks a dotted key through a parsed document.
func lookup(doc map[string]any, key string) (any, bool) {
	var cur any = doc
	for _, part := range strings.Split(key, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, cur != nil
}

// renderValue renders a JSON value as the text a flag would carry.
func renderValue(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = renderValue(e)
		}
		return strings.Join(parts, ",")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// get resolves one key: a command-line flag wins, then the config file,
// then the default for the way the kubelet was started. An error means the
// value depends on a config file that could not be read.
func (kc *kubeletConfig) get(key string) (Setting, error) {
	spec, ok := kubeletKeys[key]
	if !ok {
		return Setting{}, fmt.Errorf("unknown kubelet setting %q", key)
	}
	s := Setting{Key: key}
	if kc.proc == nil {
		return s, kc.err
	}
	// 1. The command line: the kubelet re-applies explicitly given flags
	// over the config file.
	if gate, isGate := strings.CutPrefix(key, "featureGates."); isGate {
		if v, ok := kc.proc.Flag(spec.flag); ok {
			if gv, ok := parseKV(v)[gate]; ok {
				s.Value, s.Source, s.Set = gv, "flag", true
				s.Location = "kubelet --feature-gates " + gate
				return s, nil
			}
		}
	} else if v, ok := kc.proc.Flag(spec.flag); ok {
		s.Value, s.Source, s.Set = v, "flag", true
		s.Location = "kubelet --" + spec.flag
		return s, nil
	}
	// 2. The config file (plus drop-ins).
	if kc.err != nil {
		return s, kc.err
	}
	if kc.usesFile() {
		if v, ok := lookup(kc.doc, key); ok {
			s.Value, s.Source, s.Set = renderValue(v), "config", true
			s.Location = kc.fileLabel() + " " + key
			if spec.zeroIsUnset && isZeroValue(s.Value) {
				s.Note = fmt.Sprintf("the file says %q, which the kubelet treats as unset", s.Value)
				s.Value, s.Source, s.Set = spec.withFile, "default", false
			}
			return s, nil
		}
	}
	// 3. The default, which depends on whether a config file is used.
	s.Source = "default"
	if kc.usesFile() {
		s.Value = spec.withFile
		s.Location = fmt.Sprintf("kubelet default for %s (config file %s does not set it)", key, kc.fileLabel())
	} else {
		s.Value = spec.flagsOnly
		s.Location = fmt.Sprintf("kubelet default for --%s (no config file, flag not given)", spec.flag)
	}
	return s, nil
}

// isZeroValue reports whether a rendered value is the zero of its type.
func isZeroValue(v string) bool {
	if v == "" || v == "0" {
		return true
	}
	d, err := time.ParseDuration(v)
	return err == nil && d == 0
}

func (kc *kubeletConfig) fileLabel() string {
	if kc.path != "" {
		return kc.path
	}
	return strings.Join(kc.dropIns, "+")
}

// KubeletSetting returns one effective kubelet setting of a node, keyed by
// its KubeletConfiguration name (e.g. "readOnlyPort",
// "featureGates.RotateKubeletServerCertificate"), resolved exactly as the
// kubelet does: flag, then the file named by --config, then the default for
// a kubelet with or without a config file.
func KubeletSetting(ev *evidence.Node, key string) (Setting, error) {
	return loadKubeletConfig(ev).get(key)
}

// KubeletConfigPath returns the config file the node's kubelet reads and how
// it was found ("from --config"), or "" when it runs on flags only.
func KubeletConfigPath(ev *evidence.Node) (path, how string) {
	kc := loadKubeletConfig(ev)
	return kc.path, kc.how
}
