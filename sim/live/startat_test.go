package live

import (
	"context"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/sim"
)

// TestWallClockStartAtIsScenarioTimeZero: on the wall clock, scenario time
// 0 is the instant the load starts (--start-at), not the instant the engine
// was built. Before the fix the scaled clock ran from the engine's
// construction, so a shard that waited for --start-at recorded its
// requests (and the buckets every shard's merge joins by time) late by the
// wait times the speed, and fault windows (decided on that clock) had
// already closed when the load began.
func TestWallClockStartAtIsScenarioTimeZero(t *testing.T) {
	src := `name: start-at
config: testdata/service.json
backends:
  primary:
    faults: [{kind: status, code: 500}]
load:
  - path: /things/a
    phases:
      - {name: only, duration: 2s, rate: 10}
`
	sc, err := sim.Parse("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := load.Load(sc.ConfigPaths(), load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// One second of wall time before the load, 10× speed: 10 s of
	// scenario time the engine used to count before its first request.
	res, err := Run(context.Background(), svc, sc, Options{Clock: sim.ClockWall, Speed: 10, StartAt: time.Now().Add(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, s := range res.Clients {
		for _, p := range s.Points {
			n += p.Requests
			// The phase lasts 2 s; allow 8 s (0.8 s of wall time) of
			// lateness on a busy machine, short of the 10 s shift.
			if p.T >= 10 {
				t.Errorf("client bucket %d s holds %d requests: the 2 s phase started late on the scenario clock", p.T, p.Requests)
			}
		}
	}
	if n != 20 {
		t.Errorf("%d requests in the client buckets, want 20", n)
	}
}
