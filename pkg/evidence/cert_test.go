package evidence

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kubectl-harden/kubectl-harden/internal/hostilecert"
)

type testCA struct {
	cert *x509.Certificate
	key  any
	pem  []byte
}

func makeCert(t *testing.T, cn string, isCA bool, pub, signerKey any, parent *testCA) *testCA {
	t.Helper()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: now, NotAfter: now.AddDate(1, 0, 0), IsCA: isCA, BasicConstraintsValid: isCA,
	}
	if isCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign
	}
	par, key := tmpl, signerKey
	if parent != nil {
		par, key = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, par, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: c, key: signerKey, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

func TestParseCertificates(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := makeCert(t, "ca", true, &rsaKey.PublicKey, rsaKey, nil)
	other := makeCert(t, "ca", true, &ecKey.PublicKey, ecKey, nil) // same subject, other key
	leaf := makeCert(t, "leaf", false, edPub, edKey, ca)
	orphan := makeCert(t, "orphan", false, &ecKey.PublicKey, ecKey, other)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("x")})

	got := ParseCertificates(map[string][]byte{
		"/pki/ca.crt":      ca.pem,
		"/pki/ca-copy.crt": ca.pem,
		"/pki/other.crt":   other.pem,
		"/pki/leaf.crt":    append(append(append([]byte{}, keyPEM...), leaf.pem...), ca.pem...),
		"/pki/orphan.crt":  orphan.pem,
		"/pki/empty.crt":   nil,
		"/pki/junk.crt":    []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
	})
	type facts struct {
		Subject, Alg, SignedBy, Err string
		Bits, Count                 int
		IsCA, Self                  bool
	}
	simplify := func(m map[string]*Certificate) map[string]facts {
		out := map[string]facts{}
		for p, c := range m {
			e := c.Error
			if i := strings.Index(e, ":"); i > 0 {
				e = e[:i]
			}
			out[p] = facts{c.Subject, c.KeyAlgorithm, c.SignedBy, e, c.KeyBits, c.Count, c.IsCA, c.SelfSigned}
		}
		return out
	}
	want := map[string]facts{
		"/pki/ca.crt":      {Subject: "CN=ca", Alg: "RSA", Bits: 2048, Count: 1, IsCA: true, Self: true},
		"/pki/ca-copy.crt": {Subject: "CN=ca", Alg: "RSA", Bits: 2048, Count: 1, IsCA: true, Self: true},
		"/pki/other.crt":   {Subject: "CN=ca", Alg: "ECDSA", Bits: 384, Count: 1, IsCA: true, Self: true},
		"/pki/leaf.crt":    {Subject: "CN=leaf", Alg: "Ed25519", Bits: 256, Count: 2, SignedBy: "/pki/ca-copy.crt"},
		"/pki/orphan.crt":  {Subject: "CN=orphan", Alg: "ECDSA", Bits: 384, Count: 1, SignedBy: "/pki/other.crt"},
		"/pki/empty.crt":   {Err: "no PEM certificate in file"},
		"/pki/junk.crt":    {Count: 1, Err: "parse certificate"},
	}
	if diff := cmp.Diff(want, simplify(got)); diff != "" {
		t.Errorf("ParseCertificates (-want +got):\n%s", diff)
	}
	if na := got["/pki/leaf.crt"].NotAfter; !na.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("NotAfter = %v", na)
	}
}

func FuzzParseCertificate(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte(""))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAK\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, x := ParseCertificate("/f", data)
		if (x == nil) == (c.Error == "") {
			t.Fatalf("error %q with parsed %v", c.Error, x != nil)
		}
		ParseCertificates(map[string][]byte{"/a": data, "/b": data})
	})
}

// sameNameCAs makes n self-signed certificates named cn, each with a key
// of its own. crypto/x509 gives a CA a subject key identifier when it has
// none, so certificates without one are made without isCA.
func sameNameCAs(t *testing.T, cn string, n int, isCA bool, skid func(i int) []byte) []*testCA {
	t.Helper()
	var out []*testCA
	for i := range n {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 1)), Subject: pkix.Name{CommonName: cn},
			NotBefore: now, NotAfter: now.AddDate(1, 0, 0), IsCA: isCA, BasicConstraintsValid: isCA,
			KeyUsage: x509.KeyUsageCertSign, SubjectKeyId: skid(i),
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &testCA{cert: c, key: k, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})})
	}
	return out
}

