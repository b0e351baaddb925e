package gateway

import (
	"sync"
	"time"
)

// policyState is what stateful policies keep between requests: rate-limit
// windows, quota periods, concurrency slots, caches. It belongs to one
// Gateway (Azure keeps these per gateway instance unless synchronised) and
// runs on the gateway's clock, so a virtual clock drives renewals and
// expiries.
type policyState struct {
	rateMu sync.Mutex
	rates  map[string]*slidingWindow

	quotaMu sync.Mutex
	quotas  map[string]*quotaPeriod

	concMu sync.Mutex
	conc   map[string]int

	cacheMu sync.Mutex
	cache   map[string]*cacheEntry
}

func newPolicyState() *policyState {
	return &policyState{
		rates:  map[string]*slidingWindow{},
		quotas: map[string]*quotaPeriod{},
		conc:   map[string]int{},
		cache:  map[string]*cacheEntry{},
	}
}

// slidingWindow counts calls in the last period: entries in time order,
// each an instant (as an offset from base, so the slices hold no pointers
// for the garbage collector to scan however many calls the window holds)
// and the count added then. Entries before head have expired; they are
// dropped in bulk once they are half of the slice, so expiring is
// amortised O(1) per call (a 300 s window at 10,000 requests/s holds three
// million).
type slidingWindow struct {
	base  time.Time
	at    []time.Duration // since base
	n     []int
	head  int
	total int
}

// offset returns t as an offset from the window's base, setting the base
// on first use.
func (w *slidingWindow) offset(t time.Time) time.Duration {
	if w.base.IsZero() {
		w.base = t
	}
	return t.Sub(w.base)
}

// expire drops the entries at or before now-period.
func (w *slidingWindow) expire(now time.Time, period time.Duration) {
	cut := w.offset(now) - period
	for w.head < len(w.at) && w.at[w.head] <= cut {
		w.total -= w.n[w.head]
		w.head++
	}
	switch {
	case w.head == len(w.at):
		w.at, w.n, w.head = w.at[:0], w.n[:0], 0
	case w.head > 64 && w.head >= len(w.at)/2:
		k := copy(w.at, w.at[w.head:])
		copy(w.n, w.n[w.head:])
		w.at, w.n, w.head = w.at[:k], w.n[:k], 0
	}
}

// add records n calls at now. Calls at the same instant as the last entry
// join it: the window's answers are the same, with one entry fewer.
func (w *slidingWindow) add(now time.Time, n int) {
	if n <= 0 {
		return
	}
	w.total += n
	at := w.offset(now)
	if last := len(w.at) - 1; last >= w.head && w.at[last] == at {
		w.n[last] += n
		return
	}
	w.at = append(w.at, at)
	w.n = append(w.n, n)
}

// retryAfter is how long until the window has room for n more calls under
// limit calls.
func (w *slidingWindow) retryAfter(now time.Time, period time.Duration, calls, n int) time.Duration {
	excess := w.total + n - calls
	for i := w.head; i < len(w.at); i++ {
		excess -= w.n[i]
		if excess <= 0 {
			return w.at[i] + period - w.offset(now)
		}
	}
	return period
}

// rateCheck checks the window key for n more calls under calls per period
// and, when add, records them. It returns whether they fit, the calls
// remaining after them and, when they do not fit, how long to wait.
func (s *policyState) rateCheck(key string, now time.Time, period time.Duration, calls, n int, add bool) (ok bool, remaining int, retry time.Duration) {
	s.rateMu.Lock()
	defer s.rateMu.Unlock()
	w := s.rates[key]
	if w == nil {
		w = &slidingWindow{}
		s.rates[key] = w
	}
	w.expire(now, period)
	if w.total+max(n, 1) > calls {
		return false, max(calls-w.total, 0), w.retryAfter(now, period, calls, max(n, 1))
	}
	if add {
		w.add(now, n)
	}
	return true, max(calls-w.total, 0), 0
}

// rateAdd records n calls after the fact (increment-condition).
func (s *policyState) rateAdd(key string, now time.Time, period time.Duration, n int) {
	s.rateMu.Lock()
	defer s.rateMu.Unlock()
	w := s.rates[key]
	if w == nil {
		w = &slidingWindow{}
		s.rates[key] = w
	}
	w.expire(now, period)
	w.add(now, n)
}

