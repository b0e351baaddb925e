package rules

import (
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// mutate returns r after applying fn, for one-line variants of a rule.
func mutate(r *apim.BreakerRule, fn func(r *apim.BreakerRule)) *apim.BreakerRule {
	fn(r)
	return r
}

func TestBreakerInvalid(t *testing.T) {
	ok := func() *apim.BreakerRule { return tRule(10, 0, 50, "PT1M", "PT1M", serverErrors) }
	var eleven [][2]int
	for i := range 11 {
		eleven = append(eleven, [2]int{500 + i, 500 + i})
	}
	runRuleCases(t, BreakerInvalid, []ruleCase{
		{"valid", svcOf(tSingle("a", 1, ok())), nil, nil},
		{"both thresholds", svcOf(tSingle("a", 1, mutate(ok(), func(r *apim.BreakerRule) { r.FailureCondition.Count = tInt(5, 15) }))), nil,
			[]want{{12, `breaker "a" sets both count \(5\) and percentage \(50\)`}}},
		{"neither threshold", svcOf(tSingle("a", 1, tRule(10, 0, 0, "PT1M", "PT1M", serverErrors))), nil, []want{{10, `sets neither count nor percentage`}}},
		{"count zero", svcOf(tSingle("a", 1, mutate(ok(), func(r *apim.BreakerRule) {
			r.FailureCondition.Percentage = unset
			r.FailureCondition.Count = tInt(0, 12)
		}))), nil, []want{{12, `warning: has count 0: a threshold below 1 failure is not a threshold`}}},
		{"percentage 0 and 101", svcOf(
			tSingle("a", 1, tRule(10, 0, 101, "PT1M", "PT1M", serverErrors)),
			tSingle("b", 2, mutate(tRule(30, 0, 1, "PT1M", "PT1M", serverErrors), func(r *apim.BreakerRule) { r.FailureCondition.Percentage = tInt(0, 32) }))), nil,
			[]want{{12, `percentage 101, outside 1–100`}, {32, `percentage 0, outside 1–100`}}},
		{"bad durations", svcOf(tSingle("a", 1, tRule(10, 0, 50, "1m", "60", serverErrors))), nil,
			[]want{{11, `failureCondition.interval "1m" is not a valid ISO-8601 duration`}, {30, `tripDuration "60" is not a valid ISO-8601 duration`}}},
		{"missing and zero durations", svcOf(tSingle("a", 1, mutate(tRule(10, 0, 50, "PT0S", "PT1M", serverErrors), func(r *apim.BreakerRule) { r.TripDuration = apim.Duration{} }))), nil,
			[]want{{10, `has no tripDuration`}, {11, `interval "PT0S" is zero`}}},
		{"unknown durations skipped", svcOf(tSingle("a", 1, mutate(ok(), func(r *apim.BreakerRule) {
			r.TripDuration = apim.Duration{Field: apim.Field[string]{Set: true}.WithUnknown("parameter")}
		}))), nil, nil},
		{"bad ranges", svcOf(tSingle("a", 1, tRule(10, 0, 50, "PT1M", "PT1M", [2]int{599, 500}, [2]int{500, 600}, [2]int{100, 199}))), nil,
			[]want{{13, `warning: range min 599 is greater than max 500`}, {14, `error: range max 600 is outside 200–599, the bounds of the ARM schema`}, {15, `error: range min 100 is outside`}, {15, `error: range max 199 is outside`}}},
		{"eleven ranges are not limited by Azure's documents", svcOf(tSingle("a", 1, tRule(10, 0, 50, "PT1M", "PT1M", eleven...))), nil, nil},
		{"nothing counted", svcOf(tSingle("a", 1, tRule(10, 0, 50, "PT1M", "PT1M"))), nil, []want{{10, `counts nothing as a failure`}}},
		{"error reasons suffice", svcOf(tSingle("a", 1, mutate(tRule(10, 0, 50, "PT1M", "PT1M"), func(r *apim.BreakerRule) {
			r.FailureCondition.ErrorReasons = []apim.Field[string]{tStr("Timeout", 16)}
		}))), nil, nil},
		{"no failure condition", svcOf(tSingle("a", 1, mutate(ok(), func(r *apim.BreakerRule) { r.FailureCondition = nil }))), nil,
			[]want{{10, `has no failureCondition`}}},
	})
}

func TestBreakerMultipleRules(t *testing.T) {
	second := tRule(20, 0, 50, "PT1M", "PT1M", [2]int{429, 429})
	second.Name = tStr("throttled", 20)
	runRuleCases(t, BreakerMultipleRules, []ruleCase{
		{"two", svcOf(tSingle("a", 1, tRule(10, 0, 50, "PT1M", "PT1M", serverErrors), second)), nil,
			[]want{{20, `breaker "a" has 2 rules \("r", "throttled"\); Learn: only one rule can be configured for a backend circuit breaker`}}},
		{"one", svcOf(tSingle("a", 1, tRule(10, 0, 50, "PT1M", "PT1M", serverErrors))), nil, nil},
	})
}

func TestBreakerTwitchy(t *testing.T) {
	quiet := &lint.Config{Backends: map[string]lint.BackendConfig{"audit": {Baseline: lint.Baseline{RPS: 0.01}}}}
	runRuleCases(t, BreakerTwitchy, []ruleCase{
		{"model", svcOf(tSingle("orders", 1, tRule(10, 5, 0, "PT1M", "PT1M", serverErrors))), nil,
			[]want{{12, `info: ^breaker "orders" \(5 failures in PT1M\) is expected to trip ~1234 times a day at 50 rps with 1% failures \(limit 1\) \(assumed traffic: no baseline is declared`}}},
		{"model with declared traffic", svcOf(tSingle("orders", 1, tRule(10, 5, 0, "PT1M", "PT1M", serverErrors))),
			&lint.Config{Backends: map[string]lint.BackendConfig{"Orders": {Baseline: lint.Baseline{RPS: 50}}}},
			[]want{{12, `warning: ^breaker "orders" \(5 failures in PT1M\) is expected to trip ~1234 times a day at 50 rps with 1% failures \(limit 1\)$`}}},
		{"count 3 whatever the traffic", svcOf(tSingle("orders", 1, tRule(10, 3, 0, "PT1M", "PT1M", serverErrors))), nil,
			[]want{{12, `warning: breaker "orders" trips on 3 failure\(s\) in PT1M: .* whatever the traffic`}}},
		{"healthy", svcOf(tSingle("orders", 1, tRule(10, 0, 50, "PT1M", "PT1M", serverErrors))), nil, nil},
		// A pool member's open circuit moves its traffic to its peers
		// (the shape of Azure-Samples/AI-Gateway modules/apim/v3/
		// inference-api.bicep: members with count 1 on 429 in PT1M).
		{"pool member with a peer", svcOf(tSingle("foundry1", 1, tRule(10, 1, 0, "PT1M", "PT1M", [2]int{429, 429})), tSingle("foundry2", 2),
			tPool("inference-backend-pool", 20, tMember("foundry1", 21, unset, unset), tMember("foundry2", 22, unset, unset))), nil,
			[]want{{12, `warning: ^breaker "foundry1" trips on 1 failure\(s\) in PT1M: a couple of stray errors take it out of pool "inference-backend-pool"'s rotation, moving its traffic to the other members, whatever the traffic$`}}},
		{"low percentage on a pool member", svcOf(tSingle("a", 1, tRule(10, 0, 5, "PT1M", "PT1M", serverErrors)), tSingle("b", 2),
			tPool("p", 20, tMember("a", 21, unset, unset), tMember("b", 22, unset, unset))), nil,
			[]want{{12, `trips at 5% failures in PT1M: a brief blip of errors takes it out of pool "p"'s rotation`}}},
		{"alone in its pool: every caller", svcOf(tSingle("a", 1, tRule(10, 1, 0, "PT1M", "PT1M", serverErrors)),
			tPool("p", 20, tMember("a", 21, unset, unset), tMember("a", 22, unset, unset))), nil,
			[]want{{12, `a couple of stray errors open the circuit for every caller, whatever the traffic$`}}},
		{"short trip", svcOf(tSingle("orders", 1, tRule(10, 0, 50, "PT1M", "PT5S", serverErrors))), nil,
			[]want{{30, `opens for only PT5S \(under 10s\)`}}},
		{"low count on quiet backend", svcOf(tSingle("audit", 1, tRule(10, 2, 0, "PT1M", "PT1M", serverErrors))), quiet,
			[]want{{12, `warning: breaker "audit" trips on 2 failure\(s\) in PT1M`}}},
		{"low percentage", svcOf(tSingle("orders", 1, tRule(10, 0, 10, "PT1M", "PT1M", serverErrors))), nil,
			[]want{{12, `trips at 10% failures in PT1M`}}},
		{"baseline raises the estimate", svcOf(tSingle("orders", 1, tRule(10, 50, 0, "PT1M", "PT1M", serverErrors))),
			&lint.Config{Baseline: lint.Baseline{RPS: 100}}, []want{{12, `warning: \(50 failures in PT1M\) is expected to trip ~\d+ times a day at 100 rps with 1% failures \(limit 1\)$`}}},
		{"50 in PT1M on assumed traffic is info", svcOf(tSingle("orders", 1, tRule(10, 50, 0, "PT1M", "PT1M", serverErrors))), nil,
			[]want{{12, `info: \(50 failures in PT1M\) is expected to trip ~6.3 times a day at 50 rps .*assumed traffic`}}},
		{"options", svcOf(tSingle("orders", 1, tRule(10, 0, 10, "PT1M", "PT5S", serverErrors))),
			&lint.Config{Rules: map[string]lint.RuleConfig{"APIM203": {Options: map[string]any{"maxPercentage": 5, "minTripDuration": "PT5S"}}}}, nil},
		{"pools are APIM206's", svcOf(func() *apim.Backend {
			p := tPool("p", 1)
			p.CircuitBreaker = &apim.CircuitBreaker{Rules: []*apim.BreakerRule{tRule(10, 1, 0, "PT1M", "PT1S", serverErrors)}}
			return p
		}()), nil, nil},
		{"unknown threshold skipped", svcOf(tSingle("orders", 1, mutate(tRule(10, 1, 0, "PT1M", "PT1M", serverErrors), func(r *apim.BreakerRule) {
			r.FailureCondition.Count = tUnknownInt(12)
		}))), nil, nil},
	})
}

func TestBreakerSluggish(t *testing.T) {
	slow := &lint.Config{Backends: map[string]lint.BackendConfig{"reports": {Baseline: lint.Baseline{RPS: 2}}}}
	runRuleCases(t, BreakerSluggish, []ruleCase{
		{"count out of reach", svcOf(tSingle("orders", 1, tRule(10, 100, 0, "PT1S", "PT1M", serverErrors))), nil,
			[]want{{12, `info: breaker "orders" can never trip at 50 rps: PT1S holds ~50.0 requests, fewer than count 100 even if every request fails \(assumed traffic`}}},
		{"count out of reach, declared", svcOf(tSingle("orders", 1, tRule(10, 100, 0, "PT1S", "PT1M", serverErrors))),
			&lint.Config{Baseline: lint.Baseline{RPS: 50}},
			[]want{{12, `warning: breaker "orders" can never trip at 50 rps: PT1S holds ~50.0 requests, fewer than count 100 even if every request fails$`}}},
		{"percentage below min requests", svcOf(tSingle("reports", 1, tRule(10, 0, 50, "PT2S", "PT1M", serverErrors))), slow,
			[]want{{11, `warning: PT2S holds ~4.0 requests, fewer than the 10 a percentage condition needs`}}},
		{"long count", svcOf(tSingle("orders", 1, tRule(10, 3, 0, "P1D", "PT1H", serverErrors))), nil,
			[]want{{11, `info: counts 3 failures over P1D, which ignores load: at 50 rps that is 3 in ~4320000 requests.*assumed traffic`}}},
		{"healthy", svcOf(tSingle("orders", 1, tRule(10, 0, 50, "PT1M", "PT1M", serverErrors)), tSingle("b", 2, tRule(20, 100, 0, "PT5M", "PT1M", serverErrors))), nil, nil},
		{"longInterval option", svcOf(tSingle("orders", 1, tRule(10, 3, 0, "P1D", "PT1H", serverErrors))), cfgWith("APIM204", "longInterval", "P2D"), nil},
	})
}

func TestBreakerCountsClientErrors(t *testing.T) {
	runRuleCases(t, BreakerCountsClientErrors, []ruleCase{
		{"400-599", svcOf(tSingle("a", 1, tRule(10, 0, 50, "PT1M", "PT1M", [2]int{400, 599}))), nil,
			[]want{{13, `counts client errors 400–428 and 430–499 as backend failures \(range 400–599\)`}}},
		{"404 only", svcOf(tSingle("a", 1, tRule(10, 0, 50, "PT1M", "PT1M", [2]int{404, 404}))), nil, []want{{13, `client errors 404 `}}},
		{"430-450", svcOf(tSingle("a", 1, tRule(10, 0, 50, "PT1M", "PT1M", [2]int{420, 450}))), nil, []want{{13, `420–428 and 430–450`}}},
		{"429 and 5xx", svcOf(tSingle("a", 1, tRule(10, 0, 50, "PT1M", "PT1M", [2]int{429, 429}, serverErrors))), nil, nil},
		{"inverted range is APIM201's", svcOf(tSingle("a", 1, tRule(10, 0, 50, "PT1M", "PT1M", [2]int{499, 400}))), nil, nil},
	})
}

func TestBreakerOnPool(t *testing.T) {
	p := tPool("p", 10, tMember("a", 11, unset, unset))
	p.CircuitBreaker = &apim.CircuitBreaker{Pos: tpos(12), Rules: []*apim.BreakerRule{tRule(13, 0, 50, "PT1M", "PT1M", serverErrors)}}
	empty := tPool("q", 20, tMember("a", 21, unset, unset))
	empty.CircuitBreaker = &apim.CircuitBreaker{Pos: tpos(22)}
	runRuleCases(t, BreakerOnPool, []ruleCase{
		{"on pool", svcOf(tSingle("a", 1), p), nil, []want{{12, `pool "p" has a circuit breaker; .* set it on 1 member`}}},
		{"empty rules", svcOf(tSingle("a", 1), empty), nil, nil},
		{"on member", svcOf(tSingle("a", 1, tRule(2, 0, 50, "PT1M", "PT1M", serverErrors)), tPool("p", 10, tMember("a", 11, unset, unset))), nil, nil},
	})
}

func TestBreakerRetryAfterUnbounded(t *testing.T) {
	with := func(ranges [2]int, accept apim.Field[bool]) *apim.BreakerRule {
		r := tRule(10, 1, 0, "PT10S", "PT10S", ranges)
		r.AcceptRetryAfter = accept
		return r
	}
	runRuleCases(t, BreakerRetryAfterUnbounded, []ruleCase{
		{"429 with retry-after", svcOf(tSingle("openai", 1, with([2]int{429, 429}, tBool(true, 40)))), nil,
			[]want{{40, `breaker "openai" counts 429 and accepts Retry-After, as Learn recommends for Azure OpenAI; backend "openai" is in no pool.*not tripDuration PT10S`}}},
		{"range covering 429", svcOf(tSingle("openai", 1, with([2]int{400, 599}, tBool(true, 40)))), nil, []want{{40, `counts 429`}}},
		{"5xx only", svcOf(tSingle("a", 1, with(serverErrors, tBool(true, 40)))), nil, nil},
		{"not accepted", svcOf(tSingle("a", 1, with([2]int{429, 429}, tBool(false, 40)))), nil, nil},
		{"unset", svcOf(tSingle("a", 1, with([2]int{429, 429}, apim.Field[bool]{}))), nil, nil},
	})
}

func TestNumericAsString(t *testing.T) {
	r := tRule(10, 0, 50, "PT1M", "PT1M", serverErrors)
	r.FailureCondition.Percentage = tQuotedInt(50, 12)
	r.FailureCondition.Percentage.SetKey("Percentage")
	r.AcceptRetryAfter = tBool(true, 40)
	r.AcceptRetryAfter.Quoted = true
	r.AcceptRetryAfter.SetRaw("true")
	r.FailureResponse = &apim.FailureResponse{Pos: tpos(41), StatusCode: tQuotedInt(503, 41)}
	b := tSingle("a", 1, r)
	b.TLS = &apim.TLS{Pos: tpos(2), ValidateCertificateChain: tBool(true, 3)}
	b.TLS.ValidateCertificateChain.Quoted = true
	p := tPool("p", 50, tMember("a", 51, tQuotedInt(1, 51), tInt(1, 51)))
	p.PoolConfig.FailureResponse = &apim.FailureResponse{Pos: tpos(52), StatusCode: tQuotedInt(503, 52)}
	runRuleCases(t, NumericAsString, []ruleCase{
		{"quoted", svcOf(b, p), nil, []want{
			{3, `backend "a": tls.validateCertificateChain is the string "true"; write it as a JSON boolean`},
			{12, `failureCondition.percentage \(written "Percentage"\) is the string "50"; write it as a JSON number`},
			{40, `acceptRetryAfter is the string "true"`},
			{41, `failureResponse.statusCode is the string "503"`},
			{51, `backend "p": pool.services.priority is the string "1"`},
			{52, `pool.failureResponse.statusCode is the string "503"`},
		}},
		{"typed", svcOf(tSingle("a", 1, tRule(10, 0, 50, "PT1M", "PT1M", serverErrors))), nil, nil},
	})
}
