package rules

import (
	"fmt"

	"github.com/apimlab/apimlab/lint"
)

// BreakerMultipleRules reports backends with more than one breaker rule.
var BreakerMultipleRules = &lint.Rule{
	ID:       "APIM202",
	Name:     "breaker-multiple-rules",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A circuit breaker has more than one rule",
		Why: "The schema accepts a list of rules, but Learn (\"Backends in API Management\", circuit " +
			"breaker notes and Limitations) says \"currently, only one rule can be configured for a " +
			"backend circuit breaker\". A breaker with more rules is outside that documented limit. " +
			"Learn does not say whether Azure rejects it or which rule it keeps, so apimlab does not " +
			"guess either: fold the conditions into one rule.",
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
			"breaker %q has %d rules (%s); Learn: only one rule can be configured for a backend circuit breaker",
			b.Name, len(cb.Rules), nameList(names))
	}
}
