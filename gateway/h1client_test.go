package gateway

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// scriptBackend accepts connections on loopback and answers each request
// with answer(conn number, request number on that connection, request,
// connection), which writes the response bytes itself and returns false to
// close the connection. It returns the address and the number of
// connections accepted so far.
func scriptBackend(t *testing.T, answer func(conn, n int, r *http.Request, c net.Conn) bool) (string, *atomic.Int32) {
	t.Helper()
	return loopbackBackend(t, func(id int, c net.Conn) {
		defer c.Close()
		br := bufio.NewReader(c)
		for n := 1; ; n++ {
			r, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, r.Body)
			if !answer(id, n, r, c) {
				return
			}
		}
	})
}

// loopbackBackend accepts connections on loopback and serves each with
// serve(conn number, connection) on a goroutine of its own, until the
// test ends. It returns the address and the number of connections
// accepted so far.
func loopbackBackend(t *testing.T, serve func(id int, c net.Conn)) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int32
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			id := int(conns.Add(1))
			wg.Go(func() { serve(id, c) })
		}
	})
	return ln.Addr().String(), &conns
}

// h1Service is one API forwarding to addr, buffering request bodies (so
// POSTs take the synchronous client too).
func h1Service(addr string) *apim.Service {
	return &apim.Service{
		Policy: doc(apim.ScopeGlobal, `<policies><inbound /><backend><forward-request buffer-request-body="true" /></backend><outbound /><on-error /></policies>`),
		APIs:   []*apim.API{apiWith("/api", "http://"+addr, "")},
	}
}

