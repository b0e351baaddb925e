package certs

import (
	"crypto"
	"crypto/sha1" // Azure identifies certificates by their SHA-1 thumbprint.
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"strings"
)

// Material is a loaded certificate: the leaf, the CA certificates that came
// with it and, if present, its private key.
type Material struct {
	// Leaf is the end-entity certificate.
	Leaf *x509.Certificate
	// Chain holds the other certificates of the file, in file order.
	Chain []*x509.Certificate
	// Key is the private key, or nil if the file holds none.
	Key crypto.PrivateKey
	// Thumbprint is the leaf's SHA-1 fingerprint in upper-case hex, the form
	// Azure shows and `serverCertificateThumbprints` uses.
	Thumbprint string
	// KeyMatches reports whether Key is the private key of Leaf's public key
	// (false when Key is nil).
	KeyMatches bool
}

func newMaterial(leaf *x509.Certificate, chain []*x509.Certificate, key crypto.PrivateKey) *Material {
	return &Material{
		Leaf:       leaf,
		Chain:      chain,
		Key:        key,
		Thumbprint: Thumbprint(leaf),
		KeyMatches: keyMatches(leaf, key),
	}
}

// Thumbprint returns cert's SHA-1 fingerprint as upper-case hex ("" for nil).
func Thumbprint(cert *x509.Certificate) string {
	if cert == nil {
		return ""
	}
	sum := sha1.Sum(cert.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// NormalizeThumbprint upper-cases a thumbprint and drops the spaces and
// colons people paste from certificate viewers, so that thumbprints from
// configuration compare equal to Material.Thumbprint.
func NormalizeThumbprint(s string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == ':' || r == '\u200e' || r == '\u200f' {
			return -1
		}
		return r
	}, s))
}

func keyMatches(leaf *x509.Certificate, key crypto.PrivateKey) bool {
	if leaf == nil || key == nil {
		return false
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return false
	}
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(leaf.PublicKey)
}

// TLSCertificate returns the material as a tls.Certificate (leaf then chain)
// for tls.Config.Certificates or GetClientCertificate. It fails with
// ErrNoPrivateKey when there is no key and ErrKeyMismatch when the key
// belongs to another certificate.
func (m *Material) TLSCertificate() (tls.Certificate, error) {
	if m == nil || m.Leaf == nil {
		return tls.Certificate{}, ErrCorrupt
	}
	if m.Key == nil {
		return tls.Certificate{}, ErrNoPrivateKey
	}
	if !m.KeyMatches {
		return tls.Certificate{}, ErrKeyMismatch
	}
	c := tls.Certificate{Certificate: [][]byte{m.Leaf.Raw}, PrivateKey: m.Key, Leaf: m.Leaf}
	for _, ca := range m.Chain {
		c.Certificate = append(c.Certificate, ca.Raw)
	}
	return c, nil
}
