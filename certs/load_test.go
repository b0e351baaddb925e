package certs

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

func TestLoadPFXEncoders(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	encoders := []struct {
		name string
		enc  *pkcs12.Encoder
	}{
		{"Modern", pkcs12.Modern},
		{"Modern2026", pkcs12.Modern2026},
		{"LegacyDES", pkcs12.LegacyDES},
		{"LegacyRC2", pkcs12.LegacyRC2},
	}
	for _, e := range encoders {
		for _, is := range []*Issued{p.Client, p.ClientRSA1024} {
			t.Run(e.name+"/"+is.Name, func(t *testing.T) {
				const pw = "Pa55-word with spaces"
				data, err := is.PFX(e.enc, pw)
				if err != nil {
					t.Fatal(err)
				}
				m, err := LoadPFX(data, pw)
				if err != nil {
					t.Fatalf("LoadPFX: %v", err)
				}
				if !m.Leaf.Equal(is.Cert) {
					t.Errorf("leaf %s, want %s", m.Leaf.Subject, is.Cert.Subject)
				}
				if len(m.Chain) != 1 || !m.Chain[0].Equal(p.Intermediate.Cert) {
					t.Errorf("chain = %d certificates, want the intermediate", len(m.Chain))
				}
				if !m.KeyMatches {
					t.Error("KeyMatches = false")
				}
				if got, want := m.Thumbprint, Thumbprint(is.Cert); got != want || len(got) != 40 || strings.ToUpper(got) != got {
					t.Errorf("Thumbprint = %q, want %q (40 upper-case hex)", got, want)
				}
				tc, err := m.TLSCertificate()
				if err != nil {
					t.Fatalf("TLSCertificate: %v", err)
				}
				if len(tc.Certificate) != 2 || tc.Leaf != m.Leaf {
					t.Errorf("TLSCertificate has %d certificates", len(tc.Certificate))
				}

				_, err = LoadPFX(data, "wrong-"+pw)
				if !errors.Is(err, ErrWrongPassword) {
					t.Fatalf("wrong password: err = %v, want ErrWrongPassword", err)
				}
				if strings.Contains(err.Error(), pw) {
					t.Errorf("error %q contains the password", err)
				}
			})
		}
	}
}

