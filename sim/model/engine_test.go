package model

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/sim"
)

// count5 is a count breaker: 5 failures (5xx) within a minute, open 30 s.
const count5 = `"failureCondition": {"count": 5, "interval": "PT1M", "statusCodeRanges": [{"min": 500, "max": 599}]}, "tripDuration": "PT30S"`

// TestSingleBackendTimeline checks breaker instants and client statuses on
// one backend without retry, derived by hand from the fault start, the
// uniform arrival instants (request k at k/rate) and the rule's count,
// under the default reset model (Learn, "Backends in API Management":
// "After the configured trip duration, the circuit resets and traffic
// resumes to the backend") and under the half-open option, selected by the
// scenario's gateway.breakerModel.
func TestSingleBackendTimeline(t *testing.T) {
	svc := cfg{singles: []backendDef{{name: "b1", breaker: count5}}, serviceURL: "https://b1.example.test/api"}.service(t)
	type step struct {
		to string
		at float64
	}
	tests := []struct {
		name   string
		model  string // gateway.breakerModel; "" is the default, reset
		faults string
		rate   float64
		// want: transitions as from>to at seconds.
		want             []step
		ok, s503, served uint64
	}{
		{
			// 10 rps: requests at 0, 0.1, …; the fault starts at 10 s, so
			// the 5th failure is the request at 10.4 s. Open until 40.4 s,
			// where the breaker resets: 40.4 … 40.8 s are five new failures,
			// which trip it again at 40.8 s until 70.8 s (after the end).
			// 100 requests before 10 s succeed; the other 500 get 503 (10
			// from b1, 490 from the gateway).
			name: "count trips on the 5th failure", faults: "{from: 10s, to: 60s, kind: status, code: 503}", rate: 10,
			want: []step{{"open", 10.4}, {"closed", 40.4}, {"open", 40.8}},
			ok:   100, s503: 500, served: 100 + 5 + 5,
		},
		{
			// The fault ends at 20 s: the reset at 40.4 s lets everything
			// through again. Rejected: 10.5…40.3 s (299 requests); served
			// after the reset: 40.4…59.9 s (196).
			name: "traffic resumes after the fault", faults: "{from: 10s, to: 20s, kind: status, code: 503}", rate: 10,
			want: []step{{"open", 10.4}, {"closed", 40.4}},
			ok:   100 + 196, s503: 5 + 299, served: 100 + 5 + 196,
		},
		{
			// At 4 rps the requests are 0.25 s apart: the 5th failure is
			// at 11 s; reset at 41 s, five more failures (41 … 42 s) trip
			// it again at 42 s. 40 requests before 10 s succeed, 10 get
			// 500 from b1, the other 190 get the gateway's 503.
			name: "slower traffic trips later", faults: "{from: 10s, to: 60s, kind: status, code: 500}", rate: 4,
			want: []step{{"open", 11}, {"closed", 41}, {"open", 42}},
			ok:   40, s503: 190, served: 40 + 5 + 5,
		},
		{
			// Half-open: open until 40.4 s, where the trial fails and
			// re-opens it until 70.4 s (after the end). 100 requests before
			// 10 s succeed; 500 get 503 (5 + 1 trial from b1, 494 from the
			// gateway).
			name: "half-open: count trips on the 5th failure", model: "halfOpen", faults: "{from: 10s, to: 60s, kind: status, code: 503}", rate: 10,
			want: []step{{"open", 10.4}, {"half-open", 40.4}, {"open", 40.4}},
			ok:   100, s503: 500, served: 106,
		},
		{
			// Half-open: the fault ends at 20 s: the trial at 40.4 s
			// succeeds and closes the breaker. Rejected: 10.5…40.3 s (299
			// requests); served after the trial: 40.5…59.9 s (195).
			name: "half-open: trial succeeds after the fault", model: "halfOpen", faults: "{from: 10s, to: 20s, kind: status, code: 503}", rate: 10,
			want: []step{{"open", 10.4}, {"half-open", 40.4}, {"closed", 40.4}},
			ok:   100 + 1 + 195, s503: 5 + 299, served: 100 + 5 + 1 + 195,
		},
		{
			// Half-open at 4 rps: 40 requests before 10 s succeed, 6 get
			// 500 from b1 (5 + the trial), the other 194 get the gateway's
			// 503.
			name: "half-open: slower traffic trips later", model: "halfOpen", faults: "{from: 10s, to: 60s, kind: status, code: 500}", rate: 4,
			want: []step{{"open", 11}, {"half-open", 41}, {"open", 41}},
			ok:   40, s503: 194, served: 40 + 5 + 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw := ""
			if tt.model != "" {
				gw = "gateway: {breakerModel: " + tt.model + "}\n"
			}
			sc := scenario(t, gw+`
backends:
  b1:
    faults:
      - `+tt.faults+`
load:
  - path: /api/x
    phases:
      - {name: p, duration: 60s, rate: `+ftoa(tt.rate)+`}
`)
			res := run(t, svc, sc, Options{})
			wantModel := tt.model
			if wantModel == "" {
				wantModel = "reset"
			}
			if res.Run.BreakerModel != wantModel {
				t.Errorf("run names breaker model %q, want %q", res.Run.BreakerModel, wantModel)
			}
			got := transitions(res, "b1", 0)
			if len(got) != len(tt.want) {
				t.Fatalf("transitions = %+v, want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				if got[i].To != w.to || !near(got[i].At.D(), sec(w.at), time.Microsecond) {
					t.Errorf("transition %d = %s at %s, want %s at %gs", i, got[i].To, got[i].At, w.to, w.at)
				}
			}
			if g := status(res, "p", "200"); g != tt.ok {
				t.Errorf("200s = %d, want %d", g, tt.ok)
			}
			if g := status(res, "p", "503"); g != tt.s503 {
				t.Errorf("503s = %d, want %d", g, tt.s503)
			}
			p, _ := res.Phase("p")
			if g := p.Served["b1"]; g != tt.served {
				t.Errorf("served by b1 = %d, want %d", g, tt.served)
			}
			if res.Run.Engine != "model" || res.Run.Clock != "virtual" {
				t.Errorf("run info = %+v", res.Run)
			}
		})
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// retryPolicy sends every request to pool "p" and retries once, at once,
// on a 5xx.
const retryPolicy = `<policies><inbound><base /><set-backend-service backend-id="p" /></inbound>
<backend><retry condition="@(context.Response.StatusCode >= 500)" count="1" interval="0"><forward-request timeout="30" /></retry></backend>
<outbound><base /></outbound><on-error><base /></on-error></policies>`

// TestRetryFailover: east (priority 1) fails from 10 s; its breaker counts
// 3 failures. Request 10.0 s: east 503 (1), retry picks east again (2):
// the client gets 503. Request 10.1 s: east 503 (3: trip at 10.1 s), the
// retry goes to west (priority 2): 200. Everything after goes to west.
func TestRetryFailover(t *testing.T) {
	count3 := `"failureCondition": {"count": 3, "interval": "PT1M", "statusCodeRanges": [{"min": 500, "max": 599}]}, "tripDuration": "PT5M"`
	svc := cfg{
		singles:   []backendDef{{name: "east", breaker: count3}, {name: "west", breaker: count3}},
		pools:     map[string]string{"p": `[{"id": "/backends/east", "priority": 1}, {"id": "/backends/west", "priority": 2}]`},
		policyXML: retryPolicy,
	}.service(t)
	sc := scenario(t, `
backends:
  east:
    faults:
      - {from: 10s, kind: status, code: 503}
load:
  - path: /api/x
    phases:
      - {name: before, duration: 10s, rate: 10}
      - {name: after, duration: 20s, rate: 10}
expect:
  - breaker: {backend: east, opens: [10.1s, 10.1s]}
  - breaker: {backend: west, staysClosed: true}
  - failover: {from: east, to: west, within: 1s}
  - noTraffic: {backend: east, whileOpen: true}
  - clients: {phase: after, status: {503: 1}}
`)
	res := run(t, svc, sc, Options{})
	for _, a := range res.Assertions {
		if !a.Passed {
			t.Errorf("assertion %s: expected %s, observed %s", a.Name, a.Expected, a.Observed)
		}
	}
	after, _ := res.Phase("after")
	if got, want := after.Served["west"], uint64(199); got != want {
		t.Errorf("west served %d in phase after, want %d (every request but the first)", got, want)
	}
	var eastAttempts uint64
	for _, s := range res.Series {
		if s.Backend == "east" {
			for _, p := range s.Points {
				eastAttempts += p.Requests
			}
		}
	}
	if got, want := eastAttempts, uint64(100+3); got != want {
		t.Errorf("attempts on east = %d, want %d", got, want)
	}
	before, _ := res.Phase("before")
	for _, s := range before.Shares {
		want := map[string]float64{"east": 1, "west": 0}[s.Backend]
		if !nearF(s.Expected, want, 1e-9) || !nearF(s.Observed, want, 1e-9) {
			t.Errorf("share %s before: observed %g expected %g, want %g", s.Backend, s.Observed, s.Expected, want)
		}
	}
}

// TestTransportFaults maps each fault kind to what clients and the
// breaker see. The breaker counts 2 failures; forward-request waits 2 s.
func TestTransportFaults(t *testing.T) {
	count2 := `"failureCondition": {"count": 2, "interval": "PT1M", "statusCodeRanges": [{"min": 500, "max": 599}]}, "tripDuration": "PT1M"`
	policy := `<policies><inbound><base /></inbound><backend><forward-request timeout="2" /></backend><outbound /><on-error /></policies>`
	svc := cfg{singles: []backendDef{{name: "b1", breaker: count2}}, serviceURL: "https://b1.example.test/api", policyXML: policy}.service(t)
	tests := []struct {
		fault string
		// Requests at 0, 0.1, … (10 rps for 10 s).
		tripAt float64
		code   string // client status of the admitted requests
		n      uint64 // admitted requests
		lat    time.Duration
	}{
		// Connection failures end at once: requests 0 and 0.1 fail, the
		// breaker trips at 0.1 s; the other 98 get the gateway's 503.
		{"{kind: refuse}", 0.1, "500", 2, 0},
		{"{kind: reset}", 0.1, "500", 2, 0},
		{"{kind: tls-fail}", 0.1, "500", 2, 0},
		// A hanging backend: each attempt ends after the 2 s timeout, so
		// the breaker trips when the second one (sent at 0.1 s) ends, at
		// 2.1 s; the requests sent until 2.0 s were admitted (21).
		{"{kind: timeout}", 2.1, "504", 21, 2 * time.Second},
		// A 3 s latency is a timeout too.
		{"{kind: latency, add: 3s}", 2.1, "504", 21, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			sc := scenario(t, `
backends:
  b1:
    faults:
      - `+tt.fault+`
load:
  - path: /api/x
    phases:
      - {name: p, duration: 10s, rate: 10}
`)
			res := run(t, svc, sc, Options{})
			tr := transitions(res, "b1", 0)
			if len(tr) == 0 || tr[0].To != sim.StateOpen || !near(tr[0].At.D(), sec(tt.tripAt), time.Microsecond) {
				t.Fatalf("transitions = %+v, want open at %gs", tr, tt.tripAt)
			}
			if got := status(res, "p", tt.code); got != tt.n {
				t.Errorf("%s = %d, want %d", tt.code, got, tt.n)
			}
			if got := status(res, "p", "503"); got != 100-tt.n {
				t.Errorf("503 = %d, want %d", got, 100-tt.n)
			}
			p, _ := res.Phase("p")
			if p.Max.D() != tt.lat {
				t.Errorf("max latency = %s, want %s", p.Max, tt.lat)
			}
			reason := map[string]string{"500": "BackendConnectionFailure", "504": "Timeout"}[tt.code]
			if p.Reasons[reason] != tt.n || p.Reasons["BackendCircuitBreakerOpen"] != 100-tt.n {
				t.Errorf("reasons = %v, want %d × %s and %d × BackendCircuitBreakerOpen", p.Reasons, tt.n, reason, 100-tt.n)
			}
		})
	}
}

