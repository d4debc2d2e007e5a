package exceptions

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// issueExample is the format as the README and the issue show it.
const issueExample = `apiVersion: kubectl-harden.io/v1
kind: Exceptions
exceptions:
- controls: ["1.1.12", "4.2.*"]         # control IDs or globs, of any benchmark (CIS, STIG V-IDs, KH-)
  targets: ["*-worker"]                 # optional: node names or globs, "cluster", "workloads"
  objects: ["daemonset/kube-system/*"]  # optional: objects named in a result's evidence locations (workloads, RBAC)
  reason: "etcd runs as root on kind; tracked in OPS-123"   # required
  expires: 2027-03-31                   # optional date; after it the exception no longer applies
  owner: platform-team                  # optional
`

func TestParseIssueExample(t *testing.T) {
	es, err := Parse("ex.yaml", []byte(issueExample))
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 {
		t.Fatalf("got %d exceptions", len(es))
	}
	e := es[0]
	if strings.Join(e.Controls, ",") != "1.1.12,4.2.*" || strings.Join(e.Targets, ",") != "*-worker" ||
		strings.Join(e.Objects, ",") != "daemonset/kube-system/*" || e.Reason != "etcd runs as root on kind; tracked in OPS-123" ||
		e.Expires != "2027-03-31" || e.Owner != "platform-team" || e.Source != "ex.yaml:4" {
		t.Errorf("parsed %+v", e)
	}
}

