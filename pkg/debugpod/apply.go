package debugpod

import (
	"context"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
)

// The apply pod is the one place where kubectl-harden writes to a node: a
// one-shot privileged pod whose host mount is writable for exactly that
// run, which runs a reviewed remediation script (kubectl harden fix's
// apply.sh) with the host's own tools (chroot /host) and is deleted on
// success, error, timeout or interruption. The scan's collector pod
// (Generate) stays read-only.

// ApplyLabel marks an apply pod among the tool's objects.
const ApplyLabel = "harden.kubectl.io/purpose"

// DefaultApplyTimeout bounds one node's apply.sh: a few static pod
// restarts and a kubelet restart.
const DefaultApplyTimeout = 15 * time.Minute

// GenerateApply returns the apply pod of node: host network and PID
// namespace (the script waits for components on 127.0.0.1 and restarts
// the kubelet with systemctl), the host root mounted WRITABLE at /host,
// and the script run as `chroot /host /bin/sh -c SCRIPT`.
func GenerateApply(node, script string, o Options) *corev1.Pod {
	o = o.withDefaults()
	if o.Namespace == "" && o.ScanID != "" {
		o.Namespace = NamespaceName(o.ScanID)
	}
	labels := Labels(o.ScanID, node)
	labels[ApplyLabel] = "apply"
	var pullSecrets []corev1.LocalObjectReference
	for _, s := range o.ImagePullSecrets {
		pullSecrets = append(pullSecrets, corev1.LocalObjectReference{Name: s})
	}
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      podName(node, "apply-"+o.RandomSuffix()),
			Namespace: o.Namespace,
			Labels:    labels,
		},
		Spec: corev1.PodSpec{
			NodeName:                      node,
			Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			RestartPolicy:                 corev1.RestartPolicyNever,
			HostPID:                       true,
			HostNetwork:                   true,
			AutomountServiceAccountToken:  ptr.To(false),
			EnableServiceLinks:            ptr.To(false),
			ActiveDeadlineSeconds:         ptr.To(int64(o.Timeout.Seconds())),
			TerminationGracePeriodSeconds: ptr.To(int64(0)),
			ImagePullSecrets:              pullSecrets,
			Containers: []corev1.Container{{
				Name:            "apply",
				Image:           o.Image,
				ImagePullPolicy: o.ImagePullPolicy,
				Command:         []string{"chroot", HostRootPath, "/bin/sh", "-c", script, "apply.sh"},
				Resources:       *o.Resources,
				SecurityContext: &corev1.SecurityContext{
					Privileged:             ptr.To(true),
					ReadOnlyRootFilesystem: ptr.To(true),
					RunAsUser:              ptr.To(int64(0)),
				},
				VolumeMounts:             []corev1.VolumeMount{{Name: "host", MountPath: HostRootPath}},
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

// Apply runs script on node through the apply pod, copies its output to
// out, and deletes the pod (and the temporary namespace it made) whatever
// happens. The API server may restart under it (the script may restart
// it): reads are retried until the pod ends or the timeout.
func Apply(ctx context.Context, client kubernetes.Interface, node, script string, o Options, out io.Writer) (err error) {
	if o.Timeout == 0 {
		o.Timeout = DefaultApplyTimeout
	}
	o = o.withDefaults()
	if o.ScanID == "" {
		o.ScanID = "apply-" + o.RandomSuffix()
	}
	// Deletion uses its own context: an interrupted or timed-out run still
	// removes what it created.
	cleanup := func(f func(context.Context) error) {
		dctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		for i := 0; i < 20; i++ {
			if e := f(dctx); e == nil || apierrors.IsNotFound(e) {
				return
			}
			select {
			case <-dctx.Done():
				return
			case <-time.After(3 * time.Second):
			}
		}
	}
	if o.Namespace == "" {
		ns := GenerateNamespace(o.ScanID)
		if _, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create namespace %s: %w", ns.Name, err)
		}
		o.Namespace = ns.Name
		defer cleanup(func(c context.Context) error {
			return client.CoreV1().Namespaces().Delete(c, ns.Name, metav1.DeleteOptions{})
		})
	}
	pod := GenerateApply(node, script, o)
	if _, err := client.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create the apply pod on node/%s: %w", node, err)
	}
	defer cleanup(func(c context.Context) error {
		return client.CoreV1().Pods(pod.Namespace).Delete(c, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To(int64(0))})
	})
	wctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var phase corev1.PodPhase
	for {
		p, err := client.CoreV1().Pods(pod.Namespace).Get(wctx, pod.Name, metav1.GetOptions{})
		if err == nil {
			phase = p.Status.Phase
			if phase == corev1.PodSucceeded || phase == corev1.PodFailed {
				break
			}
		} else if apierrors.IsNotFound(err) {
			return fmt.Errorf("the apply pod on node/%s disappeared", node)
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted: the apply pod is being deleted; apply.sh may have changed part of node/%s (its rollback.sh restores it): %w", node, ctx.Err())
			}
			return fmt.Errorf("apply.sh on node/%s did not finish within %s: the pod is deleted; run rollback.sh on the node if needed", node, o.Timeout)
		case <-time.After(2 * time.Second):
		}
	}
	logs, lerr := client.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: "apply", LimitBytes: ptr.To(int64(1 << 20))}).DoRaw(ctx)
	if lerr == nil {
		fmt.Fprint(out, safetext.Lines(string(logs)))
	}
	if phase == corev1.PodFailed {
		return fmt.Errorf("apply.sh failed on node/%s (see its output above): run rollback.sh on the node to restore its files", node)
	}
	return nil
}
