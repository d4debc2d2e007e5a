package plugin

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	goldenfile "github.com/kubectl-harden/kubectl-harden/internal/golden"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// golden compares got with testdata/name (-update rewrites it and prints
// the diff).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Assert(t, filepath.Join("testdata", name), got)
}

// sampleReport is a small node report with every status, evidence from
// files and flags, and one node that could not be scanned.
func sampleReport() *report.Report {
	r := report.NewReport(report.KindNodeScan, report.Metadata{
		Context: "kind-demo", Server: "https://127.0.0.1:6443", ServerVersion: "v1.34.4",
		Benchmark: report.BenchmarkCIS112, BenchmarkReason: "server v1.34 maps to cis-1.12",
		Generated: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), ToolVersion: "v0.1.0", Source: "cluster",
	})
	manifest := report.Control{ID: "1.1.1", Title: "API server pod manifest is mode 600 or stricter", Section: "1.1", Benchmark: report.BenchmarkCIS112, Level: 1, Role: report.RoleControlPlane, Automated: true, Remediation: "chmod 600 /etc/kubernetes/manifests/kube-apiserver.yaml"}
	profiling := report.Control{ID: "1.2.15", Title: "API server profiling is disabled", Section: "1.2", Benchmark: report.BenchmarkCIS112, Level: 1, Role: report.RoleControlPlane, Automated: true, Remediation: "Set --profiling=false in the kube-apiserver manifest."}
	timeout := report.Control{ID: "1.2.20", Title: "API server request timeout is appropriate", Section: "1.2", Benchmark: report.BenchmarkCIS112, Level: 1, Role: report.RoleControlPlane, Remediation: "Review --request-timeout."}
	anon := report.Control{ID: "4.2.1", Title: "Kubelet anonymous authentication is disabled", Section: "4.2", Benchmark: report.BenchmarkCIS112, Level: 1, Role: report.RoleWorker, Automated: true, Remediation: "Set authentication.anonymous.enabled: false in the kubelet config."}
	expiry := report.Control{ID: "KH-PKI-1", Title: "Certificates are not close to expiry", Section: "KH-PKI", Benchmark: report.BenchmarkHarden, Level: 1, Role: report.RoleControlPlane, Automated: true}
	r.AddTarget(report.TargetReport{
		Name: "cp-1", Roles: []report.Role{report.RoleControlPlane, report.RoleEtcd, report.RoleWorker},
		Notes: []string{"kubelet config: /var/lib/kubelet/config.yaml (from --config)"},
		Results: []report.Result{
			report.NewResult(manifest, "cp-1", report.Outcome{Status: report.StatusPass, Reason: "mode 0600 is within 0600", Evidence: []report.Observation{{Location: "/etc/kubernetes/manifests/kube-apiserver.yaml", Value: "0600 root:root (0:0)", Path: "/etc/kubernetes/manifests/kube-apiserver.yaml"}}}),
			report.NewResult(profiling, "cp-1", report.Outcome{Status: report.StatusFail, Reason: "--profiling is not set; the default is true", Evidence: []report.Observation{{Location: "kube-apiserver --profiling", Value: "<unset>"}}}),
			report.NewResult(timeout, "cp-1", report.Outcome{Status: report.StatusWarn, Reason: "review: --request-timeout uses the default 1m0s", Evidence: []report.Observation{{Location: "kube-apiserver --request-timeout", Value: "<unset> (default 1m0s)"}}}),
			report.NewResult(anon, "cp-1", report.Outcome{Status: report.StatusPass, Reason: "anonymous authentication is disabled", Evidence: []report.Observation{{Location: "/var/lib/kubelet/config.yaml authentication.anonymous.enabled", Value: "false", Path: "/var/lib/kubelet/config.yaml"}}}),
			report.NewResult(expiry, "cp-1", report.Outcome{Status: report.StatusInfo, Reason: "the nearest expiry is in 364 days"}),
		},
	})
	r.AddTarget(report.TargetReport{
		Name: "worker-1", Roles: []report.Role{report.RoleWorker},
		Results: []report.Result{
			report.NewResult(manifest, "worker-1", report.Outcome{Status: report.StatusNA, Reason: "kube-apiserver is not running on this node"}),
			report.NewResult(anon, "worker-1", report.Outcome{Status: report.StatusFail, Reason: "anonymous authentication is enabled by --anonymous-auth=true", Evidence: []report.Observation{{Location: "kubelet --anonymous-auth", Value: "true"}}}),
		},
	})
	r.AddTarget(report.TargetReport{
		Name: "worker-2", Error: "node/worker-2: debug pod did not start: image \"busybox\" could not be pulled",
		Results: []report.Result{
			report.NewResult(anon, "worker-2", report.Outcome{Status: report.StatusError, Reason: "node/worker-2: debug pod did not start: image \"busybox\" could not be pulled"}),
		},
	})
	return r
}

