package rules

import "github.com/apimlab/apimlab/lint"

// BreakerRetryAfterUnbounded reports breakers that honour Retry-After while
// counting 429 responses.
var BreakerRetryAfterUnbounded = &lint.Rule{
	ID:       "APIM207",
	Name:     "breaker-retry-after-unbounded",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A breaker lets the backend's Retry-After hold the circuit open",
		Why: "With `acceptRetryAfter: true`, the Retry-After header of the response that trips the " +
			"breaker sets how long the circuit stays open instead of `tripDuration`. When 429 is " +
			"counted as a failure, a throttling backend (Azure OpenAI sends Retry-After of minutes, " +
			"a misconfigured one of hours or days) can keep the circuit open far longer than the " +
			"trip duration you reviewed, with no upper bound.",
		Fix: "Either stop counting 429 in this rule, or set `acceptRetryAfter` to false and choose " +
			"the tripDuration yourself; in a pool, let another member take the traffic.",
		Bad: `{ "failureCondition": { "count": 3, "interval": "PT1M", "statusCodeRanges": [ { "min": 429, "max": 429 } ] },
  "tripDuration": "PT1M", "acceptRetryAfter": true }`,
		Good: `{ "failureCondition": { "count": 3, "interval": "PT1M", "statusCodeRanges": [ { "min": 429, "max": 429 } ] },
  "tripDuration": "PT1M", "acceptRetryAfter": false }`,
		Since: "0.1.0",
	},
	Check: checkBreakerRetryAfterUnbounded,
}

func checkBreakerRetryAfterUnbounded(pass *lint.Pass) {
	for _, br := range breakerRules(pass.Service) {
		r := br.rule
		if !r.AcceptRetryAfter.Known() || !r.AcceptRetryAfter.Value || r.FailureCondition == nil {
			continue
		}
		counts429 := false
		for _, sr := range r.FailureCondition.StatusCodeRanges {
			counts429 = counts429 || sr.Contains(429)
		}
		if !counts429 {
			continue
		}
		trip := "its tripDuration"
		if r.TripDuration.Known() {
			trip = "tripDuration " + r.TripDuration.Value
		}
		pass.ReportFixf(r.AcceptRetryAfter.At(r.Pos), backendSubject(br.b),
			"set acceptRetryAfter to false, or stop counting 429 in this rule",
			"%s counts 429 and accepts Retry-After: a throttling backend decides how long the circuit stays open, unbounded by %s",
			br.label(), trip)
	}
}
