package gateway

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/idna"
)

// h1Client sends a backend transport's plain HTTP/1.1 requests on the
// calling goroutine: the attempt writes its request and reads the response
// head itself, and the goroutine reading the body puts the connection back
// when the body ends. http.Transport instead hands every request to the
// connection's write goroutine and every response back from its read
// goroutine, and wakes that goroutine again when the body ends: three
// hand-offs per request, about a fifth of a proxied request's CPU on
// loopback (BenchmarkServeHTTP, the bare proxy with each transport; see
// docs/benchmarks.md).
//
// It is a client of one http.Transport's configuration and uses nothing of
// its own on the wire: the transport's dialers (hopConn, the backend's TLS
// configuration and handshake timeout), its idle limits and timeout, and
// net/http's framing (Request.Write, http.ReadResponse and its body
// readers). Requests it does not take go through the transport itself
// (fast): streamed client bodies (a backend may answer before it read
// them, which needs the transport's concurrent write), HTTP/2, proxies,
// Expect and Upgrade, connection slots (Options.MaxConnsPerBackend) and
// redirects followed.
//
// As the transport does, it sends a replayable request again on a new
// connection when a reused one turns out closed before any of the
// response arrived (any request whose body can be rewound when not a
// byte of it was written), and it does not reuse a connection whose peer
// closed it or sent bytes nobody asked for while it was idle (probeIdle).
type h1Client struct {
	tr  *http.Transport
	now func() time.Time
	// proxied: the transport sends through an HTTP proxy (a backend
	// entity's proxy; proxyFunc answers the same for every request
	// without the proxy policy's context value, which fast's callers
	// rule out).
	proxied bool

	mu    sync.Mutex
	idle  map[h1Key][]*h1Conn // most recently used last
	count int                 // idle connections in all
	sweep *time.Timer         // closes connections idle past IdleConnTimeout
	// dials are the dials no call waits for any more (h1Dial).
	dials map[*h1Dial]struct{}
	// closing: closeIdle ran and no call asked for a connection since;
	// a connection that becomes idle meanwhile is closed (the transport's
	// CloseIdleConnections), so none outlives a closed gateway.
	closing bool
}

// h1Key is a connection pool: the scheme and the URL's host (with its port
// if any) of the requests it serves.
type h1Key struct {
	tls  bool
	host string
}

// h1Conn is one backend connection of an h1Client.
type h1Conn struct {
	cl     *h1Client
	key    h1Key
	c      net.Conn
	lr     headLimit // between c and br
	br     *bufio.Reader
	bw     *bufio.Writer
	cw     countWriter // between bw and c
	idleAt time.Time
	reused bool
	// bodiless: the last response had no body (HEAD, 204, 304), which
	// backends are known to send anyway, after the head: the connection
	// is looked at before its next use, however soon (get).
	bodiless bool
}

// probeAfter is how long a connection stays idle before its reuse costs
// a look at the socket (probeIdle, one system call): a connection reused
// sooner (under load, within microseconds) was in use a moment ago, and a
// backend that closed it in that moment is the race every keep-alive
// client has (the request is retried when replayable). A request that is
// not replayable looks at once (h1Client.do).
const probeAfter = time.Millisecond

// maxSyncBody is the largest buffered request body the synchronous client
// sends: it writes the whole request before reading, and a body that fits
// a connection's initial send and receive windows is written even when the
// backend answers (413, 401) without reading it. A larger one goes through
// the transport, which reads the response while it writes.
const maxSyncBody = 32 << 10

// errH1BodyClosed is a read of a response body after its Close.
var errH1BodyClosed = errors.New("http: read on closed response body")

