package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/breakermodel"
)

// BreakerTwitchy reports breakers that open on ordinary background
// failures.
var BreakerTwitchy = &lint.Rule{
	ID:       "APIM203",
	Name:     "breaker-twitchy",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A circuit breaker trips on normal traffic",
		Why: "An open breaker turns every request to the backend into a 503 for the trip duration " +
			"(Learn, \"Backends in API Management\", circuit breaker); a member of a load-balanced " +
			"pool with other members leaves the pool's rotation instead, and its traffic goes to them " +
			"(lower priority groups are used when the higher ones are \"unavailable because circuit " +
			"breaker rules are tripped\"), which the message says. Some settings are twitchy " +
			"whatever the traffic, and are warnings: a count of 3 or fewer failures (a couple of " +
			"stray errors open the circuit), a low percentage, and a trip duration under 10 seconds " +
			"(the backend gets no time to recover and the circuit flaps); counting 4xx is APIM205's. " +
			"A rule that counts only 429 responses and accepts Retry-After is what Learn recommends " +
			"for Azure OpenAI backends (\"implementing circuit breaker rules to handle the 429 " +
			"responses and accept the Retry-After duration\"): a 429 is the backend asking for less " +
			"traffic and the circuit stays open as long as it says, so its count and percentage are " +
			"not checked (its trip duration still is; APIM207 reports it on a backend in no pool). " +
			"apimlab's gateway and simulator count a connection failure or timeout as a failure for " +
			"every rule (docs/semantics.md: Learn does not say whether Azure does), so there one of " +
			"those opens such a rule too. " +
			"Whether a threshold is reached by ordinary background failures depends on traffic: " +
			"apimlab estimates the expected false trips per day with a sliding-window model " +
			"(lint/breakermodel: Naus's scan-statistic approximation for counts; percentage " +
			"conditions evaluated once MinRequests requests are in the window). When .apimlab.yaml " +
			"declares the backend's traffic (`baseline.rps`, globally or per backend) an estimate " +
			"over the limit is a warning; without it apimlab assumes 50 requests/s with 1% failures, " +
			"an assumption you never made, so the estimate is an info finding that names it.\n\n" +
			"Options: `maxTripsPerDay` (default 1), `minTripDuration` (default PT10S), `maxCount` " +
			"(default 3: counts at or below it are flagged), `maxPercentage` (default 10), " +
			"`minRequests` (default 10, the requests a percentage window needs).",
		Fix: "Raise the threshold above what normal traffic produces, prefer a percentage over a " +
			"short interval (it scales with load), and keep the circuit open long enough to matter " +
			"(tens of seconds or more).",
		Bad: `"circuitBreaker": { "rules": [ { "name": "r",
  "failureCondition": { "count": 2, "interval": "PT1M", "statusCodeRanges": [ { "min": 500, "max": 599 } ] },
  "tripDuration": "PT5S" } ] }`,
		Good: `"circuitBreaker": { "rules": [ { "name": "r",
  "failureCondition": { "percentage": 50, "interval": "PT1M", "statusCodeRanges": [ { "min": 500, "max": 599 } ] },
  "tripDuration": "PT1M" } ] }`,
		Since: "0.1.0",
	},
	Check: checkBreakerTwitchy,
}

