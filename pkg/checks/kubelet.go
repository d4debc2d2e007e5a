package checks

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
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
	// Source is "flag", "config" (the main config file), "drop-in <path>"
	// (a file of the kubelet's --config-dir) or "default".
	Source string `json:"source"`
	// Location says exactly where: "kubelet --anonymous-auth",
	// "/var/lib/kubelet/config.yaml authentication.anonymous.enabled" or
	// "kubelet default (with a config file)".
	Location string `json:"location"`
	// Set is true when a flag, the config file or a drop-in set the value.
	Set bool `json:"set"`
	// Explicit is true when the value was set explicitly (flag, config file
	// or drop-in) rather than defaulted; a value the kubelet's defaulting
	// replaces (a zero streamingConnectionIdleTimeout) is not explicit.
	// Benchmarks that require a setting "set explicitly" read it. For
	// kubelet settings it equals Set.
	Explicit bool `json:"explicit"`
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
// assembles it (cmd/kubelet/app/server.go, k8s.io/kubernetes v1.34.4): the
// file named by its own --config flag (defaulted), else the flags-only
// defaults; then, when --config-dir is given, every drop-in file of that
// directory merged in the kubelet's order (mergeKubeletConfigurations:
// JSON merge patches, then defaulting again); then every flag given on the
// command line on top (kubeletConfigFlagPrecedence).
type kubeletConfig struct {
	proc *evidence.Process
	// path is the config file the kubelet reads, "" when it has no --config.
	path string
	// how says why this path: "from --config".
	how string
	// unused is a known config file present on the host that the kubelet
	// does NOT read (no --config flag): reported, never used.
	unused string
	// doc is the parsed main file (shared: never modified).
	doc map[string]any
	// dir is the kubelet's --config-dir, "" when not given.
	dir string
	// dirNote explains a --config-dir that contributes no drop-in although
	// it is set (a symlink, which the kubelet's walk does not follow).
	dirNote string
	// dropIns are the drop-in files merged after path, in the kubelet's order.
	dropIns []string
	// skipped are files of the drop-in directory the kubelet ignores (not *.conf).
	skipped []string
	// merged is the main file plus the drop-ins, every leaf tagged with the
	// layer that set it (nil without --config-dir).
	merged map[string]any
	// envFiles are the collected EnvironmentFiles of the kubelet's unit
	// (AKS/GKE /etc/default/kubelet, kubeadm-flags.env): only reported, as
	// the process's command line is what the kubelet was started with.
	envFiles []string
	// err is set when the configuration could not be read or parsed.
	err error
}

// KubeletDropInExt is the only file extension the kubelet reads in its
// --config-dir (mergeKubeletConfigurations: filepath.Ext(name) == ".conf").
const KubeletDropInExt = ".conf"

// kubeletConfigGroupVersion is the only apiVersion a drop-in may have.
const kubeletConfigGroupVersion = "kubelet.config.k8s.io/v1beta1"

// loadKubeletConfig resolves the kubelet's config. Only the kubelet's own
// --config flag selects a file: scanners that read the first file of a
// static list evaluate the wrong one (aquasecurity/kube-bench issues #1256
// and #948, trivy-operator #1181). Without --config
// the kubelet reads no file at all, so a candidate file found on the host
// is only mentioned, never used: using it would evaluate settings the
// kubelet does not apply.
func loadKubeletConfig(ev *evidence.Node) *kubeletConfig {
	kc := &kubeletConfig{proc: ev.Process(evidence.Kubelet)}
	if kc.proc == nil {
		kc.err = fmt.Errorf("kubelet is not running on this node")
		if why := ev.NotEstablished[evidence.Kubelet]; why != "" {
			kc.err = errors.New(why)
		}
		return kc
	}
	if p, ok := kc.proc.Flag("config"); ok && p != "" {
		kc.path, kc.how = p, "from --config"
		kc.doc, kc.err = parseComponentConfig(ev, p, "KubeletConfiguration")
	} else if p := ev.FirstExisting(evidence.KubeletConfigs...); p != "" {
		kc.unused = p
	}
	for _, f := range evidence.KubeletEnvFiles {
		if _, ok := ev.Configs[f]; ok {
			kc.envFiles = append(kc.envFiles, f)
		}
	}
	if dir, ok := kc.proc.Flag("config-dir"); ok && dir != "" {
		kc.dir = dir
		if kc.err == nil {
			kc.err = kc.mergeDropIns(ev)
		}
	}
	return kc
}

