package rules

import (
	"fmt"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// BackendIDUnknown reports set-backend-service backend-id values that name
// no backend entity.
var BackendIDUnknown = &lint.Rule{
	ID:       "APIM401",
	Name:     "backend-id-unknown",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "set-backend-service names a backend that does not exist",
		Why: "`backend-id` must be the id of a backend entity of the service. Azure accepts the policy " +
			"only when the backend exists (a literal id is checked when the policy is saved); an id " +
			"computed by an expression is only checked at request time, where a missing backend fails " +
			"every request that takes that branch. apimlab checks literal ids and the literal results " +
			"of expressions (ternary branches, `??` operands, `GetValueOrDefault` defaults, `return` " +
			"values of blocks). When no backend was loaded at all (a lone policy file) the rule cannot " +
			"know the service's backends and reports nothing; ids holding a {{named value}} or a " +
			"deploy-time placeholder (`{backend-id}`) are skipped too.",
		Fix: "Use the name of an existing backend (case does not matter), or declare the backend.",
		Bad: `<inbound>
  <base />
  <set-backend-service backend-id="orders-pol" />
</inbound>`,
		Good: `<inbound>
  <base />
  <set-backend-service backend-id="orders-pool" />
</inbound>`,
		Since: "0.1.0",
	},
	Check: checkBackendIDUnknown,
}

func checkBackendIDUnknown(pass *lint.Pass) {
	svc := pass.Service
	if len(svc.Backends) == 0 || unresolvedEntities(svc, "backends") {
		return // nothing (or not everything) loaded to check against
	}
	for _, p := range servicePolicies(pass).All {
		if p.Doc == nil {
			continue
		}
		for _, e := range setBackendServices(p) {
			a := e.Attr("backend-id")
			if a == nil {
				continue
			}
			for _, id := range backendIDCandidates(a) {
				if svc.Backend(id) != nil {
					continue
				}
				reportUnknownBackend(pass, p.Src, a, id)
			}
		}
	}
}

func reportUnknownBackend(pass *lint.Pass, doc *apim.PolicyDoc, a *policy.Attr, id string) {
	svc := pass.Service
	fix := fmt.Sprintf("declare backend %q or use an existing backend id", id)
	if s := closestBackendName(svc.Backends, id); s != "" {
		fix = fmt.Sprintf("did you mean %q?", s)
	}
	where := ""
	if a.Expr != nil {
		where = " (a result of the expression)"
	}
	pass.ReportDanglingf(apim.KindBackends, a.Pos, policySubject(doc), fix,
		"set-backend-service backend-id %q%s names no backend of this service (%d backends loaded)",
		id, where, len(svc.Backends))
}
