package breaker

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCountTripsExactlyOnNthFailure(t *testing.T) {
	tests := []struct {
		name   string
		count  int
		seq    []Outcome // sent 1s apart
		tripAt int       // index of the request that trips (-1: never)
	}{
		{"count 1", 1, []Outcome{fail}, 0},
		{"count 3 consecutive", 3, []Outcome{fail, fail, fail, fail}, 2},
		{"count 3 with successes between", 3, []Outcome{fail, succ, fail, succ, succ, fail}, 5},
		{"count 3 only two failures", 3, []Outcome{fail, succ, fail, succ, succ}, -1},
		{"count 5 transport errors", 5, []Outcome{
			{Err: errors.New("dial: refused")}, fail, fail, fail, {Err: errors.New("timeout"), ErrReason: "Timeout"},
		}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			b, _ := newTestBreaker(t, clk, Settings{Count: tt.count, Interval: time.Minute, TripDuration: time.Minute})
			got := -1
			for i, o := range tt.seq {
				if err := send(b, o); err != nil {
					t.Fatalf("request %d rejected before trip: %v", i, err)
				}
				if b.State() == Open {
					got = i
					break
				}
				clk.Advance(time.Second)
			}
			if got != tt.tripAt {
				t.Errorf("tripped at request %d, want %d", got, tt.tripAt)
			}
		})
	}
}

func TestWindowSlidesSoSpreadFailuresDoNotTrip(t *testing.T) {
	clk := newClock()
	b, _ := newTestBreaker(t, clk, Settings{Count: 3, Interval: 10 * time.Second, TripDuration: time.Minute})
	// A failure every 5s: at any time at most two are within 10s.
	for i := range 20 {
		if err := send(b, fail); err != nil {
			t.Fatalf("failure %d rejected: %v", i, err)
		}
		if got := b.Counts().Failures; got > 2 {
			t.Fatalf("after failure %d: %d failures in window, want <= 2", i, got)
		}
		clk.Advance(5 * time.Second)
	}
	if got, want := b.State(), Closed; got != want {
		t.Fatalf("state = %v, want %v", got, want)
	}
	// The last failure was 5s ago and the one before exactly 10s ago (out of
	// the window). Two more within the next second make three inside 10s,
	// which trips (a gobreaker-style fixed window reset in between would not).
	send(b, fail)
	if got := b.Counts().Failures; got != 2 {
		t.Fatalf("failures in window = %d, want 2", got)
	}
	clk.Advance(time.Second)
	send(b, fail)
	if got, want := b.State(), Open; got != want {
		t.Fatalf("state after 3 failures in 10s = %v, want %v", got, want)
	}
}

func TestWindowExpiryBoundary(t *testing.T) {
	clk := newClock()
	b, _ := newTestBreaker(t, clk, Settings{Count: 100, Interval: 60 * time.Second, TripDuration: time.Minute})
	send(b, fail)
	clk.Advance(59 * time.Second)
	if got := b.Counts().Failures; got != 1 {
		t.Errorf("after 59s of a 60s window: %d failures, want 1", got)
	}
	clk.Advance(time.Second)
	if got := b.Counts().Failures; got != 0 {
		t.Errorf("after exactly 60s: %d failures, want 0", got)
	}
	// A long idle gap clears everything in O(buckets).
	send(b, fail)
	clk.Advance(1000 * time.Hour)
	if got := b.Counts(); got.Requests != 0 {
		t.Errorf("after idle gap: %+v, want empty", got)
	}
}

