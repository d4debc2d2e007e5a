package cronjob

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

var now = time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)

func TestSaveConfigMap(t *testing.T) {
	c := fake.NewClientset()
	ctx := context.Background()
	if key, err := SaveConfigMap(ctx, c, "kh", "r", []byte(`{"a":1}`), now); err != nil || key != ConfigMapKey {
		t.Fatalf("create: %q %v", key, err)
	}
	// Replaced, not added to; a report too large for data is compressed.
	big := []byte(`{"x":"` + strings.Repeat("a", 2*MaxConfigMapBytes) + `"}`)
	if key, err := SaveConfigMap(ctx, c, "kh", "r", big, now.Add(time.Hour)); err != nil || key != ConfigMapGzipKey {
		t.Fatalf("update: %q %v", key, err)
	}
	cm, err := c.CoreV1().ConfigMaps("kh").Get(ctx, "r", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cm.Data[ConfigMapKey]; ok || cm.Annotations["harden.kubectl.io/generated"] != "2026-12-01T04:00:00Z" {
		t.Errorf("configmap %+v", cm.ObjectMeta)
	}
	zr, err := gzip.NewReader(bytes.NewReader(cm.BinaryData[ConfigMapGzipKey]))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); !bytes.Equal(got, big) {
		t.Errorf("the compressed report differs")
	}
}

func TestSaveFile(t *testing.T) {
	dir := t.TempDir()
	path, err := SaveFile(dir, []byte("{}"), now)
	if err != nil || filepath.Base(path) != "report-2026-12-01T030000Z.json" {
		t.Fatalf("%s %v", path, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files %v, want the report only (no temporary file)", entries)
	}
	if _, err := SaveFile(filepath.Join(dir, "missing"), []byte("{}"), now); err == nil {
		t.Error("a missing directory is not an error")
	}
}

func TestValidate(t *testing.T) {
	ok := Options{Name: "kh", Namespace: "kh", Image: "i", Schedule: "@daily", Command: "all", ConfigMap: "r"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		change func(*Options)
		want   string
	}{
		{func(o *Options) { o.Namespace = "a.b" }, "--namespace \"a.b\" is not a valid namespace name"},
		{func(o *Options) { o.DebugImagePullPolicy = "Sometimes" }, "--debug-image-pull-policy must be"},
		{func(o *Options) { o.Command = "cleanup" }, `--command "cleanup" is not supported: use one of "all", "scan nodes", "rbac", "workloads"`},
	} {
		o := ok
		tc.change(&o)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", o, err, tc.want)
		}
	}
}

func TestReportArgs(t *testing.T) {
	for command, want := range map[string]string{
		"all":        "all --namespace kh --image img --output json",
		"scan nodes": "scan nodes --namespace kh --image img --output json",
		"rbac":       "rbac --output json",
		"workloads":  "workloads --all-namespaces --output json",
	} {
		if got := strings.Join(ReportArgs(command, "kh", "img", ""), " "); got != want {
			t.Errorf("%s: %q, want %q", command, got, want)
		}
	}
}
