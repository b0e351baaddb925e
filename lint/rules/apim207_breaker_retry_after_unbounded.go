package rules

import (
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// BreakerRetryAfterUnbounded notes breakers outside any pool that honour
// Retry-After while counting 429 responses.
var BreakerRetryAfterUnbounded = &lint.Rule{
	ID:       "APIM207",
	Name:     "breaker-retry-after-unbounded",
	Severity: lint.Info,
	Doc: lint.Doc{
		Title: "A breaker outside a pool lets the backend's Retry-After hold the circuit open",
		Why: "With `acceptRetryAfter: true`, the Retry-After header of the response that trips the " +
			"breaker sets how long the circuit stays open instead of `tripDuration` (Learn, " +
			"\"Backends in API Management\", circuit breaker example). For Azure OpenAI backends this " +
			"is what Learn recommends: its caution says the service answers too many requests with " +
			"`429` and a Retry-After \"that can be large (for example, 1 day)\", and recommends " +
			"circuit breaker rules \"to handle the 429 responses and accept the Retry-After " +
			"duration\". In a load-balanced pool that is the point: the throttled member leaves " +
			"rotation and the others take the traffic, so apimlab says nothing. A backend that is in " +
			"no pool has no other member: while its circuit is open every caller gets 503 for as long " +
			"as the backend asked, which can be far longer than the tripDuration you reviewed. This " +
			"is reported at info severity as context, not as a mistake.",
		Fix: "Put the backend in a pool with another deployment (another region or a PTU/pay-as-you-go " +
			"pair) so a throttled member leaves rotation instead of the whole API, or accept that the " +
			"API is unavailable for the backend's Retry-After.",
		Bad: `{ "failureCondition": { "count": 3, "interval": "PT1M", "statusCodeRanges": [ { "min": 429, "max": 429 } ] },
  "tripDuration": "PT1M", "acceptRetryAfter": true }`,
		Good: `{ "name": "openai", "properties": { "type": "Pool", "pool": { "services": [
  { "id": "/backends/openai-east" }, { "id": "/backends/openai-west" } ] } } }
(openai-east keeps the rule above: a throttled member leaves rotation, its peer serves)`,
		Since: "0.1.0",
	},
	Check: checkBreakerRetryAfterUnbounded,
}

func checkBreakerRetryAfterUnbounded(pass *lint.Pass) {
	pools := memberPools(pass)
	for _, br := range breakerRules(pass) {
		r := br.rule
		if !r.AcceptRetryAfter.Known() || !r.AcceptRetryAfter.Value || r.FailureCondition == nil {
			continue
		}
		if _, member := pools[strings.ToLower(br.b.Name)]; br.b.IsPool() || member {
			continue // APIM206 for pools; a member hands its traffic to its peers
		}
		if !counts429(r) {
			continue
		}
		trip := "its tripDuration"
		if r.TripDuration.Known() {
			trip = "tripDuration " + r.TripDuration.Value
		}
		pass.ReportFixf(r.AcceptRetryAfter.At(r.Pos), backendSubject(br.b),
			"add the backend to a pool with another deployment, so a throttled member leaves rotation instead of the whole API",
			"%s counts 429 and accepts Retry-After, as Learn recommends for Azure OpenAI; backend %q is in no pool, so while "+
				"it throttles every caller gets 503 for as long as its Retry-After says (Learn's example: 1 day), not %s",
			br.label(), br.b.Name, trip)
	}
}

// counts429 reports whether a breaker rule counts 429 as a failure.
func counts429(r *apim.BreakerRule) bool {
	for _, sr := range r.FailureCondition.StatusCodeRanges {
		if sr.Contains(429) {
			return true
		}
	}
	return false
}
