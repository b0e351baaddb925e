package gateway

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/breaker"
)

// resetListener accepts connections and resets them at once (SO_LINGER
// 0), the way a crashed or overloaded backend does.
func resetListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}()
	return "http://" + ln.Addr().String()
}

// throttleBreaker is the rule of Azure OpenAI load-balancing samples: one
// 429 trips it; reasons lists errorReasons.
func throttleBreaker(reasons ...string) *apim.CircuitBreaker {
	fc := &apim.FailureCondition{
		Count:            known(1),
		Interval:         dur("PT1M", time.Minute),
		StatusCodeRanges: []apim.StatusRange{{Min: known(429), Max: known(429)}},
	}
	for _, r := range reasons {
		fc.ErrorReasons = append(fc.ErrorReasons, known(r))
	}
	return &apim.CircuitBreaker{Rules: []*apim.BreakerRule{{Name: known("throttle"), FailureCondition: fc, TripDuration: dur("PT1M", time.Minute)}}}
}

// TestTransportErrorsSetting: with the default (always) one connection
// reset trips a 429-only count-1 rule; with listed it does not, unless
// errorReasons lists BackendConnectionFailure, and a 429 still trips it.
// /health names the setting.
func TestTransportErrorsSetting(t *testing.T) {
	throttling := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) }))
	t.Cleanup(throttling.Close)
	for _, tc := range []struct {
		name       string
		setting    breaker.TransportErrors
		reasons    []string
		throttled  bool // the backend answers 429 instead of resetting
		wantHealth string
		// The second request's status and reason: 503 while the first
		// opened the breaker, else what the backend gives again.
		wantCode   int
		wantReason string
	}{
		{"always: a reset trips it", breaker.TransportAlways, nil, false, "always", 503, ReasonBreakerOpen},
		{"listed: a reset does not", breaker.TransportListed, nil, false, "listed", 500, ReasonConnection},
		{"listed with the reason in errorReasons", breaker.TransportListed, []string{"BackendConnectionFailure"}, false, "listed", 503, ReasonBreakerOpen},
		{"listed: a 429 still trips it", breaker.TransportListed, nil, true, "listed", 503, ReasonBreakerOpen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := resetListener(t)
			if tc.throttled {
				url = throttling.URL
			}
			b := single("aoai", url)
			b.CircuitBreaker = throttleBreaker(tc.reasons...)
			svc := &apim.Service{Backends: []*apim.Backend{b}, APIs: []*apim.API{apiWith("/s", "", `<set-backend-service backend-id="aoai" />`)}}
			g, err := New(svc, Options{Clock: newFakeClock(), TransportErrors: tc.setting})
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			if got := g.Health().TransportErrors; got != tc.wantHealth {
				t.Errorf("/health transportErrors %q, want %q", got, tc.wantHealth)
			}
			front, served := servedFront(t, g)
			first := 500
			if tc.throttled {
				first = 429
			}
			if code, h, _ := get(t, front+"/s", nil); code != first {
				t.Fatalf("first request: %d %q, want %d", code, h.Get(HeaderReason), first)
			}
			<-served
			code, h, _ := get(t, front+"/s", nil)
			<-served
			if code != tc.wantCode || h.Get(HeaderReason) != tc.wantReason {
				t.Errorf("second request: %d %q, want %d %q", code, h.Get(HeaderReason), tc.wantCode, tc.wantReason)
			}
		})
	}
}
