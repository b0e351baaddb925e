package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/apimlab/apimlab/apim/gwerr"
	"github.com/apimlab/apimlab/backends"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/clock"
)

// hopHeaders are the hop-by-hop headers a proxy must not forward (RFC 9110
// §7.6.1), in canonical form.
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

func removeHop(h http.Header) {
	if c := h["Connection"]; len(c) > 0 {
		for _, v := range c {
			for _, f := range strings.Split(v, ",") {
				if f = strings.TrimSpace(f); f != "" {
					delete(h, http.CanonicalHeaderKey(f))
				}
			}
		}
	}
	for _, k := range hopHeaders {
		delete(h, k)
	}
}

// prepareRequest is done once per request before the pipeline: hop-by-hop
// headers go, X-Forwarded-* are set, and the body is buffered when the
// plan may send it more than once.
func (x *exchange) prepareRequest(p *plan) error {
	removeHop(x.header)
	r := x.r
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil && ip != "" {
		prior := x.header["X-Forwarded-For"]
		// IpAddress is the TCP peer unless it is a trusted proxy
		// (trust.go): a client cannot choose it with a header.
		x.ec.Request.IpAddress = clientIP(r.RemoteAddr, prior, x.g.opts.TrustedProxies)
		if len(prior) > 0 {
			ip = strings.Join(prior, ", ") + ", " + ip
		}
		x.header["X-Forwarded-For"] = []string{ip}
	}
	x.header["X-Forwarded-Host"] = []string{r.Host}
	if r.TLS != nil {
		x.header["X-Forwarded-Proto"] = protoHTTPS
	} else {
		x.header["X-Forwarded-Proto"] = protoHTTP
	}
	if p.bufferBody && r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		// Bounded like every buffered body (Options.MaxBodyBytes): a retry
		// must not let one upload take unbounded memory.
		limit := x.g.opts.MaxBodyBytes
		if r.ContentLength > limit {
			return perr("forward-request", ReasonBodyTooLarge, http.StatusRequestEntityTooLarge, "the request body (%d bytes) is larger than %d bytes, the most the gateway buffers for retry or buffer-request-body", r.ContentLength, limit)
		}
		buf := bytes.NewBuffer(make([]byte, 0, max(r.ContentLength, 0)+1))
		n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
		switch {
		case err != nil:
			return clientBodyError(err)
		case n > limit:
			return perr("forward-request", ReasonBodyTooLarge, http.StatusRequestEntityTooLarge, "the request body is larger than %d bytes, the most the gateway buffers for retry or buffer-request-body", limit)
		}
		x.body, x.hasBody = buf.Bytes(), true
	}
	return nil
}

var (
	protoHTTP  = []string{"http"}
	protoHTTPS = []string{"https"}
)

// attemptSpec is what forward-request decides about an attempt.
type attemptSpec struct {
	// timeout bounds the wait for the response headers (0: none).
	timeout time.Duration
	// version is the HTTP version spoken to the backend.
	version httpVersion
	// followRedirects makes the gateway follow the backend's redirects
	// (forward-request follow-redirects="true") instead of returning them.
	followRedirects bool
}

// forward sends the request to the current target (a pool member chosen
// now, a Single backend or an ad hoc URL) and makes its response the
// current response.
func (x *exchange) forward(a attemptSpec) error {
	timeout := a.timeout
	b, base := x.target, x.baseURL
	if b == nil && base == nil && x.api != nil {
		b = x.api.service
	}
	if b == nil && base == nil {
		return perr("forward-request", ReasonNoBackend, gwerr.NoBackendStatus, "no backend: the API has no serviceUrl and no set-backend-service ran")
	}
	var lease backends.Lease // the zero Lease records nothing
	if base == nil {
		member, l, err := x.admit(b)
		if err != nil {
			return err
		}
		b, lease = member, l
		base = b.url
	}
	var start time.Time // read only by Options.OnAttempt
	if x.g.opts.OnAttempt != nil {
		start = x.g.opts.Clock.Now()
	}
	resp, cancel, err := x.roundTrip(b, base, a)
	name := b.hostName(base)
	if err != nil {
		pe := x.classify(err, timeout)
		pe.Backend = name
		x.g.attempted(name, start, 0, pe.Reason)
		// Only the backend's own failures count against it: a client's
		// broken, slow or abandoned request and the gateway's own lack of
		// resources are reported as canceled (not counted, a half-open
		// trial gives its slot back); see attribution.go.
		lease.Done(breaker.Outcome{Err: err, ErrReason: pe.Reason, Canceled: !pe.backendFault()})
		x.g.logAttemptError(pe)
		return pe
	}
	x.g.attempted(name, start, resp.StatusCode, "")
	var ra string
	if v := resp.Header["Retry-After"]; len(v) > 0 {
		ra = v[0]
	}
	lease.Done(breaker.Outcome{StatusCode: resp.StatusCode, RetryAfter: ra})
	x.closeStream()
	removeHop(resp.Header)
	x.hasResp = true
	x.status = resp.StatusCode
	x.statusText = ""
	x.respHeader = resp.Header
	x.respBody = nil
	x.stream = resp.Body
	x.streamCancel = cancel
	x.served = name
	return nil
}