// leaf is a non-object value of a merged kubelet config, tagged with the
// layer that set it: 0 the main file, i the i-th drop-in.
type leaf struct {
	v     any
	layer int
}

// KubeletDropIns returns the drop-in files the kubelet reads from its
// --config-dir dir, in the order it merges them, given the paths of the
// directory's entries (files, dirs and symlinks, as found recursively) and
// the type of the directory itself ("dir", "file" or "symlink"). It follows
// filepath.WalkDir as the kubelet calls it: lexical order per directory,
// depth first, symbolic links never followed (a symlinked --config-dir
// contributes nothing), and only non-directory entries whose name ends in
// ".conf" (hidden files included; the extension is case-sensitive).
// skipped are the other non-directory entries, which the kubelet ignores.
func KubeletDropIns(dir, dirType string, entries map[string]string) (dropIns, skipped []string) {
	dir = path.Clean(dir)
	switch dirType {
	case "dir":
	case "file":
		// WalkDir calls its function with a non-directory root itself.
		if path.Ext(path.Base(dir)) == KubeletDropInExt {
			return []string{dir}, nil
		}
		return nil, []string{dir}
	default:
		return nil, nil
	}
	prefix := dir + "/"
	if dir == "/" {
		prefix = "/"
	}
	for p, typ := range entries {
		if !strings.HasPrefix(p, prefix) || typ == "dir" {
			continue
		}
		if path.Ext(path.Base(p)) == KubeletDropInExt {
			dropIns = append(dropIns, p)
		} else {
			skipped = append(skipped, p)
		}
	}
	sort.Slice(dropIns, func(i, j int) bool { return walkLess(dropIns[i], dropIns[j]) })
	sort.Slice(skipped, func(i, j int) bool { return walkLess(skipped[i], skipped[j]) })
	return dropIns, skipped
}

// walkLess orders paths as a depth-first walk that reads each directory
// sorted by name does: component by component ("a/z" before "a-b", which a
// plain string sort would reverse).
func walkLess(a, b string) bool {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] != bs[i] {
			return as[i] < bs[i]
		}
	}
	return len(as) < len(bs)
}

// mergeDropIns applies the drop-ins of --config-dir as the kubelet does.
// An error means the kubelet's configuration cannot be known from the
// evidence (the directory or a drop-in was not collected, or a drop-in is
// one the kubelet would have refused to start with).
func (kc *kubeletConfig) mergeDropIns(ev *evidence.Node) error {
	df := ev.File(kc.dir)
	if df == nil {
		return fmt.Errorf("the --config-dir directory %s was not collected", kc.dir)
	}
	if !df.Exists {
		return fmt.Errorf("the --config-dir directory %s does not exist (the kubelet cannot have started with it)", kc.dir)
	}
	dirType := df.Type
	if df.Target != "" {
		dirType = "symlink"
	}
	if dirType == "symlink" {
		kc.dirNote = kc.dir + " is a symbolic link, which the kubelet's directory walk does not follow: no drop-in is read"
	}
	entries := map[string]string{}
	prefix := strings.TrimSuffix(path.Clean(kc.dir), "/") + "/"
	for p, f := range ev.Files {
		if f != nil && f.Exists && strings.HasPrefix(p, prefix) {
			entries[p] = f.Type
		}
	}
	// Drop-ins collected as configs but not stat-ed (older evidence) count too.
	for p := range ev.Configs {
		if _, ok := entries[p]; !ok && strings.HasPrefix(p, prefix) {
			entries[p] = "file"
		}
	}
	kc.dropIns, kc.skipped = KubeletDropIns(kc.dir, dirType, entries)
	layers := make([]map[string]any, 0, len(kc.dropIns))
	for _, f := range kc.dropIns {
		text, ok := ev.Configs[f]
		if !ok {
			return fmt.Errorf("drop-in %s of --config-dir was not collected", f)
		}
		d, err := parseDropIn(f, text)
		if err != nil {
			return err
		}
		layers = append(layers, d)
	}
	kc.merged = tagLayer(kc.doc, 0)
	kc.baseAsKubelet(kc.merged)
	for i, d := range layers {
		mergePatch(kc.merged, d, i+1)
	}
	return nil
}

