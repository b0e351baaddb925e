package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestExpiry(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	day := 24 * time.Hour
	warn := 30 * day
	tests := []struct {
		name                  string
		cert                  *x509.Certificate
		now                   time.Time
		warn                  time.Duration
		expired, notYet, soon bool
		remaining             time.Duration
	}{
		{"valid", p.Client.Cert, testNow, warn, false, false, false, p.Client.Cert.NotAfter.Sub(testNow)},
		{"expired", p.ClientExpired.Cert, testNow, warn, true, false, false, -day},
		{"not yet valid", p.ClientNotYetValid.Cert, testNow, warn, false, true, false, p.ClientNotYetValid.Cert.NotAfter.Sub(testNow)},
		{"expiring soon", p.ClientExpiringSoon.Cert, testNow, warn, false, false, true, 10 * day},
		{"expiring soon, warning off", p.ClientExpiringSoon.Cert, testNow, 0, false, false, false, 10 * day},
		{"window shorter than remaining", p.ClientExpiringSoon.Cert, testNow, 9 * day, false, false, false, 10 * day},
		{"at NotAfter (inclusive)", p.ClientExpiringSoon.Cert, p.ClientExpiringSoon.Cert.NotAfter, warn, false, false, true, 0},
		{"just after NotAfter", p.ClientExpiringSoon.Cert, p.ClientExpiringSoon.Cert.NotAfter.Add(time.Second), warn, true, false, false, -time.Second},
		{"at NotBefore (inclusive)", p.ClientNotYetValid.Cert, p.ClientNotYetValid.Cert.NotBefore, warn, false, false, false, p.ClientNotYetValid.Cert.NotAfter.Sub(p.ClientNotYetValid.Cert.NotBefore)},
		{"nil", nil, testNow, warn, true, false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expired, notYet, soon, remaining := Expiry(tt.cert, tt.now, tt.warn)
			if expired != tt.expired || notYet != tt.notYet || soon != tt.soon || remaining != tt.remaining {
				t.Errorf("Expiry = (%v, %v, %v, %v), want (%v, %v, %v, %v)",
					expired, notYet, soon, remaining, tt.expired, tt.notYet, tt.soon, tt.remaining)
			}
		})
	}
}

func TestClientAuthUsable(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	tests := []struct {
		name   string
		cert   *x509.Certificate
		ok     bool
		whyHas string
	}{
		{"client", p.Client.Cert, true, ""},
		{"no clientAuth EKU", p.ClientNoClientAuth.Cert, false, "extended key usage (serverAuth) does not include clientAuth"},
		{"no digitalSignature", p.ClientNoDigitalSignature.Cert, false, "key usage (keyEncipherment) does not include digitalSignature"},
		{"any EKU", &x509.Certificate{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}, true, ""},
		{"no extensions", &x509.Certificate{}, true, ""},
		{"unknown EKU only", &x509.Certificate{UnknownExtKeyUsage: []asn1.ObjectIdentifier{{1, 2, 3, 4}}}, false, "1.2.3.4"},
		{"server and client EKU", &x509.Certificate{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}, true, ""},
		{"nil", nil, false, "no certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := ClientAuthUsable(tt.cert)
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v (why %q)", ok, tt.ok, why)
			}
			if tt.ok && why != "" {
				t.Errorf("why = %q for a usable certificate", why)
			}
			if !strings.Contains(why, tt.whyHas) {
				t.Errorf("why = %q, want it to contain %q", why, tt.whyHas)
			}
		})
	}
}

