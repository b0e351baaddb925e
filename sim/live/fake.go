package live

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/clock"
	"github.com/apimlab/apimlab/sim"
)

// HeaderRequest carries a simulated request's sequence number from the
// load generator through the gateway to the fakes (the gateway forwards
// request headers, as APIM does). Fakes use it to tag their waits on the
// virtual clock and to draw reproducible random numbers.
const HeaderRequest = "X-Apimlab-Sim-Request"

// ErrNoFake is returned by the gateway's dialer for an address that no
// configured backend uses: a simulation never reaches the real network.
var ErrNoFake = errors.New("no fake backend for this address")

// fake stands in for every backend whose URL has its host and port.
type fake struct {
	index    int
	name     string   // first backend using it
	backends []string // backends served
	target   string   // configured host:port, lower-case
	host     string
	tls      bool
	spec     *sim.BackendSpec // nil: healthy defaults

	e    *engine
	addr string // 127.0.0.1:port, stable across refuse windows
	srv  *http.Server
	body []byte

	mu       sync.Mutex
	ln       net.Listener
	conns    map[net.Conn]struct{}
	refused  bool
	attempts map[uint64]uint32 // attempts per request, for reproducible draws
}

// planFakes returns one fake per distinct host:port among the service's
// Single backends and API serviceUrls, in declaration order, and the
// lower-case backend name → fake.
func planFakes(svc *apim.Service) ([]*fake, map[string]*fake) {
	var fakes []*fake
	byTarget := map[string]*fake{}
	byBackend := map[string]*fake{}
	add := func(name, raw string) *fake {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
			return nil
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		host := strings.ToLower(u.Hostname())
		target := net.JoinHostPort(host, port)
		if f, ok := byTarget[target]; ok {
			return f
		}
		f := &fake{index: len(fakes), name: name, target: target, host: host, tls: u.Scheme == "https"}
		byTarget[target] = f
		fakes = append(fakes, f)
		return f
	}
	for _, b := range svc.Backends {
		if b.IsPool() || !b.URL.Known() {
			continue
		}
		if f := add(b.Name, b.URL.Value); f != nil {
			f.backends = append(f.backends, b.Name)
			byBackend[strings.ToLower(b.Name)] = f
		}
	}
	for _, a := range svc.APIs {
		if a.ServiceURL.Known() {
			if u, err := url.Parse(strings.TrimSpace(a.ServiceURL.Value)); err == nil {
				add(u.Hostname(), a.ServiceURL.Value)
			}
		}
	}
	return fakes, byBackend
}

// start listens on a loopback port and serves; cert is the certificate an
// HTTPS fake presents, clientCAs the pool it demands client certificates
// from (nil: none).
func (f *fake) start(cert *tls.Certificate, clientCAs *x509.CertPool) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("fake backend %s: %w", f.name, err)
	}
	f.addr = ln.Addr().String()
	f.conns = map[net.Conn]struct{}{}
	f.attempts = map[uint64]uint32{}
	f.body = healthyBody(f.name, f.spec)
	f.srv = &http.Server{
		Handler:           f,
		ReadHeaderTimeout: 30 * time.Second,
		ConnState:         f.track,
		ErrorLog:          discardLog,
	}
	if f.tls {
		if cert == nil {
			_ = ln.Close()
			return fmt.Errorf("fake backend %s: HTTPS needs a certificate", f.name)
		}
		f.srv.TLSConfig = &tls.Config{
			MinVersion: tls.VersionTLS12,
			GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
				if f.failHandshake() {
					return nil, errors.New("fake backend: injected TLS handshake failure")
				}
				return nil, nil
			},
			Certificates: []tls.Certificate{*cert},
		}
		if f.spec != nil && f.spec.RequireClientCert {
			f.srv.TLSConfig.ClientAuth = tls.RequireAndVerifyClientCert
			f.srv.TLSConfig.ClientCAs = clientCAs
		}
	}
	f.serve(ln)
	return nil
}

func (f *fake) serve(ln net.Listener) {
	f.mu.Lock()
	f.ln = ln
	f.mu.Unlock()
	l := ln
	if f.tls {
		l = tls.NewListener(ln, f.srv.TLSConfig)
	}
	go func() { _ = f.srv.Serve(l) }()
}

// track remembers open connections so refuse can drop them.
func (f *fake) track(c net.Conn, s http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch s {
	case http.StateNew:
		f.conns[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(f.conns, c)
	}
}

// refuse closes the listener and every connection (the backend process is
// gone: new connections are refused, open ones break); on false it
// listens again on the same address.
func (f *fake) refuse(on bool) error {
	f.mu.Lock()
	if on == f.refused {
		f.mu.Unlock()
		return nil
	}
	f.refused = on
	if on {
		ln := f.ln
		conns := make([]net.Conn, 0, len(f.conns))
		for c := range f.conns {
			conns = append(conns, c)
		}
		f.mu.Unlock()
		_ = ln.Close()
		for _, c := range conns {
			_ = c.Close()
		}
		return nil
	}
	f.mu.Unlock()
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("fake backend %s: listening again after refuse: %w", f.name, err)
	}
	f.serve(ln)
	return nil
}

// close stops the fake and its connections.
func (f *fake) close() {
	if f.srv != nil {
		_ = f.srv.Close()
	}
	f.mu.Lock()
	ln := f.ln
	f.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
}

// active returns the faults of kind active now (scenario time).
func (f *fake) active(at time.Duration, kind string) *sim.Fault {
	if f.spec == nil {
		return nil
	}
	for _, ft := range f.spec.Faults {
		if ft.Kind == kind && ft.Active(at, f.e.length) {
			return ft
		}
	}
	return nil
}