// h1For returns the synchronous client of transport tr.
func (g *Gateway) h1For(tr *http.Transport) *h1Client {
	if c, ok := g.h1.Load(tr); ok {
		return c.(*h1Client)
	}
	nc := &h1Client{tr: tr, now: time.Now}
	if tr.Proxy != nil {
		probe := &http.Request{URL: &url.URL{Scheme: "http", Host: "backend"}, Header: http.Header{}}
		p, err := tr.Proxy(probe)
		nc.proxied = p != nil || err != nil
	}
	c, _ := g.h1.LoadOrStore(tr, nc)
	return c.(*h1Client)
}

// closeH1Idle closes the idle connections of every synchronous client.
func (g *Gateway) closeH1Idle() {
	g.h1.Range(func(_, v any) bool {
		v.(*h1Client).closeIdle()
		return true
	})
}

// fast reports whether the client takes req, an attempt's request whose
// body, if any, is buffered (GetBody set).
func (c *h1Client) fast(req *http.Request) bool {
	u := req.URL
	switch {
	case u.Scheme == "https" && c.tr.DialTLSContext == nil, u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return false
	case c.tr.MaxConnsPerHost > 0, c.tr.Protocols != nil:
		return false
	case req.Body != nil && req.Body != http.NoBody && (req.GetBody == nil || req.ContentLength > maxSyncBody):
		return false
	case len(req.Header["Expect"]) > 0, len(req.Header["Upgrade"]) > 0, len(req.Trailer) > 0:
		return false
	case !httpguts.ValidHeaderFieldName(req.Method):
		// The transport's error for an invalid method.
		return false
	}
	for k, vs := range req.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return false
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				return false
			}
		}
	}
	return !c.proxied
}

// RoundTrip sends req (which fast accepted) and returns the response head;
// the body streams from the connection. The request's context ends it.
func (c *h1Client) RoundTrip(req *http.Request) (*http.Response, error) {
	return c.do(req, &h1Call{})
}

// do sends req as call: call.abort (forward-request's timeout) ends it as
// the end of the request's context does.
func (c *h1Client) do(req *http.Request, call *h1Call) (*http.Response, error) {
	ctx := req.Context()
	if ctx.Done() != nil {
		call.stop = context.AfterFunc(ctx, call.abort)
	}
	k := h1Key{tls: req.URL.Scheme == "https", host: req.URL.Host}
	// A request that cannot be sent again must not meet a connection
	// whose end already arrived: it looks at every idle connection.
	probe := !replayable(req)
	for {
		pc := c.get(k, probe)
		if pc == nil {
			var err error
			pc, err = c.dialFor(ctx, k, call)
			if err != nil {
				call.end()
				if call.wasAborted() {
					return nil, abortError(ctx)
				}
				return nil, err
			}
		}
		if !call.hold(pc) {
			c.put(pc) // unused, still good
			call.end()
			return nil, abortError(ctx)
		}
		resp, err := pc.roundTrip(req, call)
		if err == nil {
			return resp, nil
		}
		pc.c.Close()
		if !pc.reused || call.wasAborted() || !retryable(req, err) {
			call.end()
			return nil, err
		}
		// A kept-alive connection the backend had closed: once more on a
		// new one, as the transport does.
		call.hold(nil)
		if req.GetBody != nil {
			body, gerr := req.GetBody()
			if gerr != nil {
				call.end()
				return nil, err
			}
			r2 := *req
			r2.Body = body
			req = &r2
		}
	}
}

// h1Call is one round trip of an h1Client and the way to end it. abort
// (forward-request's timeout, the end of the request's context) puts a
// past deadline on the connection the call holds, stops its wait for a
// dial, or, before either, makes it fail at once; once the call ended (its
// response body read or closed) abort does nothing, so a connection back
// in the pool is never touched. The forwarding attempt uses it instead of
// a context of its own.
type h1Call struct {
	mu      sync.Mutex
	pc      *h1Conn
	dial    *h1Dial // the dial the call waits for
	aborted bool
	ended   bool
	stop    func() bool // unregisters abort from the request's context
}

// abort ends the call (see h1Call).
func (c *h1Call) abort() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended || c.aborted {
		return
	}
	c.aborted = true
	if c.pc != nil {
		c.pc.abort()
	}
	if c.dial != nil {
		close(c.dial.quit)
	}
}

