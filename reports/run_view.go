package reports

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/apimlab/apimlab/sim"
	"github.com/apimlab/apimlab/sim/hist"
)

// This file derives what several run formats show from a *sim.Result:
// the time axis and its downsampling, breaker state bands, per-column
// rates and latency quantiles, the distribution table and sparklines. It
// holds no formatting beyond numbers.

// timeAxis maps the result's buckets onto at most a given number of
// displayed columns. Column c covers the buckets [c*Per, (c+1)*Per).
type timeAxis struct {
	Length  time.Duration // scenario length (> 0)
	Bucket  time.Duration // width of one result bucket
	Buckets int64         // result buckets covering Length
	Per     int64         // result buckets per column (1: not downsampled)
	Cols    int           // number of columns
}

// newAxis returns the axis of r with at most maxCols columns.
func newAxis(r *sim.Result, maxCols int) timeAxis {
	length := r.Run.Length.D()
	bucket := r.Run.Bucket.D()
	if bucket <= 0 {
		bucket = time.Second
	}
	if length <= 0 {
		// A result without a length (hand-made): cover what was recorded.
		var last int64
		for _, s := range slices.Concat(r.Series, r.Clients) {
			if n := len(s.Points); n > 0 {
				last = max(last, s.Points[n-1].T)
			}
		}
		length = time.Duration(last+1) * bucket
	}
	buckets := int64((length + bucket - 1) / bucket)
	maxCols = max(maxCols, 1)
	per := (buckets + int64(maxCols) - 1) / int64(maxCols)
	per = max(per, 1)
	return timeAxis{Length: length, Bucket: bucket, Buckets: buckets, Per: per, Cols: int((buckets + per - 1) / per)}
}

// col returns the column of bucket t; buckets past the end (late
// responses) fall into the last column.
func (a timeAxis) col(t int64) int {
	return int(min(max(t, 0)/a.Per, int64(a.Cols-1)))
}

// colStart returns the scenario time where column c starts.
func (a timeAxis) colStart(c int) time.Duration {
	return time.Duration(int64(c)*a.Per) * a.Bucket
}

// colSeconds returns the width of column c in seconds (the last column
// may be narrower).
func (a timeAxis) colSeconds(c int) float64 {
	lo := int64(c) * a.Per
	hi := min(lo+a.Per, a.Buckets)
	return (time.Duration(hi-lo) * a.Bucket).Seconds()
}

// downsampled reports whether a column holds more than one bucket.
func (a timeAxis) downsampled() bool { return a.Per > 1 }

// note describes the downsampling for readers, "" when there is none.
func (a timeAxis) note() string {
	if !a.downsampled() {
		return ""
	}
	return fmt.Sprintf("%d buckets of %s are shown as %d columns of %s each (counts summed, latency histograms merged)",
		a.Buckets, fmtDur(a.Bucket), a.Cols, fmtDur(time.Duration(a.Per)*a.Bucket))
}

// backendNames returns the backends that received attempts, had a
// breaker transition or a fault: configuration order first, then the
// others sorted.
func backendNames(r *sim.Result) []string {
	seen := map[string]bool{}
	for _, s := range r.Series {
		seen[s.Backend] = true
	}
	for _, t := range r.Transitions {
		seen[t.Backend] = true
	}
	for _, f := range r.Faults {
		seen[f.Backend] = true
	}
	for _, b := range r.Backends {
		if b.Breaker != "" {
			seen[b.Name] = true
		}
	}
	var out []string
	for _, b := range r.Backends {
		if seen[b.Name] {
			out = append(out, b.Name)
			delete(seen, b.Name)
		}
	}
	return append(out, slices.Sorted(maps.Keys(seen))...)
}

// attemptRates returns, per backend, the attempts per second the gateway
// instances together sent it in each column.
func attemptRates(r *sim.Result, a timeAxis) map[string][]float64 {
	out := map[string][]float64{}
	for _, s := range r.Series {
		v := out[s.Backend]
		if v == nil {
			v = make([]float64, a.Cols)
			out[s.Backend] = v
		}
		for _, p := range s.Points {
			v[a.col(p.T)] += float64(p.Requests)
		}
	}
	for _, v := range out {
		perSecond(v, a)
	}
	return out
}

