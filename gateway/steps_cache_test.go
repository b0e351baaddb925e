package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// policies wraps sections into a policy document.
func policies(inbound, backend, outbound, onError string) string {
	return "<policies><inbound><base />" + inbound + "</inbound><backend>" + backend + "</backend><outbound><base />" + outbound + "</outbound><on-error><base />" + onError + "</on-error></policies>"
}

// TestCacheLookupStore follows Learn, "Get from cache" and "Store to
// cache": a GET whose response was stored within duration is answered
// from the cache without calling the backend; vary-by-query-parameter
// keys the entries; only 200 OK responses are stored by default; entries
// expire after duration (on the gateway's clock).
func TestCacheLookupStore(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	clk := newFakeClock()
	a := apiWith("/a", be.URL, "")
	a.Policy = doc(apim.ScopeAPI, policies(
		`<cache-lookup vary-by-developer="false" vary-by-developer-groups="false"><vary-by-query-parameter>v</vary-by-query-parameter></cache-lookup>`,
		`<forward-request />`,
		`<cache-store duration="60" /><set-header name="x-hits" exists-action="override"><value>@(context.Response.Headers.GetValueOrDefault("X-Served-By", "none"))</value></set-header>`, ""))
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{Clock: clk})
	steps := []struct {
		advance time.Duration
		path    string
		hits    int64 // backend hits after the call
	}{
		{0, "/a/x?v=1", 1},
		{0, "/a/x?v=1", 1},                // hit
		{0, "/a/x?v=1&other=2", 1},        // other is not varied by
		{0, "/a/x?v=2", 2},                // another entry
		{59 * time.Second, "/a/x?v=1", 2}, // still fresh
		{time.Second, "/a/x?v=1", 3},      // expired at 60 s
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		status, h, body := get(t, front.URL+s.path, nil)
		if status != 200 || body != "be" || h.Get("x-hits") != "be" {
			t.Fatalf("step %d: %d %q x-hits %q", i, status, body, h.Get("x-hits"))
		}
		if got := be.hits.Load(); got != s.hits {
			t.Errorf("step %d (%s): backend hits %d, want %d", i, s.path, got, s.hits)
		}
	}
	// A 500 is not stored.
	be.status.Store(500)
	get(t, front.URL+"/a/y", nil)
	get(t, front.URL+"/a/y", nil)
	if got := be.hits.Load(); got != 5 {
		t.Errorf("500 responses: backend hits %d, want 5 (not cached)", got)
	}
}

// TestCacheValues follows Learn, "Get value from cache", "Store value in
// cache" and "Remove value from cache".
func TestCacheValues(t *testing.T) {
	clk := newFakeClock()
	a := apiWith("/a", "", "")
	a.Policy = doc(apim.ScopeAPI, policies(`
<choose><when condition="@(context.Request.Url.Path.EndsWith(&quot;store&quot;))"><cache-store-value key="k" value="stored-value" duration="30" /></when></choose>
<choose><when condition="@(context.Request.Url.Path.EndsWith(&quot;remove&quot;))"><cache-remove-value key="k" /></when></choose>
<cache-lookup-value key="k" default-value="none" variable-name="v" />
<return-response><set-status code="200" /><set-body>@((string)context.Variables["v"])</set-body></return-response>`, "", "", ""))
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{Clock: clk})
	steps := []struct {
		advance    time.Duration
		path, want string
	}{
		{0, "/a/read", "none"},
		{0, "/a/store", "stored-value"},
		{29 * time.Second, "/a/read", "stored-value"},
		{0, "/a/remove", "none"},
		{0, "/a/store", "stored-value"},
		{30 * time.Second, "/a/read", "none"}, // expired
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		if status, _, body := get(t, front.URL+s.path, nil); status != 200 || body != s.want {
			t.Errorf("step %d %s: %d %q, want %q", i, s.path, status, body, s.want)
		}
	}
}

// TestRecords: trace, emit-metric and log-to-eventhub write to the
// gateway's record sink (Learn: "Trace", "Emit custom metrics", "Log to
// event hub").
func TestRecords(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	a := apiWith("/a", be.URL, `<trace source="my-source" severity="information"><message>@("hello " + context.Request.Method)</message><metadata name="k" value="v" /></trace>
<emit-metric name="calls" value="2.5" namespace="ns"><dimension name="API ID" /><dimension name="client" value="@(context.Request.Headers.GetValueOrDefault(&quot;x-c&quot;, &quot;&quot;))" /></emit-metric>
<log-to-eventhub logger-id="hub">@("event " + context.Request.Url.Path)</log-to-eventhub>`)
	g, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
	var hooked int
	g.OnRecord(func(Record) { hooked++ })
	get(t, front.URL+"/a/p", map[string]string{"x-c": "c1"})
	recs := g.Records()
	if len(recs) != 3 || hooked != 3 {
		t.Fatalf("records %+v (hook saw %d)", recs, hooked)
	}
	if r := recs[0]; r.Policy != "trace" || r.Name != "my-source" || r.Severity != "information" || r.Message != "hello GET" || r.Dimensions["k"] != "v" {
		t.Errorf("trace %+v", r)
	}
	if r := recs[1]; r.Policy != "emit-metric" || r.Name != "ns/calls" || r.Value != 2.5 || r.Dimensions["API ID"] != "api-a" || r.Dimensions["client"] != "c1" {
		t.Errorf("emit-metric %+v", r)
	}
	if r := recs[2]; r.Policy != "log-to-eventhub" || r.Name != "hub" || !strings.HasPrefix(r.Message, "event /") {
		t.Errorf("log-to-eventhub %+v", r)
	}
}
