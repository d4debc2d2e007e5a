package format

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/pflag"

	"github.com/kubectl-harden/kubectl-harden/internal/ownerfile"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// AWS Security Finding Format limits (docs.aws.amazon.com/securityhub,
// AwsSecurityFinding and BatchImportFindings).
const (
	asffSchemaVersion  = "2018-10-08"
	asffMaxID          = 512
	asffMaxTitle       = 256
	asffMaxDescription = 1024
	asffMaxRemediation = 512
	asffMaxFieldValue  = 2048
	asffMaxNote        = 512
	// ASFFBatchSize is the most findings one BatchImportFindings call takes.
	ASFFBatchSize = 100
)

// asffFormat is -o asff: AWS Security Hub findings. Its options are its
// own flags; the old spellings --aws-account, --aws-region and
// --cluster-arn are still accepted.
type asffFormat struct {
	about
	o ASFFOptions
}

func newASFF() Format {
	return &asffFormat{about: about{"asff", "AWS Security Hub findings (ASFF)", Report}}
}

// ASFFOptions are the settings of -o asff.
type ASFFOptions struct {
	// Account is the 12-digit AWS account of the findings.
	Account string
	// Region is the Security Hub region.
	Region string
	// ClusterARN is the EKS cluster: cluster and workload findings are
	// filed on it as an AwsEksCluster resource.
	ClusterARN string
	// IncludePass also sends PASS results, as PASSED findings.
	IncludePass bool
	// Dir writes batches of at most ASFFBatchSize findings to files there
	// instead of one array on stdout.
	Dir string
}

// AddFlags registers the options of -o asff.
func (f *asffFormat) AddFlags(fs *pflag.FlagSet) {
	o := &f.o
	fs.StringVar(&o.Account, "asff-account", o.Account, "The 12-digit AWS account of the findings (default: $HARDEN_AWS_ACCOUNT_ID, $AWS_ACCOUNT_ID, or the account of --asff-cluster-arn).")
	fs.StringVar(&o.Region, "asff-region", o.Region, "The AWS region of Security Hub (default: $HARDEN_AWS_REGION, $AWS_REGION, or the region of --asff-cluster-arn).")
	fs.StringVar(&o.ClusterARN, "asff-cluster-arn", o.ClusterARN, "The EKS cluster ARN: cluster and workload findings are filed on it as an AwsEksCluster resource (default: $HARDEN_CLUSTER_ARN).")
	fs.BoolVar(&o.IncludePass, "asff-include-pass", o.IncludePass, "Also send PASS results (as PASSED findings), which resolve earlier FAILED ones.")
	fs.StringVar(&o.Dir, "asff-dir", o.Dir, "Write batches of at most 100 findings to DIR/asff-NNN.json instead of one array on stdout.")
	// The spellings of earlier releases, kept working.
	for old, cur := range map[string]*string{"aws-account": &o.Account, "aws-region": &o.Region, "cluster-arn": &o.ClusterARN} {
		fs.StringVar(cur, old, *cur, "Old spelling of --asff-"+strings.TrimPrefix(old, "aws-")+".")
		_ = fs.MarkHidden(old)
	}
}

var (
	awsAccountRE = regexp.MustCompile(`^[0-9]{12}$`)
	awsRegionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	eksARNRE     = regexp.MustCompile(`^arn:aws[a-z-]*:eks:([a-z0-9-]+):([0-9]{12}):cluster/[A-Za-z0-9][A-Za-z0-9_-]*$`)
)

// Complete fills the options from the environment and validates them.
func (f *asffFormat) Complete() error {
	o, err := f.o.Complete()
	f.o = o
	return err
}