func TestPercentage(t *testing.T) {
	tests := []struct {
		name      string
		pct, min  int
		failures  int // sent first
		successes int // then
		then      []Outcome
		wantOpen  bool
		wantReqs  int // requests in window when it tripped (0: n/a)
	}{
		{"below min requests", 50, 10, 9, 0, nil, false, 0},
		{"reaches min with failure", 50, 10, 9, 0, []Outcome{fail}, true, 10},
		{"default min 10", 50, 0, 9, 0, nil, false, 0},
		{"default min 10 reached", 50, 0, 10, 0, nil, true, 10},
		{"under threshold", 50, 10, 4, 6, []Outcome{succ, succ}, false, 0},
		{"exactly threshold", 50, 10, 4, 5, []Outcome{fail}, true, 10},
		{"success never trips", 50, 10, 5, 4, []Outcome{succ}, false, 0},
		{"100 percent needs all failing", 100, 2, 1, 1, []Outcome{fail}, false, 0},
		{"1 percent", 1, 5, 0, 99, []Outcome{fail}, true, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			b, rec := newTestBreaker(t, clk, Settings{Percentage: tt.pct, MinRequests: tt.min, Interval: time.Minute, TripDuration: time.Minute})
			seq := make([]Outcome, 0, tt.failures+tt.successes+len(tt.then))
			for range tt.successes {
				seq = append(seq, succ)
			}
			// failures after successes so a 'fail' that crosses min is last
			for range tt.failures {
				seq = append(seq, fail)
			}
			seq = append(seq, tt.then...)
			for _, o := range seq {
				if err := send(b, o); err != nil {
					break
				}
				clk.Advance(100 * time.Millisecond)
			}
			if got := b.State() == Open; got != tt.wantOpen {
				t.Fatalf("open = %v, want %v (counts %+v)", got, tt.wantOpen, b.Counts())
			}
			if tt.wantOpen {
				ev := rec.all()
				if len(ev) != 1 || ev[0].Reason != ReasonPercentage || ev[0].Counts.Requests != tt.wantReqs {
					t.Errorf("events = %+v, want one %s with %d requests", ev, ReasonPercentage, tt.wantReqs)
				}
			}
		})
	}
}

func TestOpenRejectsThenHalfOpen(t *testing.T) {
	clk := newClock()
	b, _ := newTestBreaker(t, clk, Settings{Count: 1, Interval: time.Minute, TripDuration: 30 * time.Second, Model: ModelHalfOpen})
	send(b, fail)
	if _, err := b.Allow(); !errors.Is(err, ErrOpen) {
		t.Fatalf("Allow while open: err = %v, want ErrOpen", err)
	}
	if got, want := b.OpenUntil(), clk.Now().Add(30*time.Second); !got.Equal(want) {
		t.Errorf("OpenUntil = %v, want %v", got, want)
	}
	clk.Advance(30*time.Second - time.Nanosecond)
	if got := b.State(); got != Open {
		t.Fatalf("1ns before trip duration: state %v, want open", got)
	}
	clk.Advance(time.Nanosecond)
	if got := b.State(); got != HalfOpen {
		t.Fatalf("at trip duration: state %v, want half-open", got)
	}
	if !b.OpenUntil().IsZero() {
		t.Errorf("OpenUntil in half-open = %v, want zero", b.OpenUntil())
	}
}

