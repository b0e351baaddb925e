package live

import (
	"context"
	"crypto/tls"

	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/certs"
	"github.com/apimlab/apimlab/gateway"
)

// Options configure Run. The zero value is usable.
type Options struct {
	// Start is the clock's initial time. If zero, the current time
	// truncated to the second.
	Start time.Time
	// Concurrency is the number of requests in flight at once, 1..
	// MaxConcurrency. 0 means 1: strictly sequential, reproducible runs.
	Concurrency int
	// BreakerModel is passed to the gateway; the zero value is half-open.
	BreakerModel breaker.Model
	// Dir is where the throw-away CA certificate is written for the
	// gateway. If "", a temporary folder removed when Run returns.
	Dir string
	// Logger receives the gateway's logs. If nil, they are discarded.
	Logger *slog.Logger
	// EventTimeout bounds (in wall time) the wait for the gateway's
	// /events stream to deliver a phase's transitions. 0 means 5s.
	EventTimeout time.Duration

	// serverCert picks the certificate HTTPS fakes present; nil means
	// PKI.Server. Tests swap in broken ones to prove validation is on.
	serverCert func(*certs.PKI) *certs.Issued
}

// Run starts fake backends for svc, a gateway over svc, and runs the
// scenario's phases against it. Every listener is on 127.0.0.1 and is
// closed before Run returns.
func Run(ctx context.Context, svc *apim.Service, sc *Scenario, opts Options) (*Result, error) {
	if svc == nil || sc == nil {
		return nil, fmt.Errorf("%w: no service or no scenario", ErrScenario)
	}
	conc := opts.Concurrency
	if conc == 0 {
		conc = 1
	}
	if conc < 1 || conc > MaxConcurrency {
		return nil, fmt.Errorf("%w: concurrency must be in 1..%d (got %d)", ErrScenario, MaxConcurrency, conc)
	}
	fakes, byBackend := planFakes(svc)
	names := map[string]bool{}
	for n := range byBackend {
		names[n] = true
	}
	if err := sc.validate(names); err != nil {
		return nil, err
	}
	start := opts.Start
	if start.IsZero() {
		start = time.Now().UTC().Truncate(time.Second)
	}
	r := &runner{sc: sc, opts: opts, conc: conc, clock: NewClock(start), fakes: fakes, byBackend: byBackend}
	defer r.close()
	if err := r.setUp(ctx, svc); err != nil {
		return nil, err
	}
	res := &Result{Scenario: sc.Name, Model: opts.BreakerModel.String(), Start: start}
	for _, f := range fakes {
		res.Fakes = append(res.Fakes, FakeInfo{Name: f.Name, Backends: f.Backends, Target: f.Target, TLS: f.TLS})
	}
	for _, p := range sc.Phases {
		pr, err := r.phase(ctx, p)
		if err != nil {
			return res, fmt.Errorf("phase %q: %w", p.Name, err)
		}
		res.Phases = append(res.Phases, pr)
	}
	return res, nil
}

// runner holds one run's servers and state.
type runner struct {
	sc        *Scenario
	opts      Options
	conc      int
	clock     *Clock
	fakes     []*fake
	byBackend map[string]int

	tmpDir  string
	gw      *gateway.Gateway
	servers []*http.Server
	base    string       // gateway frontend URL
	client  *http.Client // drives the gateway
	sub     *http.Client // reads /events
	events  *eventStream
	ran     bool // a phase has run
}

// setUp starts the fakes (with a test PKI when one is HTTPS), the gateway
// and its admin endpoints, and subscribes to breaker events.
func (r *runner) setUp(ctx context.Context, svc *apim.Service) error {
	var caFiles []string
	var cert *tls.Certificate
	if hosts := tlsHosts(r.fakes); len(hosts) > 0 {
		pki, err := certs.NewPKI(certs.InitOptions{Hosts: hosts})
		if err != nil {
			return err
		}
		issued := pki.Server
		if r.opts.serverCert != nil {
			issued = r.opts.serverCert(pki)
		}
		c := issued.TLSCertificate()
		cert = &c
		dir := r.opts.Dir
		if dir == "" {
			if dir, err = os.MkdirTemp("", "apimlab-live-"); err != nil {
				return err
			}
			r.tmpDir = dir
		}
		ca := filepath.Join(dir, "rehearsal-root-ca.pem")
		if err := os.WriteFile(ca, pki.Root.CertPEM(), 0o644); err != nil {
			return err
		}
		caFiles = append(caFiles, ca)
	}
	for _, f := range r.fakes {
		if err := f.start(cert); err != nil {
			return err
		}
	}
	gw, err := gateway.New(svc, gateway.Options{
		Now:          r.clock.Now,
		DialContext:  dialer(r.fakes),
		Logger:       r.opts.Logger,
		CAFiles:      caFiles,
		BreakerModel: r.opts.BreakerModel,
		// Retry waits pass on the scenario clock, not the wall clock.
		Sleep: func(ctx context.Context, d time.Duration) error {
			r.clock.Advance(d)
			return ctx.Err()
		},
	})
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	r.gw = gw
	front, err := r.serve(gw)
	if err != nil {
		return err
	}
	admin, err := r.serve(gw.Admin())
	if err != nil {
		return err
	}
	r.base = front
	r.client = &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: MaxConcurrency, DisableCompression: true},
		Timeout:   30 * time.Second,
		// Show redirects as they are: the gateway's answer is the result.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	r.sub = &http.Client{Transport: &http.Transport{}}
	if r.events, err = subscribe(ctx, r.sub, admin); err != nil {
		return err
	}
	return nil
}

