package plugin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

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
	// ASFFBatchSize is the most findings one BatchImportFindings call takes.
	ASFFBatchSize = 100
)

// ASFFFlags are the flags of -o asff.
type ASFFFlags struct {
	Account     string
	Region      string
	ClusterARN  string
	IncludePass bool
	Dir         string
}

// AddFlags registers the ASFF flags.
func (f *ASFFFlags) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.Account, "aws-account", f.Account, "-o asff: the 12-digit AWS account of the findings (default: $HARDEN_AWS_ACCOUNT_ID, $AWS_ACCOUNT_ID, or the account of --cluster-arn).")
	cmd.Flags().StringVar(&f.Region, "aws-region", f.Region, "-o asff: the AWS region of Security Hub (default: $HARDEN_AWS_REGION, $AWS_REGION, or the region of --cluster-arn).")
	cmd.Flags().StringVar(&f.ClusterARN, "cluster-arn", f.ClusterARN, "-o asff: the EKS cluster ARN; cluster findings get it as an AwsEksCluster resource (default: $HARDEN_CLUSTER_ARN).")
	cmd.Flags().BoolVar(&f.IncludePass, "asff-include-pass", f.IncludePass, "-o asff: also send PASS results (as PASSED findings), which resolve earlier FAILED ones.")
	cmd.Flags().StringVar(&f.Dir, "asff-dir", f.Dir, "-o asff: write batches of at most 100 findings to DIR/asff-NNN.json instead of one array on stdout.")
}

var (
	awsAccountRE = regexp.MustCompile(`^[0-9]{12}$`)
	awsRegionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	eksARNRE     = regexp.MustCompile(`^arn:aws[a-z-]*:eks:([a-z0-9-]+):([0-9]{12}):cluster/[A-Za-z0-9][A-Za-z0-9_-]*$`)
)