// hostName names the target for x-apimlab-backend: the entity name, or
// the host of an ad hoc URL.
func (b *backend) hostName(base *url.URL) string {
	if b != nil && b.kind != "serviceUrl" {
		return b.name
	}
	return base.Host
}

// admit picks the backend to call through package backends: a pool
// member whose breaker admits the request, or the Single backend when its
// breaker does. An API's serviceUrl has no semantics to apply.
func (x *exchange) admit(b *backend) (*backend, backends.Lease, error) {
	if b.be == nil {
		return b, backends.Lease{}, nil
	}
	key := ""
	if c := b.be.SessionCookie(); c != "" {
		key = x.affinityKey(c)
	}
	l, err := b.be.Acquire(key)
	if err != nil {
		reason := ReasonBreakerOpen
		if errors.Is(err, backends.ErrNoMember) {
			reason = ReasonPoolUnavailable
		}
		status := b.be.FailureStatus()
		e := perr("forward-request", reason, status, "%s", err.Error())
		e.Backend = b.name
		return nil, backends.Lease{}, e
	}
	return x.g.byIndex[l.Backend().Index()], l, nil
}

// roundTrip sends one attempt. The timeout covers the response headers
// (forward-request's timeout); the body then streams under the request's
// context until the exchange ends.
func (x *exchange) roundTrip(b *backend, base *url.URL, a attemptSpec) (*http.Response, context.CancelFunc, error) {
	timeout := a.timeout
	u := &url.URL{Scheme: base.Scheme, Host: base.Host, Path: joinPath(base.Path, x.path), RawQuery: x.rawQuery}
	if x.rawPath != "" {
		// Keep the client's encoding (%2F stays %2F); url.URL ignores
		// RawPath when a rewrite-uri changed the path.
		u.RawPath = joinPath(base.EscapedPath(), x.rawPath)
	}
	if b != nil && b.credQuery != "" {
		if u.RawQuery == "" {
			u.RawQuery = b.credQuery
		} else {
			u.RawQuery += "&" + b.credQuery
		}
	}
	h := x.header
	if b != nil && b.credHeader != nil {
		h = h.Clone()
		for k, v := range b.credHeader {
			h[k] = v
		}
	}
	// Built on the stack and copied once by WithContext: one allocation
	// of the request per attempt, not two.
	out := http.Request{
		Method:     x.method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     h,
		Host:       u.Host,
	}
	switch {
	case x.hasBody && len(x.body) == 0:
		// An empty body (emptied, or set empty) goes out as
		// Content-Length: 0, not as an empty chunked stream.
		out.Body = http.NoBody
		out.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
	case x.hasBody:
		out.Body = io.NopCloser(bytes.NewReader(x.body))
		out.ContentLength = int64(len(x.body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(x.body)), nil }
	case x.r.Body != nil && x.r.ContentLength != 0:
		out.Body = x.r.Body
		out.ContentLength = x.r.ContentLength
	default:
		out.Body = http.NoBody
	}
	var ht *http.Transport
	if b != nil {
		ht = b.variant(x.g, x.clientCert, a.version)
	} else {
		ht = x.g.adhocFor(x.clientCert, a.version)
	}
	// No streamed body, proxy, connection slots or redirects: the
	// synchronous client takes the attempt (h1client.go), and its call is
	// what the timeout cancels. Otherwise the transport gets a context of
	// its own to cancel.
	ctx := x.forwardContext()
	var h1 *h1Client
	var call *h1Call
	var cancel context.CancelFunc
	if x.proxy == nil && x.g.opts.MaxConnsPerBackend <= 0 && !a.followRedirects {
		if c := x.g.h1For(ht); c.fast(&out) {
			h1, call = c, &h1Call{}
			cancel = call.abort
		}
	}
	if call == nil {
		ctx, cancel = context.WithCancel(ctx)
	}
	x.cancels = append(x.cancels, cancel)
	req, watch := x.watch(out.WithContext(ctx))
	if !x.hasBody {
		// The client's body streams to this attempt and is gone after
		// it: unbuffered (no buffer-request-body="true"), a later attempt
		// (retry) goes out with an empty body, as in Azure, where only a
		// buffered request "will be reused on retry" (Learn, "Forward
		// request"). Options.PreserveBodies buffers it instead.
		x.body, x.hasBody = nil, true
	}
	fired := &watch.fired
	if timeout <= 0 {
		// timeout="0": the gateway does not wait for the response headers.
		fired.Store(true)
		cancel()
	}
	watch.cancel = cancel
	var t clock.Timer
	if x.g.wallClock() {
		x.timer.arm(max(timeout, 0), watch)
	} else {
		// Tagged with the request, so a virtual clock knows the timeout
		// wakes it (sim/live).
		t = clock.AfterFuncCtx(x.g.opts.Clock, ctx, max(timeout, 0), func() { watch.timedOut(); fired.Store(true); cancel() })
	}
	var resp *http.Response
	var err error
	switch {
	case call != nil:
		resp, err = h1.do(req, call)
	case a.followRedirects:
		resp, err = follow(ht, req)
	default:
		resp, err = ht.RoundTrip(req)
	}
	if t != nil {
		t.Stop()
	} else {
		x.timer.disarm()
	}
	if err == nil && fired.Load() {
		// The timeout fired and canceled the attempt, but a response
		// raced in: the gateway stopped waiting, so it is a timeout.
		resp.Body.Close()
		resp, err = nil, context.DeadlineExceeded
	}
	if err != nil {
		// classify (attribution.go) tells the backend's failures from
		// the client's and the gateway's.
		err = &attemptError{err: err, timedOut: fired.Load(), watch: watch}
	}
	return resp, cancel, err
}

