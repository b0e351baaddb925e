package live

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/clock"
	"github.com/apimlab/apimlab/gateway"
	"github.com/apimlab/apimlab/sim"
)

// MaxRequests bounds the requests of one live run: a day of traffic is the
// model engine's job.
const MaxRequests = 2_000_000

// ClientTimeout is how long, in scenario time, a client of a virtual-clock
// run waits for a complete answer (vegeta's default timeout, which the
// wall-clock client also uses): a request still running then is recorded
// with no status and the error errClientTimeout.
const ClientTimeout = 30 * time.Second

const errClientTimeout = "client timeout: no complete answer within 30s of scenario time"

// DefaultMaxWorkers bounds the requests in flight of a wall-clock phase
// that sets no maxWorkers.
const DefaultMaxWorkers = 1024

// Options configure Run. The zero value runs on the virtual clock.
type Options struct {
	// Clock is sim.ClockVirtual ("" too) or sim.ClockWall.
	Clock string
	// Speed compresses a wall-clock run's timeline (2 = twice as fast).
	// 0 means 1; it must be 1 on the virtual clock.
	Speed float64
	// BreakerModel, when non-nil, overrides the scenario's gateway.breakerModel.
	BreakerModel *breaker.Model
	// TransportErrors, when non-nil, overrides the scenario's
	// gateway.transportErrors.
	TransportErrors *breaker.TransportErrors
	// Start is scenario time 0 on the gateway's clock. If zero, the
	// current time truncated to the second.
	Start time.Time
	// Dir is where the throw-away CA certificate is written for the
	// gateway. If "", a temporary folder removed when Run returns.
	Dir string
	// Logger receives the gateway's logs. If nil, they are discarded.
	Logger *slog.Logger
	// Version is apimlab's version, recorded in the result.
	Version string
	// VegetaResults, if non-nil, receives vegeta's own encoded results
	// (gob), so `vegeta report` and `vegeta plot` work on the run.
	VegetaResults io.Writer
	// Progress, if non-nil, is called about four times a second of wall
	// time with the run's progress.
	Progress func(Progress)
	// StallTimeout bounds, in wall time, how long the virtual-clock driver
	// waits for requests in flight to finish or wait; 0 means 30s.
	StallTimeout time.Duration

	// Target, when set, runs the load phases against a deployed gateway
	// at this base URL instead of the embedded one: no fakes, no faults,
	// the wall clock. svc may then be nil (it only names backends).
	Target string
	// BackendHeader is the response header that names the serving backend
	// on Target (the user's policy sets it); "" means HeaderBackend's
	// spelling, x-apimlab-backend.
	BackendHeader string
	// TargetHeaders are added to every request sent to Target
	// (subscription keys, tokens: the CLI reads them from environment
	// variables). They never appear in the result.
	TargetHeaders http.Header
	// Shard, when Count > 1, sends only this shard's arrivals: every
	// Count-th arrival of every phase, from arrival Index on.
	Shard sim.Shard
	// StartAt, when set, is the instant the load starts (all shards agree
	// on it); a run that reaches it more than a second late still runs and
	// is marked late.
	StartAt time.Time
}

// Progress is a snapshot of a running simulation.
type Progress struct {
	// Phase names the current phase of each stream ("orders/ramp").
	Phase []string
	// Elapsed and Total are scenario times.
	Elapsed, Total time.Duration
	// Requests and Errors count requests sent and those answered 5xx or
	// not at all.
	Requests, Errors uint64
	// Requested is the number of requests the phases asked for so far.
	Requested float64
	// Open lists the breakers open now ("orders-eastus", "orders-eastus#1"
	// for instance 1 of several).
	Open []string
}