// baseAsKubelet makes the main layer of the merge what the kubelet merges
// the drop-ins into for every key a control reads: the defaulted v1beta1
// config marshaled to JSON, so a defaulted value is present (layer -1) and
// a zero value of an omitempty field is absent. It matters when a drop-in
// spells a field in another case: then the key order decides which wins.
func (kc *kubeletConfig) baseAsKubelet(tree map[string]any) {
	for key, spec := range kubeletKeys {
		parts := strings.Split(key, ".")
		if strings.HasPrefix(key, "featureGates.") {
			continue // the map holds exactly the gates the file sets
		}
		v, inFile := lookup(kc.doc, key)
		val := ""
		switch {
		case inFile && !(spec.zeroIsUnset && isZeroValue(renderValue(v))):
			val = renderValue(v)
		case kc.usesFile():
			val = spec.withFile
		default:
			val = spec.flagsOnly
		}
		m := tree
		for _, p := range parts[:len(parts)-1] {
			sub, ok := m[p].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[p] = sub
			}
			m = sub
		}
		last := parts[len(parts)-1]
		switch {
		case val == "" || val == kubeletConfigzZero[key]:
			delete(m, last) // omitempty: not in the kubelet's base JSON
		case !inFile || (spec.zeroIsUnset && isZeroValue(renderValue(v))):
			m[last] = leaf{val, -1}
		}
	}
}

// parseDropIn parses one drop-in file and checks what the kubelet checks:
// not empty, apiVersion kubelet.config.k8s.io/v1beta1, kind
// KubeletConfiguration.
func parseDropIn(p, text string) (map[string]any, error) {
	if text == "" {
		return nil, fmt.Errorf("drop-in %s is empty, which the kubelet refuses", p)
	}
	doc, err := parseConfigDoc(p, text)
	if err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, fmt.Errorf("drop-in %s holds no object, which the kubelet refuses", p)
	}
	av, _ := doc["apiVersion"].(string)
	k, _ := doc["kind"].(string)
	if av != kubeletConfigGroupVersion || k != "KubeletConfiguration" {
		return nil, fmt.Errorf("drop-in %s has apiVersion %q kind %q, which the kubelet refuses (want %s KubeletConfiguration)", p, av, k, kubeletConfigGroupVersion)
	}
	return doc, nil
}

// MergeKubeletConfig merges the drop-in documents over the main config
// document (nil without --config) as the kubelet does: each drop-in is an
// RFC 7386 JSON merge patch (objects merge key by key, null deletes a key,
// any other value, lists included, replaces). Every non-object value of the
// result is a leaf tagged with its layer: 0 the main file, i the i-th
// drop-in. The inputs are not modified.
func MergeKubeletConfig(main map[string]any, dropIns []map[string]any) map[string]any {
	out := tagLayer(main, 0)
	for i, d := range dropIns {
		mergePatch(out, d, i+1)
	}
	return out
}

// tagLayer deep-copies a document, wrapping every non-object value, and
// drops nulls (a merge patch never leaves one).
func tagLayer(m map[string]any, layer int) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch t := v.(type) {
		case nil:
		case map[string]any:
			out[k] = tagLayer(t, layer)
		default:
			out[k] = leaf{v, layer}
		}
	}
	return out
}

func mergePatch(dst, patch map[string]any, layer int) {
	for k, v := range patch {
		switch t := v.(type) {
		case nil:
			delete(dst, k)
		case map[string]any:
			if dm, ok := dst[k].(map[string]any); ok {
				mergePatch(dm, t, layer)
			} else {
				dst[k] = tagLayer(t, layer)
			}
		default:
			dst[k] = leaf{v, layer}
		}
	}
}

