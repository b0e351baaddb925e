package breaker

import (
	"math"
	"math/bits"
	"time"
)

// maxBuckets is the number of buckets of a sliding window: its granularity is
// Interval/maxBuckets.
const maxBuckets = 60

// bucket holds the outcomes recorded during one slice of the window.
type bucket struct {
	requests, failures int
}

// window is a sliding window of outcomes over a fixed interval, kept as a ring
// of time buckets with running totals. It is not safe for concurrent use.
type window struct {
	interval time.Duration // configured length
	n        int64         // buckets in use (<= maxBuckets)
	epoch    time.Time     // time of bucket 0
	head     int64         // absolute index of the newest bucket
	requests int           // totals over the ring
	failures int
	buckets  [maxBuckets]bucket
}

// newWindow returns an empty window of the given interval (> 0) starting at now.
func newWindow(interval time.Duration, now time.Time) window {
	n := int64(maxBuckets)
	if int64(interval) < n {
		n = int64(interval)
	}
	return window{interval: interval, n: n, epoch: now}
}

// advance expires the buckets that fell out of the window at now. A clock
// that goes backwards keeps recording into the newest bucket.
func (w *window) advance(now time.Time) {
	idx := w.index(now)
	if idx <= w.head {
		return
	}
	if idx-w.head >= w.n {
		w.buckets = [maxBuckets]bucket{}
		w.requests, w.failures = 0, 0
		w.head = idx
		return
	}
	for i := w.head + 1; i <= idx; i++ {
		b := &w.buckets[i%w.n]
		w.requests -= b.requests
		w.failures -= b.failures
		*b = bucket{}
	}
	w.head = idx
}

// index returns the absolute bucket index of now: bucket k covers
// [epoch + k*interval/n, epoch + (k+1)*interval/n). Computing boundaries this
// way (rather than with a rounded bucket width) guarantees that bucket k+n
// starts no later than one interval after bucket k, so an outcome never
// outlives the interval.
func (w *window) index(now time.Time) int64 {
	elapsed := int64(now.Sub(w.epoch))
	if elapsed < 0 {
		return -1
	}
	if elapsed <= math.MaxInt64/maxBuckets {
		return elapsed * w.n / int64(w.interval)
	}
	// elapsed*n < 2^63*60 and interval >= n, so hi < interval: Div64 cannot overflow.
	hi, lo := bits.Mul64(uint64(elapsed), uint64(w.n))
	q, _ := bits.Div64(hi, lo, uint64(w.interval))
	return int64(q)
}

// add records one outcome at now.
func (w *window) add(now time.Time, failure bool) {
	w.advance(now)
	b := &w.buckets[w.head%w.n]
	b.requests++
	w.requests++
	if failure {
		b.failures++
		w.failures++
	}
}

// clear empties the window, keeping its position in time.
func (w *window) clear() {
	w.buckets = [maxBuckets]bucket{}
	w.requests, w.failures = 0, 0
}
