package format

import (
	"encoding/xml"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/internal/golden"
	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/checks"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// The constraints of STIG Viewer's checklist schema that a checklist must
// meet to open: the child elements in order, and the enumerated values
// (mitre/heimdall2 libs/hdf-converters/src/ckl-mapper/jsonixMapping.ts,
// generated from the checklist XSD; the order is that of a checklist
// STIG Viewer 2.14 saved, in mitre/heimdall2
// libs/hdf-converters/sample_jsons/checklist_mapper/sample_input_report/RHEL8V1R3.ckl).
var (
	cklAssetOrder = []string{"ROLE", "ASSET_TYPE", "MARKING", "HOST_NAME", "HOST_IP", "HOST_MAC", "HOST_GUID", "HOST_FQDN",
		"TARGET_COMMENT", "TECH_AREA", "TARGET_KEY", "STIG_GUID", "WEB_OR_DATABASE", "WEB_DB_SITE", "WEB_DB_INSTANCE"}
	cklAssetRequired = []string{"ROLE", "ASSET_TYPE", "HOST_NAME", "HOST_IP", "HOST_MAC", "HOST_FQDN", "TECH_AREA", "TARGET_KEY", "WEB_OR_DATABASE", "WEB_DB_SITE", "WEB_DB_INSTANCE"}
	cklVulnOrder     = []string{"STIG_DATA", "STATUS", "FINDING_DETAILS", "COMMENTS", "SEVERITY_OVERRIDE", "SEVERITY_JUSTIFICATION"}
	cklSIDNames      = []string{"classification", "customname", "description", "filename", "notice", "releaseinfo", "source", "stigid", "title", "uuid", "version"}
	cklAttributes    = []string{"CCI_REF", "Check_Content", "Check_Content_Ref", "Class", "Documentable", "False_Negatives", "False_Positives", "Fix_Text",
		"Group_Title", "IA_Controls", "Mitigation_Control", "Mitigations", "Potential_Impact", "Responsibility", "Rule_ID", "Rule_Title", "Rule_Ver",
		"STIGRef", "Security_Override_Guidance", "Severity", "Third_Party_Tools", "Vuln_Discuss", "Vuln_Num", "Weight", "TargetKey", "STIG_UUID", "LEGACY_ID"}
	cklStatuses = []string{CKLNotAFinding, CKLOpen, CKLNotApplicable, CKLNotReviewed}
)

// node is one element of a parsed document, for checking structure.
type node struct {
	XMLName  xml.Name
	Text     string `xml:",chardata"`
	Children []node `xml:",any"`
}

func (n node) names() []string {
	var out []string
	for _, c := range n.Children {
		out = append(out, c.XMLName.Local)
	}
	return out
}

func (n node) child(name string) node {
	for _, c := range n.Children {
		if c.XMLName.Local == name {
			return c
		}
	}
	return node{}
}

// inOrder reports whether got is a subsequence of order (each name at most
// as often as it repeats in a row; STIG_DATA repeats).
func inOrder(got, order []string) bool {
	i := 0
	for _, g := range got {
		for i < len(order) && order[i] != g {
			i++
		}
		if i == len(order) {
			return false
		}
	}
	return true
}

// checkSchema checks a checklist against the schema's structure and values.
func checkSchema(t *testing.T, doc string) {
	t.Helper()
	if !strings.HasPrefix(doc, xml.Header) {
		t.Errorf("no XML declaration")
	}
	var root node
	if err := xml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if root.XMLName.Local != "CHECKLIST" || !slices.Equal(root.names(), []string{"ASSET", "STIGS"}) {
		t.Fatalf("CHECKLIST holds %v", root.names())
	}
	asset := root.child("ASSET")
	if !inOrder(asset.names(), cklAssetOrder) {
		t.Errorf("ASSET children out of the schema's order: %v", asset.names())
	}
	for _, req := range cklAssetRequired {
		if !slices.Contains(asset.names(), req) {
			t.Errorf("ASSET lacks %s", req)
		}
	}
	if r := asset.child("ROLE").Text; !slices.Contains([]string{"None", "Workstation", "Member Server", "Domain Controller"}, r) {
		t.Errorf("ROLE %q", r)
	}
	if a := asset.child("ASSET_TYPE").Text; a != "Computing" && a != "Non-Computing" {
		t.Errorf("ASSET_TYPE %q", a)
	}
	if w := asset.child("WEB_OR_DATABASE").Text; w != "true" && w != "false" {
		t.Errorf("WEB_OR_DATABASE %q", w)
	}
	stigs := root.child("STIGS")
	if len(stigs.Children) == 0 {
		t.Fatal("no iSTIG")
	}
	for _, istig := range stigs.Children {
		if istig.XMLName.Local != "iSTIG" || istig.names()[0] != "STIG_INFO" {
			t.Fatalf("STIGS holds %s with %v", istig.XMLName.Local, istig.names())
		}
		for _, si := range istig.child("STIG_INFO").Children {
			if name := si.child("SID_NAME").Text; !slices.Contains(cklSIDNames, name) {
				t.Errorf("SID_NAME %q is not in the schema", name)
			}
		}
		for _, v := range istig.Children[1:] {
			if v.XMLName.Local != "VULN" || !inOrder(v.names(), cklVulnOrder) {
				t.Fatalf("%s children out of order: %v", v.XMLName.Local, v.names())
			}
			for _, want := range cklVulnOrder {
				if !slices.Contains(v.names(), want) {
					t.Errorf("VULN lacks %s", want)
				}
			}
			for _, d := range v.Children {
				if d.XMLName.Local == "STIG_DATA" && !slices.Contains(cklAttributes, d.child("VULN_ATTRIBUTE").Text) {
					t.Errorf("VULN_ATTRIBUTE %q is not in the schema", d.child("VULN_ATTRIBUTE").Text)
				}
			}
			if st := v.child("STATUS").Text; !slices.Contains(cklStatuses, st) {
				t.Errorf("STATUS %q", st)
			}
			if so := v.child("SEVERITY_OVERRIDE").Text; so != "" {
				t.Errorf("SEVERITY_OVERRIDE %q: only a reviewer overrides", so)
			}
		}
	}
}

// stigReport evaluates the evidence fixtures against the STIG with the
// real node engine, as `scan --benchmark stig` does.
func stigReport(t *testing.T) *report.Report {
	t.Helper()
	r := report.NewReport(report.KindNodeScan, report.Metadata{Context: "kind-demo", Server: "https://127.0.0.1:6443", ServerVersion: "v1.34.4",
		Benchmark: "stig-v2r4", Generated: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), ToolVersion: "v0.1.0"})
	for _, name := range []string{"kind-control-plane.json", "kind-worker.json"} {
		nodes, err := evidence.Load(filepath.Join("..", "..", "evidence", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		r.AddTarget(checks.EvaluateNode(nodes[0], checks.EvalOptions{Benchmark: "stig-v2r4", Now: r.Metadata.Generated}))
	}
	return r
}

func TestCKLFromAScan(t *testing.T) {
	r := stigReport(t)
	out := render(t, "ckl", r, Writer{})
	checkSchema(t, out)
	var ck CKLChecklist
	if err := xml.Unmarshal([]byte(out), &ck); err != nil {
		t.Fatal(err)
	}
	if ck.Asset.HostName != "kind-demo" || ck.Asset.HostIP != "127.0.0.1" || ck.Asset.TargetKey == "" {
		t.Errorf("asset %+v", ck.Asset)
	}
	// One VULN per STIG rule the report holds, none of our KH- controls.
	rules := map[string][]report.Result{}
	for _, tg := range r.Targets {
		for _, res := range tg.Results {
			if res.Benchmark == "stig-v2r4" {
				rules[res.ControlID] = append(rules[res.ControlID], res)
			}
		}
	}
	vulns := ck.STIGs[0].Vulns
	if len(vulns) != len(rules) || len(vulns) < 50 {
		t.Fatalf("%d VULNs for %d STIG rules", len(vulns), len(rules))
	}
	for _, v := range vulns {
		id := v.Attr("Vuln_Num")
		rs := rules[id]
		if !strings.HasPrefix(id, "V-") || len(rs) == 0 {
			t.Errorf("VULN %q is not a rule of the report", id)
			continue
		}
		has := func(st report.Status) bool {
			return slices.ContainsFunc(rs, func(r report.Result) bool { return r.Status == st })
		}
		switch {
		case has(report.StatusFail) && v.Status != CKLOpen:
			t.Errorf("%s fails on a node but is %s", id, v.Status)
		case v.Status == CKLNotAFinding && (has(report.StatusWarn) || has(report.StatusError) || has(report.StatusInfo) || !has(report.StatusPass)):
			t.Errorf("%s is NotAFinding without a PASS on every target it applies to: %v", id, rs)
		}
		if !strings.HasPrefix(v.Attr("Rule_ID"), "SV-") || !strings.HasSuffix(v.Attr("Rule_ID"), "_rule") {
			t.Errorf("%s: Rule_ID %q", id, v.Attr("Rule_ID"))
		}
		if sev := v.Attr("Severity"); sev != "high" && sev != "medium" && sev != "low" {
			t.Errorf("%s: Severity %q", id, sev)
		}
		for _, tg := range []string{"node/harden-e2e-control-plane", "node/harden-e2e-worker"} {
			if !strings.Contains(v.FindingDetails, tg) {
				t.Errorf("%s: FINDING_DETAILS does not name %s:\n%s", id, tg, v.FindingDetails)
				break
			}
		}
	}
}

func TestCKLStatusOfARule(t *testing.T) {
	for _, tc := range []struct {
		statuses []report.Status
		want     string
	}{
		{[]report.Status{report.StatusPass, report.StatusPass}, CKLNotAFinding},
		{[]report.Status{report.StatusPass, report.StatusNA}, CKLNotAFinding},
		{[]report.Status{report.StatusNA, report.StatusNA}, CKLNotApplicable},
		{[]report.Status{report.StatusPass, report.StatusFail, report.StatusError}, CKLOpen},
		{[]report.Status{report.StatusPass, report.StatusError}, CKLNotReviewed},
		{[]report.Status{report.StatusWarn}, CKLNotReviewed},
		{[]report.Status{report.StatusInfo, report.StatusPass}, CKLNotReviewed},
	} {
		r := report.NewReport(report.KindCluster, report.Metadata{Benchmark: "stig-v2r4"})
		for i, st := range tc.statuses {
			name := fmt.Sprintf("n%d", i)
			r.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: name, Results: []report.Result{
				{ControlID: "V-242387", Benchmark: "stig-v2r4", Severity: "CAT I", RuleID: "SV-242387r960792_rule", Title: "t", Target: name, Status: st, Reason: "r " + string(st)},
			}})
		}
		ck, err := Checklist(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := ck.STIGs[0].Vulns[0].Status; got != tc.want {
			t.Errorf("%v: %s, want %s", tc.statuses, got, tc.want)
		}
	}
}

// A checklist is for a STIG: a report of another benchmark is refused,
// and our own controls are left out of a STIG's checklist.
func TestCKLNeedsTheSTIG(t *testing.T) {
	r := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: report.BenchmarkCIS112})
	if _, err := Checklist(r); err == nil || !strings.Contains(err.Error(), "--benchmark stig") {
		t.Errorf("cis-1.12: %v", err)
	}
	r = report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: "stig-v2r4", Context: "c"})
	r.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: "n", Results: []report.Result{
		{ControlID: "KH-PKI-1", Benchmark: report.BenchmarkHarden, Target: "n", Status: report.StatusFail},
		{ControlID: "V-242387", Benchmark: "stig-v2r4", Severity: "CAT I", Target: "n", Status: report.StatusFail, Remediation: "fix it"},
	}})
	ck, err := Checklist(r)
	if err != nil || len(ck.STIGs[0].Vulns) != 1 || ck.STIGs[0].Vulns[0].Attr("Fix_Text") != "fix it" {
		t.Errorf("%+v %v", ck, err)
	}
}

