package sim

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/apimlab/apimlab/sim/hist"
)

// Breaker states as Transition.From/To spell them.
const (
	StateClosed   = "closed"
	StateOpen     = "open"
	StateHalfOpen = "half-open"
)

// ExpectedShares returns, for a pool, each member's expected share of the
// pool's traffic (in BackendInfo.Members order) when the members for which
// open reports true are out of rotation. Engines pass the shared pool
// semantics here; the recorder never computes shares itself.
type ExpectedShares func(pool string, open func(member string) bool) []float64

// RecorderOptions configure a Recorder.
type RecorderOptions struct {
	// Run is copied into the result (Wall is set by Finish).
	Run RunInfo
	// Backends describe the configuration's backends.
	Backends []BackendInfo
	// Expected computes expected pool shares; nil leaves Expected at -1.
	Expected ExpectedShares
}

// Recorder aggregates a run as it happens (streamed: memory grows with the
// number of buckets, not of requests). Engines call Request for every
// client request, Attempt for every backend attempt the gateway made and
// Transition for every breaker transition; Finish builds the Result. It is
// safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	sc     *Scenario
	opts   RecorderOptions
	bucket time.Duration

	phases   []*phaseAgg // stream-major, phase order
	phaseIdx [][]int     // [stream][phase] → index in phases
	clients  []*seriesAgg
	attempts map[seriesKey]*seriesAgg
	state    map[seriesKey]string // breaker state per instance and backend
	trans    []Transition
	openHits map[seriesKey]uint64 // attempts started while the breaker was open
	opened   map[seriesKey][]span // open intervals per instance and backend
	poolsOf  map[string][]int     // backend → indices of pools (in opts.Backends) it belongs to
	warnings []string
	// openInst is the instance isOpen answers for; isOpen is built once so
	// that passing it to opts.Expected on every pool response does not
	// allocate a closure (the model engine records millions of requests).
	openInst int
	isOpen   func(member string) bool
	// expCache[pi*instances+instance] is pool pi's expected share vector
	// on that instance for the current breaker states (nil: not computed);
	// Transition clears it. Shares change only on transitions, so pool
	// responses reuse it instead of calling opts.Expected each time.
	expCache [][]float64
}

type seriesKey struct {
	backend  string
	instance int
}

type seriesAgg struct {
	key    seriesKey
	stream string
	points []Point // dense by bucket index
}

func (s *seriesAgg) add(t int64, code int, lat time.Duration) {
	if t < 0 {
		t = 0
	}
	for int64(len(s.points)) <= t {
		s.points = append(s.points, Point{T: int64(len(s.points))})
	}
	p := &s.points[t]
	p.Requests++
	p.Status[ClassOf(code)]++
	p.Latency.Record(lat)
}

type phaseAgg struct {
	res      PhaseResult
	status   map[int]uint64
	errors   map[string]uint64
	reasons  map[string]uint64
	served   map[string]uint64
	expSum   map[string][]float64 // pool → summed expected fractions
	expCount map[string]uint64    // pool → responses counted
}

