package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// policyDoc wraps inbound, backend and outbound content in a full document.
func policyDoc(inbound, backend, outbound string) string {
	return `<policies><inbound><base />` + inbound + `</inbound><backend>` + backend + `</backend><outbound><base />` + outbound + `</outbound><on-error><base /></on-error></policies>`
}

func TestExpressionAttributes(t *testing.T) {
	slow := newHangingBackend(t)
	slow.hang.Store(true)
	failing := newFakeBackend(t, "failing", 500)
	echo := newFakeBackend(t, "echo", 200)
	tests := []struct {
		name      string
		backend   string
		policy    string
		hdr       map[string]string
		wantCode  int
		wantHdr   map[string]string
		wantHits  int64 // hits of the failing backend, -1: not checked
		wantWaits []time.Duration
		// advance, if > 0, is how much virtual time passes once the
		// hanging backend has the request (forward-request timeouts run on
		// the gateway's clock).
		advance time.Duration
	}{
		{name: "forward-request timeout-ms from an expression", backend: slow.URL,
			policy: policyDoc("", `<forward-request timeout-ms="@(int.Parse(context.Request.Headers.GetValueOrDefault(&quot;X-T&quot;, &quot;60000&quot;)))" />`, ""),
			hdr:    map[string]string{"X-T": "20"}, advance: 20 * time.Millisecond,
			wantCode: 504, wantHdr: map[string]string{HeaderReason: ReasonTimeout}, wantHits: -1},
		{name: "forward-request timeout 0 does not wait", backend: slow.URL,
			policy:   policyDoc("", `<forward-request timeout="0" />`, ""),
			wantCode: 504, wantHdr: map[string]string{HeaderReason: ReasonTimeout}, wantHits: -1},
		{name: "negative timeout expression fails the request", backend: echo.URL,
			policy:   policyDoc("", `<forward-request timeout="@(-1)" />`, ""),
			wantCode: 500, wantHdr: map[string]string{HeaderReason: ReasonExpression}, wantHits: -1},
		{name: "continue-timeout accepted", backend: echo.URL,
			policy:   policyDoc("", `<forward-request timeout="10" continue-timeout="@(5)" />`, ""),
			wantCode: 200, wantHits: -1},
		{name: "retry attributes from expressions", backend: failing.URL,
			policy: policyDoc("", `<retry condition="@(context.Response.StatusCode &gt;= 500)" count="@(1 + 1)" interval="@(3)" delta="@(0)" first-fast-retry="@(context.Request.Headers.ContainsKey(&quot;X-Fast&quot;))"><forward-request /></retry>`, ""),
			hdr:    map[string]string{"X-Fast": "1"}, wantCode: 500, wantHits: 3, wantWaits: []time.Duration{0, 3 * time.Second}},
		{name: "retry count expression out of range", backend: failing.URL,
			policy:   policyDoc("", `<retry condition="@(true)" count="@(51)" interval="1"><forward-request /></retry>`, ""),
			wantCode: 500, wantHdr: map[string]string{HeaderReason: ReasonExpression}, wantHits: 0},
		{name: "set-header name and exists-action from expressions", backend: echo.URL,
			policy: policyDoc("", `<forward-request />`,
				`<set-header name="@(&quot;X-&quot; + &quot;Dyn&quot;)" exists-action="@(&quot;append&quot;)"><value>a</value></set-header>`+
					`<set-header name="@(&quot;x-dyn&quot;)" exists-action="@(&quot;skip&quot;)"><value>b</value></set-header>`),
			wantCode: 200, wantHdr: map[string]string{"X-Dyn": "a"}, wantHits: -1},
		{name: "set-header exists-action expression with a bad value", backend: echo.URL,
			policy:   policyDoc(`<set-header name="X-A" exists-action="@(&quot;replace&quot;)"><value>a</value></set-header>`, `<forward-request />`, ""),
			wantCode: 500, wantHdr: map[string]string{HeaderReason: ReasonExpression}, wantHits: -1},
		{name: "set-query-parameter name and exists-action from expressions", backend: echo.URL,
			policy:   policyDoc(`<set-query-parameter name="@(&quot;k&quot; + 1)" exists-action="@(&quot;override&quot;)"><value>v</value></set-query-parameter>`, `<forward-request />`, ""),
			wantCode: 200, wantHdr: map[string]string{"X-Seen-Query": "k1=v"}, wantHits: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := failing.hits.Load()
			sl := newSleepRecorder()
			svc := &apim.Service{APIs: []*apim.API{{Name: "e", Path: known("e"), ServiceURL: known(tt.backend), Policy: doc(apim.ScopeAPI, tt.policy)}}}
			_, front := startGateway(t, svc, Options{Clock: sl})
			if tt.advance > 0 {
				for len(slow.arrived) > 0 {
					<-slow.arrived
				}
				go func() { <-slow.arrived; sl.Advance(tt.advance) }()
			}
			code, h, body := get(t, front.URL+"/e/", tt.hdr)
			if code != tt.wantCode {
				t.Fatalf("status %d (reason %q: %s), want %d", code, h.Get(HeaderReason), body, tt.wantCode)
			}
			for k, v := range tt.wantHdr {
				if got := strings.Join(h.Values(k), ","); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if tt.wantHits >= 0 {
				if got := failing.hits.Load() - before; got != tt.wantHits {
					t.Errorf("backend hits = %d, want %d", got, tt.wantHits)
				}
			}
			if tt.wantWaits != nil && !equalDurations(sl.waits, tt.wantWaits) {
				t.Errorf("retry waits %v, want %v", sl.waits, tt.wantWaits)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAttributeErrorsAtLoad(t *testing.T) {
	tests := []struct {
		name, policy, want string
	}{
		{"timeout and timeout-ms", policyDoc("", `<forward-request timeout="5" timeout-ms="5000" />`, ""), "timeout or timeout-ms, not both"},
		{"negative timeout", policyDoc("", `<forward-request timeout="-1" />`, ""), `timeout "-1" is not an integer >= 0`},
		{"negative continue-timeout", policyDoc("", `<forward-request continue-timeout="-3" />`, ""), `continue-timeout "-3"`},
		{"literal retry count out of range", policyDoc("", `<retry condition="@(true)" count="60" interval="1"><forward-request /></retry>`, ""), "count must be in 1..50"},
		{"bad literal exists-action", policyDoc(`<set-header name="x" exists-action="replace" />`, `<forward-request />`, ""), `exists-action "replace"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := echoService("http://127.0.0.1:1", tt.policy)
			_, err := New(svc, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "api.xml:") {
				t.Fatalf("New: %v, want a positioned error mentioning %q", err, tt.want)
			}
		})
	}
}
