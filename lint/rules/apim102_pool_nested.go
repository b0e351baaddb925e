package rules

import "github.com/apimlab/apimlab/lint"

// PoolNested reports pools that list another pool as a member.
var PoolNested = &lint.Rule{
	ID:       "APIM102",
	Name:     "pool-nested",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A pool member is itself a pool",
		Why: "API Management only accepts Single backends as pool members: \"you can't add a backend of " +
			"type pool to another backend pool\" (Learn, Backends in API Management). The deployment " +
			"fails, or the member never receives traffic.",
		Fix: "List the inner pool's members directly in the outer pool (use priority groups for " +
			"failover tiers and weights for the split).",
		Bad: `{ "name": "all-regions", "properties": { "type": "Pool", "pool": { "services": [
    { "id": "/backends/eu-pool" }, { "id": "/backends/us-pool" } ] } } }`,
		Good: `{ "name": "all-regions", "properties": { "type": "Pool", "pool": { "services": [
    { "id": "/backends/eu-1", "priority": 1 }, { "id": "/backends/eu-2", "priority": 1 },
    { "id": "/backends/us-1", "priority": 2 } ] } } }`,
		Since: "0.1.0",
	},
	Check: checkPoolNested,
}

func checkPoolNested(pass *lint.Pass) {
	for _, b := range poolBackends(pass) {
		for _, m := range poolMembers(b) {
			if !m.ID.Known() || m.Name == "" {
				continue
			}
			inner := pass.Service.Backend(m.Name)
			if inner == nil || inner.Type.Unknown() != "" || !inner.IsPool() {
				continue
			}
			pass.ReportFixf(memberPos(m), backendSubject(b),
				"list the members of "+inner.Name+" in this pool instead",
				"pool %q: member %q is itself a pool (%d members); pools cannot be nested",
				b.Name, inner.Name, len(poolMembers(inner)))
		}
	}
}
