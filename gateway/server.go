package gateway

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Server defaults (ServerOptions fields left 0). They bound what clients
// can take from one gateway process; docs/semantics.md ("Serving limits")
// explains each.
const (
	DefaultMaxConns          = 2048
	DefaultMaxConcurrent     = 512
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadBodyTimeout   = 60 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultShutdownGrace     = 10 * time.Second
	DefaultIdleTrim          = 10 * time.Second
)

// ServerOptions bound the resources clients can hold. For every field, 0
// means the default above and a negative value means no limit.
type ServerOptions struct {
	// MaxConns is the most client connections open at once. A connection
	// beyond it makes the gateway close an idle keep-alive connection; if
	// none is idle, its request is answered 503 GatewayOverloaded with
	// Retry-After and "Connection: close"; near the open-file limit
	// (three quarters of it, less MaxConcurrent) it is closed at once
	// (the file descriptors matter more). Each is counted in
	// apimlab_gateway_overload_total{limit="connections"}.
	MaxConns int
	// MaxConcurrent is the most requests served at once. A request beyond
	// it is answered at once with 503, Retry-After (Options.RetryAfter)
	// and reason GatewayOverloaded, before any policy runs or any backend
	// is dialled; it is never counted against a backend.
	MaxConcurrent int
	// ReadHeaderTimeout bounds the time to read a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadBodyTimeout bounds the time to read a request's body, from the
	// end of its headers: a slower upload ends with 408
	// ClientRequestTimeout, not counted against the backend.
	ReadBodyTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle that long.
	IdleTimeout time.Duration
	// WriteTimeout closes a connection whose client does not take any of
	// the response for that long (each write to the client must progress
	// within it; a long streamed response is fine).
	WriteTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers (431 beyond).
	MaxHeaderBytes int
	// ShutdownGrace is how long Shutdown lets in-flight requests finish.
	ShutdownGrace time.Duration
	// IdleTrim: after a load, once no request has arrived for this long,
	// the gateway closes its idle backend connections and returns freed
	// memory to the operating system (debug.FreeOSMemory), so a process
	// that took a burst does not keep its peak footprint while idle.
	IdleTrim time.Duration
	// ErrorLog receives net/http's own errors (TLS handshakes, accept
	// errors). If nil, they are discarded.
	ErrorLog *slog.Logger
	// TLS, if non-nil, makes Serve speak HTTPS with a clone of this
	// configuration (its Certificates or GetCertificate); nil serves
	// plain HTTP.
	TLS *tls.Config
	// ClientCertificates, with TLS, asks every client for a certificate in
	// the handshake without requiring one (tls.RequestClientCert, when
	// TLS.ClientAuth is tls.NoClientCert), as APIM's "negotiate client
	// certificate" hostname setting does: the handshake accepts any
	// certificate or none, and validate-client-certificate judges it.
	ClientCertificates bool
}

func (o ServerOptions) withDefaults() ServerOptions {
	def := func(v *time.Duration, d time.Duration) {
		switch {
		case *v == 0:
			*v = d
		case *v < 0:
			*v = 0
		}
	}
	defInt := func(v *int, d int) {
		switch {
		case *v == 0:
			*v = d
		case *v < 0:
			*v = 0
		}
	}
	defInt(&o.MaxConns, DefaultMaxConns)
	defInt(&o.MaxConcurrent, DefaultMaxConcurrent)
	defInt(&o.MaxHeaderBytes, DefaultMaxHeaderBytes)
	def(&o.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&o.ReadBodyTimeout, DefaultReadBodyTimeout)
	def(&o.IdleTimeout, DefaultIdleTimeout)
	def(&o.WriteTimeout, DefaultWriteTimeout)
	def(&o.ShutdownGrace, DefaultShutdownGrace)
	def(&o.IdleTrim, DefaultIdleTrim)
	return o
}

// Server serves a Gateway to clients with bounded resources: connection
// and concurrency limits, timeouts, header size. Its load is reported in
// the gateway's /health and /metrics. The timeouts are network deadlines
// and run on the wall clock, whatever Options.Clock is.
type Server struct {
	g    *Gateway
	o    ServerOptions
	srv  *http.Server
	load *loadState
	ln   atomic.Pointer[limitListener] // the listener Serve runs (tests read it)

	// Idle trimming (see ServerOptions.IdleTrim).
	requests    atomic.Int64 // requests seen
	lastSeen    int64        // requests at the previous trim check
	lastChange  time.Time    // when lastSeen last changed
	trimmedAt   int64        // requests when the last trim ran
	stopTrim    chan struct{}
	stopTrimOne sync.Once
	// Trims counts idle trims (tests read it).
	trims atomic.Int64
}

// resetWriteDeadline is the http.Server's WriteTimeout: not a limit, only
// the mechanism that clears a finished response's write deadline before
// the next request on the connection (net/http resets it when it reads a
// request, before it may answer 400 or 431); ServeHTTP sets the real
// per-write deadlines.
const resetWriteDeadline = 24 * time.Hour

