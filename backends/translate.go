package backends

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/clock"
	"github.com/apimlab/apimlab/pool"
)

// DefaultFailureStatus is what the gateway answers, without calling a
// backend, while a Single backend's breaker is open or no member of a pool
// is available, unless failureResponse.statusCode says otherwise.
const DefaultFailureStatus = http.StatusServiceUnavailable

// Options configure New and the translations. The zero value is usable.
type Options struct {
	// Clock is the breakers' clock. If nil, clock.Real.
	Clock clock.Clock
	// Model is what a breaker does after its trip duration; the zero value
	// is breaker.ModelReset (Azure's documented behaviour).
	Model breaker.Model
	// TransportErrors says when a transport error is a failure; the zero
	// value is breaker.TransportAlways.
	TransportErrors breaker.TransportErrors
	// MinRequests is the minimum number of requests before a percentage
	// condition is evaluated. 0 means breaker.DefaultMinRequests.
	MinRequests int
	// OnTransition, if non-nil, receives every breaker transition of the
	// Set (Event.Backend names the backend; Set.Lookup finds it). It runs
	// outside the breaker's lock, on the request path: keep it quick.
	OnTransition func(breaker.Event)
	// MaxSessions bounds each pool's session-affinity table. 0 means
	// pool.DefaultMaxSessions.
	MaxSessions int
}

// BreakerSpec is a circuit breaker rule as apimlab runs it.
type BreakerSpec struct {
	// Settings are the breaker's settings: Name, Count or Percentage,
	// MinRequests, Interval, TripDuration, StatusRanges, ErrorReasons,
	// AcceptRetryAfter, Model and TransportErrors. Now and OnTransition are left nil.
	Settings breaker.Settings
	// FailureStatus is what the gateway answers while the breaker is open:
	// the rule's failureResponse.statusCode, else DefaultFailureStatus.
	FailureStatus int
	// Rule is the translated rule and Index its position in
	// circuitBreaker.rules.
	Rule  *apim.BreakerRule
	Index int
}

// BreakerSpecOf translates the circuit breaker of b: its first rule, as
// Azure evaluates one rule per backend. It returns nil when b has no rule
// or the rule cannot be used (see the problems). A backend with several
// rules gets a SeveralRules note with the spec.
func BreakerSpecOf(b *apim.Backend, o Options) (*BreakerSpec, []Problem) {
	cb := b.CircuitBreaker
	if cb == nil || len(cb.Rules) == 0 {
		return nil, nil
	}
	var notes []Problem
	if len(cb.Rules) > 1 {
		notes = append(notes, Problem{Kind: SeveralRules, Backend: b.Name, Field: "circuitBreaker.rules", Pos: cb.Pos,
			Msg: fmt.Sprintf("%d circuit breaker rules; Azure evaluates one, apimlab uses the first", len(cb.Rules))})
	}
	spec, ps := RuleSpec(b, 0, o)
	if len(ps) > 0 {
		return nil, append(notes, ps...)
	}
	return &spec, notes
}