func TestHalfOpenAdmitsExactlyOneOfManyConcurrentCallers(t *testing.T) {
	clk := newClock()
	b, _ := newTestBreaker(t, clk, Settings{Count: 1, Interval: time.Minute, TripDuration: time.Second, Model: ModelHalfOpen})
	send(b, fail)
	clk.Advance(time.Second)

	const callers = 100
	var (
		admitted, rejected atomic.Int32
		wg                 sync.WaitGroup
		start              = make(chan struct{})
		mu                 sync.Mutex
		dones              []func(Outcome)
	)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			done, err := b.Allow()
			switch {
			case err == nil:
				admitted.Add(1)
				mu.Lock()
				dones = append(dones, done)
				mu.Unlock()
			case errors.Is(err, ErrTrialInFlight) && errors.Is(err, ErrOpen):
				rejected.Add(1)
			default:
				t.Errorf("unexpected error %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if got := admitted.Load(); got != 1 {
		t.Fatalf("admitted %d callers in half-open, want exactly 1", got)
	}
	if got := rejected.Load(); got != callers-1 {
		t.Fatalf("rejected %d, want %d", got, callers-1)
	}
	if b.Ready() {
		t.Error("Ready() with trial in flight = true, want false")
	}
	dones[0](succ)
	if got := b.State(); got != Closed {
		t.Fatalf("after successful trial: %v, want closed", got)
	}
}

func TestTrialOutcome(t *testing.T) {
	tests := []struct {
		name      string
		trial     Outcome
		wantState State
		wantEvent string
	}{
		{"success closes", succ, Closed, ReasonTrialSucceeded},
		{"4xx is not a failure", Outcome{StatusCode: 404}, Closed, ReasonTrialSucceeded},
		{"5xx re-opens", fail, Open, ReasonTrialFailed},
		{"transport error re-opens", Outcome{Err: errors.New("reset"), ErrReason: "BackendConnectionFailure"}, Open, ReasonTrialFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			b, rec := newTestBreaker(t, clk, Settings{Count: 2, Interval: time.Minute, TripDuration: 10 * time.Second, Model: ModelHalfOpen})
			send(b, fail)
			send(b, fail)
			clk.Advance(10 * time.Second)
			if err := send(b, tt.trial); err != nil {
				t.Fatalf("trial rejected: %v", err)
			}
			if got := b.State(); got != tt.wantState {
				t.Fatalf("state = %v, want %v", got, tt.wantState)
			}
			ev := rec.all()
			if got := ev[len(ev)-1].Reason; got != tt.wantEvent {
				t.Errorf("last event reason = %q, want %q", got, tt.wantEvent)
			}
			switch tt.wantState {
			case Closed:
				// Counts were cleared: one more failure must not trip a count-2 breaker.
				if c := b.Counts(); c.Requests != 0 {
					t.Errorf("counts after close = %+v, want cleared", c)
				}
				send(b, fail)
				if got := b.State(); got != Closed {
					t.Errorf("one failure after close tripped the breaker")
				}
			case Open:
				if got, want := b.OpenUntil(), clk.Now().Add(10*time.Second); !got.Equal(want) {
					t.Errorf("re-opened until %v, want %v", got, want)
				}
			}
		})
	}
}

