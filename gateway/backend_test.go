package gateway

import (
	"net/http"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/breaker"
)

// TestPoolFailoverAndRecovery runs under both recovery models. After
// tripDuration, the default reset model (Learn, "Backends in API
// Management": "the circuit resets and traffic resumes to the backend")
// closes both priority-1 breakers; the half-open option lets a trial through
// each, which succeeds and closes it. Sequential requests cannot tell the two
// apart: all four recovery requests go to priority 1 either way.
func TestPoolFailoverAndRecovery(t *testing.T) {
	for _, model := range []breaker.Model{breaker.ModelReset, breaker.ModelHalfOpen} {
		t.Run(model.String(), func(t *testing.T) { testPoolFailoverAndRecovery(t, model) })
	}
}

func testPoolFailoverAndRecovery(t *testing.T, model breaker.Model) {
	clock := newFakeClock()
	a := newFakeBackend(t, "p1-a", 500)
	b := newFakeBackend(t, "p1-b", 500)
	c := newFakeBackend(t, "p2", 200)
	ba, bb, bc := single("p1-a", a.URL), single("p1-b", b.URL), single("p2", c.URL)
	ba.CircuitBreaker = countBreaker(2, 30*time.Second)
	bb.CircuitBreaker = countBreaker(2, 30*time.Second)
	bc.CircuitBreaker = countBreaker(2, 30*time.Second)
	svc := &apim.Service{
		Backends: []*apim.Backend{ba, bb, bc, poolOf("pool", member("p1-a", 1, 50), member("p1-b", 1, 50), member("p2", 2, 1))},
		APIs:     []*apim.API{apiWith("/orders", "", `<set-backend-service backend-id="pool" />`)},
	}
	g, front := startGateway(t, svc, Options{Clock: clock, BreakerModel: model})

	// Four 500s trip both priority-1 breakers (count 2 each); the 500s are
	// passed through to the caller.
	for i := range 4 {
		code, h, _ := get(t, front.URL+"/orders/x", nil)
		if code != 500 || h.Get(HeaderBackend)[:3] != "p1-" {
			t.Fatalf("request %d: got %d from %q, want 500 from a priority-1 member", i, code, h.Get(HeaderBackend))
		}
	}
	if a.hits.Load() != 2 || b.hits.Load() != 2 {
		t.Fatalf("hits a=%d b=%d, want 2 each (equal weights alternate)", a.hits.Load(), b.hits.Load())
	}
	// Traffic moves to priority 2.
	for i := range 3 {
		code, h, _ := get(t, front.URL+"/orders/x", nil)
		if got, want := h.Get(HeaderBackend), "p2"; code != 200 || got != want {
			t.Fatalf("failover request %d: got %d from %q, want 200 from %q", i, code, got, want)
		}
	}
	health := g.Health()
	if health.BreakerModel != model.String() {
		t.Errorf("health names model %q, want %q", health.BreakerModel, model)
	}
	for _, bh := range health.Backends {
		if (bh.Name == "p1-a" || bh.Name == "p1-b") && (bh.Breaker != "open" || bh.Available || bh.LastTransition == nil) {
			t.Errorf("health of %s = %+v, want open and unavailable with a last transition", bh.Name, bh)
		}
	}
	// The priority-1 members recover; after tripDuration traffic is back
	// on priority 1 (reset: closed at once; half-open: the trial succeeds).
	a.status.Store(200)
	b.status.Store(200)
	clock.Advance(30 * time.Second)
	for i := range 4 {
		code, h, _ := get(t, front.URL+"/orders/x", nil)
		if got := h.Get(HeaderBackend); code != 200 || (got != "p1-a" && got != "p1-b") {
			t.Fatalf("recovery request %d: got %d from %q, want 200 from priority 1", i, code, got)
		}
	}
	if n := c.hits.Load(); n != 3 {
		t.Errorf("priority-2 hits = %d, want 3", n)
	}
	for _, name := range []string{"p1-a", "p1-b"} {
		if st, avail := breakerState(g, name); st != "closed" || !avail {
			t.Errorf("%s after recovery: %q available %v, want closed", name, st, avail)
		}
	}
}

