package format

import (
	"bytes"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestPrintManifests(t *testing.T) {
	objs := []runtime.Object{
		&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "scan-x"}},
		&corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: metav1.ObjectMeta{Namespace: "scan-x", Name: "p1"}},
	}
	for _, tc := range []struct{ output, want, wantErr string }{
		{"", "namespace/scan-x created (dry run)\npod/p1 created (dry run)\n", ""},
		{"yaml", "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n", ""},
		{"json", "{\n    \"kind\": \"List\",\n    \"apiVersion\": \"v1\",\n    \"metadata\": {},\n    \"items\": [\n        {\n            \"kind\": \"Namespace\",", ""},
		{"sarif", "", "-o sarif cannot print manifests"},
	} {
		var b bytes.Buffer
		err := PrintManifests(objs, tc.output, &b)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("-o %s: error %v, want %q", tc.output, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !strings.HasPrefix(b.String(), tc.want) {
			t.Errorf("-o %q: %v\n%s", tc.output, err, b.String())
		}
	}
}