func TestParseErrors(t *testing.T) {
	head := "apiVersion: kubectl-harden.io/v1\nkind: Exceptions\nexceptions:\n"
	cases := []struct {
		name, doc string
		want      []string // each must appear in the error
	}{
		{"empty", "", []string{"x.yaml: the file is empty"}},
		{"not yaml", "a: [", []string{"not YAML"}},
		{"wrong apiVersion", "apiVersion: v1\nkind: Exceptions\nexceptions: []\n", []string{"x.yaml:1:13: apiVersion is \"v1\": want kubectl-harden.io/v1"}},
		{"missing kind", "apiVersion: kubectl-harden.io/v1\nexceptions: []\n", []string{"kind is missing"}},
		{"unknown top field", head + "- controls: [\"1.1.1\"]\n  reason: r\nextra: 1\n", []string{"x.yaml:6:1: the document: unknown field \"extra\""}},
		{"unknown field", head + "- controls: [\"1.1.1\"]\n  reason: r\n  justification: x\n", []string{"x.yaml:6:3: exception 1: unknown field \"justification\" (want controls, targets, objects, reason, expires, owner)"}},
		{"missing reason", head + "- controls: [\"1.1.1\"]\n", []string{"x.yaml:4:3: exception 1: reason is missing"}},
		{"empty reason", head + "- controls: [\"1.1.1\"]\n  reason: \"  \"\n", []string{"x.yaml:5:11: exception 1: reason is empty"}},
		{"missing controls", head + "- reason: r\n", []string{"exception 1: controls is missing"}},
		{"controls scalar", head + "- controls: 1.1.1\n  reason: r\n", []string{"x.yaml:4:13: exception 1: controls must be a list"}},
		{"controls star", head + "- controls: [\"*\"]\n  reason: r\n", []string{`controls "*" would accept every control`}},
		{"bad glob", head + "- controls: [\"1.[\"]\n  reason: r\n", []string{"x.yaml:4:14: exception 1: controls: \"1.[\" is not a valid glob"}},
		{"bad object", head + "- controls: [\"5.1.1\"]\n  objects: [\"daemonset\"]\n  reason: r\n", []string{"exception 1: objects: object pattern \"daemonset\""}},
		{"bad date", head + "- controls: [\"1.1.1\"]\n  reason: r\n  expires: 31/03/2027\n", []string{"x.yaml:6:12: exception 1: expires \"31/03/2027\" is not a date"}},
		{"twice", head + "- controls: [\"1.1.1\"]\n  reason: r\n  reason: s\n", []string{"exception 1: reason is given twice"}},
		{"second entry", head + "- controls: [\"1.1.1\"]\n  reason: r\n- controls: [\"1.1.2\"]\n", []string{"x.yaml:6:3: exception 2: reason is missing"}},
		{"two documents", head + "- controls: [\"1.1.1\"]\n  reason: r\n---\na: 1\n", []string{"a second YAML document"}},
		{"alias", head + "- controls: &c [\"1.1.1\"]\n  reason: r\n- controls: *c\n  reason: r\n", []string{"aliases are not allowed"}},
		{"not a list", head + "  a: b\n", []string{"exceptions must be a list"}},
		{"entry not mapping", head + "- 1.1.1\n", []string{"exception 1 must be a mapping"}},
		{"many problems", head + "- controls: [\"1.[\"]\n  reason: \"\"\n  expires: soon\n", []string{"3 problems", "not a valid glob", "reason is empty", "not a date"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(c.doc))
			if err == nil {
				t.Fatal("no error")
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Errorf("error is %T, not *Error", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestParseEmptyList(t *testing.T) {
	for _, doc := range []string{"exceptions: []", "exceptions:"} {
		es, err := Parse("x.yaml", []byte("apiVersion: kubectl-harden.io/v1\nkind: Exceptions\n"+doc+"\n"))
		if err != nil || len(es) != 0 {
			t.Errorf("%q: %v, %d", doc, err, len(es))
		}
	}
}

func TestLoadBounds(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(strings.Repeat("#", MaxFileSize+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load([]string{big}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
	if _, err := Load([]string{filepath.Join(dir, "missing.yaml")}); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load([]string{dir}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	os.WriteFile(a, []byte(issueExample), 0o600)
	os.WriteFile(b, []byte(strings.Replace(issueExample, "1.1.12", "5.1.1", 1)), 0o600)
	s, err := Load([]string{a, b})
	if err != nil || len(s.Entries) != 2 || s.Entries[1].Source != b+":4" || len(s.Files) != 2 {
		t.Fatalf("two files: %v %+v", err, s)
	}
}

func mustParse(t *testing.T, body string) *Set {
	t.Helper()
	es, err := Parse("ex.yaml", []byte("apiVersion: kubectl-harden.io/v1\nkind: Exceptions\nexceptions:\n"+body))
	if err != nil {
		t.Fatal(err)
	}
	return &Set{Files: []string{"ex.yaml"}, Entries: es}
}

func TestMatch(t *testing.T) {
	s := mustParse(t, `- controls: ["1.1.12", "4.2.*", "v-2423??"]
  targets: ["*-worker", "cluster", "node/cp-?"]
  objects: ["daemonset/kube-system/*", "ClusterRoleBinding/ops-*"]
  reason: r
`)
	e := s.Entries[0]
	for id, want := range map[string]bool{"1.1.12": true, "1.1.1": false, "4.2.10": true, "4.2": false, "V-242387": true, "v-242387": true, "V-2423877": false} {
		if got := e.MatchControl(id); got != want {
			t.Errorf("control %s: %v", id, got)
		}
	}
	node := func(n string) report.TargetReport { return report.TargetReport{Kind: report.TargetNode, Name: n} }
	for tg, want := range map[*report.TargetReport]bool{
		ptr(node("kind-worker")): true, ptr(node("kind-control-plane")): false, ptr(node("cp-1")): true,
		{Kind: report.TargetCluster, Name: "cluster"}: true, {Kind: report.TargetWorkloads, Name: "workloads"}: false,
	} {
		if got := e.MatchTarget(*tg); got != want {
			t.Errorf("target %s: %v", tg.Name, got)
		}
	}
	if !(&Exception{}).MatchTarget(node("anything")) {
		t.Error("no targets must match every target")
	}
	for o, want := range map[report.ObjectRef]bool{
		{Kind: "daemonset", Namespace: "kube-system", Name: "kindnet"}: true,
		{Kind: "DaemonSet", Namespace: "kube-system", Name: "kindnet"}: true,
		{Kind: "daemonset", Namespace: "prod", Name: "kindnet"}:        false,
		{Kind: "deployment", Namespace: "kube-system", Name: "x"}:      false,
		{Kind: "clusterrolebinding", Name: "ops-admin"}:                true,
		{Kind: "clusterrolebinding", Name: "dev-admin"}:                false,
	} {
		if got := e.MatchObject(o); got != want {
			t.Errorf("object %s: %v", o, got)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestExpiry(t *testing.T) {
	e := mustParse(t, "- controls: [\"1.1.1\"]\n  reason: r\n  expires: 2026-12-10\n").Entries[0]
	day := func(s string) time.Time { d, _ := time.Parse(time.RFC3339, s); return d }
	for now, want := range map[string]bool{
		"2026-12-10T00:00:00Z": false, "2026-12-10T23:59:59Z": false, "2026-12-11T00:00:00Z": true, "2027-01-01T00:00:00Z": true,
	} {
		if got := e.Expired(day(now)); got != want {
			t.Errorf("expired at %s: %v", now, got)
		}
	}
	if d, ok := e.DaysLeft(day("2026-12-10T12:00:00Z")); !ok || d != 0 {
		t.Errorf("last day: %d %v", d, ok)
	}
	if d, _ := e.DaysLeft(day("2026-12-03T12:00:00Z")); d != 7 {
		t.Errorf("a week before: %d", d)
	}
}

var now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func obs(kind, ns, name string, st report.Status) report.Observation {
	o := report.ObjectRef{Kind: kind, Namespace: ns, Name: name}
	return report.Observation{Location: o.String(), Value: "privileged", Object: o, Status: st}
}

// sample is a report with a node FAIL, a node ERROR, a node PASS and a
// per-object workloads FAIL with three objects.
func sample() *report.Report {
	r := report.NewReport(report.KindCluster, report.Metadata{Benchmark: "cis-1.12"})
	ctl := func(id string) report.Control {
		return report.Control{ID: id, Title: "t " + id, Benchmark: "cis-1.12", Remediation: "fix"}
	}
	r.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: "kind-worker", Results: []report.Result{
		report.NewResult(ctl("1.1.12"), "kind-worker", report.Outcome{Status: report.StatusFail, Reason: "etcd data dir owned by root"}),
		report.NewResult(ctl("4.2.1"), "kind-worker", report.Outcome{Status: report.StatusError, Reason: "could not read"}),
		report.NewResult(ctl("4.2.2"), "kind-worker", report.Outcome{Status: report.StatusPass, Reason: "ok"}),
		report.NewResult(ctl("4.2.3"), "kind-worker", report.Outcome{Status: report.StatusWarn, Reason: "review"}),
	}})
	r.AddTarget(report.TargetReport{Kind: report.TargetWorkloads, Name: "workloads", Results: []report.Result{
		report.NewResult(ctl("5.2.2"), "workloads", report.Outcome{Status: report.StatusFail, Reason: "3 privileged", Evidence: []report.Observation{
			obs("daemonset", "kube-system", "kindnet", report.StatusFail),
			obs("daemonset", "kube-system", "kube-proxy", report.StatusFail),
			obs("deployment", "prod", "web", report.StatusFail),
			{Location: "note", Value: "x"},
		}}),
	}})
	return r
}

func find2(r *report.Report, target, id string) report.Result {
	for _, t := range r.Targets {
		for _, res := range t.Results {
			if t.Name == target && res.ControlID == id {
				return res
			}
		}
	}
	return report.Result{}
}

func TestApply(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		ignore  bool
		want    map[string]report.Status // target/control -> status
		objects map[string]report.Status // object -> status in 5.2.2's evidence
		states  []string
		reason  map[string]string // target/control -> reason suffix
	}{
		{
			name:   "whole result, glob, target; ERROR and PASS untouched",
			body:   "- controls: [\"1.1.*\", \"4.2.*\"]\n  targets: [\"*-worker\"]\n  reason: kind\n  owner: ops\n",
			want:   map[string]report.Status{"kind-worker/1.1.12": report.StatusAccepted, "kind-worker/4.2.1": report.StatusError, "kind-worker/4.2.2": report.StatusPass, "kind-worker/4.2.3": report.StatusAccepted, "workloads/5.2.2": report.StatusFail},
			states: []string{report.AuditApplied},
		},
		{
			name:   "target that does not match",
			body:   "- controls: [\"1.1.12\"]\n  targets: [\"*-control-plane\"]\n  reason: kind\n",
			want:   map[string]report.Status{"kind-worker/1.1.12": report.StatusFail},
			states: []string{report.AuditUnused},
		},
		{
			name:    "partial object coverage keeps the result's status",
			body:    "- controls: [\"5.2.2\"]\n  objects: [\"daemonset/kube-system/*\"]\n  reason: CNI\n",
			want:    map[string]report.Status{"workloads/5.2.2": report.StatusFail},
			objects: map[string]report.Status{"daemonset/kube-system/kindnet": report.StatusAccepted, "daemonset/kube-system/kube-proxy": report.StatusAccepted, "deployment/prod/web": report.StatusFail},
			states:  []string{report.AuditApplied},
		},
		{
			name:    "every object covered: the result is accepted",
			body:    "- controls: [\"5.2.2\"]\n  objects: [\"daemonset/kube-system/*\"]\n  reason: CNI\n- controls: [\"5.2.2\"]\n  objects: [\"deployment/prod/web\"]\n  reason: legacy\n",
			want:    map[string]report.Status{"workloads/5.2.2": report.StatusAccepted},
			objects: map[string]report.Status{"daemonset/kube-system/kindnet": report.StatusAccepted, "deployment/prod/web": report.StatusAccepted},
			states:  []string{report.AuditApplied, report.AuditApplied},
		},
		{
			name:   "expired: the finding keeps its status and says so",
			body:   "- controls: [\"1.1.12\"]\n  reason: kind\n  expires: 2026-11-30\n",
			want:   map[string]report.Status{"kind-worker/1.1.12": report.StatusFail},
			states: []string{report.AuditExpired},
			reason: map[string]string{"kind-worker/1.1.12": "etcd data dir owned by root (exception expired on 2026-11-30)"},
		},
		{
			name:    "expired object exception on a partial result",
			body:    "- controls: [\"5.2.2\"]\n  objects: [\"deployment/prod/*\"]\n  reason: legacy\n  expires: 2026-01-01\n",
			want:    map[string]report.Status{"workloads/5.2.2": report.StatusFail},
			objects: map[string]report.Status{"deployment/prod/web": report.StatusFail},
			states:  []string{report.AuditExpired},
			reason:  map[string]string{"workloads/5.2.2": "3 privileged (exception expired on 2026-01-01)"},
		},
		{
			name:   "unknown control",
			body:   "- controls: [\"9.9.9\"]\n  reason: typo\n",
			states: []string{report.AuditUnknownControl},
		},
		{
			name:   "objects on a result without objects match nothing",
			body:   "- controls: [\"1.1.12\"]\n  objects: [\"pod/*/*\"]\n  reason: r\n",
			want:   map[string]report.Status{"kind-worker/1.1.12": report.StatusFail},
			states: []string{report.AuditUnused},
		},
		{
			name:   "ignore: raw verdicts, the audit says what would apply",
			body:   "- controls: [\"1.1.12\"]\n  reason: kind\n",
			ignore: true,
			want:   map[string]report.Status{"kind-worker/1.1.12": report.StatusFail},
			states: []string{report.AuditApplied},
		},
		{
			name:   "first live exception wins, expired ones are skipped",
			body:   "- controls: [\"1.1.12\"]\n  reason: old\n  expires: 2025-01-01\n- controls: [\"1.1.*\"]\n  reason: new\n",
			want:   map[string]report.Status{"kind-worker/1.1.12": report.StatusAccepted},
			states: []string{report.AuditExpired, report.AuditApplied},
		},
	}
	known := []string{"1.1.12", "4.2.1", "4.2.2", "4.2.3", "5.2.2"}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := sample()
			a := Apply(r, mustParse(t, c.body), Options{Now: now, Known: known, Ignore: c.ignore})
			for k, want := range c.want {
				tg, id, _ := strings.Cut(k, "/")
				if got := find2(r, tg, id); got.Status != want {
					t.Errorf("%s: %s, want %s", k, got.Status, want)
				} else if want == report.StatusAccepted && (got.AcceptedStatus.Severity() == 0 || got.Exception == nil || got.Exception.Expired) {
					t.Errorf("%s: accepted without its verdict or exception: %+v", k, got)
				}
			}
			res := find2(r, "workloads", "5.2.2")
			for _, o := range res.Evidence {
				if want, ok := c.objects[o.Object.String()]; ok && o.Status != want {
					t.Errorf("object %s: %s, want %s", o.Object, o.Status, want)
				}
			}
			for k, want := range c.reason {
				tg, id, _ := strings.Cut(k, "/")
				if got := find2(r, tg, id); got.Reason != want || got.Exception == nil || !got.Exception.Expired {
					t.Errorf("%s: reason %q exception %+v, want %q", k, got.Reason, got.Exception, want)
				}
			}
			var states []string
			for _, e := range a.Entries {
				states = append(states, e.State)
			}
			if strings.Join(states, ",") != strings.Join(c.states, ",") {
				t.Errorf("states %v, want %v", states, c.states)
			}
			if r.Metadata.Exceptions != a {
				t.Error("the audit is not in the metadata")
			}
			// The summary counts ACCEPTED apart, never as PASS.
			if got := report.Summarize(r.Results()); got != r.Summary || got.Pass != 1 {
				t.Errorf("summary %+v, recount %+v", r.Summary, got)
			}
			// An accepted result never trips the gate; ERROR always does.
			if n, errs := r.Tripping(report.StatusFail); errs != 1 || n < 1 {
				t.Errorf("tripping: %d (%d errors)", n, errs)
			}
		})
	}
}

func TestApplyIsIdempotentAndRestoresRaw(t *testing.T) {
	r := sample()
	s := mustParse(t, "- controls: [\"1.1.12\"]\n  reason: kind\n- controls: [\"5.2.2\"]\n  objects: [\"daemonset/*/*\"]\n  reason: cni\n- controls: [\"4.2.3\"]\n  reason: x\n  expires: 2026-01-01\n")
	Apply(r, s, Options{Now: now})
	first := find2(r, "kind-worker", "4.2.3").Reason
	Apply(r, s, Options{Now: now})
	if got := find2(r, "kind-worker", "4.2.3").Reason; got != first {
		t.Errorf("applying twice changed the reason: %q, %q", first, got)
	}
	Apply(r, &Set{}, Options{Now: now})
	raw := sample()
	for i := range raw.Targets {
		for j := range raw.Targets[i].Results {
			want, got := raw.Targets[i].Results[j], r.Targets[i].Results[j]
			if got.Status != want.Status || got.Reason != want.Reason || got.Exception != nil {
				t.Errorf("%s: not restored: %+v", want.ControlID, got)
			}
			for k := range want.Evidence {
				if got.Evidence[k].Status != want.Evidence[k].Status || got.Evidence[k].Exception != nil {
					t.Errorf("%s evidence %d not restored", want.ControlID, k)
				}
			}
		}
	}
}

func TestOmittedEvidenceIsNeverAcceptedWhole(t *testing.T) {
	r := sample()
	r.Targets[1].Results[0].Omitted = 5
	Apply(r, mustParse(t, "- controls: [\"5.2.2\"]\n  objects: [\"*/*/*\"]\n  reason: all listed\n"), Options{Now: now})
	if got := find2(r, "workloads", "5.2.2"); got.Status != report.StatusFail {
		t.Errorf("a result with omitted objects became %s", got.Status)
	}
}

func TestAuditLines(t *testing.T) {
	r := sample()
	a := Apply(r, mustParse(t, `- controls: ["1.1.12"]
  reason: kind
  expires: 2026-12-10
- controls: ["4.2.3"]
  reason: old
  expires: 2026-01-01
- controls: ["3.3.3"]
  reason: unused
- controls: ["9.9.9", "5.2.2"]
  reason: typo
`), Options{Now: now, Known: []string{"1.1.12", "3.3.3", "4.2.3", "5.2.2"}})
	got := strings.Join(AuditLines(a), "\n")
	testutil.Contains(t, "audit", got,
		"Exceptions: 4 in ex.yaml: 2 applied, 1 unused, 1 expired; accepted 2 finding(s).",
		"Warning: exception ex.yaml:4 (controls 1.1.12) expires on 2026-12-10 (in 7 days): renew or remove it.",
		"Warning: exception ex.yaml:7 (controls 4.2.3) expired on 2026-01-01: it no longer applies",
		"Warning: exception ex.yaml:10 (controls 3.3.3) matched no finding (unused)",
		"Warning: exception ex.yaml:12 (controls 9.9.9,5.2.2) also names controls that no selected benchmark has: 9.9.9.",
	)
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(issueExample))
	f.Add([]byte("apiVersion: kubectl-harden.io/v1\nkind: Exceptions\nexceptions: []\n"))
	f.Add([]byte("exceptions:\n- controls: &a [\"1\"]\n  reason: *a\n"))
	f.Add([]byte("- [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := Parse("f.yaml", data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || len(pe.Problems) == 0 || len(pe.Problems) > maxProblems+1 {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		for _, e := range es {
			if len(e.Controls) == 0 || strings.TrimSpace(e.Reason) == "" || !strings.HasPrefix(e.Source, "f.yaml:") {
				t.Fatalf("accepted an invalid exception %+v", e)
			}
			for _, o := range e.Objects {
				if _, err := (report.ObjectRef{}).Match(o); err != nil {
					t.Fatalf("accepted a bad object pattern %q", o)
				}
			}
			// Matching never panics on what was accepted.
			e.MatchControl("1.1.1")
			e.MatchTarget(report.TargetReport{Kind: report.TargetNode, Name: "n"})
			e.MatchObject(report.ObjectRef{Kind: "pod", Namespace: "a", Name: "b"})
		}
	})
}

// BenchmarkApply1000Nodes applies 100 exceptions to a 1 000-node report of
// 130 controls each (make bench-like scale).
func BenchmarkApply1000Nodes(b *testing.B) {
	var body strings.Builder
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&body, "- controls: [\"%d.%d.*\"]\n  targets: [\"node-%d?\"]\n  reason: r%d\n", 1+i%4, 1+i%3, i%10, i)
	}
	es, err := Parse("b.yaml", []byte("apiVersion: kubectl-harden.io/v1\nkind: Exceptions\nexceptions:\n"+body.String()))
	if err != nil {
		b.Fatal(err)
	}
	s := &Set{Entries: es}
	base := report.NewReport(report.KindNodeScan, report.Metadata{})
	for n := 0; n < 1000; n++ {
		name := fmt.Sprintf("node-%d", n)
		tr := report.TargetReport{Kind: report.TargetNode, Name: name}
		for c := 0; c < 130; c++ {
			st := report.StatusPass
			if c%3 == 0 {
				st = report.StatusFail
			}
			tr.Results = append(tr.Results, report.Result{ControlID: fmt.Sprintf("%d.%d.%d", 1+c%4, 1+c%3, c), Target: name, Status: st})
		}
		base.AddTarget(tr)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Apply(base, s, Options{Now: now})
	}
}

func TestPrintCheck(t *testing.T) {
	es, err := Parse("ex.yaml", []byte(issueExample))
	if err != nil {
		t.Fatal(err)
	}
	s := &Set{Files: []string{"ex.yaml"}, Entries: es}
	for _, tc := range []struct {
		now   string
		known []string
		want  string
	}{
		{"2026-01-01", []string{"1.1.12", "4.2.1"}, "<ex.yaml:4: controls 1.1.12,4.2.*: live until 2027-03-31>\n1 exception(s) in 1 file(s): valid.\n"},
		{"2027-03-25", []string{"1.1.12", "4.2.1"}, "<ex.yaml:4: controls 1.1.12,4.2.*: expiring on 2027-03-31 (6 day(s) left, renew or remove it)>\n"},
		{"2027-04-02", []string{"4.2.1"}, "<ex.yaml:4: controls 1.1.12,4.2.*: expired on 2027-03-31; no such control: 1.1.12>\n"},
	} {
		now, _ := time.Parse(time.DateOnly, tc.now)
		var b strings.Builder
		PrintCheck(&b, s, tc.known, now, func(s string) string { return "<" + s + ">" })
		if !strings.HasPrefix(b.String(), tc.want) {
			t.Errorf("%s: got %q, want %q", tc.now, b.String(), tc.want)
		}
	}
}
