package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/apimlab/apimlab/apim/gwerr"
)

// Party is who an error is attributed to. Only PartyBackend errors reach
// the backend's circuit breaker as failures: a client that sends a broken
// body, a client too slow to send it, a client that goes away and the
// gateway's own lack of resources say nothing about the backend (issue 15:
// five bad clients must not open a healthy backend's breaker).
type Party uint8

const (
	// PartyNone: no error, or a configuration/policy error.
	PartyNone Party = iota
	// PartyBackend: the backend failed (connection, TLS, timeout after
	// the request was fully sent, error status).
	PartyBackend
	// PartyClient: the client's body broke, was too slow, or the client
	// went away.
	PartyClient
	// PartyGateway: the gateway itself ran out of something (file
	// descriptors, ports, its concurrency limit, a backend connection
	// slot).
	PartyGateway
)

// String returns "none", "backend", "client" or "gateway".
func (p Party) String() string {
	switch p {
	case PartyBackend:
		return "backend"
	case PartyClient:
		return "client"
	case PartyGateway:
		return "gateway"
	}
	return "none"
}

// clientBody wraps the client's request body while the transport streams
// it to the backend. It remembers whether the transport is blocked reading
// it (then a timeout is the client's, not the backend's), whether it was
// read to its end, and the first error it returned. It is allocated per
// attempt, never pooled: the transport may still read it after RoundTrip
// returned.
type clientBody struct {
	r       io.ReadCloser
	reading atomic.Bool
	eof     atomic.Bool
	err     atomic.Pointer[error]
}

func (b *clientBody) Read(p []byte) (int, error) {
	b.reading.Store(true)
	n, err := b.r.Read(p)
	b.reading.Store(false)
	switch {
	case err == io.EOF:
		b.eof.Store(true)
	case err != nil:
		b.err.CompareAndSwap(nil, &err)
	}
	return n, err
}

func (b *clientBody) Close() error { return b.r.Close() }

// failure returns the first non-EOF error reading the client's body, nil
// when there was none.
func (b *clientBody) failure() error {
	if b == nil {
		return nil
	}
	if p := b.err.Load(); p != nil {
		return *p
	}
	return nil
}

// attemptWatch observes one attempt for attribution: what the transport
// was waiting for when forward-request's timeout fired, and whether a
// connection was ever obtained.
type attemptWatch struct {
	body *clientBody // nil when the body is buffered or empty
	// traced is set when the connection events below are observed (only
	// when a per-backend connection cap exists: the trace costs an
	// allocation).
	traced  bool
	dialed  atomic.Bool
	gotConn atomic.Bool
	// onClient is set when the timeout fired while the transport was
	// blocked reading the client's body.
	onClient atomic.Bool
	// onSlot is set when the timeout fired while the attempt waited for a
	// connection slot of the backend (Options.MaxConnsPerBackend).
	onSlot atomic.Bool
	// abort ends a blocked read of the client's body.
	abort func()
	// fired is set when forward-request's timeout fired (or was 0).
	fired atomic.Bool
	// cancel cancels the attempt (the timeout's action).
	cancel context.CancelFunc
}

// reset makes w a fresh watch.
func (w *attemptWatch) reset() {
	w.body, w.traced, w.abort, w.cancel = nil, false, nil, nil
	w.dialed.Store(false)
	w.gotConn.Store(false)
	w.onClient.Store(false)
	w.onSlot.Store(false)
	w.fired.Store(false)
}

// watch prepares req (whose body, if streamed, is the client's) for
// attribution and returns the request to send with its watch. On the
// wall clock without connection tracing, the watch is the exchange's own
// (wallTimer.w), reused attempt after attempt: its timeout callback has
// ended before the next attempt (wallTimer.disarm), and nothing else
// writes it. A traced watch is allocated per attempt: the transport may
// report a connection of an abandoned attempt after RoundTrip returned.
func (x *exchange) watch(req *http.Request) (*http.Request, *attemptWatch) {
	traced := x.g.opts.MaxConnsPerBackend > 0
	var w *attemptWatch
	if !traced && x.g.wallClock() {
		w = &x.timer.w
		w.reset()
	} else {
		w = &attemptWatch{}
	}
	if !x.hasBody && req.Body != nil && req.Body != http.NoBody && req.Body == x.r.Body {
		w.body = &clientBody{r: req.Body}
		req.Body = w.body
		w.abort = x.abortClientBody
	}
	if traced {
		w.traced = true
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			ConnectStart: func(string, string) { w.dialed.Store(true) },
			GotConn:      func(httptrace.GotConnInfo) { w.gotConn.Store(true) },
		}))
	}
	return req, w
}

// timedOut snapshots what the attempt was waiting for; forward-request's
// timeout calls it just before canceling the attempt.
func (w *attemptWatch) timedOut() {
	if w == nil {
		return
	}
	if w.body != nil && w.body.reading.Load() && !w.body.eof.Load() {
		w.onClient.Store(true)
		// The transport does not return before its read of the body
		// does: end that read now, so the answer reaches the client now
		// rather than when (if ever) the client finishes its body.
		w.abort()
	}
	if w.traced && !w.gotConn.Load() && !w.dialed.Load() {
		w.onSlot.Store(true)
	}
}

