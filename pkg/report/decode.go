package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ReportKinds are the kinds of report document the commands write.
var ReportKinds = []string{KindNodeScan, KindRBAC, KindWorkloads, KindCluster}

// Decode reads one JSON report document from r, validates it and
// recomputes its summaries from its results: a report is data from a file,
// and no count in it is trusted (a result without a target gets its
// target's name). The targets are decoded one at a time as the input
// streams, so memory holds the report, never also the whole input.
func Decode(r io.Reader) (*Report, error) {
	rep, err := decodeStream(json.NewDecoder(r))
	if err != nil {
		return nil, fmt.Errorf("not a kubectl-harden report: %w", err)
	}
	if err := rep.Validate(); err != nil {
		return nil, err
	}
	for i := range rep.Targets {
		for j := range rep.Targets[i].Results {
			if rep.Targets[i].Results[j].Target == "" {
				rep.Targets[i].Results[j].Target = rep.Targets[i].Name
			}
		}
	}
	rep.Recount()
	return rep, nil
}

// decodeStream decodes a report object member by member, the targets
// array element by element.
func decodeStream(dec *json.Decoder) (*Report, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, errors.New("the document is null")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("the document is a %s, not an object", describe(tok))
	}
	rep := &Report{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		switch key {
		case "apiVersion":
			err = dec.Decode(&rep.APIVersion)
		case "kind":
			err = dec.Decode(&rep.Kind)
		case "metadata":
			err = dec.Decode(&rep.Metadata)
		case "targets":
			rep.Targets, err = decodeTargets(dec)
		default:
			var skip json.RawMessage // summary (recomputed) and fields of newer versions
			err = dec.Decode(&skip)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	return rep, nil
}

func decodeTargets(dec *json.Decoder) ([]TargetReport, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("a %s, not a list", describe(tok))
	}
	out := []TargetReport{}
	for dec.More() {
		var t TargetReport
		if err := dec.Decode(&t); err != nil {
			return nil, fmt.Errorf("[%d]: %w", len(out), err)
		}
		out = append(out, t)
	}
	_, err = dec.Token() // the closing bracket
	return out, err
}

func describe(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "list"
		}
		return string(t)
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return fmt.Sprintf("%T", tok)
}

// Validate checks what a consumer of a report relies on: the apiVersion
// and kind, a targets list, and in every target a name and in every
// result a control ID and a known status. The first problem is returned,
// naming where it is.
func (r *Report) Validate() error {
	if !slices.Contains(ReportKinds, r.Kind) {
		return fmt.Errorf("not a kubectl-harden report: kind %q (want %s)", r.Kind, strings.Join(ReportKinds, ", "))
	}
	if r.APIVersion != ReportAPIVersion {
		return fmt.Errorf("%s: apiVersion %q is not %s", r.Kind, r.APIVersion, ReportAPIVersion)
	}
	if r.Targets == nil {
		return fmt.Errorf("%s: targets is missing", r.Kind)
	}
	for i, t := range r.Targets {
		if t.Name == "" {
			return fmt.Errorf("%s: targets[%d]: name is missing", r.Kind, i)
		}
		switch t.Kind {
		case "", TargetNode, TargetCluster, TargetWorkloads:
		default:
			return fmt.Errorf("%s: targets[%d] (%s): kind %q is not node, cluster or workloads", r.Kind, i, t.Name, t.Kind)
		}
		for j, res := range t.Results {
			if res.ControlID == "" {
				return fmt.Errorf("%s: targets[%d].results[%d] (%s): controlID is missing", r.Kind, i, j, t.Name)
			}
			if !slices.Contains(AllStatuses, res.Status) {
				return fmt.Errorf("%s: targets[%d].results[%d] (%s %s): status %q is not one of PASS, FAIL, WARN, INFO, N/A, ERROR, ACCEPTED", r.Kind, i, j, t.Name, res.ControlID, res.Status)
			}
			if res.Status == StatusAccepted && res.AcceptedStatus.Severity() == 0 {
				return fmt.Errorf("%s: targets[%d].results[%d] (%s %s): status ACCEPTED without the accepted verdict (acceptedStatus FAIL or WARN)", r.Kind, i, j, t.Name, res.ControlID)
			}
		}
	}
	return nil
}