func TestLoadPFXErrorsNeverShowPassword(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	const pw = "hunter2-Secret"
	good, err := p.Client.PFX(nil, pw)
	if err != nil {
		t.Fatal(err)
	}
	truncated := good[:len(good)/2]
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-40] ^= 0xff
	tests := []struct {
		name     string
		data     []byte
		password string
		want     error
	}{
		{"wrong password", good, pw + "x", ErrWrongPassword},
		{"empty password", good, "", ErrWrongPassword},
		{"truncated", truncated, pw, ErrCorrupt},
		{"garbage", []byte("not a pfx at all " + pw), pw, ErrCorrupt},
		{"empty", nil, pw, ErrCorrupt},
		{"bit flip", flipped, pw, nil}, // MAC mismatch or ASN.1 error: either is fine
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := LoadPFX(tt.data, tt.password)
			if err == nil {
				t.Fatalf("LoadPFX succeeded: %+v", m)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if tt.want == nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrWrongPassword) {
				t.Errorf("err = %v, want ErrCorrupt or ErrWrongPassword", err)
			}
			if strings.Contains(err.Error(), pw) {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
}

func TestLoadPFXVariants(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	pw := DefaultPassword

	noKey, err := p.Client.PFXCertsOnly(pkcs12.Modern, pw)
	if err != nil {
		t.Fatal(err)
	}
	m, err := LoadPFX(noKey, pw)
	if err != nil {
		t.Fatalf("certificate-only PFX: %v", err)
	}
	if m.Key != nil || m.KeyMatches || !m.Leaf.Equal(p.Client.Cert) || len(m.Chain) != 1 {
		t.Errorf("certificate-only PFX: key %v, leaf %s, chain %d", m.Key != nil, m.Leaf.Subject, len(m.Chain))
	}
	if _, err := m.TLSCertificate(); !errors.Is(err, ErrNoPrivateKey) {
		t.Errorf("TLSCertificate without key: err = %v, want ErrNoPrivateKey", err)
	}
	if _, err := LoadPFX(noKey, "nope"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("certificate-only PFX, wrong password: err = %v", err)
	}

	// OpenSSL's -nokeys layout cannot be read back by go-pkcs12: the error
	// still says what is wrong.
	ossl, err := os.ReadFile(filepath.Join("testdata", "openssl-nokeys.pfx"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPFX(ossl, pw); !errors.Is(err, ErrNoPrivateKey) {
		t.Errorf("openssl -nokeys PFX: err = %v, want ErrNoPrivateKey", err)
	}

	// CA certificates first, as some Windows exports write them.
	caFirst, err := pkcs12.Modern.Encode(p.Client.Key, p.Intermediate.Cert, []*x509.Certificate{p.Client.Cert}, pw)
	if err != nil {
		t.Fatal(err)
	}
	m, err = LoadPFX(caFirst, pw)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Leaf.Equal(p.Client.Cert) || !m.KeyMatches {
		t.Errorf("CA-first PFX: leaf %s, KeyMatches %v", m.Leaf.Subject, m.KeyMatches)
	}

	// A key that belongs to another certificate.
	mismatch, err := pkcs12.Modern.Encode(p.Server.Key, p.Client.Cert, nil, pw)
	if err != nil {
		t.Fatal(err)
	}
	m, err = LoadPFX(mismatch, pw)
	if err != nil {
		t.Fatal(err)
	}
	if m.KeyMatches {
		t.Error("mismatched key: KeyMatches = true")
	}
	if _, err := m.TLSCertificate(); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("TLSCertificate with mismatched key: err = %v, want ErrKeyMismatch", err)
	}
}

func TestLoadPEM(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	pkcs8, err := p.Client.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	sec1der, _ := x509.MarshalECPrivateKey(p.Client.Key.(*ecdsa.PrivateKey))
	sec1 := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1der})
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(p.ClientRSA1024.Key.(*rsa.PrivateKey))})
	encrypted := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{1}})
	encPKCS8 := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}})
	serverKey, _ := p.Server.KeyPEM()
	combined := append(append([]byte(nil), p.Client.ChainPEM()...), pkcs8...)
	reversed := append(append(encodeCerts(p.Intermediate.Cert), p.Client.CertPEM()...), pkcs8...)
	badCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")})

	tests := []struct {
		name       string
		cert, key  []byte
		wantErr    error
		wantLeaf   *x509.Certificate
		wantChain  int
		wantKey    bool
		keyMatches bool
	}{
		{"pkcs8", p.Client.ChainPEM(), pkcs8, nil, p.Client.Cert, 1, true, true},
		{"sec1", p.Client.CertPEM(), sec1, nil, p.Client.Cert, 0, true, true},
		{"pkcs1", p.ClientRSA1024.CertPEM(), pkcs1, nil, p.ClientRSA1024.Cert, 0, true, true},
		{"no key", p.Client.ChainPEM(), nil, nil, p.Client.Cert, 1, false, false},
		{"combined file twice", combined, combined, nil, p.Client.Cert, 1, true, true},
		{"CA first", reversed, nil, nil, p.Client.Cert, 1, true, true},
		{"other key", p.Client.CertPEM(), serverKey, nil, p.Client.Cert, 0, true, false},
		{"encrypted legacy key", p.Client.CertPEM(), encrypted, ErrUnsupported, nil, 0, false, false},
		{"encrypted pkcs8 key", p.Client.CertPEM(), encPKCS8, ErrUnsupported, nil, 0, false, false},
		{"two keys", p.Client.CertPEM(), append(append([]byte(nil), pkcs8...), sec1...), ErrCorrupt, nil, 0, false, false},
		{"no certificate", pkcs8, nil, ErrCorrupt, nil, 0, false, false},
		{"not PEM", []byte("hello"), nil, ErrCorrupt, nil, 0, false, false},
		{"bad certificate", badCert, nil, ErrCorrupt, nil, 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := LoadPEM(tt.cert, tt.key)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadPEM: %v", err)
			}
			if !m.Leaf.Equal(tt.wantLeaf) {
				t.Errorf("leaf %s, want %s", m.Leaf.Subject, tt.wantLeaf.Subject)
			}
			if len(m.Chain) != tt.wantChain {
				t.Errorf("chain %d, want %d", len(m.Chain), tt.wantChain)
			}
			if (m.Key != nil) != tt.wantKey || m.KeyMatches != tt.keyMatches {
				t.Errorf("key %v matches %v, want %v %v", m.Key != nil, m.KeyMatches, tt.wantKey, tt.keyMatches)
			}
		})
	}
}

func TestLoadBytesDetectsFormat(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	pfx, err := p.Client.PFX(nil, DefaultPassword)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(pfx)
	wrapped := ""
	for i := 0; i < len(b64); i += 64 {
		wrapped += b64[i:min(i+64, len(b64))] + "\n"
	}
	key, _ := p.Client.KeyPEM()
	tests := []struct {
		name    string
		data    []byte
		wantKey bool
		wantErr error
	}{
		{"PFX", pfx, true, nil},
		{"base64 PFX", []byte(b64), true, nil},
		{"wrapped base64 PFX", []byte(wrapped), true, nil},
		{"PEM with key", append(p.Client.ChainPEM(), key...), true, nil},
		{"PEM certificate", p.Root.CertPEM(), false, nil},
		{"DER certificate", p.Root.Cert.Raw, false, nil},
		{"text", []byte("certificate, trust me!"), false, ErrCorrupt},
		{"DER junk", []byte{0x30, 0x03, 0x01, 0x01, 0xff, 0x00}, false, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := LoadBytes(tt.data, DefaultPassword)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Key != nil; got != tt.wantKey {
				t.Errorf("has key = %v, want %v", got, tt.wantKey)
			}
		})
	}
}

func TestLoadFileNamesTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "broken.pfx")
	if err := os.WriteFile(path, []byte{0x30, 0x01, 0x00}, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(path, "pw")
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want ErrCorrupt naming %s", err, path)
	}
	_, err = LoadFile(filepath.Join(dir, "missing.pfx"), "pw")
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.pfx") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestNormalizeThumbprint(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"ab:cd:ef", "ABCDEF"},
		{"\u200eab cd EF", "ABCDEF"},
		{"ABCDEF", "ABCDEF"},
	}
	for _, tt := range tests {
		if got := NormalizeThumbprint(tt.in); got != tt.want {
			t.Errorf("NormalizeThumbprint(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
