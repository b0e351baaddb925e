package reports

import (
	"fmt"
	"sync"
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
      - {name: east-fails, duration: 10s, rate: 4}
      - {name: recovered, duration: 20s, rate: 4}
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
// every 250 ms alternating between the two instances. Each instance sends
// east, east, east, west in turn (instance 1 starting at the third) while
// east's breaker is closed, only west while it is open, and one trial to
// east when half-open; a failed attempt is retried once on the next member
// in turn. East answers 503 from 10 s to 20 s; its third failure opens the
// breaker for 5 s. From 20 s to 30 s every other request of instance 1
// belongs to a session pinned to west during the failover (session
// affinity), so the recovered phase shows east below its expected share.
// The engines are not involved.
func goldenRun(t testing.TB) *sim.Result {
	t.Helper()
	sc, err := sim.Parse("scenarios/golden.yaml", []byte(goldenScenario))
	if err != nil {
		t.Fatal(err)
	}
	rec := sim.NewRecorder(sc, sim.RecorderOptions{
		Run: sim.RunInfo{Engine: "model", Clock: sim.ClockVirtual, BreakerModel: "halfOpen", TransportErrors: "listed", Speed: 1,
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
	// Instance 1's round robin starts two places further on, as
	// unsynchronised instances do, so the pool gets 3:1 every second.
	insts := []*inst{{state: sim.StateClosed}, {state: sim.StateClosed, rr: 2}}
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
		phase := 0
		switch {
		case at >= 20*time.Second:
			phase = 2
		case at >= 10*time.Second:
			phase = 1
		}
		// One attempt, and one immediate retry when it failed (a retry
		// policy with count 1): the retry takes the next member in turn.
		var status int
		var backend string
		var waited time.Duration
		for attempt := range 2 {
			backend = west
			switch {
			case sticky(k, at) && attempt == 0:
				// Pinned to west, the round robin is not consulted.
			case in.state == sim.StateHalfOpen:
				backend = east
			case in.state == sim.StateClosed:
				if in.rr%4 != 3 {
					backend = east
				}
				in.rr++
			}
			latency := 40*time.Millisecond + time.Duration(k%3)*time.Millisecond
			status = 200
			if backend == east {
				latency = 20*time.Millisecond + time.Duration(k%3)*time.Millisecond
				if at >= 10*time.Second && at < 20*time.Second {
					status, latency = 503, 2*time.Millisecond
				}
			}
			waited += latency
			rec.Attempt(at, i, backend, status, latency)
			if backend == east {
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
			if status < 500 || attempt == 1 {
				break
			}
		}
		rec.Request(sim.RequestRecord{Stream: 0, Phase: phase, Instance: i, At: at, Latency: waited + time.Millisecond, Status: status, Backend: backend})
	}
	rec.Warn("instance 1: 2 requests were cut short at the end of the run")
	return rec.Finish(1234 * time.Millisecond)
}

// sticky reports whether request k (sent at at) belongs to a session that
// failed over to west and stays there: instance 1 (odd k), every other
// request, from 20 s to 30 s.
func sticky(k int, at time.Duration) bool {
	return k%4 == 1 && at >= 20*time.Second && at < 30*time.Second
}

// dayMemo keeps the 24-hour result, which two tests read.
var dayMemo struct {
	once sync.Once
	res  *sim.Result
	err  error
}

// dayRun returns a 24-hour result with one-second buckets: a pool of
// three backends under two gateway instances, every (backend, instance)
// series with an attempt in every second (b0 none while its breaker is
// open, a minute every 20 minutes on each instance), a client series with
// 6 requests a second, and a fault window per hour. Printers only read it.
func dayRun(t testing.TB) *sim.Result {
	t.Helper()
	dayMemo.once.Do(func() { dayMemo.res, dayMemo.err = buildDay() })
	if dayMemo.err != nil {
		t.Fatal(dayMemo.err)
	}
	return dayMemo.res
}

func buildDay() (*sim.Result, error) {
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
		return nil, err
	}
	names := []string{"b0", "b1", "b2"}
	backends := []sim.BackendInfo{{Name: "pool", Kind: "Pool", Members: []sim.MemberInfo{{Backend: "b0", Priority: 1, Weight: 1}, {Backend: "b1", Priority: 1, Weight: 1}, {Backend: "b2", Priority: 1, Weight: 1}}}}
	for _, n := range names {
		backends = append(backends, sim.BackendInfo{Name: n, Kind: "Single", Breaker: "5 failures in 1m, trip 1m"})
	}
	rec := sim.NewRecorder(sc, sim.RecorderOptions{Run: sim.RunInfo{Engine: "model", Clock: sim.ClockVirtual, BreakerModel: "halfOpen", Speed: 1}, Backends: backends})
	const day = 24 * 3600
	open := func(s int) bool { return s%1200 >= 600 && s%1200 < 660 }
	for s := 600; s < day; s += 1200 {
		for i := range 2 {
			rec.Transition(sim.Transition{At: sim.Duration(time.Duration(s) * time.Second), Instance: i, Backend: "b0", From: sim.StateClosed, To: sim.StateOpen, Reason: "test"})
			rec.Transition(sim.Transition{At: sim.Duration(time.Duration(s+60) * time.Second), Instance: i, Backend: "b0", From: sim.StateOpen, To: sim.StateClosed, Reason: "test"})
		}
	}
	// A phase's requests go through the recorder (a few per phase, for
	// its tables); the dense per-second series are written directly:
	// 600,000 recorder calls would take seconds under the race detector.
	for ph := range 3 {
		for j := range 30 {
			rec.Request(sim.RequestRecord{Phase: ph, At: time.Duration(ph) * 8 * time.Hour, Latency: 20 * time.Millisecond, Status: 200, Backend: names[j%3]})
		}
	}
	res := rec.Finish(time.Second)
	lat := func(s, j int) time.Duration { return time.Duration(5+(s*7+j)%40) * time.Millisecond }
	res.Series = nil
	for j, b := range names {
		for i := range 2 {
			pts := make([]sim.Point, 0, day)
			for s := range day {
				if b == "b0" && open(s) {
					continue
				}
				p := sim.Point{T: int64(s), Requests: 1}
				p.Status[sim.Class2xx] = 1
				p.Latency.Record(lat(s, j))
				pts = append(pts, p)
			}
			res.Series = append(res.Series, sim.Series{Backend: b, Instance: i, Points: pts})
		}
	}
	clients := make([]sim.Point, day)
	for s := range clients {
		p := &clients[s]
		p.T, p.Requests = int64(s), 6
		p.Status[sim.Class2xx] = 6
		if s%3600 >= 600 && s%3600 < 660 { // the fault windows
			p.Status[sim.Class2xx], p.Status[sim.Class5xx] = 5, 1
		}
		for j := range 3 {
			p.Latency.RecordN(lat(s, j), 2)
		}
	}
	res.Clients = []sim.Series{{Stream: "load", Instance: -1, Points: clients}}
	return res, nil
}
