package live

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/sim"
)

// runShipped runs a shipped scenario on the virtual clock and fails the
// test when it cannot run or one of its own assertions fails.
func runShipped(t *testing.T, name string) *sim.Result {
	t.Helper()
	return runShippedWith(t, name, Options{})
}

// runShippedWith is runShipped with engine options (a breaker model
// override, say).
func runShippedWith(t *testing.T, name string, opts Options) *sim.Result {
	t.Helper()
	sc, err := sim.Load(filepath.Join("../../fixtures/scenarios", name))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := load.Load(sc.ConfigPaths(), load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := load.Malformed(svc); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), svc, sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Assertions {
		if !a.Passed {
			t.Errorf("assertion %q failed: expected %s, observed %s", a.Name, a.Expected, a.Observed)
		}
	}
	if t.Failed() || testing.Verbose() {
		for _, tr := range res.Transitions {
			t.Logf("%s %s#%d %s -> %s (%s: %s)", tr.At, tr.Backend, tr.Instance, tr.From, tr.To, tr.Reason, tr.Detail)
		}
		for _, p := range res.Phases {
			t.Logf("%s/%s: %d requests, status %v, served %v, p99 %s", p.Stream, p.Name, p.Requests, p.Status, p.Served, p.P99)
		}
		t.Logf("wall %s", res.Run.Wall)
	}
	return res
}

// firstOpen returns when backend's breaker on instance first opened.
func firstOpen(t *testing.T, res *sim.Result, backend string, instance int) time.Duration {
	t.Helper()
	for _, tr := range res.Transitions {
		if tr.Backend == backend && tr.Instance == instance && tr.To == sim.StateOpen {
			return tr.At.D()
		}
	}
	t.Fatalf("%s never opened on instance %d", backend, instance)
	return 0
}

func opens(res *sim.Result, backend string) int {
	n := 0
	for _, tr := range res.Transitions {
		if tr.Backend == backend && tr.To == sim.StateOpen {
			n++
		}
	}
	return n
}

func phase(t *testing.T, res *sim.Result, ref string) *sim.PhaseResult {
	t.Helper()
	p, ok := res.Phase(ref)
	if !ok {
		t.Fatalf("no phase %q", ref)
	}
	return p
}

func within(t *testing.T, what string, got, lo, hi time.Duration) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s = %s, want within [%s, %s]", what, got, lo, hi)
	}
}