// clientClassRates returns, per status class (sim.ClassNames), the client
// requests per second of every stream together in each column.
func clientClassRates(r *sim.Result, a timeAxis) [][]float64 {
	out := make([][]float64, len(sim.ClassNames))
	for i := range out {
		out[i] = make([]float64, a.Cols)
	}
	for _, s := range r.Clients {
		for _, p := range s.Points {
			c := a.col(p.T)
			for i, n := range p.Status {
				out[i][c] += float64(n)
			}
		}
	}
	for _, v := range out {
		perSecond(v, a)
	}
	return out
}

func perSecond(v []float64, a timeAxis) {
	for c := range v {
		if s := a.colSeconds(c); s > 0 {
			v[c] /= s
		}
	}
}

// latencyPoint is the client latency of one column.
type latencyPoint struct {
	Col      int
	P50, P99 time.Duration
	N        uint64
}

// clientLatency merges the client histograms of each column (every
// stream) and reads p50 and p99 from the merged histogram. Columns without
// requests are left out.
func clientLatency(r *sim.Result, a timeAxis) []latencyPoint {
	hs := make([]hist.Histogram, a.Cols)
	for _, s := range r.Clients {
		for i := range s.Points {
			p := &s.Points[i]
			hs[a.col(p.T)].Merge(&p.Latency)
		}
	}
	var out []latencyPoint
	for c := range hs {
		if n := hs[c].Count(); n > 0 {
			out = append(out, latencyPoint{Col: c, P50: hs[c].Quantile(0.50), P99: hs[c].Quantile(0.99), N: n})
		}
	}
	return out
}

// band is a stretch of scenario time in one breaker state. State is
// sim.StateClosed, StateOpen, StateHalfOpen or stateNone (no breaker).
type band struct {
	From, To time.Duration
	State    string
}

// stateNone marks the timeline of a backend without a circuit breaker.
const stateNone = "none"

// breakerBands returns the breaker states of backend on instance over
// [0, length): closed from the start, then each transition's To state
// from its time on. Transitions at or past length are cut.
func breakerBands(ts []sim.Transition, backend string, instance int, length time.Duration) []band {
	out := []band{{From: 0, To: length, State: sim.StateClosed}}
	for _, t := range ts {
		if t.Backend != backend || t.Instance != instance {
			continue
		}
		at := min(max(t.At.D(), 0), length)
		last := &out[len(out)-1]
		if at == last.From {
			last.State = t.To
			continue
		}
		last.To = at
		out = append(out, band{From: at, To: length, State: t.To})
	}
	// Merge neighbours in the same state (a transition list that restates
	// the current state) and drop empty bands at the end.
	merged := out[:1]
	for _, b := range out[1:] {
		if b.State == merged[len(merged)-1].State {
			merged[len(merged)-1].To = b.To
			continue
		}
		merged = append(merged, b)
	}
	if n := len(merged); n > 1 && merged[n-1].From >= merged[n-1].To {
		merged = merged[:n-1]
	}
	return merged
}

// severity orders states for rasterBands: what a reader must not miss.
var severity = map[string]int{stateNone: 0, sim.StateClosed: 1, sim.StateHalfOpen: 2, sim.StateOpen: 3}

// rasterBands bounds the number of bands to cols: when there are more
// bands than columns, each of cols equal columns of [0, length) takes the
// most severe state met in it (open over half-open over closed) and equal
// neighbours merge. Fewer bands are returned unchanged.
func rasterBands(bands []band, length time.Duration, cols int) []band {
	if len(bands) <= cols || cols <= 0 || length <= 0 {
		return bands
	}
	out := make([]band, 0, cols)
	i := 0
	for c := range cols {
		from := time.Duration(float64(length) * float64(c) / float64(cols))
		to := time.Duration(float64(length) * float64(c+1) / float64(cols))
		if c == cols-1 {
			to = length
		}
		state := ""
		for i < len(bands) && bands[i].To <= from {
			i++
		}
		for j := i; j < len(bands) && bands[j].From < to; j++ {
			if state == "" || severity[bands[j].State] > severity[state] {
				state = bands[j].State
			}
		}
		if state == "" {
			continue
		}
		if n := len(out); n > 0 && out[n-1].State == state && out[n-1].To == from {
			out[n-1].To = to
			continue
		}
		out = append(out, band{From: from, To: to, State: state})
	}
	return out
}

