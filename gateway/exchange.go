package gateway

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/apimlab/apimlab/apim/policyexpr"
	"github.com/apimlab/apimlab/clock"
)

// exchange is the state of one request through the pipeline. Exchanges are
// pooled; reset clears everything a request set.
type exchange struct {
	g     *Gateway
	w     http.ResponseWriter
	r     *http.Request
	start time.Time
	api   *apiRoute
	op    *opRoute
	ec    policyexpr.Context
	// ecReady is set once syncContext copied the per-request constants.
	ecReady bool

	// The request to send.
	method   string
	path     string // the operation path after the API prefix ("" or "/…")
	rawPath  string // path as the client encoded it ("" when that is path's default encoding)
	rawQuery string
	header   http.Header // r.Header, modified in place by inbound policies
	body     []byte      // buffered or replaced request body
	hasBody  bool        // body holds the request body to send
	params   map[string]string

	// Where forward-request sends it.
	target     *backend // a backend entity or the API's service URL
	baseURL    *url.URL // set-backend-service base-url (ad hoc target)
	clientCert string   // authentication-certificate id (lower case)
	proxy      *url.URL // the proxy policy's proxy (nil: the target's own, if any)

	// The response.
	hasResp    bool
	status     int
	statusText string
	respHeader http.Header
	respBody   []byte        // set by policies or the gateway
	stream     io.ReadCloser // backend body, when respBody is not set
	// streamCancel cancels the round trip that produced stream.
	streamCancel context.CancelFunc
	// unbufferedResp is set by forward-request buffer-response="false":
	// each chunk of a streamed response goes to the client as it arrives
	// (otherwise chunks are held until 8 KB or the end, as Azure does).
	unbufferedResp bool
	// streamEOF is set when stream was read to its end: closing it needs
	// no drain (and no drain timer).
	streamEOF bool
	// src and dst wrap stream and the client's writer while write copies
	// the body; kept in the exchange so the copy allocates nothing.
	src     readErrReader
	dst     writerOnly
	served  string // backend that produced the response
	reason  string // LastError reason of a gateway error
	done    bool   // return-response/mock-response ended the pipeline
	sec     int    // the section running (secInbound…)
	cancels []context.CancelFunc
	// after runs once the response is final, before it is written:
	// rate-limit headers, increment-condition counters, cache-store.
	after []func(*exchange)
	// cacheKey is the cache-lookup key of this request ("" when no
	// lookup ran); cacheHit is set when the response came from the cache.
	cacheKey string
	cacheHit bool

	// Backend selection state (set-backend-service, session affinity).
	byID        bool   // target was set by a backend-id
	targetLayer int    // policy layer of the step that set target (-1: unknown)
	sessionKey  string // session affinity key of this request ("" = none yet)
	setCookie   string // Set-Cookie value to add to the response ("" = none)

	// Kept across requests (the exchange is pooled): the expression
	// generator and the body readers handed to policy expressions, built
	// once per exchange object so a request allocates none of them.
	pcg        *rand.PCG
	rnd        *rand.Rand
	reqBodyFn  func() (string, error)
	respBodyFn func() (string, error)
	// reqConsumeFn and respConsumeFn drop a body read without
	// preserveContent: true (body.go).
	reqConsumeFn, respConsumeFn func()
	// timer is forward-request's timeout on the wall clock, re-armed
	// per attempt (attempt_timer.go).
	timer *wallTimer
}

var exchangePool = sync.Pool{New: func() any { return new(exchange) }}

func (g *Gateway) getExchange(w http.ResponseWriter, r *http.Request) *exchange {
	x := exchangePool.Get().(*exchange)
	if x.rnd == nil {
		x.pcg = rand.NewPCG(0, 0)
		x.rnd = rand.New(x.pcg)
		x.reqBodyFn = x.requestBody
		x.respBodyFn = x.responseBody
		x.reqConsumeFn = x.consumeRequestBody
		x.respConsumeFn = x.consumeResponseBody
		x.timer = new(wallTimer)
	}
	// Request n draws from (Seed, n): a seeded run is reproducible.
	x.pcg.Seed(g.opts.Seed, g.seq.Add(1))
	// Dot-segments are resolved before routing (trust.go); r is the
	// gateway's own request, so resolving in place is safe.
	resolveDotSegments(r.URL)
	x.g, x.w, x.r = g, w, r
	x.targetLayer = -1
	x.start = g.now()
	x.method = r.Method
	x.rawQuery = r.URL.RawQuery
	x.header = r.Header
	return x
}

// release ends the exchange: backend bodies are closed, contexts canceled.
func (x *exchange) release() {
	x.closeStream()
	for _, c := range x.cancels {
		c()
	}
	clear(x.cancels)
	cancels := x.cancels[:0]
	if x.timer.cur.Load() != nil {
		// Still armed: an attempt ended without disarming (a panic on
		// its way). A pooled exchange must not carry a live timeout into
		// the next request.
		x.timer.disarm()
	}
	x.timer.w.reset() // drop the last attempt's context and body
	params := x.params
	clear(params)
	clear(x.after)
	after := x.after[:0]
	*x = exchange{cancels: cancels, params: params, after: after, pcg: x.pcg, rnd: x.rnd, reqBodyFn: x.reqBodyFn, respBodyFn: x.respBodyFn, reqConsumeFn: x.reqConsumeFn, respConsumeFn: x.respConsumeFn, timer: x.timer}
	exchangePool.Put(x)
}