// serve serves h on a new loopback listener and returns its base URL.
func (r *runner) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	r.servers = append(r.servers, s)
	go func() { _ = s.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// close stops everything setUp started; it is safe after a partial setUp.
func (r *runner) close() {
	if r.events != nil {
		r.events.close()
	}
	if r.gw != nil {
		r.gw.Close()
	}
	for _, s := range r.servers {
		_ = s.Close()
	}
	for _, f := range r.fakes {
		f.close()
	}
	for _, c := range []*http.Client{r.client, r.sub} {
		if c != nil {
			c.CloseIdleConnections()
		}
	}
	if r.tmpDir != "" {
		_ = os.RemoveAll(r.tmpDir)
	}
}

// phase runs one phase.
func (r *runner) phase(ctx context.Context, p Phase) (PhaseResult, error) {
	pr := PhaseResult{
		Name: p.Name, Note: p.Note, Faults: map[string]string{}, Status: map[int]int{},
		Served: map[string]int{}, Attempts: map[string]int{}, Breakers: map[string]string{},
	}
	for _, f := range r.fakes {
		f.setFault(nil)
		f.attempts.Store(0)
	}
	for name, fault := range p.Faults {
		f := r.fakes[r.byBackend[strings.ToLower(name)]]
		f.setFault(fault)
		pr.Faults[f.Name] = fault.String()
	}
	step := p.step()
	if r.ran {
		r.clock.Advance(step) // requests stay Step apart across phases
	}
	r.ran = true
	r.clock.Advance(p.Advance)
	pr.Start = r.clock.Now()
	firstEvent := r.events.count()

	method := r.sc.Method
	if method == "" {
		method = http.MethodGet
	}
	target := r.base + r.sc.Path
	var hits atomic.Int64
	tr := func(t *vegeta.Target) error {
		if hits.Add(1) > 1 {
			r.clock.Advance(step)
		}
		t.Method, t.URL = method, target
		return nil
	}
	atk := vegeta.NewAttacker(
		vegeta.Client(r.client),
		vegeta.Workers(uint64(r.conc)),
		vegeta.MaxWorkers(uint64(r.conc)),
	)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	for res := range atk.Attack(vegeta.Targeter(tr), countPacer(p.Requests), 0, p.Name) {
		pr.Requests++
		if res.Code == 0 {
			pr.Status[0]++
			if len(pr.Errors) < maxErrors {
				pr.Errors = append(pr.Errors, res.Error)
			}
			continue
		}
		pr.Status[int(res.Code)]++
		if b := res.Headers.Get(gateway.HeaderBackend); b != "" {
			pr.Served[b]++
		}
	}
	if err := ctx.Err(); err != nil {
		return pr, err
	}
	pr.End = r.clock.Now()
	for _, f := range r.fakes {
		pr.Attempts[f.Name] = int(f.attempts.Load())
	}
	timeout := r.opts.EventTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	if err := r.events.caughtUp(r.gw, timeout); err != nil {
		return pr, err
	}
	pr.Events = r.events.since(firstEvent)
	for _, b := range r.gw.Health().Backends {
		if b.Breaker != "" {
			pr.Breakers[b.Name] = b.Breaker
		}
	}
	if pr.Requests != p.Requests {
		return pr, fmt.Errorf("sent %d of %d requests", pr.Requests, p.Requests)
	}
	return pr, nil
}

// countPacer is a vegeta.Pacer that sends n hits as fast as the workers
// allow: the scenario clock, not the wall clock, is what the gateway sees.
type countPacer uint64

// Pace implements vegeta.Pacer.
func (n countPacer) Pace(_ time.Duration, hits uint64) (time.Duration, bool) {
	return 0, hits >= uint64(n)
}

// Rate implements vegeta.Pacer; the rate is unbounded.
func (countPacer) Rate(time.Duration) float64 { return 0 }

var _ vegeta.Pacer = countPacer(0)
