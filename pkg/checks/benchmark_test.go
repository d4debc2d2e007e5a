package checks

import (
	"strings"
	"testing"
)

func TestSelectBenchmark(t *testing.T) {
	for _, tc := range []struct {
		version, warning string
	}{
		{"v1.32.0", ""},
		{"v1.34.4", ""},
		{"v1.33.2-eks-4ef4b32", ""},
		{"v1.31.9", "older than Kubernetes 1.32"},
		{"v1.35.0", "server v1.35 is newer than any known mapping"},
		{"v2.0.0", "newer than any known mapping"},
		{"garbage", "cannot parse"},
	} {
		b, reason, warning := SelectBenchmark(tc.version)
		if b != BenchmarkCIS112 || reason == "" {
			t.Errorf("%s: benchmark %q reason %q", tc.version, b, reason)
		}
		if (tc.warning == "") != (warning == "") || !strings.Contains(warning, tc.warning) {
			t.Errorf("%s: warning %q, want %q", tc.version, warning, tc.warning)
		}
	}
}

func TestValidateBenchmark(t *testing.T) {
	for _, b := range append(KnownBenchmarks(), "") {
		if err := ValidateBenchmark(b); err != nil {
			t.Errorf("%q: %v", b, err)
		}
	}
	if err := ValidateBenchmark("cis-1.11"); err == nil || !strings.Contains(err.Error(), "cis-1.12") {
		t.Errorf("cis-1.11: %v", err)
	}
}

func TestManagedPlatform(t *testing.T) {
	for _, tc := range []struct {
		version string
		ids     []string
		want    string
	}{
		{"v1.32.3-eks-bc803b4", nil, "Amazon EKS"},
		{"v1.33.1-gke.1107000", []string{"gce://p/z/n"}, "Google GKE"},
		// azure:// alone is any Azure VM: self-managed (see DetectPlatform).
		{"v1.32.4", []string{"azure:///subscriptions/x/resourceGroups/y"}, ""},
		{"v1.34.4", []string{"kind://docker/kind/kind-worker"}, ""},
		{"v1.34.4", nil, ""},
	} {
		if got := ManagedPlatform(tc.version, tc.ids); got != tc.want {
			t.Errorf("%s %v: got %q, want %q", tc.version, tc.ids, got, tc.want)
		}
	}
}