// attemptError is a failed round trip with what attribution needs.
type attemptError struct {
	err      error
	timedOut bool // forward-request's timeout ended it
	watch    *attemptWatch
}

func (e *attemptError) Error() string {
	if e.timedOut {
		return "timeout waiting for the backend's response: " + e.err.Error()
	}
	return e.err.Error()
}
func (e *attemptError) Unwrap() error { return e.err }

// aLongTimeAgo is a read deadline in the past: it ends a blocked read at
// once (net/http uses the same trick).
var aLongTimeAgo = time.Unix(1, 0)

// classify turns a failed round trip into the pipeline error APIM raises,
// attributed to the party that caused it. Client-facing messages never
// carry Go error text or addresses; the detail goes to the log.
func (x *exchange) classify(err error, timeout time.Duration) *pipelineError {
	var ae *attemptError
	errors.As(err, &ae)
	var w *attemptWatch
	if ae != nil {
		w = ae.watch
	}
	var pe *pipelineError
	switch {
	case w != nil && w.onClient.Load():
		// The backend waited for the client's body as long as the
		// gateway waited for the backend: the client was too slow.
		pe = perr("forward-request", ReasonClientTimeout, http.StatusRequestTimeout, "The client did not send its request body within the forward-request timeout (%s).", timeout)
		pe.party = PartyClient
	case w != nil && w.body.failure() != nil:
		pe = clientBodyError(w.body.failure())
	case w != nil && w.onSlot.Load():
		pe = perr("forward-request", ReasonGatewayResources, http.StatusServiceUnavailable, "No connection to the backend became free within the forward-request timeout (%s).", timeout)
		pe.party = PartyGateway
		pe.retryAfter = true
	case ae != nil && ae.timedOut:
		pe = perr("forward-request", ReasonTimeout, gwerr.TimeoutStatus, "No response from the backend within %s.", timeout)
		pe.party = PartyBackend
	case x.r.Context().Err() != nil:
		pe = perr("forward-request", ReasonClientConnection, 499, "The client closed the request.")
		pe.party = PartyClient
	case gatewayResourceError(err):
		pe = perr("forward-request", ReasonGatewayResources, http.StatusServiceUnavailable, "The gateway is out of resources to call the backend.")
		pe.party = PartyGateway
		pe.retryAfter = true
	default:
		pe = perr("forward-request", ReasonConnection, gwerr.ConnectionStatus, "The backend could not be reached.")
		pe.party = PartyBackend
	}
	pe.detail = err.Error()
	return pe
}

// clientBodyError classifies an error reading the client's body.
func clientBodyError(err error) *pipelineError {
	var pe *pipelineError
	var ne net.Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		pe = perr("forward-request", ReasonClientTimeout, http.StatusRequestTimeout, "The client did not send its request body in time.")
	case errors.As(err, &mbe):
		pe = perr("forward-request", ReasonBodyTooLarge, http.StatusRequestEntityTooLarge, "The request body is too large.")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed), errors.Is(err, context.Canceled):
		pe = perr("forward-request", ReasonClientConnection, 499, "The client closed the connection while sending the request body.")
	default:
		// Malformed chunked encoding and other framing errors.
		pe = perr("forward-request", ReasonClientBody, http.StatusBadRequest, "The request body could not be read.")
	}
	pe.party = PartyClient
	pe.detail = err.Error()
	return pe
}

// gatewayResourceError reports whether err is the gateway's own resource
// exhaustion (file descriptors, memory, ephemeral ports), which must not
// count against the backend it was dialling.
func gatewayResourceError(err error) bool {
	for _, e := range [...]syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.EADDRNOTAVAIL} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// abortClientBody ends any read of the client's body at once (a slow
// client's), so the gateway's answer reaches the client now rather than
// after net/http has drained the rest of the body; net/http then closes
// the connection after the response.
func (x *exchange) abortClientBody() {
	_ = http.NewResponseController(x.w).SetReadDeadline(aLongTimeAgo)
}

// backendOutcome reports whether the breaker must count an error of pe's
// party: only backend errors are the backend's.
func (pe *pipelineError) backendFault() bool { return pe.party == PartyBackend }

// logAttemptError logs the internal cause of a failed attempt (never sent
// to the client): at Debug level, since a failing backend fails every
// request.
func (g *Gateway) logAttemptError(pe *pipelineError) {
	g.log.Debug("attempt failed", "backend", pe.Backend, "reason", pe.Reason, "party", pe.party.String(), "cause", pe.detail)
}

// retryAfterValue is the Retry-After header of the gateway's own 503s.
func (g *Gateway) retryAfterValue() []string {
	secs := int64((g.opts.RetryAfter + time.Second - 1) / time.Second)
	return []string{strconv.FormatInt(max(secs, 1), 10)}
}
