package backends

import (
	"errors"
	"time"

	"github.com/apimlab/apimlab/apim"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func known[T any](v T) apim.Field[T] { return apim.Field[T]{Value: v, Set: true} }

func unresolved[T any]() apim.Field[T] {
	return apim.Field[T]{Set: true}.WithUnknown("parameter p has no value")
}

func at(line int) apim.Position { return apim.Position{File: "t.json", Line: line, Col: 1} }

func dur(s string, d time.Duration) apim.Duration { return apim.Duration{Field: known(s), D: d} }

// countRule is n 5xx failures in a minute, open for trip.
func countRule(n int, trip time.Duration) *apim.BreakerRule {
	return &apim.BreakerRule{
		Pos:  at(10),
		Name: known("r"),
		FailureCondition: &apim.FailureCondition{
			Pos:              at(11),
			Count:            known(n),
			Interval:         dur("PT1M", time.Minute),
			StatusCodeRanges: []apim.StatusRange{{Min: known(500), Max: known(599)}},
		},
		TripDuration: dur("PT30S", trip),
	}
}

func single(name string, rules ...*apim.BreakerRule) *apim.Backend {
	b := &apim.Backend{Name: name, Type: known(apim.Single), URL: known("http://" + name + ".example"), Pos: at(1)}
	if len(rules) > 0 {
		b.CircuitBreaker = &apim.CircuitBreaker{Pos: at(9), Rules: rules}
	}
	return b
}

func poolOf(name string, members ...*apim.PoolMember) *apim.Backend {
	return &apim.Backend{Name: name, Type: known(apim.Pool), Pos: at(20), PoolConfig: &apim.PoolConfig{Pos: at(21), Services: members}}
}

// member is a pool member; prio or weight < 0 leaves the field unset.
func member(name string, prio, weight int) *apim.PoolMember {
	m := &apim.PoolMember{ID: known("/backends/" + name), Name: name, Pos: at(30)}
	if prio >= 0 {
		m.Priority = known(prio)
	}
	if weight >= 0 {
		m.Weight = known(weight)
	}
	return m
}

// kinds lists the kinds and fields of problems, for comparison.
func kinds(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Kind.String()+" "+p.Field)
	}
	return out
}

var errTransport = errors.New("connection refused")
