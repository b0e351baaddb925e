package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/breaker"
)

// hangingBackend answers status, or, while hang is set, holds the request
// until the caller goes away, signalling each arrival on arrived.
type hangingBackend struct {
	*httptest.Server
	hang    atomic.Bool
	status  atomic.Int64
	arrived chan struct{}
}

func newHangingBackend(t *testing.T) *hangingBackend {
	t.Helper()
	h := &hangingBackend{arrived: make(chan struct{}, 16)}
	h.status.Store(200)
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.hang.Load() {
			h.arrived <- struct{}{}
			<-r.Context().Done()
			return
		}
		w.WriteHeader(int(h.status.Load()))
	}))
	t.Cleanup(h.Close)
	return h
}

// servedFront serves g and signals on the returned channel when a request
// has been fully handled, so a test can wait for the gateway without
// sleeping.
func servedFront(t *testing.T, g *Gateway) (string, chan struct{}) {
	t.Helper()
	served := make(chan struct{}, 16)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.ServeHTTP(w, r)
		served <- struct{}{}
	}))
	t.Cleanup(s.Close)
	return s.URL, served
}

// cancelledGet sends a GET that the client abandons once the backend has it.
func cancelledGet(t *testing.T, url string, be *hangingBackend, served chan struct{}) {
	t.Helper()
	heldGet(t, url, be, served)()
}

// heldGet sends a GET and returns once the backend holds it; the returned
// func abandons the request and waits until the gateway has handled it.
func heldGet(t *testing.T, url string, be *hangingBackend, served chan struct{}) (abandon func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	errc := make(chan error, 1)
	go func() {
		resp, err := testClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	select {
	case <-be.arrived:
	case err := <-errc:
		<-served
		cancel()
		t.Fatalf("the request never reached the backend (err %v): the breaker rejected it", err)
	}
	return func() {
		t.Helper()
		cancel()
		if err := <-errc; err == nil {
			t.Fatal("the abandoned request got a response")
		}
		<-served
	}
}

func breakerState(g *Gateway, name string) (string, bool) {
	for _, b := range g.Health().Backends {
		if b.Name == name {
			return b.Breaker, b.Available
		}
	}
	return "", false
}

func TestClientDisconnectIsNotABreakerFailure(t *testing.T) {
	tests := []struct {
		name     string
		halfOpen bool // trip the breaker and let it go half-open first
	}{
		{"closed breaker does not count it", false},
		{"half-open trial is released", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			be := newHangingBackend(t)
			b := single("slow", be.URL)
			b.CircuitBreaker = countBreaker(1, 30*time.Second) // one failure trips it
			svc := &apim.Service{Backends: []*apim.Backend{b}, APIs: []*apim.API{apiWith("/s", "", `<set-backend-service backend-id="slow" />`)}}
			opts := Options{Clock: clock}
			if tt.halfOpen {
				opts.BreakerModel = breaker.ModelHalfOpen // the half-open option, not the default reset
			}
			g, err := New(svc, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			front, served := servedFront(t, g)
			if tt.halfOpen {
				be.status.Store(500)
				if code, _, _ := get(t, front+"/s", nil); code != 500 {
					t.Fatalf("tripping call: %d", code)
				}
				<-served
				clock.Advance(30 * time.Second)
				if st, _ := breakerState(g, "slow"); st != "half-open" {
					t.Fatalf("breaker %q after the trip duration, want half-open", st)
				}
			}
			be.hang.Store(true)
			cancelledGet(t, front+"/s", be, served)
			cancelledGet(t, front+"/s", be, served)
			want := "closed"
			if tt.halfOpen {
				want = "half-open"
			}
			if st, avail := breakerState(g, "slow"); st != want || !avail {
				t.Fatalf("after two abandoned requests: breaker %q available %v, want %q and available", st, avail, want)
			}
			be.hang.Store(false)
			be.status.Store(200)
			code, h, _ := get(t, front+"/s", nil)
			<-served
			if code != 200 || h.Get(HeaderBackend) != "slow" {
				t.Fatalf("next request: %d from %q, want 200 from slow", code, h.Get(HeaderBackend))
			}
			if st, _ := breakerState(g, "slow"); st != "closed" {
				t.Errorf("breaker %q after a successful request, want closed", st)
			}
		})
	}
}
