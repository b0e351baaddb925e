package sim

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func rate(v float64) *float64 { return &v }

func collect(a *Arrivals) []time.Duration {
	var out []time.Duration
	for {
		t, ok := a.Next()
		if !ok {
			return out
		}
		out = append(out, t)
	}
}

func TestArrivalShapes(t *testing.T) {
	tests := []struct {
		name  string
		ph    Phase
		count int
		// checks on the k-th arrival (k from 0): its expected instant,
		// derived by hand from the shape.
		at map[int]time.Duration
	}{
		{"constant 10/s for 2 s", Phase{Duration: Duration(2 * time.Second), Rate: rate(10)}, 20,
			map[int]time.Duration{0: 0, 1: 100 * time.Millisecond, 19: 1900 * time.Millisecond}},
		// Ramp 0 → 20/s over 10 s: Expected(t) = t²; arrival k at √k s.
		{"ramp 0 to 20/s", Phase{Duration: Duration(10 * time.Second), Ramp: &Ramp{From: 0, To: 20}}, 100,
			map[int]time.Duration{1: time.Second, 4: 2 * time.Second, 81: 9 * time.Second}},
		// Steps: 10/s for 1 s, then 20/s: 10 arrivals in the first second,
		// then one every 50 ms.
		{"steps", Phase{Duration: Duration(2 * time.Second), Steps: []*Step{{After: 0, Rate: 10}, {After: Duration(time.Second), Rate: 20}}}, 30,
			map[int]time.Duration{9: 900 * time.Millisecond, 10: time.Second, 11: 1050 * time.Millisecond}},
		// Sine with mean 10/s and period 1 s: whole periods hold 10 each.
		{"sine", Phase{Duration: Duration(3 * time.Second), Sine: &Sine{Mean: 10, Amplitude: 5, Period: Duration(time.Second)}}, 30, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := collect(NewArrivals(&tt.ph, rand.New(rand.NewPCG(1, 1))))
			if len(got) != tt.count || tt.ph.Count() != tt.count {
				t.Fatalf("%d arrivals (Count %d), want %d", len(got), tt.ph.Count(), tt.count)
			}
			for k, want := range tt.at {
				if d := got[k] - want; d < -time.Microsecond || d > time.Microsecond {
					t.Errorf("arrival %d at %v, want %v", k, got[k], want)
				}
			}
			for i := 1; i < len(got); i++ {
				if got[i] < got[i-1] {
					t.Fatalf("arrivals out of order at %d", i)
				}
			}
		})
	}
}

func TestPoissonArrivals(t *testing.T) {
	ph := Phase{Duration: Duration(100 * time.Second), Rate: rate(50), Arrivals: ArrivalsPoisson}
	got := collect(NewArrivals(&ph, rand.New(rand.NewPCG(7, 7))))
	// 5,000 expected; a Poisson count's standard deviation is √5000 ≈ 71.
	if n := float64(len(got)); math.Abs(n-5000) > 4*math.Sqrt(5000) {
		t.Errorf("%v arrivals, want 5000 ± 283", n)
	}
	again := collect(NewArrivals(&ph, rand.New(rand.NewPCG(7, 7))))
	if len(again) != len(got) || again[len(again)-1] != got[len(got)-1] {
		t.Error("the same seed gave other arrivals")
	}
}

// TestShardsInterleave: N shards of a phase send exactly the whole
// phase's arrivals between them, each one once.
func TestShardsInterleave(t *testing.T) {
	for _, ph := range []Phase{
		{Duration: Duration(10 * time.Second), Rate: rate(60)},
		{Duration: Duration(10 * time.Second), Rate: rate(33), Arrivals: ArrivalsPoisson},
	} {
		whole := collect(NewArrivals(&ph, rand.New(rand.NewPCG(3, 3))))
		const n = 3
		seen := map[time.Duration]int{}
		total := 0
		for i := range n {
			part := collect(NewArrivals(&ph, rand.New(rand.NewPCG(3, 3))).Shard(i, n))
			total += len(part)
			for k, at := range part {
				if want := whole[k*n+i]; at != want {
					t.Fatalf("shard %d arrival %d at %v, want the whole's arrival %d at %v", i, k, at, k*n+i, want)
				}
				seen[at]++
			}
		}
		if total != len(whole) {
			t.Errorf("shards sent %d arrivals, the whole phase %d", total, len(whole))
		}
	}
}
