package gateway

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

func TestAdminEndpoints(t *testing.T) {
	clock := newFakeClock()
	a := newFakeBackend(t, "a", 500)
	ba := single("a", a.URL)
	ba.CircuitBreaker = countBreaker(1, time.Minute)
	svc := &apim.Service{Backends: []*apim.Backend{ba, poolOf("p", member("a", 0, 0))}, APIs: []*apim.API{apiWith("/x", "", `<set-backend-service backend-id="p" />`)}}
	g, front := startGateway(t, svc, Options{Clock: clock})
	admin := httptestServer(g.Admin())
	defer admin.Close()

	// Subscribe to /events before the breaker trips.
	resp, err := testClient.Get(admin.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("/events content type %q", ct)
	}
	events := bufio.NewReader(resp.Body)
	if _, err := events.ReadString('\n'); err != nil { // the greeting comment
		t.Fatal(err)
	}

	get(t, front.URL+"/x", nil) // 500: trips the breaker (count 1)

	var data string
	for data == "" {
		line, err := events.ReadString('\n')
		if err != nil {
			t.Fatalf("reading /events: %v", err)
		}
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			data = d
		}
	}
	var ev Transition
	if err := json.Unmarshal([]byte(data), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Backend != "a" || ev.From != "closed" || ev.To != "open" || ev.Counts.Failures != 1 || ev.Model != "reset" {
		t.Errorf("event %+v", ev)
	}

	_, _, hb := get(t, admin.URL+"/health", nil)
	var h Health
	if err := json.Unmarshal([]byte(hb), &h); err != nil {
		t.Fatalf("/health: %v\n%s", err, hb)
	}
	if h.BreakerModel != "reset" {
		t.Errorf("/health breakerModel %q, want the default %q", h.BreakerModel, "reset")
	}
	if len(h.Backends) != 2 || h.Backends[0].Breaker != "open" || h.Backends[0].Available || h.Backends[0].Pools[0] != "p" ||
		h.Backends[1].Type != "Pool" || h.Backends[1].Available || len(h.Backends[1].Members) != 1 {
		t.Errorf("/health = %s", hb)
	}

	_, _, mb := get(t, admin.URL+"/metrics", nil)
	for _, want := range []string{
		`apimlab_gateway_requests_total{backend="a",code="500"} 1`,
		`apimlab_gateway_breaker_state{backend="a"} 1`,
		`apimlab_gateway_breaker_transitions_total{backend="a",from="closed",to="open"} 1`,
		`apimlab_gateway_request_duration_seconds_count{backend="a"}`,
	} {
		if !strings.Contains(mb, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// Closing the gateway ends the event stream.
	g.Close()
	if _, err := io.ReadAll(events); err != nil {
		t.Errorf("event stream ended with %v, want a clean end", err)
	}
	code, _, _ := get(t, admin.URL+"/events", nil)
	if code != http.StatusServiceUnavailable {
		t.Errorf("/events after Close: %d, want 503", code)
	}
}
