package live

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/certs"
)

func loadService(t *testing.T) *apim.Service {
	t.Helper()
	svc, err := load.Load([]string{filepath.Join("testdata", "service.json")}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

var testStart = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// failoverScenario: primary (HTTPS, breaker 2 failures in 10s, open 30s)
// fails, standby (priority 2, HTTP on port 8080) takes over, primary
// comes back after the trip duration.
func failoverScenario() *Scenario {
	return &Scenario{
		Name: "failover",
		Path: "/things/1",
		Phases: []Phase{
			{Name: "ok", Requests: 4, Step: time.Second},
			{Name: "primary-down", Requests: 4, Step: time.Second, Faults: map[string]Fault{"Primary": Status{Code: 502}}},
			{Name: "back", Advance: 30 * time.Second, Requests: 3, Step: time.Second},
		},
	}
}

func transitions(events []Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Backend+" "+e.From+"→"+e.To+" "+e.Reason)
	}
	return out
}

func TestRunFailover(t *testing.T) {
	tests := []struct {
		model     breaker.Model
		wantBack  []string
		wantModel string
	}{
		{breaker.ModelHalfOpen, []string{"primary open→half-open trip-elapsed", "primary half-open→closed trial-succeeded"}, "halfOpen"},
		{breaker.ModelReset, []string{"primary open→closed trip-elapsed"}, "reset"},
	}
	for _, tt := range tests {
		t.Run(tt.wantModel, func(t *testing.T) {
			res, err := Run(context.Background(), loadService(t), failoverScenario(), Options{Start: testStart, BreakerModel: tt.model, Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if res.Model != tt.wantModel {
				t.Errorf("Model = %q, want %q", res.Model, tt.wantModel)
			}
			ok, down, back := res.Phase("ok"), res.Phase("primary-down"), res.Phase("back")
			if ok == nil || down == nil || back == nil {
				t.Fatalf("phases = %+v", res.Phases)
			}
			if got, want := ok.Served["primary"], 4; got != want {
				t.Errorf("ok: primary served %d, want %d (served %v, errors %v)", got, want, ok.Served, ok.Errors)
			}
			// Two 502s trip the breaker (count 2); the rest goes to standby.
			if got, want := down.Status, map[int]int{502: 2, 200: 2}; !maps.Equal(got, want) {
				t.Errorf("primary-down: status %v, want %v", got, want)
			}
			if got, want := down.Served["standby"], 2; got != want {
				t.Errorf("primary-down: standby served %d, want %d", got, want)
			}
			if got, want := down.Attempts["primary"], 2; got != want {
				t.Errorf("primary-down: primary got %d attempts, want %d (an open breaker must not call it)", got, want)
			}
			if got, want := down.Breakers["primary"], "open"; got != want {
				t.Errorf("primary-down: breaker %q, want %q", got, want)
			}
			if got, want := transitions(down.Events), []string{"primary closed→open failure-count"}; !slices.Equal(got, want) {
				t.Errorf("primary-down: transitions %v, want %v", got, want)
			}
			e := down.Events[0]
			if e.Counts.Failures != 2 || !e.OpenUntil.Equal(e.Time.Add(30*time.Second)) {
				t.Errorf("trip event = %+v, want 2 failures and open for 30s", e)
			}
			// Requests are 1s apart: the trip is the 2nd request of the
			// phase, 5s after the start.
			if got, want := e.Time, testStart.Add(5*time.Second); !got.Equal(want) {
				t.Errorf("trip at %v, want %v", got, want)
			}
			if got, want := back.Served["primary"], 3; got != want {
				t.Errorf("back: primary served %d, want %d", got, want)
			}
			if got := transitions(back.Events); !slices.Equal(got, tt.wantBack) {
				t.Errorf("back: transitions %v, want %v", got, tt.wantBack)
			}
			var text strings.Builder
			if err := res.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"primary-down", "502×2", "primary  closed → open", "open until +35s"} {
				if !strings.Contains(text.String(), want) {
					t.Errorf("text lacks %q:\n%s", want, text.String())
				}
			}
		})
	}
}

func TestRunTLSValidationIsOn(t *testing.T) {
	// The HTTPS fake presents a self-signed certificate: the gateway must
	// refuse it (502), count it as a failure and never reach the fake's
	// handler.
	sc := &Scenario{Path: "/things/1", Phases: []Phase{{Name: "p", Requests: 1}}}
	res, err := Run(context.Background(), loadService(t), sc, Options{
		Start: testStart, Dir: t.TempDir(),
		serverCert: func(p *certs.PKI) *certs.Issued { return p.ServerSelfSigned },
	})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Phases[0]
	if got, want := p.Status, map[int]int{502: 1}; !maps.Equal(got, want) {
		t.Errorf("status %v, want %v", got, want)
	}
	if got := p.Attempts["primary"]; got != 0 {
		t.Errorf("the fake served %d requests over an untrusted certificate", got)
	}
}

func TestRunNeverLeavesLoopback(t *testing.T) {
	// The "elsewhere" API sends to a host no backend uses: the dialer
	// refuses it, so the client sees the gateway's 502.
	sc := &Scenario{Path: "/elsewhere/x", Phases: []Phase{{Name: "p", Requests: 2}}}
	res, err := Run(context.Background(), loadService(t), sc, Options{Start: testStart, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Phases[0]
	if got, want := p.Status, map[int]int{502: 2}; !maps.Equal(got, want) {
		t.Errorf("status %v, want %v", got, want)
	}
	for name, n := range p.Attempts {
		if n != 0 {
			t.Errorf("fake %s got %d requests", name, n)
		}
	}
}

func TestRunValidates(t *testing.T) {
	good := func() *Scenario { return &Scenario{Path: "/things", Phases: []Phase{{Name: "p", Requests: 1}}} }
	tests := []struct {
		name   string
		edit   func(*Scenario, *Options)
		wantIn string
	}{
		{"no phases", func(s *Scenario, _ *Options) { s.Phases = nil }, "no phases"},
		{"relative path", func(s *Scenario, _ *Options) { s.Path = "things" }, "must start with /"},
		{"zero requests", func(s *Scenario, _ *Options) { s.Phases[0].Requests = 0 }, "requests must be in 1.."},
		{"too many requests", func(s *Scenario, _ *Options) { s.Phases[0].Requests = MaxRequests + 1 }, "requests must be in 1.."},
		{"negative step", func(s *Scenario, _ *Options) { s.Phases[0].Step = -time.Second }, "must not be negative"},
		{"fault on a pool", func(s *Scenario, _ *Options) { s.Phases[0].Faults = map[string]Fault{"pair": Status{Code: 500}} }, `fault on "pair"`},
		{"fault on an unknown backend", func(s *Scenario, _ *Options) { s.Phases[0].Faults = map[string]Fault{"nope": Status{Code: 500}} }, `fault on "nope"`},
		{"bad fault", func(s *Scenario, _ *Options) { s.Phases[0].Faults = map[string]Fault{"primary": Status{Code: 42}} }, "not in 100..599"},
		{"concurrency", func(_ *Scenario, o *Options) { o.Concurrency = MaxConcurrency + 1 }, "concurrency"},
	}
	svc := loadService(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, opts := good(), Options{Dir: t.TempDir()}
			tt.edit(sc, &opts)
			_, err := Run(context.Background(), svc, sc, opts)
			if !errors.Is(err, ErrScenario) || !strings.Contains(err.Error(), tt.wantIn) {
				t.Fatalf("Run = %v, want ErrScenario mentioning %q", err, tt.wantIn)
			}
		})
	}
}

func TestRunCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, loadService(t), failoverScenario(), Options{Start: testStart, Dir: t.TempDir()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
}