// TestResetIsTheDefault follows Learn ("Backends in API Management",
// circuit breaker): "After the configured trip duration, the circuit resets
// and traffic resumes to the backend". With Settings.Model unset: rejected
// until the trip duration, then closed with fresh counters and every caller
// admitted at once (no half-open trial).
func TestResetIsTheDefault(t *testing.T) {
	for _, tt := range []struct {
		name  string
		model Model
	}{{"zero value", 0}, {"explicit", ModelReset}} {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			b, rec := newTestBreaker(t, clk, Settings{Count: 2, Interval: time.Minute, TripDuration: 10 * time.Second, Model: tt.model})
			if b.Model() != ModelReset {
				t.Fatalf("Model() = %v, want reset", b.Model())
			}
			slow, _ := b.Allow() // admitted before the trip, answers after the reset
			send(b, fail)
			send(b, fail)
			clk.Advance(10*time.Second - time.Nanosecond)
			if _, err := b.Allow(); !errors.Is(err, ErrOpen) {
				t.Fatalf("1ns before the trip duration: err = %v, want ErrOpen", err)
			}
			clk.Advance(time.Nanosecond)
			// No half-open: many callers pass at once.
			var dones []func(Outcome)
			for i := range 5 {
				done, err := b.Allow()
				if err != nil {
					t.Fatalf("request %d after reset: %v", i, err)
				}
				dones = append(dones, done)
			}
			if got := b.State(); got != Closed {
				t.Fatalf("state = %v, want closed", got)
			}
			// Fresh counters: a stale failure from before the trip is
			// ignored and one new failure does not trip a count-2 breaker.
			slow(fail)
			dones[0](fail)
			for _, d := range dones[1:] {
				d(succ)
			}
			if c := b.Counts(); c.Requests != 5 || c.Failures != 1 || b.State() != Closed {
				t.Fatalf("after reset: state %v counts %+v, want closed with 5 requests, 1 failure", b.State(), c)
			}
			ev := rec.all()
			if len(ev) != 2 || ev[1].From != Open || ev[1].To != Closed || ev[1].Reason != ReasonTripElapsed || ev[1].Model != ModelReset || ev[1].Counts != (Counts{}) {
				t.Fatalf("events = %+v, want closed->open, open->closed(trip-elapsed, reset, cleared counts)", ev)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	base := newClock().Now()
	tests := []struct {
		name     string
		accept   bool
		max      time.Duration
		header   string
		wantOpen time.Duration
		wantRA   time.Duration
	}{
		{"seconds honoured", true, 0, "120", 120 * time.Second, 120 * time.Second},
		{"http-date honoured", true, 0, base.Add(45 * time.Second).Format("Mon, 02 Jan 2006 15:04:05 GMT"), 45 * time.Second, 45 * time.Second},
		{"zero seconds", true, 0, "0", 0, 0},
		{"date in the past", true, 0, base.Add(-time.Hour).Format("Mon, 02 Jan 2006 15:04:05 GMT"), 0, 0},
		{"capped by MaxRetryAfter", true, time.Minute, "86400", time.Minute, time.Minute},
		{"invalid header uses trip duration", true, 0, "soon", 30 * time.Second, 0},
		{"ignored when not accepted", false, 0, "120", 30 * time.Second, 0},
		{"absent", true, 0, "", 30 * time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			b, rec := newTestBreaker(t, clk, Settings{
				Count: 1, Interval: time.Minute, TripDuration: 30 * time.Second,
				AcceptRetryAfter: tt.accept, MaxRetryAfter: tt.max, StatusRanges: [][2]int{{429, 429}},
			})
			send(b, Outcome{StatusCode: 429, RetryAfter: tt.header})
			ev := rec.all()
			if len(ev) != 1 {
				t.Fatalf("events = %+v, want one trip", ev)
			}
			if got, want := ev[0].OpenUntil, base.Add(tt.wantOpen); !got.Equal(want) {
				t.Errorf("OpenUntil = %v, want %v", got, want)
			}
			if got := ev[0].RetryAfter; got != tt.wantRA {
				t.Errorf("Event.RetryAfter = %v, want %v", got, tt.wantRA)
			}
			clk.Advance(tt.wantOpen)
			// The default reset model closes once the open time has passed.
			if got := b.State(); got != Closed {
				t.Errorf("after open time: %v, want closed", got)
			}
		})
	}
}

func TestRetryAfterOnFailedTrial(t *testing.T) {
	clk := newClock()
	b, _ := newTestBreaker(t, clk, Settings{Count: 1, Interval: time.Minute, TripDuration: 10 * time.Second, AcceptRetryAfter: true, Model: ModelHalfOpen})
	send(b, fail)
	clk.Advance(10 * time.Second)
	send(b, Outcome{StatusCode: 503, RetryAfter: "300"})
	if got, want := b.OpenUntil(), clk.Now().Add(300*time.Second); !got.Equal(want) {
		t.Errorf("OpenUntil after failed trial = %v, want %v", got, want)
	}
}

func TestStaleOutcomesIgnored(t *testing.T) {
	clk := newClock()
	b, rec := newTestBreaker(t, clk, Settings{Count: 2, Interval: time.Minute, TripDuration: 10 * time.Second, Model: ModelHalfOpen})
	// Three requests admitted while closed; two fail and trip the breaker.
	d1, _ := b.Allow()
	d2, _ := b.Allow()
	slow, _ := b.Allow()
	d1(fail)
	d2(fail)
	if b.State() != Open {
		t.Fatal("not open after 2 failures")
	}
	clk.Advance(10 * time.Second)
	trial, err := b.Allow()
	if err != nil {
		t.Fatalf("trial: %v", err)
	}
	// The slow request from the closed generation fails now: ignored,
	// it must neither re-open the breaker nor release the trial slot.
	slow(fail)
	if got := b.State(); got != HalfOpen {
		t.Fatalf("stale failure changed state to %v", got)
	}
	if _, err := b.Allow(); !errors.Is(err, ErrTrialInFlight) {
		t.Fatalf("stale outcome released the trial slot: err = %v", err)
	}
	trial(succ)
	trial(fail) // a second call of the trial's done is stale too
	slow(fail)
	if got := b.State(); got != Closed {
		t.Fatalf("state = %v, want closed", got)
	}
	if c := b.Counts(); c.Requests != 0 {
		t.Errorf("stale outcomes counted in new generation: %+v", c)
	}
	if n := len(rec.all()); n != 3 {
		t.Errorf("%d events, want 3", n)
	}
}

func TestEvents(t *testing.T) {
	clk := newClock()
	start := clk.Now()
	b, rec := newTestBreaker(t, clk, Settings{Name: "orders", Count: 2, Interval: time.Minute, TripDuration: 10 * time.Second, Model: ModelHalfOpen})
	send(b, succ)
	send(b, fail)
	clk.Advance(time.Second)
	send(b, fail) // trip at start+1s
	clk.Advance(10 * time.Second)
	send(b, fail) // half-open at +11s, trial fails: re-open
	clk.Advance(10 * time.Second)
	send(b, succ) // half-open at +21s, trial succeeds: close

	type want struct {
		at       time.Duration
		from, to State
		reason   string
		counts   Counts
		open     time.Duration // OpenUntil - start, -1 for zero
	}
	wants := []want{
		{1 * time.Second, Closed, Open, ReasonCount, Counts{Requests: 3, Successes: 1, Failures: 2, ConsecutiveFailures: 2}, 11 * time.Second},
		{11 * time.Second, Open, HalfOpen, ReasonTripElapsed, Counts{}, -1},
		{11 * time.Second, HalfOpen, Open, ReasonTrialFailed, Counts{ConsecutiveFailures: 1}, 21 * time.Second},
		{21 * time.Second, Open, HalfOpen, ReasonTripElapsed, Counts{}, -1},
		{21 * time.Second, HalfOpen, Closed, ReasonTrialSucceeded, Counts{ConsecutiveSuccesses: 1}, -1},
	}
	got := rec.all()
	if len(got) != len(wants) {
		t.Fatalf("got %d events, want %d: %+v", len(got), len(wants), got)
	}
	var lastGen uint64
	for i, w := range wants {
		e := got[i]
		if !e.Time.Equal(start.Add(w.at)) || e.From != w.from || e.To != w.to || e.Reason != w.reason || e.Counts != w.counts {
			t.Errorf("event %d = {%v %v->%v %s %+v}, want {+%v %v->%v %s %+v}",
				i, e.Time.Sub(start), e.From, e.To, e.Reason, e.Counts, w.at, w.from, w.to, w.reason, w.counts)
		}
		if e.Backend != "orders" || e.Model != ModelHalfOpen || e.Detail == "" {
			t.Errorf("event %d: backend %q model %v detail %q", i, e.Backend, e.Model, e.Detail)
		}
		wantOpen := time.Time{}
		if w.open >= 0 {
			wantOpen = start.Add(w.open)
		}
		if !e.OpenUntil.Equal(wantOpen) {
			t.Errorf("event %d OpenUntil = %v, want %v", i, e.OpenUntil, wantOpen)
		}
		if e.Generation <= lastGen {
			t.Errorf("event %d generation %d not increasing (last %d)", i, e.Generation, lastGen)
		}
		lastGen = e.Generation
	}
	if !strings.Contains(got[0].Detail, "2 failures") {
		t.Errorf("trip detail %q does not say how many failures", got[0].Detail)
	}
}

func TestOnTransitionMayCallBack(t *testing.T) {
	clk := newClock()
	var b *Breaker
	var seen []State
	b, err := New(Settings{
		Count: 1, Interval: time.Minute, TripDuration: 0, Now: clk.Now, StatusRanges: server, Model: ModelHalfOpen,
		OnTransition: func(e Event) {
			// Re-entrant: State() applies the due Open->HalfOpen transition
			// (TripDuration 0) while this event is being delivered.
			seen = append(seen, e.To, b.State())
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	send(b, fail)
	want := []State{Open, HalfOpen, HalfOpen, HalfOpen}
	if len(seen) != len(want) {
		t.Fatalf("seen = %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("seen = %v, want %v", seen, want)
		}
	}
}

func TestFailureClassification(t *testing.T) {
	errDial := errors.New("dial tcp: connection refused")
	tests := []struct {
		name string
		s    Settings
		o    Outcome
		want bool
	}{
		{"status in range", Settings{StatusRanges: server}, Outcome{StatusCode: 503}, true},
		{"status below range", Settings{StatusRanges: server}, Outcome{StatusCode: 499}, false},
		{"second range", Settings{StatusRanges: [][2]int{{500, 599}, {429, 429}}}, Outcome{StatusCode: 429}, true},
		{"no ranges", Settings{}, Outcome{StatusCode: 500}, false},
		{"transport error counts by default", Settings{}, Outcome{Err: errDial}, true},
		{"transport error ignored unless listed", Settings{TransportErrors: TransportListed}, Outcome{Err: errDial, ErrReason: "BackendConnectionFailure"}, false},
		{"listed reason, case-insensitive", Settings{TransportErrors: TransportListed, ErrorReasons: []string{"backendconnectionfailure"}}, Outcome{Err: errDial, ErrReason: "BackendConnectionFailure"}, true},
		{"429-only rule, listed: a reset is not a failure", Settings{StatusRanges: [][2]int{{429, 429}}, TransportErrors: TransportListed}, Outcome{Err: errDial, ErrReason: "BackendConnectionFailure"}, false},
		{"429-only rule, listed: a 429 is", Settings{StatusRanges: [][2]int{{429, 429}}, TransportErrors: TransportListed}, Outcome{StatusCode: 429}, true},
		{"429-only rule, always: a reset is a failure", Settings{StatusRanges: [][2]int{{429, 429}}}, Outcome{Err: errDial, ErrReason: "BackendConnectionFailure"}, true},
		{"listed: a canceled outcome is not", Settings{TransportErrors: TransportListed, ErrorReasons: []string{"BackendConnectionFailure"}}, Outcome{Err: errDial, Canceled: true, ErrReason: "ClientConnectionFailure"}, false},
		{"reason on a response", Settings{ErrorReasons: []string{"Timeout"}}, Outcome{StatusCode: 504, ErrReason: "Timeout"}, true},
		{"unlisted reason on a response", Settings{ErrorReasons: []string{"Timeout"}}, Outcome{StatusCode: 200, ErrReason: "Other"}, false},
		{"override", Settings{StatusRanges: server, IsFailure: func(o Outcome) bool { return o.StatusCode == 418 }}, Outcome{StatusCode: 418}, true},
		{"override replaces ranges", Settings{StatusRanges: server, IsFailure: func(o Outcome) bool { return o.StatusCode == 418 }}, Outcome{StatusCode: 500}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			s.Count, s.Interval, s.TripDuration = 1, time.Second, time.Second
			b, err := New(s)
			if err != nil {
				t.Fatal(err)
			}
			if got := b.IsFailure(tt.o); got != tt.want {
				t.Errorf("IsFailure(%+v) = %v, want %v", tt.o, got, tt.want)
			}
		})
	}
}

func TestSettingsValidation(t *testing.T) {
	valid := Settings{Name: "b", Count: 3, Interval: time.Minute, TripDuration: time.Minute}
	tests := []struct {
		name  string
		edit  func(*Settings)
		field string // "" means valid
	}{
		{"valid count", func(*Settings) {}, ""},
		{"valid percentage", func(s *Settings) { s.Count, s.Percentage = 0, 50 }, ""},
		{"zero trip duration", func(s *Settings) { s.TripDuration = 0 }, ""},
		{"neither", func(s *Settings) { s.Count = 0 }, "Count or Percentage"},
		{"both", func(s *Settings) { s.Percentage = 50 }, "exclusive"},
		{"negative count", func(s *Settings) { s.Count = -1 }, "Count"},
		{"percentage 101", func(s *Settings) { s.Count, s.Percentage = 0, 101 }, "Percentage"},
		{"min requests", func(s *Settings) { s.MinRequests = -1 }, "MinRequests"},
		{"no interval", func(s *Settings) { s.Interval = 0 }, "Interval"},
		{"negative trip", func(s *Settings) { s.TripDuration = -time.Second }, "TripDuration"},
		{"negative max retry-after", func(s *Settings) { s.MaxRetryAfter = -1 }, "MaxRetryAfter"},
		{"bad model", func(s *Settings) { s.Model = 7 }, "Model"},
		{"range reversed", func(s *Settings) { s.StatusRanges = [][2]int{{500, 599}, {599, 500}} }, "StatusRanges[1]"},
		{"range out of bounds", func(s *Settings) { s.StatusRanges = [][2]int{{500, 600}} }, "StatusRanges[0]"},
		{"empty reason", func(s *Settings) { s.ErrorReasons = []string{" "} }, "ErrorReasons[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid
			tt.edit(&s)
			_, err := New(s)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidSettings) {
				t.Fatalf("err = %v, want ErrInvalidSettings", err)
			}
			if !strings.Contains(err.Error(), tt.field) || !strings.Contains(err.Error(), `"b"`) {
				t.Errorf("err %q does not name field %q and backend", err, tt.field)
			}
		})
	}
}

func TestParseModel(t *testing.T) {
	for in, want := range map[string]Model{"": ModelReset, "reset": ModelReset, "RESET": ModelReset, "halfOpen": ModelHalfOpen, "Half-Open": ModelHalfOpen, "half_open": ModelHalfOpen} {
		if got, err := ParseModel(in); err != nil || got != want {
			t.Errorf("ParseModel(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseModel("eventually"); !errors.Is(err, ErrInvalidSettings) || !strings.Contains(err.Error(), "reset, halfOpen") {
		t.Errorf("ParseModel(bad) err = %v", err)
	}
	for _, m := range []Model{ModelHalfOpen, ModelReset} {
		if got, _ := ParseModel(m.String()); got != m {
			t.Errorf("round trip %v -> %v", m, got)
		}
	}
}

func TestParseTransportErrors(t *testing.T) {
	for in, want := range map[string]TransportErrors{"": TransportAlways, "always": TransportAlways, "Always": TransportAlways, "listed": TransportListed, " LISTED ": TransportListed} {
		if got, err := ParseTransportErrors(in); err != nil || got != want {
			t.Errorf("ParseTransportErrors(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseTransportErrors("never"); !errors.Is(err, ErrInvalidSettings) || !strings.Contains(err.Error(), "always, listed") {
		t.Errorf("ParseTransportErrors(bad) err = %v", err)
	}
	for _, v := range []TransportErrors{TransportAlways, TransportListed} {
		if got, _ := ParseTransportErrors(v.String()); got != v {
			t.Errorf("round trip %v -> %v", v, got)
		}
	}
	if _, err := New(Settings{Count: 1, Interval: time.Second, TripDuration: time.Second, TransportErrors: 7}); !errors.Is(err, ErrInvalidSettings) {
		t.Errorf("New with TransportErrors 7: err = %v", err)
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{Closed: "closed", Open: "open", HalfOpen: "half-open", State(9): "state(9)"} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(s), got, want)
		}
	}
}
