package evidence

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
