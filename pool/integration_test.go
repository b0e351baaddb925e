package pool_test

import (
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/pool"
)

// TestPoolWithBreakers wires members' availability to breaker.Ready, as the
// gateway does: a tripped primary fails over to the backup. After the trip
// duration, the default reset model (Learn: "the circuit resets and traffic
// resumes to the backend") brings all traffic back to the primary at once;
// with the half-open option the trial goes to the primary, the next request
// goes to the backup while the trial is in flight, and the trial's success
// brings traffic back.
func TestPoolWithBreakers(t *testing.T) {
	for _, tt := range []struct {
		model              breaker.Model
		wantRoute, wantEvs string
	}{
		{breaker.ModelReset, "primary primary primary backup primary primary",
			"primary:open>backup primary:closed>primary"},
		{breaker.ModelHalfOpen, "primary primary primary backup backup primary",
			"primary:open>backup primary:half-open>primary primary:closed>primary"},
	} {
		t.Run(tt.model.String(), func(t *testing.T) { testPoolWithBreakers(t, tt.model, tt.wantRoute, tt.wantEvs) })
	}
}

func testPoolWithBreakers(t *testing.T, model breaker.Model, wantRoute, wantEvents string) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var (
		p      *pool.Pool
		events []string
	)
	newBreaker := func(name string) *breaker.Breaker {
		b, err := breaker.New(breaker.Settings{
			Name: name, Count: 2, Interval: time.Minute, TripDuration: 30 * time.Second,
			StatusRanges: [][2]int{{500, 599}}, Now: clock, Model: model,
			OnTransition: func(e breaker.Event) {
				// Re-entering the pool from a transition must not deadlock:
				// transitions happen inside Select (via Ready).
				idx, _ := p.Select()
				events = append(events, e.Backend+":"+e.To.String()+">"+p.Member(idx).Name)
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	breakers := []*breaker.Breaker{newBreaker("primary"), newBreaker("backup")}
	p, err := pool.New([]pool.Member{
		{Name: "primary", Priority: 1, Available: breakers[0].Ready},
		{Name: "backup", Priority: 2, Available: breakers[1].Ready},
	})
	if err != nil {
		t.Fatal(err)
	}
	// request runs one request; the primary answers status, the backup 200.
	request := func(status int) string {
		i, ok := p.Select()
		if !ok {
			return "503"
		}
		done, err := breakers[i].Allow()
		if err != nil {
			return "503-open"
		}
		if i == 0 {
			done(breaker.Outcome{StatusCode: status})
		} else {
			done(breaker.Outcome{StatusCode: 200})
		}
		return p.Member(i).Name
	}
	var got []string
	got = append(got, request(200), request(500), request(500)) // primary trips
	got = append(got, request(200))                             // backup
	now = now.Add(30 * time.Second)
	// The first request after the trip duration goes to the primary (reset:
	// closed; half-open: the trial). While it is in flight, the next one
	// goes to the primary (reset) or the backup (half-open).
	i, _ := p.Select()
	first, err := breakers[i].Allow()
	if err != nil || i != 0 {
		t.Fatalf("first request after the trip duration: member %d, err %v", i, err)
	}
	got = append(got, request(200))
	first(breaker.Outcome{StatusCode: 204})
	got = append(got, request(200)) // primary again
	if g, w := strings.Join(got, " "), wantRoute; g != w {
		t.Errorf("route = %q, want %q", g, w)
	}
	if g, w := strings.Join(events, " "), wantEvents; g != w {
		t.Errorf("events = %q, want %q", g, w)
	}
}
