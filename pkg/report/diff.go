package report

import (
	"encoding/json"
	"fmt"
	"sort"
)

// FindingKey identifies a result across two reports: the target, the
// control and, only when a control has several results on one target (a
// control evaluated per object, as workload controls are), the object — the
// first evidence location of the result, or its position among that
// control's results when there is no evidence. RBAC and node reports have
// one result per control and target, so their Object is empty.
type FindingKey struct {
	Target    string `json:"target"`
	ControlID string `json:"controlID"`
	Object    string `json:"object,omitempty"`
}

// String renders the key as target/control[/object].
func (k FindingKey) String() string {
	s := k.Target + "/" + k.ControlID
	if k.Object != "" {
		s += "/" + k.Object
	}
	return s
}

// FindingKeys returns the key of each result of one target, in order.
func FindingKeys(rs []Result) []FindingKey {
	count := map[string]int{}
	for _, r := range rs {
		count[r.ControlID]++
	}
	seen := map[string]int{}
	keys := make([]FindingKey, len(rs))
	for i, r := range rs {
		k := FindingKey{Target: r.Target, ControlID: r.ControlID}
		if count[r.ControlID] > 1 {
			base := ""
			if len(r.Evidence) > 0 {
				base = r.Evidence[0].Location
			}
			seen[r.ControlID+"\x00"+base]++
			n := seen[r.ControlID+"\x00"+base]
			switch {
			case base == "":
				k.Object = fmt.Sprintf("#%d", n)
			case n > 1:
				k.Object = fmt.Sprintf("%s#%d", base, n)
			default:
				k.Object = base
			}
		}
		keys[i] = k
	}
	return keys
}

// KindReportDiff is the kind of the document `kubectl harden diff` prints.
const KindReportDiff = "ReportDiff"

// ReportRef says which report one side of a diff is.
type ReportRef struct {
	File      string  `json:"file,omitempty"`
	Kind      string  `json:"kind"`
	Context   string  `json:"context,omitempty"`
	Benchmark string  `json:"benchmark,omitempty"`
	Generated string  `json:"generated,omitempty"`
	Targets   int     `json:"targets"`
	Summary   Summary `json:"summary"`
}

