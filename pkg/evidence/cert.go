package evidence

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sort"
)

// ParseCertificate reads the public facts of the first CERTIFICATE block of
// a PEM file. It never fails: problems are reported in Certificate.Error.
// The parsed certificate is returned as well (nil on error) so that callers
// can verify signatures.
func ParseCertificate(path string, data []byte) (*Certificate, *x509.Certificate) {
	c := &Certificate{Path: path}
	var first *x509.Certificate
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c.Count++
		if first != nil {
			continue
		}
		x, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			c.Error = "parse certificate: " + err.Error()
			continue
		}
		first = x
	}
	if first == nil {
		if c.Error == "" {
			c.Error = "no PEM certificate in file"
		}
		return c, nil
	}
	c.Error = ""
	c.Subject = first.Subject.String()
	c.Issuer = first.Issuer.String()
	c.NotBefore = first.NotBefore.UTC()
	c.NotAfter = first.NotAfter.UTC()
	c.IsCA = first.BasicConstraintsValid && first.IsCA
	switch k := first.PublicKey.(type) {
	case *rsa.PublicKey:
		c.KeyAlgorithm, c.KeyBits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		c.KeyAlgorithm = "ECDSA"
		if k.Curve != nil {
			c.KeyBits = k.Curve.Params().BitSize
		}
	case ed25519.PublicKey:
		c.KeyAlgorithm, c.KeyBits = "Ed25519", 256
	default:
		c.KeyAlgorithm = first.PublicKeyAlgorithm.String()
	}
	c.SelfSigned = bytes.Equal(first.RawIssuer, first.RawSubject) &&
		first.CheckSignature(first.SignatureAlgorithm, first.RawTBSCertificate, first.Signature) == nil
	return c, first
}

// ParseCertificates parses PEM files keyed by path and links them: SignedBy
// is the path of another collected certificate whose key verifies the
// certificate's signature. Candidates are tried in path order, so the result
// is deterministic; a self-signed certificate gets SignedBy "" (SelfSigned
// says it), and a file holding the very same certificate never counts as
// its signer.
func ParseCertificates(pems map[string][]byte) map[string]*Certificate {
	out := make(map[string]*Certificate, len(pems))
	parsed := map[string]*x509.Certificate{}
	paths := make([]string, 0, len(pems))
	for p := range pems {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		c, x := ParseCertificate(p, pems[p])
		out[p] = c
		if x != nil {
			parsed[p] = x
		}
	}
	for _, p := range paths {
		x := parsed[p]
		if x == nil || out[p].SelfSigned {
			continue
		}
		for _, q := range paths {
			y := parsed[q]
			if y == nil || q == p || bytes.Equal(x.Raw, y.Raw) {
				continue
			}
			if !bytes.Equal(x.RawIssuer, y.RawSubject) {
				continue
			}
			if y.CheckSignature(x.SignatureAlgorithm, x.RawTBSCertificate, x.Signature) == nil {
				out[p].SignedBy = q
				break
			}
		}
	}
	return out
}
