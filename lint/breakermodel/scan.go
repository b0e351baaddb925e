package breakermodel

import "math"

// countScan answers questions about a sliding window of length w seconds
// over a Poisson stream of failures with rate lambda per second: how long,
// from an empty window, until some window holds k failures?
//
// It uses Naus's (1982) approximation for the Poisson scan statistic
// (Glaz, Naus & Wallenstein, "Scan Statistics", 2001, §2): with ψ = λw,
// L = T/w and F, p the Poisson(ψ) cdf and pmf,
//
//	P(no window in [0,T] holds k) ≈ Q2 · (Q3/Q2)^(L−2)
//
// where Q2 and Q3 are the (closed-form) probabilities for T = 2w and 3w.
// The geometric tail is what turns "probability that one window trips"
// into a rate that accounts for windows sliding (overlapping windows are
// not independent, and a fixed-window count misses bursts that straddle a
// boundary).
type countScan struct {
	lambda, w float64
	pois      *poisson
}

func newCountScan(lambda, w float64) *countScan {
	return &countScan{lambda: lambda, w: w, pois: newPoisson(lambda * w)}
}

// q2q3 returns Naus's Q2 and Q3 for threshold k.
func (c *countScan) q2q3(k int) (q2, q3 float64) {
	F, p, psi := c.pois.cdf, c.pois.pmf, c.pois.mean
	kf := float64(k)
	pk := p(k)
	q2 = F(k-1)*F(k-1) - (kf-1)*pk*p(k-2) - (kf-1-psi)*pk*F(k-3)

	a1 := 2 * pk * F(k-1) * ((kf-1)*F(k-2) - psi*F(k-3))
	a2 := 0.5 * pk * pk * ((kf-1)*(kf-2)*F(k-3) - 2*(kf-2)*psi*F(k-4) + psi*psi*F(k-5))
	// A3 = Σ_{r=1}^{k−1} p(2k−r)·F(r−1)²; p(2k−r) vanishes outside the table.
	a3 := 0.0
	for r := max(1, 2*k-c.pois.hi); r <= min(k-1, 2*k-c.pois.lo); r++ {
		fr := F(r - 1)
		a3 += p(2*k-r) * fr * fr
	}
	// A4 = Σ_{r=2}^{k−1} p(2k−r)·p(r)·[(r−1)·F(r−2) − ψ·F(r−3)].
	a4 := 0.0
	for r := max(2, 2*k-c.pois.hi, c.pois.lo); r <= min(k-1, 2*k-c.pois.lo, c.pois.hi); r++ {
		a4 += p(2*k-r) * p(r) * (float64(r-1)*F(r-2) - psi*F(r-3))
	}
	f1 := F(k - 1)
	q3 = f1*f1*f1 - a1 + a2 + a3 - a4
	return q2, q3
}

// meanTimeToTrip returns the expected number of seconds, starting from an
// empty window, until a window of length w holds k failures; +Inf when the
// failure rate is zero or k is out of reach.
//
// E[T] = ∫ P(T > t) dt in three parts:
//   - t ≤ w: P(T > t) = P(N(t) < k) exactly, so the part is E[min(Tₖ, w)]
//     with Tₖ ~ Gamma(k, λ): (k/λ)·P(N(w) ≥ k+1) + w·P(N(w) ≤ k−1);
//   - w < t ≤ 2w: log-linear between P(N(w) < k) and Q2;
//   - t > 2w: the geometric tail Q2·(Q3/Q2)^(t/w−2), integral Q2·w/ln(Q2/Q3).
//
// Where the approximation breaks down (Q3 ≥ Q2 from rounding in the very
// rare regime, or non-positive values when tripping is near certain) the
// result falls back to the bounds it sits between.
func (c *countScan) meanTimeToTrip(k int) float64 {
	if k < 1 {
		k = 1
	}
	if c.lambda <= 0 || c.w <= 0 {
		return math.Inf(1)
	}
	if k-1 > c.pois.hi {
		// Fewer than e⁻⁵⁰ of windows reach k: never, for any practical day.
		return math.Inf(1)
	}
	kf := float64(k)
	f1 := c.pois.cdf(k - 1) // P(first window from empty does not trip)
	first := kf/c.lambda*c.pois.tail(k+1) + c.w*f1
	if f1 <= 0 {
		return first
	}
	q2, q3 := c.q2q3(k)
	if q2 <= 0 || q3 <= 0 || q2 > f1 {
		// Tripping is near certain within 2w; renewal bound on blocks of w.
		return first / (1 - f1)
	}
	var second float64
	if r := f1 / q2; r > 1+1e-12 {
		second = c.w * (f1 - q2) / math.Log(r)
	} else {
		second = c.w * f1
	}
	ratio := q3 / q2
	if ratio >= 1 {
		// Below float64 resolution: the per-window trip rate is < 1e-15.
		return math.Inf(1)
	}
	third := q2 * c.w / -math.Log(ratio)
	return first + second + third
}
