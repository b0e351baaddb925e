package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"time"
)

// spec describes one certificate of the test PKI.
type spec struct {
	name        string // file stem
	cn          string // subject CN; servers use their first host
	ca          bool
	pathLenZero bool
	server      bool // serverAuth EKU, SANs from hosts
	client      bool // clientAuth EKU unless eku is set
	eku         []x509.ExtKeyUsage
	ku          x509.KeyUsage // overrides the default key usage when non-zero
	rsaBits     int           // 0 = ECDSA P-256
	hosts       []string
	parent      **Issued // nil = self-signed
	from, to    time.Time
}

// testOrg marks every subject so that nobody mistakes the PKI for a real one.
const testOrg = "apimlab TEST ONLY"

func (p *PKI) issue(s spec) (*Issued, error) {
	key, err := newKey(s.rsaBits)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(p.rand, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: s.cn, Organization: []string{testOrg}},
		NotBefore:             s.from,
		NotAfter:              s.to,
		BasicConstraintsValid: true,
		IsCA:                  s.ca,
		MaxPathLenZero:        s.pathLenZero,
		KeyUsage:              x509.KeyUsageDigitalSignature,
	}
	switch {
	case s.ca:
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	case s.server:
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		for _, h := range s.hosts {
			if ip := net.ParseIP(h); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, h)
			}
		}
		if len(s.hosts) > 0 {
			tmpl.Subject.CommonName = s.hosts[0]
		}
	case s.client:
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	if s.eku != nil {
		tmpl.ExtKeyUsage = s.eku
	}
	if s.ku != 0 {
		tmpl.KeyUsage = s.ku
	}
	if s.server && s.rsaBits > 0 {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}

	parentCert, parentKey := tmpl, crypto.Signer(key)
	var chain []*x509.Certificate
	var root *x509.Certificate
	if s.parent != nil {
		par := *s.parent
		parentCert, parentKey = par.Cert, par.Key
		if par.Root == nil { // the parent is a root
			root = par.Cert
		} else {
			root = par.Root
			chain = append([]*x509.Certificate{par.Cert}, par.Chain...)
		}
	}
	der, err := x509.CreateCertificate(p.rand, tmpl, parentCert, key.Public(), parentKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Issued{Name: s.name, Cert: cert, Key: key, Chain: chain, Root: root, rand: p.rand}, nil
}

func newKey(rsaBits int) (crypto.Signer, error) {
	if rsaBits > 0 {
		return rsa.GenerateKey(rand.Reader, rsaBits)
	}
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}