func TestPoolExhaustedAnswersFailureResponse(t *testing.T) {
	clock := newFakeClock()
	a := newFakeBackend(t, "a", 503)
	ba := single("a", a.URL)
	ba.CircuitBreaker = countBreaker(1, time.Minute)
	p := poolOf("pool", member("a", 0, 0))
	p.PoolConfig.FailureResponse = &apim.FailureResponse{StatusCode: known(429)}
	svc := &apim.Service{Backends: []*apim.Backend{ba, p}, APIs: []*apim.API{apiWith("/x", "", `<set-backend-service backend-id="pool" />`)}}
	_, front := startGateway(t, svc, Options{Clock: clock})
	if code, _, _ := get(t, front.URL+"/x", nil); code != 503 {
		t.Fatalf("first call: %d, want the backend's 503", code)
	}
	code, h, _ := get(t, front.URL+"/x", nil)
	if code != 429 || h.Get(HeaderReason) != ReasonPoolUnavailable || h.Get(HeaderBackend) != "none" {
		t.Fatalf("exhausted pool: %d reason %q backend %q, want 429 %s none", code, h.Get(HeaderReason), h.Get(HeaderBackend), ReasonPoolUnavailable)
	}
	if a.hits.Load() != 1 {
		t.Errorf("backend hits = %d, want 1 (open breaker must not call it)", a.hits.Load())
	}
}

func TestSingleBreakerOpenGoesToOnError(t *testing.T) {
	clock := newFakeClock()
	a := newFakeBackend(t, "a", 500)
	ba := single("a", a.URL)
	ba.CircuitBreaker = countBreaker(1, time.Minute)
	api := apiWith("/x", "", `<set-backend-service backend-id="a" />`)
	api.Policy.XML = `<policies><inbound><base /><set-backend-service backend-id="a" /></inbound><backend><base /></backend><outbound><base /></outbound>
<on-error><set-header name="X-Error" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason)</value></set-header></on-error></policies>`
	svc := &apim.Service{Backends: []*apim.Backend{ba}, APIs: []*apim.API{api}}
	_, front := startGateway(t, svc, Options{Clock: clock})
	get(t, front.URL+"/x", nil)
	code, h, _ := get(t, front.URL+"/x", nil)
	if code != 503 || h.Get("X-Error") != "forward-request/"+ReasonBreakerOpen {
		t.Fatalf("open breaker: %d X-Error %q, want 503 forward-request/%s", code, h.Get("X-Error"), ReasonBreakerOpen)
	}
	if a.hits.Load() != 1 {
		t.Errorf("hits = %d, want 1", a.hits.Load())
	}
}

func TestRetryReselectsPoolMember(t *testing.T) {
	bad := newFakeBackend(t, "bad", 500)
	good := newFakeBackend(t, "good", 200)
	svc := &apim.Service{
		Backends: []*apim.Backend{single("bad", bad.URL), single("good", good.URL), poolOf("pool", member("bad", 0, 1), member("good", 0, 1))},
		APIs: []*apim.API{{Name: "r", Path: known("r"), Policy: doc(apim.ScopeAPI, `<policies>
<inbound><base /><set-backend-service backend-id="pool" /></inbound>
<backend><retry condition="@(context.Response.StatusCode >= 500)" count="2" interval="1" delta="1"><forward-request /></retry></backend>
<outbound><base /></outbound><on-error><base /></on-error></policies>`)}},
	}
	sl := newSleepRecorder()
	_, front := startGateway(t, svc, Options{Clock: sl})
	for i := range 4 {
		code, h, _ := get(t, front.URL+"/r/item", nil)
		if got, want := h.Get(HeaderBackend), "good"; code != 200 || got != want {
			t.Fatalf("request %d: %d from %q, want 200 from %q", i, code, got, want)
		}
	}
	if bad.hits.Load() == 0 {
		t.Fatal("the failing member was never selected; the test proves nothing")
	}
	if got, want := int64(len(sl.waits)), bad.hits.Load(); got != want {
		t.Errorf("retries = %d, want one per failed attempt (%d)", got, want)
	}
	for _, w := range sl.waits {
		if w != time.Second {
			t.Errorf("first retry waited %s, want interval 1s", w)
		}
	}
}

