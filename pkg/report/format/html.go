package format

import (
	_ "embed"
	"fmt"
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

// htmlFold is how many evidence lines a result shows before folding the
// rest behind "N more".
const htmlFold = 4

// htmlFormat is one self-contained HTML page: findings first in every
// section, long text wrapped, long lists folded, filters that need no
// network. The result tables have fixed column widths and wrap anywhere:
// a long unbreakable value (1.2.29's cipher list) wraps in its own cell
// instead of widening the table and squeezing the other columns.
type htmlFormat struct{ about }

func newHTML() Format {
	return htmlFormat{about{"html", "one self-contained HTML page with filters", Report}}
}

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
	ID, Title string
	// Heading is what the reader sees: "1.2 API Server",
	// "Certificates and keys (KH-PKI)", or "Section 9.9" when unnamed.
	Heading string
	// Counts says what the section holds, findings first: "2 FAIL, 1 WARN, 20 PASS".
	Counts string
	Rows   []htmlRow
}

type htmlRow struct {
	Target, ControlID, Status, StatusClass, Title, Reason, Remediation string
	// Accepted says which exception accepted the result (or expired).
	Accepted string
	// Evidence is shown; More is folded behind "N more".
	Evidence, More []string
}

// statusClass is a status as a CSS class and data-status value ("N/A" is
// not a valid class name).
func statusClass(st report.Status) string {
	if st == report.StatusNA {
		return "NA"
	}
	return string(st)
}

// statusRank orders statuses findings first: FAIL, WARN, ERROR, then
// PASS, INFO, N/A (report.AllStatuses order).
func statusRank(st report.Status) int {
	for i, s := range report.AllStatuses {
		if s == st {
			return i
		}
	}
	return len(report.AllStatuses)
}

// score is PASS out of the results that decide something (PASS, FAIL,
// WARN, ERROR, and ACCEPTED: an accepted risk is not a pass), as a
// percentage; "-" when there are none.
func score(s report.Summary) string {
	n := s.Pass + s.Fail + s.Warn + s.Error + s.Accepted
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

func heading(id, title string) string {
	numbered := id != "" && id[0] >= '0' && id[0] <= '9'
	switch {
	case title == "" && numbered:
		return "Section " + id
	case title == "":
		return id
	case numbered:
		return id + " " + title
	}
	return title + " (" + id + ")"
}

func counts(s report.Summary) string {
	var parts []string
	for _, st := range report.AllStatuses {
		if n := s.Count(st); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	return strings.Join(parts, ", ")
}

func buildHTMLView(r *report.Report) htmlView {
	v := htmlView{
		Kind: r.Kind, Cluster: r.Metadata.Context, Meta: r.Metadata,
		Total: htmlTarget{Name: "(all)", Summary: r.Summary, Score: score(r.Summary)},
	}
	if p := r.Metadata.Platform; p != nil {
		v.Platform = firstNonEmpty(p.Provider, p.Name)
		if d := p.Distribution; d != nil {
			// The distribution whose layout and benchmark the scan used.
			v.Platform = strings.TrimSpace(d.Name + " " + v.Platform)
		}
	}
	if !r.Metadata.Generated.IsZero() {
		v.Generated = r.Metadata.Generated.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	for _, t := range r.Targets {
		v.Targets = append(v.Targets, htmlTarget{Name: t.Ref(), Error: t.Error, Summary: t.Summary, Score: score(t.Summary), Bars: bars(t.Summary)})
	}
	for _, st := range report.AllStatuses {
		v.Statuses = append(v.Statuses, htmlStatus{Name: string(st), Value: statusClass(st), Count: r.Summary.Count(st), Checked: st != report.StatusNA})
	}
	type section struct {
		htmlSection
		ranks   []int
		summary report.Summary
	}
	bySection := map[string]*section{}
	var ids []string
	for _, t := range r.Targets {
		for _, res := range t.Results {
			sec := res.Section
			if sec == "" {
				sec = "-"
			}
			s, ok := bySection[sec]
			if !ok {
				s = &section{htmlSection: htmlSection{ID: sec, Title: sectionTitle(res)}}
				bySection[sec] = s
				ids = append(ids, sec)
			}
			row := htmlRow{
				Target: t.Ref(), ControlID: res.ControlID, Status: string(res.Status), StatusClass: statusClass(res.Status),
				Title: res.Title, Reason: res.Reason, Remediation: res.Remediation,
				Accepted: AcceptedNote(res.Status, res.AcceptedStatus, res.Exception),
			}
			for i, o := range res.Evidence {
				if i < htmlFold || len(res.Evidence) == htmlFold+1 {
					row.Evidence = append(row.Evidence, observationText(o))
				} else {
					row.More = append(row.More, observationText(o))
				}
			}
			s.Rows = append(s.Rows, row)
			s.ranks = append(s.ranks, statusRank(res.Status))
			s.summary.Add(res.Status)
		}
	}
	sort.SliceStable(ids, func(i, j int) bool { return report.CompareIDs(ids[i], ids[j]) < 0 })
	for _, id := range ids {
		s := bySection[id]
		// Findings first (FAIL, WARN, ERROR before PASS), then by control.
		idx := make([]int, len(s.Rows))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool {
			ra, rb := s.ranks[idx[a]], s.ranks[idx[b]]
			if ra != rb {
				return ra < rb
			}
			return report.CompareIDs(s.Rows[idx[a]].ControlID, s.Rows[idx[b]].ControlID) < 0
		})
		rows := make([]htmlRow, len(idx))
		for i, j := range idx {
			rows[i] = s.Rows[j]
		}
		s.Rows = rows
		s.Counts = counts(s.summary)
		s.Heading = heading(s.ID, s.Title)
		v.Sections = append(v.Sections, s.htmlSection)
	}
	return v
}

// Print writes the report as one self-contained HTML page: no external
// resource (a Content-Security-Policy forbids any fetch), an inline SVG
// chart, inline filters and a print stylesheet.
func (f htmlFormat) Print(doc any, w Writer) error {
	r, ok := doc.(*report.Report)
	if !ok {
		return unsupported(f, doc)
	}
	return htmlTemplate.Execute(w.Out, buildHTMLView(r))
}
