package gateway

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// attrTimeoutMs is forward-request's timeout in the attribution tests:
// short, so a slow client or a hanging backend ends the request quickly.
const attrTimeoutMs = "300"

// attributionService is an API at /api served by backend "be" (url), whose
// breaker opens on the first failure (5xx or transport error): any error
// wrongly attributed to the backend shows as one failure. The
// forward-request timeout is X-Timeout-Ms, or attrTimeoutMs.
func attributionService(url string) *apim.Service {
	be := single("be", url)
	be.CircuitBreaker = countBreaker(1, time.Minute)
	a := apiWith("/api", url, "")
	a.Policy = doc(apim.ScopeAPI, `<policies><inbound><base/></inbound><backend><forward-request timeout-ms="@(context.Request.Headers.GetValueOrDefault(&quot;X-Timeout-Ms&quot;, &quot;`+attrTimeoutMs+`&quot;))"/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`)
	return &apim.Service{Name: "s", Backends: []*apim.Backend{be}, APIs: []*apim.API{a}}
}

// rawRequest writes head (a request without its body) and then runs body
// on the connection; it returns the parsed response (nil when the gateway
// closed the connection without one) and its body.
func rawRequest(t *testing.T, addr, head string, body func(c net.Conn)) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second)) // a hung gateway fails the test, not the suite
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	if body != nil {
		body(c)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestErrorAttribution sends one request per error class and checks the
// status, the LastError reason and whether the backend's breaker counted
// the outcome as a failure: only the backend's own failures count.
func TestErrorAttribution(t *testing.T) {
	refused := func() string { // a port nothing listens on
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "http://" + addr
	}
	emfile := func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", syscall.EMFILE)}
	}
	tests := []struct {
		name string
		// backend: "ok" answers 200 after reading the body, "500"
		// answers 500, "hang" reads the body and never answers, "refused"
		// is a closed port.
		backend string
		opts    Options
		head    string
		body    func(c net.Conn)
		// status 0: the client expects no response.
		status     int
		reason     string
		party      Party
		retryAfter bool
	}{
		{name: "backend error status", backend: "500",
			head:   "GET /api/x HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n",
			status: 500, reason: "", party: PartyBackend},
		{name: "backend connection refused", backend: "refused",
			head:   "GET /api/x HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n",
			status: 500, reason: ReasonConnection, party: PartyBackend},
		{name: "backend timeout after the full request", backend: "hang",
			head:   "POST /api/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
			status: 504, reason: ReasonTimeout, party: PartyBackend},
		{name: "malformed chunked body", backend: "ok",
			head:   "POST /api/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\nzz\r\n",
			status: 400, reason: ReasonClientBody, party: PartyClient},
		{name: "client aborts its upload", backend: "ok",
			head: "POST /api/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\nConnection: close\r\n\r\n0123456789",
			body: func(c net.Conn) { _ = c.(*net.TCPConn).CloseWrite() },
			// The client half-closed: it still reads the answer.
			status: 499, reason: ReasonClientConnection, party: PartyClient},
		{name: "client too slow to send its body", backend: "ok",
			head:   "POST /api/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\n0123456789",
			status: 408, reason: ReasonClientTimeout, party: PartyClient},
		{name: "gateway out of file descriptors", backend: "ok", opts: Options{DialContext: emfile},
			head:   "GET /api/x HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n",
			status: 503, reason: ReasonGatewayResources, party: PartyGateway, retryAfter: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			url := refused()
			if tc.backend != "refused" {
				be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.Copy(io.Discard, r.Body)
					switch tc.backend {
					case "500":
						w.WriteHeader(500)
					case "hang":
						select {
						case <-r.Context().Done():
						case <-release:
						}
					}
				}))
				defer be.Close()
				url = be.URL
			}
			defer close(release)
			g, err := New(attributionService(url), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			front, served := servedFront(t, g)
			resp, body := rawRequest(t, strings.TrimPrefix(front, "http://"), tc.head, tc.body)
			<-served
			if resp == nil {
				t.Fatalf("no response, want %d %s", tc.status, tc.reason)
			}
			if resp.StatusCode != tc.status || resp.Header.Get(HeaderReason) != tc.reason {
				t.Errorf("got %d %q, want %d %q (body %s)", resp.StatusCode, resp.Header.Get(HeaderReason), tc.status, tc.reason, body)
			}
			if got := resp.Header.Get("Retry-After") != ""; got != tc.retryAfter {
				t.Errorf("Retry-After present = %v, want %v", got, tc.retryAfter)
			}
			host := strings.TrimPrefix(url, "http://")
			for _, leak := range []string{host, "dial", "tcp", "EOF", "chunked", "too many open files"} {
				if strings.Contains(body, leak) {
					t.Errorf("error body %q reveals %q", body, leak)
				}
			}
			// The breaker opens on its first failure.
			want := "closed"
			if tc.party == PartyBackend {
				want = "open"
			}
			if got, _ := breakerState(g, "be"); got != want {
				t.Errorf("breaker %s, want %s (party %s)", got, want, tc.party)
			}
			if tc.party == PartyClient {
				if got := counterValue(t, g, "apimlab_gateway_client_errors_total", "reason", tc.reason); got != 1 {
					t.Errorf("client_errors_total{reason=%q} = %v, want 1", tc.reason, got)
				}
			}
			if tc.party == PartyGateway {
				if got := counterValue(t, g, "apimlab_gateway_overload_total", "limit", limitResources); got != 1 {
					t.Errorf("overload_total{limit=resources} = %v, want 1", got)
				}
			}
		})
	}
}

