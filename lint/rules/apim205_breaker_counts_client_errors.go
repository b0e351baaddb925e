package rules

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/lint"
)

// BreakerCountsClientErrors reports breakers that count 4xx responses
// (other than 429) as backend failures.
var BreakerCountsClientErrors = &lint.Rule{
	ID:       "APIM205",
	Name:     "breaker-counts-client-errors",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A circuit breaker counts client errors as backend failures",
		Why: "4xx responses say the request was wrong (400 bad input, 401/403 missing credentials, " +
			"404 unknown resource), not that the backend is unhealthy. Counting them lets one " +
			"misbehaving client — or a scanner probing URLs — open the circuit for every caller. " +
			"429 is the exception: it is the backend asking for less traffic.",
		Fix:   "Count 500–599 (and 429 if the backend throttles); leave other 4xx out of statusCodeRanges.",
		Bad:   `"statusCodeRanges": [ { "min": 400, "max": 599 } ]`,
		Good:  `"statusCodeRanges": [ { "min": 429, "max": 429 }, { "min": 500, "max": 599 } ]`,
		Since: "0.1.0",
	},
	Check: checkBreakerCountsClientErrors,
}

func checkBreakerCountsClientErrors(pass *lint.Pass) {
	for _, br := range breakerRules(pass) {
		fc := br.rule.FailureCondition
		if fc == nil {
			continue
		}
		for _, sr := range fc.StatusCodeRanges {
			if !sr.Min.Known() || !sr.Max.Known() || sr.Min.Value > sr.Max.Value {
				continue
			}
			parts := clientErrorParts(sr.Min.Value, sr.Max.Value)
			if len(parts) == 0 {
				continue
			}
			pass.ReportFixf(sr.Pos, backendSubject(br.b), "count 500–599 (and 429); drop other 4xx",
				"%s counts client errors %s as backend failures (range %d–%d): one bad client can open the circuit for everyone",
				br.label(), strings.Join(parts, " and "), sr.Min.Value, sr.Max.Value)
		}
	}
}

// clientErrorParts returns the sub-ranges of [lo, hi] within 400–499 minus 429.
func clientErrorParts(lo, hi int) []string {
	var out []string
	add := func(a, b int) {
		a, b = max(a, lo), min(b, hi)
		switch {
		case a > b:
		case a == b:
			out = append(out, fmt.Sprint(a))
		default:
			out = append(out, fmt.Sprintf("%d–%d", a, b))
		}
	}
	add(400, 428)
	add(430, 499)
	return out
}