// configWeights reads a pool's member weights straight from an ARM
// template with encoding/json, independently of apimlab's loader.
func configWeights(t *testing.T, file, pool string) map[string]float64 {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources []struct {
			Name       string `json:"name"`
			Properties struct {
				Pool struct {
					Services []struct {
						ID     string  `json:"id"`
						Weight float64 `json:"weight"`
					} `json:"services"`
				} `json:"pool"`
			} `json:"properties"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, r := range tpl.Resources {
		if strings.HasSuffix(r.Name, "/"+pool) {
			for _, m := range r.Properties.Pool.Services {
				out[m.ID[strings.LastIndex(m.ID, "/")+1:]] = m.Weight
			}
		}
	}
	return out
}

// The shipped scenarios run in make test. Each passes its own assertions
// and the checks below, whose expectations are derived by hand from the
// scenario and its configuration, not from the engine.

func TestScenarioWeightedSplit(t *testing.T) {
	res := runShipped(t, "weighted-split.yaml")
	w := configWeights(t, "../../fixtures/scenarios/configs/regions.json", "orders-pool")
	east := w["orders-eastus"] / (w["orders-eastus"] + w["orders-westus"]) // 3/(3+1)
	p := phase(t, res, "steady")
	got := float64(p.Served["orders-eastus"]) / float64(p.Requests)
	// Smooth weighted round-robin is exact over every cycle of 4 picks:
	// 3,000 requests are 750 cycles.
	if math.Abs(got-east) > 0.001 {
		t.Errorf("east served %.4f of the requests, want %.4f (weights %v)", got, east, w)
	}
}

func TestScenarioPriorityFailover(t *testing.T) {
	res := runShipped(t, "priority-failover.yaml")
	// From 30 s, requests arrive every 50 ms (20 rps). After 600 healthy
	// requests the weighted round-robin (nginx's smooth algorithm, weights
	// 3:1) starts a new cycle e,e,w,e; every pick is one attempt, and the
	// demo API retries twice on 5xx, re-selecting the pool. Request 1
	// (30.00 s): e (fail 1), e (fail 2), w (200). Request 2 (30.05 s): e
	// (fail 3), e (fail 4), e (fail 5: the count of 5 trips). Each east
	// attempt takes the fake's 5 ms latency, so the trip is at 30.05 s +
	// 3 × 5 ms.
	if got, want := firstOpen(t, res, "orders-eastus", 0), 30050*time.Millisecond+3*5*time.Millisecond; got != want {
		t.Errorf("east opened at %s, want %s", got, want)
	}
	// It stays open for tripDuration (1 minute), until 90.065 s. The
	// default reset model (Learn: "After the configured trip duration, the
	// circuit resets and traffic resumes to the backend") closes it, with
	// no half-open step, when the breaker is next looked at: the first
	// arrival at or after 90.065 s is the one at 90.10 s.
	var after []string
	for _, tr := range res.Transitions {
		if tr.Backend == "orders-eastus" && tr.At.D() > 31*time.Second {
			after = append(after, tr.From+"->"+tr.To+" "+tr.Reason)
			within(t, "reset", tr.At.D(), 90065*time.Millisecond, 90100*time.Millisecond)
		}
	}
	if want := []string{"open->closed trip-elapsed"}; !slices.Equal(after, want) {
		t.Errorf("east's transitions after the trip: %q, want %q", after, want)
	}
	if res.Run.BreakerModel != "reset" {
		t.Errorf("run names breaker model %q, want the default reset", res.Run.BreakerModel)
	}
	// Only request 2 reached a client as an error: its third attempt
	// failed on east before the breaker could shed it.
	if got := phase(t, res, "east-fails").Status["503"]; got != 1 {
		t.Errorf("east-fails: %d client 503s, want 1", got)
	}
}

// TestScenarioPriorityFailoverHalfOpen runs the same scenario with the
// half-open option (--breaker-model halfOpen).
func TestScenarioPriorityFailoverHalfOpen(t *testing.T) {
	halfOpen := breaker.ModelHalfOpen
	res := runShippedWith(t, "priority-failover.yaml", Options{BreakerModel: &halfOpen})
	if res.Run.BreakerModel != "halfOpen" {
		t.Errorf("run names breaker model %q, want halfOpen", res.Run.BreakerModel)
	}
	// Up to the trip, nothing differs: opened at 30.065 s, open until
	// 90.065 s. The arrival at 90.10 s looks at the breaker and finds the
	// open time over: half-open. The trial is the next request the 3:1
	// round-robin gives east; the fault ended at 90 s, so it succeeds after
	// east's 5 ms latency and closes the breaker. East is picked at least
	// once in any 4 consecutive picks, so the trial starts by 90.25 s.
	if got, want := firstOpen(t, res, "orders-eastus", 0), 30065*time.Millisecond; got != want {
		t.Errorf("east opened at %s, want %s", got, want)
	}
	var after []string
	for _, tr := range res.Transitions {
		if tr.Backend != "orders-eastus" || tr.At.D() <= 31*time.Second {
			continue
		}
		after = append(after, tr.From+"->"+tr.To+" "+tr.Reason)
		switch tr.To {
		case sim.StateHalfOpen:
			within(t, "half-open", tr.At.D(), 90065*time.Millisecond, 90100*time.Millisecond)
		case sim.StateClosed:
			within(t, "trial closes", tr.At.D(), 90105*time.Millisecond, 90255*time.Millisecond)
		}
	}
	if want := []string{"open->half-open trip-elapsed", "half-open->closed trial-succeeded"}; !slices.Equal(after, want) {
		t.Errorf("east's transitions after the trip: %q, want %q", after, want)
	}
}

func TestScenarioTwitchyBreaker(t *testing.T) {
	res := runShipped(t, "twitchy-breaker.yaml")
	// inventory-a gets half of 10 rps while closed: 5 rps × 5 % = 0.25
	// failures per second, so 3 failures take 12 s on average; then 10 s
	// open, after which the default reset model closes it with fresh
	// counters (no trial that could re-trip it at once). One cycle ≈ 22 s:
	// about 300/22 ≈ 14 trips in 5 minutes. Allow ±40 % for the randomness
	// of 5 %.
	want := 300.0 / (3/(5*0.05) + 10)
	got := float64(opens(res, "inventory-a"))
	if got < 0.6*want || got > 1.4*want {
		t.Errorf("inventory-a opened %v times, want about %.1f", got, want)
	}
}

func TestScenarioRetryAfter(t *testing.T) {
	res := runShipped(t, "retry-after.yaml")
	// 10 rps, no latency: the 429s arrive at 30.0, 30.1 and 30.2 s; the
	// third reaches the count of 3. Retry-After: 60 keeps it open until
	// 90.2 s, six times the 10 s trip duration.
	if got, want := firstOpen(t, res, "payments", 0), 30200*time.Millisecond; got != want {
		t.Errorf("opened at %s, want %s", got, want)
	}
	var openFor time.Duration
	for _, tr := range res.Transitions {
		if tr.To == sim.StateOpen {
			openFor = tr.OpenFor.D()
		}
	}
	if openFor != time.Minute {
		t.Errorf("open for %s, want the Retry-After, 1m0s", openFor)
	}
	// The requests at 90.0 and 90.1 s are still refused.
	if got := phase(t, res, "after").Status["503"]; got != 2 {
		t.Errorf("after: %d × 503, want 2", got)
	}
}

func TestScenarioMTLSRejected(t *testing.T) {
	res := runShipped(t, "mtls-rejected.yaml")
	// Every handshake fails: requests at 0.0 … 0.4 s are the five failures
	// of the count; the fifth trips the breaker.
	if got, want := firstOpen(t, res, "ledger", 0), 400*time.Millisecond; got != want {
		t.Errorf("opened at %s, want %s", got, want)
	}
	p := phase(t, res, "handshakes-fail")
	if p.Status["500"] != 5 || p.Reasons["BackendConnectionFailure"] != 5 {
		t.Errorf("status %v reasons %v, want 5 × 500 BackendConnectionFailure before the breaker opens", p.Status, p.Reasons)
	}
}

func TestScenarioTLSValidationOff(t *testing.T) {
	res := runShipped(t, "tls-validation-off.yaml")
	relay, strict := phase(t, res, "relay/steady"), phase(t, res, "strict/steady")
	if relay.Status["200"] != 200 {
		t.Errorf("relay: %v, want 200 × 200: validation is off", relay.Status)
	}
	if strict.Status["500"] != 200 || strict.Reasons["BackendConnectionFailure"] != 200 {
		t.Errorf("strict: %v %v, want 200 × 500 BackendConnectionFailure: a self-signed certificate fails validation", strict.Status, strict.Reasons)
	}
}

func TestScenarioBlackFriday(t *testing.T) {
	res := runShipped(t, "black-friday.yaml")
	// The window is 10 s; from 100 s 40 % of the primary's requests fail.
	// The failures in the window reach 30 % of the window's requests after
	// t seconds where 0.4·t/10 = 0.3: t = 7.5 s. Latency shifts successes
	// and failures alike.
	within(t, "primary opens", firstOpen(t, res, "orders-primary", 0), 107300*time.Millisecond, 107900*time.Millisecond)
	// During the peak the overflow region carries the load.
	peak := phase(t, res, "peak")
	if share := float64(peak.Served["orders-overflow"]) / float64(peak.Requests); share < 0.9 {
		t.Errorf("overflow served %.2f of the peak, want most of it", share)
	}
}

func TestScenarioTwoInstances(t *testing.T) {
	res := runShipped(t, "two-instances.yaml")
	// Each unit counts only its own failures: both trip, at different
	// instants (the round-robin front gives them different requests).
	a, b := firstOpen(t, res, "orders-eastus", 0), firstOpen(t, res, "orders-eastus", 1)
	if a == b {
		t.Errorf("both instances opened at %s: breaker state looks shared", a)
	}
	// Each unit sends east 3/4 of 10 rps, half of which fail: 3.75
	// failures per second, so 5 failures take about 1.3 s.
	within(t, "instance 0 opens", a, 30*time.Second, 33*time.Second)
	within(t, "instance 1 opens", b, 30*time.Second, 33*time.Second)
}

func TestScenarioOpenAISpillover(t *testing.T) {
	res := runShipped(t, "openai-spillover.yaml")
	// The first request after 20 s (5 rps: at 20.0 s) gets a 429 after
	// eastus's 200-600 ms latency; count 1 trips on it.
	within(t, "eastus opens", firstOpen(t, res, "aoai-eastus", 0), 20200*time.Millisecond, 20600*time.Millisecond)
	p := phase(t, res, "throttled")
	if p.Status["429"] != 0 || p.Status["200"] != p.Requests {
		t.Errorf("throttled: %v: the retry should spill every 429 over", p.Status)
	}
	// Equal weights at priority 2.
	w, s := p.Served["aoai-westus"], p.Served["aoai-swedencentral"]
	if d := int(w) - int(s); d < -2 || d > 2 {
		t.Errorf("westus %d vs swedencentral %d, want an even split", w, s)
	}
}

func TestScenarioDemo(t *testing.T) {
	res := runShipped(t, "demo-failover.yaml")
	// West is throttled from 40 s with Retry-After: 120; its breaker
	// accepts it, so it stays open 2 minutes instead of its 1-minute trip
	// duration.
	for _, tr := range res.Transitions {
		if tr.Backend == "orders-westus" && tr.To == sim.StateOpen && tr.OpenFor.D() != 2*time.Minute {
			t.Errorf("west open for %s, want 2m0s (Retry-After)", tr.OpenFor)
		}
	}
}
