package debugpod

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"
)

func fixedSuffix() string { return "x7k2p" }

func wantPod(name, ns, node, nodeLabel string, mutate func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: ns,
			Labels: map[string]string{
				"app.kubernetes.io/managed-by": "kubectl-harden", "app.kubernetes.io/name": "kubectl-harden",
				"harden.kubectl.io/scan-id": "abc12", "harden.kubectl.io/node": nodeLabel,
			},
		},
		Spec: corev1.PodSpec{
			NodeName:                      node,
			Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			RestartPolicy:                 corev1.RestartPolicyNever,
			HostPID:                       true,
			AutomountServiceAccountToken:  ptr.To(false),
			EnableServiceLinks:            ptr.To(false),
			ActiveDeadlineSeconds:         ptr.To(int64(180)),
			TerminationGracePeriodSeconds: ptr.To(int64(0)),
			Containers: []corev1.Container{{
				Name:            "collector",
				Image:           DefaultImage,
				ImagePullPolicy: corev1.PullIfNotPresent,
				Command:         append([]string{"sh", "-c", CollectorScript, "kubectl-harden-collector"}, Targets()...),
				Env: []corev1.EnvVar{
					{Name: "HARDEN_HOST", Value: "/host"}, {Name: "HARDEN_MAX_FILE", Value: "262144"},
					{Name: "HARDEN_MAX_TOTAL", Value: "4194304"}, {Name: "HARDEN_PROC", Value: "/proc"},
					{Name: "HARDEN_TARGET_FLAGS", Value: FlagTargets()},
				},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
				},
				SecurityContext: &corev1.SecurityContext{
					Privileged: ptr.To(true), ReadOnlyRootFilesystem: ptr.To(true), RunAsUser: ptr.To(int64(0)),
				},
				VolumeMounts: []corev1.VolumeMount{{
					Name: "host", MountPath: "/host", ReadOnly: true,
					RecursiveReadOnly: ptr.To(corev1.RecursiveReadOnlyIfPossible),
				}},
				TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
			}},
			Volumes: []corev1.Volume{{
				Name: "host",
				VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{
					Path: "/", Type: ptr.To(corev1.HostPathDirectory),
				}},
			}},
		},
	}
	if mutate != nil {
		mutate(p)
	}
	return p
}

func TestGenerate(t *testing.T) {
	longNode := strings.Repeat("very-long-node-name.", 8) + "example.com"
	tests := []struct {
		name string
		node string
		opts func(*Options)
		want *corev1.Pod
	}{
		{
			name: "defaults",
			node: "worker-1",
			want: wantPod("kubectl-harden-worker-1-x7k2p", "kubectl-harden-abc12", "worker-1", "worker-1", nil),
		},
		{
			name: "zero options are defaulted",
			node: "worker-1",
			opts: func(o *Options) {
				*o = Options{ScanID: "abc12", RandomSuffix: fixedSuffix} // namespace from the scan id
			},
			want: wantPod("kubectl-harden-worker-1-x7k2p", "kubectl-harden-abc12", "worker-1", "worker-1", nil),
		},
		{
			name: "custom image, pull secrets, unprivileged, timeout",
			node: "ip-10-0-0-1.ec2.internal",
			opts: func(o *Options) {
				o.Namespace = "security"
				o.Image = "registry.local/busybox:1.37"
				o.ImagePullPolicy = corev1.PullNever
				o.ImagePullSecrets = []string{"regcred"}
				o.Privileged = ptr.To(false)
				o.Timeout = 90*time.Second + 500*time.Millisecond
				o.MaxTotalBytes = 1000
			},
			want: wantPod("kubectl-harden-ip-10-0-0-1-ec2-internal-x7k2p", "security", "ip-10-0-0-1.ec2.internal", "ip-10-0-0-1.ec2.internal", func(p *corev1.Pod) {
				c := &p.Spec.Containers[0]
				c.Image, c.ImagePullPolicy = "registry.local/busybox:1.37", corev1.PullNever
				c.SecurityContext.Privileged = ptr.To(false)
				c.Env[2].Value = "1000"
				p.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "regcred"}}
				p.Spec.ActiveDeadlineSeconds = ptr.To(int64(91))
			}),
		},
		{
			name: "long node name is cut for name and label",
			node: longNode,
			want: wantPod("kubectl-harden-very-long-node-name-very-long-node-name-ve-x7k2p", "kubectl-harden-abc12", longNode,
				"very-long-node-name.very-long-node-name.very-long-node-name.ver", nil),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			o.Namespace, o.ScanID, o.RandomSuffix = "kubectl-harden-abc12", "abc12", fixedSuffix
			if tt.opts != nil {
				tt.opts(&o)
			}
			got := Generate(tt.node, o)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Generate (-want +got):\n%s", diff)
			}
			if errs := validation.IsDNS1123Label(got.Name); len(errs) > 0 {
				t.Errorf("pod name %q: %v", got.Name, errs)
			}
			for k, v := range got.Labels {
				if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
					t.Errorf("label %s=%q: %v", k, v, errs)
				}
			}
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
