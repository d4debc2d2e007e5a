package debugpod

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/pkg/debugpod/sim"
)

// simScan runs the real runner on a simulated cluster of nodes nodes and
// returns the wall time, the failed nodes and the cluster (for its request
// counts). With limited, the client's rate limit is the one the scan
// command sets for parallel (2×parallel QPS, burst 4×parallel).
func simScan(tb testing.TB, nodes, parallel int, lat sim.Latency, limited bool, fail func(string) bool) (time.Duration, int, *sim.Cluster) {
	tb.Helper()
	var qps float32
	if limited {
		qps = float32(max(20, 2*parallel))
	}
	c := sim.New(nodes, lat, qps, max(40, 4*parallel))
	c.Fail = fail
	o := DefaultOptions()
	o.ScanID, o.Logs = "sim", c.Logs
	r, err := NewRunner(c.Client, o)
	if err != nil {
		tb.Fatal(err)
	}
	r.retryDelay = time.Millisecond
	names := make([]string, nodes)
	for i := range names {
		names[i] = sim.NodeName(i)
	}
	ctx := context.Background()
	start := time.Now()
	if err := r.Prepare(ctx); err != nil {
		tb.Fatal(err)
	}
	failed := 0
	r.CollectEach(ctx, names, parallel, func(nr NodeResult) {
		switch {
		case nr.Err != nil:
			failed++
		case nr.Evidence == nil || nr.Evidence.NodeName != nr.Node:
			tb.Errorf("node %s: evidence %+v", nr.Node, nr.Evidence)
		}
	})
	if _, err := r.Close(ctx); err != nil {
		tb.Fatal(err)
	}
	return time.Since(start), failed, c
}

// TestSimulatedScan keeps the benchmark honest on a small cluster: every
// node collected once, one watch, three requests per node, the pool bound
// respected, nothing left.
func TestSimulatedScan(t *testing.T) {
	const nodes, parallel = 40, 8
	lat := sim.Latency{Start: 5 * time.Millisecond, Run: 5 * time.Millisecond}
	_, failed, c := simScan(t, nodes, parallel, lat, false, func(n string) bool { return n == sim.NodeName(3) })
	if failed != 1 {
		t.Errorf("%d nodes failed, want 1 (node-0003)", failed)
	}
	req := c.Requests()
	for _, k := range []string{"create pods", "delete pods"} {
		if req[k] != nodes {
			t.Errorf("%d %q requests for %d nodes, want one each: %v", req[k], k, nodes, req)
		}
	}
	// The failed node's log is read too, for the error's tail.
	if req["get pods/log"] != nodes {
		t.Errorf("%d log requests, want %d: %v", req["get pods/log"], nodes, req)
	}
	if c.Watches() != 1 || req["list pods"] != 1 {
		t.Errorf("%d pod watches and %d pod lists, want one of each for the scan", c.Watches(), req["list pods"])
	}
	if req["get pods"] != 0 {
		t.Errorf("%d pod GETs: nothing should poll", req["get pods"])
	}
	if p := c.PeakPods(); p > parallel {
		t.Errorf("%d pods at once, --parallel is %d", p, parallel)
	}
	if left := c.PodsLeft(); len(left) > 0 {
		t.Errorf("pods left: %v", left)
	}
}

// BenchmarkSimulatedScan scans 10, 100 and 1 000 simulated nodes with
// realistic latencies (sim.Realistic) and --parallel 50; it reports the
// wall time of one scan, API requests per scan, the most pods alive at
// once and the process's peak RSS. Run it with -benchtime 1x (make bench).
func BenchmarkSimulatedScan(b *testing.B) {
	const parallel = 50
	for _, nodes := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			var wall time.Duration
			var c *sim.Cluster
			for b.Loop() {
				var failed int
				wall, failed, c = simScan(b, nodes, parallel, sim.Realistic, true, nil)
				if failed > 0 {
					b.Fatalf("%d nodes failed", failed)
				}
			}
			b.ReportMetric(wall.Seconds(), "s/scan")
			b.ReportMetric(float64(c.TotalRequests()), "requests/scan")
			b.ReportMetric(float64(c.PeakPods()), "peak-pods")
			if rss := peakRSS(); rss > 0 {
				b.ReportMetric(rss, "peak-RSS-MiB")
			}
		})
	}
}

// peakRSS is the process's peak resident set (VmHWM) in MiB, 0 if unknown.
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
