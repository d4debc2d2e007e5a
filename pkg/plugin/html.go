package plugin

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	// html/template without method calls (see goTemplatePrinter): the
	// standard one keeps every exported method in the binary.
	template "github.com/DataDog/datadog-agent/pkg/template/html"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

//go:embed templates/report.html.tmpl
var reportHTML string

// htmlTemplate is the self-contained page of -o html. html/template escapes
// every value for its context: evidence comes from nodes and is untrusted.
var htmlTemplate = template.Must(template.New("report").Parse(reportHTML))

type htmlView struct {
	Kind      string
	Cluster   string
	Meta      report.Metadata
	Platform  string
	Generated string
	Targets   []htmlTarget
	Total     htmlTarget
	Statuses  []htmlStatus
	Sections  []htmlSection
}

type htmlTarget struct {
	Name    string
	Error   string
	Summary report.Summary
	Score   string
	Bars    []htmlBar
}

type htmlBar struct {
	X, W         int
	Class, Label string
}

type htmlStatus struct {
	Name, Value string
	Count       int
	Checked     bool
}

type htmlSection struct {
	ID   string
	Rows []htmlRow
}

type htmlRow struct {
	Target, ControlID, Status, StatusClass, Title, Reason, Remediation string
	Evidence                                                           []string
}

// statusClass is a status as a CSS class and data-status value ("N/A" is
// not a valid class name).
func statusClass(st report.Status) string {
	if st == report.StatusNA {
		return "NA"
	}
	return string(st)
}

// score is PASS out of the results that decide something (PASS, FAIL,
// WARN, ERROR), as a percentage; "-" when there are none.
func score(s report.Summary) string {
	n := s.Pass + s.Fail + s.Warn + s.Error
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%d%%", (s.Pass*100+n/2)/n)
}

// bars is a stacked bar of the statuses, 240 pixels wide.
func bars(s report.Summary) []htmlBar {
	if s.Total == 0 {
		return nil
	}
	var out []htmlBar
	x := 0
	for _, st := range report.AllStatuses {
		c := s.Count(st)
		if c == 0 {
			continue
		}
		w := c * 240 / s.Total
		if w == 0 {
			w = 1
		}
		out = append(out, htmlBar{X: x, W: w, Class: strings.ToLower(statusClass(st)), Label: fmt.Sprintf("%s: %d", st, c)})
		x += w
	}
	if len(out) > 0 && x < 240 {
		out[len(out)-1].W += 240 - x
	}
	return out
}

// platformOf reads metadata.platform when the report has one (the field is
// optional and newer than this printer).
func platformOf(md report.Metadata) string {
	b, err := json.Marshal(md)
	if err != nil {
		return ""
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return ""
	}
	switch p := m["platform"].(type) {
	case string:
		return p
	case map[string]any:
		if n, ok := p["name"].(string); ok {
			return n
		}
	}
	return ""
}

func buildHTMLView(r *report.Report) htmlView {
	v := htmlView{
		Kind: r.Kind, Cluster: r.Metadata.Context, Meta: r.Metadata, Platform: platformOf(r.Metadata),
		Total: htmlTarget{Name: "(all)", Summary: r.Summary, Score: score(r.Summary)},
	}
	if !r.Metadata.Generated.IsZero() {
		v.Generated = r.Metadata.Generated.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	for _, t := range r.Targets {
		v.Targets = append(v.Targets, htmlTarget{Name: t.Name, Error: t.Error, Summary: t.Summary, Score: score(t.Summary), Bars: bars(t.Summary)})
	}
	for _, st := range report.AllStatuses {
		v.Statuses = append(v.Statuses, htmlStatus{Name: string(st), Value: statusClass(st), Count: r.Summary.Count(st), Checked: st != report.StatusNA})
	}
	bySection := map[string]*htmlSection{}
	var ids []string
	for _, res := range r.Results() {
		sec := res.Section
		if sec == "" {
			sec = "-"
		}
		s, ok := bySection[sec]
		if !ok {
			s = &htmlSection{ID: sec}
			bySection[sec] = s
			ids = append(ids, sec)
		}
		row := htmlRow{
			Target: res.Target, ControlID: res.ControlID, Status: string(res.Status), StatusClass: statusClass(res.Status),
			Title: res.Title, Reason: res.Reason, Remediation: res.Remediation,
		}
		for _, o := range res.Evidence {
			row.Evidence = append(row.Evidence, o.String())
		}
		s.Rows = append(s.Rows, row)
	}
	sort.SliceStable(ids, func(i, j int) bool { return report.CompareIDs(ids[i], ids[j]) < 0 })
	for _, id := range ids {
		s := bySection[id]
		sort.SliceStable(s.Rows, func(i, j int) bool { return report.CompareIDs(s.Rows[i].ControlID, s.Rows[j].ControlID) < 0 })
		v.Sections = append(v.Sections, *s)
	}
	return v
}

// printHTML writes the report as one self-contained HTML page: no external
// resource (a Content-Security-Policy forbids any fetch), an inline SVG
// chart, inline filters and a print stylesheet.
func printHTML(r *report.Report, out io.Writer) error {
	return htmlTemplate.Execute(out, buildHTMLView(r))
}