func checkBreakerTwitchy(pass *lint.Pass) {
	maxTrips := pass.Float("maxTripsPerDay", 1)
	minTrip := pass.Duration("minTripDuration", 10*time.Second)
	maxCount := int(pass.Float("maxCount", 3))
	maxPct := int(pass.Float("maxPercentage", 10))
	minReq := int(pass.Float("minRequests", breakermodel.DefaultMinRequests))
	cache := tripCache{}
	conds := conditions(pass, minReq)
	pools := memberPools(pass)
	for i, br := range breakerRules(pass) {
		b, r := br.b, br.rule
		if b.IsPool() {
			continue // APIM206
		}
		// Who an open circuit cuts off: a pool member with a peer leaves
		// the pool's rotation and its traffic goes to the others (Learn,
		// "Backends in API Management": lower priority groups are used
		// when the higher ones are "unavailable because circuit breaker
		// rules are tripped"); any other backend fails every caller.
		open, opens := "open the circuit for every caller", "opens the circuit for every caller"
		if p := pools[strings.ToLower(b.Name)]; p != "" {
			open = fmt.Sprintf("take it out of pool %q's rotation, moving its traffic to the other members", p)
			opens = fmt.Sprintf("takes it out of pool %q's rotation, moving its traffic to the other members", p)
		}
		subj := backendSubject(b)
		if d := r.TripDuration; durationOK(d) && d.D < minTrip {
			pass.ReportFixf(d.Pos, subj, "keep the circuit open for at least "+minTrip.String(),
				"%s opens for only %s (under %s): the backend gets no time to recover and the circuit flaps",
				br.label(), d.Value, minTrip)
		}
		fc := r.FailureCondition
		c, ok := conds[i].c, conds[i].ok
		if !ok || throttleOnly(r) {
			continue
		}
		switch {
		case c.Count > 0 && c.Count <= maxCount:
			pass.ReportFixf(fc.Count.At(fc.Pos), subj, "raise count, or use a percentage",
				"%s trips on %d failure(s) in %s: a couple of stray errors %s, whatever the traffic",
				br.label(), c.Count, fc.Interval.Value, open)
			continue
		case c.Percentage > 0 && c.Percentage <= maxPct:
			pass.ReportFixf(fc.Percentage.At(fc.Pos), subj, "raise percentage above the backend's normal error rate with a margin",
				"%s trips at %d%% failures in %s: a brief blip of errors %s",
				br.label(), c.Percentage, fc.Interval.Value, opens)
			continue
		}
		traffic := baselineTraffic(pass, b)
		if trips, ok := cache.tripsPerDay(c, traffic); ok && trips > maxTrips {
			reportTraffic(pass, b, thresholdPos(fc), twitchyFix(c, traffic),
				fmt.Sprintf("%s (%s) is expected to trip ~%s times a day at %g rps with %s failures (limit %g)",
					br.label(), describeCondition(fc), formatRate(trips), traffic.RPS, formatPercent(traffic.FailureRate), maxTrips))
		}
	}
}

// throttleOnly reports whether r is the rule Learn recommends for Azure
// OpenAI backends ("Backends in API Management": "implementing circuit
// breaker rules to handle the 429 responses and accept the Retry-After
// duration"): it counts 429 responses and no other status, and accepts
// Retry-After. A 429 is the backend asking for less traffic, not a stray
// error, and the circuit stays open as long as the backend says, so a low
// count is the point of the rule, not a twitch (APIM207 reports such a
// rule on a backend in no pool). errorReasons do not change that: they
// name gateway errors, not statuses (Azure-Samples/AI-Gateway's pools
// write "Server errors" beside the 429 range).
func throttleOnly(r *apim.BreakerRule) bool {
	fc := r.FailureCondition
	if fc == nil || !r.AcceptRetryAfter.Known() || !r.AcceptRetryAfter.Value || len(fc.StatusCodeRanges) == 0 {
		return false
	}
	for _, sr := range fc.StatusCodeRanges {
		if !sr.Min.Known() || !sr.Max.Known() || sr.Min.Value != 429 || sr.Max.Value != 429 {
			return false
		}
	}
	return true
}

// twitchyFix suggests a threshold the backend's normal traffic does not reach.
func twitchyFix(c breakermodel.Condition, t breakermodel.Traffic) string {
	if c.Count > 0 {
		expected := t.RPS * t.FailureRate * c.Interval.Seconds()
		return fmt.Sprintf("normal traffic produces ~%s failures per interval: raise count well above that, or use a percentage", formatRate(expected))
	}
	return fmt.Sprintf("raise percentage well above the normal %s failure rate, or lengthen the interval", formatPercent(t.FailureRate))
}
