package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/apimlab/apimlab/sim/hist"
)

// ErrMerge is wrapped by every error of Merge.
var ErrMerge = errors.New("cannot merge results")

// Merge adds up the results of the shards of one sharded run (--shard
// i/N) into the result of the whole run. The results must have the same
// version, engine and scenario, one shard index each, every index from 0
// to N-1. Counts are summed, histograms added (percentiles are read from
// the merged histograms, never averaged), buckets joined by their time
// since the agreed start, shares recomputed from the served counts, and
// the assertions evaluated again on the merged result. The worst start
// skew is recorded; late shards are kept and named in a warning.
func Merge(results ...*Result) (*Result, error) {
	if len(results) == 0 {
		return nil, fmt.Errorf("%w: no results", ErrMerge)
	}
	first := results[0]
	n := 0
	if first.Run.Shard != nil {
		n = first.Run.Shard.Count
	}
	seen := map[int]bool{}
	scenario, err := json.Marshal(first.Scenario)
	if err != nil {
		return nil, err
	}
	var shards []Shard
	for i, r := range results {
		switch {
		case r.Version != first.Version:
			return nil, fmt.Errorf("%w: result %d has version %d, result 0 version %d", ErrMerge, i, r.Version, first.Version)
		case r.Run.Shard == nil:
			return nil, fmt.Errorf("%w: result %d is not a shard (run with --shard i/N)", ErrMerge, i)
		case r.Run.Shard.Count != n:
			return nil, fmt.Errorf("%w: result %d is shard %d of %d, result 0 of %d", ErrMerge, i, r.Run.Shard.Index, r.Run.Shard.Count, n)
		case seen[r.Run.Shard.Index]:
			return nil, fmt.Errorf("%w: shard %d appears twice", ErrMerge, r.Run.Shard.Index)
		case r.Run.Engine != first.Run.Engine || r.Run.Clock != first.Run.Clock:
			return nil, fmt.Errorf("%w: result %d ran on the %s engine (%s clock), result 0 on %s (%s)", ErrMerge, i, r.Run.Engine, r.Run.Clock, first.Run.Engine, first.Run.Clock)
		case r.Run.Speed != first.Run.Speed || r.Run.BreakerModel != first.Run.BreakerModel:
			// Neither is in the scenario echo (--speed, --breaker-model).
			return nil, fmt.Errorf("%w: result %d ran at speed %v with the %s breaker model, result 0 at %v with %s", ErrMerge, i, r.Run.Speed, r.Run.BreakerModel, first.Run.Speed, first.Run.BreakerModel)
		case r.Run.Transport() != first.Run.Transport():
			// Not in the scenario echo either (--transport-errors).
			return nil, fmt.Errorf("%w: result %d counted transport errors %s, result 0 %s", ErrMerge, i, r.Run.Transport(), first.Run.Transport())
		}
		sc, err := json.Marshal(r.Scenario)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(sc, scenario) {
			return nil, fmt.Errorf("%w: result %d ran another scenario than result 0", ErrMerge, i)
		}
		seen[r.Run.Shard.Index] = true
		shards = append(shards, *r.Run.Shard)
	}
	var missing []string
	for i := range n {
		if !seen[i] {
			missing = append(missing, strconv.Itoa(i))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: shards %v of %d are missing", ErrMerge, missing, n)
	}
	slices.SortFunc(shards, func(a, b Shard) int { return a.Index - b.Index })

	out := &Result{Version: first.Version, Scenario: first.Scenario, Run: first.Run, Backends: first.Backends, Faults: first.Faults}
	out.Run.Shard = nil
	out.Run.Shards = shards
	var earliest, latest time.Time
	var wall Duration
	for i, s := range shards {
		if i == 0 || s.StartedAt.Before(earliest) {
			earliest = s.StartedAt
		}
		if s.StartedAt.After(latest) {
			latest = s.StartedAt
		}
		if s.Late {
			out.Warnings = append(out.Warnings, fmt.Sprintf("shard %d/%d started more than 1s after --start-at (at %s)", s.Index, s.Count, s.StartedAt.Format(time.RFC3339Nano)))
		}
	}
	out.Run.Skew = Duration(latest.Sub(earliest))
	out.Run.StartedAt = earliest
	// Each shard's times are relative to its own start. The merged run's
	// time 0 is the agreed --start-at (or the earliest start): a late
	// shard's transitions and buckets move by how late it was, so what
	// happened at the same instant lands in the same bucket.
	ref := earliest
	if at := shards[0].StartAt; !at.IsZero() {
		ref = at
	}
	offsets := make([]time.Duration, len(results))
	for i, r := range results {
		if s := r.Run.Shard.StartedAt; !s.IsZero() && !ref.IsZero() {
			offsets[i] = s.Sub(ref)
		}
	}
	for i, r := range results {
		wall = max(wall, r.Run.Wall)
		for _, w := range r.Warnings {
			out.Warnings = append(out.Warnings, fmt.Sprintf("shard %d: %s", r.Run.Shard.Index, w))
		}
		for _, t := range r.Transitions {
			t.At += Duration(offsets[i])
			out.Transitions = append(out.Transitions, t)
		}
		out.OpenAttempts = append(out.OpenAttempts, r.OpenAttempts...)
	}
	out.Run.Wall = wall
	slices.SortStableFunc(out.Transitions, func(a, b Transition) int { return cmpInt(int64(a.At), int64(b.At)) })
	out.Phases = mergePhases(results)
	shift := make([]int64, len(results)) // in buckets
	if b := first.Run.Bucket.D(); b > 0 {
		for i, o := range offsets {
			shift[i] = int64(math.Round(float64(o) / float64(b)))
		}
	}
	out.Series = mergeSeries(results, shift, func(r *Result) []Series { return r.Series })
	out.Clients = mergeSeries(results, shift, func(r *Result) []Series { return r.Clients })
	Evaluate(out)
	return out, nil
}

// mergePhases adds up phases by stream and name.
func mergePhases(results []*Result) []PhaseResult {
	out := make([]PhaseResult, len(results[0].Phases))
	for i, p := range results[0].Phases {
		m := PhaseResult{Stream: p.Stream, Name: p.Name, Start: p.Start, End: p.End, Method: p.Method, Path: p.Path,
			Status: map[string]uint64{}, Served: map[string]uint64{}}
		expSum := map[[2]string]float64{}
		poolServed := map[[2]string]float64{}
		for _, r := range results {
			q, ok := r.Phase(p.Stream + "/" + p.Name)
			if !ok {
				continue
			}
			m.Requested += q.Requested
			m.Requests += q.Requests
			addCounts(m.Status, q.Status)
			addCounts(m.Served, q.Served)
			if len(q.Errors) > 0 {
				if m.Errors == nil {
					m.Errors = map[string]uint64{}
				}
				addCounts(m.Errors, q.Errors)
			}
			if len(q.Reasons) > 0 {
				if m.Reasons == nil {
					m.Reasons = map[string]uint64{}
				}
				addCounts(m.Reasons, q.Reasons)
			}
			m.Latency.Merge(&q.Latency)
			// Expected shares are means over the pool's responses: weight
			// each shard's by its responses.
			total := map[string]uint64{}
			for _, s := range q.Shares {
				total[s.Pool] += s.Served
			}
			for _, s := range q.Shares {
				k := [2]string{s.Pool, s.Backend}
				if s.Expected >= 0 {
					expSum[k] += s.Expected * float64(total[s.Pool])
					poolServed[k] += float64(total[s.Pool])
				}
			}
		}
		secs := (m.End - m.Start).D().Seconds()
		m.RequestedRate = m.Requested / secs
		m.AchievedRate = float64(m.Requests) / secs
		var bad uint64
		for code, n := range m.Status {
			if c, err := strconv.Atoi(code); err == nil && (c == 0 || c >= 500) {
				bad += n
			}
		}
		if m.Requests > 0 {
			m.ErrorRate = float64(bad) / float64(m.Requests)
		}
		m.P50, m.P90, m.P99 = Duration(m.Latency.Quantile(0.5)), Duration(m.Latency.Quantile(0.9)), Duration(m.Latency.Quantile(0.99))
		m.Max = Duration(m.Latency.Max())
		totals := map[string]uint64{}
		for _, s := range p.Shares {
			totals[s.Pool] += m.Served[s.Backend]
		}
		for _, s := range p.Shares {
			sh := Share{Pool: s.Pool, Backend: s.Backend, Served: m.Served[s.Backend], Expected: -1}
			if t := totals[s.Pool]; t > 0 {
				sh.Observed = float64(sh.Served) / float64(t)
			}
			if w := poolServed[[2]string{s.Pool, s.Backend}]; w > 0 {
				sh.Expected = expSum[[2]string{s.Pool, s.Backend}] / w
			}
			m.Shares = append(m.Shares, sh)
		}
		out[i] = m
	}
	return out
}

func addCounts(dst, src map[string]uint64) {
	for k, v := range src {
		dst[k] += v
	}
}

// mergeSeries joins series by backend, stream and instance, and their
// points by bucket, result i's buckets moved by shift[i].
func mergeSeries(results []*Result, shift []int64, of func(*Result) []Series) []Series {
	type key struct {
		backend, stream string
		instance        int
	}
	points := map[key]map[int64]*Point{}
	var order []key
	for i, r := range results {
		for _, s := range of(r) {
			k := key{s.Backend, s.Stream, s.Instance}
			if points[k] == nil {
				points[k] = map[int64]*Point{}
				order = append(order, k)
			}
			for _, p := range s.Points {
				t := p.T + shift[i]
				q := points[k][t]
				if q == nil {
					q = &Point{T: t}
					points[k][t] = q
				}
				q.Requests += p.Requests
				for c := range q.Status {
					q.Status[c] += p.Status[c]
				}
				q.Latency.Merge(&p.Latency)
			}
		}
	}
	out := make([]Series, 0, len(order))
	for _, k := range order {
		s := Series{Backend: k.backend, Stream: k.stream, Instance: k.instance}
		for _, t := range slices.Sorted(maps.Keys(points[k])) {
			s.Points = append(s.Points, *points[k][t])
		}
		out = append(out, s)
	}
	return out
}

var _ = hist.Index
