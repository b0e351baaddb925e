package rules

import "github.com/apimlab/apimlab/lint"

// PoolMemberNoBreaker reports pool members without a circuit breaker in a
// pool whose other members have one.
var PoolMemberNoBreaker = &lint.Rule{
	ID:       "APIM110",
	Name:     "pool-member-no-breaker",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A pool member has no circuit breaker while its peers have one",
		Why: "A pool member leaves rotation only when its own circuit breaker trips: Learn " +
			"(\"Backends in API Management\", load-balanced pool) says lower priority groups are used " +
			"\"only when all backends in higher priority groups are unavailable because circuit " +
			"breaker rules are tripped\". When the other " +
			"members of a pool have breakers and one does not, that one stays in rotation however " +
			"often it fails: its share of the traffic keeps failing, and if it is in the highest " +
			"priority group the lower groups are never used. Pools where no member has a breaker are " +
			"APIM107's concern.",
		Fix: "Give the member the same circuit breaker rule as its peers.",
		Bad: `"pool": { "services": [ { "id": "/backends/openai-east" }, { "id": "/backends/openai-west" } ] }
(openai-east has a circuitBreaker, openai-west has none)`,
		Good:  `both members carry a circuitBreaker rule`,
		Since: "0.2.0",
	},
	Check: checkPoolMemberNoBreaker,
}

func checkPoolMemberNoBreaker(pass *lint.Pass) {
	svc := pass.Service
	for _, p := range poolBackends(pass) {
		var with, without []string
		for _, m := range poolMembers(p) {
			b := svc.Backend(m.Name)
			if m.Name == "" || b == nil {
				continue // APIM101
			}
			if b.CircuitBreaker != nil && len(b.CircuitBreaker.Rules) > 0 {
				with = append(with, b.Name)
			} else {
				without = append(without, b.Name)
			}
		}
		if len(with) == 0 || len(without) == 0 {
			continue
		}
		for _, m := range poolMembers(p) {
			b := svc.Backend(m.Name)
			if m.Name == "" || b == nil || (b.CircuitBreaker != nil && len(b.CircuitBreaker.Rules) > 0) {
				continue
			}
			pass.ReportFixf(memberPos(m), backendSubject(p), "add a circuit breaker rule to backend "+b.Name+" like its peers'",
				"pool %q: member %q has no circuit breaker while %s %s one: it never leaves rotation, however often it fails",
				p.Name, b.Name, nameList(with), hasHave(len(with)))
		}
	}
}

// hasHave is "has" for one subject, "have" for several.
func hasHave(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}
