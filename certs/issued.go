package certs

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"

	"software.sslmate.com/src/go-pkcs12"
)

// Issued is one certificate of a test PKI with its TEST-ONLY private key.
type Issued struct {
	// Name is the file stem Init writes it under ("client-expired").
	Name string
	// Cert is the certificate.
	Cert *x509.Certificate
	// Key is its private key (*ecdsa.PrivateKey or *rsa.PrivateKey).
	Key crypto.Signer
	// Chain holds the issuing CAs between Cert and Root, nearest first; empty
	// for roots, certificates issued directly by a root, and self-signed ones.
	Chain []*x509.Certificate
	// Root is the trust anchor Cert chains to; nil when Cert is self-signed.
	Root *x509.Certificate

	rand io.Reader
}

// CertPEM returns Cert alone, PEM-encoded.
func (is *Issued) CertPEM() []byte { return encodeCerts(is.Cert) }

// ChainPEM returns Cert followed by Chain (no root), PEM-encoded: the file a
// TLS server presents.
func (is *Issued) ChainPEM() []byte {
	return encodeCerts(append([]*x509.Certificate{is.Cert}, is.Chain...)...)
}

// KeyPEM returns the private key as a PKCS#8 "PRIVATE KEY" PEM block.
func (is *Issued) KeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(is.Key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// PFX returns a PKCS#12 file holding the key, Cert and Chain, encrypted with
// enc (nil means pkcs12.Modern) under password.
func (is *Issued) PFX(enc *pkcs12.Encoder, password string) ([]byte, error) {
	return is.PFXWithChain(enc, password, is.Chain)
}

// PFXWithChain is PFX with an explicit list of CA certificates, for broken
// variants such as a PFX that lacks the intermediate.
func (is *Issued) PFXWithChain(enc *pkcs12.Encoder, password string, chain []*x509.Certificate) ([]byte, error) {
	return is.encoder(enc).Encode(is.Key, is.Cert, chain, password)
}

// PFXCertsOnly returns a PKCS#12 file holding Cert and Chain but no private
// key, the mistake of exporting a certificate "without the private key".
func (is *Issued) PFXCertsOnly(enc *pkcs12.Encoder, password string) ([]byte, error) {
	entries := []pkcs12.TrustStoreEntry{{Cert: is.Cert, FriendlyName: is.Name}}
	for _, c := range is.Chain {
		entries = append(entries, pkcs12.TrustStoreEntry{Cert: c, FriendlyName: c.Subject.CommonName})
	}
	return is.encoder(enc).EncodeTrustStoreEntries(entries, password)
}

func (is *Issued) encoder(enc *pkcs12.Encoder) *pkcs12.Encoder {
	if enc == nil {
		enc = pkcs12.Modern
	}
	if is.rand != nil {
		enc = enc.WithRand(is.rand)
	}
	return enc
}

// TLSCertificate returns Cert, Chain and Key for tls.Config.Certificates or
// GetClientCertificate.
func (is *Issued) TLSCertificate() tls.Certificate {
	c := tls.Certificate{Certificate: [][]byte{is.Cert.Raw}, PrivateKey: is.Key, Leaf: is.Cert}
	for _, ca := range is.Chain {
		c.Certificate = append(c.Certificate, ca.Raw)
	}
	return c
}

// Material returns the certificate as loaded Material (as LoadPFX would).
func (is *Issued) Material() *Material {
	return newMaterial(is.Cert, is.Chain, is.Key)
}

func encodeCerts(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}
