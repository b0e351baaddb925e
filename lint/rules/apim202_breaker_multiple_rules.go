package rules

import (
	"fmt"

	"github.com/apimlab/apimlab/lint"
)

// BreakerMultipleRules reports backends with more than one breaker rule.
var BreakerMultipleRules = &lint.Rule{
	ID:       "APIM202",
	Name:     "breaker-multiple-rules",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A circuit breaker has more than one rule",
		Why: "The schema accepts a list of rules, but \"currently, only one rule can be configured for " +
			"a backend circuit breaker\" (Learn, Backends in API Management). The extra rules are " +
			"rejected or never evaluated, so the protection they describe does not exist.",
		Fix: "Keep one rule; fold the conditions into it (one status range list, one threshold).",
		Bad: `"circuitBreaker": { "rules": [
  { "name": "server-errors", "failureCondition": { "count": 10, "interval": "PT1M", "statusCodeRanges": [ { "min": 500, "max": 599 } ] }, "tripDuration": "PT1M" },
  { "name": "throttled", "failureCondition": { "count": 10, "interval": "PT1M", "statusCodeRanges": [ { "min": 429, "max": 429 } ] }, "tripDuration": "PT1M" } ] }`,
		Good: `"circuitBreaker": { "rules": [
  { "name": "failures", "failureCondition": { "count": 10, "interval": "PT1M",
    "statusCodeRanges": [ { "min": 429, "max": 429 }, { "min": 500, "max": 599 } ] }, "tripDuration": "PT1M" } ] }`,
		Since: "0.1.0",
	},
	Check: checkBreakerMultipleRules,
}

func checkBreakerMultipleRules(pass *lint.Pass) {
	for _, b := range pass.Service.Backends {
		cb := b.CircuitBreaker
		if cb == nil || len(cb.Rules) < 2 {
			continue
		}
		var names []string
		for i, r := range cb.Rules {
			if r.Name.Known() {
				names = append(names, r.Name.Value)
			} else {
				names = append(names, fmt.Sprintf("#%d", i+1))
			}
		}
		pass.ReportFixf(cb.Rules[1].Pos, backendSubject(b), "keep a single rule",
			"breaker %q has %d rules (%s); Azure evaluates only one rule per backend",
			b.Name, len(cb.Rules), nameList(names))
	}
}
