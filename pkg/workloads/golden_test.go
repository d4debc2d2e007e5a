package workloads

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// riskySnapshot is the fixture of the golden test: kind's system
// workloads plus one risky workload per control.
func riskySnapshot() *Snapshot {
	s := baseSnapshot(
		wl("deployment", "prod", "web", nil),
		wl("daemonset", "risky", "agent", func(s *corev1.PodSpec) {
			s.HostPID, s.HostIPC, s.HostNetwork = true, true, true
			s.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr(true), AllowPrivilegeEscalation: ptr(true), RunAsUser: ptr(int64(0)),
				Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_RAW", "SYS_ADMIN"}}}
			s.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 9100, HostPort: 9100}}
			s.Volumes = []corev1.Volume{{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
			s.SecurityContext = nil
		}),
		wl("statefulset", "risky", "db", func(s *corev1.PodSpec) {
			s.Containers[0].Env = []corev1.EnvVar{{Name: "PGPASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "pg"}, Key: "password"}}}}
			s.SecurityContext.WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: ptr(true)}
		}),
		wl("pod", "default", "debug", func(s *corev1.PodSpec) { s.SecurityContext = nil; s.Containers[0].SecurityContext = nil }),
	)
	s.Namespaces = append(s.Namespaces, Namespace{Name: "risky"})
	s.Collected = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s.Sort()
	return s
}

func TestGoldenReport(t *testing.T) {
	snapPath := filepath.Join("testdata", "snapshot.json")
	goldPath := filepath.Join("testdata", "report.golden.json")
	if *update {
		b, _ := json.MarshalIndent(riskySnapshot(), "", "  ")
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(snapPath, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(snapPath)
	if err != nil {
		t.Fatal(err)
	}
	var s Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	got, _ := json.MarshalIndent(Evaluate(Build(&s), EvalOptions{IncludeSystem: true}), "", "  ")
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(goldPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldPath)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("report differs from %s (-want +got; go test -update rewrites it):\n%s", goldPath, d)
	}
}