// NewServer returns a Server for g. Call Serve with a listener.
func NewServer(g *Gateway, o ServerOptions) *Server {
	o = o.withDefaults()
	s := &Server{g: g, o: o, load: &g.metrics.load}
	s.load.served.Store(true)
	s.load.maxConcurrent.Store(int64(o.MaxConcurrent))
	s.load.maxConns.Store(int64(o.MaxConns))
	errLog := o.ErrorLog
	if errLog == nil {
		errLog = slog.New(slog.DiscardHandler)
	}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    o.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(errLog.Handler(), slog.LevelDebug),
		ConnState:         trackIdle,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if isOver(c) {
				return context.WithValue(ctx, overKey{}, true)
			}
			return ctx
		},
	}
	if o.WriteTimeout > 0 {
		s.srv.WriteTimeout = resetWriteDeadline
	}
	if o.IdleTimeout == 0 {
		// http.Server treats 0 as "use ReadTimeout"; -1 disables.
		s.srv.IdleTimeout = -1
	}
	s.stopTrim = make(chan struct{})
	if o.IdleTrim > 0 {
		go s.trimLoop()
	}
	return s
}

func (s *Server) trimLoop() {
	t := time.NewTicker(max(s.o.IdleTrim/4, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-s.stopTrim:
			return
		case now := <-t.C:
			s.trimIfIdle(now, s.o.IdleTrim)
		}
	}
}

// trimIfIdle is one step of the idle trimming, at now: when no request
// arrived for quiet and requests arrived since the last trim, it closes
// idle backend connections and returns freed memory to the OS. Only the
// trim loop (or a test instead of it) calls it.
func (s *Server) trimIfIdle(now time.Time, quiet time.Duration) bool {
	n := s.requests.Load()
	if n != s.lastSeen || s.load.inFlight.Load() != 0 {
		s.lastSeen, s.lastChange = n, now
		return false
	}
	if n == s.trimmedAt || now.Sub(s.lastChange) < quiet {
		return false
	}
	s.trimmedAt = n
	s.g.closeIdleConns()
	// Two collections: objects in sync.Pools (net/http's 4 KiB bufio
	// readers and writers of every connection of the burst, the pooled
	// exchanges) survive the first one in the pools' victim caches.
	runtime.GC()
	debug.FreeOSMemory()
	s.trims.Add(1)
	return true
}

// closeIdleConns closes the idle connections of every backend transport.
func (g *Gateway) closeIdleConns() {
	for _, b := range g.backendList {
		b.closeIdle()
	}
	for _, a := range g.apis {
		if a.service != nil {
			a.service.closeIdle()
		}
	}
	if g.adhoc != nil {
		g.adhoc.CloseIdleConnections()
	}
	g.adhocVariants.Range(func(_, v any) bool {
		v.(*http.Transport).CloseIdleConnections()
		return true
	})
	g.closeH1Idle()
}

// Options returns the effective options (defaults applied).
func (s *Server) Options() ServerOptions { return s.o }

// Serve accepts connections on ln (at most MaxConns open at once) until
// Shutdown; it returns http.ErrServerClosed after Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	l := &limitListener{Listener: ln, max: int64(s.o.MaxConns), hard: hardConnLimit(s.o), load: s.load, overload: s.g.metrics.overload.WithLabelValues(limitConnections), idle: map[*limitConn]struct{}{}}
	s.ln.Store(l)
	if s.o.TLS != nil {
		return s.srv.Serve(tls.NewListener(l, s.tlsConfig()))
	}
	return s.srv.Serve(l)
}

// tlsConfig is the HTTPS listener's configuration (ServerOptions.TLS and
// ClientCertificates).
func (s *Server) tlsConfig() *tls.Config {
	cfg := s.o.TLS.Clone()
	if s.o.ClientCertificates && cfg.ClientAuth == tls.NoClientCert {
		cfg.ClientAuth = tls.RequestClientCert
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

// asLimitConn finds the limitConn under c (a TLS connection wraps it).
func asLimitConn(c net.Conn) (*limitConn, bool) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	lc, ok := c.(*limitConn)
	return lc, ok
}

// Shutdown stops accepting, closes idle connections and waits up to
// ShutdownGrace (or ctx, if it ends first) for in-flight requests.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopTrimOne.Do(func() { close(s.stopTrim) })
	if s.o.ShutdownGrace > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.o.ShutdownGrace)
		defer cancel()
	}
	return s.srv.Shutdown(ctx)
}

// Close closes every connection at once.
func (s *Server) Close() error {
	s.stopTrimOne.Do(func() { close(s.stopTrim) })
	return s.srv.Close()
}