// dialing records the dial the call waits for (nil: none); false when the
// call was aborted.
func (c *h1Call) dialing(d *h1Dial) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dial = d
	return !c.aborted
}

// hold makes pc (nil: none) the call's connection; false when the call
// was aborted.
func (c *h1Call) hold(pc *h1Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pc = pc
	return !c.aborted
}

// wasAborted reports whether abort ran before the call ended.
func (c *h1Call) wasAborted() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.aborted
}

// end ends the call and reports whether its connection is untouched by
// abort.
func (c *h1Call) end() bool {
	c.mu.Lock()
	c.ended, c.pc = true, nil
	ok := !c.aborted
	c.mu.Unlock()
	if c.stop != nil {
		c.stop()
	}
	return ok
}

// abortError is the error of an aborted call: the context's, or
// context.Canceled (the timeout's), as the transport reports a canceled
// request.
func abortError(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return context.Canceled
}

// retryable reports whether a request that failed with err on a reused
// connection, before any of its response was read, may be sent again:
// the transport's rule (a request with a body that can be rewound, of
// which nothing was written, or that is replayable: GET, HEAD, OPTIONS,
// TRACE or an Idempotency-Key).
func retryable(req *http.Request, err error) bool {
	var nr *noResponseError
	if !errors.As(err, &nr) {
		return false
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	return nr.nothingWritten || replayable(req)
}

// replayable reports whether req may be sent twice (the transport's
// isReplayable, less the body, which retryable checks): GET, HEAD,
// OPTIONS, TRACE, or a request with an Idempotency-Key.
func replayable(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return len(req.Header["Idempotency-Key"]) > 0 || len(req.Header["X-Idempotency-Key"]) > 0
}

// noResponseError is a connection that failed (closed, reset) before any
// byte of the response arrived: writing the request or waiting for the
// response's first byte. nothingWritten: not a byte of the request went
// out.
type noResponseError struct {
	err            error
	nothingWritten bool
}

func (e *noResponseError) Error() string { return e.err.Error() }
func (e *noResponseError) Unwrap() error { return e.err }

// roundTrip writes req on pc and reads the final response head.
func (pc *h1Conn) roundTrip(req *http.Request, call *h1Call) (*http.Response, error) {
	fail := func(err error) (*http.Response, error) {
		if call.wasAborted() {
			return nil, abortError(req.Context())
		}
		return nil, err
	}
	start := pc.cw.n
	if err := req.Write(pc.bw); err != nil {
		return fail(&noResponseError{err: err, nothingWritten: pc.cw.n == start})
	}
	if err := pc.bw.Flush(); err != nil {
		return fail(&noResponseError{err: err, nothingWritten: pc.cw.n == start})
	}
	// Nothing of a response yet: a reused connection the backend had
	// closed (noResponseError), where a request may be sent again.
	if _, err := pc.br.Peek(1); err != nil {
		return fail(&noResponseError{err: err})
	}
	limit := pc.cl.tr.MaxResponseHeaderBytes
	if limit <= 0 {
		limit = defaultMaxHeaderBytes
	}
	pc.lr.n = limit
	for {
		resp, err := http.ReadResponse(pc.br, req)
		if err != nil {
			if pc.lr.n == 0 {
				err = errHeadTooLarge
			}
			return fail(err)
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 {
			if resp.StatusCode == http.StatusSwitchingProtocols {
				// Nobody asked to switch (Upgrade goes through the
				// transport).
				return fail(errors.New("net/http: backend switched protocols unasked"))
			}
			continue // 100 Continue, 103 Early Hints: no body
		}
		// The head is read: the body is not bounded. Now, before the
		// connection can go back to the pool (at once for a response
		// without a body) and to another call.
		pc.lr.n = -1
		b := &h1Body{pc: pc, body: resp.Body, call: call, ctx: req.Context(), reuse: !resp.Close && !req.Close}
		pc.bodiless = resp.Body == http.NoBody
		if pc.bodiless {
			// HEAD, 204, 304: done with the head.
			b.finish(true)
			return resp, nil
		}
		resp.Body = b
		return resp, nil
	}
}

// abort ends the connection's blocked reads and writes.
func (pc *h1Conn) abort() {
	if pc.c.SetDeadline(aLongTimeAgo) != nil {
		// A connection without deadlines (Options.DialContext's): closing
		// it ends its reads and writes.
		_ = pc.c.Close()
	}
}

// h1Body is a response body: at its end the connection goes back to the
// pool, closed early it is closed.
type h1Body struct {
	pc    *h1Conn
	body  io.ReadCloser
	call  *h1Call
	ctx   context.Context
	reuse bool

	mu     sync.Mutex
	done   bool
	closed bool
	rerr   error // the first error a read returned (io.EOF at the end)
}

func (b *h1Body) Read(p []byte) (int, error) {
	b.mu.Lock()
	closed, rerr := b.closed, b.rerr
	b.mu.Unlock()
	switch {
	case closed:
		return 0, errH1BodyClosed
	case rerr != nil:
		// As the transport's body: a body that broke off does not read
		// as ended.
		return 0, rerr
	}
	n, err := b.body.Read(p)
	if err != nil {
		b.mu.Lock()
		b.rerr = err
		b.mu.Unlock()
	}
	switch {
	case err == io.EOF:
		b.finish(true)
	case err != nil:
		b.finish(false)
		if b.call.wasAborted() {
			err = abortError(b.ctx)
		}
	}
	return n, err
}

func (b *h1Body) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.finish(false)
	return nil
}

// finish ends the call and releases the connection once: back to the
// pool after a complete body (ok) unless the call was aborted, closed
// otherwise.
func (b *h1Body) finish(ok bool) {
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return
	}
	b.done = true
	b.mu.Unlock()
	if b.call.end() && ok && b.reuse && b.pc.clean() {
		b.pc.cl.put(b.pc)
		return
	}
	b.pc.c.Close()
}

