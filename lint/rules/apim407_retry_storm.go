package rules

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// RetryStorm reports retry policies around forward-request that multiply
// the load on a backend protected by a circuit breaker.
var RetryStorm = &lint.Rule{
	ID:       "APIM407",
	Name:     "retry-storm",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "retry around forward-request multiplies load on a breaker-protected backend",
		Why: "A `retry` around `forward-request` turns every failing request into up to count+1 backend " +
			"calls. With `interval=\"0\"` (and no `delta`) they come back to back, so during an outage a " +
			"backend at R requests per second receives up to R×(count+1): the retries are failures " +
			"too, the backend's circuit breaker trips count+1 times sooner, and a recovering backend " +
			"is hammered the moment it comes back. A condition that does not look at the response " +
			"status code retries whatever it matches, client errors and successes included. The rule " +
			"fires when the retry's backend (the backend in effect through the scopes: a `backend-id`, " +
			"or the entity Azure matches to the API's `serviceUrl` or a `base-url` by URL) has a " +
			"circuit breaker, itself or, for a pool, on a member, and either interval is 0 with count " +
			"over 3 or the condition has no status check. When no backend was loaded (a lone policy " +
			"file) the target is unknown and nothing is reported. The message uses the backend's " +
			"baseline traffic from .apimlab.yaml (default 50 rps).",
		Fix: "Retry only on transient statuses (429, 503…) with a pause: interval of a few seconds or " +
			"an exponential delta, and count 3 or less; let the pool's failover and the breaker " +
			"handle outages.",
		Bad: `<backend>
  <retry condition="@(true)" count="10" interval="0">
    <forward-request buffer-request-body="true" />
  </retry>
</backend>`,
		Good: `<backend>
  <retry condition="@(context.Response.StatusCode == 429 || context.Response.StatusCode == 503)"
         count="2" interval="1" delta="2" max-interval="10">
    <forward-request buffer-request-body="true" />
  </retry>
</backend>`,
		Since: "0.1.0",
	},
	Check: checkRetryStorm,
}

// maxBurstRetries is the most back-to-back retries (interval 0) accepted.
const maxBurstRetries = 3

func checkRetryStorm(pass *lint.Pass) {
	svc := pass.Service
	if len(svc.Backends) == 0 {
		return
	}
	set := servicePolicies(pass)
	chains := serviceChains(pass)
	covered := map[*apim.PolicyDoc]bool{}
	for _, c := range chains {
		for _, l := range c.Layers {
			covered[l] = true
		}
	}
	for _, p := range set.All {
		// A policy no chain runs (a product without APIs, a global policy
		// of a service without APIs) is checked on its own.
		if p.Doc != nil && !p.Doc.IsFragment() && !covered[p.Src] {
			chains = append(chains, scopeChain{Label: p.Src.Owner, Layers: []*apim.PolicyDoc{p.Src}})
		}
	}
	type key struct {
		pos     apim.Position
		backend string
	}
	seen := map[key]bool{}
	for _, c := range chains {
		if !set.chainUses(c, "retry") {
			continue
		}
		eff, origin, ok := set.effective(svc, c)
		if !ok {
			continue
		}
		r := newRoute(svc, c, origin)
		for _, s := range []policy.Section{policy.Inbound, policy.Backend} {
			for _, stmt := range eff.Section(s) {
				stmt.Walk(func(e *policy.Element) bool {
					switch e.Name {
					case "set-backend-service":
						r.Apply(e)
						return false
					case "retry":
						if !containsForwardRequest(e) {
							return true
						}
						for _, b := range r.Backends {
							if !breakerProtected(svc, b) || seen[key{e.Pos, b.Name}] {
								continue
							}
							if msg := retryStorm(pass, e, b); msg != "" {
								seen[key{e.Pos, b.Name}] = true
								doc := origin[e.Node]
								if doc == nil {
									continue
								}
								pass.ReportFixf(e.Pos, policySubject(doc),
									"retry on 429/503 only, count ≤ 3, with interval or delta > 0", "%s", msg)
							}
						}
						return false
					}
					return !isFreeForm(e.Name)
				})
			}
		}
	}
}

// retryStorm describes why the retry e storms backend b, or returns "".
func retryStorm(pass *lint.Pass, e *policy.Element, b *apim.Backend) string {
	count, err := e.IntAttr("count", 0)
	if err != nil || count <= 0 {
		return "" // an expression or a broken count: unknown
	}
	interval, errI := e.IntAttr("interval", -1)
	delta, errD := e.IntAttr("delta", 0)
	burst := errI == nil && interval == 0 && errD == nil && delta == 0 && count > maxBurstRetries
	cond := e.Attr("condition")
	noStatus := cond != nil && !strings.Contains(cond.Value, "StatusCode")
	if !burst && !noStatus {
		return ""
	}
	rps, _ := pass.Baseline(b.Name)
	calls := count + 1
	var why []string
	if burst {
		why = append(why, fmt.Sprintf("interval 0: the %d retries come back to back", count))
	}
	if noStatus {
		why = append(why, "the condition does not check the response status code, so it retries client errors too")
	}
	return fmt.Sprintf("retry (count %d) around forward-request to breaker-protected backend %q: %s; "+
		"a failing request becomes up to %d backend calls (at the %g rps baseline, up to %g rps during an outage), "+
		"each counted as a failure by its circuit breaker",
		count, b.Name, strings.Join(why, "; "), calls, rps, rps*float64(calls))
}