// Run starts fake backends for svc, sc's gateway instances over svc, and
// runs sc's load streams against them, returning what happened. Every
// listener is on 127.0.0.1 and is closed before Run returns.
func Run(ctx context.Context, svc *apim.Service, sc *sim.Scenario, opts Options) (*sim.Result, error) {
	if sc == nil || (svc == nil && opts.Target == "") {
		return nil, fmt.Errorf("%w: no service or no scenario", sim.ErrScenario)
	}
	if svc == nil {
		svc = &apim.Service{}
	}
	e, err := newEngine(svc, sc, opts)
	if err != nil {
		return nil, err
	}
	defer e.close()
	if err := e.setUp(svc); err != nil {
		return nil, err
	}
	began, err := e.waitStart(ctx)
	if err != nil {
		return nil, err
	}
	stopProgress := e.progressLoop()
	if e.virtual != nil {
		err = e.runVirtual(ctx)
	} else {
		err = e.runWall(ctx)
	}
	stopProgress()
	if err != nil {
		return nil, err
	}
	if e.opts.Target != "" {
		e.inferTransitions()
	}
	return e.rec.Finish(time.Since(began)), nil
}

// engine holds one run's servers and state.
type engine struct {
	sc      *sim.Scenario
	opts    Options
	clk     clock.Clock
	virtual *clock.Virtual // nil on the wall clock
	start   time.Time      // scenario time 0 when the engine was built (see zero)
	zeroAt  atomic.Pointer[time.Time]
	length  time.Duration
	model   breaker.Model
	transp  breaker.TransportErrors

	fakes     []*fake
	byBackend map[string]*fake
	gws       []*gateway.Gateway
	rec       *sim.Recorder
	set       *backendInfo

	tmpDir  string
	front   *http.Server
	base    string
	client  *http.Client
	next    atomic.Uint64 // round-robin over instances
	nextID  atomic.Uint64
	sent    atomic.Uint64
	errors  atomic.Uint64
	open    sync.Map // "backend#instance" → struct{}
	phases  []atomic.Pointer[string]
	arrived sync.Map // request id → arrival

	mu       sync.Mutex
	inflight map[uint64]struct{}
	changed  chan struct{}

	began    time.Time // wall-clock start of the load
	late     bool      // started more than a second after StartAt
	servedMu sync.Mutex
	served   map[string][]uint64 // target mode: responses per backend and second
}

// arrival is one request to send.
type arrival struct {
	id            uint64
	stream, phase int
	at            time.Duration
	req           *sim.Request
}

