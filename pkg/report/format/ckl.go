package format

import (
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// cklFormat is -o ckl: a DISA STIG Viewer checklist (CKL), which STIG
// Viewer opens and eMASS imports. The cluster is the checklist's asset;
// each STIG rule of the report is one VULN whose STATUS sums up the rule
// on every target (a node, the RBAC view, the workloads).
//
// The schema is STIG Viewer 2's checklist, as STIG Viewer writes it (a
// checklist saved by STIG Viewer 2.14 is in
// mitre/heimdall2 libs/hdf-converters/sample_jsons/checklist_mapper/sample_input_report/RHEL8V1R3.ckl)
// and as its XSD constrains it (element order, required elements and the
// values of STATUS, ROLE, ASSET_TYPE, SID_NAME and VULN_ATTRIBUTE:
// mitre/heimdall2 libs/hdf-converters/src/ckl-mapper/jsonixMapping.ts).
type cklFormat struct{ about }

func newCKL() Format {
	return cklFormat{about{"ckl", "a DISA STIG Viewer checklist (with --benchmark stig)", Report}}
}

// CKL statuses (the four values of STATUS).
const (
	CKLOpen          = "Open"
	CKLNotAFinding   = "NotAFinding"
	CKLNotApplicable = "Not_Applicable"
	CKLNotReviewed   = "Not_Reviewed"
)

// stigRelease is what a checklist says about the STIG it follows. The
// values of the Kubernetes STIG V2R4 are those of DISA's release as STIG
// Viewer 3 records it (stig_id, release_info, version, the STIG's uuid and
// its reference_identifier, which STIG Viewer 2 calls TargetKey):
// Cwagne17/kubernetes-stig-baseline-eks-overlay sources/Amazon_EKS_V2R4.cklb.
// For V2R6 the STIG ID, version and target key are the same STIG's; its
// benchmark date and its uuid were not obtained from a public copy of the
// release, so they are left empty rather than guessed.
type stigRelease struct {
	title, stigID, version, releaseInfo, filename, uuid, targetKey string
}

// stigReleases are the STIG releases a benchmark of ours follows, by
// benchmark ID. The test of this file checks that the benchmark's title
// names the same release.
var stigReleases = map[string]stigRelease{
	"stig-v2r4": {
		title: "Kubernetes Security Technical Implementation Guide", stigID: "Kubernetes_STIG", version: "2",
		releaseInfo: "Release: 4 Benchmark Date: 02 Jul 2025", filename: "U_Kubernetes_STIG_V2R4_Manual-xccdf.xml",
		uuid: "5820fc35-f94d-4f91-be2d-b9ad805daca5", targetKey: "5376",
	},
	"stig-v2r6": {
		title: "Kubernetes Security Technical Implementation Guide", stigID: "Kubernetes_STIG", version: "2",
		releaseInfo: "Release: 6", filename: "U_Kubernetes_STIG_V2R6_Manual-xccdf.xml",
		targetKey: "5376",
	},
}

// CKLChecklist is the document of -o ckl.
type CKLChecklist struct {
	XMLName xml.Name  `xml:"CHECKLIST"`
	Asset   CKLAsset  `xml:"ASSET"`
	STIGs   []CKLSTIG `xml:"STIGS>iSTIG"`
}

// CKLAsset is the checked system: the cluster.
type CKLAsset struct {
	Role          string `xml:"ROLE"`
	AssetType     string `xml:"ASSET_TYPE"`
	HostName      string `xml:"HOST_NAME"`
	HostIP        string `xml:"HOST_IP"`
	HostMAC       string `xml:"HOST_MAC"`
	HostFQDN      string `xml:"HOST_FQDN"`
	TargetComment string `xml:"TARGET_COMMENT"`
	TechArea      string `xml:"TECH_AREA"`
	TargetKey     string `xml:"TARGET_KEY"`
	WebOrDatabase bool   `xml:"WEB_OR_DATABASE"`
	WebDBSite     string `xml:"WEB_DB_SITE"`
	WebDBInstance string `xml:"WEB_DB_INSTANCE"`
}

// CKLSTIG is one STIG of the checklist and its rules.
type CKLSTIG struct {
	Info  []CKLSIData `xml:"STIG_INFO>SI_DATA"`
	Vulns []CKLVuln   `xml:"VULN"`
}

// CKLSIData is one fact about the STIG.
type CKLSIData struct {
	Name string `xml:"SID_NAME"`
	Data string `xml:"SID_DATA,omitempty"`
}

// CKLVuln is one rule and its result.
type CKLVuln struct {
	Data                  []CKLSTIGData `xml:"STIG_DATA"`
	Status                string        `xml:"STATUS"`
	FindingDetails        string        `xml:"FINDING_DETAILS"`
	Comments              string        `xml:"COMMENTS"`
	SeverityOverride      string        `xml:"SEVERITY_OVERRIDE"`
	SeverityJustification string        `xml:"SEVERITY_JUSTIFICATION"`
}

// CKLSTIGData is one attribute of a rule.
type CKLSTIGData struct {
	Attribute string `xml:"VULN_ATTRIBUTE"`
	Data      string `xml:"ATTRIBUTE_DATA"`
}

// Attr returns the value of a rule attribute ("" when absent).
func (v CKLVuln) Attr(name string) string {
	for _, d := range v.Data {
		if d.Attribute == name {
			return d.Data
		}
	}
	return ""
}

// cklStatus maps one result: only PASS is NotAFinding and only FAIL is
// Open; a WARN (a manual rule, or a value a person must judge), an ERROR
// (not evaluated) and an INFO are left for the reviewer.
func cklStatus(st report.Status) string {
	switch st {
	case report.StatusFail:
		return CKLOpen
	case report.StatusPass:
		return CKLNotAFinding
	case report.StatusNA:
		return CKLNotApplicable
	}
	return CKLNotReviewed
}

// cklRank orders the statuses of one rule's targets: the rule's status is
// that of its worst target (Open, then Not_Reviewed, then NotAFinding);
// it is Not_Applicable only where it applies to no target.
func cklRank(s string) int {
	switch s {
	case CKLOpen:
		return 3
	case CKLNotReviewed:
		return 2
	case CKLNotAFinding:
		return 1
	}
	return 0
}

// cklSeverity maps a STIG category to CKL's severity.
func cklSeverity(cat string) string {
	switch cat {
	case "CAT I":
		return "high"
	case "CAT III":
		return "low"
	}
	return "medium"
}

// cklDetailsMax bounds FINDING_DETAILS: a 5 000-node cluster must not make
// one cell of megabytes.
const cklDetailsMax = 16000

func (f cklFormat) Print(doc any, w Writer) error {
	r, ok := doc.(*report.Report)
	if !ok {
		return unsupported(f, doc)
	}
	ck, err := Checklist(r)
	if err != nil {
		return err
	}
	return writeXML(ck, "\t", w.Out)
}

// ruleResult is one target's result of one STIG rule.
type ruleResult struct {
	ref string
	res report.Result
}

// Checklist builds the checklist of a report evaluated against a STIG.
func Checklist(r *report.Report) (*CKLChecklist, error) {
	rel, ok := stigReleases[r.Metadata.Benchmark]
	if !ok {
		return nil, fmt.Errorf("-o ckl writes a DISA STIG checklist: evaluate with --benchmark stig (this report is %q)", r.Metadata.Benchmark)
	}
	byRule := map[string][]ruleResult{}
	var ids []string
	for _, t := range r.Targets {
		for _, res := range t.Results {
			if res.Benchmark != r.Metadata.Benchmark {
				continue // our own KH- controls have no place in a STIG checklist
			}
			if _, seen := byRule[res.ControlID]; !seen {
				ids = append(ids, res.ControlID)
			}
			byRule[res.ControlID] = append(byRule[res.ControlID], ruleResult{ref: t.Ref(), res: res})
		}
	}
	sort.SliceStable(ids, func(i, j int) bool { return report.CompareIDs(ids[i], ids[j]) < 0 })

	cluster := firstNonEmpty(r.Metadata.Context, hostOf(r.Metadata.Server), "kubernetes")
	stamp := ""
	if !r.Metadata.Generated.IsZero() {
		stamp = " on " + r.Metadata.Generated.UTC().Format("2006-01-02 15:04 UTC")
	}
	ck := &CKLChecklist{Asset: CKLAsset{
		Role: "None", AssetType: "Computing",
		HostName: cluster, HostFQDN: hostOf(r.Metadata.Server), TargetKey: rel.targetKey,
		TargetComment: fmt.Sprintf("Kubernetes cluster %s (%s%s), %d target(s), checked by kubectl-harden %s%s",
			cluster, firstNonEmpty(r.Metadata.Server, "offline"), prefixed(", ", r.Metadata.ServerVersion), len(r.Targets), r.Metadata.ToolVersion, stamp),
	}}
	if ip := net.ParseIP(ck.Asset.HostFQDN); ip != nil {
		ck.Asset.HostIP, ck.Asset.HostFQDN = ip.String(), ""
	}
	stig := CKLSTIG{Info: []CKLSIData{
		{Name: "version", Data: rel.version},
		{Name: "classification", Data: "UNCLASSIFIED"},
		{Name: "customname"},
		{Name: "stigid", Data: rel.stigID},
		{Name: "description", Data: "DISA " + rel.title + ", evaluated by kubectl-harden from node evidence and the Kubernetes API"},
		{Name: "filename", Data: rel.filename},
		{Name: "releaseinfo", Data: rel.releaseInfo},
		{Name: "title", Data: rel.title},
		{Name: "uuid", Data: checklistUUID(r)},
		{Name: "notice", Data: "terms-of-use"},
		{Name: "source"},
	}}
	stigRef := fmt.Sprintf("%s :: Version %s, %s", rel.title, rel.version, rel.releaseInfo)
	for _, id := range ids {
		stig.Vulns = append(stig.Vulns, cklVuln(byRule[id], rel, stigRef, r.Metadata))
	}
	ck.STIGs = []CKLSTIG{stig}
	return ck, nil
}

func cklVuln(rs []ruleResult, rel stigRelease, stigRef string, md report.Metadata) CKLVuln {
	first := rs[0].res
	status := CKLNotApplicable
	remediation := ""
	var accepted []string
	for _, rr := range rs {
		// An accepted risk is still a finding to STIG Viewer: its status
		// is that of its verdict (Open for FAIL), and the acceptance is
		// documented in COMMENTS, never turned into NotAFinding.
		st := rr.res.Status
		if st == report.StatusAccepted && rr.res.AcceptedStatus != "" {
			st = rr.res.AcceptedStatus
		}
		if rr.res.Exception != nil || hasAcceptedLine(rr.res) {
			accepted = append(accepted, rr.ref+": "+acceptedComment(rr.res))
		}
		if s := cklStatus(st); cklRank(s) > cklRank(status) {
			status = s
		}
		if remediation == "" {
			remediation = rr.res.Remediation
		}
	}
	attrs := []CKLSTIGData{
		{"Vuln_Num", first.ControlID},
		{"Severity", cklSeverity(first.Severity)},
		{"Group_Title", ""},
		{"Rule_ID", first.RuleID},
		{"Rule_Ver", ""},
		{"Rule_Title", first.Title},
		{"Vuln_Discuss", ""},
		{"IA_Controls", ""},
		{"Check_Content", ""},
		{"Fix_Text", remediation},
		{"False_Positives", ""},
		{"False_Negatives", ""},
		{"Documentable", "false"},
		{"Mitigations", ""},
		{"Potential_Impact", ""},
		{"Third_Party_Tools", "kubectl-harden"},
		{"Mitigation_Control", ""},
		{"Responsibility", ""},
		{"Security_Override_Guidance", ""},
		{"Check_Content_Ref", "M"},
		{"Weight", "10.0"},
		{"Class", "Unclass"},
		{"STIGRef", stigRef},
		{"TargetKey", rel.targetKey},
		{"STIG_UUID", rel.uuid},
	}
	how := "decided automatically from the evidence below"
	if !first.Automated {
		how = "a manual rule: the evidence below is what a reviewer needs, the decision is theirs"
	}
	comments := fmt.Sprintf("kubectl-harden %s%s: %s. Status mapping: FAIL is Open, PASS is NotAFinding, N/A is Not_Applicable; WARN (review needed), ERROR (not evaluated) and INFO are Not_Reviewed. The rule's status is that of its worst target.",
		md.ToolVersion, prefixed(", benchmark ", md.Benchmark), how)
	if len(accepted) > 0 {
		more := ""
		if len(accepted) > 10 {
			more = fmt.Sprintf("\n… and %d more target(s)", len(accepted)-10)
			accepted = accepted[:10]
		}
		comments += " ACCEPTED (an exception in an exceptions file covers the finding; the status stays that of the verdict):\n" + strings.Join(accepted, "\n") + more
	}
	return CKLVuln{Data: attrs, Status: status, FindingDetails: findingDetails(rs), Comments: comments}
}

// hasAcceptedLine reports whether an evidence line of res is accepted.
func hasAcceptedLine(res report.Result) bool {
	for _, o := range res.Evidence {
		if o.Exception != nil {
			return true
		}
	}
	return false
}

// acceptedComment says which exception covers a result or its objects.
func acceptedComment(res report.Result) string {
	if res.Exception != nil {
		return AcceptedNote(res.Status, res.AcceptedStatus, res.Exception)
	}
	var parts []string
	for _, o := range res.Evidence {
		if o.Exception != nil {
			parts = append(parts, o.Object.String()+" "+AcceptedNote(o.Status, o.AcceptedStatus, o.Exception))
		}
	}
	return strings.Join(parts, "; ")
}

// findingDetails lists the rule's result on each target, grouping the
// targets with the same status and reason (a thousand nodes that pass
// say so once), the worst first, with the evidence of the first target of
// each group.
func findingDetails(rs []ruleResult) string {
	type group struct {
		st     report.Status
		reason string
		refs   []string
		ev     []report.Observation
	}
	var groups []*group
	at := map[string]*group{}
	for _, rr := range rs {
		k := string(rr.res.Status) + "\x00" + rr.res.Reason
		g, ok := at[k]
		if !ok {
			g = &group{st: rr.res.Status, reason: rr.res.Reason, ev: rr.res.Evidence}
			at[k] = g
			groups = append(groups, g)
		}
		g.refs = append(g.refs, rr.ref)
	}
	sort.SliceStable(groups, func(i, j int) bool { return statusRank(groups[i].st) < statusRank(groups[j].st) })
	var b strings.Builder
	for _, g := range groups {
		refs := g.refs
		more := ""
		if len(refs) > 10 {
			more = fmt.Sprintf(" and %d more", len(refs)-10)
			refs = refs[:10]
		}
		fmt.Fprintf(&b, "%s on %s%s: %s\n", g.st, strings.Join(refs, ", "), more, OrNone(g.reason))
		for i, o := range g.ev {
			if i == 20 {
				fmt.Fprintf(&b, "  … %d more evidence line(s)\n", len(g.ev)-i)
				break
			}
			fmt.Fprintf(&b, "  %s\n", observationText(o))
		}
	}
	s := strings.TrimRight(b.String(), "\n")
	if len(s) > cklDetailsMax {
		s = cutBytes(s, cklDetailsMax) + "\n… (cut: the full results are in -o json)"
	}
	return s
}

// hostOf is the host name of the API server URL.
func hostOf(server string) string {
	u, err := url.Parse(server)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// checklistUUID names this checklist stably: the same report gives the
// same uuid (an RFC 4122 name-based layout over SHA-256).
func checklistUUID(r *report.Report) string {
	sum := sha256.Sum256([]byte("kubectl-harden checklist\x00" + r.Metadata.Server + "\x00" + r.Metadata.Context + "\x00" + r.Metadata.Generated.UTC().String()))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