// TestLinkBounded checks the rules that bound linking: which certificates
// are tried as signers, in which order, and what a certificate says when
// its signer could not be found within the bounds.
func TestLinkBounded(t *testing.T) {
	const n = 12 // more than MaxSignerCandidates
	ids := func(i int) []byte { return []byte{byte(i + 1)} }
	cas := sameNameCAs(t, "ca", n, true, ids)
	last := cas[n-1]
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// Go sets the leaf's authority key identifier to the signer's subject
	// key identifier.
	leaf := makeCert(t, "leaf", false, &leafKey.PublicKey, nil, last)
	noIDs := sameNameCAs(t, "ca", n, false, func(int) []byte { return nil })
	leafNoID := makeCert(t, "leaf", false, &leafKey.PublicKey, nil, noIDs[n-1])

	pemsOf := func(cas []*testCA, leaf *testCA) map[string][]byte {
		m := map[string][]byte{"/pki/zz-leaf.crt": leaf.pem}
		for i, c := range cas {
			m[fmt.Sprintf("/pki/ca-%02d.crt", i)] = c.pem
		}
		return m
	}
	bigRSA := func() []byte {
		gen, err := hostilecert.New(hostilecert.HugeRSA)
		if err != nil {
			t.Fatal(err)
		}
		der, err := gen()
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}()

	tests := []struct {
		name      string
		pems      map[string][]byte
		path      string
		signedBy  string
		unchecked string // a substring of SignatureUnchecked; "" means none
		maxChecks int64
	}{
		{
			name: "matching key identifier found first", pems: pemsOf(cas, leaf), path: "/pki/zz-leaf.crt",
			signedBy: fmt.Sprintf("/pki/ca-%02d.crt", n-1), maxChecks: n + 1, // n self-checks of the CAs, then one
		},
		{
			name: "without key identifiers only the first few are tried", pems: pemsOf(noIDs, leafNoID), path: "/pki/zz-leaf.crt",
			unchecked: fmt.Sprintf("more than %d certificates carry its issuer's name", MaxSignerCandidates), maxChecks: n + MaxSignerCandidates,
		},
		{
			name: "a key too large is not checked", pems: map[string][]byte{"/pki/big.crt": bigRSA}, path: "/pki/big.crt",
			unchecked: "RSA key of 65536 bits, larger than the 8192 bits", maxChecks: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checks := countChecks(t)
			got := ParseCertificates(tt.pems)[tt.path]
			if got.SignedBy != tt.signedBy {
				t.Errorf("SignedBy = %q, want %q", got.SignedBy, tt.signedBy)
			}
			if tt.unchecked == "" && got.SignatureUnchecked != "" || !strings.Contains(got.SignatureUnchecked, tt.unchecked) {
				t.Errorf("SignatureUnchecked = %q, want %q", got.SignatureUnchecked, tt.unchecked)
			}
			if c := checks.Load(); c > tt.maxChecks {
				t.Errorf("%d signature checks, want at most %d", c, tt.maxChecks)
			}
		})
	}
}

// TestLinkBudget exhausts the node's budget: the certificates linked
// before keep their links, the ones after say why they were not checked.
func TestLinkBudget(t *testing.T) {
	cas := sameNameCAs(t, "ca", 3, true, func(i int) []byte { return nil })
	pems := map[string][]byte{}
	for i, c := range cas {
		pems[fmt.Sprintf("/pki/ca-%d.crt", i)] = c.pem
	}
	checks := countChecks(t)
	out, err := parseAndLink(context.Background(), pems, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !out["/pki/ca-0.crt"].SelfSigned || !out["/pki/ca-1.crt"].SelfSigned {
		t.Errorf("the first two CAs were not found self-signed: %+v %+v", out["/pki/ca-0.crt"], out["/pki/ca-1.crt"])
	}
	if c := out["/pki/ca-2.crt"]; c.SelfSigned || !strings.Contains(c.SignatureUnchecked, "budget") {
		t.Errorf("the third CA: self-signed %v, unchecked %q; want unchecked for the budget", c.SelfSigned, c.SignatureUnchecked)
	}
	if c := checks.Load(); c != 2 {
		t.Errorf("%d checks, want 2", c)
	}
}
