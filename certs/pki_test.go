package certs

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewPKIProfiles(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	day := 24 * time.Hour
	tests := []struct {
		is        *Issued
		issuer    *Issued // nil = self-signed
		ca        bool
		eku       []x509.ExtKeyUsage
		digSig    bool
		rsaBits   int // 0 = ECDSA P-256
		notBefore time.Time
		notAfter  time.Time
	}{
		{p.Root, nil, true, nil, true, 0, testNow.AddDate(-2, 0, 0), testNow.AddDate(10, 0, 0)},
		{p.WrongRoot, nil, true, nil, true, 0, testNow.AddDate(-2, 0, 0), testNow.AddDate(10, 0, 0)},
		{p.Intermediate, p.Root, true, nil, true, 0, testNow.AddDate(-2, 0, 0), testNow.AddDate(5, 0, 0)},
		{p.Server, p.Intermediate, false, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, true, 0, testNow.Add(-time.Hour), testNow.Add(397 * day)},
		{p.ServerExpired, p.Intermediate, false, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, true, 0, testNow.Add(-398 * day), testNow.Add(-day)},
		{p.ServerSelfSigned, nil, false, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, true, 0, testNow.Add(-time.Hour), testNow.Add(397 * day)},
		{p.Client, p.Intermediate, false, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, true, 0, testNow.Add(-time.Hour), testNow.AddDate(1, 0, 0)},
		{p.ClientExpired, p.Intermediate, false, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, true, 0, testNow.Add(-366 * day), testNow.Add(-day)},
		{p.ClientNotYetValid, p.Intermediate, false, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, true, 0, testNow.Add(30 * day), testNow.Add(30*day).AddDate(1, 0, 0)},
		{p.ClientExpiringSoon, p.Intermediate, false, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, true, 0, testNow.Add(-time.Hour), testNow.Add(10 * day)},
		{p.ClientWrongCA, p.WrongRoot, false, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, true, 0, testNow.Add(-time.Hour), testNow.AddDate(1, 0, 0)},
		{p.ClientNoClientAuth, p.Intermediate, false, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, true, 0, testNow.Add(-time.Hour), testNow.AddDate(1, 0, 0)},
		{p.ClientNoDigitalSignature, p.Intermediate, false, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, false, 0, testNow.Add(-time.Hour), testNow.AddDate(1, 0, 0)},
		{p.ClientRSA1024, p.Intermediate, false, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, true, 1024, testNow.Add(-time.Hour), testNow.AddDate(1, 0, 0)},
	}
	if got, want := len(tests), len(p.All()); got != want {
		t.Fatalf("table covers %d certificates, PKI has %d", got, want)
	}
	for _, tt := range tests {
		t.Run(tt.is.Name, func(t *testing.T) {
			c := tt.is.Cert
			if got := c.IsCA; got != tt.ca {
				t.Errorf("IsCA = %v, want %v", got, tt.ca)
			}
			if !slices.Equal(c.ExtKeyUsage, tt.eku) {
				t.Errorf("ExtKeyUsage = %v, want %v", c.ExtKeyUsage, tt.eku)
			}
			if got := c.KeyUsage&x509.KeyUsageDigitalSignature != 0; got != tt.digSig {
				t.Errorf("digitalSignature = %v, want %v", got, tt.digSig)
			}
			if !c.NotBefore.Equal(tt.notBefore) || !c.NotAfter.Equal(tt.notAfter) {
				t.Errorf("validity %v..%v, want %v..%v", c.NotBefore, c.NotAfter, tt.notBefore, tt.notAfter)
			}
			switch k := c.PublicKey.(type) {
			case *rsa.PublicKey:
				if k.N.BitLen() != tt.rsaBits {
					t.Errorf("RSA %d bits, want %d", k.N.BitLen(), tt.rsaBits)
				}
			case *ecdsa.PublicKey:
				if tt.rsaBits != 0 || k.Curve.Params().Name != "P-256" {
					t.Errorf("ECDSA %s, want RSA-%d", k.Curve.Params().Name, tt.rsaBits)
				}
			default:
				t.Errorf("key type %T", k)
			}
			if !tt.is.Material().KeyMatches {
				t.Error("key does not match certificate")
			}
			parent := tt.is.Cert
			if tt.issuer != nil {
				parent = tt.issuer.Cert
			}
			if err := c.CheckSignatureFrom(parent); err != nil && tt.issuer != nil {
				t.Errorf("not signed by %s: %v", tt.issuer.Name, err)
			}
			if tt.issuer == nil && !selfSigned(c) {
				t.Error("not self-signed")
			}
			if !slices.Contains(c.Subject.Organization, testOrg) {
				t.Errorf("subject %s lacks the TEST ONLY organisation", c.Subject)
			}
		})
	}
}