// RuleSpec translates rule i of b's circuit breaker. Lint uses it for every
// rule; the gateway runs the first (BreakerSpecOf). The spec is only
// meaningful when no problem is returned.
func RuleSpec(b *apim.Backend, i int, o Options) (BreakerSpec, []Problem) {
	ps := &problems{backend: b.Name}
	path := "circuitBreaker.rules[" + strconv.Itoa(i) + "]" // one allocation (lint translates every rule)
	var r *apim.BreakerRule
	if b.CircuitBreaker != nil && i >= 0 && i < len(b.CircuitBreaker.Rules) {
		r = b.CircuitBreaker.Rules[i]
	}
	spec := BreakerSpec{Rule: r, Index: i, FailureStatus: DefaultFailureStatus}
	if r == nil {
		ps.add(Missing, path, b.Pos, nil, "%s does not exist", path)
		return spec, ps.list
	}
	if fr := r.FailureResponse; fr != nil && fr.StatusCode.Known() {
		spec.FailureStatus = fr.StatusCode.Value
	}
	fc := r.FailureCondition
	if fc == nil {
		ps.add(Invalid, path+".failureCondition", r.Pos, nil, "circuit breaker rule has no failureCondition")
		return spec, ps.list
	}
	s := breaker.Settings{
		Name:             b.Name,
		MinRequests:      o.MinRequests,
		AcceptRetryAfter: r.AcceptRetryAfter.Or(false),
		Model:            o.Model,
		TransportErrors:  o.TransportErrors,
	}
	// count and percentage are exclusive: an unset one is 0 (breaker
	// validation reports neither or both).
	s.Count = threshold(ps, fc.Count, path, "count", fc.Pos)
	s.Percentage = threshold(ps, fc.Percentage, path, "percentage", fc.Pos)
	s.Interval, _ = durationOf(ps, fc.Interval, path, ".failureCondition.interval", "failureCondition.interval", fc.Pos)
	s.TripDuration, _ = durationOf(ps, r.TripDuration, path, ".tripDuration", "tripDuration", r.Pos)
	for j, sr := range fc.StatusCodeRanges {
		if !sr.Min.Known() || !sr.Max.Known() {
			k := Missing
			if sr.Min.Unknown() != "" || sr.Max.Unknown() != "" {
				k = Unresolved
			}
			pos := sr.Pos
			if !pos.IsValid() {
				pos = fc.Pos
			}
			ps.add(k, fmt.Sprintf("%s.failureCondition.statusCodeRanges[%d]", path, j), pos, nil, "statusCodeRanges entry is unset or unresolved")
			continue
		}
		s.StatusRanges = append(s.StatusRanges, [2]int{sr.Min.Value, sr.Max.Value})
	}
	// An unresolved error reason cannot match a reason the gateway raises:
	// it is left out (lint reports unresolved values on their own).
	for _, er := range fc.ErrorReasons {
		if er.Known() {
			s.ErrorReasons = append(s.ErrorReasons, er.Value)
		}
	}
	if len(ps.list) == 0 {
		if err := s.Validate(); err != nil {
			ps.add(Invalid, path, r.Pos, err, "%s", strings.TrimPrefix(err.Error(), breaker.ErrInvalidSettings.Error()+": "))
		}
	}
	spec.Settings = s
	return spec, ps.list
}

// threshold is a failure condition's count or percentage (name), 0 when
// unset; an unresolved one is reported.
func threshold(ps *problems, v apim.Field[int], path, name string, fallback apim.Position) int {
	if v.Unknown() != "" {
		ps.add(Unresolved, path+".failureCondition."+name, v.At(fallback), nil, "failureCondition.%s is unresolved: %s", name, v.Unknown())
		return 0
	}
	return v.Or(0)
}

// durationOf returns a known, parsed ISO-8601 duration, or reports why not
// at path+suffix (joined only then).
func durationOf(ps *problems, d apim.Duration, path, suffix, name string, fallback apim.Position) (time.Duration, bool) {
	if d.Known() && d.Err == nil {
		return d.D, true
	}
	if fieldProblem(ps, d.Field, path+suffix, name, fallback) {
		return 0, false
	}
	ps.add(Invalid, path+suffix, d.At(fallback), d.Err, "%s %q: %v", name, d.Value, d.Err)
	return 0, false
}

// DefaultWeight is the weight of a pool member whose weight is unset (or
// null). Azure documents no default ("can be also null if the value not
// specified"; without weights "requests are distributed evenly"): apimlab
// chooses 1, as nginx, Envoy and HAProxy do, so an all-unset group is
// round-robin and, in a group mixing set and unset weights, an unset
// member counts as weight 1 (docs/semantics.md). An explicit 0 is kept:
// such a member gets no traffic while a weighted member of its group is
// available (see package pool).
const DefaultWeight = 1