// failHandshake decides a tls-fail fault for a new connection; handshakes
// carry no request number, so draws come from the fake's own sequence.
func (f *fake) failHandshake() bool {
	ft := f.active(f.e.now(), sim.FaultTLSFail)
	if ft == nil {
		return false
	}
	if ft.Share() >= 1 {
		return true
	}
	f.mu.Lock()
	n := f.attempts[0]
	f.attempts[0] = n + 1
	f.mu.Unlock()
	return f.rng(0, n).Float64() < ft.Share()
}

// forget drops a finished request's attempt count, so the table holds
// only requests in flight. An attempt still running (the gateway gave up
// on it) may count from zero again: it draws nothing after its start.
func (f *fake) forget(id uint64) {
	f.mu.Lock()
	delete(f.attempts, id)
	f.mu.Unlock()
}

// rng returns the generator of one attempt of one request.
func (f *fake) rng(id uint64, attempt uint32) *rand.Rand {
	return rand.New(rand.NewPCG(f.e.sc.Seed^uint64(f.index+1)*0x9e3779b97f4a7c15, id<<16|uint64(attempt)))
}

// ServeHTTP answers one attempt, applying the faults active now.
func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseUint(r.Header.Get(HeaderRequest), 10, 64)
	ctx := r.Context()
	if id != 0 {
		ctx = clock.WithTag(ctx, id)
	}
	f.mu.Lock()
	n := f.attempts[id]
	f.attempts[id] = n + 1
	f.mu.Unlock()
	rng := f.rng(id, n)
	at := f.e.now()
	hit := func(kind string) *sim.Fault {
		ft := f.active(at, kind)
		if ft == nil || (ft.Share() < 1 && rng.Float64() >= ft.Share()) {
			return nil
		}
		return ft
	}
	clk := f.e.clk
	delay := time.Duration(0)
	if f.spec != nil && !f.spec.Latency.IsZero() {
		delay = f.spec.Latency.Draw(rng.Float64(), rng.Float64())
	}
	if ft := hit(sim.FaultLatency); ft != nil {
		delay += ft.Add.D()
		if ft.Jitter > 0 {
			delay += time.Duration(rng.Float64() * float64(ft.Jitter))
		}
	}
	if ft := hit(sim.FaultReset); ft != nil {
		reset(w)
		return
	}
	if ft := hit(sim.FaultTimeout); ft != nil {
		_ = clk.Sleep(ctx, clock.Forever) // until the gateway gives up
		// Never answer: a handler that returns without writing makes the
		// server send "200 OK", which could still reach a gateway whose
		// timeout is just firing.
		panic(http.ErrAbortHandler)
	}
	if clk.Sleep(ctx, delay) != nil {
		panic(http.ErrAbortHandler) // the caller is gone: no answer
	}
	if ft := hit(sim.FaultStatus); ft != nil {
		if ft.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.FormatInt(int64(ft.RetryAfter.D()/time.Second), 10))
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(ft.Code)
		fmt.Fprintf(w, "fake backend %s: injected status %d\n", f.name, ft.Code)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(f.body)))
	if ft := hit(sim.FaultTruncate); ft != nil {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(f.body[:len(f.body)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler) // the connection ends mid-body
	}
	if ft := hit(sim.FaultSlowBody); ft != nil {
		slowBody(ctx, clk, w, f.body, ft.BytesPerSecond)
		return
	}
	_, _ = w.Write(f.body)
}

// slowBody writes body at bps bytes per second, in tenth-of-a-second
// chunks.
func slowBody(ctx context.Context, clk clock.Clock, w http.ResponseWriter, body []byte, bps int) {
	if bps <= 0 {
		bps = sim.DefaultSlowBodyBPS
	}
	// A tenth of a second's worth per write, at least one byte: below 10
	// bytes per second a write carries one byte and the wait between
	// writes grows (it used to stay at 100 ms, so 1 B/s ran at 10 B/s).
	chunk := max(bps/10, 1)
	pause := time.Duration(chunk) * time.Second / time.Duration(bps)
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	for len(body) > 0 {
		n := min(chunk, len(body))
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		if fl != nil {
			fl.Flush()
		}
		body = body[n:]
		if len(body) > 0 && clk.Sleep(ctx, pause) != nil {
			return
		}
	}
}

// reset ends the connection with a TCP RST (SO_LINGER 0) instead of an
// answer.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	c, _, err := hj.Hijack()
	if err != nil {
		return
	}
	raw := c
	if tc, ok := c.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = c.Close()
}

// healthyBody is the fake's 200 body: a JSON document naming the fake,
// padded to spec.BodySize.
func healthyBody(name string, spec *sim.BackendSpec) []byte {
	b := []byte(`{"backend":` + strconv.Quote(name) + `}`)
	if spec == nil || spec.BodySize <= len(b) {
		return b
	}
	pad := spec.BodySize - len(b) - len(`,"pad":""`)
	if pad < 0 {
		return b
	}
	out := make([]byte, 0, spec.BodySize)
	out = append(out, b[:len(b)-1]...)
	out = append(out, `,"pad":"`...)
	for range pad {
		out = append(out, 'x')
	}
	return append(out, `"}`...)
}

// dialer returns the gateway's DialContext: configured backend addresses
// go to their fakes, everything else fails with ErrNoFake.
func dialer(fakes []*fake) func(ctx context.Context, network, addr string) (net.Conn, error) {
	routes := make(map[string]string, len(fakes))
	for _, f := range fakes {
		routes[f.target] = f.addr
	}
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		to, ok := routes[strings.ToLower(addr)]
		if !ok {
			return nil, fmt.Errorf("dial %s: %w", addr, ErrNoFake)
		}
		return d.DialContext(ctx, network, to)
	}
}