func TestNewPKIServerVerifies(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	inter := x509.NewCertPool()
	inter.AddCert(p.Intermediate.Cert)
	for _, host := range []string{"localhost", "127.0.0.1"} {
		_, err := p.Server.Cert.Verify(x509.VerifyOptions{
			DNSName: host, Roots: p.RootPool(), Intermediates: inter, CurrentTime: testNow,
		})
		if err != nil {
			t.Errorf("server for %s: %v", host, err)
		}
	}
	_, err := p.Client.Cert.Verify(x509.VerifyOptions{
		Roots: p.RootPool(), Intermediates: inter, CurrentTime: testNow,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		t.Errorf("client: %v", err)
	}
}

func TestNewPKIHosts(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(InitOptions{Now: testNow, Hosts: []string{"backend.internal", "10.1.2.3", "::1"}})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Server.Cert
	if got, want := c.DNSNames, []string{"backend.internal"}; !slices.Equal(got, want) {
		t.Errorf("DNSNames = %v, want %v", got, want)
	}
	if len(c.IPAddresses) != 2 || !c.IPAddresses[0].Equal(net.ParseIP("10.1.2.3")) || !c.IPAddresses[1].Equal(net.IPv6loopback) {
		t.Errorf("IPAddresses = %v", c.IPAddresses)
	}
	if got, want := c.Subject.CommonName, "backend.internal"; got != want {
		t.Errorf("CN = %q, want %q", got, want)
	}
}

func TestNewPKIRSA2048(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(InitOptions{Now: testNow, RSA2048: true})
	if err != nil {
		t.Fatal(err)
	}
	is := p.ClientRSA2048
	if is == nil || !slices.Contains(p.All(), is) {
		t.Fatal("ClientRSA2048 not generated or not in All")
	}
	k, ok := is.Cert.PublicKey.(*rsa.PublicKey)
	if !ok || k.N.BitLen() != 2048 {
		t.Fatalf("key %T, want RSA-2048", is.Cert.PublicKey)
	}
	if w := Weakness(is.Cert); len(w) != 0 {
		t.Errorf("Weakness(RSA-2048) = %v, want none", w)
	}
	if ok, why := ClientAuthUsable(is.Cert); !ok {
		t.Errorf("ClientAuthUsable = false: %s", why)
	}
	if !slices.Equal(is.Chain, []*x509.Certificate{p.Intermediate.Cert}) {
		t.Error("not issued by the intermediate")
	}
	if q := newTestPKI(t); q.ClientRSA2048 != nil || len(q.All()) != len(p.All())-1 {
		t.Error("RSA-2048 client generated without the option")
	}
}

// checkInitDir checks that every file Init reported exists with its mode,
// parses (PFX with password), is described in README.md, and that the
// broken variants are broken as named.
func checkInitDir(t *testing.T, dir, password string, files []File) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(dir, ReadmeName))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(entries), len(files); got != want {
		t.Errorf("%d files on disk, Init returned %d", got, want)
	}
	byName := map[string]File{}
	for _, f := range files {
		byName[f.Name] = f
		if !strings.Contains(string(readme), "`"+f.Name+"`") {
			t.Errorf("README does not describe %s", f.Name)
		}
		if f.What == "" || f.Scenario == "" {
			t.Errorf("%s: empty description", f.Name)
		}
		st, err := os.Stat(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]os.FileMode{true: 0o600, false: 0o644}[f.Private]; st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", f.Name, st.Mode().Perm(), want)
		}
		switch {
		case f.Name == ReadmeName:
		case strings.HasSuffix(f.Name, ".key.pem"): // checked by pairing with its certificate
			stem := strings.TrimSuffix(f.Name, ".key.pem")
			cert, _ := os.ReadFile(filepath.Join(dir, stem+".crt.pem"))
			key, _ := os.ReadFile(f.Path)
			m, err := LoadPEM(cert, key)
			if err != nil || !m.KeyMatches {
				t.Errorf("%s: LoadPEM = %v, KeyMatches %v", f.Name, err, m != nil && m.KeyMatches)
			}
		default:
			m, err := LoadFile(f.Path, password)
			if err != nil {
				t.Errorf("%s: %v", f.Name, err)
				continue
			}
			if got, want := m.Key != nil, f.Private; got != want {
				t.Errorf("%s: has key = %v, want %v", f.Name, got, want)
			}
		}
	}
	for _, name := range []string{"root-ca.cer", "server.chain.pem", "server.pfx", "client.pfx", "client-legacy.pfx",
		"client-nokey.pfx", "client-no-intermediate.pfx", "client-rsa1024.pfx", "server-self-signed.pfx"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("Init did not write %s", name)
		}
	}
	m, err := LoadFile(filepath.Join(dir, "client-no-intermediate.pfx"), password)
	if err != nil {
		t.Fatal(err)
	}
	if !MissingIntermediates(m) {
		t.Error("client-no-intermediate.pfx: MissingIntermediates = false")
	}
	m, err = LoadFile(filepath.Join(dir, "client.pfx"), password)
	if err != nil {
		t.Fatal(err)
	}
	if MissingIntermediates(m) || len(m.Chain) != 1 {
		t.Errorf("client.pfx: chain %d certificates, MissingIntermediates %v", len(m.Chain), MissingIntermediates(m))
	}
	return string(readme)
}

