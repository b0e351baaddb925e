package rules

import "github.com/apimlab/apimlab/lint"

// PoolSize reports pools with no members or more than MaxPoolMembers.
var PoolSize = &lint.Rule{
	ID:       "APIM104",
	Name:     "pool-size",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A pool is empty or has more than 30 members",
		Why: "A pool without members answers every request with 503 (or its " +
			"`pool.failureResponse`); Azure caps a pool at 30 backends and rejects larger ones.",
		Fix: "Give the pool at least one member (two or more for failover); split more than 30 " +
			"backends into several pools selected by policy.",
		Bad:   `{ "name": "orders-pool", "properties": { "type": "Pool", "pool": { "services": [] } } }`,
		Good:  `{ "name": "orders-pool", "properties": { "type": "Pool", "pool": { "services": [ { "id": "/backends/orders-1" }, { "id": "/backends/orders-2" } ] } } }`,
		Since: "0.1.0",
	},
	Check: checkPoolSize,
}

func checkPoolSize(pass *lint.Pass) {
	for _, b := range poolBackends(pass) {
		members := poolMembers(b)
		switch {
		case len(members) == 0:
			pos := b.Pos
			if b.PoolConfig != nil {
				pos = b.PoolConfig.Pos
			}
			pass.ReportFixf(pos, backendSubject(b), "add the backends to balance across to pool.services",
				"pool %q has no members: every request routed to it fails with 503", b.Name)
		case len(members) > MaxPoolMembers:
			pass.ReportFixf(members[MaxPoolMembers].Pos, backendSubject(b),
				"split the members into several pools",
				"pool %q has %d members; Azure allows at most %d (this is member %d)",
				b.Name, len(members), MaxPoolMembers, MaxPoolMembers+1)
		}
	}
}