// Complete fills the options from the environment and validates them.
func (o ASFFOptions) Complete() (ASFFOptions, error) {
	if o.ClusterARN == "" {
		o.ClusterARN = os.Getenv("HARDEN_CLUSTER_ARN")
	}
	var arnRegion, arnAccount string
	if o.ClusterARN != "" {
		m := eksARNRE.FindStringSubmatch(o.ClusterARN)
		if m == nil {
			return o, fmt.Errorf("--asff-cluster-arn %q is not an EKS cluster ARN (arn:aws:eks:REGION:ACCOUNT:cluster/NAME)", o.ClusterARN)
		}
		arnRegion, arnAccount = m[1], m[2]
	}
	o.Account = firstNonEmpty(o.Account, os.Getenv("HARDEN_AWS_ACCOUNT_ID"), os.Getenv("AWS_ACCOUNT_ID"), arnAccount)
	o.Region = firstNonEmpty(o.Region, os.Getenv("HARDEN_AWS_REGION"), os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), arnRegion)
	if !awsAccountRE.MatchString(o.Account) {
		return o, fmt.Errorf("-o asff needs --asff-account: a 12-digit AWS account ID (or $AWS_ACCOUNT_ID), not %q", o.Account)
	}
	if !awsRegionRE.MatchString(o.Region) {
		return o, fmt.Errorf("-o asff needs --asff-region: an AWS region such as us-east-1 (or $AWS_REGION), not %q", o.Region)
	}
	return o, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// ASFFFinding is the subset of AwsSecurityFinding that kubectl-harden fills.
type ASFFFinding struct {
	SchemaVersion string            `json:"SchemaVersion"`
	ID            string            `json:"Id"`
	ProductArn    string            `json:"ProductArn"`
	GeneratorID   string            `json:"GeneratorId"`
	AwsAccountID  string            `json:"AwsAccountId"`
	Types         []string          `json:"Types"`
	CreatedAt     string            `json:"CreatedAt"`
	UpdatedAt     string            `json:"UpdatedAt"`
	Severity      ASFFSeverity      `json:"Severity"`
	Title         string            `json:"Title"`
	Description   string            `json:"Description"`
	Remediation   *ASFFRemediation  `json:"Remediation,omitempty"`
	ProductFields map[string]string `json:"ProductFields,omitempty"`
	Resources     []ASFFResource    `json:"Resources"`
	Compliance    ASFFCompliance    `json:"Compliance"`
	RecordState   string            `json:"RecordState"`
	// Workflow is SUPPRESSED for an accepted finding, with the
	// exception in Note.
	Workflow *ASFFWorkflow `json:"Workflow,omitempty"`
	Note     *ASFFNote     `json:"Note,omitempty"`
}

// ASFFWorkflow is the investigation status of a finding.
type ASFFWorkflow struct {
	Status string `json:"Status"`
}

// ASFFNote is a user-defined note (Text and UpdatedBy at most 512
// characters each).
type ASFFNote struct {
	Text      string `json:"Text"`
	UpdatedBy string `json:"UpdatedBy"`
	UpdatedAt string `json:"UpdatedAt"`
}

// ASFFSeverity is a finding's severity: a label and our status.
type ASFFSeverity struct {
	Label    string `json:"Label"`
	Original string `json:"Original"`
}

// ASFFRemediation holds the recommendation text.
type ASFFRemediation struct {
	Recommendation ASFFRecommendation `json:"Recommendation"`
}

// ASFFRecommendation is the remediation text (at most 512 characters).
type ASFFRecommendation struct {
	Text string `json:"Text"`
}

// ASFFResource is the node or cluster a finding is about.
type ASFFResource struct {
	Type      string            `json:"Type"`
	ID        string            `json:"Id"`
	Partition string            `json:"Partition,omitempty"`
	Region    string            `json:"Region,omitempty"`
	Details   map[string]any    `json:"Details,omitempty"`
	Tags      map[string]string `json:"Tags,omitempty"`
}

// ASFFCompliance carries the check's verdict.
type ASFFCompliance struct {
	Status string `json:"Status"`
}

// asffCompliance maps a status to Compliance.Status; ok is false for the
// statuses that are not sent.
func asffCompliance(st report.Status, includePass bool) (string, bool) {
	switch st {
	case report.StatusFail:
		return "FAILED", true
	case report.StatusWarn:
		return "WARNING", true
	case report.StatusPass:
		return "PASSED", includePass
	}
	return "", false
}

// asffSeverity: a level-1 FAIL is HIGH, a level-2 FAIL MEDIUM, a WARN (a
// manual review) LOW, a PASS INFORMATIONAL. Original is our status.
func asffSeverity(res report.Result) ASFFSeverity {
	label := "INFORMATIONAL"
	switch res.Status {
	case report.StatusFail:
		label = "HIGH"
		if res.Level > 1 {
			label = "MEDIUM"
		}
	case report.StatusWarn:
		label = "LOW"
	}
	return ASFFSeverity{Label: label, Original: string(res.Status)}
}

