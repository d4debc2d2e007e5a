package debugpod

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"
)

// DefaultImage is the collector image: busybox has POSIX sh, stat, find,
// awk and base64 and nothing else. It is pinned by digest so that a moved
// tag cannot change what runs privileged on every node.
//
// The digest is the manifest list (OCI image index, 17 platforms) of
// docker.io/library/busybox:1.37.0 as published by Docker Official Images
// in github.com/docker-library/repo-info, file
// repos/busybox/remote/1.37.0.md at commit
// 01a7054230d50b3dccaf8d579f161c522be8c9f0 (the rebuild of 22 May 2026;
// repo-info is generated from the registry by the image maintainers). The
// official tag is rebuilt from time to time, so a newer record may list a
// newer digest; registries keep serving older ones by digest. To re-pin,
// take the digest on the first "docker pull busybox@sha256:" line of that
// file, and keep defaultImageDigest in pod_test.go equal to it.
// Air-gapped users mirror it and pass --image.
const DefaultImage = "docker.io/library/busybox:1.37.0@sha256:9db7b59979c38555a39def84a31fb98b5296952f9e3afd4f6f11f05b07adfab0"

// DefaultTimeout bounds one node's collection, image pull included. It is
// also the pod's activeDeadlineSeconds, so a pod whose client vanished
// stops by itself.
const DefaultTimeout = 3 * time.Minute

// ContainerName is the name of the collector container.
const ContainerName = "collector"

// Labels and label values on every object the scan creates. ManagedByLabel
// is what `kubectl harden cleanup` selects on.
const (
	ManagedByLabel = "app.kubernetes.io/managed-by"
	NameLabel      = "app.kubernetes.io/name"
	ScanIDLabel    = "harden.kubectl.io/scan-id"
	NodeLabel      = "harden.kubectl.io/node"
	ManagedBy      = "kubectl-harden"
	// NamePrefix starts the names of pods and temporary namespaces.
	NamePrefix = "kubectl-harden-"
)

// Pod Security Admission labels set on the temporary namespace.
const (
	PSAEnforceLabel = "pod-security.kubernetes.io/enforce"
	PSAAuditLabel   = "pod-security.kubernetes.io/audit"
	PSAWarnLabel    = "pod-security.kubernetes.io/warn"
	PSAPrivileged   = "privileged"
)

// Options configure the collector pods. Start from DefaultOptions; zero
// fields are defaulted as documented on each.
type Options struct {
	// Image is the collector image (default DefaultImage). It needs a POSIX
	// sh with stat, find, awk, sed, tr, head, grep, readlink and base64.
	Image string
	// ImagePullPolicy defaults to IfNotPresent.
	ImagePullPolicy corev1.PullPolicy
	// ImagePullSecrets name secrets in the pods' namespace.
	ImagePullSecrets []string
	// Namespace runs the pods in an existing namespace. "" creates a
	// temporary namespace kubectl-harden-<scan-id>, labelled to allow
	// privileged pods, and deletes it at Close.
	Namespace string
	// Timeout bounds one node's collection (default DefaultTimeout).
	Timeout time.Duration
	// Privileged runs the collector privileged (nil means true). Without it
	// the host files can still be stat-ed, but the kubelet's and other
	// processes' environment and mount namespace cannot be read.
	Privileged *bool
	// ScanID labels every object of one scan (default: random, set by
	// NewRunner). It must be a valid label value of at most 20 characters.
	ScanID string
	// Resources of the collector container (default: DefaultResources).
	Resources *corev1.ResourceRequirements
	// MaxFileBytes and MaxTotalBytes bound one file read and the whole
	// output (defaults DefaultMaxFileBytes, DefaultMaxTotalBytes).
	MaxFileBytes, MaxTotalBytes int64
	// Progress, if set, is told each phase of each node (Phase* constants).
	// It is called from several goroutines at once.
	Progress func(node, phase string)
	// Warn, if set, receives problems that do not stop the scan.
	Warn func(msg string)
	// Logs, if set, opens the collector container's log (at most limit
	// bytes) instead of the API's pods/log; simulations and tests set it
	// because the fake clientset's logs are always "fake logs".
	Logs func(ctx context.Context, ns, pod string, limit int64) (io.ReadCloser, error)
	// RandomSuffix makes the random part of names (default 5 random
	// lower-case alphanumerics); tests inject a fixed one.
	RandomSuffix func() string
}

