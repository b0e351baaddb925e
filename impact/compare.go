package impact

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/sim"
)

// ReportVersion is the version of the Report JSON format.
const ReportVersion = 1

// Report is the impact of a change.
type Report struct {
	Version int    `json:"version"`
	Base    string `json:"base"`
	Head    string `json:"head"`
	// Engine ran the scenarios ("model" or "live").
	Engine string `json:"engine,omitempty"`
	// Introduced and Fixed are the lint delta.
	Introduced []lint.Finding `json:"introduced"`
	Fixed      []lint.Finding `json:"fixed"`
	// Changes is the model delta.
	Changes []Change `json:"changes"`
	// Scenarios is the behaviour delta, one per scenario.
	Scenarios []*ScenarioDelta `json:"scenarios"`
	// Failed and Reasons are the verdict.
	Failed  bool     `json:"failed"`
	Reasons []string `json:"reasons,omitempty"`
}

// ScenarioDelta compares one scenario's runs on base and head.
type ScenarioDelta struct {
	Name string `json:"name"`
	File string `json:"file,omitempty"`
	// BreakerModel is the recovery model both runs used ("reset" or
	// "halfOpen"), so the report names it.
	BreakerModel string `json:"breakerModel,omitempty"`
	// TransportErrors is when both runs counted connection and TLS
	// failures toward the breakers ("always" or "listed").
	TransportErrors string          `json:"transportErrors,omitempty"`
	Breakers        []BreakerDelta  `json:"breakers"`
	Phases          []PhaseDelta    `json:"phases"`
	Shares          []ShareDelta    `json:"shares"`
	Flips           []AssertionFlip `json:"flips"`
	// Assertions counts passed assertions on each side.
	Passed [2]int `json:"passed"`
	Total  int    `json:"total"`
	// Base and Head are the two results (for the HTML report's
	// timelines); not part of the JSON.
	Base *sim.Result `json:"-"`
	Head *sim.Result `json:"-"`
}

// BreakerDelta compares one backend's breaker on both sides (all
// instances together). Index 0 is base, 1 is head.
type BreakerDelta struct {
	Backend string `json:"backend"`
	// Trips counts openings.
	Trips [2]int `json:"trips"`
	// Open is the total time open (summed over instances).
	Open [2]sim.Duration `json:"open"`
	// Failover is the time from the backend's first failing fault (an
	// error status, timeout, reset, refusal, TLS failure or truncation;
	// the first fault of any kind when none fails) to its breaker's first
	// opening at or after it; -1 when it never opened (or has no fault).
	Failover [2]sim.Duration `json:"failover"`
	// Recovery is the time from that fault's end to the breaker being
	// closed on every instance: 0 when it opened during the fault and was
	// already closed when the fault ended; -1 when it never opened or did
	// not close after the fault.
	Recovery [2]sim.Duration `json:"recovery"`
}

// PhaseDelta compares what clients saw in one phase.
type PhaseDelta struct {
	Phase     string          `json:"phase"`
	ErrorRate [2]float64      `json:"errorRate"`
	P99       [2]sim.Duration `json:"p99"`
}

// ShareDelta compares a pool member's share of a phase.
type ShareDelta struct {
	Phase   string     `json:"phase"`
	Backend string     `json:"backend"`
	Share   [2]float64 `json:"share"`
}

// AssertionFlip is an assertion whose outcome differs.
type AssertionFlip struct {
	Name     string    `json:"name"`
	Passed   [2]bool   `json:"passed"`
	Observed [2]string `json:"observed"`
}

// Engine runs a scenario against a configuration (model.Run, live.Run).
type Engine func(ctx context.Context, svc *apim.Service, sc *sim.Scenario) (*sim.Result, error)

// LintFunc lints a side (lint.Run with the catalogue and configuration).
type LintFunc func(*Side) *lint.Result

// DeltaFunc matches the findings of two lint results: what head
// introduces and what it fixes (reports.LintDelta).
type DeltaFunc func(base *lint.Result, baseRoot string, head *lint.Result, headRoot string) (introduced, fixed []lint.Finding)

// Options configure Compare.
type Options struct {
	// Lint and Delta produce the lint delta; nil skips it.
	Lint  LintFunc
	Delta DeltaFunc
	// Engine runs the scenarios; EngineName names it in the report.
	Engine     Engine
	EngineName string
	// FailoverSlower, when > 0, fails the verdict when head fails over
	// more than this much later than base.
	FailoverSlower time.Duration
	// ErrorRateIncrease, when > 0, fails the verdict when a phase's client
	// error rate grows by more than this (0.01 = one point).
	ErrorRateIncrease float64
}