// The STIG release the checklist names is the one the benchmark data
// follows: a new STIG release in the data needs its facts here too.
func TestCKLReleaseMatchesTheBenchmark(t *testing.T) {
	for id, rel := range stigReleases {
		p, err := benchmarks.Resolve(id)
		if err != nil {
			t.Errorf("no benchmark %s: %v", id, err)
			continue
		}
		release := strings.Fields(strings.TrimPrefix(rel.releaseInfo, "Release: "))[0]
		if want := "V" + rel.version + "R" + release; !strings.Contains(p.Title, want) || !strings.Contains(rel.filename, want) {
			t.Errorf("benchmark %s is %q; the checklist says %s (%s)", id, p.Title, want, rel.filename)
		}
	}
}

func TestCKLGolden(t *testing.T) {
	r := report.NewReport(report.KindCluster, report.Metadata{Context: "prod", Server: "https://api.prod.example:6443", ServerVersion: "v1.34.4",
		Benchmark: "stig-v2r4", Generated: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), ToolVersion: "v0.1.0"})
	kubelet := report.Control{ID: "V-242387", Title: "kubelet read-only port is off", Section: "kubelet", Benchmark: "stig-v2r4", Severity: "CAT I", RuleID: "SV-242387r960792_rule", Automated: true, Remediation: "Set readOnlyPort: 0 in the kubelet config."}
	api := report.Control{ID: "V-242383", Title: "user resources are not in the default namespaces", Section: "api", Benchmark: "stig-v2r4", Severity: "CAT I", RuleID: "SV-242383r960801_rule", Remediation: "Move user workloads out of default, kube-system and kube-public."}
	for _, n := range []struct {
		name string
		st   report.Status
	}{{"cp", report.StatusPass}, {"w1", report.StatusFail}, {"w2", report.StatusFail}} {
		o := report.Outcome{Status: n.st, Reason: "readOnlyPort is 0", Evidence: []report.Observation{{Location: "/var/lib/kubelet/config.yaml readOnlyPort", Value: "0"}}}
		if n.st == report.StatusFail {
			o = report.Outcome{Status: n.st, Reason: "readOnlyPort is 10255", Evidence: []report.Observation{{Location: "/var/lib/kubelet/config.yaml readOnlyPort", Value: "10255 <&>"}}}
		}
		r.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: n.name, Results: []report.Result{report.NewResult(kubelet, n.name, o)}})
	}
	r.AddTarget(report.TargetReport{Kind: report.TargetWorkloads, Name: "workloads", Results: []report.Result{report.NewResult(api, "workloads", report.Outcome{
		Status: report.StatusWarn, Reason: "manual review: user workloads in default",
		Evidence: []report.Observation{{Location: "deployment/default/web", Value: "in namespace default", Object: report.ObjectRef{Kind: "deployment", Namespace: "default", Name: "web"}, Status: report.StatusWarn}},
	})}})
	out := render(t, "ckl", r, Writer{})
	checkSchema(t, out)
	golden.Assert(t, filepath.Join("testdata", "report-stig.ckl.golden"), []byte(out))
}
