package gateway

import (
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/breaker"
)

// TestRecoveryModelAfterTripDuration tells the two recovery models apart on
// real sockets: once the trip duration has passed, a first request is held
// by the backend and a second one arrives meanwhile.
//
//   - reset (the default; Learn, "Backends in API Management", circuit
//     breaker: "After the configured trip duration, the circuit resets and
//     traffic resumes to the backend"): the breaker is closed, so the second
//     request reaches the backend too (200).
//   - halfOpen (the option): the first request is the single trial; the
//     second is answered as if the breaker were open (503,
//     BackendCircuitBreakerOpen) without reaching the backend.
func TestRecoveryModelAfterTripDuration(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		wantModel  string
		wantCode   int
		wantReason string
	}{
		{"default is reset", Options{}, "reset", 200, ""},
		{"reset", Options{BreakerModel: breaker.ModelReset}, "reset", 200, ""},
		{"halfOpen", Options{BreakerModel: breaker.ModelHalfOpen}, "halfOpen", 503, ReasonBreakerOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			be := newHangingBackend(t)
			b := single("b", be.URL)
			b.CircuitBreaker = countBreaker(1, 30*time.Second) // one failure trips it
			svc := &apim.Service{Backends: []*apim.Backend{b}, APIs: []*apim.API{apiWith("/s", "", `<set-backend-service backend-id="b" />`)}}
			opts := tt.opts
			opts.Clock = clock
			g, err := New(svc, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			if got := g.Health().BreakerModel; got != tt.wantModel {
				t.Errorf("/health breakerModel %q, want %q", got, tt.wantModel)
			}
			front, served := servedFront(t, g)
			be.status.Store(500)
			if code, _, _ := get(t, front+"/s", nil); code != 500 {
				t.Fatalf("tripping call: %d, want the backend's 500", code)
			}
			<-served
			if code, h, _ := get(t, front+"/s", nil); code != 503 || h.Get(HeaderReason) != ReasonBreakerOpen {
				t.Fatalf("while open: %d %q, want 503 %s", code, h.Get(HeaderReason), ReasonBreakerOpen)
			}
			<-served
			clock.Advance(30 * time.Second)

			// First request after the trip duration: held by the backend.
			be.status.Store(200)
			be.hang.Store(true)
			abandon := heldGet(t, front+"/s", be, served)
			be.hang.Store(false)

			// Second request while the first is in flight.
			code, h, _ := get(t, front+"/s", nil)
			<-served
			if code != tt.wantCode || h.Get(HeaderReason) != tt.wantReason {
				t.Errorf("second request: %d reason %q, want %d reason %q", code, h.Get(HeaderReason), tt.wantCode, tt.wantReason)
			}
			abandon()
		})
	}
}