// Compare computes the impact of head against base for the scenarios.
func Compare(ctx context.Context, base, head *Side, scenarios []*sim.Scenario, o Options) (*Report, error) {
	r := &Report{Version: ReportVersion, Base: base.Spec, Head: head.Spec, Engine: o.EngineName}
	if o.Lint != nil && o.Delta != nil {
		// Compare files relative to each side's root, then show them as
		// the user knows them.
		bl, hl := relative(o.Lint(base), base), relative(o.Lint(head), head)
		r.Introduced, r.Fixed = o.Delta(bl, "", hl, "")
		for i := range r.Introduced {
			r.Introduced[i].Pos.File = path.Join(head.shown, r.Introduced[i].Pos.File)
		}
		for i := range r.Fixed {
			r.Fixed[i].Pos.File = path.Join(base.shown, r.Fixed[i].Pos.File)
		}
	}
	r.Changes = ModelDelta(base.Service, head.Service)
	for _, sc := range scenarios {
		if o.Engine == nil {
			break
		}
		// The same scenario, seed and engine on both sides.
		bres, err := o.Engine(ctx, base.Service, sc)
		if err != nil {
			return nil, fmt.Errorf("scenario %q on base: %w", sc.Name, err)
		}
		hres, err := o.Engine(ctx, head.Service, sc)
		if err != nil {
			return nil, fmt.Errorf("scenario %q on head: %w", sc.Name, err)
		}
		r.Scenarios = append(r.Scenarios, Behaviour(sc, bres, hres))
	}
	r.verdict(o)
	return r, nil
}

// relative returns a copy of res whose findings name files relative to
// the side's root.
func relative(res *lint.Result, s *Side) *lint.Result {
	out := *res
	out.Findings = slices.Clone(res.Findings)
	for i := range out.Findings {
		f := &out.Findings[i]
		f.Pos.File = s.Rel(f.Pos.File)
		if f.Subject.Kind == "file" {
			f.Subject.Name = s.Rel(f.Subject.Name)
		}
	}
	return &out
}

// verdict sets Failed and Reasons.
func (r *Report) verdict(o Options) {
	for _, f := range r.Introduced {
		if f.Severity == lint.Error {
			r.Reasons = append(r.Reasons, fmt.Sprintf("new error %s at %s: %s", f.Rule, f.Pos, f.Message))
		}
	}
	for _, s := range r.Scenarios {
		for _, fl := range s.Flips {
			if fl.Passed[0] && !fl.Passed[1] {
				r.Reasons = append(r.Reasons, fmt.Sprintf("%s: %q now fails (%s)", s.Name, fl.Name, fl.Observed[1]))
			}
		}
		for _, b := range s.Breakers {
			if o.FailoverSlower > 0 && b.Failover[0] >= 0 && b.Failover[1] > b.Failover[0]+sim.Duration(o.FailoverSlower) {
				r.Reasons = append(r.Reasons, fmt.Sprintf("%s: %s fails over %s later (%s → %s), more than %s",
					s.Name, b.Backend, b.Failover[1]-b.Failover[0], b.Failover[0], b.Failover[1], o.FailoverSlower))
			}
			if o.FailoverSlower > 0 && b.Failover[0] >= 0 && b.Failover[1] < 0 {
				r.Reasons = append(r.Reasons, fmt.Sprintf("%s: %s no longer fails over (it did after %s)", s.Name, b.Backend, b.Failover[0]))
			}
		}
		for _, p := range s.Phases {
			if o.ErrorRateIncrease > 0 && p.ErrorRate[1]-p.ErrorRate[0] > o.ErrorRateIncrease {
				r.Reasons = append(r.Reasons, fmt.Sprintf("%s: phase %s client error rate %.1f%% → %.1f%%", s.Name, p.Phase, 100*p.ErrorRate[0], 100*p.ErrorRate[1]))
			}
		}
	}
	r.Failed = len(r.Reasons) > 0
}