// ASFFFindings turns a report into findings: one per FAIL and WARN result,
// and per PASS with IncludePass. The Id is stable across runs (no
// timestamp, unlike kube-bench's early Ids that duplicated findings on every
// run) and includes the cluster (so clusters of one account do not
// overwrite each other's findings): product ARN, cluster, target, control.
func ASFFFindings(r *report.Report, o ASFFOptions) []ASFFFinding {
	productArn := fmt.Sprintf("arn:aws:securityhub:%s:%s:product/%s/default", o.Region, o.Account, o.Account)
	cluster := firstNonEmpty(o.ClusterARN, r.Metadata.Server, r.Metadata.Context, "cluster")
	ts := r.Metadata.Generated.UTC()
	if ts.IsZero() {
		ts = time.Now().UTC()
	}
	stamp := ts.Format(time.RFC3339)
	findings := []ASFFFinding{}
	for _, t := range r.Targets {
		resource := asffResource(t, o, r.Metadata)
		for _, res := range t.Results {
			// An accepted finding is sent with its verdict, suppressed.
			accepted := res.Status == report.StatusAccepted && res.AcceptedStatus != ""
			if accepted {
				res.Status = res.AcceptedStatus
			}
			comp, ok := asffCompliance(res.Status, o.IncludePass)
			if !ok {
				continue
			}
			key := report.FindingKey{Target: t.Name, ControlID: res.ControlID}
			f := ASFFFinding{
				SchemaVersion: asffSchemaVersion,
				ID:            limitID(productArn + "/" + cluster + "/" + key.String()),
				ProductArn:    productArn,
				GeneratorID:   limitID("kubectl-harden/" + res.Benchmark + "/" + res.ControlID),
				AwsAccountID:  o.Account,
				Types:         []string{asffType(res.Benchmark)},
				CreatedAt:     stamp,
				UpdatedAt:     stamp,
				Severity:      asffSeverity(res),
				Title:         truncate(res.ControlID+" "+res.Title, asffMaxTitle),
				Description:   truncate(fmt.Sprintf("%s on %s: %s", res.Status, t.Ref(), OrNone(res.Reason)), asffMaxDescription),
				ProductFields: map[string]string{
					"kubectl-harden/ControlId": res.ControlID,
					"kubectl-harden/Benchmark": res.Benchmark,
					"kubectl-harden/Section":   res.Section,
					"kubectl-harden/Target":    truncate(t.Ref(), asffMaxFieldValue),
					"kubectl-harden/Status":    string(res.Status),
					"kubectl-harden/Level":     fmt.Sprint(res.Level),
				},
				Resources:   []ASFFResource{resource},
				Compliance:  ASFFCompliance{Status: comp},
				RecordState: "ACTIVE",
			}
			if accepted {
				f.ProductFields["kubectl-harden/Status"] = string(report.StatusAccepted)
				f.ProductFields["kubectl-harden/AcceptedStatus"] = string(res.AcceptedStatus)
			}
			if e := res.Exception; e != nil {
				note := AcceptedNote(report.StatusAccepted, res.Status, e)
				if accepted {
					f.Workflow = &ASFFWorkflow{Status: "SUPPRESSED"}
					f.Note = &ASFFNote{Text: truncate(note, asffMaxNote), UpdatedBy: truncate(firstNonEmpty(e.Owner, "kubectl-harden"), asffMaxNote), UpdatedAt: stamp}
				}
				f.ProductFields["kubectl-harden/Exception"] = truncate(note, asffMaxFieldValue)
			}
			if ev := joinEvidence(res.Evidence); ev != "" {
				f.ProductFields["kubectl-harden/Evidence"] = truncate(ev, asffMaxFieldValue)
			}
			if rem := strings.TrimSpace(res.Remediation); rem != "" {
				// An empty Text is rejected: leave Remediation out instead.
				f.Remediation = &ASFFRemediation{Recommendation: ASFFRecommendation{Text: truncate(rem, asffMaxRemediation)}}
			}
			findings = append(findings, f)
		}
	}
	return findings
}

func joinEvidence(obs []report.Observation) string {
	parts := make([]string, 0, len(obs))
	for _, o := range obs {
		parts = append(parts, observationText(o))
	}
	return strings.Join(parts, "; ")
}

