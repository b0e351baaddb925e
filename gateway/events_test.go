package gateway

import (
	"bufio"
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
	admin := httptestServer(g.Admin())
	defer admin.Close()
	resp, err := testClient.Get(admin.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if _, err := r.ReadString('\n'); err != nil { // the greeting
		t.Fatal(err)
	}
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
