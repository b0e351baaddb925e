package rules

import (
	"strings"

	"github.com/apimlab/apimlab/lint"
)

// PoolDuplicateMember reports a backend listed more than once in a pool.
var PoolDuplicateMember = &lint.Rule{
	ID:       "APIM108",
	Name:     "pool-duplicate-member",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "The same backend appears twice in a pool",
		Why: "A duplicated member silently doubles its share of round-robin traffic, or sits in two " +
			"priority groups at once so that the \"standby\" is the primary. It is almost always a " +
			"copy-paste slip (ids are compared case-insensitively, full ARM id or short form).",
		Fix: "Remove the duplicate; express a larger share with `weight`.",
		Bad: `{ "name": "orders-pool", "properties": { "type": "Pool", "pool": { "services": [
    { "id": "/backends/orders-1" }, { "id": "/backends/orders-1" } ] } } }`,
		Good: `{ "name": "orders-pool", "properties": { "type": "Pool", "pool": { "services": [
    { "id": "/backends/orders-1", "weight": 2 }, { "id": "/backends/orders-2", "weight": 1 } ] } } }`,
		Since: "0.1.0",
	},
	Check: checkPoolDuplicateMember,
}

func checkPoolDuplicateMember(pass *lint.Pass) {
	for _, b := range poolBackends(pass) {
		first := map[string]int{}
		for i, m := range poolMembers(b) {
			if !m.ID.Known() || m.Name == "" {
				continue
			}
			key := strings.ToLower(m.Name)
			j, seen := first[key]
			if !seen {
				first[key] = i
				continue
			}
			pass.ReportFixf(memberPos(m), backendSubject(b), "remove the duplicate; use weight for a larger share",
				"pool %q lists backend %q twice (members %d and %d)", b.Name, m.Name, j+1, i+1)
		}
	}
}
