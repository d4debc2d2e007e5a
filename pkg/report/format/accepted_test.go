package format

import (
	"encoding/json"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/internal/golden"
	"github.com/kubectl-harden/kubectl-harden/internal/reportsample"
	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/exceptions"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// acceptedExceptions accept cp-1's 1.2.15 for good, worker-1's 4.2.1
// with an exception that has expired, and one of the two privileged
// daemonsets of 5.2.2 (a partially accepted result).
const acceptedExceptions = `apiVersion: kubectl-harden.io/v1
kind: Exceptions
exceptions:
- controls: ["1.2.15"]
  targets: ["cp-*"]
  reason: "profiling is scraped by the SRE team; tracked in OPS-7"
  owner: sre
  expires: 2027-03-31
- controls: ["4.2.1"]
  targets: ["worker-1"]
  reason: "legacy kubelet"
  expires: 2026-01-31
- controls: ["5.2.2"]
  objects: ["daemonset/kube-system/kindnet"]
  reason: "the CNI must run privileged"
  owner: platform-team
`

// acceptedReport is the printers' sample report with acceptedExceptions
// applied by pkg/exceptions, as the commands do.
func acceptedReport(t *testing.T) *report.Report {
	t.Helper()
	r := reportsample.Report()
	ctl := report.Control{ID: "5.2.2", Title: "Privileged containers are not admitted", Section: "5.2", Benchmark: report.BenchmarkCIS112, Level: 1, Role: report.RoleCluster, Automated: true, Remediation: "Run without privileged: true."}
	obj := func(name string) report.Observation {
		o := report.ObjectRef{Kind: "daemonset", Namespace: "kube-system", Name: name}
		return report.Observation{Location: o.String(), Value: "container privileged", Object: o, Status: report.StatusFail}
	}
	r.AddTarget(report.TargetReport{Kind: report.TargetWorkloads, Name: "workloads", Results: []report.Result{
		report.NewResult(ctl, "workloads", report.Outcome{Status: report.StatusFail, Reason: "2 workloads run privileged containers", Evidence: []report.Observation{obj("kindnet"), obj("kube-proxy")}}),
	}})
	es, err := exceptions.Parse("exceptions.yaml", []byte(acceptedExceptions))
	if err != nil {
		t.Fatal(err)
	}
	exceptions.Apply(r, &exceptions.Set{Files: []string{"exceptions.yaml"}, Entries: es}, exceptions.Options{Now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)})
	return r
}

func TestPrintAcceptedGolden(t *testing.T) {
	for _, tc := range []struct{ name, format, ext string }{
		{"table", "", "txt"},
		{"wide", "wide", "txt"},
		{"json", "json", "json"},
		{"junit", "junit", "xml"},
		{"sarif", "sarif", "sarif.json"},
		{"html", "html", "html"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := render(t, tc.format, acceptedReport(t), Writer{})
			golden.Assert(t, filepath.Join("testdata", "accepted-"+tc.name+"."+tc.ext+".golden"), []byte(out))
		})
	}
}

