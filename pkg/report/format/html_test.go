package format

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/kubectl-harden/kubectl-harden/internal/reportsample"
	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

func TestHTMLPage(t *testing.T) {
	s := render(t, "html", reportsample.Report(), Writer{})
	testutil.Contains(t, "the page", s,
		"kind-demo", "https://127.0.0.1:6443", "v1.34.4", "cis-1.12", "server v1.34 maps to cis-1.12",
		"2026-11-22 10:00:00 UTC", "v0.1.0", "1.2 API Server", "Certificates and keys (KH-PKI)", "Set --profiling=false",
		`data-status="NA"`, "@media print", "<svg", `data-target="node/cp-1"`, "1 FAIL, 1 WARN",
	)
	if n := strings.Count(s, `<tr class="result" data-status="FAIL"`); n != 2 {
		t.Errorf("%d FAIL rows, want 2", n)
	}
	// Self-contained: nothing is loaded from anywhere.
	for _, bad := range []string{"http://", "<link", "src=", "@import", "url("} {
		if strings.Contains(strings.ReplaceAll(s, "https://127.0.0.1:6443", ""), bad) {
			t.Errorf("the page references %q", bad)
		}
	}
}

// A section lists its findings first (FAIL, WARN, ERROR before PASS), is
// named, and folds long evidence lists.
func TestHTMLFindingsFirstNamedFolded(t *testing.T) {
	r := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: report.BenchmarkCIS112})
	mk := func(id string, st report.Status, n int) report.Result {
		res := report.Result{ControlID: id, Title: "t" + id, Section: "1.2", SectionTitle: "API Server", Benchmark: report.BenchmarkCIS112, Target: "cp", Status: st}
		for i := range n {
			res.Evidence = append(res.Evidence, report.Observation{Location: "line", Value: strings.Repeat("v", i+1)})
		}
		return res
	}
	r.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: "cp", Results: []report.Result{
		mk("1.2.1", report.StatusPass, 1), mk("1.2.2", report.StatusNA, 0), mk("1.2.3", report.StatusError, 0),
		mk("1.2.4", report.StatusWarn, 5), mk("1.2.5", report.StatusFail, 9), mk("1.2.6", report.StatusPass, 0), mk("1.2.7", report.StatusFail, 1),
	}})
	v := buildHTMLView(r)
	if len(v.Sections) != 1 || v.Sections[0].Heading != "1.2 API Server" || v.Sections[0].Counts != "2 FAIL, 1 WARN, 1 ERROR, 2 PASS, 1 N/A" {
		t.Fatalf("sections %+v", v.Sections)
	}
	var order []string
	for _, row := range v.Sections[0].Rows {
		order = append(order, row.ControlID)
	}
	if got := strings.Join(order, " "); got != "1.2.5 1.2.7 1.2.4 1.2.3 1.2.1 1.2.6 1.2.2" {
		t.Errorf("row order %s, want findings first", got)
	}
	fail := v.Sections[0].Rows[0]
	if len(fail.Evidence) != htmlFold || len(fail.More) != 9-htmlFold {
		t.Errorf("9 lines: %d shown, %d folded", len(fail.Evidence), len(fail.More))
	}
	if warn := v.Sections[0].Rows[2]; len(warn.Evidence) != 5 || warn.More != nil {
		t.Errorf("5 lines are shown whole (folding one line helps no one): %d shown, %d folded", len(warn.Evidence), len(warn.More))
	}
	page := render(t, "html", r, Writer{})
	if !strings.Contains(page, `<details class="more"><summary>5 more</summary>`) {
		t.Error("the folded lines are not behind a summary")
	}
	for _, tc := range []struct{ id, title, want string }{
		{"1.2", "API Server", "1.2 API Server"}, {"9.9", "", "Section 9.9"}, {"KH-PKI", "Certificates and keys", "Certificates and keys (KH-PKI)"}, {"kubelet", "", "kubelet"},
	} {
		if got := heading(tc.id, tc.title); got != tc.want {
			t.Errorf("heading(%q, %q) = %q, want %q", tc.id, tc.title, got, tc.want)
		}
	}
	// A title from the benchmark data wins over the table.
	res := mk("1.2.1", report.StatusPass, 0)
	res.SectionTitle = "API Server (from the data)"
	if got := sectionTitle(res); got != "API Server (from the data)" {
		t.Errorf("sectionTitle %q", got)
	}
}

// TestHTMLHostileEvidenceIsInert puts markup in every field that comes from
// a node or the API and checks that the page has no element, attribute or
// URL that came from it.
func TestHTMLHostileEvidenceIsInert(t *testing.T) {
	hostile := []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(2)>`,
		`javascript:alert(3)`,
		`</style><script>alert(4)</script>`,
		`'><svg onload=alert(5)>`,
		`</textarea></pre><iframe src=//evil>`,
		`</summary></details><script>alert(7)</script>`,
	}
	r := report.NewReport(report.KindNodeScan, report.Metadata{Context: hostile[0], Server: hostile[2], Benchmark: report.BenchmarkCIS112, BenchmarkReason: hostile[3]})
	var results []report.Result
	for i, h := range hostile {
		res := report.Result{
			ControlID: "1.2." + string(rune('1'+i)), Section: h, SectionTitle: h, Title: h, Target: h, Status: report.StatusFail, Reason: h, Remediation: h,
		}
		for range htmlFold + 2 {
			res.Evidence = append(res.Evidence, report.Observation{Location: h, Value: h, Path: h})
		}
		results = append(results, res)
	}
	r.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: hostile[1], Error: hostile[4], Results: results})
	out := render(t, "html", r, Writer{})
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	scripts := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script":
				scripts++
				if n.FirstChild != nil && strings.Contains(n.FirstChild.Data, "alert(") {
					t.Errorf("a hostile script survived: %q", n.FirstChild.Data)
				}
			case "img", "iframe":
				t.Errorf("a hostile <%s> element survived", n.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("event handler attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
				}
				if (a.Key == "href" || a.Key == "src") && strings.Contains(strings.ToLower(a.Val), "javascript:") {
					t.Errorf("javascript: URL in %s", a.Key)
				}
			}
		}
		if n.Type == html.ElementNode && n.Data == "style" && n.FirstChild != nil && strings.Contains(n.FirstChild.Data, "alert") {
			t.Error("hostile text inside <style>")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if scripts != 1 {
		t.Errorf("%d <script> elements, want only ours", scripts)
	}
	if !bytes.Contains([]byte(out), []byte("&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("the hostile text is not shown escaped")
	}
}