// TestRetryAfterHoldsOpen: a 429 with Retry-After 20 s trips a count-1
// breaker that accepts Retry-After: it stays open 20 s, not its 60 s trip
// duration.
func TestRetryAfterHoldsOpen(t *testing.T) {
	count1 := `"failureCondition": {"count": 1, "interval": "PT1M", "statusCodeRanges": [{"min": 429, "max": 429}]}, "tripDuration": "PT1M", "acceptRetryAfter": true`
	svc := cfg{singles: []backendDef{{name: "b1", breaker: count1}}, serviceURL: "https://b1.example.test/api"}.service(t)
	sc := scenario(t, `
backends:
  b1:
    faults:
      - {from: 5s, to: 6s, kind: status, code: 429, retryAfter: 20s}
load:
  - path: /api/x
    phases:
      - {name: p, duration: 60s, rate: 2}
`)
	res := run(t, svc, sc, Options{})
	tr := transitions(res, "b1", 0)
	// Requests every 0.5 s: the one at 5 s gets the 429; open until 25 s,
	// where the default reset model closes it.
	want := []struct {
		to string
		at float64
	}{{"open", 5}, {"closed", 25}}
	if len(tr) != len(want) {
		t.Fatalf("transitions = %+v", tr)
	}
	for i, w := range want {
		if tr[i].To != w.to || !near(tr[i].At.D(), sec(w.at), time.Microsecond) {
			t.Errorf("transition %d = %s at %s, want %s at %gs", i, tr[i].To, tr[i].At, w.to, w.at)
		}
	}
	if tr[0].OpenFor.D() != 20*time.Second || tr[0].RetryAfter.D() != 20*time.Second {
		t.Errorf("open for %s (Retry-After %s), want 20s", tr[0].OpenFor, tr[0].RetryAfter)
	}
}

