// Package hostilecert makes the certificates a hostile node can serve to
// make certificate linking expensive, for the benchmarks, unit tests and
// e2e tests that prove the linking bounded. Every certificate of a shape
// carries the same subject and issuer name, so that without an index every
// certificate is a candidate signer of every other, and none is signed by
// any of them. Only tests import it.
package hostilecert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// The shapes.
const (
	// SameNameECDSA: P-256 certificates, each signed by a key that is not
	// its own (small: about 6 700 fit into 4 MiB of collector output).
	SameNameECDSA = "same-name-p256"
	// SameNameRSA: RSA-8192 public keys with the largest exponent
	// crypto/rsa accepts (2^31-1) and a signature that claims
	// sha256WithRSAEncryption: the dearest check below the key size
	// crypto/tls refuses.
	SameNameRSA = "same-name-rsa8192"
	// HugeRSA: 65 536-bit RSA keys; one check costs about a thousand
	// ordinary ones.
	HugeRSA = "huge-rsa65536"
)

// Shapes lists every shape.
var Shapes = []string{SameNameECDSA, SameNameRSA, HugeRSA}

var (
	name     = pkix.Name{CommonName: "kubernetes"}
	validFor = [2]time.Time{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)}
)

// New returns a function that makes one certificate (DER) of a shape per
// call.
func New(shape string) (func() ([]byte, error), error) {
	switch shape {
	case SameNameECDSA:
		return sameNameECDSA()
	case SameNameRSA:
		return rawRSA(8192, 1<<31-1)
	case HugeRSA:
		return rawRSA(65536, 1<<31-1)
	}
	return nil, fmt.Errorf("unknown shape %q (want one of %s)", shape, strings.Join(Shapes, ", "))
}

func sameNameECDSA() (func() ([]byte, error), error) {
	// One signer for all keeps generation fast; each certificate's own key
	// differs from the signer's, so none verifies another or itself.
	signer, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	keys := make([]*ecdsa.PrivateKey, 64)
	for i := range keys {
		if keys[i], err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, err
		}
	}
	parent := &x509.Certificate{Subject: name, PublicKey: &signer.PublicKey}
	serial := int64(0)
	return func() ([]byte, error) {
		serial++
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: name,
			NotBefore: validFor[0], NotAfter: validFor[1],
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}
		return x509.CreateCertificate(rand.Reader, tmpl, parent, &keys[serial%int64(len(keys))].PublicKey, signer)
	}, nil
}

// rawRSA builds certificates by hand: a random odd modulus of bits bits
// with exponent e (no private key exists, so crypto/x509 cannot sign
// them) and a random signature of the modulus' length claiming
// sha256WithRSAEncryption. crypto/x509 parses them; every check of their
// signature runs the whole RSA public-key operation, then fails.
func rawRSA(bits, e int) (func() ([]byte, error), error) {
	rawName, err := asn1.Marshal(name.ToRDNSequence())
	if err != nil {
		return nil, err
	}
	sigAlg := pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, Parameters: asn1.NullRawValue}
	rsaAlg := pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}, Parameters: asn1.NullRawValue}
	rng := mrand.New(mrand.NewPCG(1, uint64(bits)))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	type validity struct{ NotBefore, NotAfter time.Time }
	type spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	serial := int64(0)
	return func() ([]byte, error) {
		serial++
		mod := random(bits / 8)
		mod[0] |= 0x80
		mod[len(mod)-1] |= 1
		pub, err := asn1.Marshal(struct {
			N *big.Int
			E int
		}{new(big.Int).SetBytes(mod), e})
		if err != nil {
			return nil, err
		}
		tbs, err := asn1.Marshal(struct {
			Version  int `asn1:"optional,explicit,default:0,tag:0"`
			Serial   *big.Int
			SigAlg   pkix.AlgorithmIdentifier
			Issuer   asn1.RawValue
			Validity validity
			Subject  asn1.RawValue
			SPKI     spki
		}{
			Version: 2, Serial: big.NewInt(serial), SigAlg: sigAlg,
			Issuer:   asn1.RawValue{FullBytes: rawName},
			Validity: validity{validFor[0], validFor[1]},
			Subject:  asn1.RawValue{FullBytes: rawName},
			SPKI:     spki{rsaAlg, asn1.BitString{Bytes: pub, BitLength: 8 * len(pub)}},
		})
		if err != nil {
			return nil, err
		}
		sig := random(bits / 8)
		sig[0] &= 0x7f // below the modulus, so the check runs to the end
		return asn1.Marshal(struct {
			TBS    asn1.RawValue
			SigAlg pkix.AlgorithmIdentifier
			Sig    asn1.BitString
		}{asn1.RawValue{FullBytes: tbs}, sigAlg, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	}, nil
}

// PEMFiles returns PEM files of a shape named hostile-NNNNN.crt whose
// sizes add up to at least size bytes.
func PEMFiles(shape string, size int) (map[string][]byte, error) {
	gen, err := New(shape)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for total := 0; total < size; {
		der, err := gen()
		if err != nil {
			return nil, err
		}
		b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		out[fmt.Sprintf("hostile-%05d.crt", len(out))] = b
		total += len(b)
	}
	return out, nil
}

// CollectorOutput returns output of the node collector (format v1: a
// header line, a time record, one cert block per certificate, a trailer)
// of at most size bytes holding certificates of a shape under dir, and how
// many certificates it holds.
func CollectorOutput(shape, header, dir string, size int) (string, int, error) {
	gen, err := New(shape)
	if err != nil {
		return "", 0, err
	}
	var b strings.Builder
	records := 0
	add := func(s string) {
		b.WriteString(s)
		b.WriteByte('\n')
		records++
	}
	b.WriteString(header + "\n")
	add("time 1700000000")
	n := 0
	for {
		der, err := gen()
		if err != nil {
			return "", 0, err
		}
		lines := strings.Split(strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))), "\n")
		block := fmt.Sprintf("cert host %s/hostile-%05d.crt\n", dir, n)
		for _, l := range lines {
			block += "pem " + l + "\n"
		}
		block += "end\n"
		if b.Len()+len(block)+32 > size {
			break
		}
		b.WriteString(block)
		records += len(lines) + 2
		n++
	}
	b.WriteString("#end " + strconv.Itoa(records) + "\n")
	return b.String(), n, nil
}
