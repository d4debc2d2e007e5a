//go:build e2e

package e2e

import (
	"archive/tar"
	"bytes"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/internal/hostilecert"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

// TestScanHostileCertificates fills the worker's kubelet PKI directory
// with 3 MiB of certificates made to be expensive to link (RSA keys of
// 65 536 bits with the largest exponent, all sharing one name, none
// signing another: internal/hostilecert) and scans the node with
// --timeout 2m. Checking them pairwise took about 40 minutes (each check
// some 150 ms); now the scan finishes within --timeout, the other controls
// are evaluated, and KH-PKI-4 is ERROR because the signatures could not
// be checked, never PASS. (Few large files, because the collector's shell
// spends tens of milliseconds on each certificate file.)
func TestScanHostileCertificates(t *testing.T) {
	const dir = "/var/lib/kubelet/pki/kubectl-harden-e2e-hostile"
	node := cluster.worker
	files, err := hostilecert.PEMFiles(hostilecert.HugeRSA, 3<<20)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(files[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if out, err := nodeExecErr(node, "rm -rf "+dir, nil); err != nil {
			t.Errorf("remove %s from node/%s: %v %s", dir, node, err, out)
		}
	})
	if out, err := nodeExecErr(node, "mkdir -p "+dir+" && tar -x -C "+dir, buf.Bytes()); err != nil {
		t.Fatalf("copy %d certificates to node/%s:%s: %v %s", len(files), node, dir, err, out)
	}
	t.Logf("node/%s: %d hostile certificates (%d KiB) in %s", node, len(files), buf.Len()>>10, dir)

	r := harden(t, scanTimeout, "scan", "node/"+node, "--timeout", "2m", "-o", "json")
	if r.exit != 0 && r.exit != 2 {
		t.Fatalf("scan failed:\n%s", r)
	}
	tg := target(t, decodeReport(t, r), node)
	if tg.Error != "" {
		t.Fatalf("node/%s: %s", node, tg.Error)
	}
	pki := result(t, tg, "KH-PKI-4")
	if pki.Status != report.StatusError || !strings.Contains(pki.Reason, "could not be checked") {
		t.Errorf("KH-PKI-4 = %s (%.300s), want ERROR: the hostile certificates could not all be checked", pki.Status, pki.Reason)
	}
	evaluated := 0
	for _, res := range tg.Results {
		if res.Status != report.StatusError {
			evaluated++
		}
	}
	if evaluated == 0 {
		t.Errorf("no control of node/%s was evaluated", node)
	}
	t.Logf("scan of node/%s with %d hostile certificates took %s; KH-PKI-4: %.200s", node, len(files), r.took.Round(time.Millisecond), pki.Reason)
	assertNoLeftovers(t, 2*time.Minute)
}