// TestInstancesTripApart: two unsynchronised instances behind a round-robin
// front. Requests alternate, so instance 0 sees 10.0, 10.2, … and its 5th
// failure is at 10.8 s; instance 1's is at 10.9 s.
func TestInstancesTripApart(t *testing.T) {
	svc := cfg{singles: []backendDef{{name: "b1", breaker: count5}}, serviceURL: "https://b1.example.test/api"}.service(t)
	sc := scenario(t, `
gateway: {instances: 2}
backends:
  b1:
    faults:
      - {from: 10s, kind: status, code: 503}
load:
  - path: /api/x
    phases:
      - {name: p, duration: 20s, rate: 10}
`)
	res := run(t, svc, sc, Options{})
	for inst, at := range []float64{10.8, 10.9} {
		tr := transitions(res, "b1", inst)
		if len(tr) == 0 || tr[0].To != sim.StateOpen || !near(tr[0].At.D(), sec(at), time.Microsecond) {
			t.Errorf("instance %d: transitions %+v, want open at %gs", inst, tr, at)
		}
	}
}

// TestFaultShares: a share of attempts meets the fault; with 20,000
// requests the observed share is within 1.5 points of the rate (over 5
// standard deviations for p = 0.3).
func TestFaultShares(t *testing.T) {
	svc := cfg{singles: []backendDef{{name: "b1"}}, serviceURL: "https://b1.example.test/api"}.service(t)
	tests := []struct {
		fault, code string
		rate        float64
	}{
		{"{kind: status, code: 500, rate: 0.3}", "500", 0.3},
		{"{kind: reset, rate: 0.1}", "500", 0.1},
		{"{kind: truncate, rate: 0.2}", "0", 0.2},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			sc := scenario(t, `
backends:
  b1:
    latency: 10ms
    faults:
      - `+tt.fault+`
load:
  - path: /api/x
    phases:
      - {name: p, duration: 200s, rate: 100, arrivals: poisson}
`)
			res := run(t, svc, sc, Options{})
			p, _ := res.Phase("p")
			got := float64(p.Status[tt.code]) / float64(p.Requests)
			if !nearF(got, tt.rate, 0.015) {
				t.Errorf("share of %s = %.4f, want %.2f ± 0.015 (%d requests)", tt.code, got, tt.rate, p.Requests)
			}
		})
	}
}