// countWriter counts the bytes written to w.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// clean reports whether nothing is left of pc's last response: no byte
// read and not consumed (a byte nobody asked for), and no end of the
// connection seen. crypto/tls reports a TLS 1.2 close_notify that came
// with a response's last bytes along with them; the transport does not
// reuse a connection that saw its end (sawEOF) either.
func (pc *h1Conn) clean() bool {
	if pc.br.Buffered() > 0 || pc.lr.err != nil {
		return false
	}
	if hc, ok := pc.c.(*hopConn); ok && hc.pending() {
		return false
	}
	return !pc.key.tls || pc.tlsQuiet()
}

// tlsQuiet reports whether a TLS connection holds no record past the
// response: crypto/tls may have read more records from the socket than
// the response's (a body sent with the answer to a HEAD), which neither
// br nor probeIdle sees. A read with a past deadline returns what it
// holds, or fails at once, without a system call; records after a
// handshake (session tickets) are consumed on the way. A connection
// without deadlines (Options.DialContext's) cannot be looked at: it is
// assumed quiet, as probeIdle assumes a connection that is not a socket.
func (pc *h1Conn) tlsQuiet() bool {
	if pc.c.SetReadDeadline(aLongTimeAgo) != nil {
		return true
	}
	var b [1]byte
	n, err := pc.c.Read(b[:])
	if pc.c.SetReadDeadline(time.Time{}) != nil {
		return false
	}
	var ne net.Error
	return n == 0 && errors.As(err, &ne) && ne.Timeout()
}

