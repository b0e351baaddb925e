package rules

import (
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// TestTLSValidationDisabledSeverity checks what the fixture harness does
// not (it matches messages): a false validation flag is an error, but only
// info next to custom CA details, where Azure validates anyway.
func TestTLSValidationDisabledSeverity(t *testing.T) {
	off := apim.Field[bool]{Set: true, Value: false, Pos: apim.Position{File: "t.json", Line: 3, Col: 5}}
	tests := []struct {
		name string
		tls  *apim.TLS
		want lint.Severity
	}{
		{"flag alone", &apim.TLS{ValidateCertificateChain: off}, lint.Error},
		{"with CA thumbprints", &apim.TLS{ValidateCertificateChain: off,
			ServerCertificateThumbprints: []apim.Field[string]{{Set: true, Value: "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678"}}}, lint.Info},
		{"with X.509 names", &apim.TLS{ValidateCertificateChain: off,
			ServerX509Names: []apim.X509Name{{Name: apim.Field[string]{Set: true, Value: "orders.contoso.com"}}}}, lint.Info},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &apim.Service{Backends: []*apim.Backend{{Name: "orders", TLS: tt.tls,
				URL:      apim.Field[string]{Set: true, Value: "https://orders.contoso.com"},
				Protocol: apim.Field[string]{Set: true, Value: "http"}}}}
			res := lint.Run(svc, []*lint.Rule{TLSValidationDisabled}, nil, lint.RunOptions{})
			if len(res.Findings) != 1 {
				t.Fatalf("findings = %v, want one", res.Findings)
			}
			if got := res.Findings[0].Severity; got != tt.want {
				t.Errorf("severity = %v, want %v (%s)", got, tt.want, res.Findings[0].Message)
			}
		})
	}
}

// TestInvalidBackendURLSeverity checks that only the limits the ARM schema
// documents (url required for Single, at most 2000 characters) are errors.
func TestInvalidBackendURLSeverity(t *testing.T) {
	tests := []struct {
		url  apim.Field[string]
		want lint.Severity
	}{
		{apim.Field[string]{}, lint.Error},
		{apim.Field[string]{Set: true, Value: "", Literal: true}, lint.Error},
		{apim.Field[string]{Set: true, Null: true}.WithExpr("[shallowMerge(...)]"), lint.Warning},
		{apim.Field[string]{Set: true, Value: "https://x.contoso.com/" + strings.Repeat("a", 2000)}, lint.Error},
		{apim.Field[string]{Set: true, Value: "orders.contoso.com/api"}, lint.Warning},
		{apim.Field[string]{Set: true, Value: "ftp://orders.contoso.com"}, lint.Warning},
	}
	for _, tt := range tests {
		svc := &apim.Service{Backends: []*apim.Backend{{Name: "orders", URL: tt.url,
			Protocol: apim.Field[string]{Set: true, Value: "http"}}}}
		res := lint.Run(svc, []*lint.Rule{InvalidBackendURL}, nil, lint.RunOptions{})
		if len(res.Findings) != 1 {
			t.Fatalf("url %q: findings = %v, want one", tt.url.Value, res.Findings)
		}
		if got := res.Findings[0].Severity; got != tt.want {
			t.Errorf("url %q: severity %v, want %v (%s)", clip(tt.url.Value, 30), got, tt.want, res.Findings[0].Message)
		}
	}
}