// TestLatency: a 10 ms base plus a 100 ms latency fault gives 110 ms to
// clients (the histogram's resolution is 3.2 %).
func TestLatency(t *testing.T) {
	svc := cfg{singles: []backendDef{{name: "b1"}}, serviceURL: "https://b1.example.test/api"}.service(t)
	sc := scenario(t, `
backends:
  b1:
    latency: 10ms
    faults:
      - {from: 10s, kind: latency, add: 100ms}
load:
  - path: /api/x
    phases:
      - {name: fast, duration: 10s, rate: 10}
      - {name: slow, duration: 10s, rate: 10}
`)
	res := run(t, svc, sc, Options{})
	for _, c := range []struct {
		phase string
		want  time.Duration
	}{{"fast", 10 * time.Millisecond}, {"slow", 110 * time.Millisecond}} {
		p, _ := res.Phase(c.phase)
		if got := p.P50.D(); !near(got, c.want, c.want*4/100) {
			t.Errorf("%s p50 = %s, want %s", c.phase, got, c.want)
		}
	}
}

// TestFidelity: what the model cannot represent is refused with its
// position, unless approximation is allowed.
func TestFidelity(t *testing.T) {
	tests := []struct {
		name, policy, want string
	}{
		{"expression route", `<policies><inbound><base /><set-backend-service backend-id="@(context.Request.Headers.GetValueOrDefault(&quot;x&quot;,&quot;b1&quot;))" /></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`, "set-backend-service backend-id"},
		{"route under choose on a variable", `<policies><inbound><base /><set-variable name="v" value="@(DateTime.UtcNow.Second)" /><choose><when condition="@((int)context.Variables[&quot;v&quot;] &gt; 30)"><set-backend-service backend-id="b1" /></when></choose></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`, "<choose> in inbound runs <set-backend-service>"},
		{"rate limit", `<policies><inbound><base /><rate-limit calls="10" renewal-period="60" /></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`, "<rate-limit> in inbound"},
		{"retry on a header", `<policies><inbound><base /></inbound><backend><retry condition="@(context.Response.Headers.ContainsKey(&quot;x&quot;))" count="2" interval="1"><forward-request /></retry></backend><outbound /><on-error /></policies>`, "reads context.Response.Headers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := cfg{singles: []backendDef{{name: "b1"}}, serviceURL: "https://b1.example.test/api", policyXML: tt.policy}.service(t)
			sc := scenario(t, "load:\n  - path: /api/x\n    phases:\n      - {name: p, duration: 1s, rate: 10}\n")
			_, err := Run(t.Context(), svc, sc, Options{})
			var ae *ApproximationError
			if !errors.As(err, &ae) || !errors.Is(err, ErrApproximation) {
				t.Fatalf("err = %v, want an ApproximationError", err)
			}
			if len(ae.Issues) == 0 || !strings.Contains(ae.Issues[0].What, tt.want) || !ae.Issues[0].Pos.IsValid() {
				t.Fatalf("issues = %v, want one about %q with a position", ae.Issues, tt.want)
			}
			res := run(t, svc, sc, Options{AllowApproximation: true})
			if len(res.Warnings) == 0 || !strings.Contains(strings.Join(res.Warnings, "\n"), tt.want) {
				t.Errorf("warnings = %v, want the approximation named", res.Warnings)
			}
		})
	}
}