func newEngine(svc *apim.Service, sc *sim.Scenario, opts Options) (*engine, error) {
	e := &engine{sc: sc, opts: opts, length: sc.Length(), inflight: map[uint64]struct{}{}, changed: make(chan struct{})}
	e.start = opts.Start
	if e.start.IsZero() {
		e.start = time.Now().UTC().Truncate(time.Second)
	}
	speed := opts.Speed
	if speed == 0 {
		speed = 1
	}
	if opts.Target != "" {
		if err := checkTarget(sc, &opts); err != nil {
			return nil, err
		}
		e.opts = opts
	}
	switch opts.Clock {
	case "", sim.ClockVirtual:
		if speed != 1 {
			return nil, fmt.Errorf("%w: --speed applies to the wall clock; the virtual clock runs as fast as the machine allows", sim.ErrScenario)
		}
		e.virtual = clock.NewVirtual(e.start)
		e.clk = e.virtual
		e.opts.Clock = sim.ClockVirtual
	case sim.ClockWall:
		sc, err := clock.NewScaled(e.start, speed)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", sim.ErrScenario, err)
		}
		e.clk = sc
	default:
		return nil, fmt.Errorf("%w: clock %q: valid values are virtual and wall", sim.ErrScenario, opts.Clock)
	}
	e.opts.Speed = speed
	switch {
	case opts.BreakerModel != nil:
		e.model = *opts.BreakerModel
	case sc.Gateway.BreakerModel != "":
		m, err := breaker.ParseModel(sc.Gateway.BreakerModel)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", sim.ErrScenario, err)
		}
		e.model = m
	}
	switch {
	case opts.TransportErrors != nil:
		e.transp = *opts.TransportErrors
	default:
		t, err := breaker.ParseTransportErrors(sc.Gateway.TransportErrors)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", sim.ErrScenario, err)
		}
		e.transp = t
	}
	var total float64
	for _, st := range sc.Load {
		for _, ph := range st.Phases {
			total += ph.Expected(ph.Duration.D())
		}
	}
	if total > MaxRequests {
		return nil, fmt.Errorf("%w: the load asks for %.0f requests, more than a live run sends (%d); use --engine model for long or heavy scenarios",
			sim.ErrScenario, total, MaxRequests)
	}
	if opts.Target == "" {
		e.fakes, e.byBackend = planFakes(svc)
	}
	kinds := map[string]sim.BackendKind{}
	for _, b := range svc.Backends {
		kinds[b.Name] = sim.BackendKind{Pool: b.IsPool(), Faked: e.byBackend[strings.ToLower(b.Name)] != nil}
	}
	if err := sc.Check(kinds); err != nil && opts.Target == "" {
		return nil, err
	}
	for name, spec := range sc.Backends {
		f := e.byBackend[strings.ToLower(name)]
		if f == nil {
			continue // target mode: no fakes
		}
		if f.spec != nil && f.spec != spec {
			return nil, fmt.Errorf("%w: %s: backends %q and %q share the address %s, so one fake stands in for both: describe it once",
				sim.ErrScenario, sc.At("$.backends."+name+"#key"), f.name, name, f.target)
		}
		f.spec = spec
		if !f.tls {
			for _, ft := range spec.Faults {
				if ft.Kind == sim.FaultTLSFail {
					return nil, fmt.Errorf("%w: %s: tls-fail on %q, whose URL is plain http", sim.ErrScenario, sc.At("$.backends."+name), name)
				}
			}
			if spec.TLS != "" || spec.RequireClientCert {
				return nil, fmt.Errorf("%w: %s: tls settings on %q, whose URL is plain http", sim.ErrScenario, sc.At("$.backends."+name), name)
			}
		}
	}
	for _, f := range e.fakes {
		f.e = e
	}
	e.set = newBackendInfo(svc, e.fakes)
	e.rec = sim.NewRecorder(sc, sim.RecorderOptions{
		Run: sim.RunInfo{
			Engine: "live", Clock: e.opts.Clock, BreakerModel: e.model.String(), TransportErrors: e.transp.String(), Speed: speed,
			Start: e.start, Version: opts.Version, Shard: e.shardInfo(),
		},
		Backends: e.set.infos,
		Expected: e.set.expected,
	})
	e.phases = make([]atomic.Pointer[string], len(sc.Load))
	return e, nil
}

// now returns the scenario time.
func (e *engine) now() time.Duration { return e.clk.Now().Sub(e.zero()) }

// zero returns scenario time 0 on the gateway's clock. On the wall clock
// it moves, once, to the instant the load starts (waitStart): the scaled
// clock runs from the engine's construction, and setting up (or waiting
// for --start-at) must not count as scenario time. Handlers read it from
// goroutines the race detector cannot order after that move (they are
// reached over sockets), hence the atomic.
func (e *engine) zero() time.Time {
	if p := e.zeroAt.Load(); p != nil {
		return *p
	}
	return e.start
}

