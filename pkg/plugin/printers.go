package plugin

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// PrintOptions say how to print a report.
type PrintOptions struct {
	// Format is "", "wide", "json", "yaml", "junit", "sarif", "asff",
	// "html", "jsonpath" or "go-template" (the last two need Printer).
	Format    string
	NoHeaders bool
	// HideNA leaves N/A rows out of tables (they are still counted in the
	// summary); a worker node has dozens of control-plane controls that do
	// not apply to it.
	HideNA bool
	// Printer holds the parsed template of jsonpath and go-template.
	Printer *OutputPrinter
	// ASFF holds the AWS settings of -o asff.
	ASFF ASFFOptions
	// ErrOut receives hints for a person ("No results.", hidden N/A rows);
	// nil drops them. The document itself is the only thing on out.
	ErrOut io.Writer
}

// PrintReport writes a report in one of the formats of -o. Every machine
// format is exactly one document on out, whatever the report holds (no
// target, no result, only errors). The table is followed by the per-target
// summary on out unless headers are off; "No results." and the hidden-N/A
// hint go to o.ErrOut.
func PrintReport(r *report.Report, o PrintOptions, out io.Writer) error {
	format, noHeaders := o.Format, o.NoHeaders
	errOut := o.ErrOut
	if errOut == nil {
		errOut = io.Discard
	}
	switch format {
	case "", "wide":
		hidden, err := printResultTable(r, format == "wide", noHeaders, o.HideNA, out, errOut)
		if err != nil {
			return err
		}
		if !noHeaders {
			printSummary(r, out)
			if hidden > 0 {
				fmt.Fprintf(errOut, "%d N/A result(s) not shown (the component is not on the node): list them with --status N/A or -o json.\n", hidden)
			}
		}
		return nil
	case "html":
		return printHTML(r, out)
	case "asff":
		return printASFF(r, o.ASFF, out, errOut)
	case "jsonpath", "go-template":
		if o.Printer == nil || o.Printer.printer == nil {
			return fmt.Errorf("--output %s needs a template", format)
		}
		return printTemplate(o.Printer.printer, r, out)
	case "json":
		return printJSON(r, out)
	case "yaml":
		return printYAML(r, out)
	case "junit":
		return printJUnit(r, out)
	case "sarif":
		return printSARIF(r, out)
	}
	return fmt.Errorf("--output %q is not supported", format)
}

func printJSON(v any, out io.Writer) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printYAML(v any, out io.Writer) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	_, err = out.Write(b)
	return err
}

// printTable prints a metav1.Table with cli-runtime's printer, which
// upper-cases headers, hides Priority>0 columns unless wide, and escapes
// terminal control characters in cells (evidence comes from nodes and is
// untrusted).
func printTable(t *metav1.Table, wide, noHeaders bool, out io.Writer) error {
	for i := range t.Rows {
		for j, c := range t.Rows[i].Cells {
			if s, ok := c.(string); ok {
				t.Rows[i].Cells[j] = sanitize(s)
			}
		}
	}
	p := printers.NewTablePrinter(printers.PrintOptions{Wide: wide, NoHeaders: noHeaders})
	return p.PrintObj(t, out)
}

func printResultTable(r *report.Report, wide, noHeaders, hideNA bool, out, errOut io.Writer) (hidden int, err error) {
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Target", Type: "string"},
		{Name: "Control", Type: "string"},
		{Name: "Status", Type: "string"},
		{Name: "Level", Type: "string"},
		{Name: "Title", Type: "string"},
		{Name: "Reason", Type: "string", Priority: 1},
		{Name: "Evidence", Type: "string", Priority: 1},
		{Name: "Remediation", Type: "string", Priority: 1},
	}}
	for _, tg := range r.Targets {
		// A target that could not be scanned at all has the same ERROR for
		// every control: one row says it (JSON and the others keep them all).
		if tg.Error != "" && len(tg.Results) > 0 {
			t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{
				tg.Name, "*", string(report.StatusError), "", fmt.Sprintf("none of %d controls could be evaluated", len(tg.Results)),
				tg.Error, "<none>", "<none>",
			}})
			continue
		}
		for _, res := range tg.Results {
			if hideNA && res.Status == report.StatusNA {
				hidden++
				continue
			}
			t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{
				res.Target, res.ControlID, string(res.Status), levelCell(res.Level, res.Severity), res.Title,
				orNone(res.Reason), orNone(joinEvidence(res.Evidence)), orNone(res.Remediation),
			}})
		}
	}
	if len(t.Rows) == 0 {
		if !noHeaders {
			fmt.Fprintln(errOut, "No results.")
		}
		return hidden, nil
	}
	return hidden, printTable(t, wide, noHeaders, out)
}