// ToOptions fills the flags from the environment and validates them.
func (f *ASFFFlags) ToOptions() (ASFFOptions, error) {
	o := ASFFOptions{Account: f.Account, Region: f.Region, ClusterARN: f.ClusterARN, IncludePass: f.IncludePass, Dir: f.Dir}
	if o.ClusterARN == "" {
		o.ClusterARN = os.Getenv("HARDEN_CLUSTER_ARN")
	}
	var arnRegion, arnAccount string
	if o.ClusterARN != "" {
		m := eksARNRE.FindStringSubmatch(o.ClusterARN)
		if m == nil {
			return o, fmt.Errorf("--cluster-arn %q is not an EKS cluster ARN (arn:aws:eks:REGION:ACCOUNT:cluster/NAME)", o.ClusterARN)
		}
		arnRegion, arnAccount = m[1], m[2]
	}
	o.Account = firstNonEmpty(o.Account, os.Getenv("HARDEN_AWS_ACCOUNT_ID"), os.Getenv("AWS_ACCOUNT_ID"), arnAccount)
	o.Region = firstNonEmpty(o.Region, os.Getenv("HARDEN_AWS_REGION"), os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), arnRegion)
	if !awsAccountRE.MatchString(o.Account) {
		return o, fmt.Errorf("-o asff needs --aws-account: a 12-digit AWS account ID (or $AWS_ACCOUNT_ID), not %q", o.Account)
	}
	if !awsRegionRE.MatchString(o.Region) {
		return o, fmt.Errorf("-o asff needs --aws-region: an AWS region such as us-east-1 (or $AWS_REGION), not %q", o.Region)
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

// ASFFOptions are validated ASFF settings.
type ASFFOptions struct {
	Account     string
	Region      string
	ClusterARN  string
	IncludePass bool
	Dir         string
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
// overwrite each other's findings): product ARN, cluster, target, control
// and, when a control has several results on a target, the object.
func ASFFFindings(r *report.Report, o ASFFOptions) []ASFFFinding {
	productArn := fmt.Sprintf("arn:aws:securityhub:%s:%s:product/%s/default", o.Region, o.Account, o.Account)
	cluster := firstNonEmpty(o.ClusterARN, r.Metadata.Server, r.Metadata.Context, "cluster")
	ts := r.Metadata.Generated.UTC()
	if ts.IsZero() {
		ts = time.Now().UTC()
	}
	stamp := ts.Format(time.RFC3339)
	providerIDs := targetProviderIDs(r)
	findings := []ASFFFinding{}
	for _, t := range r.Targets {
		keys := report.FindingKeys(t.Results)
		for i, res := range t.Results {
			comp, ok := asffCompliance(res.Status, o.IncludePass)
			if !ok {
				continue
			}
			f := ASFFFinding{
				SchemaVersion: asffSchemaVersion,
				ID:            limitID(productArn + "/" + cluster + "/" + keys[i].String()),
				ProductArn:    productArn,
				GeneratorID:   limitID("kubectl-harden/" + res.Benchmark + "/" + res.ControlID),
				AwsAccountID:  o.Account,
				Types:         []string{asffType(res.Benchmark)},
				CreatedAt:     stamp,
				UpdatedAt:     stamp,
				Severity:      asffSeverity(res),
				Title:         truncate(res.ControlID+" "+res.Title, asffMaxTitle),
				Description:   truncate(fmt.Sprintf("%s on %s: %s", res.Status, res.Target, orNone(res.Reason)), asffMaxDescription),
				ProductFields: map[string]string{
					"kubectl-harden/ControlId": res.ControlID,
					"kubectl-harden/Benchmark": res.Benchmark,
					"kubectl-harden/Section":   res.Section,
					"kubectl-harden/Target":    truncate(res.Target, asffMaxFieldValue),
					"kubectl-harden/Status":    string(res.Status),
					"kubectl-harden/Level":     fmt.Sprint(res.Level),
				},
				Resources:   []ASFFResource{asffResource(res.Target, providerIDs[t.Name], o, r.Metadata)},
				Compliance:  ASFFCompliance{Status: comp},
				RecordState: "ACTIVE",
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

func asffType(benchmark string) string {
	if strings.HasPrefix(benchmark, "cis-") {
		return "Software and Configuration Checks/Industry and Regulatory Standards/CIS Kubernetes Benchmark"
	}
	return "Software and Configuration Checks/Industry and Regulatory Standards/Kubernetes Hardening"
}

var awsProviderIDRE = regexp.MustCompile(`^aws:///([a-z0-9-]+)/(i-[0-9a-f]+)$`)

// asffResource is the cluster (AwsEksCluster with --cluster-arn) or the
// node (AwsEc2Instance when its provider ID is aws:///ZONE/i-..., Other
// otherwise).
func asffResource(target, providerID string, o ASFFOptions, md report.Metadata) ASFFResource {
	if target == report.ClusterTargetName {
		if o.ClusterARN != "" {
			return ASFFResource{Type: "AwsEksCluster", ID: o.ClusterARN, Partition: "aws", Region: o.Region}
		}
		return ASFFResource{Type: "Other", ID: limitID("kubernetes-cluster/" + firstNonEmpty(md.Context, md.Server, "cluster")), Region: o.Region}
	}
	if m := awsProviderIDRE.FindStringSubmatch(providerID); m != nil {
		return ASFFResource{Type: "AwsEc2Instance", ID: fmt.Sprintf("arn:aws:ec2:%s:%s:instance/%s", o.Region, o.Account, m[2]), Partition: "aws", Region: o.Region,
			Tags: map[string]string{"kubernetes.io/node": target}}
	}
	return ASFFResource{Type: "Other", ID: limitID("node/" + target), Region: o.Region}
}

// targetProviderIDs reads each target's provider ID from its notes
// ("providerID: aws:///us-east-1a/i-0abc"), when the scan recorded it.
func targetProviderIDs(r *report.Report) map[string]string {
	ids := map[string]string{}
	for _, t := range r.Targets {
		for _, n := range t.Notes {
			if v, ok := strings.CutPrefix(n, "providerID: "); ok {
				ids[t.Name] = strings.TrimSpace(v)
			}
		}
	}
	return ids
}

// truncate cuts s to at most n characters (runes), marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:n-3]) + "..."
}

// limitID keeps an identifier within 512 characters: a longer one keeps its
// start and ends with a hash of the whole, so it stays unique and stable.
func limitID(s string) string {
	if len(s) <= asffMaxID {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:16])
	return s[:asffMaxID-len(h)-1] + "-" + h
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

// printASFF prints the findings as one JSON array on out, or with
// o.Dir writes batches of at most 100 to DIR/asff-001.json, ... (each ready
// for `aws securityhub batch-import-findings --findings file://DIR/asff-001.json`)
// and prints nothing on out.
func printASFF(r *report.Report, o ASFFOptions, out, errOut io.Writer) error {
	fs := ASFFFindings(r, o)
	if o.Dir == "" {
		if len(fs) > ASFFBatchSize {
			fmt.Fprintf(errOut, "%d findings: batch-import-findings takes at most %d per call; use --asff-dir to write batches.\n", len(fs), ASFFBatchSize)
		}
		return printJSON(fs, out)
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
		if err := os.WriteFile(name, append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("--asff-dir: %w", err)
		}
		fmt.Fprintf(errOut, "wrote %d finding(s) to %s\n", len(b), name)
	}
	return nil
}