// h1Dial is a connection being dialed for a call. As in the transport, a
// call that stops waiting (aborted: a timeout, a client gone) leaves the
// dial going, and its connection goes to the pool for the next call (a
// backend slower to connect than the timeout is still reached); closeIdle
// cancels the dials nobody waits for.
type h1Dial struct {
	cancel context.CancelFunc
	quit   chan struct{} // closed when the call stops waiting (abort)
	done   chan struct{} // closed when the dial ended

	mu        sync.Mutex
	pc        *h1Conn
	err       error
	finished  bool // pc and err are set
	abandoned bool // the call stopped waiting first
}

// dialFor dials a connection for k on behalf of call (see h1Dial); an
// error when the call was aborted first.
func (c *h1Client) dialFor(ctx context.Context, k h1Key, call *h1Call) (*h1Conn, error) {
	// The request's values, not its end.
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d := &h1Dial{cancel: cancel, quit: make(chan struct{}), done: make(chan struct{})}
	if !call.dialing(d) {
		cancel()
		return nil, context.Canceled
	}
	go c.runDial(dctx, k, d)
	select {
	case <-d.done:
	case <-d.quit:
	}
	call.dialing(nil)
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.finished {
		d.abandoned = true
		c.mu.Lock()
		if c.dials == nil {
			c.dials = make(map[*h1Dial]struct{})
		}
		c.dials[d] = struct{}{}
		c.mu.Unlock()
		return nil, context.Canceled
	}
	return d.pc, d.err
}

// runDial dials for d and, when its call stopped waiting, puts the
// connection in the pool.
func (c *h1Client) runDial(ctx context.Context, k h1Key, d *h1Dial) {
	pc, err := c.dial(ctx, k)
	d.cancel()
	d.mu.Lock()
	d.pc, d.err, d.finished = pc, err, true
	abandoned := d.abandoned
	d.mu.Unlock()
	close(d.done)
	if !abandoned {
		return
	}
	c.mu.Lock()
	delete(c.dials, d)
	c.mu.Unlock()
	if err == nil {
		c.put(pc)
	}
}

