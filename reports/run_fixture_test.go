package reports

import (
	"fmt"
	"testing"
	"time"

	"github.com/apimlab/apimlab/sim"
)

// goldenScenario is the scenario of the golden run: a pool of two
// backends (east 3 : west 1), east failing from 10 s to 20 s, two gateway
// instances, three phases, assertions that pass and two that fail.
const goldenScenario = `name: pool failover (golden)
description: East answers 503 from 10 s to 20 s; its breaker opens on each instance, west carries the pool, east comes back.
config: apim.json
seed: 42
gateway: {instances: 2, breakerModel: halfOpen}
backends:
  orders-east:
    latency: 20ms
    faults:
      - {from: 10s, to: 20s, kind: status, code: 503}
  orders-west:
    latency: 40ms
load:
  - name: orders
    path: /orders/42
    phases:
      - {name: healthy, duration: 10s, rate: 4}
      - {name: east-fails, duration: 15s, rate: 4}
      - {name: recovered, duration: 15s, rate: 4}
expect:
  - breaker: {backend: orders-east, opens: [10s, 12s]}
  - breaker: {backend: orders-west, staysClosed: true}
  - traffic: {backend: orders-east, phase: healthy, share: {expected: true}}
  - clients: {phase: recovered, errorRate: {max: 0}}
  - name: east-fails p99 under 30ms
    latency: {phase: east-fails, p99: 30ms}
  - breaker: {backend: orders-west, opens: [10s, 20s]}
`

const (
	east = "orders-east"
	west = "orders-west"
)

func goldenBackends() []sim.BackendInfo {
	return []sim.BackendInfo{
		{Name: "orders", Kind: "Pool", Members: []sim.MemberInfo{{Backend: east, Priority: 1, Weight: 3}, {Backend: west, Priority: 1, Weight: 1}}},
		{Name: east, Kind: "Single", URL: "https://east.contoso.com/api", Breaker: "3 failures in 10s, trip 5s", Fake: "https auto"},
		{Name: west, Kind: "Single", URL: "https://west.contoso.com/api", Breaker: "3 failures in 10s, trip 5s", Fake: "https auto"},
	}
}

// poolShares is the expected-share function of the golden pool, written
// out by hand: 3:1 while east is in rotation, all to west otherwise.
func poolShares(pool string, open func(string) bool) []float64 {
	if open(east) {
		return []float64{0, 1}
	}
	return []float64{0.75, 0.25}
}

// goldenRun builds the golden result from hand-written records: a request
// every 250 ms alternating between the two instances; each instance sends
// east, east, east, west in turn while east's breaker is closed, only
// west while it is open, and its one trial to east while half-open. East
// answers 503 from 10 s to 20 s; three consecutive failures open its
// breaker for 5 s. The engines are not involved.
func goldenRun(t testing.TB) *sim.Result {
	t.Helper()
	sc, err := sim.Parse("scenarios/golden.yaml", []byte(goldenScenario))
	if err != nil {
		t.Fatal(err)
	}
	rec := sim.NewRecorder(sc, sim.RecorderOptions{
		Run: sim.RunInfo{Engine: "model", Clock: sim.ClockVirtual, BreakerModel: "halfOpen", Speed: 1,
			Start: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Version: "v0.9.0-test"},
		Backends: goldenBackends(),
		Expected: poolShares,
	})
	type inst struct {
		state     string
		fails     int
		window    int
		openUntil time.Duration
		rr        int
	}
	insts := []*inst{{state: sim.StateClosed}, {state: sim.StateClosed}}
	trans := func(at time.Duration, i int, from, to, reason string, c sim.Counts, openFor time.Duration) {
		rec.Transition(sim.Transition{At: sim.Duration(at), Instance: i, Backend: east, From: from, To: to,
			Reason: reason, Counts: c, OpenFor: sim.Duration(openFor)})
		insts[i].state = to
	}
	const step = 250 * time.Millisecond
	for k := range 160 {
		at := time.Duration(k) * step
		i := k % 2
		in := insts[i]
		if in.state == sim.StateOpen && at >= in.openUntil {
			trans(in.openUntil, i, sim.StateOpen, sim.StateHalfOpen, "trip duration over", sim.Counts{}, 0)
		}
		backend := west
		switch in.state {
		case sim.StateHalfOpen:
			backend = east
		case sim.StateClosed:
			if in.rr%4 != 3 {
				backend = east
			}
			in.rr++
		}
		status, latency := 200, 40*time.Millisecond+time.Duration(k%3)*time.Millisecond
		if backend == east {
			latency = 20*time.Millisecond + time.Duration(k%3)*time.Millisecond
			if at >= 10*time.Second && at < 20*time.Second {
				status, latency = 503, 2*time.Millisecond
			}
		}
		phase := 0
		switch {
		case at >= 25*time.Second:
			phase = 2
		case at >= 10*time.Second:
			phase = 1
		}
		rec.Attempt(at, i, backend, status, latency)
		rec.Request(sim.RequestRecord{Stream: 0, Phase: phase, Instance: i, At: at, Latency: latency + time.Millisecond, Status: status, Backend: backend})
		if backend != east {
			continue
		}
		in.window++
		switch {
		case in.state == sim.StateHalfOpen && status >= 500:
			trans(at, i, sim.StateHalfOpen, sim.StateOpen, "trial failed", sim.Counts{Requests: 1, Failures: 1}, 5*time.Second)
			in.openUntil = at + 5*time.Second
		case in.state == sim.StateHalfOpen:
			trans(at, i, sim.StateHalfOpen, sim.StateClosed, "trial succeeded", sim.Counts{Requests: 1}, 0)
			in.fails, in.window = 0, 0
		case status >= 500:
			in.fails++
			if in.fails == 3 {
				trans(at, i, sim.StateClosed, sim.StateOpen, "failure threshold", sim.Counts{Requests: in.window, Failures: 3}, 5*time.Second)
				in.openUntil = at + 5*time.Second
				in.fails, in.window = 0, 0
			}
		}
	}
	rec.Warn("instance 1: 2 requests were cut short at the end of the run")
	return rec.Finish(1234 * time.Millisecond)
}

