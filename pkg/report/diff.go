package report

import (
	"sort"
)

// FindingKey identifies a result across two reports: the target and the
// control, and for a per-object finding (an evidence line that names an
// API object) the object.
type FindingKey struct {
	Target    string    `json:"target"`
	ControlID string    `json:"controlID"`
	Object    ObjectRef `json:"object,omitzero"`
}

// String renders the key as target/control[/object].
func (k FindingKey) String() string {
	s := k.Target + "/" + k.ControlID
	if !k.Object.IsZero() {
		s += "/" + k.Object.String()
	}
	return s
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
// the old report. A change with an Object is about one object of a control
// that is a finding in both reports.
type Change struct {
	FindingKey
	// TargetKind is the kind of the target (empty for a report written
	// before kinds were recorded); it is not part of the key, so such
	// reports still compare with newer ones.
	TargetKind TargetKind `json:"targetKind,omitempty"`
	Title      string     `json:"title"`
	OldStatus  Status     `json:"oldStatus,omitempty"`
	NewStatus  Status     `json:"newStatus,omitempty"`
	Reason     string     `json:"reason,omitempty"`
}

// TargetRef names the change's target as TargetReport.Ref does.
func (c Change) TargetRef() string {
	return TargetReport{Kind: c.TargetKind, Name: c.Target}.Ref()
}

// Regression reports whether the change made the result worse at or
// above threshold (FAIL or WARN): it now trips the gate and either did not
// before or is a worse finding (WARN to FAIL). ERROR trips every gate, so
// a result that could no longer be evaluated is a regression.
func (c Change) Regression(threshold Status) bool {
	return c.NewStatus.Trips(threshold) && (!c.OldStatus.Trips(threshold) || c.NewStatus.Severity() > c.OldStatus.Severity())
}

// TargetChange is a target found in only one of the reports.
type TargetChange struct {
	Name     string     `json:"name"`
	Kind     TargetKind `json:"kind,omitempty"`
	Findings int        `json:"findings"`
	Summary  Summary    `json:"summary"`
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
	// NewFindings became FAIL or WARN (from anything else, or absent); for
	// a control that was a finding already, the objects that are new to it.
	NewFindings []Change `json:"newFindings"`
	// FixedFindings were FAIL or WARN and are now neither (or the control
	// is gone from a target that is still there); for a control that is
	// still a finding, the objects that are no longer reported.
	FixedFindings []Change `json:"fixedFindings"`
	// AcceptedFindings were FAIL or WARN and are now ACCEPTED: an exception
	// covers them, they are not fixed. For a control that is still a
	// finding, the objects that became accepted.
	AcceptedFindings []Change `json:"acceptedFindings"`
	// Changed are the other status changes (FAIL to WARN, PASS to N/A, ...).
	Changed []Change `json:"changed"`
}

// resultIndex is one report's results by target and control, in order.
type resultIndex struct {
	targets map[string]bool
	kinds   map[string]TargetKind
	byKey   map[FindingKey]*Result
	order   []FindingKey
}

func indexResults(r *Report) resultIndex {
	n := 0
	for _, t := range r.Targets {
		n += len(t.Results)
	}
	ix := resultIndex{targets: make(map[string]bool, len(r.Targets)), kinds: make(map[string]TargetKind, len(r.Targets)), byKey: make(map[FindingKey]*Result, n), order: make([]FindingKey, 0, n)}
	for ti := range r.Targets {
		t := &r.Targets[ti]
		ix.targets[t.Name] = true
		if t.Kind != "" {
			ix.kinds[t.Name] = t.Kind
		}
		for i := range t.Results {
			k := FindingKey{Target: t.Name, ControlID: t.Results[i].ControlID}
			if _, dup := ix.byKey[k]; dup {
				continue // a document that names a result twice: the first counts
			}
			ix.byKey[k] = &t.Results[i]
			ix.order = append(ix.order, k)
		}
	}
	return ix
}

// objectFindings are a result's per-object findings: the evidence lines
// that name an object with a FAIL or WARN verdict.
func objectFindings(r *Result) map[ObjectRef]Observation {
	var out map[ObjectRef]Observation
	for _, o := range r.Evidence {
		if o.Object.IsZero() || o.Status.Severity() == 0 {
			continue
		}
		if out == nil {
			out = map[ObjectRef]Observation{}
		}
		if prev, ok := out[o.Object]; !ok || o.Status.Severity() > prev.Status.Severity() {
			out[o.Object] = o
		}
	}
	return out
}

// Compare diffs two reports, in time linear in their results: results
// are matched by target and control; when a control is a finding in both,
// its per-object findings are matched by object.
func Compare(old, cur *Report) *Diff {
	d := &Diff{
		APIVersion: ReportAPIVersion, Kind: KindReportDiff,
		Old: refOf(old), New: refOf(cur),
		TargetsAdded: []TargetChange{}, TargetsRemoved: []TargetChange{},
		NewFindings: []Change{}, FixedFindings: []Change{}, AcceptedFindings: []Change{}, Changed: []Change{},
	}
	oldIx, newIx := indexResults(old), indexResults(cur)
	for _, t := range mergeTargets(cur) {
		if !oldIx.targets[t.Name] {
			d.TargetsAdded = append(d.TargetsAdded, TargetChange{Name: t.Name, Kind: t.Kind, Findings: t.Summary.Fail + t.Summary.Warn, Summary: t.Summary})
		}
	}
	for _, t := range mergeTargets(old) {
		if !newIx.targets[t.Name] {
			d.TargetsRemoved = append(d.TargetsRemoved, TargetChange{Name: t.Name, Kind: t.Kind, Findings: t.Summary.Fail + t.Summary.Warn, Summary: t.Summary})
		}
	}
	for _, k := range newIx.order {
		n := newIx.byKey[k]
		o, had := oldIx.byKey[k]
		c := Change{FindingKey: k, TargetKind: newIx.kinds[k.Target], Title: n.Title, NewStatus: n.Status, Reason: n.Reason}
		if had {
			c.OldStatus = o.Status
		}
		switch {
		case had && o.Status == n.Status:
		case n.Status.Severity() > 0 && (!had || o.Status.Severity() == 0):
			d.NewFindings = append(d.NewFindings, c)
		case had && o.Status.Severity() > 0 && n.Status == StatusAccepted:
			d.AcceptedFindings = append(d.AcceptedFindings, c)
		case had && o.Status.Severity() > 0 && n.Status.Severity() == 0:
			d.FixedFindings = append(d.FixedFindings, c)
		case had:
			d.Changed = append(d.Changed, c)
		}
		if had && o.Status.Severity() > 0 && n.Status.Severity() > 0 {
			d.compareObjects(k, newIx.kinds[k.Target], o, n)
		}
	}
	for _, k := range oldIx.order {
		if _, still := newIx.byKey[k]; still || !newIx.targets[k.Target] {
			continue
		}
		o := oldIx.byKey[k]
		if o.Status.Severity() > 0 {
			d.FixedFindings = append(d.FixedFindings, Change{FindingKey: k, TargetKind: oldIx.kinds[k.Target], Title: o.Title, OldStatus: o.Status, Reason: "the control is no longer reported on this target"})
		}
	}
	for _, l := range [][]Change{d.NewFindings, d.FixedFindings, d.AcceptedFindings, d.Changed} {
		sort.SliceStable(l, func(i, j int) bool {
			if l[i].Target != l[j].Target {
				return l[i].Target < l[j].Target
			}
			if c := CompareIDs(l[i].ControlID, l[j].ControlID); c != 0 {
				return c < 0
			}
			return l[i].Object.String() < l[j].Object.String()
		})
	}
	return d
}

// compareObjects adds the per-object changes of a control that is a
// finding in both reports. An object missing from a side whose evidence
// was cut (Omitted) may only be unlisted, so nothing is concluded from
// its absence there.
func (d *Diff) compareObjects(k FindingKey, kind TargetKind, o, n *Result) {
	oldObjs, newObjs := objectFindings(o), objectFindings(n)
	accepted := map[ObjectRef]Observation{}
	for _, line := range n.Evidence {
		if !line.Object.IsZero() && line.Status == StatusAccepted {
			accepted[line.Object] = line
		}
	}
	for obj, line := range newObjs {
		ok := k
		ok.Object = obj
		prev, had := oldObjs[obj]
		switch {
		case !had && o.Omitted == 0:
			d.NewFindings = append(d.NewFindings, Change{FindingKey: ok, TargetKind: kind, Title: n.Title, NewStatus: line.Status, Reason: line.String()})
		case had && prev.Status != line.Status:
			d.Changed = append(d.Changed, Change{FindingKey: ok, TargetKind: kind, Title: n.Title, OldStatus: prev.Status, NewStatus: line.Status, Reason: line.String()})
		}
	}
	if n.Omitted > 0 {
		return
	}
	for obj, line := range oldObjs {
		if _, still := newObjs[obj]; still {
			continue
		}
		ok := k
		ok.Object = obj
		if acc, is := accepted[obj]; is {
			d.AcceptedFindings = append(d.AcceptedFindings, Change{FindingKey: ok, TargetKind: kind, Title: o.Title, OldStatus: line.Status, NewStatus: StatusAccepted, Reason: acc.String()})
			continue
		}
		d.FixedFindings = append(d.FixedFindings, Change{FindingKey: ok, TargetKind: kind, Title: o.Title, OldStatus: line.Status, Reason: "no longer reported on this object"})
	}
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
			out = append(out, TargetReport{Name: t.Name, Kind: t.Kind})
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
// threshold (see Change.Regression).
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
