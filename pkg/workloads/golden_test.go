package workloads

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/internal/golden"
	corev1 "k8s.io/api/core/v1"
)

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

// TestGoldenReport evaluates the committed snapshot (testdata/snapshot.json,
// an input: -update never rewrites it) and compares the report with the
// golden file. TestSnapshotFixture keeps the input in step with its builder.
func TestGoldenReport(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	golden.AssertJSON(t, filepath.Join("testdata", "report.golden.json"), Evaluate(Build(&s), EvalOptions{Benchmark: testBenchmark, IncludeSystem: true}))
}

// TestSnapshotFixture fails when the committed snapshot no longer matches
// riskySnapshot(): a change to the fixture's builder must be made to the
// input file too, deliberately, in the same commit.
func TestSnapshotFixture(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.MarshalIndent(riskySnapshot(), "", "  ")
	if d := golden.Diff(append(want, '\n'), b); d != "" {
		t.Errorf("testdata/snapshot.json differs from riskySnapshot() (-builder +file); edit the file to match the builder:\n%s", d)
	}
}
