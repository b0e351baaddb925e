package sim

import (
	"math"
	"math/rand/v2"
	"time"
)

// Arrival processes.
const (
	ArrivalsUniform = "uniform"
	ArrivalsPoisson = "poisson"
)

// RateAt returns the phase's requested rate (per second) at offset t into
// the phase.
func (ph *Phase) RateAt(t time.Duration) float64 {
	switch {
	case ph.Rate != nil:
		return *ph.Rate
	case ph.Ramp != nil:
		f := t.Seconds() / ph.Duration.D().Seconds()
		return ph.Ramp.From + (ph.Ramp.To-ph.Ramp.From)*f
	case ph.Sine != nil:
		return ph.Sine.Mean + ph.Sine.Amplitude*math.Sin(2*math.Pi*t.Seconds()/ph.Sine.Period.D().Seconds())
	default:
		r := 0.0
		for _, s := range ph.Steps {
			if t >= s.After.D() {
				r = s.Rate
			}
		}
		return r
	}
}

// Expected returns the expected number of requests from the phase's start
// to offset t (the integral of RateAt).
func (ph *Phase) Expected(t time.Duration) float64 {
	x := t.Seconds()
	switch {
	case ph.Rate != nil:
		return *ph.Rate * x
	case ph.Ramp != nil:
		d := ph.Duration.D().Seconds()
		return ph.Ramp.From*x + (ph.Ramp.To-ph.Ramp.From)*x*x/(2*d)
	case ph.Sine != nil:
		p := ph.Sine.Period.D().Seconds()
		return ph.Sine.Mean*x + ph.Sine.Amplitude*p/(2*math.Pi)*(1-math.Cos(2*math.Pi*x/p))
	default:
		n := 0.0
		for i, s := range ph.Steps {
			from := s.After.D().Seconds()
			if x <= from {
				break
			}
			to := x
			if i+1 < len(ph.Steps) {
				to = min(x, ph.Steps[i+1].After.D().Seconds())
			}
			n += s.Rate * (to - from)
		}
		return n
	}
}

// Arrivals generates a phase's request instants (offsets into the phase)
// in order: evenly spaced in expected-count space for uniform arrivals (the
// k-th request at Expected⁻¹(k), as vegeta's pacers place hits), or a
// non-homogeneous Poisson process by time rescaling (exponential gaps of
// mean 1 in expected-count space) drawn from rng. Both engines use it, so
// they see the same arrivals for the same seed.
type Arrivals struct {
	ph      *Phase
	poisson bool
	rng     *rand.Rand
	target  float64 // expected-count of the next arrival
	last    time.Duration
	end     time.Duration
	total   float64
	// stride and skip select a shard's arrivals: every stride-th, skipping
	// the first skip (see Shard).
	stride, skip int
}

// Shard makes a return only the arrivals of shard index out of count:
// arrivals index, index+count, index+2·count… of the whole phase. All
// shards draw the same sequence (same seed), so together they send
// exactly the whole phase's arrivals, interleaved.
func (a *Arrivals) Shard(index, count int) *Arrivals {
	if count > 1 {
		a.stride, a.skip = count, index
	}
	return a
}

// NewArrivals returns the arrival process of ph; rng is used for Poisson
// arrivals only and must not be shared with other goroutines.
func NewArrivals(ph *Phase, rng *rand.Rand) *Arrivals {
	a := &Arrivals{ph: ph, poisson: ph.Arrivals == ArrivalsPoisson, rng: rng, end: ph.Duration.D()}
	a.total = ph.Expected(a.end)
	if a.poisson {
		a.target = rng.ExpFloat64()
	} else {
		a.target = 0
	}
	return a
}

// Next returns the next arrival's offset into the phase, false when the
// phase is over.
func (a *Arrivals) Next() (time.Duration, bool) {
	if a.stride <= 1 {
		return a.next()
	}
	for ; a.skip > 0; a.skip-- {
		if _, ok := a.next(); !ok {
			return 0, false
		}
	}
	a.skip = a.stride - 1
	return a.next()
}

func (a *Arrivals) next() (time.Duration, bool) {
	if a.target >= a.total-1e-9 {
		return 0, false
	}
	t := a.solve(a.target)
	if t >= a.end {
		return 0, false
	}
	if a.poisson {
		a.target += a.rng.ExpFloat64()
	} else {
		a.target++
	}
	a.last = t
	return t, true
}

// Count returns the number of arrivals uniform arrivals give the phase
// (Poisson gives this many on average).
func (ph *Phase) Count() int {
	n := ph.Expected(ph.Duration.D())
	return int(math.Ceil(n - 1e-9))
}

// solve returns the least t >= a.last with Expected(t) >= target, to the
// nanosecond: closed form for a constant rate, bisection otherwise
// (Expected is monotone because rates are never negative).
func (a *Arrivals) solve(target float64) time.Duration {
	if a.ph.Rate != nil {
		if *a.ph.Rate <= 0 {
			return a.end
		}
		return time.Duration(math.Ceil(target / *a.ph.Rate * 1e9))
	}
	lo, hi := a.last, a.end
	if a.ph.Expected(hi) < target {
		return a.end
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if a.ph.Expected(mid) >= target {
			hi = mid
		} else {
			lo = mid
		}
	}
	if a.ph.Expected(lo) >= target {
		return lo
	}
	return hi
}

// Pacer adapts a phase's arrivals to vegeta's Pacer interface (Pace and
// Rate), for wall-clock runs: hit n is due at the n-th arrival offset, so
// a wall-clock run and a virtual one send the same requests at the same
// instants of scenario time. speed > 1 compresses the timeline.
type Pacer struct {
	arr   *Arrivals
	n     uint64        // arrivals drawn so far
	cur   time.Duration // offset of arrival n-1
	speed float64
}

// NewPacer returns a pacer over ph's arrivals; speed 0 means 1.
func NewPacer(ph *Phase, rng *rand.Rand, speed float64) *Pacer {
	return NewPacerOf(NewArrivals(ph, rng), speed)
}

// NewPacerOf returns a pacer over the given arrivals; speed 0 means 1.
func NewPacerOf(arr *Arrivals, speed float64) *Pacer {
	if speed <= 0 {
		speed = 1
	}
	return &Pacer{arr: arr, speed: speed}
}

// Pace implements vegeta.Pacer: the wait before hit number hits (counted
// from 0), and whether the phase is over. vegeta asks for hits in
// increasing order.
func (p *Pacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	for p.n <= hits {
		t, ok := p.arr.Next()
		if !ok {
			return 0, true
		}
		p.cur = t
		p.n++
	}
	at := time.Duration(float64(p.cur) / p.speed)
	if at <= elapsed {
		return 0, false
	}
	return at - elapsed, false
}

// Rate implements vegeta.Pacer: the requested rate at elapsed wall time.
func (p *Pacer) Rate(elapsed time.Duration) float64 {
	return p.arr.ph.RateAt(time.Duration(float64(elapsed)*p.speed)) * p.speed
}
