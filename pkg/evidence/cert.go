package evidence

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"slices"

	"github.com/kubectl-harden/kubectl-harden/internal/safetext"
)

// A node chooses the certificates it serves, so the work spent on their
// signatures is bounded: in the number of checks, in the cost of one check
// and in time (the scan's context). Without these bounds 400 certificates
// sharing one name took 37 s and 4 MiB of them about an hour (every
// certificate was checked against every other), and one RSA key of
// 65 536 bits costs as much as a thousand ordinary checks.
const (
	// MaxSignatureWork bounds the signature checks of one node's
	// certificates, in units of one RSA-2048 or P-256 check (about 50 µs):
	// a kubeadm control-plane node spends about 40.
	MaxSignatureWork = 4096
	// MaxSignerCandidates bounds the certificates tried as the signer of
	// one certificate: candidates share its issuer's name, and those whose
	// key identifiers match are tried first, so a real signer is found
	// first.
	MaxSignerCandidates = 8
	// MaxRSAVerifyBits is the largest RSA key whose signatures are checked,
	// as in crypto/tls (maxRSAKeySize, since CVE-2023-29409).
	MaxRSAVerifyBits = 8192
	// maxNameBytes bounds a certificate's subject and issuer as recorded.
	maxNameBytes = 512
)

// checkSignature verifies that signer's key signed cert; tests count the
// calls through it.
var checkSignature = func(signer, cert *x509.Certificate) error {
	return signer.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature)
}

// ParseCertificate reads the public facts of the first CERTIFICATE block of
// a PEM file. It never fails: problems are reported in Certificate.Error.
// The parsed certificate is returned as well (nil on error) so that callers
// can verify signatures. A certificate whose issuer is its own subject is
// checked for a signature by its own key (SelfSigned), unless its key is
// too large to check (SignatureUnchecked says so).
func ParseCertificate(path string, data []byte) (*Certificate, *x509.Certificate) {
	c, x := parseFacts(path, data)
	if x != nil && bytes.Equal(x.RawIssuer, x.RawSubject) {
		if _, ok := verifyCost(x); !ok {
			c.SignatureUnchecked = "it carries " + tooLarge(x)
		} else {
			c.SelfSigned = checkSignature(x, x) == nil
		}
	}
	return c, x
}

// parseFacts is ParseCertificate without any signature check.
func parseFacts(path string, data []byte) (*Certificate, *x509.Certificate) {
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
			c.Error = safetext.Clip("parse certificate: "+err.Error(), maxNameBytes)
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
	c.Subject = safetext.Clip(first.Subject.String(), maxNameBytes)
	c.Issuer = safetext.Clip(first.Issuer.String(), maxNameBytes)
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
	return c, first
}

// verifyCost is the cost of one check with signer's key in units of an
// RSA-2048 check (measured with crypto/rsa and crypto/ecdsa: RSA-4096 and
// P-384 about 10, RSA-8192 and P-521 about 40, an exponent above 2^17
// doubles RSA's), and false for a key too large to check.
func verifyCost(signer *x509.Certificate) (int, bool) {
	switch k := signer.PublicKey.(type) {
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		w := 1
		switch {
		case bits > MaxRSAVerifyBits:
			return 0, false
		case bits > 4096:
			w = 48
		case bits > 3072:
			w = 10
		case bits > 2048:
			w = 4
		}
		if k.E > 1<<17 {
			w *= 2
		}
		return w, true
	case *ecdsa.PublicKey:
		if k.Curve == nil {
			return 1, true
		}
		switch k.Curve.Params().BitSize {
		case 521:
			return 36, true
		case 384:
			return 10, true
		case 224:
			return 3, true
		}
	}
	return 1, true
}

func tooLarge(x *x509.Certificate) string {
	bits := 0
	if k, ok := x.PublicKey.(*rsa.PublicKey); ok {
		bits = k.N.BitLen()
	}
	return fmt.Sprintf("an RSA key of %d bits, larger than the %d bits whose signatures are checked", bits, MaxRSAVerifyBits)
}

