package format

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// sarifFormat is SARIF 2.1.0 for code-scanning dashboards: one run, rules
// are the controls, each result names its target (a logical location of
// the target's kind), the objects and files of its evidence.
type sarifFormat struct{ about }

func newSARIF() Format {
	return sarifFormat{about{"sarif", "SARIF 2.1.0 for code-scanning dashboards", Report}}
}

// SARIFLog is the document of -o sarif.
type SARIFLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []SARIFRun `json:"runs"`
}

// SARIFRun is the one run of a report.
type SARIFRun struct {
	Tool    SARIFTool     `json:"tool"`
	Results []SARIFResult `json:"results"`
}

// SARIFTool names kubectl-harden and its rules.
type SARIFTool struct {
	Driver SARIFDriver `json:"driver"`
}

// SARIFDriver is the tool and its rules.
type SARIFDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []SARIFRule `json:"rules"`
}

// SARIFRule is one control.
type SARIFRule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name,omitempty"`
	ShortDescription SARIFText      `json:"shortDescription"`
	Help             *SARIFText     `json:"help,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

// SARIFText is a message.
type SARIFText struct {
	Text string `json:"text"`
}

// SARIFResult is one result.
type SARIFResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Kind      string          `json:"kind"`
	Level     string          `json:"level"`
	Message   SARIFText       `json:"message"`
	Locations []SARIFLocation `json:"locations,omitempty"`
	// Suppressions says that an exception accepted the result.
	Suppressions []SARIFSuppression `json:"suppressions,omitempty"`
	Properties   map[string]any     `json:"properties,omitempty"`
}

// SARIFSuppression is an accepted risk: SARIF 2.1.0 §3.35, kind external
// (the exceptions file), status accepted, the reason as justification.
type SARIFSuppression struct {
	Kind          string         `json:"kind"`
	Status        string         `json:"status,omitempty"`
	Justification string         `json:"justification,omitempty"`
	Location      *SARIFLocation `json:"location,omitempty"`
	Properties    map[string]any `json:"properties,omitempty"`
}

// SARIFLocation is where one piece of evidence was seen.
type SARIFLocation struct {
	PhysicalLocation *SARIFPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []SARIFLogical `json:"logicalLocations,omitempty"`
	Message          *SARIFText     `json:"message,omitempty"`
}

// SARIFPhysical is a file on the target's host.
type SARIFPhysical struct {
	ArtifactLocation SARIFArtifact `json:"artifactLocation"`
}

// SARIFArtifact is a file URI.
type SARIFArtifact struct {
	URI string `json:"uri"`
}

// SARIFLogical is a target, an object or a flag.
type SARIFLogical struct {
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

// fileURI is a host path as a file URI, percent-encoded (RFC 8089, RFC
// 3986): a path with a space, "#" or "%" stays one valid URI.
func fileURI(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

func (f sarifFormat) Print(doc any, w Writer) error {
	r, ok := doc.(*report.Report)
	if !ok {
		return unsupported(f, doc)
	}
	run := SARIFRun{Tool: SARIFTool{Driver: SARIFDriver{
		Name:           "kubectl-harden",
		Version:        r.Metadata.ToolVersion,
		InformationURI: "https://github.com/kubectl-harden/kubectl-harden",
		Rules:          []SARIFRule{},
	}}, Results: []SARIFResult{}}
	index := map[string]int{}
	var ids []string
	byID := map[string]report.Result{}
	for _, t := range r.Targets {
		for _, res := range t.Results {
			if _, ok := byID[res.ControlID]; !ok {
				ids = append(ids, res.ControlID)
				byID[res.ControlID] = res
			}
		}
	}
	sort.SliceStable(ids, func(i, j int) bool { return report.CompareIDs(ids[i], ids[j]) < 0 })
	for i, id := range ids {
		res := byID[id]
		index[id] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, SARIFRule{
			ID: id, Name: sarifRuleName(res.Title), ShortDescription: SARIFText{Text: res.Title},
			Properties: map[string]any{"benchmark": res.Benchmark, "section": res.Section, "level": res.Level, "automated": res.Automated, "role": string(res.Role)},
		})
	}
	for _, t := range r.Targets {
		target := SARIFLogical{Name: t.Name, FullyQualifiedName: t.Ref(), Kind: "resource"}
		for _, res := range t.Results {
			// An accepted finding keeps its kind and level; its suppression
			// says it is accepted.
			verdict := res.Status
			if res.Status == report.StatusAccepted && res.AcceptedStatus != "" {
				verdict = res.AcceptedStatus
			}
			kind, level := sarifKindLevel(verdict)
			sr := SARIFResult{
				RuleID: res.ControlID, RuleIndex: index[res.ControlID], Kind: kind, Level: level,
				Message:    SARIFText{Text: fmt.Sprintf("%s on %s: %s", res.Status, t.Ref(), OrNone(res.Reason))},
				Properties: map[string]any{"status": string(res.Status), "target": res.Target},
			}
			if t.Kind != "" {
				sr.Properties["targetKind"] = string(t.Kind)
			}
			if res.Remediation != "" {
				sr.Properties["remediation"] = res.Remediation
			}
			if e := res.Exception; e != nil {
				if res.Status == report.StatusAccepted {
					sr.Properties["acceptedStatus"] = string(res.AcceptedStatus)
					sup := SARIFSuppression{Kind: "external", Status: "accepted", Justification: e.Reason, Properties: map[string]any{"source": e.Source}}
					if e.Owner != "" {
						sup.Properties["owner"] = e.Owner
					}
					if e.Expires != "" {
						sup.Properties["expires"] = e.Expires
					}
					sr.Suppressions = []SARIFSuppression{sup}
				} else if e.Expired {
					sr.Properties["exceptionExpired"] = e.Expires
				}
			}
			if len(res.Evidence) == 0 {
				sr.Locations = append(sr.Locations, SARIFLocation{LogicalLocations: []SARIFLogical{target}})
			}
			for _, o := range res.Evidence {
				where := SARIFLogical{Name: o.Location, FullyQualifiedName: t.Ref() + "/" + o.Location, Kind: "element"}
				if !o.Object.IsZero() {
					where = SARIFLogical{Name: o.Object.Name, FullyQualifiedName: o.Object.String(), Kind: "object"}
				}
				loc := SARIFLocation{LogicalLocations: []SARIFLogical{target, where}, Message: &SARIFText{Text: observationText(o)}}
				if o.Path != "" {
					loc.PhysicalLocation = &SARIFPhysical{ArtifactLocation: SARIFArtifact{URI: fileURI(o.Path)}}
				}
				sr.Locations = append(sr.Locations, loc)
			}
			run.Results = append(run.Results, sr)
		}
	}
	return writeJSON(SARIFLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []SARIFRun{run},
	}, w.Out)
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