// ServeHTTP applies the concurrency limit and the body and write
// deadlines, then runs the gateway.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	n := s.load.inFlight.Add(1)
	defer s.load.inFlight.Add(-1)
	if max := int64(s.o.MaxConcurrent); max > 0 && n > max {
		s.reject(w, limitRequests)
		return
	}
	if over, _ := r.Context().Value(overKey{}).(bool); over {
		w.Header()["Connection"] = []string{"close"}
		s.reject(w, limitConnections)
		return
	}
	rc := http.NewResponseController(w)
	if s.o.ReadBodyTimeout > 0 && r.Body != nil && r.Body != http.NoBody {
		// Only while the body is read: a read deadline still pending
		// when net/http starts its background read (after the body)
		// would cancel the request's context.
		if rc.SetReadDeadline(time.Now().Add(s.o.ReadBodyTimeout)) == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
	}
	if s.o.WriteTimeout > 0 {
		w = &deadlineWriter{ResponseWriter: w, rc: rc, d: s.o.WriteTimeout}
	}
	s.g.ServeHTTP(w, r)
}

// reject answers a request beyond MaxConcurrent: quickly, without reading
// its body (net/http drains a little of it or closes the connection).
func (s *Server) reject(w http.ResponseWriter, limit string) {
	if limit == limitRequests { // connections were counted at accept
		s.g.metrics.overload.WithLabelValues(limitRequests).Inc()
	}
	s.load.rejectedAt.Store(s.g.now().UnixNano())
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Retry-After"] = s.g.retryAfterValue()
	if !s.g.opts.NoDebugHeaders {
		h[HeaderBackend] = noneServed
		h[HeaderReason] = []string{ReasonOverloaded}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(overloadBody))}
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write(overloadBody)
}

// overKey marks, in a request's context, a connection accepted beyond
// MaxConns.
type overKey struct{}

var overloadBody = []byte(`{ "statusCode": 503, "message": "The gateway is overloaded; retry later." }`)

// deadlineBody clears the read-body deadline once the body is read.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done atomic.Bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && b.done.CompareAndSwap(false, true) {
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// deadlineWriter gives every write to the client WriteTimeout to
// progress.
type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
	d  time.Duration
}

func (w *deadlineWriter) WriteHeader(code int) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.d))
	w.ResponseWriter.WriteHeader(code)
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.d))
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (Flush).
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// limitListener counts client connections and enforces MaxConns (max;
// 0 is no limit). Beyond the limit it first closes an idle keep-alive
// connection to make room, as nginx does when it runs out of connections;
// when every connection is busy, the new connection is still accepted but
// marked: its request is answered 503 GatewayOverloaded with Retry-After
// and "Connection: close". Every client gets an answer instead of waiting
// unseen in the kernel's accept queue, and the excess lives only as long
// as one short answer.
type limitListener struct {
	net.Listener
	max      int64
	hard     int64 // close at once beyond this (0: never)
	load     *loadState
	overload interface{ Inc() }

	mu   sync.Mutex
	idle map[*limitConn]struct{} // keep-alive connections between requests
}

// trackIdle is the http.Server's ConnState hook: it keeps the set of idle
// connections the listener may close at its limit.
func trackIdle(c net.Conn, st http.ConnState) {
	lc, ok := asLimitConn(c)
	if !ok {
		return
	}
	lc.l.mu.Lock()
	if st == http.StateIdle {
		lc.l.idle[lc] = struct{}{}
	} else {
		delete(lc.l.idle, lc)
	}
	lc.l.mu.Unlock()
}

// idleCount is the number of idle connections.
func (l *limitListener) idleCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.idle)
}

// closeIdle closes one idle connection, reporting whether there was one.
func (l *limitListener) closeIdle() bool {
	l.mu.Lock()
	var victim *limitConn
	for c := range l.idle {
		victim = c
		delete(l.idle, c)
		break
	}
	l.mu.Unlock()
	if victim == nil {
		return false
	}
	_ = victim.Close()
	return true
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		lc := &limitConn{Conn: c, l: l}
		n := l.load.conns.Add(1)
		if l.max <= 0 || n <= l.max {
			return lc, nil
		}
		l.overload.Inc()
		if l.closeIdle() {
			return lc, nil
		}
		if l.hard > 0 && n > l.hard {
			// Near the open-file limit (clients reconnecting faster
			// than they are answered): close at once, the file
			// descriptors matter more than an answer.
			_ = lc.Close()
			continue
		}
		lc.over = true
		return lc, nil
	}
}

// hardConnLimit is the number of client connections beyond which new
// ones are closed at once: three quarters of the open-file limit, less
// one backend connection per concurrent request, and never below
// MaxConns (0: unknown limit, or no MaxConns: never).
func hardConnLimit(o ServerOptions) int64 {
	soft, _, err := RaiseFileLimit()
	if err != nil || soft == 0 || o.MaxConns <= 0 {
		return 0
	}
	return max(int64(soft)*3/4-int64(o.MaxConcurrent), int64(o.MaxConns))
}

// isOver reports whether c was accepted beyond MaxConns with no idle
// connection to close.
func isOver(c net.Conn) bool {
	lc, ok := asLimitConn(c)
	return ok && lc.over
}

type limitConn struct {
	net.Conn
	l    *limitListener
	over bool // accepted beyond MaxConns: answer 503 and close
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.load.conns.Add(-1) })
	return err
}

// CloseWrite lets net/http half-close the connection after a response
// that ends it (its lingering close), as it does on a bare TCP conn.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