// lookupMerged finds a key in the merged document as the kubelet's final
// decode (encoding/json into the v1beta1 struct) does: field names match
// case-insensitively and, among keys that match, the last in sorted order
// wins (json.Marshal of the merged map sorts them); map keys such as
// feature gate names match exactly. The main file was decoded
// case-sensitively before the merge, so a leaf of layer 0 counts only
// under its exact name. ok is false when no layer sets the key.
func lookupMerged(doc map[string]any, parts []string, exact, inMap bool) (leaf, bool) {
	if len(parts) == 0 {
		return leaf{}, false
	}
	keys := slices.Sorted(maps.Keys(doc))
	var found leaf
	var ok bool
	for _, k := range keys {
		isExact := k == parts[0]
		if !isExact && (inMap || !strings.EqualFold(k, parts[0])) {
			continue
		}
		switch t := doc[k].(type) {
		case map[string]any:
			if len(parts) > 1 {
				if l, hit := lookupMerged(t, parts[1:], exact && isExact, !inMap && kubeletMapFields[parts[0]]); hit {
					found, ok = l, true
				}
			}
		case leaf:
			if len(parts) == 1 && (t.layer > 0 || (exact && isExact)) {
				found, ok = t, true
			}
		}
	}
	return found, ok
}

// kubeletMapFields are the KubeletConfiguration fields the controls read
// that are maps (their keys match exactly, unlike field names).
var kubeletMapFields = map[string]bool{"featureGates": true}