// Weight returns the weight a pool member runs with: its value when set,
// DefaultWeight when unset or null. Callers check Known/Unknown first when
// an unresolved value must be told apart. Lint and the gateway both use
// it, so a pool's shares never differ between them.
func Weight(f apim.Field[int]) int { return f.Or(DefaultWeight) }

// Priority returns the priority a pool member runs with: its value when
// set, pool.DefaultPriority (the highest) when unset or null.
func Priority(f apim.Field[int]) int { return f.Or(pool.DefaultPriority) }

// MemberSpec is one pool member as apimlab runs it.
type MemberSpec struct {
	// Member holds the member's backend name, priority and weight
	// (Available is nil: New wires the member's breaker).
	pool.Member
	// Source is the member as written and Index its position in
	// pool.services.
	Source *apim.PoolMember
	Index  int
}

// PoolMembers translates the members of pool backend b: the backend name
// (the loader's resolution, else the last segment of the id), priority and
// weight (Priority, Weight). A member with a problem is left out, so the
// result is always valid input for pool.New; an empty pool is a Missing
// problem. It does not check that members name backends of the service
// (New does).
func PoolMembers(b *apim.Backend) ([]MemberSpec, []Problem) {
	ps := &problems{backend: b.Name}
	pc := b.PoolConfig
	if pc == nil || len(pc.Services) == 0 {
		pos := b.Pos
		if pc != nil && pc.Pos.IsValid() {
			pos = pc.Pos
		}
		ps.add(Missing, "pool.services", pos, nil, "pool has no services")
		return nil, ps.list
	}
	out := make([]MemberSpec, 0, len(pc.Services))
	for j, m := range pc.Services {
		path := fmt.Sprintf("pool.services[%d]", j)
		n := len(ps.list)
		name := m.Name
		if name == "" && m.ID.Known() {
			name = m.ID.Value[strings.LastIndexByte(m.ID.Value, '/')+1:]
		}
		if name == "" {
			if !fieldProblem(ps, m.ID, path+".id", "id", m.Pos) {
				ps.add(Invalid, path+".id", m.ID.At(m.Pos), nil, "pool member id %q names no backend", m.ID.Value)
			}
		}
		prio := rangeField(ps, m.Priority, path+".priority", "priority", m.Pos, pool.MaxPriority)
		weight := rangeField(ps, m.Weight, path+".weight", "weight", m.Pos, pool.MaxWeight)
		if len(ps.list) > n {
			continue
		}
		out = append(out, MemberSpec{
			Member: pool.Member{Name: name, Priority: Priority(prio), Weight: Weight(weight)},
			Source: m, Index: j,
		})
	}
	return out, ps.list
}

// rangeField reports an unresolved or out-of-range 0..max value and
// returns f (unset stays unset: the default applies).
func rangeField(ps *problems, f apim.Field[int], path, name string, fallback apim.Position, hi int) apim.Field[int] {
	switch {
	case f.Unknown() != "":
		ps.add(Unresolved, path, f.At(fallback), nil, "%s is unresolved: %s", name, f.Unknown())
	case f.Known() && (f.Value < 0 || f.Value > hi):
		ps.add(Invalid, path, f.At(fallback), pool.ErrInvalidPool, "%s %d is not in 0..%d", name, f.Value, hi)
	}
	return f
}

// Shares returns each member's static share of the pool's traffic when
// every member is available, computed by the pool package itself (the
// split Select delivers over a full cycle). The shares are in member
// order.
func Shares(members []MemberSpec) ([]pool.Share, error) {
	pm := make([]pool.Member, len(members))
	for i, m := range members {
		pm[i] = m.Member
		pm[i].Available = nil
	}
	p, err := pool.New(pm)
	if err != nil {
		return nil, err
	}
	return p.Shares(), nil
}