// NewRecorder returns a recorder for a run of sc.
func NewRecorder(sc *Scenario, opts RecorderOptions) *Recorder {
	bucket := opts.Run.Bucket.D()
	if bucket <= 0 {
		bucket = time.Second
		opts.Run.Bucket = Duration(bucket)
	}
	opts.Run.Length = Duration(sc.Length())
	opts.Run.Instances = sc.Instances()
	opts.Run.Seed = sc.Seed
	r := &Recorder{
		sc: sc, opts: opts, bucket: bucket,
		attempts: map[seriesKey]*seriesAgg{},
		state:    map[seriesKey]string{},
		openHits: map[seriesKey]uint64{},
		opened:   map[seriesKey][]span{},
		poolsOf:  map[string][]int{},
	}
	r.isOpen = func(m string) bool { return r.state[seriesKey{m, r.openInst}] == StateOpen }
	r.expCache = make([][]float64, len(opts.Backends)*opts.Run.Instances)
	for i, b := range opts.Backends {
		for _, m := range b.Members {
			r.poolsOf[m.Backend] = append(r.poolsOf[m.Backend], i)
		}
	}
	// A shard is asked for its share of every phase (every Count-th
	// arrival): its requested count and rate are the phase's divided by
	// Count, so that it is not flagged short of a rate it never had to
	// send and the shards' requested counts add up to the whole's.
	share := 1.0
	if s := opts.Run.Shard; s != nil && s.Count > 1 {
		share = 1 / float64(s.Count)
	}
	for i, st := range sc.Load {
		r.clients = append(r.clients, &seriesAgg{key: seriesKey{instance: -1}, stream: st.Name})
		var idx []int
		for j, ph := range st.Phases {
			start := sc.PhaseStart(i, j)
			req := st.RequestFor(ph)
			agg := &phaseAgg{
				res: PhaseResult{
					Stream: st.Name, Name: ph.Name, Method: req.Method, Path: redactRequest(req).Path,
					Start: Duration(start), End: Duration(start + ph.Duration.D()),
					Requested: ph.Expected(ph.Duration.D()) * share,
				},
				status: map[int]uint64{}, errors: map[string]uint64{}, reasons: map[string]uint64{}, served: map[string]uint64{},
				expSum: map[string][]float64{}, expCount: map[string]uint64{},
			}
			agg.res.RequestedRate = agg.res.Requested / ph.Duration.D().Seconds()
			idx = append(idx, len(r.phases))
			r.phases = append(r.phases, agg)
		}
		r.phaseIdx = append(r.phaseIdx, idx)
	}
	return r
}

// RequestRecord is one client request's outcome.
type RequestRecord struct {
	// Stream and Phase index the scenario's load.
	Stream, Phase int
	// Instance is the gateway instance that served it.
	Instance int
	// At is when it was sent, from the scenario's start.
	At time.Duration
	// Latency is how long the client waited.
	Latency time.Duration
	// Status is the response status; 0 when there was no response.
	Status int
	// Error describes a request without a response.
	Error string
	// Backend is the backend that served it ("" or "none": the gateway
	// answered itself).
	Backend string
	// Reason is the gateway's error reason for a response it generated
	// itself ("BackendConnectionFailure", "Timeout", …), "" otherwise.
	Reason string
}

// maxErrorKinds bounds PhaseResult.Errors.
const maxErrorKinds = 8

// Request records one client request.
func (r *Recorder) Request(q RequestRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if q.Stream < 0 || q.Stream >= len(r.phaseIdx) || q.Phase < 0 || q.Phase >= len(r.phaseIdx[q.Stream]) {
		return
	}
	p := r.phases[r.phaseIdx[q.Stream][q.Phase]]
	p.res.Requests++
	p.status[q.Status]++
	if q.Status == 0 && q.Error != "" {
		if _, ok := p.errors[q.Error]; ok || len(p.errors) < maxErrorKinds {
			p.errors[q.Error]++
		}
	}
	if q.Reason != "" {
		p.reasons[q.Reason]++
	}
	p.res.Latency.Record(q.Latency)
	b := q.Backend
	if b == "" {
		b = "none"
	}
	p.served[b]++
	for _, pi := range r.poolsOf[q.Backend] {
		r.expect(p, pi, q.Instance)
	}
	r.clients[q.Stream].add(int64(q.At/r.bucket), q.Status, q.Latency)
}

// expect adds the expected share vector of pool pi, given the breaker
// states on instance, for one response the pool served.
func (r *Recorder) expect(p *phaseAgg, pi, instance int) {
	pool := r.opts.Backends[pi]
	p.expCount[pool.Name]++
	if r.opts.Expected == nil {
		return
	}
	ci := pi*r.opts.Run.Instances + instance
	var fr []float64
	if instance >= 0 && instance < r.opts.Run.Instances && r.expCache[ci] != nil {
		fr = r.expCache[ci]
	} else {
		r.openInst = instance
		fr = r.opts.Expected(pool.Name, r.isOpen)
		if instance >= 0 && instance < r.opts.Run.Instances {
			// A copy: Expected may reuse its buffer.
			r.expCache[ci] = append(make([]float64, 0, len(fr)), fr...)
		}
	}
	sum := p.expSum[pool.Name]
	if sum == nil {
		sum = make([]float64, len(pool.Members))
		p.expSum[pool.Name] = sum
	}
	for i := range min(len(sum), len(fr)) {
		sum[i] += fr[i]
	}
}

