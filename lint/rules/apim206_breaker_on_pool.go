package rules

import "github.com/apimlab/apimlab/lint"

// BreakerOnPool reports circuit breakers configured on a Pool backend.
var BreakerOnPool = &lint.Rule{
	ID:       "APIM206",
	Name:     "breaker-on-pool",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A circuit breaker is set on a pool instead of its members",
		Why: "Pools fail over by taking members whose own breaker is open out of rotation; a breaker " +
			"on the pool itself does not do that. At best it is ignored, at worst it opens for the " +
			"whole pool when one member misbehaves, cutting off the healthy members too.",
		Fix: "Move the circuitBreaker to each member backend; configure the pool's " +
			"`pool.failureResponse` if you need a specific status when every member is open.",
		Bad: `{ "name": "orders-pool", "properties": { "type": "Pool",
    "circuitBreaker": { "rules": [ ... ] },
    "pool": { "services": [ { "id": "/backends/orders-1" }, { "id": "/backends/orders-2" } ] } } }`,
		Good: `{ "name": "orders-1", "properties": { "url": "https://orders-1.contoso.com", "protocol": "http",
    "circuitBreaker": { "rules": [ ... ] } } }`,
		Since: "0.1.0",
	},
	Check: checkBreakerOnPool,
}

func checkBreakerOnPool(pass *lint.Pass) {
	for _, b := range poolBackends(pass) {
		if b.CircuitBreaker == nil || len(b.CircuitBreaker.Rules) == 0 {
			continue
		}
		pass.ReportFixf(b.CircuitBreaker.Pos, backendSubject(b), "move circuitBreaker to the member backends",
			"pool %q has a circuit breaker; pools fail over through their members' breakers, so set it on %d member(s) instead",
			b.Name, len(poolMembers(b)))
	}
}
