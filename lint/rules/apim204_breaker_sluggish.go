package rules

import (
	"fmt"
	"time"

	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/breakermodel"
)

// BreakerSluggish reports breakers that cannot trip at the backend's
// traffic, or whose fixed count over a long interval ignores load.
var BreakerSluggish = &lint.Rule{
	ID:       "APIM204",
	Name:     "breaker-sluggish",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A circuit breaker cannot trip, or ignores load",
		Why: "A breaker protects nothing if its threshold is out of reach: a count higher than the " +
			"requests an interval holds at the backend's baseline traffic (default 50 requests/s, " +
			"set `baseline` in .apimlab.yaml), or a percentage condition whose interval holds fewer " +
			"requests than the minimum it needs before evaluating, cannot open even when every " +
			"request fails. A fixed count over a long interval (3 failures per P1D) is " +
			"load-insensitive: at high traffic it is a hair trigger, at low traffic failures from " +
			"hours ago still count toward a trip. All three depend on the backend's traffic: they are " +
			"warnings when .apimlab.yaml declares it (`baseline.rps`), and info findings naming the " +
			"assumed 50 requests/s otherwise.\n\n" +
			"Options: `minRequests` (default 10), `longInterval` (default PT1H: count conditions with " +
			"an interval at least this long are flagged).",
		Fix: "Use a percentage over a short interval (PT30S–PT5M) that holds enough requests, or a " +
			"count the backend's traffic can reach within the interval.",
		Bad:   `"failureCondition": { "count": 3, "interval": "P1D", "statusCodeRanges": [ { "min": 500, "max": 599 } ] }`,
		Good:  `"failureCondition": { "percentage": 50, "interval": "PT1M", "statusCodeRanges": [ { "min": 500, "max": 599 } ] }`,
		Since: "0.1.0",
	},
	Check: checkBreakerSluggish,
}

func checkBreakerSluggish(pass *lint.Pass) {
	minReq := int(pass.Float("minRequests", breakermodel.DefaultMinRequests))
	long := pass.Duration("longInterval", time.Hour)
	conds := conditions(pass, minReq)
	for i, br := range breakerRules(pass) {
		b, fc := br.b, br.rule.FailureCondition
		if b.IsPool() {
			continue // APIM206
		}
		c, ok := conds[i].c, conds[i].ok
		if !ok {
			continue
		}
		traffic := baselineTraffic(pass, b)
		reqs := breakermodel.ExpectedRequests(c, traffic)
		switch {
		case c.Count > 0 && reqs < float64(c.Count):
			reportTraffic(pass, b, fc.Count.At(fc.Pos), "lower count below the requests an interval holds, or lengthen the interval",
				fmt.Sprintf("%s can never trip at %g rps: %s holds ~%s requests, fewer than count %d even if every request fails",
					br.label(), traffic.RPS, fc.Interval.Value, formatRate(reqs), c.Count))
		case c.Percentage > 0 && reqs < float64(minReq):
			reportTraffic(pass, b, fc.Interval.At(fc.Pos), "lengthen the interval so it holds enough requests",
				fmt.Sprintf("%s can never trip at %g rps: %s holds ~%s requests, fewer than the %d a percentage condition needs before it is evaluated",
					br.label(), traffic.RPS, fc.Interval.Value, formatRate(reqs), minReq))
		case c.Count > 0 && c.Interval >= long:
			reportTraffic(pass, b, fc.Interval.At(fc.Pos), "use a percentage over a short interval (PT30S–PT5M)",
				fmt.Sprintf("%s counts %d failures over %s, which ignores load: at %g rps that is %d in ~%s requests, and failures from hours ago still count",
					br.label(), c.Count, fc.Interval.Value, traffic.RPS, c.Count, formatRate(reqs)))
		}
	}
}
