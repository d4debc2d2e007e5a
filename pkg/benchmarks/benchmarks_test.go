package benchmarks

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// localPath finds an absolute or relative filesystem path in a source
// ("/srv/x", "../notes"); a repository and file ("kube-bench cfg/cis-1.12")
// or a URL is not one.
var localPath = regexp.MustCompile(`(^|[\s("'])(/[A-Za-z]|\.\./)`)

func TestEmbeddedBenchmarksLoad(t *testing.T) {
	all, err := loadFS()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no benchmark embedded")
	}
	for _, b := range all {
		for _, c := range b.Controls {
			if c.Source == "" {
				t.Errorf("%s %s: no source", b.ID, c.ID)
			}
			if len(c.References) == 0 {
				t.Errorf("%s %s: no reference", b.ID, c.ID)
			}
		}
		sources := append(append([]string{}, b.Sources...), b.Kubernetes.Source)
		for _, c := range b.Controls {
			sources = append(sources, c.Source)
		}
		for _, s := range sources {
			// Sources are public: a repository and file, a document's
			// name; never a path of one machine.
			if localPath.MatchString(s) {
				t.Errorf("%s: source cites a local path: %q", b.ID, s)
			}
		}
	}
	// Every platform (and self-managed clusters) has a default.
	for _, p := range []string{"", "eks", "gke", "aks"} {
		if d := Default(p); d == nil || !d.Default || (d.Platform != p && p != "") {
			t.Errorf("platform %q: default %+v", p, d)
		}
	}
}