// keyAlgorithmOf is the key type a signature algorithm needs; a candidate
// signer with another type cannot have made the signature.
func keyAlgorithmOf(a x509.SignatureAlgorithm) x509.PublicKeyAlgorithm {
	switch a {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA,
		x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
		return x509.RSA
	case x509.ECDSAWithSHA1, x509.ECDSAWithSHA256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512:
		return x509.ECDSA
	case x509.PureEd25519:
		return x509.Ed25519
	case x509.DSAWithSHA1, x509.DSAWithSHA256:
		return x509.DSA
	}
	return x509.UnknownPublicKeyAlgorithm
}

// ParseCertificates is ParseCertificatesContext without a deadline.
func ParseCertificates(pems map[string][]byte) map[string]*Certificate {
	out, _ := ParseCertificatesContext(context.Background(), pems)
	return out
}

// ParseCertificatesContext parses PEM files keyed by path and links them:
// SelfSigned says the certificate verifies with its own key, SignedBy is
// the path of another collected certificate whose key verifies its
// signature ("" if none does). Only certificates whose subject is the
// issuer's name are tried as signers (see linker.link), and the whole
// node spends at most MaxSignatureWork. A certificate whose signature
// could not be checked within these bounds, or only against a key too
// large to check, has SignatureUnchecked set, so that nobody reads the
// missing link as a fact. Certificates are visited in path order, so the
// result is deterministic, and a file holding the very same certificate
// never counts as its signer. When ctx ends, parsing and linking stop and
// the error wraps ctx's cause; the map is then incomplete.
func ParseCertificatesContext(ctx context.Context, pems map[string][]byte) (map[string]*Certificate, error) {
	return parseAndLink(ctx, pems, MaxSignatureWork)
}

// parseAndLink is ParseCertificatesContext with a budget of its own.
func parseAndLink(ctx context.Context, pems map[string][]byte, budget int) (map[string]*Certificate, error) {
	out := make(map[string]*Certificate, len(pems))
	paths := slices.Sorted(maps.Keys(pems))
	parsed := make(map[string]*x509.Certificate, len(pems))
	for i, p := range paths {
		if i%256 == 0 && ctx.Err() != nil {
			return out, fmt.Errorf("parse certificates: %w", context.Cause(ctx))
		}
		c, x := parseFacts(p, pems[p])
		out[p] = c
		if x != nil {
			parsed[p] = x
		}
	}
	l := linker{ctx: ctx, left: budget, budget: budget, parsed: parsed, signers: indexSigners(paths, parsed)}
	for _, p := range paths {
		if x := parsed[p]; x != nil {
			l.link(out[p], x, p)
		}
	}
	if l.stopped != nil {
		return out, fmt.Errorf("link certificates: %w", l.stopped)
	}
	return out, nil
}

// signerIndex lists, per subject name, the certificates that could sign a
// certificate issued by that name: one per public key (the first in path
// order; another certificate of the same key verifies exactly the same
// signatures), and those per subject key identifier.
type signerIndex struct {
	bySubject map[string][]string
	bySKID    map[[2]string][]string
}

func indexSigners(paths []string, parsed map[string]*x509.Certificate) signerIndex {
	idx := signerIndex{bySubject: map[string][]string{}, bySKID: map[[2]string][]string{}}
	seen := map[[2]string]bool{}
	for _, p := range paths {
		x := parsed[p]
		if x == nil {
			continue
		}
		key := [2]string{string(x.RawSubject), string(x.RawSubjectPublicKeyInfo)}
		if seen[key] {
			continue
		}
		seen[key] = true
		idx.bySubject[string(x.RawSubject)] = append(idx.bySubject[string(x.RawSubject)], p)
		if len(x.SubjectKeyId) > 0 {
			k := [2]string{string(x.RawSubject), string(x.SubjectKeyId)}
			idx.bySKID[k] = append(idx.bySKID[k], p)
		}
	}
	return idx
}

// linker holds the budget of one node's signature checks.
type linker struct {
	ctx     context.Context
	budget  int
	left    int
	stopped error // the context's error once it ended
	parsed  map[string]*x509.Certificate
	signers signerIndex
}

