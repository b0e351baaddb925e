package rules

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/linttest"
	"software.sslmate.com/src/go-pkcs12"
)

// TestCertUnreadableMessages: PEM pasted into data and a protected PFX
// with no password get messages that say so, without the PEM or password.
func TestCertUnreadableMessages(t *testing.T) {
	pki, err := certs.NewPKI(certs.InitOptions{Now: linttest.Now, Password: fixturePassword})
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := pki.Client.PFX(pkcs12.Modern, fixturePassword)
	if err != nil {
		t.Fatal(err)
	}
	field := func(v string) apim.Field[string] { return apim.Field[string]{Value: v, Set: true, Literal: true} }
	svc := &apim.Service{Certificates: []*apim.Certificate{
		{Name: "pem", Data: field(string(pki.Client.CertPEM()))},
		{Name: "no-pw", Data: field(base64.StdEncoding.EncodeToString(pfx))},
		{Name: "missing"},
	}}
	want := map[string]string{
		"pem":     `certificate "pem": properties.data cannot be read: properties.data holds PEM text, but Azure accepts only a base64-encoded PFX there`,
		"no-pw":   `certificate "no-pw": properties.data cannot be read: the PFX is password-protected but no password is configured (the entity has no properties.password)`,
		"missing": `certificate "missing":`,
	}
	wantFix := map[string]string{"pem": "export the certificate", "no-pw": "configure the PFX password", "missing": "check the certificate file's path"}
	cfg := &lint.Config{Certificates: map[string]lint.CertificateConfig{"missing": {File: t.TempDir() + "/nope.pfx"}}}
	got := findings(svc, cfg, linttest.Now, CertUnreadable)
	if len(got) != len(want) {
		t.Fatalf("got %d findings, want %d: %v", len(got), len(want), got)
	}
	for _, f := range got {
		if w := want[f.Subject.Name]; !strings.HasPrefix(f.Message, w) {
			t.Errorf("%s: message %q, want prefix %q", f.Subject.Name, f.Message, w)
		}
		if w := wantFix[f.Subject.Name]; !strings.Contains(f.Fix, w) {
			t.Errorf("%s: fix %q, want it to contain %q", f.Subject.Name, f.Fix, w)
		}
		if strings.Contains(f.Message, "BEGIN") || strings.Contains(f.Message, fixturePassword) {
			t.Errorf("%s: message leaks material: %q", f.Subject.Name, f.Message)
		}
	}
}
