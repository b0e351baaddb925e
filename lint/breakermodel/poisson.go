package breakermodel

import "math"

// poisson tabulates the pmf and cdf of a Poisson(mean) variable over the
// range of counts that carries any mass worth counting: [lo, hi] with
// lo = mean − 10·√mean − 10 and hi = mean + 10·√mean + 10 (tails beyond
// hold less than about e⁻⁵⁰). Outside that range pmf is 0 and cdf is 0
// below lo and 1 above hi. The table costs O(√mean) to build, so a
// condition over a day of heavy traffic stays cheap.
type poisson struct {
	mean   float64
	lo, hi int
	p, f   []float64 // pmf and cdf for lo..hi
}

func newPoisson(mean float64) *poisson {
	if mean < 0 || math.IsNaN(mean) {
		mean = 0
	}
	spread := 10*math.Sqrt(mean) + 10
	lo := int(math.Max(0, math.Floor(mean-spread)))
	hi := int(math.Ceil(mean + spread))
	t := &poisson{mean: mean, lo: lo, hi: hi, p: make([]float64, hi-lo+1), f: make([]float64, hi-lo+1)}
	cum := 0.0
	for j := lo; j <= hi; j++ {
		pj := poissonPMF(j, mean)
		cum += pj
		t.p[j-lo] = pj
		t.f[j-lo] = math.Min(cum, 1)
	}
	return t
}

// pmf returns P(X = j).
func (t *poisson) pmf(j int) float64 {
	if j < t.lo || j > t.hi {
		return 0
	}
	return t.p[j-t.lo]
}

// cdf returns P(X ≤ j).
func (t *poisson) cdf(j int) float64 {
	switch {
	case j < t.lo:
		return 0
	case j > t.hi:
		return 1
	}
	return t.f[j-t.lo]
}

// tail returns P(X ≥ j), computed from the upper side so that small tails
// keep their precision.
func (t *poisson) tail(j int) float64 {
	switch {
	case j <= t.lo:
		return 1
	case j > t.hi:
		return 0
	}
	s := 0.0
	for i := t.hi; i >= j; i-- {
		s += t.p[i-t.lo]
	}
	return math.Min(s, 1)
}

// poissonPMF returns P(X = j) for X ~ Poisson(mean).
func poissonPMF(j int, mean float64) float64 {
	switch {
	case j < 0:
		return 0
	case mean == 0 && j == 0:
		return 1
	case mean == 0:
		return 0
	}
	lg, _ := math.Lgamma(float64(j) + 1)
	return math.Exp(float64(j)*math.Log(mean) - mean - lg)
}
