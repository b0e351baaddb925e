package live

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/sim"
)

// runFault runs 10 s at rate requests per second against
// testdata/faults.json (one HTTPS backend, forward-request timeout 5 s, no
// breaker, no retry) with one fault active for the whole run. Faults that
// break connections cost a TLS handshake per request: they run at a lower
// rate.
func runFault(t *testing.T, rate int, backend string) *sim.PhaseResult {
	t.Helper()
	src := fmt.Sprintf(`name: fault
config: testdata/faults.json
seed: 21
backends:
  api:
%s
load:
  - path: /things/x
    phases:
      - {name: p, duration: 10s, rate: %d}
`, backend, rate)
	sc, err := sim.Parse("fault.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := load.Load(sc.ConfigPaths(), load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), svc, sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := &res.Phases[0]
	if want := uint64(10 * rate); p.Requests != want {
		t.Fatalf("sent %d requests, want %d", p.Requests, want)
	}
	return p
}

// TestFaultsFromTheClientSide checks what each fault kind looks like to a
// client of the gateway.
func TestFaultsFromTheClientSide(t *testing.T) {
	t.Run("status at 30%", func(t *testing.T) {
		p := runFault(t, 100, "    faults: [{kind: status, code: 500, rate: 0.3}]")
		// Binomial(1000, 0.3): three standard deviations are 4.3 points.
		share := float64(p.Status["500"]) / 1000
		if math.Abs(share-0.3) > 3*math.Sqrt(0.3*0.7/1000) {
			t.Errorf("500s are %.3f of the requests, want 0.30 ± 0.043", share)
		}
		if p.Status["500"]+p.Status["200"] != 1000 {
			t.Errorf("status = %v, want only 200 and 500", p.Status)
		}
	})
	t.Run("refuse", func(t *testing.T) {
		p := runFault(t, 20, "    faults: [{kind: refuse}]")
		if p.Status["500"] != 200 || p.Reasons["BackendConnectionFailure"] != 200 {
			t.Errorf("status %v reasons %v, want 200 × 500 BackendConnectionFailure", p.Status, p.Reasons)
		}
	})
	t.Run("tls-fail", func(t *testing.T) {
		p := runFault(t, 20, "    faults: [{kind: tls-fail}]")
		if p.Status["500"] != 200 || p.Reasons["BackendConnectionFailure"] != 200 {
			t.Errorf("status %v reasons %v, want 200 × 500 BackendConnectionFailure", p.Status, p.Reasons)
		}
	})
	t.Run("reset", func(t *testing.T) {
		p := runFault(t, 20, "    faults: [{kind: reset}]")
		if p.Status["500"] != 200 || p.Reasons["BackendConnectionFailure"] != 200 {
			t.Errorf("status %v reasons %v, want 200 × 500 BackendConnectionFailure", p.Status, p.Reasons)
		}
	})
	t.Run("timeout is the forward-request timeout", func(t *testing.T) {
		p := runFault(t, 20, "    faults: [{kind: timeout}]")
		if p.Status["504"] != 200 || p.Reasons["Timeout"] != 200 {
			t.Errorf("status %v reasons %v, want 200 × 504 Timeout", p.Status, p.Reasons)
		}
		// forward-request timeout="5": every client waited exactly 5 s of
		// scenario time (the histogram's bucket holding 5 s is at most
		// 3.2 % wide).
		if p.P50.D() < 4900*time.Millisecond || p.Max.D() != 5*time.Second {
			t.Errorf("latency p50 %s max %s, want 5s", p.P50, p.Max)
		}
	})
	t.Run("latency", func(t *testing.T) {
		p := runFault(t, 100, "    faults: [{kind: latency, add: 200ms}]")
		if p.Status["200"] != 1000 || p.Max.D() != 200*time.Millisecond || p.Latency.Min() != 200*time.Millisecond {
			t.Errorf("status %v, latency min %s max %s, want 1000 × 200 in exactly 200ms", p.Status, p.Latency.Min(), p.Max)
		}
	})
	t.Run("slow-body", func(t *testing.T) {
		// 100 bytes at 100 B/s in 10-byte chunks every 100 ms: 9 waits.
		p := runFault(t, 100, "    bodySize: 100\n    faults: [{kind: slow-body, bytesPerSecond: 100}]")
		if p.Status["200"] != 1000 || p.Latency.Min() != 900*time.Millisecond {
			t.Errorf("status %v, latency min %s max %s, want 1000 × 200 in 900ms", p.Status, p.Latency.Min(), p.Max)
		}
	})
	t.Run("truncate", func(t *testing.T) {
		p := runFault(t, 20, "    bodySize: 1000\n    faults: [{kind: truncate}]")
		if p.Status["200"] != 0 {
			t.Errorf("status %v: a truncated body reached a client as a complete 200", p.Status)
		}
		// One error kind for one failure (the request URL, with its id,
		// used to make each its own), and no wall-clock latency: on the
		// virtual clock the truncated answer takes no scenario time.
		var kinds []string
		for k := range p.Errors {
			kinds = append(kinds, k)
		}
		if p.Status["0"] != 200 || len(p.Errors) != 1 || p.Errors[kinds[0]] != 200 || strings.Contains(kinds[0], "127.0.0.1") {
			t.Errorf("status %v errors %v, want 200 requests with one error kind", p.Status, p.Errors)
		}
		if p.Max != 0 {
			t.Errorf("max latency %s, want 0 on the virtual clock", p.Max)
		}
	})
}

// TestSlowBodyPaceAndClientTimeout: a slow body below 10 bytes per second
// is paced at its rate (one byte per second took 100 ms a byte), and on the
// virtual clock a client gives up after ClientTimeout of scenario time
// instead of waiting, timer after timer, for a body that takes minutes.
func TestSlowBodyPaceAndClientTimeout(t *testing.T) {
	t.Run("1 byte per second", func(t *testing.T) {
		// 27 bytes: 26 pauses of 1 s after the first byte.
		p := runFault(t, 1, "    bodySize: 27\n    faults: [{kind: slow-body, bytesPerSecond: 1}]")
		// Only the slowest answer is checked: a slow body can lose a
		// request to the 5 s forward-request timeout (see the report on
		// the driver's blocked-request detection).
		if p.Status["200"] == 0 || p.Max.D() < 26*time.Second || p.Max.D() > ClientTimeout {
			t.Errorf("status %v max %s, want 200s taking 26 s", p.Status, p.Max)
		}
	})
	t.Run("client timeout", func(t *testing.T) {
		// testdata/service.json keeps the default forward-request timeout
		// (300 s): 5,000 bytes at 100 B/s take 50 s, and every client
		// gives up at 30 s.
		src := `name: slow
config: testdata/service.json
backends:
  primary: {bodySize: 5000, faults: [{kind: slow-body}]}
load:
  - path: /things/a
    phases:
      - {name: p, duration: 5s, rate: 2}
`
		sc, err := sim.Parse("slow.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		svc, err := load.Load(sc.ConfigPaths(), load.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), svc, sc, Options{})
		if err != nil {
			t.Fatal(err)
		}
		p := res.Phases[0]
		if p.Status["0"] != 10 || p.Errors[errClientTimeout] != 10 || p.ErrorRate != 1 {
			t.Errorf("status %v errors %v error rate %v, want 10 client timeouts", p.Status, p.Errors, p.ErrorRate)
		}
		if p.Max.D() != ClientTimeout {
			t.Errorf("max latency %s, want the client timeout %s", p.Max, ClientTimeout)
		}
	})
}