func TestParseRejects(t *testing.T) {
	base := "id: x\ntitle: X\nfamily: f\nversion: '1.0'\nkubernetes: {min: '1.30', max: '1.31', source: s}\nsources: [s]\ncontrols:\n"
	ctl := func(extra string) string {
		return base + "- {id: '1', title: t, level: 1, role: worker, remediation: r, " + extra + "}\n"
	}
	if _, err := Parse([]byte(ctl("check: file.mode")), "ok"); err != nil {
		t.Fatalf("the base document is rejected: %v", err)
	}
	for name, doc := range map[string]string{
		"no check":              ctl(""),
		"unknown role":          base + "- {id: '1', title: t, level: 1, role: moon, remediation: r, check: manual}\n",
		"duplicate ID":          ctl("check: manual") + "- {id: '1', title: t, level: 1, role: worker, remediation: r, check: manual}\n",
		"no level":              base + "- {id: '1', title: t, role: worker, remediation: r, check: manual}\n",
		"KH in a benchmark":     base + "- {id: KH-X, title: t, level: 1, role: worker, remediation: r, check: manual}\n",
		"unknown field":         ctl("check: manual, colour: red"),
		"api check on a node":   ctl("check: rbac.wildcard-roles"),
		"node check on the API": base + "- {id: '1', title: t, level: 1, role: cluster, remediation: r, check: file.mode}\n",
		"no range":              strings.Replace(ctl("check: manual"), "kubernetes: {min: '1.30', max: '1.31', source: s}\n", "", 1),
		"range without source":  strings.Replace(ctl("check: manual"), ", source: s}", "}", 1),
		"range upside down":     strings.Replace(ctl("check: manual"), "max: '1.31'", "max: '1.29'", 1),
		"not Kubernetes 1.x":    strings.Replace(ctl("check: manual"), "min: '1.30'", "min: '2.0'", 1),
		"version not numeric":   strings.Replace(ctl("check: manual"), "version: '1.0'", "version: V2R6", 1),
		"no family":             strings.Replace(ctl("check: manual"), "family: f\n", "", 1),
		"named harden":          strings.Replace(ctl("check: manual"), "id: x", "id: harden", 1),
		"control plane of a managed platform": strings.Replace(base, "controls:", "managed: Amazon EKS\ncontrols:", 1) +
			"- {id: '1', title: t, level: 1, role: control-plane, remediation: r, check: manual}\n",
	} {
		if _, err := Parse([]byte(doc), name); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestCIS112LevelsMatchSource compares every CIS 1.12 control's level and
// Automated flag with Prowler's public CIS 1.12 mapping (testdata): the
// controls are the same set, and each agrees.
func TestCIS112LevelsMatchSource(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "prowler-cis-1.12-levels.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type rec struct {
		level     string
		automated bool
	}
	src := map[string]rec{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 3 && !strings.HasPrefix(fs[0], "#") {
			src[fs[0]] = rec{fs[1], fs[2] == "Automated"}
		}
	}
	b, ok := Lookup("cis-1.12")
	if !ok {
		t.Fatal("cis-1.12 is not embedded")
	}
	seen := map[string]bool{}
	for _, c := range b.Controls {
		seen[c.ID] = true
		s, ok := src[c.ID]
		if !ok {
			t.Errorf("%s is not in the source", c.ID)
			continue
		}
		if lv := string(rune('0' + c.Level)); lv != s.level {
			t.Errorf("%s: level %d, source says %s", c.ID, c.Level, s.level)
		}
		// kube-bench's title says Automated for 4.3.1; Prowler says Manual
		// (the file's sources say so).
		if c.Automated != s.automated && c.ID != "4.3.1" {
			t.Errorf("%s: automated %t, source says %t", c.ID, c.Automated, s.automated)
		}
	}
	for id := range src {
		if !seen[id] {
			t.Errorf("%s is in the source but not in cis-1.12", id)
		}
	}
}

// TestEditionsRecordTheirChanges: a benchmark that revises a Previous
// edition says, on each control it shares with it, how it changed — and
// only when it did. What a control decides and tells the reader (title,
// section, level or category, automated, role, check, parameters,
// remediation) must match the previous edition unless Changes says why.
func TestEditionsRecordTheirChanges(t *testing.T) {
	for _, b := range All() {
		if b.Previous == "" {
			continue
		}
		prev, _ := Lookup(b.Previous)
		old := map[string]Control{}
		for _, c := range prev.Controls {
			old[c.ID] = c
		}
		for _, c := range b.Controls {
			o, shared := old[c.ID]
			if !shared {
				if c.Changes == "" {
					t.Errorf("%s %s: not in %s, yet no changes note says it is new", b.ID, c.ID, prev.ID)
				}
				continue
			}
			same := c.Title == o.Title && c.Section == o.Section && c.Level == o.Level && c.Severity == o.Severity &&
				c.Automated == o.Automated && c.Role == o.Role && c.Check == o.Check &&
				reflect.DeepEqual(c.Params, o.Params) && c.Remediation == o.Remediation
			switch {
			case !same && c.Changes == "":
				t.Errorf("%s %s differs from %s %s but has no changes note", b.ID, c.ID, prev.ID, c.ID)
			case same && c.Changes != "":
				t.Errorf("%s %s is the same as in %s but says it changed: %q", b.ID, c.ID, prev.ID, c.Changes)
			}
		}
		for _, r := range b.Removed {
			if _, ok := old[r.ID]; !ok && !omits(prev, r.ID) {
				t.Errorf("%s removes %s, which %s does not have", b.ID, r.ID, prev.ID)
			}
			if r.Reason == "" {
				t.Errorf("%s removes %s without a reason", b.ID, r.ID)
			}
		}
	}
}

func omits(b *Benchmark, id string) bool {
	for _, o := range b.Omitted {
		if o.ID == id {
			return true
		}
	}
	return false
}

func TestResolve(t *testing.T) {
	for _, b := range All() {
		got, err := Resolve(b.ID)
		if err != nil || got != b {
			t.Errorf("Resolve(%s) = %v, %v", b.ID, got, err)
		}
		newest, _ := Newest(b.Family)
		if got, err := Resolve(b.Family); err != nil || got != newest {
			t.Errorf("Resolve(%s) = %v, %v; want the family's newest, %s", b.Family, got, err, newest.ID)
		}
	}
	if h, err := Resolve(Harden); err != nil || len(h.Controls) != 0 {
		t.Errorf("Resolve(harden) = %+v, %v", h, err)
	}
	if d, err := Resolve(""); err != nil || d != Default("") {
		t.Errorf("Resolve(\"\") = %v, %v", d, err)
	}
	if _, err := Resolve("bogus"); err == nil || !strings.Contains(err.Error(), "known:") {
		t.Errorf("Resolve(bogus): %v", err)
	}
}

func fake(id, version, lo, hi string) *Benchmark {
	return &Benchmark{ID: id, Family: "f", Version: version, Default: true, Kubernetes: Range{Min: lo, Max: hi, Source: "s"}}
}

// TestSelectFrom pins the version policy on editions that overlap (as CIS
// 1.12, 1.32-1.34, and 2.0.1, 1.34-1.35 do), leave a gap, and end.
func TestSelectFrom(t *testing.T) {
	older, newer, later := fake("b-1", "1.12.0", "1.32", "1.34"), fake("b-2", "2.0.1", "1.34", "1.35"), fake("b-3", "3.0", "1.38", "")
	two := []*Benchmark{older, newer}
	for _, tc := range []struct {
		name, version string
		cands         []*Benchmark
		want          string
		reason        []string
		warning       []string
	}{
		{"only the older covers", "v1.33.2", two, "b-1", []string{"v1.33", "b-1 (Kubernetes 1.32-1.34)"}, nil},
		{"both cover: the newest", "v1.34.4", two, "b-2", []string{"v1.34", "b-1 (Kubernetes 1.32-1.34) and b-2 (Kubernetes 1.34-1.35)", "newest"}, nil},
		{"only the newer covers", "v1.35.0", two, "b-2", []string{"v1.35"}, nil},
		{"newer than every range", "v1.36.1", two, "b-2", []string{"newer than every"}, []string{"v1.36", "b-2", "1.34-1.35"}},
		{"older than every range", "v1.30.9", two, "b-1", []string{"older than every"}, []string{"v1.30", "b-1", "1.32-1.34"}},
		{"in a gap: the next newer", "v1.36.0", []*Benchmark{older, newer, later}, "b-3", []string{"between"}, []string{"v1.36", "b-3", "1.38+"}},
		{"open upper bound", "v1.45.0", []*Benchmark{older, later}, "b-3", []string{"b-3 (Kubernetes 1.38+)"}, nil},
		{"unreadable version", "devel", two, "b-2", []string{"newest"}, []string{`"devel"`, "b-2"}},
		{"not Kubernetes 1.x", "v2.0.0", two, "b-2", nil, []string{"v2.0.0"}},
	} {
		got := selectFrom(tc.cands, tc.version, "")
		if got.ID != tc.want {
			t.Errorf("%s: chose %s (%s), want %s", tc.name, got.ID, got.Reason, tc.want)
		}
		for _, w := range tc.reason {
			if !strings.Contains(got.Reason, w) {
				t.Errorf("%s: reason %q lacks %q", tc.name, got.Reason, w)
			}
		}
		if (len(tc.warning) == 0) != (got.Warning == "") {
			t.Errorf("%s: warning %q", tc.name, got.Warning)
		}
		for _, w := range tc.warning {
			if !strings.Contains(got.Warning, w) {
				t.Errorf("%s: warning %q lacks %q", tc.name, got.Warning, w)
			}
		}
	}
}

// TestSelectShipped: for every Kubernetes minor a default benchmark was
// written for, Select picks, on its platform, a benchmark whose range
// holds that minor, with no newer one that also does, and no warning.
func TestSelectShipped(t *testing.T) {
	for _, b := range All() {
		if !b.Default {
			continue
		}
		lo, hi := b.Kubernetes.bounds()
		if hi < 0 {
			hi = lo + 2
		}
		for m := lo; m <= hi; m++ {
			v := "v1." + strconv.Itoa(m) + ".0"
			sel := Select(v, b.Platform)
			got, _ := Lookup(sel.ID)
			if got == nil || !got.Kubernetes.Contains(m) || sel.Warning != "" || got.Platform != b.Platform {
				t.Errorf("%s on %q: %+v", v, b.Platform, sel)
				continue
			}
			if newer(b, got) {
				t.Errorf("%s on %q: chose %s although the newer %s covers it", v, b.Platform, got.ID, b.ID)
			}
		}
	}
	// Past every range: the newest, with a warning naming all three.
	newest := Default("")
	sel := Select("v1.99.0", "")
	if sel.ID != newest.ID || !strings.Contains(sel.Warning, "v1.99") || !strings.Contains(sel.Warning, newest.ID) || !strings.Contains(sel.Warning, newest.Kubernetes.String()) {
		t.Errorf("v1.99: %+v", sel)
	}
}

func TestRange(t *testing.T) {
	r := Range{Min: "1.32", Max: "1.34"}
	if !r.Contains(32) || !r.Contains(34) || r.Contains(31) || r.Contains(35) || r.String() != "1.32-1.34" {
		t.Errorf("%v", r)
	}
	open := Range{Min: "1.31"}
	if !open.Contains(99) || open.Contains(30) || open.String() != "1.31+" {
		t.Errorf("%v", open)
	}
}

func TestControlReport(t *testing.T) {
	c := Control{ID: "5.1.2", Title: "t", Level: 1, Role: report.RoleCluster, Check: "rbac.secret-read-access", Remediation: "r"}
	rc := c.Report("cis-x")
	if rc.Engine != EngineRBAC || rc.Section != "5.1" || rc.Benchmark != "cis-x" || rc.Params != nil {
		t.Errorf("%+v", rc)
	}
}
