package evidence

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kubectl-harden/kubectl-harden/internal/hostilecert"
)

// hostileOutput is collector output of at most size bytes filled with
// certificates of a shape, and how many it holds.
func hostileOutput(tb testing.TB, shape string, size int) (string, int) {
	tb.Helper()
	out, n, err := hostilecert.CollectorOutput(shape, FormatHeader, "/etc/kubernetes/pki", size)
	if err != nil {
		tb.Fatal(err)
	}
	return out, n
}

// countChecks counts the signature checks made until the test ends.
func countChecks(t *testing.T) *atomic.Int64 {
	var n atomic.Int64
	orig := checkSignature
	checkSignature = func(signer, cert *x509.Certificate) error {
		n.Add(1)
		return orig(signer, cert)
	}
	t.Cleanup(func() { checkSignature = orig })
	return &n
}

// TestParseHostileCertificatesBounded parses the live path's maximum of
// collector output (4 MiB) filled with certificates that share one name
// and sign nothing: linking makes a bounded number of checks, and every
// certificate left unchecked says so instead of passing for unsigned.
func TestParseHostileCertificatesBounded(t *testing.T) {
	for _, shape := range hostilecert.Shapes {
		t.Run(shape, func(t *testing.T) {
			in, n := hostileOutput(t, shape, 4<<20)
			checks := countChecks(t)
			ev, err := Parse(strings.NewReader(in), "hostile")
			if err != nil {
				t.Fatal(err)
			}
			if len(ev.Certificates) != n {
				t.Fatalf("%d certificates parsed, want %d", len(ev.Certificates), n)
			}
			unchecked := 0
			for p, c := range ev.Certificates {
				switch {
				case c.Error != "":
					t.Fatalf("%s: %s", p, c.Error)
				case c.SelfSigned || c.SignedBy != "":
					t.Errorf("%s: self-signed %v, signed by %q: none of them signs any", p, c.SelfSigned, c.SignedBy)
				case c.SignatureUnchecked != "":
					unchecked++
				}
			}
			// Every check costs at least one unit of the budget.
			if got := checks.Load(); got > MaxSignatureWork {
				t.Errorf("%d signature checks for %d certificates, want at most %d", got, n, MaxSignatureWork)
			}
			if unchecked == 0 {
				t.Errorf("no certificate is marked unchecked although the budget cannot cover %d certificates", n)
			}
			t.Logf("%d certificates in %d KiB: %d checks, %d unchecked", n, len(in)>>10, checks.Load(), unchecked)
		})
	}
}

// TestParseContextCancelled stops linking when the scan's context ends:
// no signature is checked after that, and the error says why.
func TestParseContextCancelled(t *testing.T) {
	in, _ := hostileOutput(t, hostilecert.SameNameECDSA, 256<<10)
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("interrupted")
	checks := countChecks(t)
	orig := checkSignature
	checkSignature = func(signer, cert *x509.Certificate) error {
		err := orig(signer, cert)
		if checks.Load() == 10 {
			cancel(cause)
		}
		return err
	}
	_, err := ParseContext(ctx, strings.NewReader(in), "hostile")
	if !errors.Is(err, cause) {
		t.Fatalf("err = %v, want the context's cause", err)
	}
	if got := checks.Load(); got != 10 {
		t.Errorf("%d signature checks, want 10: checking went on after the context ended", got)
	}
}

// BenchmarkParseHostile parses collector output filled with hostile
// certificates; hack/bench.sh runs it.
func BenchmarkParseHostile(b *testing.B) {
	for _, c := range []struct {
		shape string
		size  int
	}{
		{hostilecert.SameNameECDSA, 200 << 10},
		{hostilecert.SameNameECDSA, 4 << 20},
		{hostilecert.SameNameRSA, 4 << 20},
		{hostilecert.HugeRSA, 4 << 20},
	} {
		in, n := hostileOutput(b, c.shape, c.size)
		b.Run(fmt.Sprintf("%s/%dKiB/%dcerts", c.shape, len(in)>>10, n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Parse(strings.NewReader(in), "hostile"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
