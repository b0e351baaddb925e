package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"software.sslmate.com/src/go-pkcs12"
)

// LoadPFX decodes a PKCS#12 (PFX) file protected by password. Modern
// (PBES2/AES, HMAC-SHA-256) and legacy (3DES or RC2, HMAC-SHA-1) files load.
// A wrong password fails with ErrWrongPassword, malformed data with
// ErrCorrupt; neither message contains the password.
//
// A PFX holding certificates but no private key loads with Key == nil when
// its certificate bags are readable (trust-store layout); otherwise it fails
// with ErrNoPrivateKey. The leaf is the certificate matching the key (some
// exporters write the CA certificates first), else the first certificate.
func LoadPFX(data []byte, password string) (*Material, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if err == nil {
		leaf, cas = pickLeaf(append([]*x509.Certificate{leaf}, cas...), key)
		return newMaterial(leaf, cas, key), nil
	}
	if err.Error() == "pkcs12: private key missing" {
		// DecodeChain drops the certificates it read; certificate-only
		// files written as trust stores can be read again without a key.
		certs, terr := pkcs12.DecodeTrustStore(data, password)
		if terr != nil || len(certs) == 0 {
			return nil, fmt.Errorf("%w: PFX holds no private key and its certificates cannot be read", ErrNoPrivateKey)
		}
		leaf, cas := pickLeaf(certs, nil)
		return newMaterial(leaf, cas, nil), nil
	}
	return nil, classifyPFXError(err)
}

func classifyPFXError(err error) error {
	var notImpl pkcs12.NotImplementedError
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword), errors.Is(err, pkcs12.ErrDecryption):
		return ErrWrongPassword
	case errors.As(err, &notImpl):
		return fmt.Errorf("%w: %v", ErrUnsupported, err)
	default:
		// The library's messages are fixed texts and ASN.1 errors; they
		// never echo the password.
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
}

// LoadPEM decodes PEM certificates and an optional PEM private key. Both
// arguments may hold any mix of blocks (a combined file may be passed as
// both); keyPEM may be nil. Keys in PKCS#8, PKCS#1 (RSA) and SEC 1 (EC) form
// load; encrypted keys fail with ErrUnsupported. The leaf is the certificate
// matching the key, else the first non-CA certificate, else the first.
func LoadPEM(certPEM, keyPEM []byte) (*Material, error) {
	var certs []*x509.Certificate
	var key crypto.PrivateKey
	for _, input := range [][]byte{certPEM, keyPEM} {
		rest := input
		for {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			switch b.Type {
			case "CERTIFICATE":
				c, err := x509.ParseCertificate(b.Bytes)
				if err != nil {
					return nil, fmt.Errorf("%w: certificate %d: %v", ErrCorrupt, len(certs)+1, err)
				}
				certs = append(certs, c)
			case "ENCRYPTED PRIVATE KEY":
				return nil, fmt.Errorf("%w: encrypted PKCS#8 private key (decrypt it first)", ErrUnsupported)
			case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
				if _, enc := b.Headers["Proc-Type"]; enc {
					return nil, fmt.Errorf("%w: encrypted PEM private key (decrypt it first)", ErrUnsupported)
				}
				if key != nil {
					return nil, fmt.Errorf("%w: more than one private key", ErrCorrupt)
				}
				k, err := parseKey(b)
				if err != nil {
					return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, b.Type, err)
				}
				key = k
			}
		}
		if bytes.Equal(certPEM, keyPEM) { // one combined file passed twice
			break
		}
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: no CERTIFICATE block", ErrCorrupt)
	}
	leaf, chain := pickLeaf(certs, key)
	return newMaterial(leaf, chain, key), nil
}

func parseKey(b *pem.Block) (crypto.PrivateKey, error) {
	switch b.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(b.Bytes)
	default:
		return x509.ParsePKCS8PrivateKey(b.Bytes)
	}
}

// pickLeaf chooses the end-entity certificate among certs and returns the
// others in their original order.
func pickLeaf(certs []*x509.Certificate, key crypto.PrivateKey) (*x509.Certificate, []*x509.Certificate) {
	idx := -1
	if key != nil {
		for i, c := range certs {
			if keyMatches(c, key) {
				idx = i
				break
			}
		}
	}
	if idx < 0 {
		for i, c := range certs {
			if !c.IsCA {
				idx = i
				break
			}
		}
	}
	if idx < 0 {
		idx = 0
	}
	chain := make([]*x509.Certificate, 0, len(certs)-1)
	chain = append(chain, certs[:idx]...)
	chain = append(chain, certs[idx+1:]...)
	return certs[idx], chain
}

// LoadBytes detects the format of data and loads it: PEM (certificates and
// optional key in one file), DER PFX, base64 PFX (the form of APIM's `data`
// property and of Key Vault secrets), or a bare DER certificate (.cer, no
// key). password is used for PFX only.
func LoadBytes(data []byte, password string) (*Material, error) {
	trimmed := bytes.TrimSpace(data)
	if bytes.Contains(trimmed, []byte("-----BEGIN")) {
		return LoadPEM(trimmed, trimmed)
	}
	if len(trimmed) > 0 && trimmed[0] != 0x30 { // not DER: maybe base64
		dec, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(trimmed), nil)))
		if err != nil || len(dec) == 0 || dec[0] != 0x30 {
			return nil, fmt.Errorf("%w: neither PEM, PFX nor base64 PFX", ErrCorrupt)
		}
		data = dec
	}
	m, err := LoadPFX(data, password)
	if err == nil || !errors.Is(err, ErrCorrupt) {
		return m, err
	}
	if c, cerr := x509.ParseCertificate(data); cerr == nil {
		return newMaterial(c, nil, nil), nil
	}
	return nil, err
}

// LoadFile reads path and loads it with LoadBytes. Errors name the file.
func LoadFile(path, password string) (*Material, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err // *fs.PathError names the file
	}
	m, err := LoadBytes(data, password)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