func TestAcceptedInEveryFormat(t *testing.T) {
	r := acceptedReport(t)
	if r.Summary.Accepted != 1 || r.Summary.Pass != 2 || r.Summary.Fail != 2 {
		t.Fatalf("summary %+v", r.Summary)
	}

	t.Run("json reads back", func(t *testing.T) {
		back, err := report.Decode(strings.NewReader(render(t, "json", r, Writer{})))
		if err != nil {
			t.Fatal(err)
		}
		if back.Summary != r.Summary || back.Metadata.Exceptions == nil || len(back.Metadata.Exceptions.Entries) != 3 {
			t.Errorf("summary %+v, audit %+v", back.Summary, back.Metadata.Exceptions)
		}
	})

	t.Run("junit skips the accepted result with its reason", func(t *testing.T) {
		var s JUnitSuites
		if err := xml.Unmarshal([]byte(render(t, "junit", r, Writer{})), &s); err != nil {
			t.Fatal(err)
		}
		c := s.Suites[0].Cases[1]
		if c.Failure != nil || c.Skipped == nil || !strings.Contains(c.Skipped.Message, "accepted FAIL: profiling is scraped by the SRE team") {
			t.Errorf("1.2.15 case %+v", c)
		}
		// worker-1's 4.2.1 (its exception expired) and 5.2.2 (partly accepted) still fail.
		if s.Failures != 2 || s.Skipped != 2 {
			t.Errorf("%d failures, %d skipped", s.Failures, s.Skipped)
		}
	})

	t.Run("sarif suppressions", func(t *testing.T) {
		var log SARIFLog
		if err := json.Unmarshal([]byte(render(t, "sarif", r, Writer{})), &log); err != nil {
			t.Fatal(err)
		}
		var suppressed int
		for _, res := range log.Runs[0].Results {
			if len(res.Suppressions) == 0 {
				continue
			}
			suppressed++
			s := res.Suppressions[0]
			if res.RuleID != "1.2.15" || res.Kind != "fail" || res.Level != "error" || s.Kind != "external" || s.Status != "accepted" || !strings.HasPrefix(s.Justification, "profiling is scraped") {
				t.Errorf("suppressed result %+v", res)
			}
		}
		if suppressed != 1 {
			t.Errorf("%d suppressed results", suppressed)
		}
	})

	t.Run("asff suppressed with a note", func(t *testing.T) {
		fs := ASFFFindings(r, asffOpts)
		var seen int
		for _, f := range fs {
			validateASFF(t, f)
			if f.ProductFields["kubectl-harden/ControlId"] != "1.2.15" {
				if f.Workflow != nil {
					t.Errorf("%s is suppressed", f.Title)
				}
				continue
			}
			seen++
			if f.Workflow == nil || f.Workflow.Status != "SUPPRESSED" || f.Note == nil || !strings.Contains(f.Note.Text, "OPS-7") || f.Note.UpdatedBy != "sre" ||
				f.Compliance.Status != "FAILED" || f.ProductFields["kubectl-harden/Status"] != "ACCEPTED" || f.ProductFields["kubectl-harden/AcceptedStatus"] != "FAIL" {
				t.Errorf("accepted finding %+v", f)
			}
		}
		if seen != 1 {
			t.Errorf("the accepted finding is sent %d times", seen)
		}
	})

	t.Run("ckl keeps the finding open and says it is accepted", func(t *testing.T) {
		s := report.NewReport(report.KindCluster, report.Metadata{Benchmark: "stig-v2r4", Generated: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)})
		kubelet := report.Control{ID: "V-242387", Title: "kubelet read-only port is off", Section: "kubelet", Benchmark: "stig-v2r4", Severity: "CAT I", RuleID: "SV-242387r960792_rule", Automated: true}
		s.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: "w1", Results: []report.Result{report.NewResult(kubelet, "w1", report.Outcome{Status: report.StatusFail, Reason: "readOnlyPort is 10255"})}})
		es, err := exceptions.Parse("ex.yaml", []byte("apiVersion: kubectl-harden.io/v1\nkind: Exceptions\nexceptions:\n- controls: [\"V-242387\"]\n  reason: metrics agent\n"))
		if err != nil {
			t.Fatal(err)
		}
		exceptions.Apply(s, &exceptions.Set{Entries: es}, exceptions.Options{})
		var ck CKLChecklist
		out := render(t, "ckl", s, Writer{})
		checkSchema(t, out)
		if err := xml.Unmarshal([]byte(out), &ck); err != nil {
			t.Fatal(err)
		}
		v := ck.STIGs[0].Vulns[0]
		if v.Status != CKLOpen || !strings.Contains(v.Comments, "ACCEPTED") || !strings.Contains(v.Comments, "node/w1: accepted FAIL: metrics agent (ex.yaml:4)") {
			t.Errorf("status %s, comments %q", v.Status, v.Comments)
		}
	})

	t.Run("diff: accepted is not fixed", func(t *testing.T) {
		d := report.Compare(reportsampleWithWorkloads(t), r)
		if len(d.FixedFindings) != 0 || len(d.AcceptedFindings) != 2 {
			t.Fatalf("fixed %+v, accepted %+v", d.FixedFindings, d.AcceptedFindings)
		}
		md := render(t, "markdown", d, Writer{})
		testutil.Contains(t, "markdown", md, "| accepted findings (an exception covers them) | 2 |", "#### Accepted findings", "daemonset/kube-system/kindnet")
		if table := render(t, "", d, Writer{}); !strings.Contains(table, "accepted") {
			t.Errorf("table:\n%s", table)
		}
	})
}

// reportsampleWithWorkloads is acceptedReport's input: the raw verdicts.
func reportsampleWithWorkloads(t *testing.T) *report.Report {
	r := acceptedReport(t)
	exceptions.Apply(r, &exceptions.Set{}, exceptions.Options{})
	r.Metadata.Exceptions = nil
	return r
}