// dial opens a connection for k with the transport's dialers.
func (c *h1Client) dial(ctx context.Context, k h1Key) (*h1Conn, error) {
	// The transport's address (canonicalAddr): the host without IPv6
	// brackets, in ASCII (IDNA), and the scheme's port when none is given.
	u := url.URL{Host: k.host}
	host, port := u.Hostname(), u.Port()
	if !ascii(host) {
		if a, err := idna.Lookup.ToASCII(host); err == nil {
			host = a
		}
	}
	if port == "" {
		port = "80"
		if k.tls {
			port = "443"
		}
	}
	addr := net.JoinHostPort(host, port)
	var conn net.Conn
	var err error
	if k.tls {
		conn, err = c.tr.DialTLSContext(ctx, "tcp", addr)
	} else {
		conn, err = c.tr.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	pc := &h1Conn{cl: c, key: k, c: conn}
	pc.cw.w = conn
	pc.bw = bufio.NewWriter(&pc.cw)
	pc.lr = headLimit{r: conn, n: -1}
	pc.br = bufio.NewReader(&pc.lr)
	return pc, nil
}

// ascii reports whether s is all ASCII.
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// defaultMaxHeaderBytes is the transport's bound on a response head when
// MaxResponseHeaderBytes is unset (net/http: 10 MB).
const defaultMaxHeaderBytes = 10 << 20

// errHeadTooLarge is the transport's error for a head over the bound.
var errHeadTooLarge = errors.New("net/http: server response headers exceeded the limit")

// headLimit reads from r at most n more bytes while a response head is
// read (n < 0: no bound), as the transport bounds heads by
// MaxResponseHeaderBytes, and keeps the first error a read of r returned.
type headLimit struct {
	r   io.Reader
	n   int64
	err error
}

func (l *headLimit) Read(p []byte) (int, error) {
	if l.n < 0 {
		n, err := l.r.Read(p)
		if err != nil && l.err == nil {
			l.err = err
		}
		return n, err
	}
	if l.n == 0 {
		return 0, errHeadTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if err != nil && l.err == nil {
		l.err = err
	}
	return n, err
}

// get takes the most recently used idle connection of k that is still
// usable, nil when there is none; probe: look at the socket of one idle
// for less than probeAfter too (as for one after a bodiless response). A call asking for a connection undoes
// closeIdle, as in the transport.
func (c *h1Client) get(k h1Key, probe bool) *h1Conn {
	for {
		c.mu.Lock()
		c.closing = false
		l := c.idle[k]
		if len(l) == 0 {
			c.mu.Unlock()
			return nil
		}
		pc := l[len(l)-1]
		l[len(l)-1] = nil
		c.idle[k] = l[:len(l)-1]
		c.count--
		c.mu.Unlock()
		idle := c.now().Sub(pc.idleAt)
		if idle < c.idleTimeout() && (idle < probeAfter && !probe && !pc.bodiless || probeIdle(pc.c)) {
			pc.reused = true
			return pc
		}
		pc.c.Close()
	}
}

// put returns pc to its pool (closed when the pool is full or closeIdle
// ran since the last get).
func (c *h1Client) put(pc *h1Conn) {
	pc.idleAt = c.now()
	c.mu.Lock()
	if c.idle == nil {
		c.idle = make(map[h1Key][]*h1Conn)
	}
	l := c.idle[pc.key]
	if lim := c.tr.MaxIdleConnsPerHost; c.closing || lim > 0 && len(l) >= lim {
		c.mu.Unlock()
		pc.c.Close()
		return
	}
	c.idle[pc.key] = append(l, pc)
	c.count++
	if c.sweep == nil {
		c.sweep = time.AfterFunc(c.idleTimeout(), c.expire)
	}
	c.mu.Unlock()
}

// idleTimeout is the transport's IdleConnTimeout (90 s when unset).
func (c *h1Client) idleTimeout() time.Duration {
	if d := c.tr.IdleConnTimeout; d > 0 {
		return d
	}
	return idleConnTimeout
}

// expire closes the connections idle for IdleConnTimeout or longer and
// arms itself again, for the next one to expire, while any stay idle.
func (c *h1Client) expire() {
	c.mu.Lock()
	old, next := c.expired(c.now())
	if c.count > 0 {
		c.sweep.Reset(next)
	} else {
		c.sweep = nil
	}
	c.mu.Unlock()
	for _, pc := range old {
		pc.c.Close()
	}
}

// expired takes out of the pool the connections idle for IdleConnTimeout
// or longer at now and returns them, with the time until the next of the
// others expires (IdleConnTimeout when there is none): the transport
// closes each connection when its own idle time is up, not up to twice
// that. c.mu is held.
func (c *h1Client) expired(now time.Time) ([]*h1Conn, time.Duration) {
	timeout := c.idleTimeout()
	next := timeout
	var old []*h1Conn
	for k, l := range c.idle {
		// Oldest first: the expired ones are a prefix.
		n := 0
		for n < len(l) && now.Sub(l[n].idleAt) >= timeout {
			n++
		}
		old = append(old, l[:n]...)
		c.idle[k] = append(l[:0], l[n:]...)
		clear(l[len(l)-n:])
		c.count -= n
		if rest := c.idle[k]; len(rest) > 0 {
			next = min(next, rest[0].idleAt.Add(timeout).Sub(now))
		} else {
			delete(c.idle, k)
		}
	}
	return old, next
}

// closeIdle closes every idle connection and cancels the dials no call
// waits for (the transport's CloseIdleConnections).
func (c *h1Client) closeIdle() {
	c.mu.Lock()
	idle, dials := c.idle, c.dials
	c.idle, c.count, c.closing, c.dials = nil, 0, true, nil
	if c.sweep != nil {
		c.sweep.Stop()
		c.sweep = nil
	}
	c.mu.Unlock()
	for d := range dials {
		d.cancel()
	}
	for _, l := range idle {
		for _, pc := range l {
			pc.c.Close()
		}
	}
}
