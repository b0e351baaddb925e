// Package hist is a fixed-bucket, log-linear latency histogram in the
// spirit of HdrHistogram: values are microseconds, buckets are exact below
// 64 µs and then 32 per power of two (relative error under 3.2 %). Bucket
// boundaries never depend on the data, so histograms from different
// seconds, phases, engines or machines add up exactly (Merge is
// associative and commutative); percentiles are always read from a
// histogram, never averaged.
//
// A Histogram stores only its non-empty buckets, sorted, so a second of
// traffic with a narrow latency spread costs a few bins.
package hist

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/invopop/jsonschema"
)

const (
	subBits = 5                // 32 sub-buckets per power of two
	linear  = 2 << subBits     // values below this have their own bucket (64)
	perOct  = 1 << subBits     // 32
	unit    = time.Microsecond // the recorded unit
)

// maxIdx is the bucket of the longest time.Duration: no recorded value
// lands beyond it, so a decoded histogram claiming a larger index is
// corrupt (and its Bounds would overflow).
var maxIdx = Index(math.MaxInt64)

// Bin is one non-empty bucket.
type Bin struct {
	Idx uint16
	N   uint64
}

// Histogram is a sparse log-linear histogram of durations. The zero value
// is empty and ready to use. It is not safe for concurrent use.
type Histogram struct {
	bins  []Bin // sorted by Idx
	count uint64
	sum   time.Duration
	max   time.Duration
	min   time.Duration
}

// Index returns the bucket of a duration (negative counts as 0).
func Index(d time.Duration) uint16 {
	v := uint64(max(d/unit, 0))
	if v < linear {
		return uint16(v)
	}
	shift := bits.Len64(v) - (subBits + 1)
	return uint16(shift*perOct + int(v>>uint(shift)))
}

// Bounds returns the smallest and largest duration of bucket idx. The
// last bucket's upper bound is capped at the longest time.Duration; an
// index beyond the last bucket is clamped to it.
func Bounds(idx uint16) (lo, hi time.Duration) {
	i := min(int(idx), int(maxIdx))
	if i < linear {
		return time.Duration(i) * unit, time.Duration(i)*unit + unit - 1
	}
	shift := i/perOct - 1
	base := uint64(i-shift*perOct) << uint(shift)
	next := base + 1<<uint(shift) // in units; next*unit may pass MaxInt64
	lo = time.Duration(base) * unit
	if next > uint64(math.MaxInt64/int64(unit)) {
		return lo, math.MaxInt64
	}
	return lo, time.Duration(next)*unit - 1
}

// Record adds one duration.
func (h *Histogram) Record(d time.Duration) { h.RecordN(d, 1) }

// RecordN adds n occurrences of d.
func (h *Histogram) RecordN(d time.Duration, n uint64) {
	if n == 0 {
		return
	}
	d = max(d, 0)
	h.add(Index(d), n)
	if h.count == 0 || d < h.min {
		h.min = d
	}
	h.count += n
	h.sum += d * time.Duration(n)
	h.max = max(h.max, d)
}

func (h *Histogram) add(idx uint16, n uint64) {
	// Most recordings hit an existing bin. A plain binary search (rather
	// than slices.BinarySearchFunc with a comparison func) keeps this
	// cheap: the model engine records three latencies per simulated
	// request.
	lo, hi := 0, len(h.bins)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if h.bins[m].Idx < idx {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo
	if i < len(h.bins) && h.bins[i].Idx == idx {
		h.bins[i].N += n
		return
	}
	h.bins = slices.Insert(h.bins, i, Bin{Idx: idx, N: n})
}

// Merge adds every count of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.count == 0 {
		return
	}
	for _, b := range o.bins {
		h.add(b.Idx, b.N)
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	h.count += o.count
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// Count returns the number of recorded values.
func (h *Histogram) Count() uint64 { return h.count }

// Max returns the largest recorded value (exact).
func (h *Histogram) Max() time.Duration { return h.max }

// Min returns the smallest recorded value (exact).
func (h *Histogram) Min() time.Duration { return h.min }

// Mean returns the exact mean.
func (h *Histogram) Mean() time.Duration {
	if h.count == 0 {
		return 0
	}
	return h.sum / time.Duration(h.count)
}

// Bins returns the non-empty buckets in order (shared; do not modify).
func (h *Histogram) Bins() []Bin { return h.bins }

// Quantile returns the q-quantile (0..1): the upper bound of the bucket
// holding the ceil(q*count)-th value, capped at the exact maximum (HDR's
// "highest equivalent value"). 0 for an empty histogram.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	rank := uint64(q*float64(h.count) + 0.999999999)
	rank = min(max(rank, 1), h.count)
	var seen uint64
	for _, b := range h.bins {
		seen += b.N
		if seen >= rank {
			_, hi := Bounds(b.Idx)
			return min(hi, h.max)
		}
	}
	return h.max
}

