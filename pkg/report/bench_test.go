package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// bigReport is a report of n nodes of 130 results each, with evidence, the
// size of a 1 000-node scan (about 50 MB of JSON).
func bigReport(n int) *Report {
	r := NewReport(KindNodeScan, Metadata{Benchmark: BenchmarkCIS112})
	for i := range n {
		name := fmt.Sprintf("node-%04d", i)
		t := TargetReport{Kind: TargetNode, Name: name}
		for c := range 130 {
			res := Result{ControlID: fmt.Sprintf("%d.%d.%d", 1+c/40, 1+(c/10)%4, c%10+1), Title: "a control title of ordinary length for a node control",
				Section: "1.1", Benchmark: BenchmarkCIS112, Level: 1, Role: RoleWorker, Target: name, Status: AllStatuses[c%len(AllStatuses)],
				Reason: "the reason a result has, one sentence of evidence-based explanation"}
			for e := range 3 {
				res.Evidence = append(res.Evidence, Observation{Location: fmt.Sprintf("/etc/kubernetes/file-%d.conf", e), Value: "0600 root:root (0:0)", Path: "/etc/kubernetes/file.conf"})
			}
			t.Results = append(t.Results, res)
		}
		r.AddTarget(t)
	}
	return r
}

// BenchmarkDiff1000Nodes measures `kubectl harden diff` on a 1 000-node
// report against itself, reading both files: decode, validate, compare.
func BenchmarkDiff1000Nodes(b *testing.B) {
	data, err := json.Marshal(bigReport(1000))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(2 * len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		old, err := Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		cur, err := Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if d := Compare(old, cur); len(d.Changed) != 0 {
			b.Fatal("a report differs from itself")
		}
	}
}