func TestRetryWait(t *testing.T) {
	tests := []struct {
		name string
		s    retryStep
		want []time.Duration
	}{
		{"fixed", retryStep{interval: time.Second}, []time.Duration{time.Second, time.Second, time.Second}},
		{"linear", retryStep{interval: time.Second, delta: 2 * time.Second}, []time.Duration{time.Second, 3 * time.Second, 5 * time.Second}},
		{"exponential capped", retryStep{interval: time.Second, delta: time.Second, maxInterval: 4 * time.Second}, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{"first fast", retryStep{interval: time.Second, firstFast: true}, []time.Duration{0, time.Second, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, want := range tt.want {
				if got := tt.s.wait(i + 1); got != want {
					t.Errorf("wait(%d) = %s, want %s", i+1, got, want)
				}
			}
		})
	}
}

func TestExpressionDrivenBackend(t *testing.T) {
	us := newFakeBackend(t, "b-us", 200)
	eu := newFakeBackend(t, "b-eu", 200)
	svc := &apim.Service{
		Backends: []*apim.Backend{single("b-us", us.URL), single("b-eu", eu.URL)},
		APIs: []*apim.API{apiWith("/geo", "",
			`<set-backend-service backend-id="@(context.Request.Headers.GetValueOrDefault(&quot;X-Region&quot;,&quot;eu&quot;) == &quot;us&quot; ? &quot;b-us&quot; : &quot;b-eu&quot;)" />`)},
	}
	_, front := startGateway(t, svc, Options{})
	tests := []struct {
		region string
		want   string
	}{{"us", "b-us"}, {"eu", "b-eu"}, {"", "b-eu"}, {"asia", "b-eu"}}
	for _, tt := range tests {
		hdr := map[string]string{}
		if tt.region != "" {
			hdr["X-Region"] = tt.region
		}
		code, h, body := get(t, front.URL+"/geo/v", hdr)
		if code != 200 || h.Get(HeaderBackend) != tt.want || body != tt.want {
			t.Errorf("X-Region %q: %d from %q (%q), want 200 from %q", tt.region, code, h.Get(HeaderBackend), body, tt.want)
		}
	}
}

func TestInstancesAreIndependent(t *testing.T) {
	clock := newFakeClock()
	a := newFakeBackend(t, "a", 500)
	ba := single("a", a.URL)
	ba.CircuitBreaker = countBreaker(1, time.Minute)
	svc := &apim.Service{Backends: []*apim.Backend{ba}, APIs: []*apim.API{apiWith("/x", "", `<set-backend-service backend-id="a" />`)}}
	gs, err := NewInstances(svc, Options{Clock: clock}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, g := range gs {
			g.Close()
		}
	}()
	f0, f1 := newFront(t, gs[0]), newFront(t, gs[1])
	get(t, f0+"/x", nil) // trips instance 0
	if code, _, _ := get(t, f0+"/x", nil); code != 503 {
		t.Errorf("instance 0 after trip: %d, want 503", code)
	}
	if code, _, _ := get(t, f1+"/x", nil); code != 500 {
		t.Errorf("instance 1: %d, want the backend's 500 (its breaker is its own)", code)
	}
}

func newFront(t *testing.T, h http.Handler) string {
	t.Helper()
	s := httptestServer(h)
	t.Cleanup(s.Close)
	return s.URL
}
