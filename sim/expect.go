package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Evaluate checks the expectations of r.Scenario against r again (after a
// merge of shards, say) and sets r.Assertions and r.Passed.
func Evaluate(r *Result) {
	r.Assertions = evaluate(r.Scenario, r)
	r.Passed = true
	for _, a := range r.Assertions {
		r.Passed = r.Passed && a.Passed
	}
}

// evaluate checks every expectation of sc against res.
func evaluate(sc *Scenario, res *Result) []AssertionResult {
	if sc == nil {
		return nil
	}
	openHits := map[seriesKey]uint64{}
	for _, o := range res.OpenAttempts {
		openHits[seriesKey{o.Backend, o.Instance}] += o.Count
	}
	out := make([]AssertionResult, 0, len(sc.Expect))
	for i, e := range sc.Expect {
		a := evaluateOne(sc, res, e, openHits)
		if e.Name != "" {
			a.Name = e.Name
		}
		if a.Name == "" {
			a.Name = fmt.Sprintf("expect[%d]", i)
		}
		out = append(out, a)
	}
	return out
}

func evaluateOne(sc *Scenario, res *Result, e *Expectation, openHits map[seriesKey]uint64) AssertionResult {
	switch {
	case e.Breaker != nil:
		return expectBreaker(sc, res, e.Breaker)
	case e.Traffic != nil:
		return expectTraffic(res, e.Traffic)
	case e.Failover != nil:
		return expectFailover(sc, res, e.Failover)
	case e.Clients != nil:
		return expectClients(res, e.Clients)
	case e.Latency != nil:
		return expectLatency(res, e.Latency)
	case e.NoTraffic != nil:
		return expectNoTraffic(sc, res, e.NoTraffic, openHits)
	case e.Rate != nil:
		return expectRate(res, e.Rate)
	}
	return AssertionResult{Kind: "invalid", Observed: "empty expectation"}
}

// instances returns the instances an expectation is about.
func instances(sc *Scenario, only *int) []int {
	if only != nil {
		return []int{*only}
	}
	out := make([]int, sc.Instances())
	for i := range out {
		out[i] = i
	}
	return out
}

// transitionsOf returns the transitions of backend on instance, in order.
func transitionsOf(res *Result, backend string, instance int) []Transition {
	var out []Transition
	for _, t := range res.Transitions {
		if strings.EqualFold(t.Backend, backend) && t.Instance == instance {
			out = append(out, t)
		}
	}
	return out
}

func firstOpen(ts []Transition) (Duration, bool) {
	for _, t := range ts {
		if t.To == StateOpen {
			return t.At, true
		}
	}
	return 0, false
}

func instLabel(sc *Scenario, i int) string {
	if sc.Instances() == 1 {
		return ""
	}
	return fmt.Sprintf(" (instance %d)", i)
}

func expectBreaker(sc *Scenario, res *Result, b *BreakerExpect) AssertionResult {
	a := AssertionResult{Kind: "breaker", Passed: true}
	var obs []string
	for _, i := range instances(sc, b.Instance) {
		ts := transitionsOf(res, b.Backend, i)
		at, opened := firstOpen(ts)
		switch {
		case b.Opens != nil:
			a.Name = fmt.Sprintf("breaker %s opens within [%s, %s]", b.Backend, b.Opens[0], b.Opens[1])
			a.Expected = fmt.Sprintf("first open in [%s, %s]", b.Opens[0], b.Opens[1])
			if !opened {
				a.Passed = false
				obs = append(obs, "never opened"+instLabel(sc, i))
				continue
			}
			if at < b.Opens[0] || at > b.Opens[1] {
				a.Passed = false
			}
			obs = append(obs, "opened at "+at.String()+instLabel(sc, i))
		case b.StaysClosed:
			a.Name = fmt.Sprintf("breaker %s stays closed", b.Backend)
			a.Expected = "no transition to open"
			if opened {
				a.Passed = false
				obs = append(obs, "opened at "+at.String()+instLabel(sc, i))
			} else {
				obs = append(obs, "stayed closed"+instLabel(sc, i))
			}
		case b.Trips != nil:
			lo, hi := 0, -1
			if b.Trips.Min != nil {
				lo = *b.Trips.Min
			}
			if b.Trips.Max != nil {
				hi = *b.Trips.Max
			}
			a.Name = fmt.Sprintf("breaker %s trips %s", b.Backend, countRange(lo, hi))
			a.Expected = countRange(lo, hi) + " openings"
			n := 0
			for _, t := range ts {
				if t.To == StateOpen {
					n++
				}
			}
			if n < lo || (hi >= 0 && n > hi) {
				a.Passed = false
			}
			obs = append(obs, fmt.Sprintf("opened %d times%s", n, instLabel(sc, i)))
		default:
			a.Name = fmt.Sprintf("breaker %s closed by %s", b.Backend, b.ClosesBy)
			a.Expected = "closed at " + b.ClosesBy.String() + " and after"
			if len(ts) == 0 {
				obs = append(obs, "never opened"+instLabel(sc, i))
				continue
			}
			last := ts[len(ts)-1]
			if last.To != StateClosed || last.At > b.ClosesBy {
				a.Passed = false
				obs = append(obs, fmt.Sprintf("last transition %s → %s at %s%s", last.From, last.To, last.At, instLabel(sc, i)))
				continue
			}
			obs = append(obs, "closed at "+last.At.String()+instLabel(sc, i))
		}
	}
	a.Observed = strings.Join(obs, "; ")
	return a
}

func expectTraffic(res *Result, t *TrafficExpect) AssertionResult {
	a := AssertionResult{Kind: "traffic", Name: fmt.Sprintf("traffic %s in %s", t.Backend, t.Phase)}
	p, ok := res.Phase(t.Phase)
	if !ok {
		a.Observed = "no such phase in the result"
		return a
	}
	observed, expected := -1.0, -1.0
	for _, s := range p.Shares {
		if strings.EqualFold(s.Backend, t.Backend) {
			observed, expected = s.Observed, s.Expected
			break
		}
	}
	if observed < 0 { // not a pool member: share of all responses
		var n uint64
		for b, c := range p.Served {
			if strings.EqualFold(b, t.Backend) {
				n += c
			}
		}
		if p.Requests > 0 {
			observed = float64(n) / float64(p.Requests)
		} else {
			observed = 0
		}
	}
	lo, hi := 0.0, 1.0
	if t.Share.Expected {
		tol := t.Share.Tolerance
		if tol == 0 {
			tol = 0.03
		}
		if expected < 0 {
			a.Expected = "an expected share (the backend is not a pool member)"
			a.Observed = pct(observed)
			return a
		}
		lo, hi = expected-tol, expected+tol
		a.Expected = fmt.Sprintf("%s ± %s (expected from weights, priorities and breaker states)", pct(expected), pct(tol))
	} else {
		if t.Share.Min != nil {
			lo = *t.Share.Min
		}
		if t.Share.Max != nil {
			hi = *t.Share.Max
		}
		a.Expected = fmt.Sprintf("share in [%s, %s]", pct(lo), pct(hi))
	}
	a.Observed = pct(observed)
	if expected >= 0 && !t.Share.Expected {
		a.Observed += " (expected " + pct(expected) + ")"
	}
	a.Passed = observed >= lo-1e-9 && observed <= hi+1e-9
	return a
}

func expectFailover(sc *Scenario, res *Result, f *FailoverExpect) AssertionResult {
	a := AssertionResult{Kind: "failover", Name: fmt.Sprintf("failover %s → %s within %s", f.From, f.To, f.Within),
		Expected: fmt.Sprintf("%s serves within %s of %s opening", f.To, f.Within, f.From), Passed: true}
	var obs []string
	any := false
	for i := range sc.Instances() {
		at, opened := firstOpen(transitionsOf(res, f.From, i))
		if !opened {
			continue
		}
		any = true
		first, ok := firstAttemptAfter(res, f.To, i, at)
		if !ok {
			a.Passed = false
			obs = append(obs, fmt.Sprintf("%s opened at %s, %s never served afterwards%s", f.From, at, f.To, instLabel(sc, i)))
			continue
		}
		d := first - at
		if d > f.Within {
			a.Passed = false
		}
		obs = append(obs, fmt.Sprintf("%s served %s after %s opened at %s%s", f.To, d, f.From, at, instLabel(sc, i)))
	}
	if !any {
		a.Passed = false
		obs = append(obs, f.From+" never opened: no failover happened")
	}
	a.Observed = strings.Join(obs, "; ")
	return a
}

// firstAttemptAfter returns the start of the first bucket at or after at in
// which instance sent backend an attempt (at itself when that bucket
// contains at).
func firstAttemptAfter(res *Result, backend string, instance int, at Duration) (Duration, bool) {
	bucket := res.Run.Bucket.D()
	if bucket <= 0 {
		bucket = time.Second
	}
	from := int64(at.D() / bucket)
	for _, s := range res.Series {
		if !strings.EqualFold(s.Backend, backend) || s.Instance != instance {
			continue
		}
		for _, p := range s.Points {
			if p.T >= from && p.Requests > 0 {
				return max(Duration(time.Duration(p.T)*bucket), at), true
			}
		}
	}
	return 0, false
}

func expectClients(res *Result, c *ClientsExpect) AssertionResult {
	a := AssertionResult{Kind: "clients", Name: "clients in " + c.Phase, Passed: true}
	p, ok := res.Phase(c.Phase)
	if !ok {
		a.Passed, a.Observed = false, "no such phase in the result"
		return a
	}
	var exp, obs []string
	if b := c.ErrorRate; b != nil {
		lo, hi := 0.0, 1.0
		if b.Min != nil {
			lo = *b.Min
		}
		if b.Max != nil {
			hi = *b.Max
		}
		exp = append(exp, fmt.Sprintf("error rate in [%s, %s]", pct(lo), pct(hi)))
		obs = append(obs, "error rate "+pct(p.ErrorRate))
		if p.ErrorRate < lo-1e-12 || p.ErrorRate > hi+1e-12 {
			a.Passed = false
		}
	}
	codes := make([]int, 0, len(c.Status))
	for code := range c.Status {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		n := p.Status[strconv.Itoa(code)]
		exp = append(exp, fmt.Sprintf("at most %d × %d", c.Status[code], code))
		obs = append(obs, fmt.Sprintf("%d × %d", n, code))
		if n > uint64(max(c.Status[code], 0)) {
			a.Passed = false
		}
	}
	a.Expected, a.Observed = strings.Join(exp, ", "), strings.Join(obs, ", ")
	return a
}

func expectLatency(res *Result, l *LatencyExpect) AssertionResult {
	a := AssertionResult{Kind: "latency", Name: "latency in " + l.Phase, Passed: true}
	p, ok := res.Phase(l.Phase)
	if !ok {
		a.Passed, a.Observed = false, "no such phase in the result"
		return a
	}
	var exp, obs []string
	check := func(name string, bound, got Duration) {
		if bound <= 0 {
			return
		}
		exp = append(exp, name+" ≤ "+bound.String())
		obs = append(obs, name+" "+got.String())
		if got > bound {
			a.Passed = false
		}
	}
	check("p50", l.P50, p.P50)
	check("p99", l.P99, p.P99)
	check("max", l.Max, p.Max)
	a.Expected, a.Observed = strings.Join(exp, ", "), strings.Join(obs, ", ")
	return a
}

func expectNoTraffic(sc *Scenario, res *Result, n *NoTrafficExpect, openHits map[seriesKey]uint64) AssertionResult {
	a := AssertionResult{Kind: "noTraffic", Name: n.Backend + " gets no traffic while open", Expected: "0 attempts while its breaker is open", Passed: true}
	var total uint64
	for k, v := range openHits {
		if strings.EqualFold(k.backend, n.Backend) {
			total += v
		}
	}
	opened := false
	for i := range sc.Instances() {
		if _, ok := firstOpen(transitionsOf(res, n.Backend, i)); ok {
			opened = true
		}
	}
	a.Observed = fmt.Sprintf("%d attempts while open", total)
	if !opened {
		a.Observed += " (the breaker never opened)"
	}
	a.Passed = total == 0
	return a
}

func expectRate(res *Result, r *RateExpect) AssertionResult {
	a := AssertionResult{Kind: "rate", Name: "achieved rate in " + r.Phase, Expected: fmt.Sprintf("≥ %s of the requested rate", pct(r.Achieved))}
	p, ok := res.Phase(r.Phase)
	if !ok {
		a.Observed = "no such phase in the result"
		return a
	}
	share := 1.0
	if p.Requested > 0 {
		share = float64(p.Requests) / p.Requested
	}
	a.Observed = fmt.Sprintf("%s (%.1f of %.1f rps)", pct(share), p.AchievedRate, p.RequestedRate)
	a.Passed = share >= r.Achieved-1e-9
	return a
}

// pct renders a 0..1 share as a percentage with one decimal.
func pct(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" }

// countRange renders [lo, hi] bounds ("3 to 10", "at least 3", "at most 10").
func countRange(lo, hi int) string {
	switch {
	case hi < 0:
		return fmt.Sprintf("at least %d", lo)
	case lo == 0:
		return fmt.Sprintf("at most %d", hi)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}
