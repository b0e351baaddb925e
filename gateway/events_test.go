package gateway

import (
	"bufio"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/breaker"
)

func TestOnTransitionAndEventsDrainOnClose(t *testing.T) {
	clock := newFakeClock()
	svc := &apim.Service{}
	names := []string{"a", "b", "c"}
	for _, n := range names {
		be := newFakeBackend(t, n, 500)
		b := single(n, be.URL)
		b.CircuitBreaker = countBreaker(1, time.Minute)
		svc.Backends = append(svc.Backends, b)
		svc.APIs = append(svc.APIs, apiWith("/"+n, "", `<set-backend-service backend-id="`+n+`" />`))
	}
	var mu sync.Mutex
	var seen []breaker.Event
	g, front := startGateway(t, svc, Options{Clock: clock, OnTransition: func(e breaker.Event) {
		mu.Lock()
		seen = append(seen, e)
		mu.Unlock()
	}})
	r := subscribeEvents(t, g)
	// Three breakers trip, and the gateway closes right after: every event
	// published before Close reaches the stream before it ends.
	for _, n := range names {
		get(t, front.URL+"/"+n, nil)
	}
	g.Close()
	var got []string
	for {
		line, err := r.ReadString('\n')
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			got = append(got, d)
		}
		if err != nil {
			break
		}
	}
	if len(got) != 3 {
		t.Fatalf("/events delivered %d events before ending, want 3:\n%s", len(got), strings.Join(got, ""))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 {
		t.Fatalf("OnTransition saw %d events, want 3", len(seen))
	}
	for i, e := range seen {
		if e.Backend != names[i] || e.To != breaker.Open {
			t.Errorf("OnTransition event %d = %s %v, want %s open", i, e.Backend, e.To, names[i])
		}
	}
	var last *Transition = g.Health().Backends[0].LastTransition
	if last == nil || last.To != "open" {
		t.Errorf("Health LastTransition = %+v, want the open transition", last)
	}
}

// TestRecordsOnEventStream: what trace and log-to-eventhub write reaches
// /events as "event: record", after the breaker stream's greeting (the
// emulation's stand-in for Application Insights and Event Hubs).
func TestRecordsOnEventStream(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	a := apiWith("/a", be.URL, `<trace source="my-source" severity="error"><message>@("hello " + context.Request.Method)</message></trace>
<log-to-eventhub logger-id="hub">@("event " + context.Request.Url.Path)</log-to-eventhub>`)
	g, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
	r := subscribeEvents(t, g)
	// context.Request.Url is the URL forwarded to the backend (serviceUrl
	// plus the path after the API's): "/p".
	get(t, front.URL+"/a/p", nil)
	var events []string
	for len(events) < 4 {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended after %q: %v", events, err)
		}
		if line = strings.TrimSpace(line); line != "" {
			events = append(events, line)
		}
	}
	var trace, hub RecordEvent
	if events[0] != "event: record" || events[2] != "event: record" {
		t.Fatalf("events %q, want two records", events)
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(events[1], "data: ")), &trace); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(events[3], "data: ")), &hub); err != nil {
		t.Fatal(err)
	}
	if trace.Policy != "trace" || trace.Name != "my-source" || trace.Severity != "error" || trace.Message != "hello GET" {
		t.Errorf("trace record %+v", trace)
	}
	if hub.Policy != "log-to-eventhub" || hub.Name != "hub" || hub.Message != "event /p" {
		t.Errorf("log-to-eventhub record %+v", hub)
	}
}

// subscribeEvents opens g's /events stream on a loopback admin server and
// reads its greeting; the stream and the server close with the test.
func subscribeEvents(t *testing.T, g *Gateway) *bufio.Reader {
	t.Helper()
	admin := httptestServer(g.Admin())
	t.Cleanup(admin.Close)
	resp, err := testClient.Get(admin.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	r := bufio.NewReader(resp.Body)
	if _, err := r.ReadString('\n'); err != nil { // the greeting
		t.Fatal(err)
	}
	return r
}