// usesFile reports whether the kubelet reads a main config file: this
// selects which defaults apply. Drop-ins alone do not change them: without
// --config the kubelet merges its drop-ins over the flags-only defaults.
func (kc *kubeletConfig) usesFile() bool { return kc.path != "" }

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
	if kc.dir != "" {
		switch {
		case len(kc.dropIns) > 0:
			s += "; drop-ins of --config-dir " + kc.dir + " in merge order: " + strings.Join(kc.dropIns, ", ")
		case kc.dirNote != "":
			s += "; --config-dir " + kc.dirNote
		default:
			s += "; --config-dir " + kc.dir + " holds no *.conf drop-in"
		}
		if len(kc.skipped) > 0 {
			s += "; ignored by the kubelet (not *.conf): " + strings.Join(kc.skipped, ", ")
		}
	}
	if len(kc.envFiles) > 0 {
		s += "; flags are those of the running kubelet's command line (environment files collected for reference: " + strings.Join(kc.envFiles, ", ") + ")"
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

// parseConfigDoc parses YAML or JSON text into a document (nil for an
// empty or null document), as sigs.k8s.io/yaml does for the kubelet.
func parseConfigDoc(p, text string) (map[string]any, error) {
	js, err := yaml.YAMLToJSON([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", p, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", p, err)
	}
	return doc, nil
}

func parseConfigText(p, kind, text string) (map[string]any, error) {
	doc, err := parseConfigDoc(p, text)
	if err != nil {
		return nil, err
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

// get resolves one key: a command-line flag wins, then the merged config
// (main file and drop-ins), then the default for the way the kubelet was
// started. An error means the value depends on configuration that could
// not be read.
func (kc *kubeletConfig) get(key string) (Setting, error) {
	spec, ok := kubeletKeys[key]
	if !ok {
		return Setting{}, fmt.Errorf("unknown kubelet setting %q", key)
	}
	s := Setting{Key: key}
	if kc.proc == nil {
		return s, kc.err
	}
	explicit := func(v, source, location string) {
		s.Value, s.Source, s.Location, s.Set, s.Explicit = v, source, location, true, true
	}
	// 1. The command line: the kubelet re-applies explicitly given flags
	// over the config (the last occurrence of a flag wins).
	if gate, isGate := strings.CutPrefix(key, "featureGates."); isGate {
		if v, ok := kc.proc.Flag(spec.flag); ok {
			if gv, ok := parseKV(v)[gate]; ok {
				explicit(gv, "flag", "kubelet --feature-gates "+gate+originSuffix(kc.proc, spec.flag))
				return s, nil
			}
		}
	} else if v, ok := kc.proc.Flag(spec.flag); ok {
		explicit(v, "flag", "kubelet --"+spec.flag+originSuffix(kc.proc, spec.flag))
		return s, nil
	}
	// 2. The config file, then its drop-ins.
	if kc.err != nil {
		return s, kc.err
	}
	var (
		val   any
		found bool
		file  string
	)
	if kc.merged != nil {
		l, ok := lookupMerged(kc.merged, strings.Split(key, "."), true, false)
		switch {
		case ok && l.layer > 0:
			val, found, file = l.v, true, kc.dropIns[l.layer-1]
		case ok && l.layer == 0:
			val, found = l.v, true
		case !ok && kc.usesFile():
			// A zero the main file sets explicitly is absent from the
			// kubelet's base JSON; no drop-in set the key, so the zero
			// stands (a drop-in's null gives the same zero default).
			if v, inFile := lookup(kc.doc, key); inFile {
				if r := renderValue(v); r == "" || r == kubeletConfigzZero[key] {
					val, found = v, true
				}
			}
		}
	} else if kc.usesFile() {
		val, found = lookup(kc.doc, key)
	}
	if found {
		if file != "" {
			explicit(renderValue(val), "drop-in "+file, file+" "+key)
		} else {
			explicit(renderValue(val), "config", kc.path+" "+key)
			// The kubelet makes the main file's relative paths absolute
			// against the file's directory (drop-ins are not resolved).
			if kubeletPathKeys[key] && s.Value != "" && !path.IsAbs(s.Value) {
				s.Note = fmt.Sprintf("%q is relative to the config file's directory", s.Value)
				s.Value = path.Join(path.Dir(kc.path), s.Value)
			}
		}
		if spec.zeroIsUnset && isZeroValue(s.Value) {
			s.Note = fmt.Sprintf("the file says %q, which the kubelet treats as unset", s.Value)
			s.Value, s.Source, s.Set, s.Explicit = spec.withFile, "default", false, false
			if !kc.usesFile() {
				s.Value = spec.flagsOnly
			}
		}
		return s, nil
	}
	// 3. The default, which depends on whether a main config file is used.
	s.Source = "default"
	if kc.usesFile() {
		s.Value = spec.withFile
		s.Location = fmt.Sprintf("kubelet default for %s (%s does not set it)", key, kc.fileLabel())
	} else {
		s.Value = spec.flagsOnly
		if len(kc.dropIns) > 0 {
			s.Location = fmt.Sprintf("kubelet default for --%s (no --config file; flag not given; drop-ins %s do not set it)", spec.flag, strings.Join(kc.dropIns, ", "))
		} else {
			s.Location = fmt.Sprintf("kubelet default for --%s (no config file, flag not given)", spec.flag)
		}
	}
	return s, nil
}

// kubeletPathKeys are the path settings the kubelet resolves against the
// main config file's directory (KubeletConfigurationPathRefs).
var kubeletPathKeys = map[string]bool{
	"staticPodPath": true, "authentication.x509.clientCAFile": true, "tlsCertFile": true, "tlsPrivateKeyFile": true,
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
	if len(kc.dropIns) > 0 {
		return "config file " + kc.path + " and drop-ins " + strings.Join(kc.dropIns, ", ")
	}
	return "config file " + kc.path
}

// KubeletDefault returns the default this package assumes for a kubelet
// setting: for a kubelet started with a --config file (v1beta1 defaulting)
// or without one (flags-only defaults). zeroIsUnset says whether a zero
// value in a file is replaced by that default. ok is false for a key no
// control reads. The upstream test (hack/upstream-defaults) proves them.
func KubeletDefault(key string, withFile bool) (value string, zeroIsUnset, ok bool) {
	spec, ok := kubeletKeys[key]
	if !ok {
		return "", false, false
	}
	if withFile {
		return spec.withFile, spec.zeroIsUnset, true
	}
	return spec.flagsOnly, spec.zeroIsUnset, true
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
