//go:build e2e

package e2e

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

var (
	baselineOnce sync.Once
	baselineRep  *report.Report
)

// baseline scans both nodes in parallel once per test binary; later tests use
// it to know each control's status before they change a node.
func baseline(t *testing.T) *report.Report {
	t.Helper()
	baselineOnce.Do(func() {
		baselineRep = scanJSON(t, "node/"+cluster.cp, "node/"+cluster.worker, "--parallel", "2")
	})
	if baselineRep == nil {
		t.Fatal("the baseline scan of both nodes failed (see the first test that ran it)")
	}
	return baselineRep
}

func TestPluginDispatch(t *testing.T) {
	t.Parallel()
	r := harden(t, time.Minute, "version")
	if r.exit != 0 || !strings.Contains(r.stdout, e2eVersion) {
		t.Fatalf("`kubectl harden version` through kubectl's plugin dispatch: want exit 0 and %s in the output\n%s", e2eVersion, r)
	}
}

// TestGroundTruth compares the evidence of a scan of both nodes with what the
// nodes say through docker exec: file modes and owners, API server flags from
// /proc, kubelet config keys from the kubelet's config file.
func TestGroundTruth(t *testing.T) {
	rep := baseline(t)
	if len(rep.Targets) != 2 {
		t.Fatalf("want 2 targets, got %d", len(rep.Targets))
	}
	cp, worker := target(t, rep, cluster.cp), target(t, rep, cluster.worker)
	t.Run("roles", func(t *testing.T) {
		if !hasRole(cp, report.RoleControlPlane) || !hasRole(cp, report.RoleEtcd) {
			t.Errorf("node/%s roles = %v, want control-plane and etcd", cp.Name, cp.Roles)
		}
		if !hasRole(worker, report.RoleWorker) || hasRole(worker, report.RoleControlPlane) {
			t.Errorf("node/%s roles = %v, want worker and not control-plane", worker.Name, worker.Roles)
		}
		if cp.Summary.Total == 0 || worker.Summary.Total == 0 {
			t.Errorf("empty results: control plane %d, worker %d", cp.Summary.Total, worker.Summary.Total)
		}
	})

	files := map[*report.TargetReport][]string{
		cp: {
			"/etc/kubernetes/manifests/kube-apiserver.yaml",
			"/etc/kubernetes/manifests/etcd.yaml",
			"/etc/kubernetes/admin.conf",
			"/var/lib/kubelet/config.yaml",
			"/etc/kubernetes/kubelet.conf",
			"/var/lib/etcd",
			"/etc/kubernetes/pki/ca.crt",
			"/etc/kubernetes/pki/ca.key",
		},
		worker: {
			"/var/lib/kubelet/config.yaml",
			"/etc/kubernetes/kubelet.conf",
			"/etc/kubernetes/pki/ca.crt",
		},
	}
	t.Run("file modes and owners", func(t *testing.T) {
		for tg, paths := range files {
			for _, path := range paths {
				want := strings.Fields(nodeExec(t, tg.Name, "stat -c '%a %u %g' "+path))
				if len(want) != 3 {
					t.Fatalf("stat %s on %s: %v", path, tg.Name, want)
				}
				obs := fileObservations(tg, path)
				if len(obs) == 0 {
					t.Errorf("node/%s: no evidence with a mode and owner for %s", tg.Name, path)
					continue
				}
				wantMode, _ := strconv.ParseUint(want[0], 8, 32)
				for _, o := range obs {
					m := fileModeRE.FindStringSubmatch(o.Value)
					gotMode, _ := strconv.ParseUint(m[1], 8, 32)
					if gotMode != wantMode || m[2] != want[1] || m[3] != want[2] {
						t.Errorf("node/%s %s: evidence %q, stat says mode %s uid %s gid %s", tg.Name, path, o.Value, want[0], want[1], want[2])
					}
				}
				t.Logf("node/%s %s: %s (stat: %s)", tg.Name, path, obs[0].Value, strings.Join(want, " "))
			}
		}
	})

	t.Run("kube-apiserver flags", func(t *testing.T) {
		argv := procCmdline(t, cluster.cp, "kube-apiserver")
		if len(argv) < 2 {
			t.Fatalf("no kube-apiserver process on %s", cluster.cp)
		}
		n := compareFlags(t, cp, "kube-apiserver", flagValues(argv))
		if n < 5 {
			t.Errorf("only %d kube-apiserver flags in the evidence, want at least 5", n)
		}
	})

	t.Run("kubelet config", func(t *testing.T) {
		for _, tg := range []*report.TargetReport{cp, worker} {
			argv := procCmdline(t, tg.Name, "kubelet")
			if len(argv) < 2 {
				t.Fatalf("no kubelet process on %s", tg.Name)
			}
			flags := flagValues(argv)
			compareFlags(t, tg, "kubelet", flags)
			cfgPath := flags["config"]
			if cfgPath == "" {
				t.Fatalf("node/%s: kubelet has no --config flag: %v", tg.Name, argv)
			}
			var cfg map[string]any
			if err := yaml.Unmarshal([]byte(nodeExec(t, tg.Name, "cat "+cfgPath)), &cfg); err != nil {
				t.Fatalf("node/%s %s: %v", tg.Name, cfgPath, err)
			}
			n := compareConfigKeys(t, tg, cfgPath, cfg)
			if n < 3 {
				t.Errorf("node/%s: only %d keys of %s in the evidence, want at least 3", tg.Name, n, cfgPath)
			}
		}
	})
}