// drainTimeout bounds how long closeStream waits for the rest of a body it
// drops: a backend that sends headers and then stalls must not hold the
// request (a retry, an outbound policy replacing the response) hostage.
const drainTimeout = 50 * time.Millisecond

// closeStream drops the backend's body, if any.
func (x *exchange) closeStream() {
	if x.stream != nil {
		if x.streamEOF {
			// write copied the body to its end: the connection is
			// already back in the transport's pool.
			_ = x.stream.Close()
			x.stream, x.streamCancel, x.streamEOF = nil, nil, false
			return
		}
		// Drain a little so the connection can be reused, but only what
		// arrives promptly: the attempt's context is canceled after
		// drainTimeout, which ends a stalled read.
		var t clock.Timer
		if x.streamCancel != nil {
			t = clock.AfterFuncCtx(x.g.opts.Clock, x.r.Context(), drainTimeout, x.streamCancel)
		}
		_, _ = io.CopyN(io.Discard, x.stream, 64<<10)
		if t != nil {
			t.Stop()
		}
		_ = x.stream.Close()
		x.stream = nil
		x.streamCancel = nil
	}
}

// setResponse replaces the current response with a fresh, empty one.
func (x *exchange) newResponse(status int) {
	x.closeStream()
	x.hasResp = true
	x.status = status
	x.statusText = ""
	x.respHeader = http.Header{}
	x.respBody = nil
}

// syncContext copies the exchange's current state into the expression
// context; it is called before every expression evaluation. What cannot
// change during a request (the original URL, the API and operation,
// deployment, timestamp, clock, generator, body readers, request id) is
// copied by the first call only.
func (x *exchange) syncContext() {
	c := &x.ec
	if !x.ecReady {
		x.ecReady = true
		c.Request.OriginalUrl = x.originalURL()
		c.Request.Certificate = x.requestCertificate()
		if x.api != nil {
			c.Api = x.api.info
		}
		if x.op != nil {
			c.Operation = x.op.info
		}
		c.Deployment = x.g.deployment
		c.Timestamp = x.start
		c.Now = x.g.now
		c.Rand = x.rnd
		c.Request.Body = x.reqBodyFn
		c.Response.Body = x.respBodyFn
		c.Request.Consume = x.reqConsumeFn
		c.Response.Consume = x.respConsumeFn
		c.RequestId = newUUID(x.rnd)
	}
	c.Request.Method = x.method
	c.Request.Headers = x.header
	c.Request.MatchedParameters = x.params
	if u := x.backendBase(); u != nil {
		c.Request.Url = policyexpr.Url{Scheme: u.Scheme, Host: u.Hostname(), Port: portOf(u), Path: joinPath(u.Path, x.path), RawQuery: x.rawQuery}
	} else {
		c.Request.Url = c.Request.OriginalUrl
		c.Request.Url.Path = x.path
		c.Request.Url.RawQuery = x.rawQuery
	}
	c.Response.StatusCode = x.status
	c.Response.StatusReason = x.statusText
	c.Response.Headers = x.respHeader
	// context.Elapsed is set by value.eval, for the expressions that
	// read it (one clock read fewer per evaluation otherwise).
}

func (x *exchange) originalURL() policyexpr.Url {
	u := policyexpr.Url{Scheme: "http", Host: x.r.Host, Path: x.r.URL.Path, RawQuery: x.r.URL.RawQuery}
	if x.r.TLS != nil {
		u.Scheme = "https"
	}
	if h, p, ok := strings.Cut(x.r.Host, ":"); ok {
		u.Host = h
		u.Port = atoiDefault(p, 0)
	} else if u.Scheme == "https" {
		u.Port = 443
	} else {
		u.Port = 80
	}
	return u
}

// backendBase returns the base URL requests would go to now, nil if none.
func (x *exchange) backendBase() *url.URL {
	if x.baseURL != nil {
		return x.baseURL
	}
	if x.target != nil && x.target.url != nil {
		return x.target.url
	}
	return nil
}

// variables returns context.Variables, allocating it on first use.
func (x *exchange) variables() map[string]any {
	if x.ec.Variables == nil {
		x.ec.Variables = map[string]any{}
	}
	return x.ec.Variables
}

func portOf(u *url.URL) int {
	if p := u.Port(); p != "" {
		return atoiDefault(p, 0)
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

func atoiDefault(s string, def int) int {
	n := 0
	if s == "" {
		return def
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' || n > 1<<20 {
			return def
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// joinPath joins a backend base path and the operation path with exactly
// one slash between them.
func joinPath(base, rest string) string {
	switch {
	case rest == "":
		if base == "" {
			return "/"
		}
		return base
	case base == "" || base == "/":
		return rest
	case strings.HasSuffix(base, "/"):
		return base + rest[1:]
	}
	return base + rest
}