// Attempt records one attempt the gateway instance sent to a backend
// (retries are attempts too); status 0 means no response.
func (r *Recorder) Attempt(at time.Duration, instance int, backend string, status int, latency time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := seriesKey{backend, instance}
	s := r.attempts[k]
	if s == nil {
		s = &seriesAgg{key: k}
		r.attempts[k] = s
	}
	s.add(int64(at/r.bucket), status, latency)
	// An attempt that started while the breaker was open went through a
	// breaker that should have refused it. Attempts are reported when they
	// end, so look at the state when this one started.
	// Spans are disjoint and in time order: look from the newest and stop
	// at the first that started before at (older ones ended before it
	// began), so a breaker that flapped all day costs O(1) here.
	sps := r.opened[k]
	for i := len(sps) - 1; i >= 0; i-- {
		sp := sps[i]
		if at <= sp.from {
			continue
		}
		if sp.to < 0 || at < sp.to {
			r.openHits[k]++
		}
		break
	}
}

// span is an interval of scenario time; to < 0 means still open.
type span struct{ from, to time.Duration }

// Transition records a breaker transition.
func (r *Recorder) Transition(t Transition) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := seriesKey{t.Backend, t.Instance}
	r.state[k] = t.To
	clear(r.expCache)
	r.trans = append(r.trans, t)
	if sp := r.opened[k]; len(sp) > 0 && sp[len(sp)-1].to < 0 {
		sp[len(sp)-1].to = t.At.D()
	}
	if t.To == StateOpen {
		r.opened[k] = append(r.opened[k], span{from: t.At.D(), to: -1})
	}
}

// Rebase sets the result's Run.Start: scenario time 0 on the gateway's
// clock, when an engine learns it only as the load starts.
func (r *Recorder) Rebase(start time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opts.Run.Start = start
}

// Started records the wall-clock instant the load started, and whether a
// shard started late.
func (r *Recorder) Started(at time.Time, late bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opts.Run.StartedAt = at
	if s := r.opts.Run.Shard; s != nil {
		c := *s
		c.StartedAt, c.Late = at, late
		r.opts.Run.Shard = &c
	}
}

// Warn adds a warning to the result.
func (r *Recorder) Warn(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warnings = append(r.warnings, fmt.Sprintf(format, args...))
}

// Finish builds the result and evaluates the scenario's expectations.
func (r *Recorder) Finish(wall time.Duration) *Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	run := r.opts.Run
	run.Wall = Duration(wall)
	res := &Result{Version: ResultVersion, Scenario: r.sc.Redacted(), Run: run, Backends: r.opts.Backends, Warnings: r.warnings}
	for _, p := range r.phases {
		res.Phases = append(res.Phases, r.finishPhase(p))
	}
	res.Faults = faultWindows(r.sc)
	res.Transitions = slices.Clone(r.trans)
	slices.SortStableFunc(res.Transitions, func(a, b Transition) int {
		if a.At != b.At {
			return cmpInt(int64(a.At), int64(b.At))
		}
		return cmpInt(int64(a.Instance), int64(b.Instance))
	})
	keys := slices.SortedFunc(maps.Keys(r.attempts), func(a, b seriesKey) int {
		if a.backend != b.backend {
			return cmpStr(a.backend, b.backend)
		}
		return a.instance - b.instance
	})
	for _, k := range keys {
		res.Series = append(res.Series, Series{Backend: k.backend, Instance: k.instance, Points: sparse(r.attempts[k].points)})
	}
	for _, c := range r.clients {
		res.Clients = append(res.Clients, Series{Stream: c.stream, Instance: -1, Points: sparse(c.points)})
	}
	for _, p := range res.Phases {
		if p.Requested > 0 && float64(p.Requests) < 0.97*p.Requested && run.Clock == ClockWall {
			res.Warnings = append(res.Warnings, fmt.Sprintf("phase %s/%s: achieved %.1f rps of %.1f requested (%.0f%%): the load generator fell short",
				p.Stream, p.Name, p.AchievedRate, p.RequestedRate, 100*float64(p.Requests)/p.Requested))
		}
	}
	for k, n := range r.openHits {
		if n > 0 {
			res.OpenAttempts = append(res.OpenAttempts, OpenAttempt{Backend: k.backend, Instance: k.instance, Count: n})
		}
	}
	slices.SortFunc(res.OpenAttempts, func(a, b OpenAttempt) int {
		if a.Backend != b.Backend {
			return cmpStr(a.Backend, b.Backend)
		}
		return a.Instance - b.Instance
	})
	Evaluate(res)
	return res
}

