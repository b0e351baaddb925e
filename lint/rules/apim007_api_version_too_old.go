package rules

import (
	"slices"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// APIVersionTooOld reports backend properties written in an ARM resource
// whose apiVersion predates them.
var APIVersionTooOld = &lint.Rule{
	ID:       "APIM007",
	Name:     "api-version-too-old",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A backend property is newer than the resource's apiVersion",
		Why: "An ARM resource is validated and stored with the schema of its `apiVersion`: a property " +
			"that version does not define is not part of it. Learn dates two of them (\"Backends in " +
			"API Management\", 2024): the circuit breaker \"starting in API version 2023-03-01 " +
			"preview\" and pools \"starting in API version 2023-05-01 preview\". For the others " +
			"apimlab reads the ARM schemas " + schemaVersions + " (schema_bounds_gen.go): " +
			"acceptRetryAfter, failureResponse (rule and pool), sessionAffinity, " +
			"preferredCarbonEmission, azureRegion and the TLS CA details (serverCertificateThumbprints, " +
			"serverX509Names) are reported when the resource's apiVersion is no newer than a schema " +
			"version that does not declare them, naming the first version that does. Only ARM and " +
			"Bicep-compiled templates carry an apiVersion; other inputs are not checked.",
		Fix: "Raise the resource's apiVersion to the one the message names (or later).",
		Bad: `{ "type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2024-05-01",
  "properties": { "type": "Pool", "pool": { "services": [ … ],
    "sessionAffinity": { "sessionId": { "source": "Cookie", "name": "SessionId" } } } } }`,
		Good:  `{ "type": "Microsoft.ApiManagement/service/backends", "apiVersion": "2025-09-01-preview", … }`,
		Since: "0.2.0",
	},
	Check: checkAPIVersionTooOld,
}

// learnIntroduced are the API versions Learn names for a property.
var learnIntroduced = map[string]string{
	"BackendContractProperties.circuitBreaker": "2023-03-01-preview",
	"BackendContractProperties.pool":           "2023-05-01-preview",
}

func checkAPIVersionTooOld(pass *lint.Pass) {
	type use struct {
		key, what string
		pos       apim.Position
	}
	// One list for every backend: grown anew per backend it took 9 MB in
	// 76,000 allocations at 40,000 backends (issue 16).
	var uses []use
	for _, b := range pass.Service.Backends {
		if !b.APIVersion.Known() || strings.TrimSpace(b.APIVersion.Value) == "" {
			continue
		}
		ver := strings.TrimSpace(b.APIVersion.Value)
		uses = uses[:0]
		if cb := b.CircuitBreaker; cb != nil {
			uses = append(uses, use{"BackendContractProperties.circuitBreaker", "circuitBreaker", cb.Pos})
			for _, r := range cb.Rules {
				if r == nil {
					continue
				}
				if r.AcceptRetryAfter.Set {
					uses = append(uses, use{"CircuitBreakerRule.acceptRetryAfter", "acceptRetryAfter", r.AcceptRetryAfter.At(r.Pos)})
				}
				if r.FailureResponse != nil {
					uses = append(uses, use{"CircuitBreakerRule.failureResponse", "circuit breaker failureResponse", r.FailureResponse.Pos})
				}
			}
		}
		if pc := b.PoolConfig; pc != nil {
			uses = append(uses, use{"BackendContractProperties.pool", "pool", pc.Pos})
			if pc.FailureResponse != nil {
				uses = append(uses, use{"BackendBaseParametersPool.failureResponse", "pool failureResponse", pc.FailureResponse.Pos})
			}
			if pc.SessionAffinity != nil {
				uses = append(uses, use{"BackendBaseParametersPool.sessionAffinity", "sessionAffinity", pc.SessionAffinity.Pos})
			}
			for _, m := range pc.Services {
				if m != nil && m.PreferredCarbonEmission.Set {
					uses = append(uses, use{"BackendPoolItem.preferredCarbonEmission", "preferredCarbonEmission", m.PreferredCarbonEmission.At(m.Pos)})
				}
			}
		}
		if b.AzureRegion.Set {
			uses = append(uses, use{"BackendContractProperties.azureRegion", "azureRegion", b.AzureRegion.At(b.Pos)})
		}
		if t := b.TLS; t != nil {
			if len(t.ServerCertificateThumbprints) > 0 {
				uses = append(uses, use{"BackendTlsProperties.serverCertificateThumbprints", "tls.serverCertificateThumbprints", t.Pos})
			}
			if len(t.ServerX509Names) > 0 {
				uses = append(uses, use{"BackendTlsProperties.serverX509Names", "tls.serverX509Names", t.Pos})
			}
		}
		for _, u := range uses {
			if !u.pos.IsValid() {
				u.pos = b.Pos
			}
			if intro, ok := learnIntroduced[u.key]; ok {
				if apiVersionLess(ver, intro) {
					pass.ReportFixf(u.pos, backendSubject(b), "use apiVersion "+intro+" or later",
						"backend %q: %s is written with apiVersion %s, older than %s, where Learn says it starts", b.Name, u.what, ver, intro)
				}
				continue
			}
			in := schemaDeclares[u.key]
			if len(in) == 0 {
				continue
			}
			// The newest schema version that does not declare it, at or
			// after the resource's version.
			lacking := ""
			for _, v := range strings.Split(schemaVersions, ", ") {
				if !slices.Contains(in, v) && !apiVersionLess(v, ver) {
					lacking = v
					break
				}
			}
			if lacking == "" {
				continue
			}
			pass.ReportFixf(u.pos, backendSubject(b), "use apiVersion "+in[0]+" or later",
				"backend %q: %s is written with apiVersion %s, and the %s schema does not declare it (first declared in %s among the schemas apimlab reads)",
				b.Name, u.what, ver, lacking, in[0])
		}
	}
}
