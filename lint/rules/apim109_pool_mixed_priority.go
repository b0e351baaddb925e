package rules

import "github.com/apimlab/apimlab/lint"

// PoolMixedPriority reports pools where some members set a priority and
// others leave it null.
var PoolMixedPriority = &lint.Rule{
	ID:       "APIM109",
	Name:     "pool-mixed-priority",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "Some pool members set a priority and others do not",
		Why: "Priority groups decide failover order, and a member without a priority is in whatever " +
			"group the gateway's default puts it — not necessarily where the author meant. Mixing " +
			"the two usually means a member was added later and forgotten; the failover order is " +
			"then implicit.",
		Fix: "Set `priority` on every member (lower numbers are tried first), or on none.",
		Bad: `{ "name": "orders-pool", "properties": { "type": "Pool", "pool": { "services": [
    { "id": "/backends/orders-1", "priority": 1 }, { "id": "/backends/orders-2" } ] } } }`,
		Good: `{ "name": "orders-pool", "properties": { "type": "Pool", "pool": { "services": [
    { "id": "/backends/orders-1", "priority": 1 }, { "id": "/backends/orders-2", "priority": 2 } ] } } }`,
		Since: "0.1.0",
	},
	Check: checkPoolMixedPriority,
}

func checkPoolMixedPriority(pass *lint.Pass) {
	for _, b := range poolBackends(pass) {
		var set, unset []string
		firstUnset := -1
		members := poolMembers(b)
		for i, m := range members {
			switch {
			case m.Priority.Unknown() != "":
				set = append(set, memberLabel(m)) // an expression: treat as set
			case m.Priority.Known():
				set = append(set, memberLabel(m))
			default:
				unset = append(unset, memberLabel(m))
				if firstUnset < 0 {
					firstUnset = i
				}
			}
		}
		if len(set) == 0 || len(unset) == 0 {
			continue
		}
		m := members[firstUnset]
		pass.ReportFixf(m.Priority.At(m.Pos), backendSubject(b), "set priority on every member",
			"pool %q: priority is set on %s but not on %s; the failover order is implicit",
			b.Name, nameList(set), nameList(unset))
	}
}