func (r *Recorder) finishPhase(p *phaseAgg) PhaseResult {
	out := p.res
	secs := (out.End - out.Start).D().Seconds()
	out.AchievedRate = float64(out.Requests) / secs
	out.Status = map[string]uint64{}
	var bad uint64
	for code, n := range p.status {
		out.Status[strconv.Itoa(code)] = n
		if code == 0 || code >= 500 {
			bad += n
		}
	}
	if out.Requests > 0 {
		out.ErrorRate = float64(bad) / float64(out.Requests)
	}
	if len(p.errors) > 0 {
		out.Errors = maps.Clone(p.errors)
	}
	if len(p.reasons) > 0 {
		out.Reasons = maps.Clone(p.reasons)
	}
	out.Served = maps.Clone(p.served)
	out.P50 = Duration(out.Latency.Quantile(0.50))
	out.P90 = Duration(out.Latency.Quantile(0.90))
	out.P99 = Duration(out.Latency.Quantile(0.99))
	out.Max = Duration(out.Latency.Max())
	for _, pool := range r.opts.Backends {
		n := p.expCount[pool.Name]
		if len(pool.Members) == 0 || n == 0 {
			continue
		}
		var total uint64
		for _, m := range pool.Members {
			total += p.served[m.Backend]
		}
		for i, m := range pool.Members {
			s := Share{Pool: pool.Name, Backend: m.Backend, Served: p.served[m.Backend], Expected: -1}
			if total > 0 {
				s.Observed = float64(s.Served) / float64(total)
			}
			if sum := p.expSum[pool.Name]; sum != nil {
				s.Expected = sum[i] / float64(n)
			}
			out.Shares = append(out.Shares, s)
		}
	}
	return out
}

// sparse drops empty buckets.
func sparse(points []Point) []Point {
	out := make([]Point, 0, len(points))
	for _, p := range points {
		if p.Requests > 0 {
			out = append(out, p)
		}
	}
	return out
}

// faultWindows lists the scenario's faults in backend and time order.
func faultWindows(sc *Scenario) []FaultWindow {
	end := sc.Length()
	var out []FaultWindow
	for _, name := range slices.Sorted(maps.Keys(sc.Backends)) {
		b := sc.Backends[name]
		if b == nil {
			continue
		}
		for _, f := range b.Faults {
			out = append(out, FaultWindow{Backend: name, Kind: f.Kind, From: f.From, To: windowEnd(f, end), Detail: f.Describe()})
		}
	}
	slices.SortStableFunc(out, func(a, b FaultWindow) int { return cmpInt(int64(a.From), int64(b.From)) })
	return out
}

// Describe renders a fault for reports ("status 503 at 100%, Retry-After 10s").
func (f *Fault) Describe() string {
	s := f.Kind
	switch f.Kind {
	case FaultStatus:
		s += " " + strconv.Itoa(f.Code)
		if f.RetryAfter > 0 {
			s += ", Retry-After " + f.RetryAfter.String()
		}
	case FaultLatency:
		s += " +" + f.Add.String()
		if f.Jitter > 0 {
			s += " (jitter " + f.Jitter.String() + ")"
		}
	case FaultSlowBody:
		bps := f.BytesPerSecond
		if bps == 0 {
			bps = DefaultSlowBodyBPS
		}
		s += fmt.Sprintf(" %d B/s", bps)
	}
	if f.Kind != FaultRefuse {
		s += fmt.Sprintf(" at %g%%", f.Share()*100)
	}
	return s
}

// DefaultSlowBodyBPS is the pace of a slow-body fault without
// bytesPerSecond.
const DefaultSlowBodyBPS = 100

// Clocks of RunInfo.Clock.
const (
	ClockVirtual = "virtual"
	ClockWall    = "wall"
)

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

var _ = hist.Index
