package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// shortTimeout is the configured timeout of the slow- and idle-client
// tests: the server must close or answer at it. Tests never assert how
// long that took, only that it happened (bounded by testBound).
const (
	shortTimeout = 200 * time.Millisecond
	testBound    = 20 * time.Second
)

// startServer serves g through a Server on a loopback listener.
func startServer(t *testing.T, g *Gateway, o ServerOptions) (*Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(g, o)
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ln) }()
	t.Cleanup(func() {
		_ = s.Close()
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
		g.Close()
	})
	return s, ln.Addr().String()
}

// TestIpAddress checks context.Request.IpAddress through a real
// listener: the TCP peer (127.0.0.1) unless the peer is a trusted proxy.
func TestIpAddress(t *testing.T) {
	tests := []struct {
		name    string
		trusted string
		xff     []string
		want    string
	}{
		{"no X-Forwarded-For", "", nil, "127.0.0.1"},
		{"untrusted peer's X-Forwarded-For is ignored", "", []string{"203.0.113.7"}, "127.0.0.1"},
		{"peer outside the trusted prefixes", "10.0.0.0/8", []string{"203.0.113.7"}, "127.0.0.1"},
		{"trusted peer: the right-most hop", "127.0.0.0/8", []string{"198.51.100.1, 203.0.113.7"}, "203.0.113.7"},
		{"trusted hops are skipped", "127.0.0.1,10.0.0.0/8", []string{"198.51.100.1, 203.0.113.7, 10.1.2.3"}, "203.0.113.7"},
		{"several header lines", "127.0.0.1/32, 10.0.0.0/8", []string{"198.51.100.1", "10.9.9.9"}, "198.51.100.1"},
		{"hop with a port", "127.0.0.1", []string{"203.0.113.7:4711"}, "203.0.113.7"},
		{"garbage hop ends the walk", "127.0.0.1", []string{"203.0.113.7, not-an-ip"}, "127.0.0.1"},
		{"all trusted: the left-most", "127.0.0.1,10.0.0.0/8", []string{"10.0.0.1, 10.0.0.2"}, "10.0.0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			trusted, err := ParseTrustedProxies([]string{tc.trusted})
			if err != nil {
				t.Fatal(err)
			}
			svc := &apim.Service{Name: "s", APIs: []*apim.API{apiWith("/api", "", `<return-response><set-status code="200"/><set-header name="X-Ip" exists-action="override"><value>@(context.Request.IpAddress)</value></set-header></return-response>`)}}
			g, err := New(svc, Options{TrustedProxies: trusted})
			if err != nil {
				t.Fatal(err)
			}
			_, addr := startServer(t, g, ServerOptions{})
			req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/x", nil)
			for _, v := range tc.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			resp, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("X-Ip"); got != tc.want {
				t.Fatalf("IpAddress = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies([]string{"10.0.0.0/8, 192.168.1.7", "::1", "10.1.2.3/8"})
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("10.0.0.0/8")}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if _, err := ParseTrustedProxies([]string{"10.0.0.0/33"}); err == nil {
		t.Error("10.0.0.0/33 accepted")
	}
}

// TestSlowAndIdleClients checks that the server closes (or answers) a
// client at each configured timeout: a stalled header, a stalled body, an
// idle keep-alive connection, and a client that stops reading.
func TestSlowAndIdleClients(t *testing.T) {
	t.Run("request headers not finished", func(t *testing.T) {
		be := newFakeBackend(t, "be", 200)
		g, _ := New(attributionService(be.URL), Options{})
		_, addr := startServer(t, g, ServerOptions{ReadHeaderTimeout: shortTimeout})
		c := dial(t, addr)
		_, _ = io.WriteString(c, "GET /api/x HTTP/1.1\r\nHost: gw\r\n") // no blank line
		if _, err := io.ReadAll(c); err != nil {
			t.Fatalf("the server did not close the connection: %v", err)
		}
		if be.hits.Load() != 0 {
			t.Fatal("an unfinished request reached the backend")
		}
	})
	t.Run("request body not finished", func(t *testing.T) {
		be := newFakeBackend(t, "be", 200)
		g, _ := New(attributionService(be.URL), Options{})
		_, addr := startServer(t, g, ServerOptions{ReadBodyTimeout: shortTimeout})
		// forward-request waits a minute: the read-body timeout ends it.
		resp, _ := rawRequest(t, addr, "POST /api/x HTTP/1.1\r\nHost: gw\r\nX-Timeout-Ms: 60000\r\nContent-Length: 100\r\n\r\n0123456789", nil)
		if resp == nil || resp.StatusCode != http.StatusRequestTimeout || resp.Header.Get(HeaderReason) != ReasonClientTimeout {
			t.Fatalf("got %v, want 408 %s", resp, ReasonClientTimeout)
		}
		if st, _ := breakerState(g, "be"); st != "closed" {
			t.Fatalf("breaker %s, want closed", st)
		}
	})
	t.Run("idle keep-alive connection", func(t *testing.T) {
		be := newFakeBackend(t, "be", 200)
		g, _ := New(attributionService(be.URL), Options{})
		_, addr := startServer(t, g, ServerOptions{IdleTimeout: shortTimeout})
		c := dial(t, addr)
		br := bufio.NewReader(c)
		_, _ = io.WriteString(c, "GET /api/x HTTP/1.1\r\nHost: gw\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("first request: %v %v", resp, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.Close {
			t.Fatal("the server closed a keep-alive connection right after the response")
		}
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("idle connection: read %v, want EOF (closed by the server)", err)
		}
	})
	t.Run("client stops reading the response", func(t *testing.T) {
		gaveUp := make(chan struct{})
		be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			chunk := make([]byte, 64<<10)
			for {
				if _, err := w.Write(chunk); err != nil {
					close(gaveUp) // the gateway dropped the response
					return
				}
			}
		}))
		t.Cleanup(be.Close)
		g, _ := New(attributionService(be.URL), Options{})
		_, addr := startServer(t, g, ServerOptions{WriteTimeout: shortTimeout})
		c := dial(t, addr)
		_ = c.(*net.TCPConn).SetReadBuffer(4 << 10)
		_, _ = io.WriteString(c, "GET /api/x HTTP/1.1\r\nHost: gw\r\nX-Timeout-Ms: 60000\r\n\r\n")
		select {
		case <-gaveUp:
		case <-time.After(testBound):
			t.Fatal("the gateway kept writing to a client that reads nothing")
		}
	})
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(testBound))
	t.Cleanup(func() { c.Close() })
	return c
}

