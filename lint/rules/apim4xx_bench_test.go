package rules

import (
	"fmt"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// benchService builds a service with n APIs, each with an API policy and
// two operation policies, under a global policy that routes to a
// breaker-protected backend.
func benchService(n int) *apim.Service {
	svc := &apim.Service{Name: "bench", Pos: apim.Position{File: "bench.json", Line: 1, Col: 1}}
	for i := range n {
		svc.Backends = append(svc.Backends, &apim.Backend{Name: fmt.Sprintf("b%d", i),
			URL:            apim.Field[string]{Value: fmt.Sprintf("https://b%d.contoso.com", i), Set: true},
			CircuitBreaker: &apim.CircuitBreaker{Rules: []*apim.BreakerRule{{}}}})
	}
	doc := func(scope apim.Scope, owner, xml string) *apim.PolicyDoc {
		return &apim.PolicyDoc{Scope: scope, Owner: owner, Format: "rawxml", XML: xml,
			Pos: apim.Position{File: owner + ".xml", Line: 1, Col: 1}}
	}
	svc.Policy = doc(apim.ScopeGlobal, "global", `<policies><inbound><set-backend-service backend-id="b0" /></inbound>
<backend><forward-request timeout="60" /></backend></policies>`)
	svc.NamedValues = []*apim.NamedValue{{Name: "env"}}
	for i := range n {
		a := &apim.API{Name: fmt.Sprintf("api%d", i)}
		a.Policy = doc(apim.ScopeAPI, a.Name, fmt.Sprintf(`<policies>
  <inbound>
    <base />
    <set-header name="x-api" exists-action="override"><value>@(context.Api.Name + "{{env}}")</value></set-header>
    <set-backend-service backend-id="@(context.Request.Headers.GetValueOrDefault("x-b", "") == "a" ? "b%d" : "b0")" />
  </inbound>
  <backend>
    <retry condition="@(context.Response.StatusCode == 503)" count="2" interval="1"><forward-request /></retry>
  </backend>
  <outbound><base /></outbound>
</policies>`, i))
		for j := range 2 {
			a.Operations = append(a.Operations, &apim.Operation{Name: fmt.Sprintf("op%d", j),
				Policy: doc(apim.ScopeOperation, fmt.Sprintf("%s/op%d", a.Name, j),
					`<policies><inbound><base /><rewrite-uri template="/x" /></inbound></policies>`)})
		}
		svc.APIs = append(svc.APIs, a)
	}
	return svc
}

// BenchmarkPolicyRules runs the policy and secret rules on 1,000 APIs
// (3,001 policy documents), parsing every document once per run.
func BenchmarkPolicyRules(b *testing.B) {
	svc := benchService(1000)
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		// Each Run parses afresh: the parse lives in the run's memo.
		res := lint.Run(svc, policyRules, nil, lint.RunOptions{Now: now})
		if len(res.Findings) != 0 {
			b.Fatalf("unexpected findings: %v", res.Findings[0])
		}
	}
}
