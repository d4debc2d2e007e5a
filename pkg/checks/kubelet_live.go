package checks

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// The kubelet's live configuration (/configz, stored in the evidence by the
// scan) against the configuration resolved from its files and flags.

// ConfigzDiff is one kubelet setting on which the resolved configuration
// and the kubelet's live /configz disagree.
type ConfigzDiff struct {
	// Resolved is what the files and flags give, with its source.
	Resolved Setting `json:"resolved"`
	// Live is the value /configz reports, rendered like Resolved.Value.
	Live string `json:"live"`
}

// KubeletConfigzZero is the value /configz omits (omitempty) for a
// setting: the zero value of its v1beta1 field.
var kubeletConfigzZero = map[string]string{
	"readOnlyPort": "0", "rotateCertificates": "false", "serverTLSBootstrap": "false", "protectKernelDefaults": "false",
}

// LiveKubeletSetting returns a key's value in a /configz answer
// ({"kubeletconfig": {...}}); a key /configz omits has its zero value, a
// feature gate it omits has the gate's default.
func LiveKubeletSetting(configz []byte, key string) (string, error) {
	var doc struct {
		KubeletConfig map[string]any `json:"kubeletconfig"`
	}
	if err := json.Unmarshal(configz, &doc); err != nil {
		return "", fmt.Errorf("parse /configz: %w", err)
	}
	if doc.KubeletConfig == nil {
		return "", fmt.Errorf(`/configz has no "kubeletconfig" object`)
	}
	if v, ok := lookup(doc.KubeletConfig, key); ok {
		return renderValue(v), nil
	}
	if strings.HasPrefix(key, "featureGates.") {
		return kubeletKeys[key].flagsOnly, nil
	}
	return kubeletConfigzZero[key], nil
}

// sameKubeletValue compares two renderings of a setting: durations,
// numbers and booleans by value, lists element by element.
func sameKubeletValue(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == b {
		return true
	}
	if x, err := time.ParseDuration(a); err == nil {
		if y, err := time.ParseDuration(b); err == nil {
			return x == y
		}
	}
	if x, err := strconv.ParseFloat(a, 64); err == nil {
		if y, err := strconv.ParseFloat(b, 64); err == nil {
			return x == y
		}
	}
	if x, err := strconv.ParseBool(a); err == nil {
		if y, err := strconv.ParseBool(b); err == nil {
			return x == y
		}
	}
	as, bs := strings.Split(a, ","), strings.Split(b, ",")
	if len(as) != len(bs) || len(as) < 2 {
		return false
	}
	for i := range as {
		if strings.TrimSpace(as[i]) != strings.TrimSpace(bs[i]) {
			return false
		}
	}
	return true
}

// KubeletControlKeys lists every kubelet setting a control reads, sorted.
func KubeletControlKeys() []string {
	return slices.Sorted(maps.Keys(kubeletKeys))
}

// CompareKubeletConfigz compares, for every kubelet setting a control
// reads, the configuration resolved from the node's files and flags with
// the live /configz stored in its evidence. compared counts the settings
// compared; unresolved lists those the evidence could not resolve.
func CompareKubeletConfigz(ev *evidence.Node) (diffs []ConfigzDiff, compared int, unresolved []string, err error) {
	if len(ev.KubeletConfigz) == 0 {
		return nil, 0, nil, fmt.Errorf("no live /configz in the evidence")
	}
	kc := loadKubeletConfig(ev)
	for _, key := range KubeletControlKeys() {
		live, err := LiveKubeletSetting(ev.KubeletConfigz, key)
		if err != nil {
			return nil, 0, nil, err
		}
		s, err := kc.get(key)
		if err != nil {
			unresolved = append(unresolved, key+": "+err.Error())
			continue
		}
		compared++
		if s.Value == "" && live == selfSignedPath(kc, key) {
			// Without a serving certificate the kubelet generates a
			// self-signed one in --cert-dir and sets the path in its
			// config (InitializeTLS): what /configz shows is not configured.
			continue
		}
		if !sameKubeletValue(s.Value, live) {
			diffs = append(diffs, ConfigzDiff{Resolved: s, Live: live})
		}
	}
	return diffs, compared, unresolved, nil
}

// selfSignedPath is where the kubelet writes its self-signed serving
// certificate or key when none is configured: <--cert-dir>/kubelet.crt|key.
func selfSignedPath(kc *kubeletConfig, key string) string {
	dir := "/var/lib/kubelet/pki"
	if v, ok := kc.proc.Flag("cert-dir"); ok && v != "" {
		dir = v
	}
	switch key {
	case "tlsCertFile":
		return path.Join(dir, "kubelet.crt")
	case "tlsPrivateKeyFile":
		return path.Join(dir, "kubelet.key")
	}
	return "\x00"
}

// kubeletLiveMatches is KH-KUBELET-1.
func kubeletLiveMatches(ev *evidence.Node) Outcome {
	if _, na := needProcess(ev, evidence.Kubelet); na != nil {
		return *na
	}
	if len(ev.KubeletConfigz) == 0 {
		why := ev.KubeletConfigzNote
		if why == "" {
			why = "the evidence holds no live /configz (it is read by a live scan when you may get nodes/proxy)"
		}
		return Outcome{Status: StatusInfo, Reason: "not compared: " + why}
	}
	diffs, n, unresolved, err := CompareKubeletConfigz(ev)
	if err != nil {
		return errorOutcome("cannot read the live /configz: " + err.Error())
	}
	var obs []Observation
	for _, d := range diffs {
		obs = append(obs, Observation{Location: d.Resolved.Location, Value: d.Resolved.Value + " (resolved from " + d.Resolved.Source + ")"},
			Observation{Location: "/configz " + d.Resolved.Key, Value: d.Live})
	}
	for _, u := range unresolved {
		obs = append(obs, Observation{Location: "not compared", Value: u})
	}
	if len(diffs) > 0 {
		keys := make([]string, len(diffs))
		for i, d := range diffs {
			keys[i] = fmt.Sprintf("%s: files and flags give %s, the live kubelet runs with %s", d.Resolved.Key, d.Resolved.Value, d.Live)
		}
		return warn(fmt.Sprintf("the kubelet's live configuration differs from its files and flags on %d of %d settings (%s): the kubelet may not have been restarted since its files changed, or they are not what it reads",
			len(diffs), n, strings.Join(keys, "; ")), obs...)
	}
	if n == 0 {
		return errorOutcome("no kubelet setting could be resolved from the evidence to compare with /configz", obs...)
	}
	return pass(fmt.Sprintf("the kubelet's live /configz agrees with its files and flags on all %d settings the controls read", n), obs...)
}

func hardenKubelet() []NodeControl {
	c := harden("KH-KUBELET-1", "the kubelet's live configuration matches its files and flags",
		"Restart the kubelet (`systemctl restart kubelet`) so it runs with its files; if the values still differ, find which file or flag the kubelet really reads (its --config and --config-dir) and fix that one.",
		"kubelet --config, --config-dir drop-ins and flags", "live /api/v1/nodes/<node>/proxy/configz (needs get nodes/proxy)")
	c.Section = "KH-KUBELET"
	return []NodeControl{{c, kubeletLiveMatches}}
}
