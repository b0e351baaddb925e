package backends_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/backends"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/clock"
)

// A socket-free engine's loop: acquire a backend through the pool, "call"
// it, record the outcome. The east member fails once, which trips its
// breaker (count 1), and traffic fails over to west.
func ExampleBackend_Acquire() {
	set := func(v int) apim.Field[int] { return apim.Field[int]{Value: v, Set: true} }
	str := func(v string) apim.Field[string] { return apim.Field[string]{Value: v, Set: true} }
	rule := &apim.BreakerRule{
		FailureCondition: &apim.FailureCondition{
			Count:            set(1),
			Interval:         apim.Duration{Field: str("PT1M"), D: time.Minute},
			StatusCodeRanges: []apim.StatusRange{{Min: set(500), Max: set(599)}},
		},
		TripDuration: apim.Duration{Field: str("PT1M"), D: time.Minute},
	}
	svc := &apim.Service{Backends: []*apim.Backend{
		{Name: "east", CircuitBreaker: &apim.CircuitBreaker{Rules: []*apim.BreakerRule{rule}}},
		{Name: "west"},
		{Name: "pool", Type: apim.Field[apim.BackendType]{Value: apim.Pool, Set: true}, PoolConfig: &apim.PoolConfig{Services: []*apim.PoolMember{
			{Name: "east", Priority: set(1)}, {Name: "west", Priority: set(2)},
		}}},
	}}
	clk := clock.NewVirtual(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	s, problems := backends.New(svc, backends.Options{Clock: clk})
	if len(problems) > 0 {
		fmt.Println(problems)
		return
	}
	pool := s.Lookup("pool")
	for _, status := range []int{500, 200, 200} {
		lease, err := pool.Acquire("")
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(lease.Backend().Name(), status)
		lease.Done(breaker.Outcome{StatusCode: status})
	}
	clk.Advance(time.Minute) // east's trip duration passes: its breaker resets
	lease, err := pool.Acquire("")
	fmt.Println(lease.Backend().Name(), errors.Is(err, backends.ErrNoMember))
	lease.Done(breaker.Outcome{StatusCode: 200})
	// Output:
	// east 500
	// west 200
	// west 200
	// east false
}
