package plugin

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

func TestHTMLGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := PrintReport(sampleReport(), PrintOptions{Format: "html"}, &buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "report-html.html.golden", buf.Bytes())
	s := buf.String()
	for _, want := range []string{
		"kind-demo", "https://127.0.0.1:6443", "v1.34.4", "cis-1.12", "server v1.34 maps to cis-1.12",
		"2026-11-22 10:00:00 UTC", "v0.1.0", "Section 1.2", "Section KH-PKI", "Set --profiling=false",
		`data-status="NA"`, "@media print", "<svg",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
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
	}
	r := report.NewReport(report.KindNodeScan, report.Metadata{Context: hostile[0], Server: hostile[2], Benchmark: report.BenchmarkCIS112, BenchmarkReason: hostile[3]})
	var results []report.Result
	for i, h := range hostile {
		results = append(results, report.Result{
			ControlID: "1.2." + string(rune('1'+i)), Section: h, Title: h, Target: h, Status: report.StatusFail, Reason: h, Remediation: h,
			Evidence: []report.Observation{{Location: h, Value: h, Path: h}},
		})
	}
	r.AddTarget(report.TargetReport{Name: hostile[1], Error: hostile[4], Results: results})
	var buf bytes.Buffer
	if err := PrintReport(r, PrintOptions{Format: "html"}, &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
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
			case "svg":
				for _, a := range n.Attr {
					if a.Key == "onload" {
						t.Error("a hostile <svg onload> survived")
					}
				}
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
	// The text is still there, escaped, for the reader.
	if !strings.Contains(buf.String(), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the hostile text is not shown escaped")
	}
}