// TestOverloadAnsweredFast checks the concurrency limit: with one request
// in flight and MaxConcurrent 1, the next is answered 503 with Retry-After
// and GatewayOverloaded without reaching the backend or its breaker, and
// /health and /metrics report it.
func TestOverloadAnsweredFast(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	hits := 0
	be := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		hits++ // one request at a time reaches it in this test
		arrived <- struct{}{}
		<-release
	}))
	defer be.Close()
	g, err := New(attributionService(be.URL), Options{RetryAfter: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, addr := startServer(t, g, ServerOptions{MaxConcurrent: 1})
	done := make(chan int)
	go func() {
		code, _, _ := get(t, "http://"+addr+"/api/hold", map[string]string{"X-Timeout-Ms": "60000"})
		done <- code
	}()
	<-arrived
	code, h, body := get(t, "http://"+addr+"/api/x", nil)
	if code != 503 || h.Get(HeaderReason) != ReasonOverloaded || h.Get("Retry-After") != "3" {
		t.Fatalf("got %d %q Retry-After %q, want 503 %s Retry-After 3", code, h.Get(HeaderReason), h.Get("Retry-After"), ReasonOverloaded)
	}
	if strings.Contains(body, "127.0.0.1") {
		t.Fatalf("body %q reveals an address", body)
	}
	health := g.Health()
	if health.Load == nil || !health.Load.Overloaded || health.Load.InFlight != 1 || health.Load.MaxConcurrent != 1 {
		t.Fatalf("/health load %+v, want overloaded with 1 in flight of 1", health.Load)
	}
	close(release)
	if code := <-done; code != 200 {
		t.Fatalf("held request: %d", code)
	}
	if hits != 1 {
		t.Fatalf("backend hits %d, want 1 (the overloaded request must not reach it)", hits)
	}
	if got := counterValue(t, g, "apimlab_gateway_overload_total", "limit", limitRequests); got != 1 {
		t.Fatalf("overload_total{limit=requests} = %v, want 1", got)
	}
	if c := g.backends["be"].breaker().Counts(); c.Failures != 0 || c.Requests != 1 {
		t.Fatalf("breaker counts %+v, want the held request only", c)
	}
	// /health over HTTP carries the same section.
	rec := httptest.NewRecorder()
	g.Admin().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
	var doc struct {
		Load map[string]any `json:"load"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.Load == nil || doc.Load["overloaded"] != true {
		t.Fatalf("/health load section %v (%v), want overloaded", doc.Load, err)
	}
}

// TestMaxConns checks the connection limit (MaxConns 1): a new client
// makes room by closing an idle keep-alive connection; when the only
// connection is busy, the new client is answered 503 GatewayOverloaded
// with "Connection: close" and the backend never sees its request.
func TestMaxConns(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	be := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			arrived <- struct{}{}
			<-release
		}
	}))
	defer be.Close()
	g, _ := New(attributionService(be.URL), Options{})
	s, addr := startServer(t, g, ServerOptions{MaxConns: 1})
	roundTrip := func(c net.Conn, br *bufio.Reader, path string) *http.Response {
		t.Helper()
		_, _ = io.WriteString(c, "GET /api/"+path+" HTTP/1.1\r\nHost: gw\r\nX-Timeout-Ms: 60000\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp
	}
	// An idle keep-alive connection makes room for a new client.
	a := dial(t, addr)
	ar := bufio.NewReader(a)
	if resp := roundTrip(a, ar, "x"); resp.StatusCode != 200 {
		t.Fatalf("first client: %d", resp.StatusCode)
	}
	// net/http marks the connection idle just after the client has the
	// response: wait for that state (no sleep, bounded by testBound).
	for deadline := time.Now().Add(testBound); s.ln.Load().idleCount() != 1; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatal("the first connection never became idle")
		}
	}
	b := dial(t, addr)
	br := bufio.NewReader(b)
	if resp := roundTrip(b, br, "x"); resp.StatusCode != 200 {
		t.Fatalf("second client: %d, want 200 (the idle first connection closed to make room)", resp.StatusCode)
	}
	if _, err := ar.ReadByte(); err != io.EOF {
		t.Fatalf("idle first connection: %v, want EOF (closed to make room)", err)
	}
	// A busy connection is not closed: the newcomer gets 503.
	done := make(chan int, 1)
	go func() {
		resp := roundTrip(b, br, "hold")
		done <- resp.StatusCode
	}()
	<-arrived
	c := dial(t, addr)
	resp := roundTrip(c, bufio.NewReader(c), "x")
	if resp.StatusCode != 503 || resp.Header.Get(HeaderReason) != ReasonOverloaded || !resp.Close || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third client with the only connection busy: %d %q close=%v Retry-After %q, want 503 %s, Connection: close, Retry-After",
			resp.StatusCode, resp.Header.Get(HeaderReason), resp.Close, resp.Header.Get("Retry-After"), ReasonOverloaded)
	}
	close(release)
	if code := <-done; code != 200 {
		t.Fatalf("busy request: %d", code)
	}
	if got := counterValue(t, g, "apimlab_gateway_overload_total", "limit", limitConnections); got != 2 {
		t.Fatalf("overload_total{limit=connections} = %v, want 2", got)
	}
}

// TestShutdownGrace checks that Shutdown waits for an in-flight request
// up to the grace and then returns.
func TestShutdownGrace(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	be := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	defer be.Close()
	defer close(release)
	g, _ := New(attributionService(be.URL), Options{})
	s, addr := startServer(t, g, ServerOptions{ShutdownGrace: shortTimeout})
	go func() {
		resp, err := testClient.Get("http://" + addr + "/api/hold")
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-arrived
	if err := s.Shutdown(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a request still in flight after the grace: %v, want DeadlineExceeded", err)
	}
}

// TestServerOptionsDefaults documents the defaults and the "negative
// means no limit" rule.
func TestServerOptionsDefaults(t *testing.T) {
	got := ServerOptions{}.withDefaults()
	want := ServerOptions{MaxConns: DefaultMaxConns, MaxConcurrent: DefaultMaxConcurrent, ReadHeaderTimeout: 10 * time.Second,
		ReadBodyTimeout: time.Minute, IdleTimeout: time.Minute, WriteTimeout: time.Minute, MaxHeaderBytes: 64 << 10, ShutdownGrace: 10 * time.Second, IdleTrim: 10 * time.Second}
	if got != want {
		t.Errorf("defaults %+v, want %+v", got, want)
	}
	if off := (ServerOptions{MaxConns: -1, MaxConcurrent: -1, ReadBodyTimeout: -1}).withDefaults(); off.MaxConns != 0 || off.MaxConcurrent != 0 || off.ReadBodyTimeout != 0 {
		t.Errorf("negative values: %+v, want 0 (no limit)", off)
	}
}

// TestIdleTrim checks the idle trimming step on explicit times: nothing
// before any request, nothing while requests keep arriving or before
// IdleTrim of quiet, one trim after, and no second trim until new
// requests arrive.
func TestIdleTrim(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	g, _ := New(attributionService(be.URL), Options{})
	s, addr := startServer(t, g, ServerOptions{IdleTrim: -1}) // the test drives the steps
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if s.trimIfIdle(t0, 10*time.Second) || s.trimIfIdle(t0.Add(time.Hour), 10*time.Second) {
		t.Fatal("trimmed before any request")
	}
	if code, _, _ := get(t, "http://"+addr+"/api/x", nil); code != 200 {
		t.Fatal(code)
	}
	at := func(d time.Duration) bool { return s.trimIfIdle(t0.Add(2*time.Hour+d), 10*time.Second) }
	got := []bool{at(0), at(5 * time.Second), at(10 * time.Second), at(20 * time.Second)}
	want := []bool{false, false, true, false} // new request seen; quiet 5 s; quiet 10 s: trim; already trimmed
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("trim steps %v, want %v", got, want)
		}
	}
}
