package rules

import (
	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// BreakerInvalid reports circuit breaker rules outside the schema's bounds
// (errors) and rules that cannot work as written (warnings).
var BreakerInvalid = &lint.Rule{
	ID:       "APIM201",
	Name:     "breaker-invalid",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A circuit breaker rule is outside the schema or cannot work as written",
		Why: "What Azure documents about a rule: status code ranges are 200–599 (ARM schema " +
			"`FailureStatusCodeRange`, 2024-05-01 and 2025-09-01-preview), reported as errors. " +
			"The rest is apimlab's reading of rules that cannot work as written, reported as " +
			"warnings because Azure documents no validation for them: a rule without a " +
			"failureCondition, with neither `count` nor `percentage` (nothing to compare failures " +
			"with) or with both (Azure documents no precedence), a count below 1 or a percentage " +
			"outside 1–100, a range whose min is above its max (it matches nothing), nothing to count " +
			"(no `statusCodeRanges` and no `errorReasons`), and an `interval` or `tripDuration` that " +
			"is missing, zero or not an ISO-8601 duration (Learn's examples and the REST reference " +
			"write them as \"PT1H\").",
		Fix: "Write the condition as in the Learn example: " +
			"`{\"count\": 3, \"interval\": \"PT1H\", \"statusCodeRanges\": [{\"min\": 500, \"max\": 599}]}` " +
			"with `\"tripDuration\": \"PT1H\"`.",
		Bad: `"circuitBreaker": { "rules": [ { "name": "r",
  "failureCondition": { "count": 5, "percentage": 50, "interval": "1m",
    "statusCodeRanges": [ { "min": 599, "max": 500 } ] },
  "tripDuration": "60" } ] }`,
		Good: `"circuitBreaker": { "rules": [ { "name": "r",
  "failureCondition": { "percentage": 50, "interval": "PT1M",
    "statusCodeRanges": [ { "min": 500, "max": 599 } ] },
  "tripDuration": "PT1M" } ] }`,
		Since: "0.1.0",
	},
	Check: checkBreakerInvalid,
}

func checkBreakerInvalid(pass *lint.Pass) {
	for _, br := range breakerRules(pass) {
		b, r := br.b, br.rule
		subj := backendSubject(b)
		checkBreakerDuration(pass, br, r.TripDuration, "tripDuration", r.Pos)
		fc := r.FailureCondition
		if fc == nil {
			pass.ReportFixf(r.Pos, subj, "add failureCondition with count or percentage, interval and statusCodeRanges",
				"%s has no failureCondition: it can never trip", br.label())
			continue
		}
		checkBreakerDuration(pass, br, fc.Interval, "failureCondition.interval", fc.Pos)
		count, pct := fc.Count, fc.Percentage
		switch {
		case count.Unknown() != "" || pct.Unknown() != "":
		case count.Known() && pct.Known():
			pass.ReportFixf(pct.At(fc.Pos), subj, "keep either count or percentage",
				"%s sets both count (%d) and percentage (%d); Azure documents no precedence between them", br.label(), count.Value, pct.Value)
		case !count.Known() && !pct.Known():
			pass.ReportFixf(fc.Pos, subj, "add count or percentage",
				"%s sets neither count nor percentage: it can never trip", br.label())
		case count.Known() && count.Value < 1:
			pass.ReportFixf(count.At(fc.Pos), subj, "use a count of at least 1",
				"%s has count %d: a threshold below 1 failure is not a threshold", br.label(), count.Value)
		case pct.Known() && (pct.Value < 1 || pct.Value > 100):
			pass.ReportFixf(pct.At(fc.Pos), subj, "use a percentage from 1 to 100",
				"%s has percentage %d, outside 1–100: no failure ratio matches it as intended", br.label(), pct.Value)
		}
		for _, sr := range fc.StatusCodeRanges {
			checkStatusRange(pass, br, sr)
		}
		if len(fc.StatusCodeRanges) == 0 && len(fc.ErrorReasons) == 0 {
			pass.ReportFixf(fc.Pos, subj, `add "statusCodeRanges": [{"min": 500, "max": 599}]`,
				"%s counts nothing as a failure: it has no statusCodeRanges and no errorReasons", br.label())
		}
	}
}

func checkBreakerDuration(pass *lint.Pass, br breakerRule, d apim.Duration, name string, fallback apim.Position) {
	subj := backendSubject(br.b)
	switch {
	case d.Unknown() != "":
	case !d.Set || d.Null:
		pass.ReportFixf(fallback, subj, `add `+name+` as an ISO-8601 duration, e.g. "PT1M"`,
			"%s has no %s", br.label(), name)
	case d.Err != nil:
		pass.ReportFixf(d.At(fallback), subj, `write an ISO-8601 duration such as "PT30S", "PT1M" or "PT1H"`,
			"%s: %s %q is not a valid ISO-8601 duration: %v", br.label(), name, d.Value, d.Err)
	case d.D <= 0:
		pass.ReportFixf(d.At(fallback), subj, "use a positive duration",
			"%s: %s %q is zero", br.label(), name, d.Value)
	}
}

func checkStatusRange(pass *lint.Pass, br breakerRule, sr apim.StatusRange) {
	subj := backendSubject(br.b)
	for _, f := range []struct {
		name  string
		field apim.Field[int]
	}{{"min", sr.Min}, {"max", sr.Max}} {
		switch {
		case f.field.Unknown() != "":
		case !f.field.Known():
			pass.ReportFixf(sr.Pos, subj, "give the range both min and max",
				"%s: status code range has no %s", br.label(), f.name)
		case f.field.Value < 200 || f.field.Value > 599:
			reportSev(pass, lint.Error, f.field.At(sr.Pos), subj, "use status codes from 200 to 599",
				"%s: status code range %s %d is outside 200–599, the bounds of the ARM schema", br.label(), f.name, f.field.Value)
		}
	}
	if sr.Min.Known() && sr.Max.Known() && sr.Min.Value > sr.Max.Value {
		pass.ReportFixf(sr.Min.At(sr.Pos), subj, "swap min and max",
			"%s: status code range min %d is greater than max %d, so it matches nothing", br.label(), sr.Min.Value, sr.Max.Value)
	}
}