// TestRoutes checks the static reading of routes: API and operation
// matching, serviceUrl matching an entity, the gateway's own answers.
func TestRoutes(t *testing.T) {
	ops := `{"type": "Microsoft.ApiManagement/service/apis/operations", "apiVersion": "2024-05-01", "name": "apim/api/get-order", "properties": {"method": "GET", "urlTemplate": "/orders/{id}"}}`
	svc := cfg{singles: []backendDef{{name: "b1"}}, serviceURL: "https://B1.example.test:443/api/", operations: ops}.service(t)
	rt := newRouter(svc)
	tests := []struct {
		method, path string
		status       int
		target       string
	}{
		{"GET", "/api/orders/42", 0, "b1"},
		{"GET", "/API/Orders/42", 0, "b1"},
		{"POST", "/api/orders/42", 404, ""},
		{"GET", "/api/other", 404, ""},
		{"GET", "/nope/orders/1", 404, ""},
		{"GET", "/apix/orders/1", 404, ""},
	}
	for _, tt := range tests {
		r := rt.routeFor(shape{method: tt.method, path: tt.path})
		if r.status != tt.status || r.target != tt.target {
			t.Errorf("%s %s: %s, want status %d target %q", tt.method, tt.path, r.describe(), tt.status, tt.target)
		}
	}
	if len(rt.errs) > 0 || len(rt.issues) > 0 {
		t.Errorf("errs %v issues %v", rt.errs, rt.issues)
	}
}

