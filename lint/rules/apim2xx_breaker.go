package rules

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/backends"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/breakermodel"
)

// Helpers shared by the circuit breaker rules (APIM2xx).

// breakerRule is one circuit breaker rule with its backend.
type breakerRule struct {
	b     *apim.Backend
	rule  *apim.BreakerRule
	index int // in b.CircuitBreaker.Rules
}

// breakerRulesKey is the Pass.Memo key of breakerRules.
type breakerRulesKey struct{}

// breakerRules returns every circuit breaker rule of every backend, built
// once per lint run for the six breaker rules that ask (issue 16: a list
// per rule was 21 MB at 40,000 backends). Read-only.
func breakerRules(pass *lint.Pass) []breakerRule {
	return pass.Memo(breakerRulesKey{}, func() any { return listBreakerRules(pass.Service) }).([]breakerRule)
}

// listBreakerRules lists every circuit breaker rule of every backend.
func listBreakerRules(svc *apim.Service) []breakerRule {
	n := 0
	for _, b := range svc.Backends {
		if b.CircuitBreaker != nil {
			n += len(b.CircuitBreaker.Rules)
		}
	}
	out := make([]breakerRule, 0, n)
	for _, b := range svc.Backends {
		if b.CircuitBreaker == nil {
			continue
		}
		for i, r := range b.CircuitBreaker.Rules {
			if r != nil {
				out = append(out, breakerRule{b, r, i})
			}
		}
	}
	return out
}

// label names the breaker in messages: `breaker "orders"`, plus the rule
// name when the backend has several rules.
func (br breakerRule) label() string {
	s := fmt.Sprintf("breaker %q", br.b.Name)
	if len(br.b.CircuitBreaker.Rules) > 1 && br.rule.Name.Known() {
		s += fmt.Sprintf(" rule %q", br.rule.Name.Value)
	}
	return s
}

// condition converts a rule to the breaker model through the gateway's
// own translation (backends.RuleSpec), so lint models the breaker the
// gateway runs: same count/percentage, interval, trip duration and
// minimum requests. ok is false when the gateway could not run the rule
// (APIM201 reports why).
// conditionsKey is the Pass.Memo key of conditions.
type conditionsKey struct{ minRequests int }

// breakerCondition is the result of breakerRule.condition.
type breakerCondition struct {
	c  breakermodel.Condition
	ok bool
}

// conditions returns condition(minRequests) of every rule of
// breakerRules(pass), by index, translated once per lint run for the rules
// that model breakers (APIM203, APIM204). Read-only.
func conditions(pass *lint.Pass, minRequests int) []breakerCondition {
	return pass.Memo(conditionsKey{minRequests}, func() any {
		brs := breakerRules(pass)
		out := make([]breakerCondition, len(brs))
		for i, br := range brs {
			out[i].c, out[i].ok = br.condition(minRequests)
		}
		return out
	}).([]breakerCondition)
}

func (br breakerRule) condition(minRequests int) (c breakermodel.Condition, ok bool) {
	spec, probs := backends.RuleSpec(br.b, br.index, backends.Options{MinRequests: minRequests})
	if len(probs) > 0 {
		return c, false
	}
	s := spec.Settings
	c = breakermodel.Condition{Count: s.Count, Percentage: s.Percentage, Interval: s.Interval,
		TripDuration: s.TripDuration, MinRequests: s.MinRequests}
	return c, breakermodel.Validate(c, breakermodel.Traffic{}) == nil
}

// durationOK reports whether d is set, resolved, parsed and positive.
func durationOK(d apim.Duration) bool { return d.Known() && d.Err == nil && d.D > 0 }

// describeCondition renders "5 failures in PT1M" or "50% failures in PT1M".
func describeCondition(fc *apim.FailureCondition) string {
	if fc.Percentage.Known() {
		return fmt.Sprintf("%d%% failures in %s", fc.Percentage.Value, fc.Interval.Value)
	}
	return fmt.Sprintf("%d failures in %s", fc.Count.Value, fc.Interval.Value)
}

// thresholdPos is where the count or percentage is written.
func thresholdPos(fc *apim.FailureCondition) apim.Position {
	if fc.Percentage.Known() {
		return fc.Percentage.At(fc.Pos)
	}
	return fc.Count.At(fc.Pos)
}

// tripCache memoises the model per (condition, traffic): generated configs
// repeat the same breaker on thousands of backends.
type tripCache map[tripKey]float64

type tripKey struct {
	c   breakermodel.Condition
	rps float64
	p   float64
}

func (tc tripCache) tripsPerDay(c breakermodel.Condition, t breakermodel.Traffic) (float64, bool) {
	k := tripKey{c, t.RPS, t.FailureRate}
	if v, ok := tc[k]; ok {
		return v, !math.IsNaN(v)
	}
	v, err := breakermodel.TripsPerDay(c, t)
	if err != nil {
		v = math.NaN()
	}
	tc[k] = v
	return v, err == nil
}

// declaredTraffic reports whether .apimlab.yaml declares the expected
// request rate of backend b (globally or for b). Without it, rules whose
// verdict depends on traffic report at info severity and name the assumed
// default, so an assumption the user never made is not a warning.
func declaredTraffic(pass *lint.Pass, b *apim.Backend) bool {
	if pass.Config.Baseline.RPS > 0 {
		return true
	}
	for name, bc := range pass.Config.Backends {
		if strings.EqualFold(name, b.Name) && bc.Baseline.RPS > 0 {
			return true
		}
	}
	return false
}

// reportTraffic reports a finding whose verdict depends on backend b's
// traffic: at the rule's severity when the traffic is declared, else at
// info severity with the assumption named.
func reportTraffic(pass *lint.Pass, b *apim.Backend, pos apim.Position, fix, msg string) {
	f := lint.Finding{Pos: pos, Subject: backendSubject(b), Fix: fix, Message: msg}
	if !declaredTraffic(pass, b) {
		f.Rule, f.Name, f.Severity = pass.Rule.ID, pass.Rule.Name, lint.Info
		f.Message += " (assumed traffic: no baseline is declared for this backend in .apimlab.yaml; declare baseline.rps to make this a check)"
	}
	pass.Report(f)
}

// baselineTraffic returns the pass's baseline for backend b.
func baselineTraffic(pass *lint.Pass, b *apim.Backend) breakermodel.Traffic {
	rps, p := pass.Baseline(b.Name)
	return breakermodel.Traffic{RPS: rps, FailureRate: p}
}

// formatRate renders a rate for messages: "12.3", "1440", "0.02".
func formatRate(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
}

// formatPercent renders a 0..1 ratio as a percentage ("1%", "0.5%").
func formatPercent(p float64) string {
	return strconv.FormatFloat(p*100, 'g', 3, 64) + "%"
}
