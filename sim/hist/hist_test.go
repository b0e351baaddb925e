package hist

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsAreContiguousAndTight(t *testing.T) {
	// Every duration falls in the bucket whose bounds contain it, the
	// buckets tile the axis without gaps, and a bucket is at most 1/32 of
	// its lower bound wide (about 3 %).
	prevHi := time.Duration(-1)
	for idx := uint16(0); idx < 1400; idx++ {
		lo, hi := Bounds(idx)
		if lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %v, previous ended at %v", idx, lo, prevHi)
		}
		if Index(lo) != idx || Index(hi) != idx {
			t.Fatalf("bucket %d: Index(lo)=%d Index(hi)=%d", idx, Index(lo), Index(hi))
		}
		if lo >= 64*time.Microsecond && float64(hi-lo+1) > float64(lo)/32+1 {
			t.Fatalf("bucket %d [%v, %v] is wider than 1/32 of its start", idx, lo, hi)
		}
		prevHi = hi
	}
}

func TestQuantileAgainstSortedSample(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	var sample []time.Duration
	for range 10000 {
		d := time.Duration(rng.ExpFloat64() * float64(30*time.Millisecond))
		sample = append(sample, d)
		h.Record(d)
	}
	slices.Sort(sample)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := sample[int(q*float64(len(sample))+0.999999999)-1]
		got := h.Quantile(q)
		// The histogram answers with its bucket's upper bound: never below
		// the exact quantile, at most one bucket (3.2 %) above it.
		if got < exact.Truncate(time.Microsecond) || float64(got) > float64(exact)*1.033+float64(time.Microsecond) {
			t.Errorf("q%.3f = %v, exact %v", q, got, exact)
		}
	}
	if h.Max() != sample[len(sample)-1] || h.Min() != sample[0] || h.Count() != 10000 {
		t.Errorf("max %v min %v count %d", h.Max(), h.Min(), h.Count())
	}
}

// TestMergeIsExact: N histograms of a split sample add up to the histogram
// of the whole sample, in any order and grouping.
func TestMergeIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 50 {
		n := 1 + rng.IntN(6)
		parts := make([]*Histogram, n)
		for i := range parts {
			parts[i] = &Histogram{}
		}
		var whole Histogram
		for range 1 + rng.IntN(2000) {
			d := time.Duration(rng.Int64N(int64(10 * time.Second)))
			whole.Record(d)
			parts[rng.IntN(n)].Record(d)
		}
		// Left to right.
		var a Histogram
		for _, p := range parts {
			a.Merge(p)
		}
		// Shuffled and grouped in pairs (commutative and associative).
		rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		var b Histogram
		for i := 0; i < len(parts); i += 2 {
			pair := parts[i].Clone()
			if i+1 < len(parts) {
				pair.Merge(parts[i+1])
			}
			b.Merge(pair)
		}
		for _, got := range []*Histogram{&a, &b} {
			if !equal(got, &whole) {
				t.Fatalf("trial %d: merged histogram differs from the whole sample's", trial)
			}
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var h Histogram
	for _, d := range []time.Duration{0, 5 * time.Microsecond, 3 * time.Millisecond, 3 * time.Millisecond, 2 * time.Second} {
		h.Record(d)
	}
	data, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var back Histogram
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !equal(&h, &back) {
		t.Errorf("round trip changed the histogram: %s", data)
	}
	for _, bad := range []string{
		`{"count": 2, "bins": [[1, 1]]}`,
		`{"count": 2, "bins": [[5, 1], [3, 1]]}`,
		`{"count": 1, "bins": [[99999, 1]]}`,
		// Index 1919 was accepted before: its Bounds overflowed. The
		// longest Duration (2^63-1 ns = 9,223,372,036,854,775 µs) is in
		// bucket 48*32 + (v>>48 = 32) = 1568, the last one.
		`{"count": 1, "minNs": 0, "maxNs": 0, "bins": [[1919, 1]]}`,
		`{"count": 1, "bins": [[1569, 1]]}`,
		// An empty bin is never written.
		`{"count": 1, "minNs": 5000, "maxNs": 5000, "sumNs": 5000, "bins": [[5, 1], [6, 0]]}`,
		// min and max outside their bins: bucket 5 holds 5,000–5,999 ns.
		`{"count": 1, "minNs": 4999, "maxNs": 5000, "sumNs": 5000, "bins": [[5, 1]]}`,
		`{"count": 1, "minNs": 5000, "maxNs": 6000, "sumNs": 5000, "bins": [[5, 1]]}`,
		`{"count": 2, "minNs": 5000, "maxNs": 4000, "sumNs": 9000, "bins": [[5, 2]]}`,
		// sum outside count×min … count×max (2×5,000 … 2×5,500).
		`{"count": 2, "minNs": 5000, "maxNs": 5500, "sumNs": 20000, "bins": [[5, 2]]}`,
		`{"count": 2, "minNs": 5000, "maxNs": 5500, "sumNs": 9999, "bins": [[5, 2]]}`,
		// Empty, yet with statistics.
		`{"count": 0, "sumNs": 7, "bins": []}`,
		`{"count": 0, "maxNs": 7, "bins": []}`,
	} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

// TestLongestDuration: the last bucket holds the longest Duration and its
// bounds do not overflow (1568 derived by hand in TestJSONRoundTrip).
func TestLongestDuration(t *testing.T) {
	if got := Index(math.MaxInt64); got != 1568 {
		t.Fatalf("Index(MaxInt64) = %d, want 1568", got)
	}
	lo, hi := Bounds(1568)
	// base 32<<48 µs = 9,007,199,254,740,992 µs.
	if lo != 9007199254740992*time.Microsecond || hi != math.MaxInt64 {
		t.Errorf("Bounds(1568) = %d, %d", lo, hi)
	}
	var h Histogram
	h.Record(math.MaxInt64)
	data, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var back Histogram
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	if back.Quantile(0.99) != math.MaxInt64 {
		t.Errorf("p99 = %d", back.Quantile(0.99))
	}
}

func equal(a, b *Histogram) bool {
	return slices.Equal(a.bins, b.bins) && a.count == b.count && a.sum == b.sum && a.min == b.min && a.max == b.max
}