// dayRun builds a 24-hour result with one-second buckets: a pool of
// three backends under two gateway instances, 3 requests per second, the
// first backend's breaker opening for a minute every 20 minutes on each
// instance, and a fault window per hour.
func dayRun(t testing.TB) *sim.Result {
	t.Helper()
	var faults string
	for h := range 24 {
		faults += fmt.Sprintf("      - {from: %dm, to: %dm, kind: status, code: 503}\n", h*60+10, h*60+11)
	}
	src := `name: a day of traffic
config: apim.json
gateway: {instances: 2}
backends:
  b0:
    faults:
` + faults + `load:
  - path: /day
    phases:
      - {name: night, duration: 8h, rate: 3}
      - {name: day, duration: 12h, rate: 3}
      - {name: evening, duration: 4h, rate: 3}
`
	sc, err := sim.Parse("day.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"b0", "b1", "b2"}
	backends := []sim.BackendInfo{{Name: "pool", Kind: "Pool", Members: []sim.MemberInfo{{Backend: "b0", Priority: 1, Weight: 1}, {Backend: "b1", Priority: 1, Weight: 1}, {Backend: "b2", Priority: 1, Weight: 1}}}}
	for _, n := range names {
		backends = append(backends, sim.BackendInfo{Name: n, Kind: "Single", Breaker: "5 failures in 1m, trip 1m"})
	}
	rec := sim.NewRecorder(sc, sim.RecorderOptions{Run: sim.RunInfo{Engine: "model", Clock: sim.ClockVirtual, BreakerModel: "halfOpen", Speed: 1}, Backends: backends})
	for s := range 24 * 3600 {
		at := time.Duration(s) * time.Second
		phase := 0
		switch {
		case s >= 20*3600:
			phase = 2
		case s >= 8*3600:
			phase = 1
		}
		open := s%1200 >= 600 && s%1200 < 660
		for j := range 3 {
			b := names[(s+j)%3]
			if open && b == "b0" {
				b = "b1"
			}
			i := j % 2
			lat := time.Duration(5+(s*7+j)%40) * time.Millisecond
			rec.Attempt(at+time.Duration(j)*100*time.Millisecond, i, b, 200, lat)
			rec.Request(sim.RequestRecord{Phase: phase, Instance: i, At: at, Latency: lat, Status: 200, Backend: b})
		}
		if s%1200 == 600 || s%1200 == 660 {
			from, to := sim.StateClosed, sim.StateOpen
			if s%1200 == 660 {
				from, to = sim.StateOpen, sim.StateClosed
			}
			for i := range 2 {
				rec.Transition(sim.Transition{At: sim.Duration(at), Instance: i, Backend: "b0", From: from, To: to, Reason: "test"})
			}
		}
	}
	return rec.Finish(time.Second)
}
