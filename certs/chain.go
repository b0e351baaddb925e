package certs

import (
	"bytes"
	"crypto/x509"
	"errors"
)

// maxChainDepth bounds chain building against loops and absurd inputs.
const maxChainDepth = 8

// ChainsTo reports whether leaf chains, through any of intermediates, to one
// of roots, checking names and signatures only (not validity periods, key
// usage or revocation: Expiry and ClientAuthUsable cover those, so each
// problem is reported once). A leaf that is itself one of roots chains. When
// ok, issuer is the subject of the root reached; otherwise it is leaf's
// issuer name, for messages such as "issued by CN=X, which the backend does
// not trust". SHA-1 signatures are accepted here; Weakness reports them.
func ChainsTo(leaf *x509.Certificate, intermediates, roots []*x509.Certificate) (ok bool, issuer string) {
	if leaf == nil {
		return false, ""
	}
	if root := findChain(leaf, intermediates, roots, 0); root != nil {
		return true, root.Subject.String()
	}
	return false, leaf.Issuer.String()
}

func findChain(c *x509.Certificate, intermediates, roots []*x509.Certificate, depth int) *x509.Certificate {
	if depth > maxChainDepth {
		return nil
	}
	for _, r := range roots {
		if c.Equal(r) || signedBy(c, r) {
			return r
		}
	}
	for _, in := range intermediates {
		if c.Equal(in) || !signedBy(c, in) {
			continue
		}
		if r := findChain(in, intermediates, roots, depth+1); r != nil {
			return r
		}
	}
	return nil
}

// signedBy reports whether parent's subject and key issued child.
func signedBy(child, parent *x509.Certificate) bool {
	if !bytes.Equal(child.RawIssuer, parent.RawSubject) {
		return false
	}
	err := child.CheckSignatureFrom(parent)
	var insecure x509.InsecureAlgorithmError
	return err == nil || errors.As(err, &insecure)
}

// selfSigned reports whether c is signed by its own key under its own name.
func selfSigned(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawIssuer, c.RawSubject) {
		return false
	}
	err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature)
	var insecure x509.InsecureAlgorithmError
	return err == nil || errors.As(err, &insecure)
}

// MissingIntermediates reports whether m's chain is incomplete: following
// issuers from the leaf through m.Chain ends at a certificate that is not
// self-signed and whose issuer is neither in m.Chain nor among roots.
//
// roots are the trust anchors the peer is known to hold (APIM's CA store,
// a backend's trusted CAs). Without roots the answer is a heuristic: a leaf
// that arrives alone is reported (public and enterprise CAs issue leaves
// from intermediates), a chain ending at an intermediate is not (the
// missing issuer is presumably a root the peer holds).
func MissingIntermediates(m *Material, roots ...*x509.Certificate) bool {
	if m == nil || m.Leaf == nil {
		return false
	}
	end := m.Leaf
	seen := map[*x509.Certificate]bool{end: true}
walk:
	for range maxChainDepth {
		for _, c := range m.Chain {
			if !seen[c] && signedBy(end, c) {
				end = c
				seen[c] = true
				continue walk
			}
		}
		break
	}
	if selfSigned(end) {
		return false
	}
	for _, r := range roots {
		if end.Equal(r) || signedBy(end, r) {
			return false
		}
	}
	if len(roots) > 0 {
		return true
	}
	return end == m.Leaf
}

// AcceptedBy reports whether a server whose CertificateRequest named
// acceptableCAs (DER distinguished names, ProbeResult.AcceptableCAsRaw)
// would consider m: some certificate of the leaf's chain is issued by one
// of the named CAs. This is the test TLS clients apply when picking
// a certificate (tls.CertificateRequestInfo.SupportsCertificate); an empty
// list accepts anything. It compares names only: the server still verifies
// signatures.
func AcceptedBy(m *Material, acceptableCAs [][]byte) bool {
	if m == nil || m.Leaf == nil {
		return false
	}
	if len(acceptableCAs) == 0 {
		return true
	}
	for _, c := range append([]*x509.Certificate{m.Leaf}, m.Chain...) {
		for _, ca := range acceptableCAs {
			if bytes.Equal(c.RawIssuer, ca) {
				return true
			}
		}
	}
	return false
}
