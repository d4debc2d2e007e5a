package plugin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

var asffOpts = ASFFOptions{Account: "123456789012", Region: "us-east-1", ClusterARN: "arn:aws:eks:us-east-1:123456789012:cluster/prod"}

// validateASFF checks a finding against the required attributes and limits
// of AwsSecurityFinding and the mistakes kube-bench made (#903: empty or
// over-long Recommendation.Text; #879: Ids with a timestamp).
func validateASFF(t *testing.T, f ASFFFinding) {
	t.Helper()
	raw, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"AwsAccountId", "CreatedAt", "Description", "GeneratorId", "Id", "ProductArn", "Resources", "SchemaVersion", "Severity", "Title", "Types", "UpdatedAt"} {
		if v, ok := m[k]; !ok || v == "" || v == nil {
			t.Errorf("%s: required %s missing", f.ID, k)
		}
	}
	within := func(name, s string, lo, hi int) {
		if n := utf8.RuneCountInString(s); n < lo || n > hi {
			t.Errorf("%s: %s has %d characters, want %d..%d", f.ID, name, n, lo, hi)
		}
	}
	if f.SchemaVersion != "2018-10-08" {
		t.Errorf("SchemaVersion %q", f.SchemaVersion)
	}
	if !regexp.MustCompile(`^[0-9]{12}$`).MatchString(f.AwsAccountID) {
		t.Errorf("AwsAccountId %q", f.AwsAccountID)
	}
	within("Id", f.ID, 1, 512)
	within("GeneratorId", f.GeneratorID, 1, 512)
	within("Title", f.Title, 1, 256)
	within("Description", f.Description, 1, 1024)
	if f.ProductArn != "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default" {
		t.Errorf("ProductArn %q", f.ProductArn)
	}
	for _, ts := range []string{f.CreatedAt, f.UpdatedAt} {
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || !strings.HasSuffix(ts, "Z") {
			t.Errorf("timestamp %q: %v", ts, err)
		}
	}
	if len(f.Types) == 0 || len(f.Types) > 50 {
		t.Errorf("Types %v", f.Types)
	}
	for _, ty := range f.Types {
		if strings.Count(ty, "/") != 2 || !strings.HasPrefix(ty, "Software and Configuration Checks/") {
			t.Errorf("Types %q is not namespace/category/classifier", ty)
		}
	}
	if !slices.Contains([]string{"INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"}, f.Severity.Label) || f.Severity.Original == "" {
		t.Errorf("Severity %+v", f.Severity)
	}
	if !slices.Contains([]string{"PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"}, f.Compliance.Status) {
		t.Errorf("Compliance.Status %q", f.Compliance.Status)
	}
	if f.Remediation != nil {
		within("Remediation.Recommendation.Text", f.Remediation.Recommendation.Text, 1, 512)
	}
	if len(f.Resources) == 0 || len(f.Resources) > 32 {
		t.Errorf("Resources %v", f.Resources)
	}
	for _, r := range f.Resources {
		within("Resources.Id", r.ID, 1, 512)
		if !slices.Contains([]string{"AwsEksCluster", "AwsEc2Instance", "Other"}, r.Type) {
			t.Errorf("Resources.Type %q", r.Type)
		}
	}
	if len(f.ProductFields) > 50 {
		t.Errorf("%d ProductFields", len(f.ProductFields))
	}
	for k, v := range f.ProductFields {
		within("ProductFields key", k, 1, 128)
		within("ProductFields["+k+"]", v, 0, 2048)
	}
	if regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}T`).MatchString(f.ID) {
		t.Errorf("Id %q embeds a timestamp: every run would duplicate the finding", f.ID)
	}
}

func TestASFFFindings(t *testing.T) {
	r := sampleReport()
	r.Targets[1].Notes = append(r.Targets[1].Notes, "providerID: aws:///us-east-1a/i-0abc123def4567890")
	long := strings.Repeat("é", 3000)
	r.AddTarget(report.TargetReport{Name: report.ClusterTargetName, Results: []report.Result{
		{ControlID: "5.1.1", Title: long, Section: "5.1", Benchmark: report.BenchmarkCIS112, Level: 1, Target: report.ClusterTargetName, Status: report.StatusFail, Reason: long, Remediation: long,
			Evidence: []report.Observation{{Location: "clusterrolebinding/x", Value: long}}},
		{ControlID: "5.1.2", Title: "t", Section: "5.1", Benchmark: report.BenchmarkCIS112, Level: 2, Target: report.ClusterTargetName, Status: report.StatusFail, Reason: "r", Remediation: "  "},
	}})
	fs := ASFFFindings(r, asffOpts)
	// FAIL and WARN only: cp-1 1.2.15 FAIL, 1.2.20 WARN; worker-1 4.2.1 FAIL; cluster 5.1.1, 5.1.2.
	if len(fs) != 5 {
		t.Fatalf("%d findings, want 5", len(fs))
	}
	ids := map[string]bool{}
	for _, f := range fs {
		validateASFF(t, f)
		if ids[f.ID] {
			t.Errorf("duplicate Id %s", f.ID)
		}
		ids[f.ID] = true
	}
	byTitle := func(prefix string) ASFFFinding {
		for _, f := range fs {
			if strings.HasPrefix(f.Title, prefix) && (prefix != "4.2.1" || f.Resources[0].Type != "Other") {
				return f
			}
		}
		t.Fatalf("no finding %s", prefix)
		return ASFFFinding{}
	}
	if f := byTitle("1.2.15"); f.Severity.Label != "HIGH" || f.Compliance.Status != "FAILED" || f.Resources[0].Type != "Other" || f.Resources[0].ID != "node/cp-1" || f.Remediation == nil {
		t.Errorf("1.2.15: %+v", f)
	}
	if f := byTitle("1.2.20"); f.Severity.Label != "LOW" || f.Compliance.Status != "WARNING" {
		t.Errorf("1.2.20: %+v", f)
	}
	if f := byTitle("4.2.1"); f.Resources[0].Type != "AwsEc2Instance" || f.Resources[0].ID != "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc123def4567890" {
		t.Errorf("worker-1 resource: %+v", f.Resources)
	}
	if f := byTitle("5.1.1"); f.Resources[0].Type != "AwsEksCluster" || f.Resources[0].ID != asffOpts.ClusterARN {
		t.Errorf("cluster resource: %+v", f.Resources)
	}
	if f := byTitle("5.1.2"); f.Remediation != nil || f.Severity.Label != "MEDIUM" {
		t.Errorf("blank remediation must be left out, level 2 is MEDIUM: %+v", f)
	}

	// --asff-include-pass adds the PASS results as PASSED.
	withPass := ASFFFindings(r, ASFFOptions{Account: "123456789012", Region: "us-east-1", IncludePass: true})
	if len(withPass) != 7 {
		t.Errorf("with PASS: %d findings, want 7", len(withPass))
	}
	// Ids are stable across runs and differ between clusters.
	later := sampleReport()
	later.Metadata.Generated = later.Metadata.Generated.Add(24 * time.Hour)
	a, b := ASFFFindings(sampleReport(), asffOpts), ASFFFindings(later, asffOpts)
	other := asffOpts
	other.ClusterARN = "arn:aws:eks:us-east-1:123456789012:cluster/staging"
	c := ASFFFindings(sampleReport(), other)
	if a[0].ID != b[0].ID || a[0].ID == c[0].ID || a[0].UpdatedAt == b[0].UpdatedAt {
		t.Errorf("Ids: run1 %s run2 %s other cluster %s", a[0].ID, b[0].ID, c[0].ID)
	}
}

func TestASFFBatchesAndDir(t *testing.T) {
	r := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: report.BenchmarkCIS112, Generated: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	var rs []report.Result
	for i := range 250 {
		rs = append(rs, report.Result{ControlID: fmt.Sprintf("1.%d", i), Title: "t", Benchmark: report.BenchmarkCIS112, Target: "n", Status: report.StatusFail, Reason: "r"})
	}
	r.AddTarget(report.TargetReport{Name: "n", Results: rs})
	dir := filepath.Join(t.TempDir(), "asff")
	o := asffOpts
	o.Dir = dir
	var out, errOut bytes.Buffer
	if err := printASFF(r, o, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("with --asff-dir stdout must be empty: %q", out.String())
	}
	var sizes []int
	for _, name := range []string{"asff-001.json", "asff-002.json", "asff-003.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var batch []ASFFFinding
		if err := json.Unmarshal(b, &batch); err != nil {
			t.Fatal(err)
		}
		for _, f := range batch {
			validateASFF(t, f)
		}
		sizes = append(sizes, len(batch))
	}
	if !slices.Equal(sizes, []int{100, 100, 50}) {
		t.Errorf("batch sizes %v", sizes)
	}
	if !strings.Contains(errOut.String(), "wrote 50 finding(s)") {
		t.Errorf("stderr %q", errOut.String())
	}
	if ASFFBatches(nil) != nil {
		t.Error("no findings must give no batch (an empty import is an error)")
	}
}

func TestASFFFlags(t *testing.T) {
	t.Setenv("AWS_ACCOUNT_ID", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("HARDEN_AWS_ACCOUNT_ID", "")
	t.Setenv("HARDEN_AWS_REGION", "")
	t.Setenv("HARDEN_CLUSTER_ARN", "")
	if _, err := (&ASFFFlags{}).ToOptions(); err == nil || !strings.Contains(err.Error(), "--aws-account") {
		t.Errorf("no account: %v", err)
	}
	if _, err := (&ASFFFlags{Account: "123456789012", Region: "nowhere"}).ToOptions(); err == nil || !strings.Contains(err.Error(), "--aws-region") {
		t.Errorf("bad region: %v", err)
	}
	if _, err := (&ASFFFlags{ClusterARN: "arn:aws:s3:::bucket"}).ToOptions(); err == nil || !strings.Contains(err.Error(), "--cluster-arn") {
		t.Errorf("bad ARN: %v", err)
	}
	o, err := (&ASFFFlags{ClusterARN: "arn:aws:eks:eu-central-1:210987654321:cluster/x"}).ToOptions()
	if err != nil || o.Account != "210987654321" || o.Region != "eu-central-1" {
		t.Errorf("from the ARN: %+v %v", o, err)
	}
	t.Setenv("HARDEN_AWS_ACCOUNT_ID", "111111111111")
	t.Setenv("AWS_REGION", "ap-south-1")
	if o, err := (&ASFFFlags{}).ToOptions(); err != nil || o.Account != "111111111111" || o.Region != "ap-south-1" {
		t.Errorf("from the environment: %+v %v", o, err)
	}
	t.Setenv("HARDEN_AWS_ACCOUNT_ID", "")
	if _, errOut, code := run(t, "scan", "--from-evidence", kindCPEvidence, "-o", "asff"); code != ExitError || !strings.Contains(errOut, "--aws-account") {
		t.Errorf("-o asff without an account: exit %d %q", code, errOut)
	}
}

// The scan writes the note -o asff reads: a node with an AWS provider ID
// becomes an AwsEc2Instance resource.
func TestScanRecordsProviderID(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "ip-10-0-1-5"}, Spec: corev1.NodeSpec{ProviderID: "aws:///eu-west-1b/i-0123456789abcdef0"}}
	tg := withProviderID(report.TargetReport{Name: n.Name, Results: []report.Result{{ControlID: "3.2.4", Target: n.Name, Status: report.StatusFail, Title: "t", Reason: "r"}}}, n)
	r := report.NewReport(report.KindNodeScan, report.Metadata{})
	r.AddTarget(tg)
	fs := ASFFFindings(r, ASFFOptions{Account: "123456789012", Region: "eu-west-1"})
	if len(fs) != 1 || fs[0].Resources[0].Type != "AwsEc2Instance" || fs[0].Resources[0].ID != "arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0" {
		t.Errorf("resource of a node with an AWS provider ID: %+v", fs)
	}
	if got := withProviderID(report.TargetReport{Name: "kind-worker"}, &corev1.Node{}); len(got.Notes) != 0 {
		t.Errorf("a node without a provider ID gets notes %v", got.Notes)
	}
}