// Change is one result that differs between two reports. OldStatus is empty
// for a result that is only in the new report, NewStatus for one only in
// the old report.
type Change struct {
	FindingKey
	Title     string `json:"title"`
	OldStatus Status `json:"oldStatus,omitempty"`
	NewStatus Status `json:"newStatus,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// Regression reports whether the change made the result worse at or above
// threshold (FAIL or WARN): its new severity reaches the threshold and is
// higher than before.
func (c Change) Regression(threshold Status) bool {
	return c.NewStatus.Severity() >= threshold.Severity() && c.NewStatus.Severity() > c.OldStatus.Severity()
}

// TargetChange is a target found in only one of the reports.
type TargetChange struct {
	Name     string  `json:"name"`
	Findings int     `json:"findings"`
	Summary  Summary `json:"summary"`
}

// Diff is the comparison of two reports.
type Diff struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Old        ReportRef `json:"old"`
	New        ReportRef `json:"new"`
	// TargetsAdded are in the new report only; their FAIL and WARN results
	// are also in NewFindings (a new node that fails is a regression).
	TargetsAdded []TargetChange `json:"targetsAdded"`
	// TargetsRemoved are in the old report only; their findings are not
	// counted as fixed.
	TargetsRemoved []TargetChange `json:"targetsRemoved"`
	// NewFindings became FAIL or WARN (from anything else, or absent).
	NewFindings []Change `json:"newFindings"`
	// FixedFindings were FAIL or WARN and are now neither (or the control
	// is gone from a target that is still there).
	FixedFindings []Change `json:"fixedFindings"`
	// Changed are the other status changes (FAIL to WARN, PASS to N/A, ...).
	Changed []Change `json:"changed"`
}

// Compare diffs two reports.
func Compare(old, cur *Report) *Diff {
	d := &Diff{
		APIVersion: ReportAPIVersion, Kind: KindReportDiff,
		Old: refOf(old), New: refOf(cur),
		TargetsAdded: []TargetChange{}, TargetsRemoved: []TargetChange{},
		NewFindings: []Change{}, FixedFindings: []Change{}, Changed: []Change{},
	}
	index := func(r *Report) (map[string]bool, map[FindingKey]Result, []FindingKey) {
		targets := map[string]bool{}
		byKey := map[FindingKey]Result{}
		var order []FindingKey
		for _, t := range r.Targets {
			targets[t.Name] = true
			for i, k := range FindingKeys(t.Results) {
				if _, dup := byKey[k]; !dup {
					order = append(order, k)
				}
				byKey[k] = t.Results[i]
			}
		}
		return targets, byKey, order
	}
	oldTargets, oldRes, oldOrder := index(old)
	newTargets, newRes, newOrder := index(cur)
	for _, t := range mergeTargets(cur) {
		if !oldTargets[t.Name] {
			d.TargetsAdded = append(d.TargetsAdded, TargetChange{Name: t.Name, Findings: t.Summary.Fail + t.Summary.Warn, Summary: t.Summary})
		}
	}
	for _, t := range mergeTargets(old) {
		if !newTargets[t.Name] {
			d.TargetsRemoved = append(d.TargetsRemoved, TargetChange{Name: t.Name, Findings: t.Summary.Fail + t.Summary.Warn, Summary: t.Summary})
		}
	}
	// A control can go from one result on a target (no object in its key)
	// to several (one per object) or back: match the single result by its
	// first evidence location.
	firstLoc := func(r Result) string {
		if len(r.Evidence) > 0 {
			return r.Evidence[0].Location
		}
		return ""
	}
	matched := map[FindingKey]bool{}
	lookup := func(k FindingKey, n Result) (Result, bool) {
		if o, ok := oldRes[k]; ok {
			matched[k] = true
			return o, true
		}
		alt := FindingKey{Target: k.Target, ControlID: k.ControlID}
		if k.Object == "" {
			alt.Object = firstLoc(n)
			if alt.Object == "" {
				return Result{}, false
			}
		}
		o, ok := oldRes[alt]
		if !ok || matched[alt] || (k.Object != "" && firstLoc(o) != k.Object) {
			return Result{}, false
		}
		matched[alt] = true
		return o, true
	}
	for _, k := range newOrder {
		n := newRes[k]
		o, had := lookup(k, n)
		c := Change{FindingKey: k, Title: n.Title, NewStatus: n.Status, Reason: n.Reason}
		if had {
			c.OldStatus = o.Status
		}
		switch {
		case had && o.Status == n.Status:
		case n.Status.Severity() > 0 && (!had || o.Status.Severity() == 0):
			d.NewFindings = append(d.NewFindings, c)
		case had && o.Status.Severity() > 0 && n.Status.Severity() == 0:
			d.FixedFindings = append(d.FixedFindings, c)
		case had:
			d.Changed = append(d.Changed, c)
		}
	}
	for _, k := range oldOrder {
		if matched[k] || !newTargets[k.Target] {
			continue
		}
		o := oldRes[k]
		if o.Status.Severity() > 0 {
			d.FixedFindings = append(d.FixedFindings, Change{FindingKey: k, Title: o.Title, OldStatus: o.Status, Reason: "the control is no longer reported on this target"})
		}
	}
	for _, l := range [][]Change{d.NewFindings, d.FixedFindings, d.Changed} {
		sort.SliceStable(l, func(i, j int) bool {
			if l[i].Target != l[j].Target {
				return l[i].Target < l[j].Target
			}
			if c := CompareIDs(l[i].ControlID, l[j].ControlID); c != 0 {
				return c < 0
			}
			return l[i].Object < l[j].Object
		})
	}
	return d
}

// mergeTargets returns one summary per target name (a document that
// bundles several reports can name a target twice), in first-seen order.
func mergeTargets(r *Report) []TargetReport {
	var out []TargetReport
	at := map[string]int{}
	for _, t := range r.Targets {
		i, ok := at[t.Name]
		if !ok {
			at[t.Name] = len(out)
			out = append(out, TargetReport{Name: t.Name})
			i = len(out) - 1
		}
		for _, res := range t.Results {
			out[i].Summary.Add(res.Status)
		}
	}
	return out
}

func refOf(r *Report) ReportRef {
	ref := ReportRef{Kind: r.Kind, Context: r.Metadata.Context, Benchmark: r.Metadata.Benchmark, Targets: len(mergeTargets(r)), Summary: r.Summary}
	if !r.Metadata.Generated.IsZero() {
		ref.Generated = r.Metadata.Generated.UTC().Format("2006-01-02T15:04:05Z")
	}
	return ref
}

// Regressions counts the new findings and changes that regress at or above
// threshold.
func (d *Diff) Regressions(threshold Status) int {
	n := 0
	for _, l := range [][]Change{d.NewFindings, d.Changed} {
		for _, c := range l {
			if c.Regression(threshold) {
				n++
			}
		}
	}
	return n
}

// DecodeReports reads any kubectl-harden report document (NodeScanReport,
// RBACReport, or a document that bundles several reports) into one Report:
// every object in the JSON tree that has "targets" with "results" counts,
// so new report kinds are compared without a change here. The first object
// with metadata gives the metadata.
func DecodeReports(data []byte) (*Report, error) {
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	top, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a kubectl-harden report: the document is not an object")
	}
	out := &Report{Targets: []TargetReport{}}
	out.APIVersion, _ = top["apiVersion"].(string)
	out.Kind, _ = top["kind"].(string)
	found := false
	var walk func(v any) error
	walk = func(v any) error {
		switch x := v.(type) {
		case map[string]any:
			if ts, ok := x["targets"].([]any); ok {
				found = true
				b, _ := json.Marshal(map[string]any{"targets": ts, "metadata": x["metadata"]})
				var part Report
				if err := json.Unmarshal(b, &part); err != nil {
					return err
				}
				if out.Metadata.Benchmark == "" && out.Metadata.Generated.IsZero() {
					out.Metadata = part.Metadata
				}
				out.Targets = append(out.Targets, part.Targets...)
				return nil
			}
			if md, ok := x["metadata"]; ok && out.Metadata.Generated.IsZero() {
				b, _ := json.Marshal(md)
				_ = json.Unmarshal(b, &out.Metadata)
			}
			for _, k := range sortedKeys(x) {
				if err := walk(x[k]); err != nil {
					return err
				}
			}
		case []any:
			for _, e := range x {
				if err := walk(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(top); err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("not a kubectl-harden report: no targets in a %q document", out.Kind)
	}
	out.Recount()
	return out, nil
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
