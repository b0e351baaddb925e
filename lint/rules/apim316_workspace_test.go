package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// TestCAFixWorkspaceBackend: a backend in a workspace cannot be made to
// trust a private CA through the service's CA certificates. Learn
// ("Workspaces in Azure API Management", constraints: "Workspaces don't
// support CA certificates"; "Add a custom CA certificate": "Currently, this
// feature isn't available in workspaces"). So on a classic tier (workspaces
// exist in Premium) or an unknown tier, the fix hints of APIM316 and
// APIM001 for a workspace backend must not send the user to the service's
// CA certificates, as they do for a service-level backend.
func TestCAFixWorkspaceBackend(t *testing.T) {
	run := func(rule *lint.Rule, sku string, workspace string, details bool) []lint.Finding {
		svc := caTierService(sku)
		b := svc.Backends[0]
		b.Workspace = workspace
		if !details {
			b.TLS.ServerCertificateThumbprints = nil
		}
		b.TLS.ValidateCertificateChain = apim.Field[bool]{Value: false, Set: true, Literal: true, Pos: tpos(14)}
		var got []lint.Finding
		pass := lint.NewPass(rule, svc, nil, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), func(f lint.Finding) { got = append(got, f) })
		rule.Check(pass)
		return got
	}
	const store = "service's CA certificates"
	for _, tt := range []struct {
		rule    *lint.Rule
		sku     string
		details bool
	}{
		{CADetailsUnsupported, "Premium", true},
		{TLSValidationDisabled, "Premium", true},
		{TLSValidationDisabled, "Premium", false},
		{TLSValidationDisabled, "", false},
	} {
		name := tt.rule.ID + "/" + tt.sku
		// The service-level backend: the service's CA certificates are
		// the documented way on Premium (and one of two when unknown).
		got := run(tt.rule, tt.sku, "", tt.details)
		if len(got) != 1 || !strings.Contains(got[0].Fix, store) {
			t.Errorf("%s, service backend: %v, want one finding whose fix names the %s", name, got, store)
		}
		got = run(tt.rule, tt.sku, "team-a", tt.details)
		if len(got) != 1 {
			t.Fatalf("%s, workspace backend: %d findings, want 1", name, len(got))
		}
		fix := got[0].Fix
		if strings.Contains(fix, "upload the private CA") || strings.Contains(fix, "through the "+store) {
			t.Errorf("%s, workspace backend: fix %q sends the backend to the %s, which workspaces do not support", name, fix, store)
		}
		if !strings.Contains(fix, "workspace") {
			t.Errorf("%s, workspace backend: fix %q does not say why the %s do not apply", name, fix, store)
		}
	}
	// On a v2 tier the backend's CA details are the way, in a workspace too.
	got := run(TLSValidationDisabled, "StandardV2", "team-a", false)
	if len(got) != 1 || !strings.Contains(got[0].Fix, "backend's CA certificate details") {
		t.Errorf("StandardV2 workspace backend: %v", got)
	}
}
