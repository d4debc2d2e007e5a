package format

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

	"github.com/kubectl-harden/kubectl-harden/internal/reportsample"
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
		if !utf8.ValidString(s) {
			t.Errorf("%s: %s is not valid UTF-8: %q", f.ID, name, s)
		}
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
	for _, ts := range []string{f.CreatedAt, f.UpdatedAt} {
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || !strings.HasSuffix(ts, "Z") {
			t.Errorf("timestamp %q: %v", ts, err)
		}
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
	for k, v := range f.ProductFields {
		within("ProductFields key", k, 1, 128)
		within("ProductFields["+k+"]", v, 0, 2048)
	}
	if regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}T`).MatchString(f.ID) {
		t.Errorf("Id %q embeds a timestamp: every run would duplicate the finding", f.ID)
	}
}

func TestASFFFindings(t *testing.T) {
	r := reportsample.Report()
	r.Targets[1].ProviderID = "aws:///us-east-1a/i-0abc123def4567890"
	long := strings.Repeat("é", 3000)
	r.AddTarget(report.TargetReport{Kind: report.TargetCluster, Name: report.ClusterTargetName, Results: []report.Result{
		{ControlID: "5.1.1", Title: long, Section: "5.1", Benchmark: report.BenchmarkCIS112, Level: 1, Target: report.ClusterTargetName, Status: report.StatusFail, Reason: long, Remediation: long,
			Evidence: []report.Observation{{Location: "clusterrolebinding/x", Value: long}}},
		{ControlID: "5.1.2", Title: "t", Section: "5.1", Benchmark: report.BenchmarkCIS112, Level: 2, Target: report.ClusterTargetName, Status: report.StatusFail, Reason: "r", Remediation: "  "},
	}})
	r.AddTarget(report.TargetReport{Kind: report.TargetWorkloads, Name: "workloads", Results: []report.Result{
		{ControlID: "5.2.2", Title: "privileged", Section: "5.2", Benchmark: report.BenchmarkCIS112, Level: 1, Target: "workloads", Status: report.StatusFail, Reason: "r"},
	}})
	// A node named like the workloads target is still a node.
	r.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: "cluster", Results: []report.Result{
		{ControlID: "4.2.2", Title: "t", Section: "4.2", Benchmark: report.BenchmarkCIS112, Level: 1, Target: "cluster", Status: report.StatusFail, Reason: "r"},
	}})
	fs := ASFFFindings(r, asffOpts)
	// FAIL and WARN only: cp-1 1.2.15, 1.2.20; worker-1 4.2.1; cluster 5.1.1, 5.1.2; workloads 5.2.2; node "cluster" 4.2.2.
	if len(fs) != 7 {
		t.Fatalf("%d findings, want 7", len(fs))
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
			if strings.HasPrefix(f.Title, prefix) {
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
	for _, id := range []string{"5.1.1", "5.2.2"} {
		if f := byTitle(id); f.Resources[0].Type != "AwsEksCluster" || f.Resources[0].ID != asffOpts.ClusterARN {
			t.Errorf("%s resource: %+v", id, f.Resources)
		}
	}
	if f := byTitle("4.2.2"); f.Resources[0].Type != "Other" || f.Resources[0].ID != "node/cluster" {
		t.Errorf("the node named cluster is filed on %+v", f.Resources)
	}
	if f := byTitle("5.1.2"); f.Remediation != nil || f.Severity.Label != "MEDIUM" {
		t.Errorf("blank remediation must be left out, level 2 is MEDIUM: %+v", f)
	}
	// Without a cluster ARN the cluster's findings are an Other resource.
	noARN := asffOpts
	noARN.ClusterARN = ""
	for _, f := range ASFFFindings(r, noARN) {
		if strings.HasPrefix(f.Title, "5.2.2") && (f.Resources[0].Type != "Other" || f.Resources[0].ID != "kubernetes-cluster/kind-demo") {
			t.Errorf("workloads without an ARN: %+v", f.Resources)
		}
	}

	// --asff-include-pass adds the PASS results as PASSED.
	withPass := ASFFFindings(r, ASFFOptions{Account: "123456789012", Region: "us-east-1", IncludePass: true})
	if len(withPass) != 9 {
		t.Errorf("with PASS: %d findings, want 9", len(withPass))
	}
	// Ids are stable across runs and differ between clusters.
	later := reportsample.Report()
	later.Metadata.Generated = later.Metadata.Generated.Add(24 * time.Hour)
	a, b := ASFFFindings(reportsample.Report(), asffOpts), ASFFFindings(later, asffOpts)
	other := asffOpts
	other.ClusterARN = "arn:aws:eks:us-east-1:123456789012:cluster/staging"
	c := ASFFFindings(reportsample.Report(), other)
	if a[0].ID != b[0].ID || a[0].ID == c[0].ID || a[0].UpdatedAt == b[0].UpdatedAt {
		t.Errorf("Ids: run1 %s run2 %s other cluster %s", a[0].ID, b[0].ID, c[0].ID)
	}
	if a[0].ID != "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default/arn:aws:eks:us-east-1:123456789012:cluster/prod/cp-1/1.2.15" {
		t.Errorf("Id %s changed form: Security Hub would see every finding as new", a[0].ID)
	}
}

// An Id longer than 512 bytes is cut between characters, whatever their
// width, and stays unique.
func TestLimitIDKeepsUTF8(t *testing.T) {
	seen := map[string]bool{}
	for pad := range 4 {
		for _, ch := range []string{"é", "€", "😀"} {
			s := strings.Repeat("a", pad) + strings.Repeat(ch, 400)
			id := limitID(s)
			if !utf8.ValidString(id) || len(id) > asffMaxID {
				t.Errorf("%d×%s after %d bytes: %d bytes, valid %v", 400, ch, pad, len(id), utf8.ValidString(id))
			}
			if seen[id] {
				t.Errorf("two Ids are the same: %s", id)
			}
			seen[id] = true
		}
	}
	if limitID("short") != "short" {
		t.Error("a short Id changed")
	}
}

func TestASFFBatchesAndDir(t *testing.T) {
	r := report.NewReport(report.KindNodeScan, report.Metadata{Benchmark: report.BenchmarkCIS112, Generated: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	var rs []report.Result
	for i := range 250 {
		rs = append(rs, report.Result{ControlID: fmt.Sprintf("1.%d", i), Title: "t", Benchmark: report.BenchmarkCIS112, Target: "n", Status: report.StatusFail, Reason: "r"})
	}
	r.AddTarget(report.TargetReport{Kind: report.TargetNode, Name: "n", Results: rs})
	dir := filepath.Join(t.TempDir(), "asff")
	// An earlier run left a world-readable batch: writing over it must
	// leave it owner-only too.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "asff-001.json"), []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := asffOpts
	o.Dir = dir
	var out, errOut bytes.Buffer
	if err := PrintASFF(r, o, Writer{Out: &out, ErrOut: &errOut}); err != nil {
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
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v: findings must be readable by their owner only", name, st.Mode().Perm())
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

func TestASFFOptions(t *testing.T) {
	for _, v := range []string{"AWS_ACCOUNT_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "HARDEN_AWS_ACCOUNT_ID", "HARDEN_AWS_REGION", "HARDEN_CLUSTER_ARN"} {
		t.Setenv(v, "")
	}
	if _, err := (ASFFOptions{}).Complete(); err == nil || !strings.Contains(err.Error(), "--asff-account") {
		t.Errorf("no account: %v", err)
	}
	if _, err := (ASFFOptions{Account: "123456789012", Region: "nowhere"}).Complete(); err == nil || !strings.Contains(err.Error(), "--asff-region") {
		t.Errorf("bad region: %v", err)
	}
	if _, err := (ASFFOptions{ClusterARN: "arn:aws:s3:::bucket"}).Complete(); err == nil || !strings.Contains(err.Error(), "--asff-cluster-arn") {
		t.Errorf("bad ARN: %v", err)
	}
	o, err := (ASFFOptions{ClusterARN: "arn:aws:eks:eu-central-1:210987654321:cluster/x"}).Complete()
	if err != nil || o.Account != "210987654321" || o.Region != "eu-central-1" {
		t.Errorf("from the ARN: %+v %v", o, err)
	}
	t.Setenv("HARDEN_AWS_ACCOUNT_ID", "111111111111")
	t.Setenv("AWS_REGION", "ap-south-1")
	if o, err := (ASFFOptions{}).Complete(); err != nil || o.Account != "111111111111" || o.Region != "ap-south-1" {
		t.Errorf("from the environment: %+v %v", o, err)
	}
}
