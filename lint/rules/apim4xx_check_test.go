package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// runOn runs one rule on an in-memory service and returns its messages.
func runOn(rule *lint.Rule, svc *apim.Service) []string {
	res := lint.Run(svc, []*lint.Rule{rule}, nil, lint.RunOptions{Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)})
	var out []string
	for _, f := range res.Findings {
		if f.Rule == rule.ID {
			out = append(out, f.Message)
		}
	}
	return out
}

func xmlDoc(scope apim.Scope, owner, xml string) *apim.PolicyDoc {
	return &apim.PolicyDoc{Scope: scope, Owner: owner, Format: "rawxml", XML: xml,
		Pos: apim.Position{File: owner + ".xml", Line: 1, Col: 1}}
}

// TestPolicyRuleEdges checks the conditions under which the rules decline
// to report, which the fixtures cannot all show.
func TestPolicyRuleEdges(t *testing.T) {
	ref := `<policies><inbound><base /><set-header name="x" exists-action="override"><value>{{missing}}</value></set-header></inbound></policies>`
	routed := `<policies><inbound><base /><set-backend-service backend-id="nope" /></inbound></policies>`
	secretish := &apim.NamedValue{Name: "db-password"}
	unknownSecret := &apim.NamedValue{Name: "db-password", Secret: apim.Field[bool]{Set: true}.WithUnknown("parameter without value")}
	tests := []struct {
		name string
		rule *lint.Rule
		svc  *apim.Service
		want []string // substrings, one per finding
	}{
		{"409 lone policy: skipped", NamedValueUnknown,
			&apim.Service{Standalone: []*apim.PolicyDoc{xmlDoc(apim.ScopeAPI, "a", ref)}}, nil},
		{"409 declared service without named values: reported", NamedValueUnknown,
			&apim.Service{Name: "apim", Pos: apim.Position{File: "t.json", Line: 3, Col: 5},
				Standalone: []*apim.PolicyDoc{xmlDoc(apim.ScopeAPI, "a", ref)}}, []string{"{{missing}} references no named value (0 defined)"}},
		{"401 no backends loaded: skipped", BackendIDUnknown,
			&apim.Service{Standalone: []*apim.PolicyDoc{xmlDoc(apim.ScopeAPI, "a", routed)}}, nil},
		{"401 linked policy (no XML): skipped", BackendIDUnknown,
			&apim.Service{Backends: []*apim.Backend{{Name: "b"}},
				Standalone: []*apim.PolicyDoc{{Scope: apim.ScopeAPI, Owner: "a", Format: "rawxml-link"}}}, nil},
		{"401 malformed policy: left to APIM901", BackendIDUnknown,
			&apim.Service{Backends: []*apim.Backend{{Name: "b"}},
				Standalone: []*apim.PolicyDoc{xmlDoc(apim.ScopeAPI, "a", `<policies><inbound>`)}}, nil},
		{"405 global scope: not checked", MissingBase,
			&apim.Service{Policy: xmlDoc(apim.ScopeGlobal, "global", `<policies><inbound /></policies>`)}, nil},
		{"405 operation scope", MissingBase,
			&apim.Service{APIs: []*apim.API{{Name: "a", Operations: []*apim.Operation{{Name: "o",
				Policy: xmlDoc(apim.ScopeOperation, "a/o", `<policies><outbound /></policies>`)}}}}},
			[]string{`<outbound> of the operation "a/o" policy has no <base/>`}},
		// An empty <backend/> calls no backend on purpose (Learn,
		// forward-request; Azure-Samples/AI-Gateway
		// labs/mcp-client-authorization/src/apim-oauth/token.policy.xml);
		// other empty sections, and a backend section with content but no
		// forward-request, still drop the outer policy.
		{"405 empty backend: calls no backend on purpose", MissingBase,
			&apim.Service{Standalone: []*apim.PolicyDoc{xmlDoc(apim.ScopeAPI, "a",
				`<policies><inbound><base /></inbound><backend /><outbound><base /></outbound></policies>`)}}, nil},
		{"405 backend holding only a comment: empty", MissingBase,
			&apim.Service{Standalone: []*apim.PolicyDoc{xmlDoc(apim.ScopeAPI, "a",
				`<policies><backend><!-- no backend call --></backend></policies>`)}}, nil},
		{"405 empty outbound: reported", MissingBase,
			&apim.Service{Standalone: []*apim.PolicyDoc{xmlDoc(apim.ScopeAPI, "a",
				`<policies><backend /><outbound /></policies>`)}},
			[]string{`<outbound> of the API "a" policy has no <base/>`}},
		{"405 backend with policies but no forward-request: reported", MissingBase,
			&apim.Service{Standalone: []*apim.PolicyDoc{xmlDoc(apim.ScopeAPI, "a",
				`<policies><backend><choose><when condition="@(true)"><base /></when></choose></backend></policies>`)}},
			[]string{`<backend> of the API "a" policy has no <base/>`}},
		{"502 secret from an unresolved parameter: skipped", NamedValueNotSecret,
			&apim.Service{NamedValues: []*apim.NamedValue{unknownSecret}}, nil},
		{"502 secret-looking name", NamedValueNotSecret,
			&apim.Service{NamedValues: []*apim.NamedValue{secretish}}, []string{`"db-password" looks like a secret ("password")`}},
		{"407 retry to a backend without breaker: skipped", RetryStorm,
			&apim.Service{Backends: []*apim.Backend{{Name: "b"}}, Standalone: []*apim.PolicyDoc{xmlDoc(apim.ScopeAPI, "a",
				`<policies><inbound><set-backend-service backend-id="b" /></inbound><backend><retry condition="@(true)" count="9" interval="0"><forward-request /></retry></backend></policies>`)}}, nil},
		{"407 breaker on a pool member", RetryStorm,
			&apim.Service{Backends: []*apim.Backend{
				{Name: "m", CircuitBreaker: &apim.CircuitBreaker{Rules: []*apim.BreakerRule{{}}}},
				{Name: "p", Type: apim.Field[apim.BackendType]{Value: apim.Pool, Set: true},
					PoolConfig: &apim.PoolConfig{Services: []*apim.PoolMember{{Name: "m"}}}}},
				Policy: xmlDoc(apim.ScopeGlobal, "global", `<policies><inbound><set-backend-service backend-id="p" /></inbound></policies>`),
				Standalone: []*apim.PolicyDoc{xmlDoc(apim.ScopeAPI, "a",
					`<policies><inbound><base /></inbound><backend><retry condition="@(context.Response.StatusCode == 503)" count="4" interval="0"><forward-request /></retry></backend></policies>`)}},
			[]string{`backend "p": interval 0: the 4 retries come back to back`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runOn(tt.rule, tt.svc)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d findings %q, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("finding %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}
