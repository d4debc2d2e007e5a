package debugpod

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-harden/kubectl-harden/internal/golden"
)

func fixedSuffix() string { return "x7k2p" }

// TestGenerate compares each generated pod with its manifest under
// testdata/pod-*.yaml: the pod a scan creates on the user's cluster, in the
// form they would review it. The collector script and its arguments are
// checked apart and shown as a placeholder in the manifests.
func TestGenerate(t *testing.T) {
	longNode := strings.Repeat("very-long-node-name.", 8) + "example.com"
	tests := []struct {
		name   string
		golden string
		node   string
		opts   func(*Options)
	}{
		{name: "defaults", golden: "pod-defaults.yaml", node: "worker-1"},
		{
			name: "zero options are defaulted", golden: "pod-defaults.yaml", node: "worker-1",
			opts: func(o *Options) {
				*o = Options{ScanID: "abc12", RandomSuffix: fixedSuffix} // namespace from the scan id
			},
		},
		{
			name: "custom image, pull secrets, unprivileged, timeout", golden: "pod-custom.yaml", node: "ip-10-0-0-1.ec2.internal",
			opts: func(o *Options) {
				o.Namespace = "security"
				o.Image = "registry.local/busybox:1.37"
				o.ImagePullPolicy = corev1.PullNever
				o.ImagePullSecrets = []string{"regcred"}
				o.Privileged = ptr.To(false)
				o.Timeout = 90*time.Second + 500*time.Millisecond
				o.MaxTotalBytes = 1000
			},
		},
		{name: "long node name is cut for name and label", golden: "pod-long-node-name.yaml", node: longNode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			o.Namespace, o.ScanID, o.RandomSuffix = "kubectl-harden-abc12", "abc12", fixedSuffix
			if tt.opts != nil {
				tt.opts(&o)
			}
			got := Generate(tt.node, o)
			if errs := validation.IsDNS1123Label(got.Name); len(errs) > 0 {
				t.Errorf("pod name %q: %v", got.Name, errs)
			}
			for k, v := range got.Labels {
				if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
					t.Errorf("label %s=%q: %v", k, v, errs)
				}
			}
			c := &got.Spec.Containers[0]
			wantCmd := append([]string{"sh", "-c", CollectorScript, "kubectl-harden-collector"}, Targets()...)
			if diff := cmp.Diff(wantCmd, c.Command); diff != "" {
				t.Errorf("command (-want +got):\n%s", diff)
			}
			c.Command = []string{"sh", "-c", "<collector.sh>", "kubectl-harden-collector", "<targets>"}
			for i := range c.Env {
				if c.Env[i].Name == "HARDEN_TARGET_FLAGS" && c.Env[i].Value == FlagTargets() {
					c.Env[i].Value = "<flag targets>"
				}
			}
			b, err := yaml.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata", tt.golden), b)
		})
	}
}

func TestGenerateNamespace(t *testing.T) {
	want := &corev1.Namespace{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: "kubectl-harden-abc12", Labels: map[string]string{
			"app.kubernetes.io/managed-by": "kubectl-harden", "app.kubernetes.io/name": "kubectl-harden",
			"harden.kubectl.io/scan-id":          "abc12",
			"pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/audit": "privileged",
			"pod-security.kubernetes.io/warn": "privileged",
		}},
	}
	if diff := cmp.Diff(want, GenerateNamespace("abc12")); diff != "" {
		t.Errorf("GenerateNamespace (-want +got):\n%s", diff)
	}
}

func TestLabelValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"worker-1", "worker-1"},
		{"node_1.example.com", "node_1.example.com"},
		{"-weird/name:", "weird-name"},
		{strings.Repeat("a", 70), strings.Repeat("a", 63)},
		{strings.Repeat("a", 62) + ".b", strings.Repeat("a", 62)},
	}
	for _, tt := range tests {
		if got := LabelValue(tt.in); got != tt.want {
			t.Errorf("LabelValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"ok", DefaultOptions(), ""},
		{"zero", Options{}, ""},
		{"negative timeout", Options{Timeout: -time.Second}, "--timeout must not be negative"},
		{"short timeout", Options{Timeout: time.Second}, "--timeout must be at least 10s"},
		{"pull policy", Options{ImagePullPolicy: "Sometimes"}, "--image-pull-policy"},
		{"namespace", Options{Namespace: "Bad_NS"}, "--namespace"},
		{"pull secret", Options{ImagePullSecrets: []string{"bad secret"}}, "--image-pull-secret"},
		{"scan id", Options{ScanID: "UPPER"}, "scan id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestDefaultImagePinned keeps DefaultImage equal to the busybox:1.37.0
// index digest recorded in docker-library/repo-info (see DefaultImage): a
// tag-only or unrecorded reference fails here.
func TestDefaultImagePinned(t *testing.T) {
	const (
		repoTag = "docker.io/library/busybox:1.37.0"
		// docker-library/repo-info repos/busybox/remote/1.37.0.md @ 01a7054230d5
		defaultImageDigest = "sha256:9db7b59979c38555a39def84a31fb98b5296952f9e3afd4f6f11f05b07adfab0"
	)
	name, digest, ok := strings.Cut(DefaultImage, "@")
	if !ok {
		t.Fatalf("DefaultImage %q is not pinned by digest", DefaultImage)
	}
	if name != repoTag || digest != defaultImageDigest {
		t.Errorf("DefaultImage = %q, want %s@%s (the recorded index digest)", DefaultImage, repoTag, defaultImageDigest)
	}
}
