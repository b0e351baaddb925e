package breaker_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/apimlab/apimlab/breaker"
)

// The gateway's use: Allow before proxying, done with the outcome after.
// The clock is virtual, as in the model engine. The default recovery model
// is Azure's reset: once the open time has passed the breaker is closed.
func Example() {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b, err := breaker.New(breaker.Settings{
		Name:             "orders",
		Count:            3,
		Interval:         time.Minute,
		TripDuration:     30 * time.Second,
		StatusRanges:     [][2]int{{500, 599}},
		AcceptRetryAfter: true,
		Now:              func() time.Time { return now },
		OnTransition: func(e breaker.Event) {
			fmt.Printf("%s: %v -> %v (%s) %s\n", e.Backend, e.From, e.To, e.Reason, e.Detail)
		},
	})
	if err != nil {
		panic(err)
	}
	for _, status := range []int{200, 503, 500, 502, 200} {
		done, err := b.Allow()
		if errors.Is(err, breaker.ErrOpen) {
			fmt.Println("503 without calling the backend")
			continue
		}
		o := breaker.Outcome{StatusCode: status}
		if status == 502 {
			o.RetryAfter = "10"
		}
		done(o)
		now = now.Add(time.Second)
	}
	now = now.Add(10 * time.Second)
	fmt.Println(b.State())
	// Output:
	// orders: closed -> open (failure-count) 3 failures in 1m0s >= count 3; open for Retry-After 10s
	// 503 without calling the backend
	// orders: open -> closed (trip-elapsed) open time elapsed; reset model closes with cleared counts
	// closed
}