func hasRole(tg *report.TargetReport, r report.Role) bool {
	for _, x := range tg.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// observations returns the distinct observations of every result of a target.
func observations(tg *report.TargetReport) []report.Observation {
	seen := map[report.Observation]bool{}
	var out []report.Observation
	for _, r := range tg.Results {
		for _, o := range r.Evidence {
			if !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
	}
	return out
}

// fileObservations returns the observations about path that carry a mode and owner.
func fileObservations(tg *report.TargetReport, path string) []report.Observation {
	var out []report.Observation
	for _, o := range observations(tg) {
		if (o.Path == path || o.Location == path) && fileModeRE.MatchString(o.Value) {
			out = append(out, o)
		}
	}
	return out
}

// isUnsetValue says whether an evidence value means "not set".
func isUnsetValue(v string) bool {
	l := strings.ToLower(v)
	return strings.HasPrefix(l, "<") || strings.Contains(l, "unset") || strings.Contains(l, "default") || strings.Contains(l, "not set")
}

// compareFlags checks every "<component> --flag" observation against the
// process's real command line and returns how many it checked.
func compareFlags(t *testing.T, tg *report.TargetReport, component string, flags map[string]string) int {
	t.Helper()
	n := 0
	var names []string
	for _, o := range observations(tg) {
		rest, ok := strings.CutPrefix(o.Location, component+" --")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		name := fields[0]
		want, set := flags[name]
		if set && len(fields) > 1 { // "kubelet --feature-gates Gate": one key of a k=v list
			want, set = keyValues(want)[fields[1]]
			name += " " + fields[1]
		}
		if set && want == "" {
			want = `""`
		}
		switch {
		case set && o.Value != want:
			t.Errorf("node/%s %s --%s: evidence %q, /proc cmdline %q", tg.Name, component, name, o.Value, want)
		case !set && !isUnsetValue(o.Value):
			t.Errorf("node/%s %s --%s: evidence %q, but the flag is not on the /proc cmdline", tg.Name, component, name, o.Value)
		}
		n++
		names = append(names, name)
	}
	sort.Strings(names)
	t.Logf("node/%s: %d %s flags compared with /proc: %s", tg.Name, n, component, strings.Join(names, " "))
	return n
}

// compareConfigKeys checks every "<config path> <dotted.key>" observation
// against the parsed config file and returns how many it checked.
func compareConfigKeys(t *testing.T, tg *report.TargetReport, cfgPath string, cfg map[string]any) int {
	t.Helper()
	n := 0
	var keys []string
	for _, o := range observations(tg) {
		if m := kubeletDefaultRE.FindStringSubmatch(o.Location); m != nil && m[2] == cfgPath {
			// "kubelet default for KEY (config file PATH does not set it)"
			if v, found := lookup(cfg, m[1]); found {
				t.Errorf("node/%s %s: evidence says the file does not set %s, but it says %v", tg.Name, cfgPath, m[1], v)
			}
			n++
			keys = append(keys, m[1]+"(default)")
			continue
		}
		key, ok := strings.CutPrefix(o.Location, cfgPath+" ")
		if !ok {
			continue
		}
		key = strings.TrimSpace(key)
		v, found := lookup(cfg, key)
		if !found {
			if !isUnsetValue(o.Value) {
				t.Errorf("node/%s %s %s: evidence %q, but the key is not in the file", tg.Name, cfgPath, key, o.Value)
			}
		} else if s, scalar := scalarString(v); scalar && !sameConfigValue(o.Value, s) {
			t.Errorf("node/%s %s %s: evidence %q, file says %q", tg.Name, cfgPath, key, o.Value, s)
		}
		n++
		keys = append(keys, key)
	}
	sort.Strings(keys)
	t.Logf("node/%s: %d keys of %s compared with the file: %s", tg.Name, n, cfgPath, strings.Join(keys, " "))
	return n
}

// kubeletDefaultRE reads the location of a kubelet setting the config file leaves unset.
var kubeletDefaultRE = regexp.MustCompile(`^kubelet default for (\S+) \(config file (\S+) does not set it\)`)

// sameConfigValue compares an evidence value with the file's value; a value
// the kubelet treats as unset (0) is reported as the default with a note.
func sameConfigValue(evidence, file string) bool {
	if file == "" {
		file = `""`
	}
	return evidence == file || strings.HasPrefix(evidence, file+" [") ||
		strings.Contains(evidence, `the file says "`+file+`"`)
}

// keyValues parses "a=1,b=2".
func keyValues(s string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out
}

// lookup reads a dotted key of a parsed config file.
func lookup(m map[string]any, dotted string) (any, bool) {
	v, found, err := unstructured.NestedFieldNoCopy(m, strings.Split(dotted, ".")...)
	return v, found && err == nil
}

func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case []any:
		var parts []string
		for _, e := range x {
			p, ok := scalarString(e)
			if !ok {
				return "", false
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, ","), true
	}
	return "", false
}
