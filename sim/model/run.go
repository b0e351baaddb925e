package model

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/gwerr"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/clock"
	"github.com/apimlab/apimlab/sim"
)

// Engine is the name the model engine gives itself in sim.RunInfo.Engine.
const Engine = "model"

// ErrApproximation is wrapped by the error Run returns when the
// configuration holds something the model cannot represent and
// Options.AllowApproximation is not set. The CLI exits 2 on it.
var ErrApproximation = errors.New("model: the configuration needs approximations")

// ErrConfig is wrapped by the error Run returns when the configuration
// cannot run at all (a policy that does not parse, an unknown backend id):
// the gateway would refuse it too.
var ErrConfig = errors.New("model: configuration")

// ApproximationError lists what the model cannot represent.
type ApproximationError struct {
	Issues []Issue
}

// Error lists the issues, one a line.
func (e *ApproximationError) Error() string {
	var b strings.Builder
	b.WriteString(ErrApproximation.Error())
	b.WriteString(" (allow them with --allow-approximation):")
	for _, is := range e.Issues {
		b.WriteString("\n  ")
		b.WriteString(is.String())
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrApproximation) hold.
func (e *ApproximationError) Unwrap() error { return ErrApproximation }

// Options configure Run. The zero value is usable.
type Options struct {
	// AllowApproximation runs the scenario even when the configuration
	// holds something the model cannot represent; every such issue is then
	// a warning in the result. When false, Run fails with an
	// *ApproximationError listing them.
	AllowApproximation bool
	// Start is scenario time 0 on the virtual clock. If zero,
	// 2026-01-01T00:00:00Z, so that a run is reproducible to the byte.
	Start time.Time
	// Bucket is the width of the result's per-bucket series. 0 means 1 s
	// for scenarios up to MaxBuckets seconds long, and length/MaxBuckets
	// (whole seconds) beyond, so that memory does not grow with the
	// simulated duration: a day gets 24 s buckets.
	Bucket time.Duration
	// Version is apimlab's version, copied into the result.
	Version string
}

// DefaultStart is scenario time 0 when Options.Start is zero.
var DefaultStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Issues reads the routes every load phase of sc takes through svc and
// returns what the model cannot represent, with positions. It returns an
// error wrapping ErrConfig when the configuration cannot run at all. The
// CLI prints the issues before a run.
func Issues(svc *apim.Service, sc *sim.Scenario) ([]Issue, error) {
	p, err := plan(svc, sc)
	if err != nil {
		return nil, err
	}
	return p.router.issues, nil
}

// planned is the static part of a run: one route per stream and phase.
type planned struct {
	router *router
	routes [][]*route // [stream][phase]
}

func plan(svc *apim.Service, sc *sim.Scenario) (*planned, error) {
	if svc == nil || sc == nil {
		return nil, fmt.Errorf("%w: no service or no scenario", ErrConfig)
	}
	rt := newRouter(svc)
	p := &planned{router: rt}
	for _, st := range sc.Load {
		var rs []*route
		for _, ph := range st.Phases {
			req := st.RequestFor(ph)
			rs = append(rs, rt.routeFor(shape{method: strings.ToUpper(req.Method), path: req.Path, headers: req.Headers}))
		}
		p.routes = append(p.routes, rs)
	}
	if len(rt.errs) > 0 {
		return nil, fmt.Errorf("%w:\n  %s", ErrConfig, strings.Join(rt.errs, "\n  "))
	}
	return p, nil
}

// Run simulates sc against svc on a virtual clock, without sockets, and
// returns the same Result the live engine does (Run.Engine "model", Clock
// "virtual"). Each gateway instance has its own backends.Set (breakers and
// pools are per instance, as in Azure), requests reach the instances round
// robin, and each request follows the static reading of its effective
// policy (set-backend-service, retry, forward-request timeout) through the
// shared backend semantics; faults become outcome draws (see fake). The
// run is single-threaded and reproducible for a given seed.
func Run(ctx context.Context, svc *apim.Service, sc *sim.Scenario, opts Options) (*sim.Result, error) {
	wall := time.Now()
	e, err := newEngine(svc, sc, opts)
	if err != nil {
		return nil, err
	}
	if err := e.run(ctx); err != nil {
		return nil, err
	}
	return e.rec.Finish(time.Since(wall)), nil
}

// engine is one run's state.
type engine struct {
	sc    *sim.Scenario
	opts  Options
	start time.Time
	clk   *clock.Virtual
	rec   *sim.Recorder
	gws   []*gate
	q     queue

	streams []streamState
	reqs    []request
	free    []int32
	rr      int // round-robin position of the front

	// targets are the backend names routes send to (route.tid indexes
	// them); members holds each Single backend's fake and random stream,
	// by backends.Backend.Index.
	targets  []string
	members  []member
	adhocRng *rand.Rand
	sessRng  *rand.Rand
}

// streamState walks one load stream's phases.
type streamState struct {
	st     *sim.Stream
	phase  int
	offset time.Duration // start of the current phase
	arr    *sim.Arrivals
	rng    *rand.Rand
	routes []*route
	keys   [][]string // session keys per phase (nil: no session)
}

// request is one client request in flight.
type request struct {
	stream, phase int32
	inst          int32
	at            time.Duration // arrival
	rt            *route
	key           string
	n             int // retries done
	status        int // last response status (context.Response.StatusCode)
	reason        int // last error reason (index in condReasons)
	// the attempt in flight
	member string
	lease  lease
	att    attempt
	leased bool
}

func newEngine(svc *apim.Service, sc *sim.Scenario, opts Options) (*engine, error) {
	if svc == nil || sc == nil {
		return nil, fmt.Errorf("%w: no service or no scenario", ErrConfig)
	}
	if err := sc.Check(backendKinds(svc)); err != nil {
		return nil, err
	}
	p, err := plan(svc, sc)
	if err != nil {
		return nil, err
	}
	if len(p.router.issues) > 0 && !opts.AllowApproximation {
		return nil, &ApproximationError{Issues: p.router.issues}
	}
	model, err := breaker.ParseModel(sc.Gateway.BreakerModel)
	if err != nil {
		return nil, err
	}
	transp, err := breaker.ParseTransportErrors(sc.Gateway.TransportErrors)
	if err != nil {
		return nil, err
	}
	start := opts.Start
	if start.IsZero() {
		start = DefaultStart
	}
	e := &engine{sc: sc, opts: opts, start: start, clk: clock.NewVirtual(start)}
	seed := sc.Seed
	if seed == 0 {
		seed = 1
	}
	infos, expected, err := describe(svc, sc)
	if err != nil {
		return nil, err
	}
	bucket := opts.Bucket
	if bucket <= 0 {
		bucket = DefaultBucket(sc.Length())
	}
	e.rec = sim.NewRecorder(sc, sim.RecorderOptions{
		Run: sim.RunInfo{Engine: Engine, Clock: sim.ClockVirtual, BreakerModel: model.String(), TransportErrors: transp.String(), Speed: 1,
			Start: start, Bucket: sim.Duration(bucket), Version: opts.Version},
		Backends: infos,
		Expected: expected,
	})
	for _, is := range p.router.issues {
		e.rec.Warn("approximation: %s", is)
	}
	tids := map[string]int{}
	for _, rs := range p.routes {
		for _, r := range rs {
			if r.target == "" {
				continue
			}
			k := strings.ToLower(r.target)
			if _, ok := tids[k]; !ok {
				tids[k] = len(e.targets)
				e.targets = append(e.targets, r.target)
			}
			r.tid = tids[k]
		}
	}
	end := sc.Length()
	for i := range sc.Instances() {
		g, probs, err := newGate(svc, i, e, model, transp)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			for _, pr := range probs {
				if !pr.Kind.IsNote() {
					e.rec.Warn("backend semantics: %s", pr.Error())
				}
			}
			for _, b := range g.set.Backends() {
				m := member{name: b.Name()}
				if !b.IsPool() {
					spec := specFor(sc, b.Name())
					if err := checkTLS(sc, b.Entity(), b.Name(), spec); err != nil {
						return nil, err
					}
					m.fake = newFake(b.Entity(), spec, end)
					m.rng = rand.New(rand.NewPCG(seed, hashName(b.Name())))
				}
				e.members = append(e.members, m)
			}
		}
		e.gws = append(e.gws, g)
	}
	e.adhocRng = rand.New(rand.NewPCG(seed, 1<<62))
	e.sessRng = rand.New(rand.NewPCG(seed, 1<<62+1))
	for i, st := range sc.Load {
		ss := streamState{st: st, rng: rand.New(rand.NewPCG(seed, uint64(i))), routes: p.routes[i]}
		for j, ph := range st.Phases {
			req := st.RequestFor(ph)
			var keys []string
			// Session ids matter only where the gateway reads them: a pool
			// with session affinity by the cookie the client sends. Without
			// the cookie the gateway makes a new session per request, which
			// balances like no affinity at all.
			if rt := ss.routes[j]; req.Session != "" && rt.target != "" && e.gws[0].targets[rt.tid].SessionCookie() == req.Session {
				keys = make([]string, req.Sessions)
				for k := range keys {
					keys[k] = "session-" + strconv.Itoa(k)
				}
			}
			ss.keys = append(ss.keys, keys)
		}
		e.streams = append(e.streams, ss)
	}
	return e, nil
}

