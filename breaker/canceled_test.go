package breaker

import (
	"context"
	"testing"
	"time"
)

// canceled is what the gateway reports when the client went away.
var canceled = Outcome{Err: context.Canceled, ErrReason: "ClientConnectionFailure", Canceled: true}

func TestCanceledOutcome(t *testing.T) {
	tests := []struct {
		name    string
		reasons []string
		// wantCounted: the canceled outcome is recorded as a failure.
		wantCounted bool
	}{
		{"not a failure by default", nil, false},
		{"other reasons listed", []string{"Timeout"}, false},
		{"ClientConnectionFailure listed", []string{"clientconnectionfailure"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/closed", func(t *testing.T) {
			clk := newClock()
			b, rec := newTestBreaker(t, clk, Settings{Count: 2, Interval: time.Minute, TripDuration: time.Minute, ErrorReasons: tt.reasons})
			send(b, canceled)
			send(b, canceled)
			c := b.Counts()
			if tt.wantCounted {
				if b.State() != Open {
					t.Fatalf("two listed canceled outcomes did not trip a count-2 breaker (counts %+v)", c)
				}
				return
			}
			if c.Requests != 0 || c.Failures != 0 || c.Successes != 0 || b.State() != Closed || len(rec.all()) != 0 {
				t.Fatalf("canceled outcomes were counted: state %v counts %+v events %d", b.State(), c, len(rec.all()))
			}
		})
		t.Run(tt.name+"/half-open trial", func(t *testing.T) {
			clk := newClock()
			b, rec := newTestBreaker(t, clk, Settings{Count: 1, Interval: time.Minute, TripDuration: 10 * time.Second, ErrorReasons: tt.reasons, Model: ModelHalfOpen})
			send(b, fail)
			clk.Advance(10 * time.Second)
			done, err := b.Allow()
			if err != nil || b.State() != HalfOpen {
				t.Fatalf("no half-open trial: %v (state %v)", err, b.State())
			}
			if _, err := b.Allow(); err != ErrTrialInFlight {
				t.Fatalf("second caller during the trial: %v, want ErrTrialInFlight", err)
			}
			done(canceled)
			if tt.wantCounted {
				if b.State() != Open {
					t.Fatalf("listed canceled trial: state %v, want open", b.State())
				}
				return
			}
			// The slot is free again: still half-open, ready, and the next
			// caller is the trial whose success closes the breaker.
			if b.State() != HalfOpen || !b.Ready() {
				t.Fatalf("after a canceled trial: state %v ready %v, want half-open and ready", b.State(), b.Ready())
			}
			if err := send(b, succ); err != nil {
				t.Fatalf("next trial rejected: %v", err)
			}
			if b.State() != Closed {
				t.Fatalf("state after the next trial succeeded = %v, want closed", b.State())
			}
			ev := rec.all()
			if got := ev[len(ev)-1].Reason; got != ReasonTrialSucceeded {
				t.Errorf("last event %q, want %q", got, ReasonTrialSucceeded)
			}
		})
	}
}