func TestInitCustomPassword(t *testing.T) {
	t.Parallel()
	const pw = "s3cret-Passw0rd"
	dir := filepath.Join(t.TempDir(), "pki") // Init creates it
	files, err := Init(dir, InitOptions{Now: testNow, Password: pw})
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	readme := checkInitDir(t, dir, pw, files)
	for _, want := range []string{"TEST-ONLY", "not recorded", "SHA-1", "APIM307", "2025-06-01T12:00:00Z", "localhost, 127.0.0.1"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README lacks %q", want)
		}
	}
	if strings.Contains(readme, pw) {
		t.Error("README contains the custom password")
	}
	if _, err := LoadFile(filepath.Join(dir, "client.pfx"), DefaultPassword); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("client.pfx with the default password: err = %v, want ErrWrongPassword", err)
	}
}

func TestInitOverwrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "client.pfx"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Init(dir, InitOptions{Now: testNow}); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "client.pfx") {
		t.Fatalf("Init over an existing file: err = %v, want ErrExists naming client.pfx", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "client.pfx")); string(got) != "mine" {
		t.Error("existing file was overwritten")
	}
	if _, err := os.Stat(filepath.Join(dir, "root-ca.crt.pem")); err == nil {
		t.Error("Init wrote files before failing")
	}

	files, err := Init(dir, InitOptions{Now: testNow, Force: true})
	if err != nil {
		t.Fatalf("Init with Force: %v", err)
	}
	readme := checkInitDir(t, dir, DefaultPassword, files) // also checks client.pfx's mode is now 0600
	if !strings.Contains(readme, "`"+DefaultPassword+"`") {
		t.Error("README does not name the default password")
	}
}

// chachaReader is a seeded, reproducible randomness source.
type chachaReader struct{ r *mrand.ChaCha8 }

func (c chachaReader) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestNewPKIRandDrivesSerials(t *testing.T) {
	t.Parallel()
	var seed [32]byte
	a, err := NewPKI(InitOptions{Now: testNow, Rand: chachaReader{mrand.NewChaCha8(seed)}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewPKI(InitOptions{Now: testNow, Rand: chachaReader{mrand.NewChaCha8(seed)}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, is := range a.All() {
		if got, want := is.Cert.SerialNumber, b.All()[i].Cert.SerialNumber; got.Cmp(want) != 0 {
			t.Errorf("%s: serial %v, then %v with the same seed", is.Name, got, want)
		}
		if seen[is.Cert.SerialNumber.String()] {
			t.Errorf("%s: duplicate serial", is.Name)
		}
		seen[is.Cert.SerialNumber.String()] = true
	}
}

func TestIssueServer(t *testing.T) {
	p, err := NewPKI(InitOptions{Hosts: []string{"api.example.test"}})
	if err != nil {
		t.Fatal(err)
	}
	roots := p.RootPool()
	inter := x509.NewCertPool()
	inter.AddCert(p.Intermediate.Cert)
	for _, tt := range []struct {
		untrusted bool
		host      string
		ok        bool
	}{{false, "other.example.test", true}, {false, "api.example.test", false}, {true, "other.example.test", false}} {
		is, err := p.IssueServer([]string{"other.example.test"}, tt.untrusted)
		if err != nil {
			t.Fatal(err)
		}
		_, err = is.Cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: tt.host})
		if (err == nil) != tt.ok {
			t.Errorf("untrusted=%t host=%s: verify err = %v, want ok=%t", tt.untrusted, tt.host, err, tt.ok)
		}
	}
	if _, err := p.IssueServer(nil, false); err == nil {
		t.Error("IssueServer(nil) succeeded")
	}
}
