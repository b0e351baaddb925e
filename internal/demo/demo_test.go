package demo

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/lint/rules"
	"github.com/apimlab/apimlab/sim/live"
)

// near reports whether got is within tol of want.
func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestRun(t *testing.T) {
	var out strings.Builder
	rep, err := Run(context.Background(), &out, Options{Dir: t.TempDir(), Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	text := out.String()

	// 1. load: the pool with its priorities and weights.
	for _, want := range []string{
		"service contoso-apim: 4 backends, 1 API",
		"pool    orders-pool    orders-eastus priority=1 weight=3; orders-westus priority=1 weight=1; orders-onprem priority=2 weight=1",
		"breaker regional-breaker: 5 failures in PT1M",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}

	// 2. lint: the deliberate mistakes are found and printed.
	found := map[string]bool{}
	for _, f := range rep.Lint.Findings {
		found[f.Rule] = true
	}
	want := []string{"APIM001", "APIM002", "APIM203", "APIM207"}
	if _, ok := rules.ByID("APIM501"); ok {
		want = append(want, "APIM501") // inline secret, once the rule is in the catalogue
	}
	for _, id := range want {
		if !found[id] {
			t.Errorf("lint did not report %s (found %v)", id, found)
		}
		if !strings.Contains(text, " "+id+" ") {
			t.Errorf("lint report does not print %s", id)
		}
	}

	// Never print secrets: the inline API key is reported, not shown.
	if strings.Contains(text, "s3cr3t-demo-key") {
		t.Error("the demo printed the inline credential value")
	}

	// 3. rehearsal.
	checkRehearsal(t, rep.Rehearsal, 1)
	for _, want := range []string{
		"breaker timeline (model halfOpen",
		"orders-eastus  closed → open       failure-count: 5 failures in 1m0s >= count 5",
		"open for Retry-After 2m0s",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

// TestRehearsalConcurrent runs the demo scenario with four requests in
// flight: the story holds, within looser bounds (a half-open trial in
// flight sends concurrent requests elsewhere).
func TestRehearsalConcurrent(t *testing.T) {
	var out strings.Builder
	rep, err := Run(context.Background(), &out, Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := live.Run(context.Background(), rep.Service, Scenario(), live.Options{Concurrency: 4, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	checkRehearsal(t, res, 4)
}

// checkRehearsal asserts the failover story of a run with conc requests in
// flight. A sequential run (conc 1) is exact; with more, requests admitted
// before a breaker trips still reach the failing backend, and shares are
// checked within ±0.15.
func checkRehearsal(t *testing.T, res *live.Result, conc int) {
	t.Helper()
	tol := 0.0
	if conc > 1 {
		tol = 0.15
	}
	// inFlight reports whether n is at least min and exceeds it by no
	// more than the requests that may have been in flight at the trip.
	inFlight := func(n, min int) bool { return n >= min && n <= min+3*(conc-1) }
	phase := func(name string) *live.PhaseResult {
		p := res.Phase(name)
		if p == nil {
			t.Fatalf("no phase %q in %+v", name, res.Phases)
		}
		return p
	}
	eventsOf := func(p *live.PhaseResult, backend string) []string {
		var out []string
		for _, e := range p.Events {
			if e.Backend == backend {
				out = append(out, e.From+"→"+e.To)
			}
		}
		return out
	}

	// (a) healthy: priority 1 split 3:1 by weight, nothing to priority 2.
	a := phase(PhaseHealthy)
	if a.Status[200] != a.Requests {
		t.Errorf("%s: status %v, want all 200", a.Name, a.Status)
	}
	if !near(a.Share(East), 0.75, tol) || !near(a.Share(West), 0.25, tol) || a.Served[OnPrem] != 0 {
		t.Errorf("%s: served %v, want east:west 3:1 (±%.2f) and no on-premises", a.Name, a.Served, tol)
	}
	if len(a.Events) != 0 {
		t.Errorf("%s: unexpected transitions %+v", a.Name, a.Events)
	}

	// (b) east fails: its breaker trips on the 5th failure, west serves.
	b := phase(PhaseEastFails)
	if got := eventsOf(b, East); !slices.Equal(got, []string{"closed→open"}) {
		t.Errorf("%s: east transitions %v, want closed→open", b.Name, got)
	} else if e := b.Events[0]; e.Reason != "failure-count" || e.Counts.Failures != 5 || !e.OpenUntil.Equal(e.Time.Add(time.Minute)) {
		t.Errorf("%s: trip event %+v, want failure-count with 5 failures, open for the 1m trip duration", b.Name, e)
	}
	if b.Breakers[East] != "open" || !inFlight(b.Attempts[East], 5) {
		t.Errorf("%s: east breaker %q after %d attempts, want open after 5 (concurrency %d)", b.Name, b.Breakers[East], b.Attempts[East], conc)
	}
	if b.Served[West] < b.Requests*3/4 || b.Served[OnPrem] != 0 {
		t.Errorf("%s: served %v, want west to take over", b.Name, b.Served)
	}

	// (c) west throttled: Retry-After decides its open time; priority 2 serves.
	c := phase(PhaseWestFails)
	if got := eventsOf(c, West); !slices.Equal(got, []string{"closed→open"}) {
		t.Fatalf("%s: west transitions %v, want closed→open", c.Name, got)
	}
	if e := c.Events[0]; e.RetryAfter != "2m0s" || !e.OpenUntil.Equal(e.Time.Add(2*time.Minute)) {
		t.Errorf("%s: west trip %+v, want open for Retry-After 2m0s", c.Name, e)
	}
	if !inFlight(c.Status[429], 5) || c.Served[OnPrem] != c.Requests-c.Status[429] || c.Attempts[East] != 0 {
		t.Errorf("%s: status %v served %v attempts %v, want 5 throttled then on-premises, east untouched", c.Name, c.Status, c.Served, c.Attempts)
	}

	// (d) a minute later east's half-open trial succeeds; west stays open.
	d := phase(PhaseEastBack)
	if got := eventsOf(d, East); !slices.Equal(got, []string{"open→half-open", "half-open→closed"}) {
		t.Errorf("%s: east transitions %v, want open→half-open, half-open→closed", d.Name, got)
	}
	if got := eventsOf(d, West); len(got) != 0 || d.Breakers[West] != "open" || d.Served[West] != 0 {
		t.Errorf("%s: west transitions %v state %q served %d, want it held open by Retry-After", d.Name, got, d.Breakers[West], d.Served[West])
	}
	// While east's single trial request is in flight, concurrent requests
	// go to priority 2: only a sequential run sends everything to east.
	if d.Status[200] != d.Requests || d.Served[East] == 0 || (conc == 1 && d.Served[East] != d.Requests) {
		t.Errorf("%s: status %v served %v, want east back (concurrency %d)", d.Name, d.Status, d.Served, conc)
	}

	// (e) west's trial succeeds, the 3:1 split is back.
	e := phase(PhaseAllBack)
	if got := eventsOf(e, West); !slices.Equal(got, []string{"open→half-open", "half-open→closed"}) {
		t.Errorf("%s: west transitions %v, want open→half-open, half-open→closed", e.Name, got)
	}
	if e.Status[200] != e.Requests || !near(e.Share(East), 0.75, tol) || !near(e.Share(West), 0.25, tol) {
		t.Errorf("%s: status %v served %v, want all 200 split 3:1 (±%.2f)", e.Name, e.Status, e.Served, tol)
	}

	// The whole timeline, in order.
	var got []string
	for _, ev := range res.Events() {
		got = append(got, ev.Backend+" "+ev.From+"→"+ev.To)
	}
	wantTimeline := []string{
		East + " closed→open", West + " closed→open",
		East + " open→half-open", East + " half-open→closed",
		West + " open→half-open", West + " half-open→closed",
	}
	if !slices.Equal(got, wantTimeline) {
		t.Errorf("timeline %v, want %v", got, wantTimeline)
	}
}