// setUp starts the fakes (with a test PKI when one is HTTPS), the gateway
// instances and the front that spreads requests over them.
func (e *engine) setUp(svc *apim.Service) error {
	if e.opts.Target != "" {
		return e.setUpTarget()
	}
	var caFiles []string
	certFor := map[*fake]*tls.Certificate{}
	var clientCAs *x509.CertPool
	if hosts := tlsHosts(e.fakes); len(hosts) > 0 {
		pki, err := certs.NewPKI(certs.InitOptions{Hosts: hosts, Now: e.start})
		if err != nil {
			return err
		}
		clientCAs = pki.RootPool()
		for _, f := range e.fakes {
			if !f.tls {
				continue
			}
			mode := ""
			if f.spec != nil {
				mode = f.spec.TLS
			}
			is, err := serverCert(pki, mode, f.host)
			if err != nil {
				return err
			}
			c := is.TLSCertificate()
			certFor[f] = &c
		}
		dir := e.opts.Dir
		if dir == "" {
			if dir, err = os.MkdirTemp("", "apimlab-sim-"); err != nil {
				return err
			}
			e.tmpDir = dir
		}
		ca := filepath.Join(dir, "simulation-root-ca.pem")
		if err := os.WriteFile(ca, pki.Root.CertPEM(), 0o644); err != nil {
			return err
		}
		caFiles = append(caFiles, ca)
	}
	for _, f := range e.fakes {
		if err := f.start(certFor[f], clientCAs); err != nil {
			return err
		}
	}
	for i := range e.sc.Instances() {
		inst := i
		gw, err := gateway.New(svc, gateway.Options{
			Clock:           e.clk,
			DialContext:     dialer(e.fakes),
			Logger:          e.opts.Logger,
			CAFiles:         caFiles,
			BreakerModel:    e.model,
			TransportErrors: e.transp,
			MinRequests:     e.sc.Gateway.MinRequests,
			AllowUnemulated: e.sc.Gateway.AllowUnemulated,
			InstanceID:      fmt.Sprintf("sim-%d", inst),
			Seed:            e.sc.Seed + uint64(inst),
			OnTransition:    func(ev breaker.Event) { e.transition(inst, ev) },
			OnAttempt:       func(a gateway.Attempt) { e.attempt(inst, a) },
		})
		if err != nil {
			return fmt.Errorf("gateway: %w", err)
		}
		e.gws = append(e.gws, gw)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	e.front = &http.Server{Handler: http.HandlerFunc(e.serveFront), ReadHeaderTimeout: 30 * time.Second, ErrorLog: discardLog}
	go func() { _ = e.front.Serve(ln) }()
	e.base = "http://" + ln.Addr().String()
	timeout := 30 * time.Second
	if e.virtual != nil {
		timeout = 0 // scenario time decides; StallTimeout guards the run
	}
	e.client = &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: 4096, DisableCompression: true},
		Timeout:   timeout,
		// Show redirects as they are: the gateway's answer is the result.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return nil
}

// serverCert returns the certificate an HTTPS fake presents for mode.
func serverCert(pki *certs.PKI, mode, host string) (*certs.Issued, error) {
	switch mode {
	case "", "auto":
		return pki.Server, nil
	case "expired":
		return pki.ServerExpired, nil
	case "self-signed":
		return pki.ServerSelfSigned, nil
	case "wrong-host":
		return pki.IssueServer([]string{"not-" + host}, false)
	case "untrusted-ca":
		return pki.IssueServer([]string{host}, true)
	}
	return nil, fmt.Errorf("%w: unknown tls mode %q", sim.ErrScenario, mode)
}

// tlsHosts returns the sorted host names of the HTTPS fakes.
func tlsHosts(fakes []*fake) []string {
	var hosts []string
	for _, f := range fakes {
		if f.tls && !slices.Contains(hosts, f.host) {
			hosts = append(hosts, f.host)
		}
	}
	slices.Sort(hosts)
	return hosts
}

// close stops everything setUp started; it is safe after a partial setUp.
func (e *engine) close() {
	if e.front != nil {
		_ = e.front.Close()
	}
	for _, gw := range e.gws {
		gw.Close()
	}
	for _, f := range e.fakes {
		f.close()
	}
	if e.client != nil {
		e.client.CloseIdleConnections()
	}
	if e.tmpDir != "" {
		_ = os.RemoveAll(e.tmpDir)
	}
}

// transition records a breaker transition of instance.
func (e *engine) transition(inst int, ev breaker.Event) {
	key := fmt.Sprintf("%s#%d", ev.Backend, inst)
	if ev.To == breaker.Open {
		e.open.Store(key, struct{}{})
	} else {
		e.open.Delete(key)
	}
	t := sim.Transition{
		At: sim.Duration(ev.Time.Sub(e.zero())), Instance: inst, Backend: ev.Backend,
		From: ev.From.String(), To: ev.To.String(), Reason: ev.Reason, Detail: ev.Detail,
		Counts:     sim.Counts{Requests: ev.Counts.Requests, Failures: ev.Counts.Failures},
		RetryAfter: sim.Duration(ev.RetryAfter),
	}
	if ev.To == breaker.Open && !ev.OpenUntil.IsZero() {
		t.OpenFor = sim.Duration(ev.OpenUntil.Sub(ev.Time))
	}
	e.rec.Transition(t)
}

