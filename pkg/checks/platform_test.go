package checks

import (
	"testing"
)

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