// Phases reported to Options.Progress.
const (
	PhaseCreating = "creating"
	PhasePending  = "pending"
	PhaseRunning  = "running"
	PhaseReading  = "reading"
	PhaseDeleting = "deleting"
	PhaseDone     = "done"
	PhaseFailed   = "failed"
)

// DefaultOptions returns the options a scan uses unless told otherwise.
func DefaultOptions() Options {
	return Options{
		Image: DefaultImage, ImagePullPolicy: corev1.PullIfNotPresent, Timeout: DefaultTimeout,
		Privileged: ptr.To(true), MaxFileBytes: DefaultMaxFileBytes, MaxTotalBytes: DefaultMaxTotalBytes,
	}
}

// DefaultResources are small: the collector is a shell script reading a
// few hundred files. Requests are tiny so that the pod fits on a full node
// (trivy#3776, OutOfcpu); limits keep a runaway collector in check.
func DefaultResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
	}
}

// withDefaults fills zero fields.
func (o Options) withDefaults() Options {
	if o.Image == "" {
		o.Image = DefaultImage
	}
	if o.ImagePullPolicy == "" {
		o.ImagePullPolicy = corev1.PullIfNotPresent
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Privileged == nil {
		o.Privileged = ptr.To(true)
	}
	if o.Resources == nil {
		r := DefaultResources()
		o.Resources = &r
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxTotalBytes <= 0 {
		o.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if o.RandomSuffix == nil {
		o.RandomSuffix = func() string { return utilrand.String(5) }
	}
	return o
}

// Validate checks the options; errors name the command-line flag that
// sets the field (kubectl harden scan's --timeout, --image-pull-policy,
// ...), which is what a user can fix.
func (o Options) Validate() error {
	if o.Timeout < 0 {
		return fmt.Errorf("--timeout must not be negative, got %s", o.Timeout)
	}
	if o.Timeout > 0 && o.Timeout < 10*time.Second {
		return fmt.Errorf("--timeout must be at least 10s to leave time to start a pod, got %s", o.Timeout)
	}
	switch o.ImagePullPolicy {
	case "", corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		return fmt.Errorf("--image-pull-policy must be Always, IfNotPresent or Never, got %q", o.ImagePullPolicy)
	}
	if o.Namespace != "" {
		if errs := validation.IsDNS1123Label(o.Namespace); len(errs) > 0 {
			return fmt.Errorf("--namespace %q is not a valid namespace name: %s", o.Namespace, strings.Join(errs, "; "))
		}
	}
	for _, s := range o.ImagePullSecrets {
		if errs := validation.IsDNS1123Subdomain(s); len(errs) > 0 {
			return fmt.Errorf("--image-pull-secret %q is not a valid secret name: %s", s, strings.Join(errs, "; "))
		}
	}
	if o.ScanID != "" {
		if errs := validation.IsDNS1123Label(o.ScanID); len(errs) > 0 || len(o.ScanID) > 20 {
			return fmt.Errorf("scan id %q must be a DNS label of at most 20 characters", o.ScanID)
		}
	}
	if o.MaxTotalBytes < 0 || o.MaxFileBytes < 0 {
		return fmt.Errorf("size bounds must not be negative")
	}
	return nil
}

var notLabelChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// LabelValue turns s (a node name) into a valid label value: invalid
// characters become "-", it is cut to 63 characters and must begin and end
// with an alphanumeric.
func LabelValue(s string) string {
	s = notLabelChars.ReplaceAllString(s, "-")
	if len(s) > validation.LabelValueMaxLength {
		s = s[:validation.LabelValueMaxLength]
	}
	return strings.TrimFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	})
}

// podName is kubectl-harden-<node>-<suffix>, at most 63 characters (a pod
// name is also its hostname) and a DNS label.
func podName(node, suffix string) string {
	n := strings.ToLower(node)
	n = regexp.MustCompile(`[^a-z0-9-]+`).ReplaceAllString(n, "-")
	max := validation.DNS1123LabelMaxLength - len(NamePrefix) - 1 - len(suffix)
	if len(n) > max {
		n = n[:max]
	}
	n = strings.Trim(n, "-")
	if n == "" {
		return NamePrefix + suffix
	}
	return NamePrefix + n + "-" + suffix
}

// Labels returns the labels of a scan's objects; node may be "".
func Labels(scanID, node string) map[string]string {
	l := map[string]string{ManagedByLabel: ManagedBy, NameLabel: ManagedBy}
	if scanID != "" {
		l[ScanIDLabel] = LabelValue(scanID)
	}
	if node != "" {
		l[NodeLabel] = LabelValue(node)
	}
	return l
}

// Generate returns the collector pod for a node. It is pure apart from
// Options.RandomSuffix: the pod is pinned to the node with nodeName (no
// scheduler, so cordons and affinities do not matter), tolerates every
// taint, shares the host PID namespace but not its network, mounts the host
// root read-only at /host, runs privileged (by default) with a read-only
// root filesystem and no service account token, and stops by itself after
// Options.Timeout (activeDeadlineSeconds). The collector script and its
// targets are the container's command: sh -c <script> <targets...>.
//
// With no Options.Namespace the pod is put in the scan's temporary
// namespace (NamespaceName(ScanID)), as the Runner does, so that
// `--dry-run=client -o yaml` shows what would be created.
func Generate(node string, o Options) *corev1.Pod {
	o = o.withDefaults()
	if o.Namespace == "" && o.ScanID != "" {
		o.Namespace = NamespaceName(o.ScanID)
	}
	env := collectorEnv(o.MaxFileBytes, o.MaxTotalBytes)
	keys := slices.Sorted(maps.Keys(env))
	var envVars []corev1.EnvVar
	for _, k := range keys {
		envVars = append(envVars, corev1.EnvVar{Name: k, Value: env[k]})
	}
	var pullSecrets []corev1.LocalObjectReference
	for _, s := range o.ImagePullSecrets {
		pullSecrets = append(pullSecrets, corev1.LocalObjectReference{Name: s})
	}
	command := append([]string{"sh", "-c", CollectorScript, "kubectl-harden-collector"}, Targets()...)
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      podName(node, o.RandomSuffix()),
			Namespace: o.Namespace,
			Labels:    Labels(o.ScanID, node),
		},
		Spec: corev1.PodSpec{
			NodeName:                      node,
			Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			RestartPolicy:                 corev1.RestartPolicyNever,
			HostPID:                       true,
			AutomountServiceAccountToken:  ptr.To(false),
			EnableServiceLinks:            ptr.To(false),
			ActiveDeadlineSeconds:         ptr.To(int64(math.Ceil(o.Timeout.Seconds()))),
			TerminationGracePeriodSeconds: ptr.To(int64(0)),
			ImagePullSecrets:              pullSecrets,
			Containers: []corev1.Container{{
				Name:            ContainerName,
				Image:           o.Image,
				ImagePullPolicy: o.ImagePullPolicy,
				Command:         command,
				Env:             envVars,
				Resources:       *o.Resources,
				SecurityContext: &corev1.SecurityContext{
					Privileged:             o.Privileged,
					ReadOnlyRootFilesystem: ptr.To(true),
					RunAsUser:              ptr.To(int64(0)),
				},
				VolumeMounts: []corev1.VolumeMount{{
					Name: "host", MountPath: HostRootPath, ReadOnly: true,
					// Submounts of the host root are read-only too where the
					// runtime supports it.
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
}

// NamespaceName is the temporary namespace of a scan.
func NamespaceName(scanID string) string { return NamePrefix + scanID }

// GenerateNamespace returns the temporary namespace of a scan, labelled so
// that Pod Security Admission admits (and does not warn about) the
// privileged collector pods.
func GenerateNamespace(scanID string) *corev1.Namespace {
	l := Labels(scanID, "")
	l[PSAEnforceLabel] = PSAPrivileged
	l[PSAAuditLabel] = PSAPrivileged
	l[PSAWarnLabel] = PSAPrivileged
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: NamespaceName(scanID), Labels: l},
	}
}