// sendH1 sends method with body through the gateway and returns the status
// and body.
func sendH1(t *testing.T, front, method, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, front+"/api/x", rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const okResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

// idleConns is the number of idle connections of the gateway's
// synchronous clients.
func idleConns(g *Gateway) int {
	n := 0
	g.h1.Range(func(_, v any) bool {
		c := v.(*h1Client)
		c.mu.Lock()
		n += c.count
		c.mu.Unlock()
		return true
	})
	return n
}

func TestH1ReusesConnections(t *testing.T) {
	addr, conns := scriptBackend(t, func(_, _ int, r *http.Request, c net.Conn) bool {
		if r.Method == http.MethodHead {
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
			return true
		}
		_, _ = io.WriteString(c, okResponse)
		return true
	})
	g, front := startGateway(t, h1Service(addr), Options{})
	for _, m := range []string{"GET", "POST", "HEAD", "GET", "DELETE"} {
		body := ""
		if m == "POST" {
			body = "payload"
		}
		status, got := sendH1(t, front.URL, m, body)
		want := "ok"
		if m == "HEAD" {
			want = ""
		}
		if status != 200 || got != want {
			t.Fatalf("%s: %d %q, want 200 %q", m, status, got, want)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d backend connections for five sequential requests, want 1 (kept alive)", n)
	}
	if n := idleConns(g); n != 1 {
		t.Errorf("%d idle connections in the synchronous client, want 1", n)
	}
	g.Close()
	if n := idleConns(g); n != 0 {
		t.Errorf("%d idle connections after Close, want 0", n)
	}
}

// A backend that closes a kept-alive connection without saying so: a
// replayable request that finds it closed is sent again on a new
// connection, and a connection found closed while idle is not used at all
// (a buffered POST, which is not replayable, still succeeds).
func TestH1BackendClosedIdleConnection(t *testing.T) {
	addr, conns := scriptBackend(t, func(_, _ int, _ *http.Request, c net.Conn) bool {
		_, _ = io.WriteString(c, okResponse)
		return false // closes after every response, without Connection: close
	})
	_, front := startGateway(t, h1Service(addr), Options{})
	for i, m := range []string{"GET", "GET", "GET"} {
		if status, got := sendH1(t, front.URL, m, ""); status != 200 || got != "ok" {
			t.Fatalf("request %d (%s, at once): %d %q, want 200 ok", i, m, status, got)
		}
	}
	for i := range 3 {
		time.Sleep(2 * probeAfter) // idle long enough to be probed
		if status, got := sendH1(t, front.URL, "POST", "body"); status != 200 || got != "ok" {
			t.Fatalf("POST %d after an idle moment: %d %q, want 200 ok", i, status, got)
		}
	}
	if n := conns.Load(); n != 6 {
		t.Errorf("%d backend connections, want 6 (one per request)", n)
	}
}

// Bytes a backend sends after a response, or while a connection is idle,
// are nobody's answer: the connection is not used again.
func TestH1UnsolicitedBytesNotReused(t *testing.T) {
	addr, conns := scriptBackend(t, func(_, n int, _ *http.Request, c net.Conn) bool {
		_, _ = io.WriteString(c, okResponse)
		if n == 1 {
			// A second, unrequested response.
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale")
		}
		return true
	})
	_, front := startGateway(t, h1Service(addr), Options{})
	for i := range 3 {
		if status, got := sendH1(t, front.URL, "GET", ""); status != 200 || got != "ok" {
			t.Fatalf("request %d: %d %q, want 200 ok (never the unrequested response)", i, status, got)
		}
		time.Sleep(2 * probeAfter)
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("%d backend connections, want 3 (none reused after unrequested bytes)", n)
	}
}

// 1xx heads before the final one (103 Early Hints) are read past, as the
// transport does.
func TestH1InformationalHeads(t *testing.T) {
	addr, _ := scriptBackend(t, func(_, _ int, _ *http.Request, c net.Conn) bool {
		_, _ = io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"+okResponse)
		return true
	})
	_, front := startGateway(t, h1Service(addr), Options{})
	for range 2 {
		if status, got := sendH1(t, front.URL, "GET", ""); status != 200 || got != "ok" {
			t.Fatalf("%d %q, want 200 ok", status, got)
		}
	}
}

// A connection whose response timed out is closed, never reused.
func TestH1TimeoutClosesConnection(t *testing.T) {
	addr, conns := scriptBackend(t, func(_, _ int, r *http.Request, c net.Conn) bool {
		if r.URL.Query().Has("slow") {
			time.Sleep(300 * time.Millisecond)
		}
		_, _ = io.WriteString(c, okResponse)
		return true
	})
	svc := &apim.Service{
		Policy: doc(apim.ScopeGlobal, `<policies><inbound /><backend><forward-request timeout-ms="@(context.Request.Url.Query.ContainsKey(&quot;slow&quot;) ? 50 : 10000)" /></backend><outbound /><on-error /></policies>`),
		APIs:   []*apim.API{apiWith("/api", "http://"+addr, "")},
	}
	_, front := startGateway(t, svc, Options{})
	if status, _, _ := get(t, front.URL+"/api/x?slow", nil); status != 504 {
		t.Fatalf("slow backend: %d, want 504", status)
	}
	if status, _, body := get(t, front.URL+"/api/x", nil); status != 200 || body != "ok" {
		t.Fatalf("next request: %d %q, want 200 ok", status, body)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d backend connections, want 2 (the timed-out one closed)", n)
	}
}

// fakeConn is a net.Conn that records Close.
type fakeConn struct {
	net.Conn
	closed atomic.Bool
}

func (c *fakeConn) Close() error { c.closed.Store(true); return nil }

func TestH1IdleExpiry(t *testing.T) {
	now := time.Unix(1000, 0)
	c := &h1Client{tr: &http.Transport{IdleConnTimeout: 90 * time.Second}, now: func() time.Time { return now }}
	k := h1Key{host: "b:80"}
	var fcs []*fakeConn
	for i := range 3 {
		fc := &fakeConn{}
		fcs = append(fcs, fc)
		c.put(&h1Conn{cl: c, key: k, c: fc})
		now = now.Add(time.Duration(i+1) * 20 * time.Second) // idle since 1000, 1020, 1060
	}
	// now = 1120: the first two (idle 120 s and 100 s) are past the 90 s.
	c.expire()
	if !fcs[0].closed.Load() || !fcs[1].closed.Load() || fcs[2].closed.Load() {
		t.Fatalf("closed = %v %v %v, want true true false", fcs[0].closed.Load(), fcs[1].closed.Load(), fcs[2].closed.Load())
	}
	if c.count != 1 || len(c.idle[k]) != 1 || c.idle[k][0].c != net.Conn(fcs[2]) {
		t.Fatalf("idle after expiry: count %d, %d in the pool, want the newest only", c.count, len(c.idle[k]))
	}
	// The sweep comes back when the newest is due (idle since 1060: at
	// 1150), not a whole timeout later.
	c.mu.Lock()
	_, next := c.expired(now)
	c.mu.Unlock()
	if next != 30*time.Second {
		t.Errorf("next sweep in %v, want 30s (when the remaining connection's idle time is up)", next)
	}
	// A connection idle past the timeout is not handed out either.
	now = now.Add(2 * time.Minute)
	if pc := c.get(k, false); pc != nil {
		t.Fatal("get returned a connection idle past IdleConnTimeout")
	}
	if !fcs[2].closed.Load() {
		t.Error("the expired connection was not closed")
	}
	c.closeIdle()
}

// fast takes exactly the requests the synchronous client can send as the
// transport would; the others go through the transport.
func TestH1FastPath(t *testing.T) {
	g, err := New(h1Service("127.0.0.1:1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	plain := g.adhoc
	slots := plain.Clone()
	slots.MaxConnsPerHost = 4
	proxied := plain.Clone()
	proxied.Proxy = func(*http.Request) (*url.URL, error) { return url.Parse("http://proxy:3128") }
	h2 := g.adhocFor("", http2or1)
	noTLSDial := plain.Clone()
	noTLSDial.DialTLSContext = nil

	newReq := func(method, target string, body io.Reader) *http.Request {
		r, err := http.NewRequestWithContext(context.Background(), method, target, body)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	streamed := newReq("POST", "http://b/x", io.NopCloser(strings.NewReader("x")))
	streamed.GetBody = nil
	for _, c := range []struct {
		name string
		tr   *http.Transport
		req  *http.Request
		want bool
	}{
		{"GET", plain, newReq("GET", "http://b/x", nil), true},
		{"https GET", plain, newReq("GET", "https://b/x", nil), true},
		{"buffered POST", plain, newReq("POST", "http://b/x", strings.NewReader("x")), true},
		{"streamed body", plain, streamed, false},
		{"buffered body over 32 KiB", plain, newReq("PUT", "http://b/x", strings.NewReader(strings.Repeat("x", maxSyncBody+1))), false},
		{"Expect: 100-continue", plain, withHeader(newReq("POST", "http://b/x", strings.NewReader("x")), "Expect", "100-continue"), false},
		{"Upgrade", plain, withHeader(newReq("GET", "http://b/x", nil), "Upgrade", "websocket"), false},
		{"invalid header value", plain, withHeader(newReq("GET", "http://b/x", nil), "X-Bad", "a\nb"), false},
		{"invalid header name", plain, withHeader(newReq("GET", "http://b/x", nil), "X Bad", "v"), false},
		{"connection slots", slots, newReq("GET", "http://b/x", nil), false},
		{"proxy", proxied, newReq("GET", "http://b/x", nil), false},
		{"HTTP/2 variant", h2, newReq("GET", "https://b/x", nil), false},
		{"https without the hop dialer", noTLSDial, newReq("GET", "https://b/x", nil), false},
		{"other scheme", plain, newReq("GET", "ftp://b/x", nil), false},
	} {
		if got := g.h1For(c.tr).fast(c.req); got != c.want {
			t.Errorf("%s: fast = %v, want %v", c.name, got, c.want)
		}
	}
}

func withHeader(r *http.Request, k, v string) *http.Request {
	r.Header[k] = []string{v}
	return r
}

// A response body closed before its end closes the connection (the rest
// of the body is still on it); the next request dials.
func TestH1EarlyCloseNotReused(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, big)
	}))
	var conns atomic.Int32
	backend.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	backend.Start()
	defer backend.Close()
	g, err := New(h1Service(strings.TrimPrefix(backend.URL, "http://")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	tr := g.h1For(g.adhoc)
	for range 2 {
		req, _ := http.NewRequest("GET", backend.URL+"/", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 10)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if _, err := resp.Body.Read(buf); err == nil {
			t.Error("read after Close succeeded")
		}
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (a half-read body's connection is closed)", n)
	}
}

// forward-request's timeout ends the wait for a dial that hangs (504),
// not the dial: as in the transport, it goes on for the pool, until the
// gateway closes (closeIdle cancels the dials nobody waits for).
func TestH1TimeoutDuringDial(t *testing.T) {
	canceled := make(chan struct{})
	opts := Options{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		<-ctx.Done()
		close(canceled)
		return nil, ctx.Err()
	}}
	svc := &apim.Service{
		Policy: doc(apim.ScopeGlobal, `<policies><inbound /><backend><forward-request timeout-ms="50" /></backend><outbound /><on-error /></policies>`),
		APIs:   []*apim.API{apiWith("/api", "http://backend.test", "")},
	}
	g, front := startGateway(t, svc, opts)
	if status, _, _ := get(t, front.URL+"/api/x", nil); status != 504 {
		t.Fatalf("hanging dial: %d, want 504", status)
	}
	select {
	case <-canceled:
		t.Fatal("the timeout canceled the dial; the transport lets it go on for the pool")
	default:
	}
	g.Close()
	select {
	case <-canceled:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not cancel the dial nobody waits for")
	}
}

// A backend slower to connect than forward-request's timeout: the
// attempt times out (504), the connection it dialed goes to the pool, and
// the next request uses it, as with the transport. Each dial used to be
// canceled by its attempt's timeout: the backend was never reached.
func TestH1SlowDialServesNextRequest(t *testing.T) {
	addr, conns := scriptBackend(t, func(_, _ int, _ *http.Request, c net.Conn) bool {
		_, _ = io.WriteString(c, okResponse)
		return true
	})
	opts := Options{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		time.Sleep(150 * time.Millisecond) // longer than the timeout
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	svc := &apim.Service{
		Policy: doc(apim.ScopeGlobal, `<policies><inbound /><backend><forward-request timeout-ms="50" /></backend><outbound /><on-error /></policies>`),
		APIs:   []*apim.API{apiWith("/api", "http://backend.test", "")},
	}
	g, front := startGateway(t, svc, opts)
	if status, _, _ := get(t, front.URL+"/api/x", nil); status != 504 {
		t.Fatalf("slow dial: %d, want 504", status)
	}
	deadline := time.Now().Add(5 * time.Second)
	for idleConns(g) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the abandoned dial's connection never reached the pool")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if status, _, body := get(t, front.URL+"/api/x", nil); status != 200 || body != "ok" {
		t.Fatalf("next request: %d %q, want 200 ok on the pooled connection", status, body)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

// send-request's calls take the synchronous client too: kept alive.
func TestH1SendRequestKeepsAlive(t *testing.T) {
	addr, conns := scriptBackend(t, func(_, _ int, _ *http.Request, c net.Conn) bool {
		_, _ = io.WriteString(c, okResponse)
		return true
	})
	svc := &apim.Service{
		APIs: []*apim.API{apiWith("/api", "http://127.0.0.1:1", `<send-request mode="new" response-variable-name="r" timeout="5"><set-url>http://`+addr+`/side</set-url><set-method>POST</set-method><set-body>hi</set-body></send-request><return-response response-variable-name="r" />`)},
	}
	g, front := startGateway(t, svc, Options{})
	for range 3 {
		if status, _, body := get(t, front.URL+"/api/x", nil); status != 200 || body != "ok" {
			t.Fatalf("%d %q, want 200 ok", status, body)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for three send-requests, want 1", n)
	}
	if n := idleConns(g); n != 1 {
		t.Errorf("%d idle connections in the synchronous client, want 1", n)
	}
}

// A response head over the transport's MaxResponseHeaderBytes is an
// error, as the transport makes it.
func TestH1HeadLimit(t *testing.T) {
	addr, _ := scriptBackend(t, func(_, _ int, _ *http.Request, c net.Conn) bool {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Big: "+strings.Repeat("a", 8<<10)+"\r\nContent-Length: 2\r\n\r\nok")
		return true
	})
	c := &h1Client{tr: &http.Transport{DialContext: (&net.Dialer{}).DialContext, MaxResponseHeaderBytes: 1 << 10}, now: time.Now}
	defer c.closeIdle()
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	if resp, err := c.RoundTrip(req); err == nil {
		resp.Body.Close()
		t.Fatal("an 8 KB head passed a 1 KB limit")
	}
	c.tr.MaxResponseHeaderBytes = 16 << 10
	roundTripOK(t, c, req) // an 8 KB head under a 16 KB limit
}

// Concurrent calls whose responses have no body (204) share the pool: a
// call puts its connection back as soon as the head is read, another call
// takes it at once, and nothing of the first call may touch it after
// (its head limit was reset after the put: a data race, and the second
// call's head unbounded).
func TestH1NoBodyResponsesShareConnections(t *testing.T) {
	addr, _ := scriptBackend(t, func(_, _ int, _ *http.Request, c net.Conn) bool {
		_, _ = io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\n")
		return true
	})
	c := &h1Client{tr: &http.Transport{DialContext: (&net.Dialer{}).DialContext}, now: time.Now}
	defer c.closeIdle()
	call := func() error {
		req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
		resp, err := c.RoundTrip(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	// The second call waits (with the pool's lock only, as calls do) for
	// the first one's connection to be idle and takes it.
	var errA, errB error
	var wg sync.WaitGroup
	wg.Go(func() { errA = call() })
	wg.Go(func() {
		for idle := 0; idle == 0; {
			c.mu.Lock()
			idle = c.count
			c.mu.Unlock()
			runtime.Gosched()
		}
		errB = call()
	})
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
}

// After closeIdle (Gateway.Close, the server's trim), a connection that
// becomes idle is closed rather than kept, until a call asks for one
// again: the transport's CloseIdleConnections. No connection and no
// expiry timer outlive a closed gateway's last response.
func TestH1CloseIdleClosesLaterIdle(t *testing.T) {
	addr, conns := scriptBackend(t, func(_, _ int, _ *http.Request, c net.Conn) bool {
		_, _ = io.WriteString(c, okResponse)
		return true
	})
	c := &h1Client{tr: &http.Transport{DialContext: (&net.Dialer{}).DialContext}, now: time.Now}
	defer c.closeIdle()
	call := func() *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
		resp, err := c.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := call()
	c.closeIdle() // while the response is in flight
	if b, _ := io.ReadAll(resp.Body); string(b) != "ok" {
		t.Fatalf("body %q, want ok", b)
	}
	resp.Body.Close()
	c.mu.Lock()
	n, sweep := c.count, c.sweep
	c.mu.Unlock()
	if n != 0 || sweep != nil {
		t.Fatalf("after closeIdle, the in-flight call's connection went idle (%d idle, sweep timer %v), want it closed", n, sweep != nil)
	}
	// The next calls keep connections alive again.
	for range 2 {
		resp := call()
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (the one closed after closeIdle, then one kept alive)", n)
	}
}

// The synchronous client dials the address the transport dials for the
// same URL: the default port of the scheme, IPv6 literals in brackets,
// international host names in their ASCII form.
func TestH1DialAddress(t *testing.T) {
	var mu sync.Mutex
	var dialed string
	record := func(_ context.Context, _, addr string) (net.Conn, error) {
		mu.Lock()
		dialed = addr
		mu.Unlock()
		return nil, errors.New("not dialing")
	}
	tr := &http.Transport{DialContext: record, DialTLSContext: record}
	c := &h1Client{tr: tr, now: time.Now}
	last := func() string {
		mu.Lock()
		defer mu.Unlock()
		a := dialed
		dialed = ""
		return a
	}
	for _, u := range []string{
		"http://b/", "http://B.example/", "http://b:8080/", "https://b/", "https://b:8443/",
		"http://[::1]/", "https://[::1]/", "http://[::1]:81/",
		"http://[fe80::1%25eth0]/", "http://bücher.example/", "https://BÜCHER.example:444/",
	} {
		req, err := http.NewRequest("GET", u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.RoundTrip(req); err == nil {
			t.Fatalf("%s: the transport dialed", u)
		}
		want := last()
		if !c.fast(req) {
			t.Errorf("%s: not taken by the synchronous client", u)
			continue
		}
		if _, err := c.RoundTrip(req); err == nil {
			t.Fatalf("%s: the synchronous client dialed", u)
		}
		if got := last(); got != want {
			t.Errorf("%s: dialed %q, the transport %q", u, got, want)
		}
	}
}

// holdConn holds what is written to it, once hold is set, until Close
// sends it all in one write: a TLS response and the close_notify after it
// arrive together.
type holdConn struct {
	net.Conn
	hold bool
	buf  []byte
}

func (c *holdConn) Write(p []byte) (int, error) {
	if !c.hold {
		return c.Conn.Write(p)
	}
	c.buf = append(c.buf, p...)
	return len(p), nil
}

// flush sends what was held in one write and holds no more.
func (c *holdConn) flush() {
	_ = c.Conn.SetWriteDeadline(time.Time{}) // tls.Conn.Close set it to now
	_, _ = c.Conn.Write(c.buf)
	c.buf, c.hold = nil, false
}

func (c *holdConn) Close() error {
	c.flush()
	return c.Conn.Close()
}

// A TLS 1.2 backend that closes its connection after a response, its
// close_notify arriving with the response: crypto/tls reports the end of
// the connection with the response's last bytes, and the connection is
// not reused (the transport's sawEOF). A POST sent on it at once (no idle
// probe yet), which is not retried, failed.
func TestH1ConnectionEndedWithResponseNotReused(t *testing.T) {
	// TLS 1.3 encrypts the alert: crypto/tls sees it on the next read only.
	cfg := &tls.Config{Certificates: []tls.Certificate{testPKI(t).Server.TLSCertificate()}, MaxVersion: tls.VersionTLS12}
	addr, conns := loopbackBackend(t, func(_ int, raw net.Conn) {
		hc := &holdConn{Conn: raw}
		tc := tls.Server(hc, cfg)
		defer tc.Close()
		if tc.Handshake() != nil {
			return
		}
		r, err := http.ReadRequest(bufio.NewReader(tc))
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		hc.hold = true
		_, _ = io.WriteString(tc, okResponse)
	})
	dial := (&net.Dialer{}).DialContext
	tr := &http.Transport{DialContext: hopDial(dial), DialTLSContext: hopDialTLS(dial, &tls.Config{InsecureSkipVerify: true}, 5*time.Second)}
	// A clock that stands still: connections are reused without a probe.
	now := time.Now()
	c := &h1Client{tr: tr, now: func() time.Time { return now }}
	defer c.closeIdle()
	for range 3 {
		postOK(t, c, "https://"+addr+"/")
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections, want 3", n)
	}
}

// A reused connection the backend reset, found so by the request's first
// write: nothing of the request went out, so it is sent again on a new
// connection whatever its method, as the transport does
// (nothingWrittenError). A POST failed.
func TestH1NothingWrittenRetried(t *testing.T) {
	reset, resetDone := make(chan struct{}), make(chan struct{})
	addr, conns := scriptBackend(t, func(id, _ int, _ *http.Request, c net.Conn) bool {
		_, _ = io.WriteString(c, okResponse)
		if id == 1 {
			<-reset
			_ = c.(*net.TCPConn).SetLinger(0) // Close sends RST
			_ = c.Close()
			close(resetDone)
			return false
		}
		return true
	})
	release := sync.OnceFunc(func() { close(reset) })
	t.Cleanup(release) // before the backend's cleanup waits for it
	// A clock that stands still: the reset connection is reused without a
	// probe.
	now := time.Now()
	c := &h1Client{tr: &http.Transport{DialContext: (&net.Dialer{}).DialContext}, now: func() time.Time { return now }}
	defer c.closeIdle()
	postOK(t, c, "http://"+addr+"/")
	release()
	<-resetDone
	time.Sleep(10 * time.Millisecond) // the RST has arrived
	postOK(t, c, "http://"+addr+"/")
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// postOK sends a POST to url through c and fails the test unless the
// answer is ok.
func postOK(t *testing.T, c *h1Client, url string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader("body"))
	roundTripOK(t, c, req)
}

// roundTripOK sends req through c and fails the test unless the answer's
// body is ok.
func roundTripOK(t *testing.T, c *h1Client, req *http.Request) {
	t.Helper()
	resp, err := c.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s: %v", req.Method, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ok" {
		t.Fatalf("%s: body %q, want ok", req.Method, b)
	}
}

// A response body that broke off keeps failing: a read after the error
// returns it again, as the transport's body does, never io.EOF (a
// truncated body read as complete).
func TestH1BodyErrorSticks(t *testing.T) {
	addr, _ := scriptBackend(t, func(_, _ int, _ *http.Request, c net.Conn) bool {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok")
		return false // 8 bytes short
	})
	c := &h1Client{tr: &http.Transport{DialContext: (&net.Dialer{}).DialContext}, now: time.Now}
	defer c.closeIdle()
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	resp, err := c.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != io.ErrUnexpectedEOF {
		t.Fatalf("read: %v, want %v", err, io.ErrUnexpectedEOF)
	}
	if n, err := resp.Body.Read(make([]byte, 8)); n != 0 || err != io.ErrUnexpectedEOF {
		t.Errorf("read after the error: %d, %v, want 0, %v", n, err, io.ErrUnexpectedEOF)
	}
}

// A backend that closes each connection right after its response without
// saying so: a request that cannot be sent again (a POST) is not sent on
// a connection whose end already arrived, however short its idle time
// (the transport's read goroutine sees that end at once). POSTs within
// probeAfter of the previous response failed.
func TestH1ClosedConnectionNotUsedForPOST(t *testing.T) {
	closed := make(chan struct{}, 1)
	addr, conns := scriptBackend(t, func(_, _ int, _ *http.Request, c net.Conn) bool {
		_, _ = io.WriteString(c, okResponse)
		_ = c.Close()
		closed <- struct{}{}
		return false
	})
	// A clock that stands still: every reuse is within probeAfter.
	now := time.Now()
	c := &h1Client{tr: &http.Transport{DialContext: (&net.Dialer{}).DialContext}, now: func() time.Time { return now }}
	defer c.closeIdle()
	for range 3 {
		postOK(t, c, "http://"+addr+"/")
		<-closed
		time.Sleep(5 * time.Millisecond) // the FIN has arrived
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections, want 3", n)
	}
}

// A TLS backend that sends a body with its answer to a HEAD, in a TLS
// record of its own that arrives with the head: crypto/tls holds it, where
// neither the buffered reader nor the socket shows it, and the connection
// is not reused (the transport's read goroutine reads it at once and
// drops the connection). The next request read those bytes as its
// response.
func TestH1TLSStrayBytesNotReused(t *testing.T) {
	cfg := &tls.Config{Certificates: []tls.Certificate{testPKI(t).Server.TLSCertificate()}}
	addr, conns := loopbackBackend(t, func(_ int, raw net.Conn) {
		hc := &holdConn{Conn: raw}
		tc := tls.Server(hc, cfg)
		defer tc.Close()
		br := bufio.NewReader(tc)
		for {
			r, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, r.Body)
			if r.Method != http.MethodHead {
				_, _ = io.WriteString(tc, okResponse)
				continue
			}
			hc.hold = true
			_, _ = io.WriteString(tc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
			_, _ = io.WriteString(tc, "stray") // a record of its own
			hc.flush()
		}
	})
	dial := (&net.Dialer{}).DialContext
	tr := &http.Transport{DialContext: hopDial(dial), DialTLSContext: hopDialTLS(dial, &tls.Config{InsecureSkipVerify: true}, 5*time.Second)}
	c := &h1Client{tr: tr, now: time.Now}
	defer c.closeIdle()
	headThenGet(t, c, "https://"+addr+"/", func() { time.Sleep(2 * probeAfter) })
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (the one with stray bytes dropped)", n)
	}
}

// A backend that sends a body with its answer to a HEAD, a moment after
// the head: those bytes are on the connection when the next request comes,
// however soon, and it is not used (the transport's read goroutine reads
// them at once and drops it). The next GET read them as its response.
func TestH1BodyAfterHEADNotReused(t *testing.T) {
	sent := make(chan struct{}, 1)
	addr, conns := scriptBackend(t, func(_, _ int, r *http.Request, c net.Conn) bool {
		if r.Method != http.MethodHead {
			_, _ = io.WriteString(c, okResponse)
			return true
		}
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
		time.Sleep(5 * time.Millisecond)
		_, _ = io.WriteString(c, "stray")
		sent <- struct{}{}
		return true
	})
	// A clock that stands still: the GET comes within probeAfter.
	now := time.Now()
	c := &h1Client{tr: &http.Transport{DialContext: (&net.Dialer{}).DialContext}, now: func() time.Time { return now }}
	defer c.closeIdle()
	headThenGet(t, c, "http://"+addr+"/", func() {
		<-sent
		time.Sleep(5 * time.Millisecond) // the stray bytes have arrived
	})
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (the one with stray bytes dropped)", n)
	}
}

// headThenGet sends a HEAD to url through c, runs between, then a GET,
// and fails the test unless both get 200 and the GET's body is ok.
func headThenGet(t *testing.T, c *h1Client, url string, between func()) {
	t.Helper()
	for _, m := range []string{"HEAD", "GET"} {
		req, _ := http.NewRequest(m, url, nil)
		resp, err := c.RoundTrip(req)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || m == "GET" && string(b) != "ok" {
			t.Fatalf("%s: %d %q", m, resp.StatusCode, b)
		}
		if m == "HEAD" {
			between()
		}
	}
}
