package gateway

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/clock"
)

// testStart is where every test's virtual clock starts.
var testStart = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// newFakeClock returns a virtual clock at testStart; the test moves it.
func newFakeClock() *clock.Virtual { return clock.NewVirtual(testStart) }

// sleepRecorder is a virtual clock whose Sleep (the gateway's retry waits)
// records the wait and lets that much virtual time pass at once, so a
// sequential test needs no goroutine driving the clock.
type sleepRecorder struct {
	*clock.Virtual
	mu    sync.Mutex
	waits []time.Duration
}

func newSleepRecorder() *sleepRecorder { return &sleepRecorder{Virtual: newFakeClock()} }

// Sleep implements clock.Clock.
func (s *sleepRecorder) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	s.Advance(d)
	return ctx.Err()
}

// fakeBackend is a loopback backend answering status (settable) and
// counting hits.
type fakeBackend struct {
	*httptest.Server
	status atomic.Int64
	hits   atomic.Int64
	name   string
}

func newFakeBackend(t *testing.T, name string, status int) *fakeBackend {
	t.Helper()
	f := &fakeBackend{name: name}
	f.status.Store(int64(status))
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeBackend) serve(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("X-Served-By", f.name)
	w.Header().Set("X-Seen-Path", r.URL.Path)
	w.Header().Set("X-Seen-Query", r.URL.RawQuery)
	w.WriteHeader(int(f.status.Load()))
	_, _ = io.WriteString(w, f.name)
}

func known[T any](v T) apim.Field[T] { return apim.Field[T]{Value: v, Set: true} }

func dur(s string, d time.Duration) apim.Duration {
	return apim.Duration{Field: known(s), D: d}
}

// single builds a Single backend entity.
func single(name, url string) *apim.Backend {
	return &apim.Backend{Name: name, Type: known(apim.Single), URL: known(url), Protocol: known("http"),
		Pos: apim.Position{File: "test.json", Line: 1, Col: 1}}
}

// countBreaker is a count rule: n failures (5xx) in a minute trip it for trip.
func countBreaker(n int, trip time.Duration) *apim.CircuitBreaker {
	return &apim.CircuitBreaker{Rules: []*apim.BreakerRule{{
		Name: known("r"),
		FailureCondition: &apim.FailureCondition{
			Count:            known(n),
			Interval:         dur("PT1M", time.Minute),
			StatusCodeRanges: []apim.StatusRange{{Min: known(500), Max: known(599)}},
		},
		TripDuration: dur("PT30S", trip),
	}}}
}

// poolOf builds a Pool backend entity.
func poolOf(name string, members ...*apim.PoolMember) *apim.Backend {
	return &apim.Backend{Name: name, Type: known(apim.Pool), PoolConfig: &apim.PoolConfig{Services: members}}
}

func member(name string, prio, weight int) *apim.PoolMember {
	return &apim.PoolMember{ID: known("/backends/" + name), Name: name, Priority: known(prio), Weight: known(weight)}
}

// doc is an inline policy document.
func doc(scope apim.Scope, xml string) *apim.PolicyDoc {
	return &apim.PolicyDoc{Scope: scope, XML: xml, Format: "rawxml", Pos: apim.Position{File: string(scope) + ".xml", Line: 1, Col: 1}}
}

// apiWith builds an API at path with an API-scope policy (inbound content).
func apiWith(path, serviceURL, inbound string) *apim.API {
	a := &apim.API{Name: "api-" + strings.Trim(path, "/"), Path: known(path)}
	if serviceURL != "" {
		a.ServiceURL = known(serviceURL)
	}
	if inbound != "" {
		a.Policy = doc(apim.ScopeAPI, "<policies><inbound><base />"+inbound+"</inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>")
	}
	return a
}

// startGateway builds a gateway and a loopback frontend for it.
func startGateway(t *testing.T, svc *apim.Service, opts Options) (*Gateway, *httptest.Server) {
	t.Helper()
	g, err := New(svc, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	front := httptest.NewServer(g)
	t.Cleanup(func() {
		front.Close()
		g.Close()
	})
	return g, front
}

// testClient keeps no idle connections, so no goroutine outlives a test.
var testClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// get sends a GET and returns status, the backend header and the body.
func get(t *testing.T, url string, hdr map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func httptestServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }

// renameHost replaces 127.0.0.1 in a test server URL by a name the test
// certificates do not carry; loopbackDialer still reaches the server.
func renameHost(u string) string { return strings.Replace(u, "127.0.0.1", "wrong-name.test", 1) }

// loopbackDialer dials the real test server address whatever host a URL
// names, as the simulator's dialer does.
func loopbackDialer(serverURL string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	real := serverURL[strings.LastIndex(serverURL, "/")+1:]
	real = strings.Replace(real, "wrong-name.test", "127.0.0.1", 1)
	var d net.Dialer
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, real)
	}
}

// acceptOne listens on loopback, hands the first connection (with a
// reader on it) to serve in a goroutine, closes it when serve returns,
// and returns the address; the listener closes with the test.
func acceptOne(t *testing.T, serve func(c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		serve(c, bufio.NewReader(c))
	}()
	return ln.Addr().String()
}