// Behaviour compares two results of the same scenario.
func Behaviour(sc *sim.Scenario, base, head *sim.Result) *ScenarioDelta {
	d := &ScenarioDelta{Name: sc.Name, File: sc.File, BreakerModel: base.Run.BreakerModel, TransportErrors: base.Run.Transport(), Base: base, Head: head, Total: len(sc.Expect)}
	res := [2]*sim.Result{base, head}
	// Breakers: every backend with a transition or a fault on either side.
	names := map[string]bool{}
	for _, r := range res {
		for _, t := range r.Transitions {
			names[t.Backend] = true
		}
	}
	for name := range sc.Backends {
		if len(sc.Backends[name].Faults) > 0 {
			names[name] = true
		}
	}
	for _, name := range sortedKeys(names) {
		bd := BreakerDelta{Backend: name}
		from, to, hasFault := firstFault(sc, name)
		for i, r := range res {
			bd.Trips[i], bd.Open[i] = openStats(r, name)
			bd.Failover[i], bd.Recovery[i] = -1, -1
			if hasFault {
				if t, ok := firstTransition(r, name, sim.StateOpen, from); ok {
					bd.Failover[i] = t - from
					bd.Recovery[i] = recovery(r, name, to)
				}
			}
		}
		if bd.Trips != [2]int{} || bd.Failover != [2]sim.Duration{-1, -1} {
			d.Breakers = append(d.Breakers, bd)
		}
	}
	// Phases and shares, by phase reference.
	for i := range base.Phases {
		bp := &base.Phases[i]
		ref := bp.Stream + "/" + bp.Name
		hp, ok := head.Phase(ref)
		if !ok {
			continue
		}
		label := bp.Name
		if len(sc.Load) > 1 {
			label = ref
		}
		d.Phases = append(d.Phases, PhaseDelta{Phase: label, ErrorRate: [2]float64{bp.ErrorRate, hp.ErrorRate}, P99: [2]sim.Duration{bp.P99, hp.P99}})
		for _, bs := range bp.Shares {
			for _, hs := range hp.Shares {
				if hs.Pool == bs.Pool && hs.Backend == bs.Backend && (bs.Served > 0 || hs.Served > 0) {
					d.Shares = append(d.Shares, ShareDelta{Phase: label, Backend: bs.Backend, Share: [2]float64{bs.Observed, hs.Observed}})
				}
			}
		}
	}
	// Assertions, by position in the scenario.
	for i := range min(len(base.Assertions), len(head.Assertions)) {
		ba, ha := base.Assertions[i], head.Assertions[i]
		if ba.Passed {
			d.Passed[0]++
		}
		if ha.Passed {
			d.Passed[1]++
		}
		if ba.Passed != ha.Passed {
			d.Flips = append(d.Flips, AssertionFlip{Name: ha.Name, Passed: [2]bool{ba.Passed, ha.Passed}, Observed: [2]string{ba.Observed, ha.Observed}})
		}
	}
	return d
}

// firstFault returns the window of the backend's earliest fault.
func firstFault(sc *sim.Scenario, backend string) (from, to sim.Duration, ok bool) {
	// The first failing fault; the first of any kind when none fails
	// (a latency fault may still trip a breaker through timeouts).
	for _, failing := range []bool{true, false} {
		for name, spec := range sc.Backends {
			if !strings.EqualFold(name, backend) || spec == nil {
				continue
			}
			for _, f := range spec.Faults {
				if failing && !f.Fails() {
					continue
				}
				end := f.To
				if end == 0 {
					end = sim.Duration(sc.Length())
				}
				if !ok || f.From < from {
					from, to, ok = f.From, end, true
				}
			}
		}
		if ok {
			return from, to, ok
		}
	}
	return from, to, ok
}

// recovery is the time from to (a fault's end) until backend's breaker is
// closed on every instance: 0 when it already is at to, -1 when some
// instance never closes after it.
func recovery(r *sim.Result, backend string, to sim.Duration) sim.Duration {
	state := map[int]string{} // per instance, the state at the instant considered
	done := to
	for _, t := range r.Transitions {
		if !strings.EqualFold(t.Backend, backend) {
			continue
		}
		if t.At > to && allClosed(state) {
			break
		}
		state[t.Instance] = t.To
		done = max(t.At, to)
	}
	if !allClosed(state) {
		return -1
	}
	return done - to
}

func allClosed(state map[int]string) bool {
	for _, s := range state {
		if s != sim.StateClosed {
			return false
		}
	}
	return true
}

// firstTransition returns the first transition of backend to state at or
// after at (any instance).
func firstTransition(r *sim.Result, backend, state string, at sim.Duration) (sim.Duration, bool) {
	for _, t := range r.Transitions {
		if strings.EqualFold(t.Backend, backend) && t.To == state && t.At >= at {
			return t.At, true
		}
	}
	return 0, false
}

// openStats counts a backend's openings and sums its time open, per
// instance, up to the scenario's end.
func openStats(r *sim.Result, backend string) (trips int, open sim.Duration) {
	since := map[int]sim.Duration{}
	for _, t := range r.Transitions {
		if !strings.EqualFold(t.Backend, backend) {
			continue
		}
		if s, ok := since[t.Instance]; ok && t.From == sim.StateOpen {
			open += t.At - s
			delete(since, t.Instance)
		}
		if t.To == sim.StateOpen {
			trips++
			since[t.Instance] = t.At
		}
	}
	for _, s := range since {
		open += r.Run.Length - s
	}
	return trips, open
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
