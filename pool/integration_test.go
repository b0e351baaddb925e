package pool_test

import (
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/pool"
)

// TestPoolWithBreakers wires members' availability to breaker.Ready, as the
// gateway does: a tripped primary fails over to the backup, the half-open
// trial goes to the primary, and its success brings traffic back.
func TestPoolWithBreakers(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var (
		p      *pool.Pool
		events []string
	)
	newBreaker := func(name string) *breaker.Breaker {
		b, err := breaker.New(breaker.Settings{
			Name: name, Count: 2, Interval: time.Minute, TripDuration: 30 * time.Second,
			StatusRanges: [][2]int{{500, 599}}, Now: clock,
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
	// Half-open: the trial goes to the primary; while it is in flight the
	// pool sends the next request to the backup.
	i, _ := p.Select()
	trial, err := breakers[i].Allow()
	if err != nil || i != 0 {
		t.Fatalf("trial: member %d, err %v", i, err)
	}
	got = append(got, request(200)) // backup, trial in flight
	trial(breaker.Outcome{StatusCode: 204})
	got = append(got, request(200)) // primary again
	if g, w := strings.Join(got, " "), "primary primary primary backup backup primary"; g != w {
		t.Errorf("route = %q, want %q", g, w)
	}
	if g, w := strings.Join(events, " "), "primary:open>backup primary:half-open>primary primary:closed>primary"; g != w {
		t.Errorf("events = %q, want %q", g, w)
	}
}