// hashName derives a backend's random stream from its name, so adding a
// backend to the scenario does not change the draws of the others.
func hashName(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(name)))
	return h.Sum64() >> 2 // below the ad hoc and session streams
}

// backendKinds describes the service's backends for sim.Scenario.Check.
func backendKinds(svc *apim.Service) map[string]sim.BackendKind {
	out := map[string]sim.BackendKind{}
	for _, b := range svc.Backends {
		faked := false
		if !b.IsPool() && b.URL.Known() {
			v := strings.ToLower(strings.TrimSpace(b.URL.Value))
			faked = strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://")
		}
		out[b.Name] = sim.BackendKind{Pool: b.IsPool(), Faked: faked}
	}
	return out
}

// run processes events until none is left.
func (e *engine) run(ctx context.Context) error {
	for i := range e.streams {
		e.startPhase(int32(i), 0)
	}
	for n := 0; e.q.len() > 0; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		ev := e.q.pop()
		e.clk.AdvanceTo(e.start.Add(ev.at))
		switch ev.kind {
		case evArrival:
			e.arrive(ev.idx, ev.at)
		case evAttempt:
			e.send(ev.idx, ev.at)
		case evDone:
			e.complete(ev.idx, ev.at)
		}
	}
	return nil
}

// startPhase moves stream s to phase j (past its last phase: done) and
// schedules its first arrival.
func (e *engine) startPhase(s int32, j int) {
	ss := &e.streams[s]
	for ; j < len(ss.st.Phases); j++ {
		if j > 0 {
			ss.offset += ss.st.Phases[j-1].Duration.D()
		}
		ss.phase = j
		ss.arr = sim.NewArrivals(ss.st.Phases[j], ss.rng)
		if t, ok := ss.arr.Next(); ok {
			e.q.push(ss.offset+t, evArrival, s)
			return
		}
	}
	ss.phase = len(ss.st.Phases)
}

