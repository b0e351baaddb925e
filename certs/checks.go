package certs

import (
	//lint:ignore SA1019 only to recognise (and flag) DSA keys, never to use them
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// Expiry reports cert's validity at now. expiringSoon is true when cert is
// currently valid and expires within warnWithin (warnWithin <= 0 disables
// it). remaining is NotAfter - now, negative once expired. As in
// crypto/x509, NotBefore and NotAfter are inclusive. A nil cert counts as
// expired.
func Expiry(cert *x509.Certificate, now time.Time, warnWithin time.Duration) (expired, notYetValid, expiringSoon bool, remaining time.Duration) {
	if cert == nil {
		return true, false, false, 0
	}
	remaining = cert.NotAfter.Sub(now)
	expired = now.After(cert.NotAfter)
	notYetValid = now.Before(cert.NotBefore)
	expiringSoon = !expired && !notYetValid && warnWithin > 0 && remaining <= warnWithin
	return expired, notYetValid, expiringSoon, remaining
}

// ClientAuthUsable reports whether a TLS server that checks key usage (as
// Go, OpenSSL, IIS and Kestrel do) accepts cert as a client certificate. It
// is not when an extended key usage extension is present without clientAuth
// or anyExtendedKeyUsage, or when a key usage extension is present without
// digitalSignature (TLS client authentication signs the handshake). why
// explains a false ok and is empty otherwise.
func ClientAuthUsable(cert *x509.Certificate) (ok bool, why string) {
	if cert == nil {
		return false, "no certificate"
	}
	if len(cert.ExtKeyUsage) > 0 || len(cert.UnknownExtKeyUsage) > 0 {
		hasClient := false
		for _, u := range cert.ExtKeyUsage {
			if u == x509.ExtKeyUsageClientAuth || u == x509.ExtKeyUsageAny {
				hasClient = true
			}
		}
		if !hasClient {
			return false, fmt.Sprintf("extended key usage (%s) does not include clientAuth", extKeyUsageNames(cert))
		}
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return false, fmt.Sprintf("key usage (%s) does not include digitalSignature", keyUsageNames(cert.KeyUsage))
	}
	return true, ""
}

// WeakKind classifies a Weak finding.
type WeakKind string

// The kinds of weakness Weakness reports.
const (
	// WeakRSAKey: an RSA key shorter than 2048 bits.
	WeakRSAKey WeakKind = "rsa-key"
	// WeakECDSAKey: an ECDSA key on a curve shorter than 256 bits.
	WeakECDSAKey WeakKind = "ecdsa-key"
	// WeakDSAKey: a DSA key (deprecated, unsupported by TLS 1.3).
	WeakDSAKey WeakKind = "dsa-key"
	// WeakSignature: signed with SHA-1, MD5 or MD2.
	WeakSignature WeakKind = "signature"
)

// Weak is one weakness of a certificate.
type Weak struct {
	// Kind classifies the weakness.
	Kind WeakKind
	// Bits is the key size for key weaknesses, 0 otherwise.
	Bits int
	// Algorithm names the key or signature algorithm ("RSA", "P-224", "SHA1-RSA").
	Algorithm string
}

// String describes the weakness in a sentence fragment.
func (w Weak) String() string {
	switch w.Kind {
	case WeakRSAKey:
		return fmt.Sprintf("RSA key of %d bits (minimum 2048)", w.Bits)
	case WeakECDSAKey:
		return fmt.Sprintf("ECDSA key on %s (%d bits, minimum 256)", w.Algorithm, w.Bits)
	case WeakDSAKey:
		return fmt.Sprintf("DSA key of %d bits (DSA is deprecated)", w.Bits)
	default:
		return fmt.Sprintf("signature algorithm %s (SHA-1, MD5 and MD2 are broken)", w.Algorithm)
	}
}

// Weakness lists cert's cryptographic weaknesses: RSA keys below 2048 bits,
// ECDSA keys below 256 bits, DSA keys and SHA-1/MD5/MD2 signatures. Empty
// means none found.
func Weakness(cert *x509.Certificate) []Weak {
	if cert == nil {
		return nil
	}
	var out []Weak
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < 2048 {
			out = append(out, Weak{Kind: WeakRSAKey, Bits: bits, Algorithm: "RSA"})
		}
	case *ecdsa.PublicKey:
		if bits := k.Curve.Params().BitSize; bits < 256 {
			out = append(out, Weak{Kind: WeakECDSAKey, Bits: bits, Algorithm: k.Curve.Params().Name})
		}
	case *dsa.PublicKey:
		out = append(out, Weak{Kind: WeakDSAKey, Bits: k.P.BitLen(), Algorithm: "DSA"})
	}
	switch cert.SignatureAlgorithm {
	case x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1, x509.MD5WithRSA, x509.MD2WithRSA:
		out = append(out, Weak{Kind: WeakSignature, Algorithm: cert.SignatureAlgorithm.String()})
	}
	return out
}

var extKeyUsageText = map[x509.ExtKeyUsage]string{
	x509.ExtKeyUsageAny:             "any",
	x509.ExtKeyUsageServerAuth:      "serverAuth",
	x509.ExtKeyUsageClientAuth:      "clientAuth",
	x509.ExtKeyUsageCodeSigning:     "codeSigning",
	x509.ExtKeyUsageEmailProtection: "emailProtection",
	x509.ExtKeyUsageTimeStamping:    "timeStamping",
	x509.ExtKeyUsageOCSPSigning:     "OCSPSigning",
}

func extKeyUsageNames(cert *x509.Certificate) string {
	var names []string
	for _, u := range cert.ExtKeyUsage {
		if n, ok := extKeyUsageText[u]; ok {
			names = append(names, n)
		} else {
			names = append(names, fmt.Sprintf("eku(%d)", u))
		}
	}
	for _, oid := range cert.UnknownExtKeyUsage {
		names = append(names, oid.String())
	}
	return strings.Join(names, ", ")
}

var keyUsageText = []struct {
	bit  x509.KeyUsage
	name string
}{
	{x509.KeyUsageDigitalSignature, "digitalSignature"},
	{x509.KeyUsageContentCommitment, "contentCommitment"},
	{x509.KeyUsageKeyEncipherment, "keyEncipherment"},
	{x509.KeyUsageDataEncipherment, "dataEncipherment"},
	{x509.KeyUsageKeyAgreement, "keyAgreement"},
	{x509.KeyUsageCertSign, "keyCertSign"},
	{x509.KeyUsageCRLSign, "cRLSign"},
	{x509.KeyUsageEncipherOnly, "encipherOnly"},
	{x509.KeyUsageDecipherOnly, "decipherOnly"},
}

func keyUsageNames(ku x509.KeyUsage) string {
	var names []string
	for _, k := range keyUsageText {
		if ku&k.bit != 0 {
			names = append(names, k.name)
		}
	}
	return strings.Join(names, ", ")
}
