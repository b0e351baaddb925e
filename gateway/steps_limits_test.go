package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// limitCall is one request of a limit table: advance the virtual clock,
// send, expect a status and headers.
type limitCall struct {
	advance time.Duration
	header  map[string]string
	status  int
	want    map[string]string // response headers ("" = absent)
	body    string            // substring of the body
}

func runLimitCalls(t *testing.T, clk interface{ Advance(time.Duration) }, url string, calls []limitCall) {
	t.Helper()
	for i, c := range calls {
		clk.Advance(c.advance)
		status, h, body := get(t, url, c.header)
		if status != c.status {
			t.Fatalf("call %d: status %d, want %d (%s)", i+1, status, c.status, body)
		}
		for k, v := range c.want {
			if got := h.Get(k); got != v {
				t.Errorf("call %d: %s = %q, want %q", i+1, k, got, v)
			}
		}
		if c.body != "" && !strings.Contains(body, c.body) {
			t.Errorf("call %d: body %q lacks %q", i+1, body, c.body)
		}
	}
}

// TestRateLimit follows Learn, "Limit call rate by subscription"
// (rate-limit): renewal-period is a sliding window; over the limit the
// caller gets 429 with Retry-After (seconds), remaining-calls-header-name
// carries the calls left "after each policy execution", and
// total-calls-header-name the calls attribute.
func TestRateLimit(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	clk := newFakeClock()
	a := apiWith("/a", be.URL, `<rate-limit calls="2" renewal-period="10" remaining-calls-header-name="x-rem" total-calls-header-name="x-total" />`)
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{Clock: clk})
	runLimitCalls(t, clk, front.URL+"/a/x", []limitCall{
		{0, nil, 200, map[string]string{"x-rem": "1", "x-total": "2"}, ""},
		{5 * time.Second, nil, 200, map[string]string{"x-rem": "0"}, ""},
		// t=9: both calls are in the window; the first leaves it at t=10.
		{4 * time.Second, nil, 429, map[string]string{"Retry-After": "1", HeaderReason: ReasonRateLimit, "x-rem": "0"}, "Rate limit is exceeded. Try again in 1 seconds."},
		{time.Second, nil, 200, map[string]string{"x-rem": "0"}, ""},
		// t=11: the calls of t=5 and t=10 fill the window until t=15.
		{time.Second, nil, 429, map[string]string{"Retry-After": "4"}, ""},
		// Another subscription has its own counter.
		{0, map[string]string{"Ocp-Apim-Subscription-Key": "k2"}, 200, map[string]string{"x-rem": "1"}, ""},
	})
}

// TestRateLimitAPIScope: <api>/<operation> children add limits for one API
// or operation (Learn, rate-limit elements).
func TestRateLimitAPIScope(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	clk := newFakeClock()
	a := apiWith("/a", be.URL, `<rate-limit calls="10" renewal-period="60"><api name="api-a" calls="5" renewal-period="60"><operation name="one" calls="1" renewal-period="60" /></api></rate-limit>`)
	a.Operations = []*apim.Operation{op("one", "GET", "/one"), op("two", "GET", "/two")}
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{Clock: clk})
	runLimitCalls(t, clk, front.URL+"/a/one", []limitCall{{0, nil, 200, nil, ""}, {0, nil, 429, nil, ""}})
	runLimitCalls(t, clk, front.URL+"/a/two", []limitCall{{0, nil, 200, nil, ""}, {0, nil, 200, nil, ""}, {0, nil, 200, nil, ""}, {0, nil, 429, nil, ""}})
}

