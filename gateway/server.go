package gateway

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Server defaults (ServerOptions fields left 0). They bound what clients
// can take from one gateway process; docs/semantics.md ("Serving limits")
// explains each.
const (
	DefaultMaxConns          = 8192
	DefaultMaxConcurrent     = 1024
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadBodyTimeout   = 60 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultShutdownGrace     = 10 * time.Second
)

// ServerOptions bound the resources clients can hold. For every field, 0
// means the default above and a negative value means no limit.
type ServerOptions struct {
	// MaxConns is the most client connections open at once. Beyond it,
	// new connections wait in the kernel's accept queue until one closes
	// (idle connections close after IdleTimeout); each wait is counted in
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
	// ErrorLog receives net/http's own errors (TLS handshakes, accept
	// errors). If nil, they are discarded.
	ErrorLog *slog.Logger
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
	mu   sync.Mutex
	lns  []*limitListener
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
	}
	if o.WriteTimeout > 0 {
		s.srv.WriteTimeout = resetWriteDeadline
	}
	if o.IdleTimeout == 0 {
		// http.Server treats 0 as "use ReadTimeout"; -1 disables.
		s.srv.IdleTimeout = -1
	}
	return s
}

// Options returns the effective options (defaults applied).
func (s *Server) Options() ServerOptions { return s.o }

// Serve accepts connections on ln (at most MaxConns open at once) until
// Shutdown; it returns http.ErrServerClosed after Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	l := &limitListener{Listener: ln, load: s.load, overload: s.g.metrics.overload.WithLabelValues(limitConnections)}
	if s.o.MaxConns > 0 {
		l.sem = make(chan struct{}, s.o.MaxConns)
	}
	l.done = make(chan struct{})
	s.mu.Lock()
	s.lns = append(s.lns, l)
	s.mu.Unlock()
	return s.srv.Serve(l)
}

// Shutdown stops accepting, closes idle connections and waits up to
// ShutdownGrace (or ctx, if it ends first) for in-flight requests.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	for _, l := range s.lns {
		l.stop()
	}
	s.mu.Unlock()
	if s.o.ShutdownGrace > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.o.ShutdownGrace)
		defer cancel()
	}
	return s.srv.Shutdown(ctx)
}

// Close closes every connection at once.
func (s *Server) Close() error { return s.srv.Close() }

// ServeHTTP applies the concurrency limit and the body and write
// deadlines, then runs the gateway.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.load.inFlight.Add(1)
	defer s.load.inFlight.Add(-1)
	if max := int64(s.o.MaxConcurrent); max > 0 && n > max {
		s.reject(w)
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
func (s *Server) reject(w http.ResponseWriter) {
	s.g.metrics.overload.WithLabelValues(limitRequests).Inc()
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

// limitListener accepts at most cap(sem) connections open at once
// (x/net/netutil.LimitListener's shape) and counts them.
type limitListener struct {
	net.Listener
	sem      chan struct{} // nil: no limit
	load     *loadState
	overload interface{ Inc() }
	once     sync.Once
	done     chan struct{}
}

func (l *limitListener) stop() { l.once.Do(func() { close(l.done) }) }

func (l *limitListener) Accept() (net.Conn, error) {
	if l.sem != nil {
		select {
		case l.sem <- struct{}{}:
		default:
			// At the limit: count the wait once, then wait for a slot.
			l.overload.Inc()
			select {
			case l.sem <- struct{}{}:
			case <-l.done:
				return nil, net.ErrClosed
			}
		}
	}
	c, err := l.Listener.Accept()
	if err != nil {
		if l.sem != nil {
			<-l.sem
		}
		return nil, err
	}
	l.load.conns.Add(1)
	return &limitConn{Conn: c, l: l}, nil
}

func (l *limitListener) Close() error {
	l.stop()
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.load.conns.Add(-1)
		if c.l.sem != nil {
			<-c.l.sem
		}
	})
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