// arrive starts a client request of stream s and schedules the next one.
func (e *engine) arrive(s int32, now time.Duration) {
	ss := &e.streams[s]
	j := ss.phase
	idx := e.alloc()
	r := &e.reqs[idx]
	*r = request{stream: s, phase: int32(j), inst: int32(e.rr), at: now, rt: ss.routes[j]}
	e.rr = (e.rr + 1) % len(e.gws)
	if keys := ss.keys[j]; len(keys) > 0 {
		r.key = keys[e.sessRng.IntN(len(keys))]
	}
	if t, ok := ss.arr.Next(); ok {
		e.q.push(ss.offset+t, evArrival, s)
	} else {
		e.startPhase(s, j+1)
	}
	e.send(idx, now)
}

func (e *engine) alloc() int32 {
	if n := len(e.free); n > 0 {
		idx := e.free[n-1]
		e.free = e.free[:n-1]
		return idx
	}
	e.reqs = append(e.reqs, request{})
	return int32(len(e.reqs) - 1)
}

// send makes request idx's next attempt at now.
func (e *engine) send(idx int32, now time.Duration) {
	r := &e.reqs[idx]
	rt := r.rt
	if rt.status > 0 {
		e.finish(idx, now, rt.status, "", "", rt.reason)
		return
	}
	if rt.target == "" {
		// An ad hoc URL: no entity, no breaker, no fake faults.
		r.member, r.leased = rt.adhoc, false
		r.att = (*fake)(nil).draw(now, rt.timeout, e.adhocRng)
		e.e2eAttempt(idx, now)
		return
	}
	b, l, status, reason, ok := e.gws[r.inst].acquire(rt.tid, r.key)
	if !ok {
		// The breaker is open or no pool member is available: the
		// gateway answers itself, no backend is called.
		e.after(idx, now, false, status, reasonIndex(reason))
		return
	}
	m := &e.members[b.Index()]
	r.member, r.lease, r.leased = m.name, l, true
	r.att = m.fake.draw(now, rt.timeout, m.rng)
	e.e2eAttempt(idx, now)
}

