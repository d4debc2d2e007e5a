package cronjob

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// MaxConfigMapBytes is how much report a ConfigMap takes: the API server
// refuses ConfigMaps over 1 MiB (data, binaryData and metadata together),
// so a little room is left for the metadata.
const MaxConfigMapBytes = 1<<20 - 16<<10

// SaveConfigMap writes the report into the ConfigMap name in namespace ns,
// replacing the previous one: as JSON under ConfigMapKey, or, when that is
// too large, gzip-compressed under the binaryData key ConfigMapGzipKey. It
// is called only after a successful run, so a failed run never replaces
// the last good report.
func SaveConfigMap(ctx context.Context, client kubernetes.Interface, ns, name string, report []byte, now time.Time) (key string, err error) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns,
		Labels:      map[string]string{"app.kubernetes.io/name": "kubectl-harden", "app.kubernetes.io/component": "scheduled-report"},
		Annotations: map[string]string{"harden.kubectl.io/generated": now.UTC().Format(time.RFC3339)},
	}}
	if len(report) <= MaxConfigMapBytes {
		key = ConfigMapKey
		cm.Data = map[string]string{key: string(report)}
	} else {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(report); err != nil {
			return "", err
		}
		if err := zw.Close(); err != nil {
			return "", err
		}
		if buf.Len() > MaxConfigMapBytes {
			return "", fmt.Errorf("the report is %d bytes (%d compressed), more than a ConfigMap holds (%d): write it to a PersistentVolumeClaim (--pvc) instead", len(report), buf.Len(), MaxConfigMapBytes)
		}
		key = ConfigMapGzipKey
		cm.BinaryData = map[string][]byte{key: buf.Bytes()}
	}
	cms := client.CoreV1().ConfigMaps(ns)
	old, err := cms.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			return "", fmt.Errorf("create configmap/%s in namespace %s: %w", name, ns, err)
		}
		return key, nil
	case err != nil:
		return "", fmt.Errorf("get configmap/%s in namespace %s: %w", name, ns, err)
	}
	cm.ResourceVersion = old.ResourceVersion
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		return "", fmt.Errorf("update configmap/%s in namespace %s: %w", name, ns, err)
	}
	return key, nil
}

// FileName is the name of a run's report file: report-<UTC time>.json.
func FileName(now time.Time) string {
	return "report-" + now.UTC().Format("2006-01-02T150405Z") + ".json"
}

// SaveFile writes the report into dir as FileName(now), atomically (a
// temporary file renamed), so that a reader never sees half a report.
func SaveFile(dir string, report []byte, now time.Time) (string, error) {
	f, err := os.CreateTemp(dir, ".report-*.json.tmp")
	if err != nil {
		return "", fmt.Errorf("--dir %s: %w", dir, err)
	}
	tmp := f.Name()
	_, werr := f.Write(report)
	cerr := f.Close()
	if werr != nil || cerr != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("write %s: %w", tmp, errors.Join(werr, cerr))
	}
	path := filepath.Join(dir, FileName(now))
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("--dir %s: %w", dir, err)
	}
	return path, nil
}