func asffType(benchmark string) string {
	if strings.HasPrefix(benchmark, "cis-") {
		return "Software and Configuration Checks/Industry and Regulatory Standards/CIS Kubernetes Benchmark"
	}
	return "Software and Configuration Checks/Industry and Regulatory Standards/Kubernetes Hardening"
}

var awsProviderIDRE = regexp.MustCompile(`^aws:///([a-z0-9-]+)/(i-[0-9a-f]+)$`)

// asffResource is what a target's findings are filed on, by its kind: the
// cluster's API (RBAC and workloads) is the AwsEksCluster of --asff-cluster-arn
// (Other without one); a node is the AwsEc2Instance of its provider ID
// aws:///ZONE/i-... (Other otherwise).
func asffResource(t report.TargetReport, o ASFFOptions, md report.Metadata) ASFFResource {
	switch t.Kind {
	case report.TargetNode:
		if m := awsProviderIDRE.FindStringSubmatch(t.ProviderID); m != nil {
			return ASFFResource{Type: "AwsEc2Instance", ID: fmt.Sprintf("arn:aws:ec2:%s:%s:instance/%s", o.Region, o.Account, m[2]), Partition: "aws", Region: o.Region,
				Tags: map[string]string{"kubernetes.io/node": truncate(t.Name, 256)}}
		}
		return ASFFResource{Type: "Other", ID: limitID(t.Ref()), Region: o.Region}
	case report.TargetCluster, report.TargetWorkloads:
		if o.ClusterARN != "" {
			return ASFFResource{Type: "AwsEksCluster", ID: o.ClusterARN, Partition: "aws", Region: o.Region}
		}
		return ASFFResource{Type: "Other", ID: limitID("kubernetes-cluster/" + firstNonEmpty(md.Context, md.Server, "cluster")), Region: o.Region}
	}
	// A report written before targets had kinds: say only what it says.
	return ASFFResource{Type: "Other", ID: limitID("kubernetes/" + t.Name), Region: o.Region}
}

// truncate cuts s to at most n characters (runes), marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:n-3]) + "..."
}

// limitID keeps an identifier within 512 bytes (so within 512 characters
// too): a longer one keeps its start, cut between characters, and ends
// with a hash of the whole, so it stays unique, stable and valid UTF-8.
func limitID(s string) string {
	if len(s) <= asffMaxID {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:16])
	return cutBytes(s, asffMaxID-len(h)-1) + "-" + h
}

// ASFFBatches splits findings into batches of at most ASFFBatchSize.
func ASFFBatches(fs []ASFFFinding) [][]ASFFFinding {
	var out [][]ASFFFinding
	if len(fs) == 0 {
		return nil
	}
	for len(fs) > ASFFBatchSize {
		out = append(out, fs[:ASFFBatchSize])
		fs = fs[ASFFBatchSize:]
	}
	return append(out, fs)
}

// Print prints the findings as one JSON array, or with --asff-dir writes
// batches of at most 100 to DIR/asff-001.json, ... (each ready for `aws
// securityhub batch-import-findings --findings file://DIR/asff-001.json`)
// and prints nothing on w.Out.
func (f *asffFormat) Print(doc any, w Writer) error {
	r, ok := doc.(*report.Report)
	if !ok {
		return unsupported(f, doc)
	}
	return PrintASFF(r, f.o, w)
}

// PrintASFF prints a report as ASFF findings with validated options.
func PrintASFF(r *report.Report, o ASFFOptions, w Writer) error {
	fs := ASFFFindings(r, o)
	if o.Dir == "" {
		if len(fs) > ASFFBatchSize {
			fmt.Fprintf(w.errOut(), "%d findings: batch-import-findings takes at most %d per call; use --asff-dir to write batches.\n", len(fs), ASFFBatchSize)
		}
		return writeJSON(fs, w.Out)
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return fmt.Errorf("--asff-dir: %w", err)
	}
	for i, b := range ASFFBatches(fs) {
		name := filepath.Join(o.Dir, fmt.Sprintf("asff-%03d.json", i+1))
		data, err := json.MarshalIndent(b, "", "  ")
		if err != nil {
			return err
		}
		// Owner-only: the findings name every node, account and failing
		// control of the cluster.
		if err := ownerfile.Write(name, append(data, '\n')); err != nil {
			return fmt.Errorf("--asff-dir: %w", err)
		}
		fmt.Fprintf(w.errOut(), "wrote %d finding(s) to %s\n", len(b), name)
	}
	return nil
}
