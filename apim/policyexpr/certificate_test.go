package policyexpr

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"testing"
	"time"
)

// TestRequestCertificate reads context.Request.Certificate as an
// X509Certificate2, with the conditions of Learn's "How to secure APIs
// using client certificate authentication in API Management" (null check,
// Verify(), Issuer, SubjectName.Name, Thumbprint in upper case).
// Expected strings follow .NET: Thumbprint is the upper-case hex SHA-1 of
// the DER certificate; Subject lists the names last-to-first separated by
// ", " and quotes a value holding a comma; SerialNumber is the DER
// serial's bytes in upper-case hex (0x80 is written 0080).
func TestRequestCertificate(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	name := pkix.Name{Country: []string{"US"}, Organization: []string{"Contoso, Inc."}, CommonName: "client"}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(0x80), Subject: name, Issuer: name,
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	thumb := fmt.Sprintf("%X", sha1.Sum(der))
	with := func(trusted bool) func() *Context {
		return func() *Context {
			c := interpContext()
			c.Request.Certificate = &ClientCertificate{Cert: cert, Verify: func() bool { return trusted }}
			return c
		}
	}
	const learn = `context.Request.Certificate == null || !context.Request.Certificate.Verify() || context.Request.Certificate.Issuer != "CN=client, O=\"Contoso, Inc.\", C=US" || context.Request.Certificate.SubjectName.Name != "CN=client, O=\"Contoso, Inc.\", C=US"`
	runInterpCases(t, []interpCase{
		{name: "no certificate is null", src: `context.Request.Certificate == null`, want: true},
		{name: "a certificate is not null", src: `context.Request.Certificate == null`, want: false, ctx: with(true)},
		{name: "thumbprint", src: `context.Request.Certificate.Thumbprint`, want: thumb, ctx: with(true)},
		{name: "subject", src: `context.Request.Certificate.Subject`, want: `CN=client, O="Contoso, Inc.", C=US`, ctx: with(true)},
		{name: "serial number", src: `context.Request.Certificate.SerialNumber`, want: "0080", ctx: with(true)},
		{name: "not after", src: `context.Request.Certificate.NotAfter.Year`, want: 2027, ctx: with(true)},
		{name: "Learn's issuer and subject check passes", src: learn, want: false, ctx: with(true)},
		{name: "Learn's check refuses an untrusted certificate", src: learn, want: true, ctx: with(false)},
		{name: "Learn's check refuses no certificate", src: learn, want: true},
		{name: "VerifyNoRevocation", src: `context.Request.Certificate.VerifyNoRevocation()`, want: true, ctx: with(true)},
		{name: "thumbprint check", src: `context.Request.Certificate.Thumbprint != "` + thumb + `"`, want: false, ctx: with(true)},
	})
}

// TestDeploymentCertificates runs the condition of Learn's "Checking a
// thumbprint against certificates uploaded to API Management":
// context.Deployment.Certificates.Any(c => c.Value.Thumbprint ==
// context.Request.Certificate.Thumbprint).
func TestDeploymentCertificates(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(cn string) *x509.Certificate {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c
	}
	uploaded, other := mk("uploaded"), mk("other")
	ctx := func(client *x509.Certificate) func() *Context {
		return func() *Context {
			c := interpContext()
			c.Deployment.Certificates = map[string]*ClientCertificate{"partner": {Cert: uploaded}}
			c.Request.Certificate = &ClientCertificate{Cert: client, Verify: func() bool { return true }}
			return c
		}
	}
	const learn = `context.Request.Certificate == null || !context.Request.Certificate.Verify() || !context.Deployment.Certificates.Any(c => c.Value.Thumbprint == context.Request.Certificate.Thumbprint)`
	runInterpCases(t, []interpCase{
		{name: "uploaded certificate passes", src: learn, want: false, ctx: ctx(uploaded)},
		{name: "other certificate is refused", src: learn, want: true, ctx: ctx(other)},
		{name: "ids", src: `string.Join(",", context.Deployment.Certificates.Keys)`, want: "partner", ctx: ctx(other)},
	})
}
