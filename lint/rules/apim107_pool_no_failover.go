package rules

import (
	"strings"

	"github.com/apimlab/apimlab/lint"
)

// PoolNoFailover reports pools that can never route around a failing member.
var PoolNoFailover = &lint.Rule{
	ID:       "APIM107",
	Name:     "pool-no-failover",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A pool cannot fail over",
		Why: "API Management has no health probes: a member leaves rotation only when its own circuit " +
			"breaker opens. If no member has a breaker, a dead member keeps receiving its share of " +
			"traffic and clients see its errors. If the top priority group holds a single backend and " +
			"there is no lower group, there is nothing to fail over to.",
		Fix: "Configure a circuit breaker on each member backend, and give the pool a second member " +
			"(in the same group to share load, or in a lower-priority group as a standby).",
		Bad: `{ "name": "orders-pool", "properties": { "type": "Pool", "pool": { "services": [
    { "id": "/backends/orders-1" }, { "id": "/backends/orders-2" } ] } } }
(neither orders-1 nor orders-2 has a circuitBreaker)`,
		Good: `{ "name": "orders-pool", "properties": { "type": "Pool", "pool": { "services": [
    { "id": "/backends/orders-1", "priority": 1 }, { "id": "/backends/orders-2", "priority": 2 } ] } } }
(both members declare properties.circuitBreaker.rules)`,
		Since: "0.1.0",
	},
	Check: checkPoolNoFailover,
}

func checkPoolNoFailover(pass *lint.Pass) {
	svc := pass.Service
	for _, b := range poolBackends(pass) {
		members := poolMembers(b)
		if len(members) == 0 {
			continue // APIM104
		}
		// Only judge pools whose members all resolve (APIM101 covers the rest).
		var names []string
		withBreaker, resolved := 0, true
		for _, m := range members {
			mb := svc.Backend(m.Name)
			if !m.ID.Known() || m.Name == "" || mb == nil {
				resolved = false
				break
			}
			names = append(names, mb.Name)
			if mb.CircuitBreaker != nil && len(mb.CircuitBreaker.Rules) > 0 {
				withBreaker++
			}
		}
		if !resolved {
			continue
		}
		groups, ok := priorityGroups(members)
		if !ok {
			continue
		}
		if top := distinctMembers(groups[0]); len(groups) == 1 && len(top) == 1 {
			pass.ReportFixf(memberPos(groups[0].members[0]), backendSubject(b),
				"add a second member, in the same group or as a lower-priority standby",
				"pool %q routes everything to %q and has no other member to fail over to",
				b.Name, top[0])
			continue
		}
		if withBreaker == 0 {
			pos := b.Pos
			if b.PoolConfig != nil {
				pos = b.PoolConfig.Pos
			}
			pass.ReportFixf(pos, backendSubject(b),
				"configure circuitBreaker on the member backends",
				"pool %q cannot fail over: none of its members (%s) has a circuit breaker, and a member leaves rotation only when its breaker opens",
				b.Name, nameList(names))
		}
	}
}

// distinctMembers returns the distinct backend names of a group.
func distinctMembers(g priorityGroup) []string {
	var out []string
	for _, m := range g.members {
		dup := false
		for _, n := range out {
			if strings.EqualFold(n, m.Name) {
				dup = true
			}
		}
		if !dup {
			out = append(out, m.Name)
		}
	}
	return out
}