// TestConnectionSlotWaitIsTheGateways checks that an attempt waiting for
// a connection slot of a capped backend (Options.MaxConnsPerBackend) ends
// as GatewayResourceExhausted, not as a backend timeout.
func TestConnectionSlotWaitIsTheGateways(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			arrived <- struct{}{}
			<-release
		}
	}))
	defer be.Close()
	g, err := New(attributionService(be.URL), Options{MaxConnsPerBackend: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	front, served := servedFront(t, g)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // holds the only connection
		defer wg.Done()
		code, _, _ := get(t, front+"/api/hold", map[string]string{"X-Timeout-Ms": "60000"})
		if code != 200 {
			t.Errorf("holding request: %d, want 200", code)
		}
	}()
	<-arrived
	code, h, _ := get(t, front+"/api/x", nil)
	<-served
	close(release)
	wg.Wait()
	<-served
	if code != 503 || h.Get(HeaderReason) != ReasonGatewayResources || h.Get("Retry-After") == "" {
		t.Fatalf("got %d %q Retry-After %q, want 503 %s with Retry-After", code, h.Get(HeaderReason), h.Get("Retry-After"), ReasonGatewayResources)
	}
	if c := g.backends["be"].breaker().Counts(); c.Failures != 0 || c.Successes != 1 {
		t.Fatalf("breaker counts %+v, want the held request's success only", c)
	}
}

// TestFiveBadClientsLeaveBreakerClosed is issue 15's case: clients that
// send broken, aborted or too slow bodies, five of each, do not open the
// breaker of a healthy backend whose rule trips on five failures; the next
// good request is served.
func TestFiveBadClientsLeaveBreakerClosed(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	svc := attributionService(be.URL)
	svc.Backends[0].CircuitBreaker = countBreaker(5, time.Minute)
	g, err := New(svc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	front, served := servedFront(t, g)
	addr := strings.TrimPrefix(front, "http://")
	bad := []struct {
		head string
		body func(net.Conn)
	}{
		{"POST /api/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\nzz\r\n", nil},
		{"POST /api/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\nConnection: close\r\n\r\n0123456789", func(c net.Conn) { _ = c.(*net.TCPConn).CloseWrite() }},
		{"POST /api/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\n0123456789", nil},
	}
	var wg sync.WaitGroup
	for range 5 {
		for _, b := range bad {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rawRequest(t, addr, b.head, b.body)
				<-served
			}()
		}
	}
	wg.Wait()
	if st, _ := breakerState(g, "be"); st != "closed" {
		t.Fatalf("breaker %s after 15 bad clients, want closed", st)
	}
	if code, _, _ := get(t, front+"/api/x", nil); code != 200 {
		t.Fatalf("good request after bad clients: %d, want 200", code)
	}
	<-served
}

// counterValue reads one labelled counter from the gateway's registry.
func counterValue(t *testing.T, g *Gateway, name, label, value string) float64 {
	t.Helper()
	mfs, err := g.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{%s=%q}", name, label, value)
	return 0
}