// follow sends req through tr and follows the backend's redirects
// (forward-request follow-redirects="true") the way net/http's client
// does: at most 10; 301, 302 and 303 turn a POST into a body-less GET;
// 307 and 308 keep the method and resend the body when it is buffered (an
// unbuffered body cannot be sent twice: that redirect is returned as it
// is); headers are copied, credentials dropped on a move to another host.
// The response is the last one; a failed redirect is the attempt's error.
func follow(tr http.RoundTripper, req *http.Request) (*http.Response, error) {
	c := http.Client{Transport: tr}
	resp, err := c.Do(req)
	var ue *url.Error
	if errors.As(err, &ue) {
		// url.Error names the backend URL; classify reads the cause, and
		// the message never reaches the client.
		err = ue.Err
	}
	return resp, err
}

// adhocFor returns the ad hoc transport presenting client certificate
// certKey ("" = none) and speaking HTTP version v.
func (g *Gateway) adhocFor(certKey string, v httpVersion) *http.Transport {
	if certKey == "" && v == http1 {
		return g.adhoc
	}
	k := variantKey{cert: certKey, version: v}
	if t, ok := g.adhocVariants.Load(k); ok {
		return t.(*http.Transport)
	}
	actual, _ := g.adhocVariants.LoadOrStore(k, g.derive(g.adhoc, certKey, v))
	return actual.(*http.Transport)
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// affinityKey returns the session key of this request for a pool with
// session affinity by cookie: the value of cookie name sent by the client,
// or a new session id, which the response then sets (APIM "sets a session
// ID cookie to maintain session state"; see docs/semantics.md).
func (x *exchange) affinityKey(name string) string {
	if x.sessionKey != "" {
		return x.sessionKey
	}
	for _, line := range x.header["Cookie"] {
		cs, err := http.ParseCookie(line)
		if err != nil {
			continue
		}
		for _, c := range cs {
			if c.Name == name && c.Value != "" {
				x.sessionKey = c.Value
				return x.sessionKey
			}
		}
	}
	x.sessionKey = newUUID(x.rnd)
	x.setCookie = (&http.Cookie{Name: name, Value: x.sessionKey, Path: "/"}).String()
	return x.sessionKey
}