// attempt records one backend attempt of instance.
func (e *engine) attempt(inst int, a gateway.Attempt) {
	e.rec.Attempt(a.Start.Sub(e.zero()), inst, a.Backend, a.Status, a.End.Sub(a.Start))
}

// serveFront spreads requests over the gateway instances round-robin (as
// Azure's load balancer spreads them over units) and records each one.
func (e *engine) serveFront(w http.ResponseWriter, r *http.Request) {
	id, _ := parseID(r.Header.Get(HeaderRequest))
	v, ok := e.arrived.Load(id)
	if !ok {
		http.Error(w, "apimlab sim: unknown request", http.StatusBadRequest)
		return
	}
	a := v.(*arrival)
	inst := int((e.next.Add(1) - 1) % uint64(len(e.gws)))
	rw := &recorder{ResponseWriter: w}
	t0 := e.clk.Now()
	ctx := clock.WithTag(r.Context(), id)
	var timedOut atomic.Bool
	if e.virtual != nil {
		// The client gives up after ClientTimeout of scenario time, as
		// vegeta's client does on the wall clock: without it a slow body
		// or a hanging backend behind a long forward-request timeout kept
		// the run going (timer after timer) long after the scenario ended.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		tm := e.clk.AfterFunc(ClientTimeout, func() { timedOut.Store(true); cancel() })
		defer tm.Stop()
		// Deferred, so that it also runs when the gateway's proxy aborts
		// the response (it panics with http.ErrAbortHandler once the
		// context ends mid-body), before the client sees the abort.
		defer func() {
			if timedOut.Load() {
				if _, ok := e.arrived.LoadAndDelete(id); ok {
					e.errors.Add(1)
					e.rec.Request(sim.RequestRecord{
						Stream: a.stream, Phase: a.phase, Instance: inst, At: t0.Sub(e.zero()),
						Latency: ClientTimeout, Error: errClientTimeout,
					})
				}
				e.finished(id)
			}
		}()
	}
	e.gws[inst].ServeHTTP(rw, r.WithContext(ctx))
	lat := e.clk.Now().Sub(t0)
	if timedOut.Load() {
		panic(http.ErrAbortHandler) // the client saw no complete answer
	}
	if !rw.failed {
		status := rw.status
		if status == 0 {
			status = http.StatusOK
		}
		if status >= 500 {
			e.errors.Add(1)
		}
		e.rec.Request(sim.RequestRecord{
			Stream: a.stream, Phase: a.phase, Instance: inst, At: t0.Sub(e.zero()),
			Latency: lat, Status: status, Backend: rw.Header().Get(gateway.HeaderBackend),
			Reason: rw.Header().Get(gateway.HeaderReason),
		})
		e.arrived.Delete(id)
	}
	e.finished(id)
}

// recorder is a ResponseWriter that remembers the status and whether
// writing to the client failed.
type recorder struct {
	http.ResponseWriter
	status int
	failed bool
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	if err != nil {
		w.failed = true
	}
	return n, err
}