// TestRateLimitByKey follows Learn, "Limit call rate by key": one counter
// per counter-key value; increment-condition decides after the response
// whether a call counts (Learn's example counts 2xx only);
// remaining-calls-variable-name and retry-after-variable-name are set.
func TestRateLimitByKey(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	clk := newFakeClock()
	a := apiWith("/a", be.URL, `<rate-limit-by-key calls="2" renewal-period="60" counter-key="@(context.Request.Headers.GetValueOrDefault(&quot;x-client&quot;,&quot;&quot;))" increment-condition="@(context.Response.StatusCode &gt;= 200 &amp;&amp; context.Response.StatusCode &lt; 300)" remaining-calls-variable-name="rem" retry-after-variable-name="ra" />`)
	a.Policy = doc(apim.ScopeAPI, strings.Replace(a.Policy.XML, "<outbound><base /></outbound><on-error><base /></on-error>",
		`<outbound><base /><set-header name="x-rem" exists-action="override"><value>@(context.Variables.GetValueOrDefault&lt;int&gt;("rem", -1).ToString())</value></set-header></outbound><on-error><base /><set-header name="x-ra" exists-action="override"><value>@(context.Variables.GetValueOrDefault&lt;int&gt;("ra", -1).ToString())</value></set-header></on-error>`, 1))
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{Clock: clk})
	alice := map[string]string{"x-client": "alice"}
	bob := map[string]string{"x-client": "bob"}
	runLimitCalls(t, clk, front.URL+"/a/x", []limitCall{
		{0, alice, 200, map[string]string{"x-rem": "2"}, ""}, // the remaining count is read before the call counts
		{0, alice, 200, map[string]string{"x-rem": "1"}, ""},
		{10 * time.Second, alice, 429, map[string]string{"Retry-After": "50", "x-ra": "50"}, ""},
		{0, bob, 200, nil, ""},
	})
	// Failed calls do not count.
	be.status.Store(500)
	runLimitCalls(t, clk, front.URL+"/a/x", []limitCall{{0, bob, 500, nil, ""}, {0, bob, 500, nil, ""}, {0, bob, 500, nil, ""}})
}

// TestQuota follows Learn, "Set usage quota by subscription" and "by key":
// a fixed renewal-period (quota-by-key's periods start at
// first-period-start, default 0001-01-01T00:00:00Z); over the quota the
// caller gets 403.
func TestQuota(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	tests := []struct {
		name, policy string
		renews       string // hh:mm:ss at testStart (03:04:05)
	}{
		{"quota, hourly periods from year 1", `<quota calls="2" renewal-period="3600" />`, "00:55:55"},
		{"quota-by-key with first-period-start", `<quota-by-key calls="2" renewal-period="600" counter-key="k" first-period-start="2025-01-02T03:00:00Z" />`, "00:05:55"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			_, front := startGateway(t, &apim.Service{APIs: []*apim.API{apiWith("/a", be.URL, tt.policy)}}, Options{Clock: clk})
			h, _ := time.Parse("15:04:05", tt.renews)
			renew := h.Sub(h.Truncate(24 * time.Hour))
			runLimitCalls(t, clk, front.URL+"/a/x", []limitCall{
				{0, nil, 200, nil, ""},
				{0, nil, 200, nil, ""},
				{0, nil, 403, map[string]string{HeaderReason: ReasonQuota}, "Out of call volume quota. Quota will be replenished in " + tt.renews + "."},
				{renew - time.Second, nil, 403, map[string]string{"Retry-After": "1"}, ""},
				{time.Second, nil, 200, nil, ""}, // a new period
			})
		})
	}
}

// TestLimitConcurrency follows Learn, "Limit concurrency": over max-count
// enclosed policies in flight, "new requests fail immediately with the 429
// Too Many Requests status code".
func TestLimitConcurrency(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			entered <- struct{}{}
			<-release
		}
		_, _ = io.WriteString(w, "done")
	}))
	t.Cleanup(slow.Close)
	a := apiWith("/a", slow.URL, "")
	a.Policy = doc(apim.ScopeAPI, `<policies><inbound><base /></inbound><backend><limit-concurrency key="b" max-count="1"><forward-request timeout="10" /></limit-concurrency></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`)
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
	first := make(chan int)
	go func() {
		resp, err := testClient.Get(front.URL + "/a/slow")
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-entered
	if status, h, _ := get(t, front.URL+"/a/fast", nil); status != 429 || h.Get(HeaderReason) != ReasonConcurrency {
		t.Errorf("second request: %d %s, want 429 %s", status, h.Get(HeaderReason), ReasonConcurrency)
	}
	close(release)
	if s := <-first; s != 200 {
		t.Errorf("first request: %d", s)
	}
	if status, _, body := get(t, front.URL+"/a/fast", nil); status != 200 || body != "done" {
		t.Errorf("after the first: %d %q", status, body)
	}
}
