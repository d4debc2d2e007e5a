package format

import (
	"encoding/xml"
	"io"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// junitFormat is JUnit XML for CI test reports: one testsuite per target,
// one testcase per result. FAIL is a failure, ERROR an error, N/A and
// ACCEPTED (with the exception's reason) skipped;
// WARN and INFO pass with their evidence in system-out (WARN fails a job
// through the exit code of --fail-on WARN, not through the XML).
type junitFormat struct{ about }

func newJUnit() Format { return junitFormat{about{"junit", "JUnit XML for CI test reports", Report}} }

// JUnitSuites is the document of -o junit.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is one target.
type JUnitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []JUnitCase `xml:"testcase"`
}

// JUnitCase is one result.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *JUnitMessage `xml:"failure,omitempty"`
	Error     *JUnitMessage `xml:"error,omitempty"`
	Skipped   *JUnitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// JUnitMessage is a failure, error or skip.
type JUnitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

func (f junitFormat) Print(doc any, w Writer) error {
	r, ok := doc.(*report.Report)
	if !ok {
		return unsupported(f, doc)
	}
	out := JUnitSuites{Name: "kubectl-harden " + r.Kind}
	for _, tg := range r.Targets {
		s := JUnitSuite{Name: tg.Ref()}
		if !r.Metadata.Generated.IsZero() {
			s.Timestamp = r.Metadata.Generated.UTC().Format("2006-01-02T15:04:05")
		}
		for _, res := range tg.Results {
			c := JUnitCase{
				Name:      res.ControlID + " " + res.Title,
				Classname: res.Benchmark + "." + res.Section,
			}
			detail := resultDetail(res)
			switch res.Status {
			case report.StatusFail:
				c.Failure = &JUnitMessage{Message: res.Reason, Type: "FAIL", Body: detail}
				s.Failures++
			case report.StatusError:
				c.Error = &JUnitMessage{Message: res.Reason, Type: "ERROR", Body: detail}
				s.Errors++
			case report.StatusNA:
				c.Skipped = &JUnitMessage{Message: res.Reason}
				s.Skipped++
			case report.StatusAccepted:
				// An accepted risk is neither a pass nor a failure: skipped,
				// with the exception's reason.
				c.Skipped = &JUnitMessage{Message: AcceptedNote(res.Status, res.AcceptedStatus, res.Exception), Body: detail}
				s.Skipped++
			default:
				c.SystemOut = string(res.Status) + ": " + detail
			}
			s.Tests++
			s.Cases = append(s.Cases, c)
		}
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	return writeXML(out, "  ", w.Out)
}

// resultDetail is a result's reason, evidence and remediation as text.
func resultDetail(res report.Result) string {
	var b strings.Builder
	b.WriteString(res.Reason)
	if note := AcceptedNote(res.Status, res.AcceptedStatus, res.Exception); note != "" {
		b.WriteString("\n" + note)
	}
	for _, o := range res.Evidence {
		b.WriteString("\nevidence: " + observationText(o))
		if o.Exception != nil {
			b.WriteString(" (" + AcceptedNote(o.Status, o.AcceptedStatus, o.Exception) + ")")
		}
	}
	if res.Remediation != "" {
		b.WriteString("\nremediation: " + res.Remediation)
	}
	return b.String()
}

// writeXML writes v as one XML document: the header, v indented with
// indent, a final newline.
func writeXML(v any, indent string, out io.Writer) error {
	if _, err := io.WriteString(out, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(out)
	enc.Indent("", indent)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := io.WriteString(out, "\n")
	return err
}
