package rules

import (
	"fmt"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// PoolMemberUnknown reports pool members whose id resolves to no backend.
var PoolMemberUnknown = &lint.Rule{
	ID:       "APIM101",
	Name:     "pool-member-unknown",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A pool member references a backend that does not exist",
		Why: "Each `pool.services[].id` must be the ARM id (or `/backends/<name>`) of a backend entity " +
			"in the same service. Azure rejects a pool that references a missing backend, and an id " +
			"that names no backend at all (a typo in the resource path, an id of another resource " +
			"type) is rejected too. A pool is only as available as its members.",
		Fix: "Point the member at an existing Single backend, or declare the backend it names " +
			"(in ARM, also add it to the pool's `dependsOn`).",
		Bad: `{ "type": "Microsoft.ApiManagement/service/backends", "name": "orders-pool",
  "properties": { "type": "Pool", "pool": { "services": [
    { "id": "/backends/orders-east" },
    { "id": "/backends/orders-wset" } ] } } }`,
		Good: `{ "type": "Microsoft.ApiManagement/service/backends", "name": "orders-pool",
  "properties": { "type": "Pool", "pool": { "services": [
    { "id": "/backends/orders-east" },
    { "id": "/backends/orders-west" } ] } } }`,
		Since: "0.1.0",
	},
	Check: checkPoolMemberUnknown,
}

func checkPoolMemberUnknown(pass *lint.Pass) {
	svc := pass.Service
	for _, b := range poolBackends(pass) {
		for i, m := range poolMembers(b) {
			if !m.ID.Set || m.ID.Null {
				pass.ReportFixf(memberPos(m), backendSubject(b), `set id to the backend's ARM id or "/backends/<name>"`,
					"pool %q: member %d has no id", b.Name, i+1)
				continue
			}
			if !m.ID.Known() {
				continue
			}
			if m.Name == "" {
				pass.ReportFixf(memberPos(m), backendSubject(b),
					`use the backend's ARM id or "/backends/<name>"`,
					"pool %q: member id %q does not name a backend", b.Name, m.ID.Value)
				continue
			}
			if svc.Backend(m.Name) != nil || unresolvedEntities(svc, "backends") {
				continue
			}
			fix := fmt.Sprintf("declare backend %q or fix the id", m.Name)
			if s := closestBackendName(svc.Backends, m.Name); s != "" {
				fix = fmt.Sprintf("did you mean %q?", s)
			}
			pass.ReportDanglingf(apim.KindBackends, memberPos(m), backendSubject(b), fix,
				"pool %q: member %q is not a backend of this service", b.Name, m.Name)
		}
	}
}