// sanitize replaces every control character (C0, DEL, C1) with a visible
// escape, so that evidence read from a node cannot move the cursor, retitle
// the terminal or break the table's columns. cli-runtime's printer escapes
// ESC only.
func sanitize(s string) string {
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

func joinEvidence(obs []report.Observation) string {
	parts := make([]string, 0, len(obs))
	for _, o := range obs {
		parts = append(parts, o.String())
	}
	return strings.Join(parts, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// printSummary prints the counts per status for each target and in total.
func printSummary(r *report.Report, out io.Writer) {
	fmt.Fprintln(out)
	if r.Metadata.Benchmark != "" {
		fmt.Fprintf(out, "Benchmark: %s", r.Metadata.Benchmark)
		if r.Metadata.BenchmarkReason != "" {
			fmt.Fprintf(out, " - %s", r.Metadata.BenchmarkReason)
		}
		fmt.Fprintln(out)
	}
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{{Name: "Target", Type: "string"}}}
	for _, st := range report.AllStatuses {
		t.ColumnDefinitions = append(t.ColumnDefinitions, metav1.TableColumnDefinition{Name: string(st), Type: "integer"})
	}
	t.ColumnDefinitions = append(t.ColumnDefinitions, metav1.TableColumnDefinition{Name: "Total", Type: "integer"})
	row := func(name string, s report.Summary) metav1.TableRow {
		cells := []any{name}
		for _, st := range report.AllStatuses {
			cells = append(cells, s.Count(st))
		}
		return metav1.TableRow{Cells: append(cells, s.Total)}
	}
	for _, tg := range r.Targets {
		t.Rows = append(t.Rows, row(tg.Name, tg.Summary))
	}
	if len(r.Targets) > 1 {
		t.Rows = append(t.Rows, row("(all)", r.Summary))
	}
	_ = printTable(t, false, false, out)
	for _, tg := range r.Targets {
		if tg.Error != "" {
			fmt.Fprintf(out, "%s: %s\n", tg.Name, tg.Error)
		}
	}
}

// JUnit XML: one testsuite per target, one testcase per result. FAIL is a
// failure, ERROR an error, N/A skipped; WARN and INFO pass with their
// evidence in system-out (WARN is a failure when --fail-on WARN is asked for
// through the exit code, not through the XML).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

func printJUnit(r *report.Report, out io.Writer) error {
	doc := junitSuites{Name: "kubectl-harden " + r.Kind}
	for _, tg := range r.Targets {
		s := junitSuite{Name: tg.Name}
		if !r.Metadata.Generated.IsZero() {
			s.Timestamp = r.Metadata.Generated.UTC().Format("2006-01-02T15:04:05")
		}
		for _, res := range tg.Results {
			c := junitCase{
				Name:      res.ControlID + " " + res.Title,
				Classname: res.Benchmark + "." + res.Section,
			}
			detail := resultDetail(res)
			switch res.Status {
			case report.StatusFail:
				c.Failure = &junitMessage{Message: res.Reason, Type: "FAIL", Body: detail}
				s.Failures++
			case report.StatusError:
				c.Error = &junitMessage{Message: res.Reason, Type: "ERROR", Body: detail}
				s.Errors++
			case report.StatusNA:
				c.Skipped = &junitMessage{Message: res.Reason}
				s.Skipped++
			default:
				c.SystemOut = string(res.Status) + ": " + detail
			}
			s.Tests++
			s.Cases = append(s.Cases, c)
		}
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, s)
	}
	if _, err := io.WriteString(out, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(out)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(out, "\n")
	return err
}

func resultDetail(res report.Result) string {
	var b strings.Builder
	b.WriteString(res.Reason)
	for _, o := range res.Evidence {
		b.WriteString("\nevidence: " + o.String())
	}
	if res.Remediation != "" {
		b.WriteString("\nremediation: " + res.Remediation)
	}
	return b.String()
}

// SARIF 2.1.0: one run, rules are the controls, results carry the target
// node (logical location) and the file or flag (physical or logical).
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name,omitempty"`
	ShortDescription sarifText      `json:"shortDescription"`
	Help             *sarifText     `json:"help,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	RuleIndex  int             `json:"ruleIndex"`
	Kind       string          `json:"kind"`
	Level      string          `json:"level"`
	Message    sarifText       `json:"message"`
	Locations  []sarifLocation `json:"locations,omitempty"`
	Properties map[string]any  `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	Message          *sarifText     `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind,omitempty"`
}

// sarifKindLevel maps a status to SARIF's result kind and level. SARIF only
// allows a level other than "none" for kind "fail".
func sarifKindLevel(st report.Status) (kind, level string) {
	switch st {
	case report.StatusFail:
		return "fail", "error"
	case report.StatusWarn:
		return "fail", "warning"
	case report.StatusPass:
		return "pass", "none"
	case report.StatusNA:
		return "notApplicable", "none"
	case report.StatusError:
		return "open", "none"
	}
	return "informational", "none"
}

func printSARIF(r *report.Report, out io.Writer) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{
		Name:           "kubectl-harden",
		Version:        r.Metadata.ToolVersion,
		InformationURI: "https://github.com/kubectl-harden/kubectl-harden",
		Rules:          []sarifRule{},
	}}, Results: []sarifResult{}}
	index := map[string]int{}
	results := r.Results()
	ids := make([]string, 0)
	byID := map[string]report.Result{}
	for _, res := range results {
		if _, ok := byID[res.ControlID]; !ok {
			ids = append(ids, res.ControlID)
			byID[res.ControlID] = res
		}
	}
	sort.SliceStable(ids, func(i, j int) bool { return report.CompareIDs(ids[i], ids[j]) < 0 })
	for i, id := range ids {
		res := byID[id]
		rule := sarifRule{
			ID: id, Name: sarifRuleName(res.Title), ShortDescription: sarifText{Text: res.Title},
			Properties: map[string]any{"benchmark": res.Benchmark, "section": res.Section, "level": res.Level, "automated": res.Automated, "role": string(res.Role)},
		}
		index[id] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, rule)
	}
	for _, res := range results {
		kind, level := sarifKindLevel(res.Status)
		sr := sarifResult{
			RuleID: res.ControlID, RuleIndex: index[res.ControlID], Kind: kind, Level: level,
			Message:    sarifText{Text: fmt.Sprintf("%s on %s: %s", res.Status, res.Target, orNone(res.Reason))},
			Properties: map[string]any{"status": string(res.Status), "target": res.Target},
		}
		if res.Remediation != "" {
			sr.Properties["remediation"] = res.Remediation
		}
		target := sarifLogical{Name: res.Target, FullyQualifiedName: targetRef(res), Kind: "resource"}
		if len(res.Evidence) == 0 {
			sr.Locations = append(sr.Locations, sarifLocation{LogicalLocations: []sarifLogical{target}})
		}
		for _, o := range res.Evidence {
			loc := sarifLocation{
				LogicalLocations: []sarifLogical{target, {Name: o.Location, FullyQualifiedName: targetRef(res) + "/" + o.Location, Kind: "element"}},
				Message:          &sarifText{Text: o.String()},
			}
			if o.Path != "" {
				loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: "file://" + o.Path}}
			}
			sr.Locations = append(sr.Locations, loc)
		}
		run.Results = append(run.Results, sr)
	}
	return printJSON(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	}, out)
}

func targetRef(res report.Result) string {
	if res.Target == report.ClusterTargetName {
		return "cluster"
	}
	return "node/" + res.Target
}

// sarifRuleName makes a PascalCase rule name from a title.
func sarifRuleName(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// levelCell is a control's profile level, or its STIG category (CAT I,
// CAT II, CAT III) for rules that have a severity instead of a level.
func levelCell(level int, severity string) any {
	if severity != "" {
		return severity
	}
	return level
}
