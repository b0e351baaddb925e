package gateway

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/certs"
)

// caPins are a backend's custom CA certificate details
// (tls.serverCertificateThumbprints and tls.serverX509Names). Learn,
// "Backends in API Management" (Configure CA certificate, v2 tiers): "When
// you configure details of a custom CA certificate in the backend entity,
// API Management always validates the certificate name and certificate
// chain, regardless of whether you enable or disable validation settings".
type caPins struct {
	thumbs map[string]bool // normalised SHA-1, SHA-256 or SHA-512 hex
	names  []x509Pin
}

// x509Pin is one serverX509Names entry.
type x509Pin struct {
	name   string // subject common name or full subject (RFC 2253)
	issuer string // normalised issuer thumbprint; "" accepts any issuer
}

// errNoPin is returned when no certificate of a backend's chain matches
// its CA certificate details.
var errNoPin = errors.New("tls: no certificate of the backend's chain matches its CA certificate details (serverCertificateThumbprints, serverX509Names)")

// buildPins returns the CA certificate details of t, nil when it has none.
func buildPins(t *apim.TLS) (*caPins, error) {
	if t == nil || (len(t.ServerCertificateThumbprints) == 0 && len(t.ServerX509Names) == 0) {
		return nil, nil
	}
	p := &caPins{thumbs: map[string]bool{}}
	for i, tp := range t.ServerCertificateThumbprints {
		if !tp.Known() || strings.TrimSpace(tp.Value) == "" {
			return nil, fmt.Errorf("tls.serverCertificateThumbprints[%d] is unset or unresolved", i)
		}
		p.thumbs[certs.NormalizeThumbprint(strings.TrimSpace(tp.Value))] = true
	}
	for i, n := range t.ServerX509Names {
		if !n.Name.Known() || strings.TrimSpace(n.Name.Value) == "" {
			return nil, fmt.Errorf("tls.serverX509Names[%d].name is unset or unresolved", i)
		}
		p.names = append(p.names, x509Pin{name: strings.TrimSpace(n.Name.Value), issuer: certs.NormalizeThumbprint(strings.TrimSpace(n.IssuerCertificateThumbprint.Value))})
	}
	return p, nil
}

// thumbprints returns c's SHA-1, SHA-256 and SHA-512 thumbprints (upper-case hex).
func thumbprints(c *x509.Certificate) [3]string {
	s1, s256, s512 := sha1.Sum(c.Raw), sha256.Sum256(c.Raw), sha512.Sum512(c.Raw)
	return [3]string{
		strings.ToUpper(hex.EncodeToString(s1[:])),
		strings.ToUpper(hex.EncodeToString(s256[:])),
		strings.ToUpper(hex.EncodeToString(s512[:])),
	}
}

func thumbIs(c *x509.Certificate, tp string) bool {
	for _, t := range thumbprints(c) {
		if t == tp {
			return true
		}
	}
	return false
}

// anchors returns the certificates among candidates that the pins trust:
// those whose thumbprint is listed, and those whose subject matches a
// serverX509Names name and whose issuer (or, for a CA named directly,
// itself) has the listed issuer thumbprint.
func (p *caPins) anchors(candidates []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	for _, c := range candidates {
		if p.trusts(c, candidates) {
			out = append(out, c)
		}
	}
	return out
}

func (p *caPins) trusts(c *x509.Certificate, candidates []*x509.Certificate) bool {
	for _, t := range thumbprints(c) {
		if p.thumbs[t] {
			return true
		}
	}
	for _, n := range p.names {
		if !strings.EqualFold(c.Subject.CommonName, n.name) && !strings.EqualFold(c.Subject.String(), n.name) {
			continue
		}
		if n.issuer == "" || thumbIs(c, n.issuer) {
			return true
		}
		for _, is := range candidates {
			if bytes.Equal(is.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(is) == nil && thumbIs(is, n.issuer) {
				return true
			}
		}
	}
	return false
}

// verifyPinned is VerifyConnection for a backend with CA certificate
// details: the name is always checked, and the chain must lead to a
// certificate the pins trust, found in the chain the backend sent or among
// the CAs apimlab knows (service CA store, --ca files, certificate
// entities).
func (g *Gateway) verifyPinned(p *caPins, host string) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("tls: backend sent no certificate")
		}
		leaf := cs.PeerCertificates[0]
		name := cs.ServerName
		if name == "" {
			name = host
		}
		if err := leaf.VerifyHostname(name); err != nil {
			return err
		}
		candidates := append(append([]*x509.Certificate(nil), cs.PeerCertificates...), g.knownCAs...)
		anchors := p.anchors(candidates)
		if len(anchors) == 0 {
			return errNoPin
		}
		roots, inter := x509.NewCertPool(), x509.NewCertPool()
		for _, a := range anchors {
			roots.AddCert(a)
		}
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		return err
	}
}

// pemCerts parses every CERTIFICATE block of data.
func pemCerts(data []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			out = append(out, c)
		}
	}
}
