package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

func TestSessionAffinityCookie(t *testing.T) {
	clock := newFakeClock()
	a := newFakeBackend(t, "a", 200)
	b := newFakeBackend(t, "b", 200)
	ba, bb := single("a", a.URL), single("b", b.URL)
	ba.CircuitBreaker = countBreaker(1, time.Minute)
	bb.CircuitBreaker = countBreaker(1, time.Minute)
	p := poolOf("pool", member("a", 0, 1), member("b", 0, 1))
	p.PoolConfig.SessionAffinity = &apim.SessionAffinity{SessionIDName: known("SessionId"), Source: known("Cookie")}
	svc := &apim.Service{Backends: []*apim.Backend{ba, bb, p}, APIs: []*apim.API{apiWith("/s", "", `<set-backend-service backend-id="pool" />`)}}
	_, front := startGateway(t, svc, Options{Clock: clock})

	// A first request opens a session: the response sets the cookie.
	code, h, _ := get(t, front.URL+"/s", nil)
	first := h.Get(HeaderBackend)
	setCookie := h.Get("Set-Cookie")
	if code != 200 || !strings.HasPrefix(setCookie, "SessionId=") || !strings.Contains(setCookie, "Path=/") {
		t.Fatalf("first request: %d Set-Cookie %q, want 200 and a SessionId cookie", code, setCookie)
	}
	cookie := strings.SplitN(setCookie, ";", 2)[0]
	// Requests carrying the cookie stay on the member, although the pool
	// alternates otherwise; they get no new cookie.
	for i := range 4 {
		_, h, _ := get(t, front.URL+"/s", map[string]string{"Cookie": "other=1; " + cookie})
		if got := h.Get(HeaderBackend); got != first || h.Get("Set-Cookie") != "" {
			t.Fatalf("session request %d went to %q (Set-Cookie %q), want %q and no new cookie", i, got, h.Get("Set-Cookie"), first)
		}
	}
	// A request without the cookie is balanced and starts another session.
	_, h, _ = get(t, front.URL+"/s", nil)
	if h.Get("Set-Cookie") == "" || h.Get("Set-Cookie") == setCookie {
		t.Errorf("a new client got Set-Cookie %q, want a new session id", h.Get("Set-Cookie"))
	}
	// When the pinned member becomes unavailable the session moves.
	fakes, other := map[string]*fakeBackend{"a": a, "b": b}, map[string]string{"a": "b", "b": "a"}
	fakes[first].status.Store(500)
	get(t, front.URL+"/s", map[string]string{"Cookie": cookie}) // trips its breaker
	_, h, _ = get(t, front.URL+"/s", map[string]string{"Cookie": cookie})
	if got := h.Get(HeaderBackend); got != other[first] {
		t.Errorf("with %s open, the session went to %q, want %q", first, got, other[first])
	}
}

func TestSessionAffinityConfig(t *testing.T) {
	tests := []struct {
		name, source, id string
		allow            bool
		wantErr          string
	}{
		{"header source is not emulated", "Header", "x", false, `source "Header" is not emulated`},
		{"header source skipped with allow-unemulated", "Header", "x", true, ""},
		{"empty name", "Cookie", "", false, "sessionId.name is unset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := poolOf("pool", member("a", 0, 0))
			p.PoolConfig.SessionAffinity = &apim.SessionAffinity{SessionIDName: known(tt.id), Source: known(tt.source)}
			svc := &apim.Service{Backends: []*apim.Backend{single("a", "http://127.0.0.1:1"), p}}
			g, err := New(svc, Options{AllowUnemulated: tt.allow})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				g.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New: %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}