func TestWeakness(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	sha1PEM, err := os.ReadFile(filepath.Join("testdata", "sha1-signed.crt.pem"))
	if err != nil {
		t.Fatal(err)
	}
	sha1, err := LoadPEM(sha1PEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	p224 := selfSignedWithCurve(t, elliptic.P224())
	tests := []struct {
		name string
		cert *x509.Certificate
		want []Weak
	}{
		{"ECDSA P-256", p.Client.Cert, nil},
		{"RSA-1024", p.ClientRSA1024.Cert, []Weak{{Kind: WeakRSAKey, Bits: 1024, Algorithm: "RSA"}}},
		{"ECDSA P-224", p224, []Weak{{Kind: WeakECDSAKey, Bits: 224, Algorithm: "P-224"}}},
		{"SHA-1 signature", sha1.Leaf, []Weak{{Kind: WeakSignature, Algorithm: "SHA1-RSA"}}},
		{"nil", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Weakness(tt.cert)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Weakness = %v, want %v", got, tt.want)
			}
			for _, w := range got {
				if w.String() == "" {
					t.Errorf("%+v has no description", w)
				}
			}
		})
	}
	if got, want := (Weak{Kind: WeakRSAKey, Bits: 1024}).String(), "RSA key of 1024 bits (minimum 2048)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func selfSignedWithCurve(t *testing.T, curve elliptic.Curve) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "weak curve"},
		NotBefore: testNow, NotAfter: testNow.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChainsTo(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	root, wrong, inter := p.Root.Cert, p.WrongRoot.Cert, p.Intermediate.Cert
	sha1PEM, _ := os.ReadFile(filepath.Join("testdata", "sha1-signed.crt.pem"))
	sha1, err := LoadPEM(sha1PEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		leaf          *x509.Certificate
		intermediates []*x509.Certificate
		roots         []*x509.Certificate
		ok            bool
		issuer        string
	}{
		{"via intermediate", p.Client.Cert, []*x509.Certificate{inter}, []*x509.Certificate{root}, true, root.Subject.String()},
		{"intermediate missing", p.Client.Cert, nil, []*x509.Certificate{root}, false, inter.Subject.String()},
		{"intermediate as trust anchor", p.Client.Cert, nil, []*x509.Certificate{inter}, true, inter.Subject.String()},
		{"wrong CA", p.ClientWrongCA.Cert, []*x509.Certificate{inter}, []*x509.Certificate{root}, false, wrong.Subject.String()},
		{"wrong CA trusted", p.ClientWrongCA.Cert, nil, []*x509.Certificate{root, wrong}, true, wrong.Subject.String()},
		{"expired still chains", p.ClientExpired.Cert, []*x509.Certificate{inter}, []*x509.Certificate{root}, true, root.Subject.String()},
		{"self-signed pinned", p.ServerSelfSigned.Cert, nil, []*x509.Certificate{p.ServerSelfSigned.Cert}, true, p.ServerSelfSigned.Cert.Subject.String()},
		{"self-signed untrusted", p.ServerSelfSigned.Cert, nil, []*x509.Certificate{root}, false, p.ServerSelfSigned.Cert.Issuer.String()},
		{"SHA-1 self-signed pinned", sha1.Leaf, nil, []*x509.Certificate{sha1.Leaf}, true, sha1.Leaf.Subject.String()},
		{"no roots", p.Client.Cert, []*x509.Certificate{inter}, nil, false, inter.Subject.String()},
		{"nil leaf", nil, nil, []*x509.Certificate{root}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, issuer := ChainsTo(tt.leaf, tt.intermediates, tt.roots)
			if ok != tt.ok || issuer != tt.issuer {
				t.Errorf("ChainsTo = (%v, %q), want (%v, %q)", ok, issuer, tt.ok, tt.issuer)
			}
		})
	}
}

func TestMissingIntermediates(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	root, inter := p.Root.Cert, p.Intermediate.Cert
	mat := func(is *Issued, chain ...*x509.Certificate) *Material {
		return newMaterial(is.Cert, chain, is.Key)
	}
	tests := []struct {
		name  string
		m     *Material
		roots []*x509.Certificate
		want  bool
	}{
		{"leaf + intermediate", mat(p.Client, inter), nil, false},
		{"leaf + intermediate + root", mat(p.Client, inter, root), nil, false},
		{"leaf alone", mat(p.Client), nil, true},
		{"leaf + root, no intermediate", mat(p.Client, root), nil, true},
		{"leaf alone, intermediate is a known root", mat(p.Client), []*x509.Certificate{inter}, false},
		{"leaf alone, roots known", mat(p.Client), []*x509.Certificate{root}, true},
		{"leaf + intermediate, roots known", mat(p.Client, inter), []*x509.Certificate{root}, false},
		{"leaf + intermediate, other root known", mat(p.Client, inter), []*x509.Certificate{p.WrongRoot.Cert}, true},
		{"issued directly by root, root known", mat(p.ClientWrongCA), []*x509.Certificate{p.WrongRoot.Cert}, false},
		{"self-signed", mat(p.ServerSelfSigned), nil, false},
		{"chain in reverse order", mat(p.Client, root, inter), nil, false},
		{"nil", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MissingIntermediates(tt.m, tt.roots...); got != tt.want {
				t.Errorf("MissingIntermediates = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAcceptedBy(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	rootDN, interDN, wrongDN := p.Root.Cert.RawSubject, p.Intermediate.Cert.RawSubject, p.WrongRoot.Cert.RawSubject
	tests := []struct {
		name string
		m    *Material
		cas  [][]byte
		want bool
	}{
		{"root named, chain sent", p.Client.Material(), [][]byte{rootDN}, true},
		{"intermediate named", newMaterial(p.Client.Cert, nil, p.Client.Key), [][]byte{interDN}, true},
		{"root named, intermediate not sent", newMaterial(p.Client.Cert, nil, p.Client.Key), [][]byte{rootDN}, false},
		{"other CA named", p.Client.Material(), [][]byte{wrongDN}, false},
		{"wrong-CA client", p.ClientWrongCA.Material(), [][]byte{rootDN, interDN}, false},
		{"no names: anything goes", p.ClientWrongCA.Material(), nil, true},
		{"nil", nil, [][]byte{rootDN}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AcceptedBy(tt.m, tt.cas); got != tt.want {
				t.Errorf("AcceptedBy = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDistinguishedNamesAndEmptyChain(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	got := distinguishedNames([][]byte{p.Root.Cert.RawSubject, {0x01, 0x02}})
	if len(got) != 2 || got[0] != "CN=apimlab Test Root CA,O=apimlab TEST ONLY" || !strings.Contains(got[1], "unparsable") {
		t.Errorf("distinguishedNames = %q", got)
	}
	if v := VerifyServerChain(nil, "localhost", p.RootPool(), nil, testNow); v.OK || v.Error == "" {
		t.Errorf("VerifyServerChain(nil) = %+v", v)
	}
}