func TestPrintReportGolden(t *testing.T) {
	cases := []struct {
		name      string
		format    string
		noHeaders bool
		hideNA    bool
	}{
		{"table", "", false, false},
		{"table-hide-na", "", false, true},
		{"wide", "wide", false, false},
		{"no-headers", "", true, false},
		{"json", "json", false, true},
		{"yaml", "yaml", false, false},
		{"junit", "junit", false, false},
		{"sarif", "sarif", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := PrintReport(sampleReport(), PrintOptions{Format: tc.format, NoHeaders: tc.noHeaders, HideNA: tc.hideNA}, &buf); err != nil {
				t.Fatal(err)
			}
			ext := map[string]string{"json": "json", "yaml": "yaml", "junit": "xml", "sarif": "sarif.json"}[tc.format]
			if ext == "" {
				ext = "txt"
			}
			golden(t, "report-"+tc.name+"."+ext+".golden", buf.Bytes())
		})
	}
}

func TestPrintReportJSONRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	want := sampleReport()
	if err := PrintReport(want, PrintOptions{Format: "json"}, &buf); err != nil {
		t.Fatal(err)
	}
	var got report.Report
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("output is not one valid report document: %v", err)
	}
	if dec.More() {
		t.Fatal("output holds more than one JSON document")
	}
	if diff := cmp.Diff(want, &got); diff != "" {
		t.Errorf("round trip differs (-want +got):\n%s", diff)
	}
}

func TestJUnitCounts(t *testing.T) {
	var buf bytes.Buffer
	if err := PrintReport(sampleReport(), PrintOptions{Format: "junit"}, &buf); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("invalid XML: %v", err)
	}
	if doc.Tests != 8 || doc.Failures != 2 || doc.Errors != 1 || doc.Skipped != 1 {
		t.Errorf("tests=%d failures=%d errors=%d skipped=%d, want 8/2/1/1", doc.Tests, doc.Failures, doc.Errors, doc.Skipped)
	}
}

func TestSARIFKindsAndLevels(t *testing.T) {
	var buf bytes.Buffer
	if err := PrintReport(sampleReport(), PrintOptions{Format: "sarif"}, &buf); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("version %q runs %d", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	for _, res := range run.Results {
		if res.Kind != "fail" && res.Level != "none" {
			t.Errorf("%s: kind %q with level %q: SARIF allows a level only for kind fail", res.RuleID, res.Kind, res.Level)
		}
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("%s: ruleIndex %d points at %s", res.RuleID, res.RuleIndex, run.Tool.Driver.Rules[res.RuleIndex].ID)
		}
		if len(res.Locations) == 0 {
			t.Errorf("%s: no location", res.RuleID)
		}
	}
	if !strings.Contains(buf.String(), `"uri": "file:///etc/kubernetes/manifests/kube-apiserver.yaml"`) {
		t.Error("file evidence has no physical location")
	}
}

func TestTableEscapesControlCharacters(t *testing.T) {
	r := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: report.BenchmarkCIS112})
	c := report.Control{ID: "1.2.1", Title: "t", Level: 1}
	r.AddTarget(report.TargetReport{Name: "n", Results: []report.Result{
		report.NewResult(c, "n", report.Outcome{Status: report.StatusFail, Reason: "evil \x1b[31mred\x1b[0m", Evidence: []report.Observation{{Location: "kube-apiserver --x", Value: "\x1b]0;title\x07"}}}),
	}})
	var buf bytes.Buffer
	if err := PrintReport(r, PrintOptions{Format: "wide"}, &buf); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(buf.String(), '\x1b') || strings.ContainsRune(buf.String(), '\x07') {
		t.Errorf("terminal control characters reached the table:\n%q", buf.String())
	}
}

// A STIG rule has a category instead of a level: the table shows it.
func TestResultTableShowsSTIGCategory(t *testing.T) {
	r := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: "stig"})
	r.AddTarget(report.TargetReport{Name: "n1", Results: []report.Result{
		{ControlID: "V-242387", Title: "kubelet read-only port is off", Benchmark: "stig", Severity: "CAT I", Target: "n1", Status: report.StatusFail, Reason: "r"},
		{ControlID: "4.2.4", Title: "read-only port", Benchmark: report.BenchmarkCIS112, Level: 1, Target: "n1", Status: report.StatusPass, Reason: "r"},
	}})
	var out, errOut bytes.Buffer
	if _, err := printResultTable(r, false, false, false, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if len(lines) < 3 || !strings.Contains(lines[1], "CAT I ") || !strings.Contains(lines[2], " 1 ") {
		t.Errorf("table:\n%s", out.String())
	}
}