// timelineRow is one backend on one gateway instance.
type timelineRow struct {
	Backend  string
	Instance int
	Bands    []band
	Faults   []sim.FaultWindow
}

// timelineRows returns a row per backend (backendNames order) and
// instance. Backends without a breaker and without transitions get a
// single stateNone band.
func timelineRows(r *sim.Result, length time.Duration) []timelineRow {
	hasBreaker := map[string]bool{}
	for _, b := range r.Backends {
		hasBreaker[b.Name] = b.Breaker != ""
	}
	for _, t := range r.Transitions {
		hasBreaker[t.Backend] = true
	}
	instances := max(r.Run.Instances, 1)
	type key struct {
		backend  string
		instance int
	}
	byRow := map[key][]sim.Transition{}
	for _, t := range r.Transitions {
		instances = max(instances, t.Instance+1)
		k := key{t.Backend, t.Instance}
		byRow[k] = append(byRow[k], t)
	}
	var rows []timelineRow
	for _, b := range backendNames(r) {
		var faults []sim.FaultWindow
		for _, f := range r.Faults {
			if f.Backend == b {
				faults = append(faults, f)
			}
		}
		for i := range instances {
			row := timelineRow{Backend: b, Instance: i, Faults: faults}
			if hasBreaker[b] {
				row.Bands = breakerBands(byRow[key{b, i}], b, i, length)
			} else {
				row.Bands = []band{{From: 0, To: length, State: stateNone}}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// shareTolerance is the deviation of an observed pool share from the
// expected one that the distribution table marks: the default tolerance
// of traffic assertions (3 points).
const shareTolerance = 0.03

// distRow is one row of a phase's distribution table.
type distRow struct {
	Backend string
	// Pool is the pool whose share is shown ("" for a backend outside
	// any pool, or "none" answered by the gateway).
	Pool   string
	Served uint64
	// Share is the backend's share of all the phase's responses.
	Share float64
	// Observed and Expected are the share of the pool's responses;
	// Expected < 0 means unknown. Both are -1 outside pools.
	Observed, Expected float64
	// Deviates is true when |Observed-Expected| > shareTolerance.
	Deviates bool
}

// distribution returns the distribution rows of a phase: each pool share
// (in the result's order), then every other backend that served,
// configuration order first, then the rest sorted ("none" last).
func distribution(r *sim.Result, p *sim.PhaseResult) []distRow {
	var total uint64
	for _, n := range p.Served {
		total += n
	}
	share := func(n uint64) float64 {
		if total == 0 {
			return 0
		}
		return float64(n) / float64(total)
	}
	var rows []distRow
	inPool := map[string]bool{}
	for _, s := range p.Shares {
		inPool[s.Backend] = true
		row := distRow{Backend: s.Backend, Pool: s.Pool, Served: s.Served, Share: share(s.Served), Observed: s.Observed, Expected: s.Expected}
		row.Deviates = s.Expected >= 0 && math.Abs(s.Observed-s.Expected) > shareTolerance+1e-9
		rows = append(rows, row)
	}
	var rest []string
	for _, b := range r.Backends {
		if _, ok := p.Served[b.Name]; ok && !inPool[b.Name] {
			rest = append(rest, b.Name)
		}
	}
	var others []string
	for b := range p.Served {
		if !inPool[b] && !slices.Contains(rest, b) && b != "none" {
			others = append(others, b)
		}
	}
	slices.Sort(others)
	rest = append(rest, others...)
	if _, ok := p.Served["none"]; ok {
		rest = append(rest, "none")
	}
	for _, b := range rest {
		rows = append(rows, distRow{Backend: b, Served: p.Served[b], Share: share(p.Served[b]), Observed: -1, Expected: -1})
	}
	return rows
}

// sparkTicks are the levels of a sparkline; sparkZero marks a column
// without any traffic, so an open breaker's gap stands out from a low
// rate.
var sparkTicks = []rune("▁▂▃▄▅▆▇█")

const sparkZero = '·'

// sparkline renders values as one character each, scaled to top: 0 is
// sparkZero, any positive value at least "▁", top and above "█".
func sparkline(values []float64, top float64) string {
	var b strings.Builder
	for _, v := range values {
		switch {
		case v <= 0 || top <= 0:
			b.WriteRune(sparkZero)
		default:
			i := int(math.Ceil(v/top*float64(len(sparkTicks)))) - 1
			b.WriteRune(sparkTicks[min(max(i, 0), len(sparkTicks)-1)])
		}
	}
	return b.String()
}

// fmtDur formats a duration compactly: "0s", "250ms", "1m30s", "2h",
// "1h0m30s" → "1h0m30s" (only trailing zero units are cut).
func fmtDur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// fmtLat formats a latency to about three significant digits: latencies
// read from histograms are bucket bounds ("22.015999ms"), more precise
// than they are true.
func fmtLat(d time.Duration) string {
	switch {
	case d >= 100*time.Millisecond:
		d = d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		d = d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		d = d.Round(10 * time.Microsecond)
	default:
		d = d.Round(time.Microsecond)
	}
	return fmtDur(d)
}

// fmtPct formats a share as a percentage with one decimal ("72.5%").
func fmtPct(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

// fmtRate formats requests per second.
func fmtRate(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// instanceLabel names a timeline row: the backend alone on a one-instance
// run, "backend #i" otherwise.
func instanceLabel(backend string, instance, instances int) string {
	if instances <= 1 {
		return backend
	}
	return fmt.Sprintf("%s #%d", backend, instance)
}

// transitionReason is a transition's reason, detail and window counts
// ("failures: 5 of 7 requests; open 10s (Retry-After)").
func transitionReason(t sim.Transition) string {
	s := t.Reason
	if t.Detail != "" {
		s += ": " + t.Detail
	}
	if t.Counts.Requests > 0 || t.Counts.Failures > 0 {
		s += fmt.Sprintf(" [%s of %s]", plural(t.Counts.Failures, "failure"), plural(t.Counts.Requests, "request"))
	}
	if t.OpenFor > 0 && !strings.Contains(t.Detail, "open for") {
		s += "; open for " + fmtDur(t.OpenFor.D().Round(time.Millisecond))
		if t.RetryAfter > 0 {
			s += " (Retry-After " + fmtDur(t.RetryAfter.D()) + ")"
		}
	}
	return s
}

// statusMix formats a phase's status counts: "200×38 503×2 error×1".
func statusMix(m map[string]uint64) string {
	codes := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, c := range codes {
		label := c
		if c == "0" {
			label = "error"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", label, m[c]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// counts of passed and failed assertions.
func assertionCounts(r *sim.Result) (passed, failed int) {
	for _, a := range r.Assertions {
		if a.Passed {
			passed++
		} else {
			failed++
		}
	}
	return passed, failed
}

// verdict is "PASS" or "FAIL" (or "NO ASSERTIONS").
func verdict(r *sim.Result) string {
	switch {
	case len(r.Assertions) == 0:
		return "NO ASSERTIONS"
	case r.Passed:
		return "PASS"
	}
	return "FAIL"
}

// runInfoPairs lists the facts a reader needs to reproduce the run, in
// display order.
func runInfoPairs(r *sim.Result) [][2]string {
	name := ""
	file := ""
	if r.Scenario != nil {
		name = r.Scenario.Name
		file = r.Scenario.File
	}
	speed := fmt.Sprintf("%g×", r.Run.Speed)
	if r.Run.Speed == 0 {
		speed = "-"
	}
	pairs := [][2]string{
		{"scenario", name},
		{"engine", r.Run.Engine},
		{"clock", r.Run.Clock},
		{"breaker model", r.Run.BreakerModel},
		{"transport errors", r.Run.Transport()},
		{"speed", speed},
		{"seed", fmt.Sprint(r.Run.Seed)},
		{"instances", fmt.Sprint(max(r.Run.Instances, 1))},
		{"length", fmtDur(r.Run.Length.D())},
		{"bucket", fmtDur(r.Run.Bucket.D())},
		{"wall time", fmtDur(r.Run.Wall.D().Round(time.Millisecond))},
	}
	if file != "" {
		pairs = slices.Insert(pairs, 1, [2]string{"file", file})
	}
	if r.Run.Version != "" {
		pairs = append(pairs, [2]string{"apimlab", r.Run.Version})
	}
	return pairs
}
