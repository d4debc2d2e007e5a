package debugpod

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestGenerateApply(t *testing.T) {
	o := DefaultOptions()
	o.ScanID = "abc"
	o.RandomSuffix = func() string { return "x1" }
	p := GenerateApply("node-1", "echo hi", o)
	c := p.Spec.Containers[0]
	if m := c.VolumeMounts[0]; m.ReadOnly || m.MountPath != HostRootPath || m.RecursiveReadOnly != nil {
		t.Errorf("the apply pod's host mount must be writable: %+v", m)
	}
	if got := strings.Join(c.Command, " "); got != "chroot /host /bin/sh -c echo hi apply.sh" {
		t.Errorf("command %q", got)
	}
	if !p.Spec.HostNetwork || !p.Spec.HostPID || p.Spec.NodeName != "node-1" || p.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("spec %+v", p.Spec)
	}
	if p.Labels[ApplyLabel] != "apply" || p.Namespace != "kubectl-harden-abc" {
		t.Errorf("labels %v namespace %s", p.Labels, p.Namespace)
	}
	// The scan's collector pod stays read-only.
	if m := Generate("node-1", o).Spec.Containers[0].VolumeMounts[0]; !m.ReadOnly {
		t.Errorf("the collector pod's host mount became writable")
	}
}

// TestApplyDeletesWhatItCreated: success and failure alike leave no pod and
// no namespace behind.
func TestApplyDeletesWhatItCreated(t *testing.T) {
	for _, phase := range []corev1.PodPhase{corev1.PodSucceeded, corev1.PodFailed} {
		client := fake.NewClientset()
		client.PrependReactor("get", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
			g, ok := a.(k8stesting.GetAction)
			if !ok || a.GetSubresource() != "" {
				return false, nil, nil
			}
			return true, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: g.GetName(), Namespace: g.GetNamespace()}, Status: corev1.PodStatus{Phase: phase}}, nil
		})
		o := DefaultOptions()
		o.Timeout = time.Minute
		var out bytes.Buffer
		err := Apply(context.Background(), client, "node-1", "true", o, &out)
		if (err != nil) != (phase == corev1.PodFailed) {
			t.Errorf("%s: err = %v", phase, err)
		}
		pods, _ := client.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{})
		nss, _ := client.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{})
		if len(pods.Items)+len(nss.Items) != 0 {
			t.Errorf("%s: left behind %d pods, %d namespaces", phase, len(pods.Items), len(nss.Items))
		}
	}
}