// e2eAttempt records the attempt just drawn and schedules its completion.
func (e *engine) e2eAttempt(idx int32, now time.Duration) {
	r := &e.reqs[idx]
	st := 0
	if r.att.kind == gotResponse {
		st = r.att.status
	}
	e.rec.Attempt(now, int(r.inst), r.member, st, r.att.latency)
	e.q.push(now+r.att.latency, evDone, idx)
}

// Transport errors as the breaker sees them.
var (
	errTransport = errors.New("model: connection failed")
	errTimeout   = errors.New("model: timeout waiting for the backend's response")
)

// complete ends request idx's attempt in flight at now.
func (e *engine) complete(idx int32, now time.Duration) {
	r := &e.reqs[idx]
	a := r.att
	if r.leased {
		var o breaker.Outcome
		switch a.kind {
		case gotResponse:
			o = breaker.Outcome{StatusCode: a.status, RetryAfter: a.retryAfter}
		case gotTransport:
			o = breaker.Outcome{Err: errTransport, ErrReason: reasonConnection}
		default:
			o = breaker.Outcome{Err: errTimeout, ErrReason: reasonTimeout}
		}
		r.lease.Done(o)
		r.leased = false
	}
	switch a.kind {
	case gotResponse:
		e.after(idx, now, true, a.status, 0)
	case gotTransport:
		e.after(idx, now, false, gwerr.ConnectionStatus, reasonIndex(reasonConnection))
	default:
		e.after(idx, now, false, gwerr.TimeoutStatus, reasonIndex(reasonTimeout))
	}
}

// after applies the retry policy once an attempt has ended: with a
// response (status is the backend's) or with a gateway error (status is
// what the gateway answers, reason its LastError.Reason). As in the
// gateway, the condition sees the last response's status, which an error
// does not change, and the last error's reason.
func (e *engine) after(idx int32, now time.Duration, resp bool, status, reason int) {
	r := &e.reqs[idx]
	if resp {
		r.status = status
	} else {
		r.reason = reason
	}
	if rs := r.rt.retry; rs != nil && r.n < rs.count && rs.again(r.status, r.reason) {
		r.n++
		e.q.push(now+rs.wait(r.n), evAttempt, idx)
		return
	}
	switch {
	case !resp:
		e.finish(idx, now, status, "", "", condReasons[reason])
	case r.att.truncated:
		e.finish(idx, now+r.att.extra, 0, "truncated response body", r.member, "")
	default:
		e.finish(idx, now+r.att.extra, status, "", r.member, "")
	}
}

// finish records request idx's outcome and frees it. reason is the
// gateway's error reason when it answered itself.
func (e *engine) finish(idx int32, end time.Duration, status int, errText, backend, reason string) {
	r := &e.reqs[idx]
	e.rec.Request(sim.RequestRecord{
		Stream: int(r.stream), Phase: int(r.phase), Instance: int(r.inst), At: r.at,
		Latency: end - r.at, Status: status, Error: errText, Backend: backend, Reason: reason,
	})
	*r = request{}
	e.free = append(e.free, idx)
}

// lowerKey lower-cases ASCII without allocating when s is already lower
// case (backend names usually are).
func lowerKey(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// MaxBuckets bounds the buckets of a series when Options.Bucket is 0.
const MaxBuckets = 3600

// DefaultBucket is the bucket width for a scenario of the given length: 1 s
// up to an hour, then the whole seconds that keep MaxBuckets buckets.
func DefaultBucket(length time.Duration) time.Duration {
	b := time.Second
	if n := (length + MaxBuckets*time.Second - 1) / (MaxBuckets * time.Second); n > 1 {
		b = n * time.Second
	}
	return b
}
