package rules

import (
	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// BreakerUnsupportedTier reports circuit breakers on a service whose tier
// does not support them.
var BreakerUnsupportedTier = &lint.Rule{
	ID:       "APIM210",
	Name:     "breaker-unsupported-tier",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A circuit breaker is configured on the Consumption tier",
		Why: "Learn (\"Backends in API Management\", circuit breaker): \"Currently, the backend circuit " +
			"breaker isn't supported in the Consumption tier of API Management.\" A breaker on a " +
			"Consumption service protects nothing: the backend keeps receiving traffic however often " +
			"it fails. The tier is `lint --sku`, else `sku` in .apimlab.yaml, else the rule's `sku` " +
			"option, else the `sku.name` of the `Microsoft.ApiManagement/service` resource in the " +
			"inputs (ARM, Bicep, REST or az JSON, resolved like any value: a literal, a parameter's " +
			"default or a parameters file); without any the tier is unknown and nothing is reported. " +
			"Load-balanced pools are not reported: Learn's gateway comparison (\"API Management " +
			"gateways overview\") lists the load-balanced backend pool for every gateway, the " +
			"Consumption one included, and the circuit breaker for every one but Consumption.\n\n" +
			"Options: `sku` (the service tier; prefer the top-level `sku` of .apimlab.yaml, which " +
			"every tier-aware rule reads).",
		Fix: "Move the API to a tier that supports circuit breakers, or remove the breaker and rely on " +
			"retry and timeouts.",
		Bad:   `"sku": { "name": "Consumption", "capacity": 0 }  (and a backend with "circuitBreaker")`,
		Good:  `"sku": { "name": "StandardV2", "capacity": 1 }`,
		Since: "0.2.0",
	},
	Check: checkBreakerUnsupportedTier,
}

func checkBreakerUnsupportedTier(pass *lint.Pass) {
	tier, where, ok := serviceTier(pass)
	if !ok || tier != apim.Consumption {
		return
	}
	for _, b := range pass.Service.Backends {
		if b.CircuitBreaker == nil || len(b.CircuitBreaker.Rules) == 0 {
			continue
		}
		pos := b.CircuitBreaker.Pos
		if !pos.IsValid() {
			pos = b.Pos
		}
		pass.ReportFixf(pos, backendSubject(b), "use a tier that supports circuit breakers, or drop the breaker",
			"backend %q has a circuit breaker, but the service tier is Consumption (%s): Learn says the backend circuit "+
				"breaker isn't supported in the Consumption tier, so it never trips", b.Name, where)
	}
}
