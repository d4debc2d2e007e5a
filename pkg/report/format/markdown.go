package format

import (
	"fmt"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// markdownFormat is a diff as a markdown comment for a pull request or a
// ticket.
type markdownFormat struct{ about }

func newMarkdown() Format {
	return markdownFormat{about{"markdown", "a markdown summary for a pull request or a ticket", Diff}}
}

// mdEscape keeps a cell inside its markdown table cell and inert: pipes,
// newlines, HTML and markup are escaped, and control characters too.
func mdEscape(s string) string {
	r := strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "`", "\\`", "*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]")
	return r.Replace(safetext.Inert(s))
}

func (f markdownFormat) Print(doc any, w Writer) error {
	d, ok := doc.(*report.Diff)
	if !ok {
		return unsupported(f, doc)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### kubectl-harden diff\n\n")
	fmt.Fprintf(&b, "%s (%s) → %s (%s)\n\n", mdEscape(d.Old.File), mdEscape(d.Old.Generated), mdEscape(d.New.File), mdEscape(d.New.Generated))
	fmt.Fprintf(&b, "| | count |\n|---|---|\n| new findings | %d |\n| fixed findings | %d |\n| accepted findings (an exception covers them) | %d |\n| other status changes | %d |\n| targets added | %d |\n| targets removed | %d |\n\n",
		len(d.NewFindings), len(d.FixedFindings), len(d.AcceptedFindings), len(d.Changed), len(d.TargetsAdded), len(d.TargetsRemoved))
	section := func(title string, cs []report.Change) {
		if len(cs) == 0 {
			return
		}
		fmt.Fprintf(&b, "#### %s\n\n| target | control | object | old | new | title |\n|---|---|---|---|---|---|\n", title)
		for _, c := range cs {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", mdEscape(c.TargetRef()), mdEscape(c.ControlID), mdEscape(c.Object.String()), orDash(c.OldStatus), orDash(c.NewStatus), mdEscape(c.Title))
		}
		b.WriteString("\n")
	}
	section("New findings", d.NewFindings)
	section("Fixed findings", d.FixedFindings)
	section("Accepted findings (not fixed: an exception covers them)", d.AcceptedFindings)
	section("Other status changes", d.Changed)
	targets := func(title string, ts []report.TargetChange) {
		if len(ts) == 0 {
			return
		}
		fmt.Fprintf(&b, "#### %s\n\n", title)
		for _, t := range ts {
			fmt.Fprintf(&b, "- %s: %d result(s), %d FAIL/WARN\n", mdEscape(report.TargetReport{Kind: t.Kind, Name: t.Name}.Ref()), t.Summary.Total, t.Findings)
		}
		b.WriteString("\n")
	}
	targets("Targets added", d.TargetsAdded)
	targets("Targets removed", d.TargetsRemoved)
	_, err := w.Out.Write([]byte(b.String()))
	return err
}