// Reset empties h, keeping its storage.
func (h *Histogram) Reset() { *h = Histogram{bins: h.bins[:0]} }

// Clone returns a deep copy.
func (h *Histogram) Clone() *Histogram {
	c := *h
	c.bins = slices.Clone(h.bins)
	return &c
}

// wire is the JSON form: bins as [index, count] pairs plus exact
// statistics, so a merged histogram is exactly the one of the whole sample.
type wire struct {
	Count uint64      `json:"count"`
	SumNS int64       `json:"sumNs"`
	MinNS int64       `json:"minNs"`
	MaxNS int64       `json:"maxNs"`
	Bins  [][2]uint64 `json:"bins"`
}

// MarshalJSON implements json.Marshaler.
func (h Histogram) MarshalJSON() ([]byte, error) {
	w := wire{Count: h.count, SumNS: int64(h.sum), MinNS: int64(h.min), MaxNS: int64(h.max), Bins: make([][2]uint64, len(h.bins))}
	for i, b := range h.bins {
		w.Bins[i] = [2]uint64{uint64(b.Idx), b.N}
	}
	return json.Marshal(w)
}

// UnmarshalJSON implements json.Unmarshaler. It accepts only what
// MarshalJSON can produce: bins non-empty, in range, strictly increasing
// and adding up to the count; min and max inside the first and last bins;
// the sum between count×min and count×max; an empty histogram all zero.
// A corrupt file (or a hand-edited shard) is refused rather than merged
// into percentiles that no run produced.
func (h *Histogram) UnmarshalJSON(data []byte) error {
	var w wire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	out := Histogram{count: w.Count, sum: time.Duration(w.SumNS), min: time.Duration(w.MinNS), max: time.Duration(w.MaxNS)}
	var total uint64
	for i, b := range w.Bins {
		if b[0] > uint64(maxIdx) {
			return fmt.Errorf("histogram: bin index %d out of range (0–%d)", b[0], maxIdx)
		}
		if b[1] == 0 {
			return fmt.Errorf("histogram: bin %d has count 0 (only non-empty bins are stored)", b[0])
		}
		if i > 0 && b[0] <= w.Bins[i-1][0] {
			return fmt.Errorf("histogram: bins not in increasing order at %d", i)
		}
		if total+b[1] < total {
			return fmt.Errorf("histogram: bin counts overflow")
		}
		out.bins = append(out.bins, Bin{Idx: uint16(b[0]), N: b[1]})
		total += b[1]
	}
	if total != w.Count {
		return fmt.Errorf("histogram: bins add up to %d, count says %d", total, w.Count)
	}
	if err := out.checkStats(); err != nil {
		return err
	}
	*h = out
	return nil
}

// checkStats checks the exact statistics against the bins.
func (h *Histogram) checkStats() error {
	if h.count == 0 {
		if h.sum != 0 || h.min != 0 || h.max != 0 {
			return fmt.Errorf("histogram: empty, but sum/min/max are not 0")
		}
		return nil
	}
	if h.min < 0 || h.max < h.min {
		return fmt.Errorf("histogram: min %d ns and max %d ns are not 0 ≤ min ≤ max", h.min, h.max)
	}
	if lo, hi := Bounds(h.bins[0].Idx); h.min < lo || h.min > hi {
		return fmt.Errorf("histogram: min %d ns is outside its first bin [%d, %d] ns", h.min, lo, hi)
	}
	if lo, hi := Bounds(h.bins[len(h.bins)-1].Idx); h.max < lo || h.max > hi {
		return fmt.Errorf("histogram: max %d ns is outside its last bin [%d, %d] ns", h.max, lo, hi)
	}
	// count×min ≤ sum ≤ count×max, in floating point: the products may
	// exceed int64 where the sum itself does not.
	n, sum := float64(h.count), float64(h.sum)
	if sum < n*float64(h.min)*(1-1e-12) || sum > n*float64(h.max)*(1+1e-12) {
		return fmt.Errorf("histogram: sum %d ns is not between count×min and count×max", h.sum)
	}
	return nil
}

// JSONSchema describes the JSON form of a Histogram (for the result
// schema): exact statistics and the non-empty bins as [index, count].
func (Histogram) JSONSchema() *jsonschema.Schema {
	props := jsonschema.NewProperties()
	for _, k := range []string{"count", "sumNs", "minNs", "maxNs"} {
		props.Set(k, &jsonschema.Schema{Type: "integer", Minimum: json.Number("0")})
	}
	pair := &jsonschema.Schema{Type: "array", Items: &jsonschema.Schema{Type: "integer", Minimum: json.Number("0")}}
	props.Set("bins", &jsonschema.Schema{Type: "array", Items: pair})
	return &jsonschema.Schema{Type: "object", Properties: props, Required: []string{"count", "bins"}, AdditionalProperties: jsonschema.FalseSchema}
}