// outcome of one signature check.
type outcome int

const (
	verified outcome = iota
	notVerified
	keyTooLarge // not made: the signer's key is too large
	stopped     // not made: the budget or the context ended
)

// check verifies cert with signer's key if the budget allows. why says
// why a check was not made.
func (l *linker) check(signer, cert *x509.Certificate) (o outcome, why string) {
	if l.stopped == nil && l.ctx.Err() != nil {
		l.stopped = context.Cause(l.ctx)
	}
	if l.stopped != nil {
		return stopped, "the scan ended before its signature was checked"
	}
	cost, fits := verifyCost(signer)
	if !fits {
		return keyTooLarge, tooLarge(signer)
	}
	if cost > l.left {
		l.left = 0
		return stopped, fmt.Sprintf("the node's certificates used up the budget of %d signature checks", l.budget)
	}
	l.left -= cost
	if checkSignature(signer, cert) != nil {
		return notVerified, ""
	}
	return verified, ""
}

// link sets SelfSigned, SignedBy or SignatureUnchecked of one
// certificate. Candidates are the certificates whose subject is its
// issuer, one per key: first those whose subject key identifier is its
// authority key identifier, then, in path order, those lacking either
// identifier, then those whose identifiers differ (RFC 5280 4.2.1.1 makes
// them unlikely signers). At most MaxSignerCandidates are tried, and at
// most 4×MaxSignerCandidates are looked at, so one certificate costs
// little however many others share the name.
func (l *linker) link(c *Certificate, x *x509.Certificate, p string) {
	unchecked := "" // why a possible signer was not checked
	if bytes.Equal(x.RawIssuer, x.RawSubject) {
		switch o, why := l.check(x, x); o {
		case verified:
			c.SelfSigned = true
			return
		case stopped:
			c.SignatureUnchecked = why
			return
		case keyTooLarge:
			unchecked = "it carries " + why
		}
	}
	want := keyAlgorithmOf(x.SignatureAlgorithm)
	done := map[string]bool{}
	var result string // the signer's path
	// try checks one candidate; it returns true when linking is over.
	try := func(q string) bool {
		y := l.parsed[q]
		if done[q] || q == p || bytes.Equal(x.Raw, y.Raw) || y.PublicKeyAlgorithm != want ||
			bytes.Equal(x.RawSubjectPublicKeyInfo, y.RawSubjectPublicKeyInfo) && bytes.Equal(x.RawIssuer, x.RawSubject) {
			// Not a candidate, or its key was just tried as x's own.
			return false
		}
		if len(done) == MaxSignerCandidates {
			unchecked = fmt.Sprintf("more than %d certificates carry its issuer's name and the first %d did not sign it", MaxSignerCandidates, MaxSignerCandidates)
			return true
		}
		done[q] = true
		switch o, why := l.check(y, x); o {
		case verified:
			result = q
			return true
		case stopped:
			unchecked = why
			return true
		case keyTooLarge:
			unchecked = "candidate signer " + q + " carries " + why
		}
		return false
	}
	finish := func() {
		if result != "" {
			c.SignedBy = result
			return
		}
		c.SignatureUnchecked = unchecked
	}
	if len(x.AuthorityKeyId) > 0 {
		for _, q := range l.signers.bySKID[[2]string{string(x.RawIssuer), string(x.AuthorityKeyId)}] {
			if try(q) {
				finish()
				return
			}
		}
	}
	named := l.signers.bySubject[string(x.RawIssuer)]
	window := min(len(named), 4*MaxSignerCandidates)
	for _, mismatched := range []bool{false, true} {
		for _, q := range named[:window] {
			y := l.parsed[q]
			differ := len(x.AuthorityKeyId) > 0 && len(y.SubjectKeyId) > 0 && !bytes.Equal(x.AuthorityKeyId, y.SubjectKeyId)
			if differ == mismatched && try(q) {
				finish()
				return
			}
		}
	}
	if window < len(named) && unchecked == "" {
		unchecked = fmt.Sprintf("more than %d certificates carry its issuer's name; only the first %d were looked at", window, window)
	}
	finish()
}