// TestWildcardOperation: APIM's wildcard operation ("/*") takes any path
// under the API, as in the gateway (package routing); before the model
// shared the gateway's template matching it answered 404 here.
func TestWildcardOperation(t *testing.T) {
	ops := `{"type": "Microsoft.ApiManagement/service/apis/operations", "apiVersion": "2024-05-01", "name": "apim/api/get-order", "properties": {"method": "GET", "urlTemplate": "/orders/{id}"}},
	{"type": "Microsoft.ApiManagement/service/apis/operations", "apiVersion": "2024-05-01", "name": "apim/api/any-get", "properties": {"method": "GET", "urlTemplate": "/*"}}`
	svc := cfg{singles: []backendDef{{name: "b1"}}, serviceURL: "https://b1.example.test/api", operations: ops}.service(t)
	rt := newRouter(svc)
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/orders/42", 0},
		{"GET", "/api/other/deep/path", 0},
		{"GET", "/api", 0},
		{"POST", "/api/other", 404},
	} {
		if r := rt.routeFor(shape{method: tt.method, path: tt.path}); r.status != tt.status {
			t.Errorf("%s %s: %s, want status %d", tt.method, tt.path, r.describe(), tt.status)
		}
	}
}

// TestSessionAffinity: with one session id and affinity by its cookie,
// every request of the session stays on the member its first request
// got; without the cookie (or without affinity) the 1:1 pool splits
// evenly.
func TestSessionAffinity(t *testing.T) {
	policy := `<policies><inbound><base /><set-backend-service backend-id="p" /></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`
	base := cfg{
		singles:   []backendDef{{name: "a"}, {name: "b"}},
		pools:     map[string]string{"p": `[{"id": "/backends/a", "weight": 1}, {"id": "/backends/b", "weight": 1}]`},
		policyXML: policy,
	}
	sticky := base
	sticky.poolExtra = `, "sessionAffinity": {"sessionId": {"source": "Cookie", "name": "sid"}}`
	tests := []struct {
		name    string
		c       cfg
		session string
		max     float64 // the larger member's share
	}{
		{"affinity, one session", sticky, "session: sid\n    sessions: 1\n", 1},
		{"affinity, another cookie", sticky, "session: other\n    sessions: 1\n", 0.5},
		{"no affinity", base, "session: sid\n    sessions: 1\n", 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := tt.c.service(t)
			sc := scenario(t, "load:\n  - path: /api/x\n    "+tt.session+"    phases:\n      - {name: p, duration: 10s, rate: 10}\n")
			res := run(t, svc, sc, Options{})
			p, _ := res.Phase("p")
			top := max(p.Served["a"], p.Served["b"])
			if got := float64(top) / float64(p.Requests); got != tt.max {
				t.Errorf("largest share %g (served %v), want %g", got, p.Served, tt.max)
			}
		})
	}
}

