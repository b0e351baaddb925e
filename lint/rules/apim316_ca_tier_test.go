package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// caTierService is a service of sku name sku ("" for none) with one
// backend carrying CA certificate details and one CA store entry.
func caTierService(sku string) *apim.Service {
	svc := &apim.Service{Name: "apim", Pos: tpos(1),
		Backends: []*apim.Backend{{Name: "orders", Pos: tpos(10), URL: tStr("https://orders.contoso.com", 11),
			TLS: &apim.TLS{Pos: tpos(12), ServerCertificateThumbprints: []apim.Field[string]{tStr("A1B2C3D4", 13)}}}},
		CAStore: []*apim.CACertificate{{Pos: tpos(5), StoreName: tStr("Root", 5)}},
	}
	if sku != "" {
		svc.SKU = &apim.SKU{Pos: tpos(2), Name: tStr(sku, 2)}
	}
	return svc
}

// TestCATierRules runs APIM316 (backend CA details outside the v2 tiers)
// and APIM317 (the service's CA certificates on v2 or Consumption) on every
// tier, from the service resource and from --sku (which wins), and on
// unknown tiers, where both stay quiet. Sources: Learn "Backends in API
// Management" ("Currently, you can only configure CA certificate details
// in a backend entity in the v2 tiers"); "Add a custom CA certificate in
// Azure API Management" (APPLIES TO: Developer | Basic | Standard |
// Premium; in the v2 tiers CA details only in a backend); "API gateway in
// Azure API Management" (no CA root certificates in the Consumption gateway).
func TestCATierRules(t *testing.T) {
	type want struct{ details, store bool }
	tiers := map[apim.Tier]want{
		apim.Consumption: {true, true},
		apim.Developer:   {true, false},
		apim.Basic:       {true, false},
		apim.Standard:    {true, false},
		apim.Premium:     {true, false},
		apim.Isolated:    {true, false}, // not on Learn's CA certificate page: not reported by APIM317
		apim.BasicV2:     {false, true},
		apim.StandardV2:  {false, true},
		apim.PremiumV2:   {false, true},
	}
	if len(tiers) != len(apim.Tiers) {
		t.Fatalf("the table covers %d tiers, apim.Tiers has %d", len(tiers), len(apim.Tiers))
	}
	run := func(t *testing.T, rule *lint.Rule, svc *apim.Service, cfg *lint.Config) []lint.Finding {
		t.Helper()
		var got []lint.Finding
		pass := lint.NewPass(rule, svc, cfg, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), func(f lint.Finding) { got = append(got, f) })
		rule.Check(pass)
		for _, f := range got {
			if f.Fix == "" {
				t.Errorf("%s: no fix hint: %s", rule.ID, f.Message)
			}
		}
		return got
	}
	check := func(t *testing.T, svc *apim.Service, cfg *lint.Config, tier apim.Tier, w want) {
		t.Helper()
		got := run(t, CADetailsUnsupported, svc, cfg)
		if (len(got) == 1) != w.details || len(got) > 1 {
			t.Errorf("APIM316 on %s: %d findings, want fired=%v", tier, len(got), w.details)
		}
		for _, f := range got {
			if f.Pos.Line != 13 || f.Subject.Name != "orders" || !strings.Contains(f.Message, "service tier is "+string(tier)) {
				t.Errorf("APIM316 on %s: %s %+v %q", tier, f.Pos, f.Subject, f.Message)
			}
		}
		// APIM001: next to CA details a false chain flag is dead
		// configuration (info) on a v2 or unknown tier, an error elsewhere.
		svc.Backends[0].TLS.ValidateCertificateChain = apim.Field[bool]{Value: false, Set: true, Literal: true, Pos: tpos(14)}
		got = run(t, TLSValidationDisabled, svc, cfg)
		svc.Backends[0].TLS.ValidateCertificateChain = apim.Field[bool]{}
		wantSev := lint.Error
		if !w.details {
			wantSev = lint.Info
		}
		if len(got) != 1 || got[0].Severity != wantSev {
			t.Errorf("APIM001 on %q: %v, want one finding at %v", tier, got, wantSev)
		}
		got = run(t, CAStoreUnsupported, svc, cfg)
		if (len(got) == 1) != w.store || len(got) > 1 {
			t.Errorf("APIM317 on %s: %d findings, want fired=%v", tier, len(got), w.store)
		}
		for _, f := range got {
			if f.Pos.Line != 5 || f.Subject.Kind != "service" || !strings.Contains(f.Message, "service tier is "+string(tier)) {
				t.Errorf("APIM317 on %s: %s %+v %q", tier, f.Pos, f.Subject, f.Message)
			}
		}
	}
	for tier, w := range tiers {
		t.Run("sku/"+string(tier), func(t *testing.T) {
			// sku.name is matched case-insensitively, as Azure matches enums.
			check(t, caTierService(strings.ToLower(string(tier))), nil, tier, w)
		})
		t.Run("flag/"+string(tier), func(t *testing.T) {
			// lint --sku wins over the template's sku.
			other := apim.Premium
			if tier == apim.Premium {
				other = apim.StandardV2
			}
			check(t, caTierService(string(other)), &lint.Config{SKU: tier}, tier, w)
		})
	}
	for _, sku := range []string{"", "Gold"} {
		t.Run("unknown/"+sku, func(t *testing.T) {
			check(t, caTierService(sku), nil, "", want{})
		})
	}
	t.Run("unresolved", func(t *testing.T) {
		svc := caTierService("")
		svc.SKU = &apim.SKU{Pos: tpos(2), Name: apim.Field[string]{Set: true, Pos: tpos(2)}.WithUnknown(`parameter "sku" has no value`)}
		check(t, svc, nil, "", want{})
	})
}