func (w *recorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// started marks request id in flight.
func (e *engine) started(a *arrival) {
	e.arrived.Store(a.id, a)
	e.mu.Lock()
	e.inflight[a.id] = struct{}{}
	e.mu.Unlock()
}

// finished marks request id done.
func (e *engine) finished(id uint64) {
	e.mu.Lock()
	if _, ok := e.inflight[id]; ok {
		delete(e.inflight, id)
		close(e.changed)
		e.changed = make(chan struct{})
	}
	e.mu.Unlock()
	if e.virtual != nil {
		e.virtual.Forget(id)
	}
	for _, f := range e.fakes {
		f.forget(id)
	}
}

// target returns vegeta's targeter for the arrivals sent on next.
func (e *engine) target(next <-chan *arrival) vegeta.Targeter {
	return func(t *vegeta.Target) error {
		a, ok := <-next
		if !ok {
			return vegeta.ErrNoTargets
		}
		t.Method = a.req.Method
		// The fragment is never sent; it lets the result loop find the
		// arrival of a request that got no response.
		t.URL = e.base + a.req.Path + "#" + formatID(a.id)
		t.Header = http.Header{HeaderRequest: {formatID(a.id)}}
		for k, v := range a.req.Headers {
			t.Header.Set(k, v)
		}
		for k, v := range e.opts.TargetHeaders {
			t.Header[k] = v
		}
		if a.req.Session != "" {
			sid := 1 + a.id%uint64(max(a.req.Sessions, 1))
			t.Header.Add("Cookie", a.req.Session+"=session-"+formatID(sid))
		}
		if a.req.Body != "" {
			t.Body = []byte(a.req.Body)
		}
		return nil
	}
}

// collect reads vegeta's results: requests that got no response are
// recorded here (the front records the others).
func (e *engine) collect(results <-chan *vegeta.Result, enc vegeta.Encoder) error {
	var encErr error
	for res := range results {
		if enc != nil && encErr == nil {
			encErr = enc.Encode(res)
		}
		_, frag, _ := strings.Cut(res.URL, "#")
		id, ok := parseID(frag)
		if !ok {
			continue
		}
		if e.opts.Target != "" {
			e.recordTarget(id, res)
			continue
		}
		if res.Code != 0 {
			continue
		}
		v, ok := e.arrived.LoadAndDelete(id)
		if !ok {
			continue // the front recorded it
		}
		a := v.(*arrival)
		e.errors.Add(1)
		lat := res.Latency
		if e.virtual != nil {
			// Scenario time, as the front measures answered requests
			// (vegeta's latency is wall time): the clock waits for this
			// request until finished.
			lat = e.now() - a.at
		}
		e.rec.Request(sim.RequestRecord{Stream: a.stream, Phase: a.phase, At: a.at, Latency: lat, Error: clientError(res.Error)})
		e.finished(id)
	}
	return encErr
}

// clientError drops the method and URL from a Go HTTP client error
// (`Get "http://…/path#42": EOF` → `EOF`): the URL carries each request's
// id, so every failure was its own error kind and the per-phase error
// table, bounded to a few kinds, kept eight requests and lost the rest.
func clientError(s string) string {
	if i := strings.Index(s, `": `); i > 0 {
		if method, _, ok := strings.Cut(s[:i], ` "`); ok && method != "" && !strings.Contains(method, " ") {
			return s[i+3:]
		}
	}
	return s
}

func formatID(id uint64) string { return fmt.Sprint(id) }

func parseID(s string) (uint64, bool) {
	var id uint64
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		id = id*10 + uint64(c-'0')
	}
	return id, true
}

// streamRNG returns the arrivals generator of one phase.
func (e *engine) streamRNG(stream, phase int) *rand.Rand {
	return rand.New(rand.NewPCG(e.sc.Seed, uint64(stream)<<32|uint64(phase)))
}

// progressLoop reports progress until the returned func is called.
func (e *engine) progressLoop() func() {
	if e.opts.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				e.opts.Progress(e.progress())
				return
			case <-t.C:
				e.opts.Progress(e.progress())
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (e *engine) progress() Progress {
	p := Progress{Elapsed: min(e.now(), e.length), Total: e.length, Requests: e.sent.Load(), Errors: e.errors.Load()}
	for i := range e.phases {
		if s := e.phases[i].Load(); s != nil {
			p.Phase = append(p.Phase, *s)
		}
	}
	for _, st := range e.sc.Load {
		var start time.Duration
		for _, ph := range st.Phases {
			if p.Elapsed > start {
				p.Requested += ph.Expected(min(p.Elapsed-start, ph.Duration.D()))
			}
			start += ph.Duration.D()
		}
	}
	if n := e.opts.Shard.Count; n > 1 {
		p.Requested /= float64(n) // this shard's share
	}
	e.open.Range(func(k, _ any) bool {
		name := k.(string)
		if len(e.gws) == 1 {
			name = strings.TrimSuffix(name, "#0")
		}
		p.Open = append(p.Open, name)
		return true
	})
	slices.Sort(p.Open)
	return p
}

var discardLog = log.New(io.Discard, "", 0)

var errStalled = errors.New("live engine: requests in flight neither finished nor waited on the clock")