// quotaPeriod is the use of one quota counter in its current period.
type quotaPeriod struct {
	index int64 // the period number since the quota's start
	calls int
	kb    int64
}

// quotaCheck checks and (when add) counts n calls and kb kilobytes in the
// fixed period of now (periods start at start and last period; 0 means
// one endless period). It returns whether the quota still holds and, when
// it does not, how long until the period renews (0 for an endless one).
func (s *policyState) quotaCheck(key string, now, start time.Time, period time.Duration, calls int, kbLimit int64, n int, kb int64, add bool) (bool, time.Duration) {
	s.quotaMu.Lock()
	defer s.quotaMu.Unlock()
	idx, renew := periodOf(now, start, period)
	q := s.quotas[key]
	if q == nil || q.index != idx {
		q = &quotaPeriod{index: idx}
		s.quotas[key] = q
	}
	if calls > 0 && q.calls+max(n, 1) > calls || kbLimit > 0 && q.kb+kb > kbLimit {
		return false, renew
	}
	if add {
		q.calls += n
		q.kb += kb
	}
	return true, 0
}

// periodOf returns the number of the fixed period now falls in (periods
// of length period from start; 0 for an endless one) and the time left in
// it. It computes in whole seconds: start may be year 1, further from now
// than a time.Duration reaches.
func periodOf(now, start time.Time, period time.Duration) (int64, time.Duration) {
	if period <= 0 {
		return 0, 0
	}
	ps := int64(period / time.Second)
	elapsed := now.Unix() - start.Unix()
	idx := elapsed / ps
	if elapsed < 0 && elapsed%ps != 0 {
		idx--
	}
	end := start.Unix() + (idx+1)*ps
	return idx, time.Unix(end, 0).Sub(now)
}

// quotaAdd counts after the fact (increment-condition, bandwidth).
func (s *policyState) quotaAdd(key string, now, start time.Time, period time.Duration, n int, kb int64) {
	s.quotaMu.Lock()
	defer s.quotaMu.Unlock()
	idx, _ := periodOf(now, start, period)
	q := s.quotas[key]
	if q == nil || q.index != idx {
		q = &quotaPeriod{index: idx}
		s.quotas[key] = q
	}
	q.calls += n
	q.kb += kb
}

// acquire takes one of max slots of key; release gives it back.
func (s *policyState) acquire(key string, limit int) bool {
	s.concMu.Lock()
	defer s.concMu.Unlock()
	if s.conc[key] >= limit {
		return false
	}
	s.conc[key]++
	return true
}

func (s *policyState) release(key string) {
	s.concMu.Lock()
	defer s.concMu.Unlock()
	if s.conc[key]--; s.conc[key] <= 0 {
		delete(s.conc, key)
	}
}

// cacheEntry is a cached value or response.
type cacheEntry struct {
	expires time.Time
	value   any // cache-store-value
	resp    *cachedResponse
}

// cachedResponse is a response stored by cache-store.
type cachedResponse struct {
	status int
	header map[string][]string
	body   []byte
}

// maxCacheEntries bounds the in-memory cache; when full, expired entries
// go first, then an arbitrary one (Azure's built-in cache also evicts).
const maxCacheEntries = 10000

func (s *policyState) cacheGet(key string, now time.Time) *cacheEntry {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	e := s.cache[key]
	if e == nil {
		return nil
	}
	if !now.Before(e.expires) {
		delete(s.cache, key)
		return nil
	}
	return e
}

func (s *policyState) cachePut(key string, e *cacheEntry, now time.Time) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if _, ok := s.cache[key]; !ok && len(s.cache) >= maxCacheEntries {
		for k, v := range s.cache {
			if !now.Before(v.expires) {
				delete(s.cache, k)
			}
		}
		for k := range s.cache {
			if len(s.cache) < maxCacheEntries {
				break
			}
			delete(s.cache, k)
		}
	}
	s.cache[key] = e
}

func (s *policyState) cacheRemove(key string) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	delete(s.cache, key)
}