// TestGatewayAnswers: an unconditional mock-response or return-response
// in inbound answers every request without calling a backend.
func TestGatewayAnswers(t *testing.T) {
	tests := []struct {
		name, inbound, code string
	}{
		{"mock-response default", `<mock-response />`, "200"},
		{"mock-response 202", `<mock-response status-code="202" content-type="application/json" />`, "202"},
		{"return-response 429", `<return-response><set-status code="429" reason="Too many" /></return-response>`, "429"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy := `<policies><inbound><base />` + tt.inbound + `</inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`
			svc := cfg{singles: []backendDef{{name: "b1", breaker: count5}}, serviceURL: "https://b1.example.test/api", policyXML: policy}.service(t)
			sc := scenario(t, "backends:\n  b1:\n    faults:\n      - {kind: status, code: 503}\nload:\n  - path: /api/x\n    phases:\n      - {name: p, duration: 10s, rate: 10}\n")
			res := run(t, svc, sc, Options{})
			p, _ := res.Phase("p")
			if p.Status[tt.code] != 100 || p.Served["none"] != 100 || len(res.Series) != 0 || len(res.Transitions) != 0 {
				t.Errorf("status %v, served %v, %d attempt series, %d transitions; want 100 × %s from the gateway and no attempt",
					p.Status, p.Served, len(res.Series), len(res.Transitions), tt.code)
			}
		})
	}
}

// TestChooseOnTheRequest: a choose whose conditions read only what every
// request of a phase carries (method, headers, URL) is decided per phase:
// version 2 clients (header x-version: 2) go to b2, POSTs to b3, the rest
// to b1.
func TestChooseOnTheRequest(t *testing.T) {
	policy := `<policies><inbound><base />
<choose>
  <when condition="@(context.Request.Headers.GetValueOrDefault(&quot;x-version&quot;, &quot;1&quot;) == &quot;2&quot;)"><set-backend-service backend-id="b2" /></when>
  <when condition="@(context.Request.Method == &quot;POST&quot;)"><set-backend-service backend-id="b3" /></when>
  <otherwise><set-backend-service backend-id="b1" /></otherwise>
</choose></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`
	svc := cfg{singles: []backendDef{{name: "b1"}, {name: "b2"}, {name: "b3"}}, policyXML: policy}.service(t)
	sc := scenario(t, `
load:
  - path: /api/x
    phases:
      - {name: v1, duration: 1s, rate: 10}
      - {name: v2, duration: 1s, rate: 10, headers: {X-Version: "2"}}
      - {name: post, duration: 1s, rate: 10, method: POST}
`)
	res := run(t, svc, sc, Options{})
	for phase, want := range map[string]string{"v1": "b1", "v2": "b2", "post": "b3"} {
		p, _ := res.Phase(phase)
		if p.Served[want] != p.Requests || p.Requests != 10 {
			t.Errorf("%s: served %v, want all 10 by %s", phase, p.Served, want)
		}
	}
	if len(res.Warnings) > 0 {
		t.Errorf("warnings %v: the choose is decidable", res.Warnings)
	}
}

func TestDefaultBucket(t *testing.T) {
	for _, tt := range []struct{ length, want time.Duration }{
		{3 * time.Minute, time.Second},
		{time.Hour, time.Second},
		{time.Hour + time.Second, 2 * time.Second},
		{24 * time.Hour, 24 * time.Second},
	} {
		if got := DefaultBucket(tt.length); got != tt.want {
			t.Errorf("DefaultBucket(%v) = %v, want %v", tt.length, got, tt.want)
		}
	}
}
