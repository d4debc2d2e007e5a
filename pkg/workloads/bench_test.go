package workloads

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// benchSnapshot has 20 000 bare pods and 5 000 controllers over 500
// namespaces, a quarter of them risky.
func benchSnapshot() *Snapshot {
	s := NewSnapshot(time.Time{})
	kinds := []string{"deployment", "statefulset", "daemonset", "job", "cronjob"}
	for n := 0; n < 500; n++ {
		s.Namespaces = append(s.Namespaces, Namespace{Name: fmt.Sprintf("ns-%03d", n)})
		if n%2 == 0 {
			s.NetworkPolicies = append(s.NetworkPolicies, fmt.Sprintf("ns-%03d/deny", n))
		}
	}
	risky := func(i int) func(*corev1.PodSpec) {
		if i%4 != 0 {
			return nil
		}
		return func(s *corev1.PodSpec) {
			s.HostNetwork = true
			s.Containers[0].SecurityContext.Privileged = ptr(true)
			s.Containers[0].Env = []corev1.EnvVar{{Name: "PW", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{Key: "pw"}}}}
		}
	}
	for i := 0; i < 20000; i++ {
		s.Workloads = append(s.Workloads, wl("pod", fmt.Sprintf("ns-%03d", i%500), fmt.Sprintf("pod-%05d", i), risky(i)))
	}
	for i := 0; i < 5000; i++ {
		s.Workloads = append(s.Workloads, wl(kinds[i%5], fmt.Sprintf("ns-%03d", i%500), fmt.Sprintf("ctl-%04d", i), risky(i)))
	}
	s.Workloads = append(s.Workloads, kindSystem()...)
	s.Sort()
	return s
}

// BenchmarkEvaluate evaluates every workload control on 25 000 workloads.
// Run: go test -bench Evaluate -benchmem -run '^$' ./pkg/workloads
func BenchmarkEvaluate(b *testing.B) {
	s := benchSnapshot()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	cs, _ := Controls("")
	b.ReportAllocs()
	b.ResetTimer()
	var peak uint64
	for i := 0; i < b.N; i++ {
		tr := Evaluate(Build(s), EvalOptions{})
		if len(tr.Results) != len(cs) {
			b.Fatal(len(tr.Results))
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse > peak {
			peak = ms.HeapInuse
		}
	}
	b.StopTimer()
	// Heap in use with the snapshot loaded (what the LISTs leave), and the
	// highest heap in use seen after an evaluation.
	b.ReportMetric(float64(before.HeapInuse)/1e6, "snapshot-MB")
	b.ReportMetric(float64(peak)/1e6, "heap-MB")
}
