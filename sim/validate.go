package sim

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Limits that keep a scenario bounded.
const (
	// MaxInstances is the most gateway instances a scenario may run.
	MaxInstances = 16
	// MaxRate is the highest rate a phase may request, per second.
	MaxRate = 1_000_000
	// MaxDuration is the longest scenario (the model engine simulates days).
	MaxDuration = 31 * 24 * time.Hour
)

// problems collects positioned validation errors.
type problems struct {
	s    *Scenario
	errs []error
}

func (p *problems) add(path, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", p.s.At(path), fmt.Sprintf(format, args...)))
}

func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w:\n%w", ErrScenario, errors.Join(p.errs...))
}

// validate checks everything that does not need the configuration.
func (s *Scenario) validate() error {
	p := &problems{s: s}
	if strings.TrimSpace(s.Name) == "" {
		p.add("$", "name is required")
	}
	if len(s.Config) == 0 {
		p.add("$", "config is required: the APIM configuration files or folders, relative to the scenario")
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	g := s.Gateway
	if g.Instances < 0 || g.Instances > MaxInstances {
		p.add("$.gateway.instances", "instances must be in 1..%d (got %d)", MaxInstances, g.Instances)
	}
	if g.BreakerModel != "" && g.BreakerModel != "reset" && g.BreakerModel != "halfOpen" {
		p.add("$.gateway.breakerModel", "breakerModel %q: valid values are reset (the default) and halfOpen", g.BreakerModel)
	}
	if g.TransportErrors != "" && g.TransportErrors != "always" && g.TransportErrors != "listed" {
		p.add("$.gateway.transportErrors", "transportErrors %q: valid values are always (the default) and listed", g.TransportErrors)
	}
	if g.MinRequests < 0 {
		p.add("$.gateway.minRequests", "minRequests must be >= 0")
	}
	if len(s.Load) == 0 {
		p.add("$", "load is required: at least one stream with phases")
	}
	for i, st := range s.Load {
		s.validateStream(p, i, st)
	}
	end := s.Length()
	names := slices.Sorted(maps.Keys(s.Backends))
	for _, name := range names {
		s.validateBackend(p, name, s.Backends[name], end)
	}
	for i, e := range s.Expect {
		s.validateExpect(p, fmt.Sprintf("$.expect[%d]", i), e)
	}
	return p.err()
}

func (s *Scenario) validateStream(p *problems, i int, st *Stream) {
	path := fmt.Sprintf("$.load[%d]", i)
	if st == nil {
		p.add(path, "empty stream")
		return
	}
	if st.Name == "" {
		st.Name = "load"
		if len(s.Load) > 1 {
			st.Name = fmt.Sprintf("load-%d", i+1)
		}
	}
	for j, other := range s.Load[:i] {
		if other != nil && other.Name == st.Name {
			p.add(path+".name", "stream name %q is used by load[%d] too", st.Name, j)
		}
	}
	if len(st.Phases) == 0 {
		p.add(path, "stream %q has no phases", st.Name)
	}
	seen := map[string]bool{}
	for j, ph := range st.Phases {
		pp := fmt.Sprintf("%s.phases[%d]", path, j)
		if ph == nil {
			p.add(pp, "empty phase")
			continue
		}
		switch {
		case ph.Name == "":
			p.add(pp, "phase name is required")
		case strings.Contains(ph.Name, "/"):
			p.add(pp+".name", "phase name %q must not contain '/' (assertions write stream/phase)", ph.Name)
		case seen[ph.Name]:
			p.add(pp+".name", "phase name %q is used twice in stream %q", ph.Name, st.Name)
		}
		seen[ph.Name] = true
		req := st.RequestFor(ph)
		if !strings.HasPrefix(req.Path, "/") {
			p.add(pp, "path %q must start with / (set it on the stream or the phase)", req.Path)
		}
		if req.Sessions < 0 {
			p.add(pp, "sessions must be >= 0")
		}
		if ph.Duration <= 0 {
			p.add(pp+".duration", "duration must be > 0")
		} else if ph.Duration.D() > MaxDuration {
			p.add(pp+".duration", "duration %s is longer than the %s limit", ph.Duration, MaxDuration)
		}
		shapes := 0
		for _, set := range []bool{ph.Rate != nil, ph.Ramp != nil, ph.Sine != nil, len(ph.Steps) > 0} {
			if set {
				shapes++
			}
		}
		if shapes != 1 {
			p.add(pp, "phase %q needs exactly one of rate, ramp, sine or steps (has %d)", ph.Name, shapes)
		}
		rateOK := func(field string, r float64) {
			if r < 0 || r > MaxRate || math.IsNaN(r) {
				p.add(pp+"."+field, "rate %v must be in 0..%d requests per second", r, MaxRate)
			}
		}
		if ph.Rate != nil {
			rateOK("rate", *ph.Rate)
		}
		if r := ph.Ramp; r != nil {
			rateOK("ramp.from", r.From)
			rateOK("ramp.to", r.To)
		}
		if sn := ph.Sine; sn != nil {
			rateOK("sine.mean", sn.Mean)
			if sn.Amplitude < 0 || sn.Amplitude > sn.Mean || math.IsNaN(sn.Amplitude) {
				p.add(pp+".sine.amplitude", "amplitude must be in 0..mean (%v) so the rate never goes negative", sn.Mean)
			}
			if sn.Period <= 0 {
				p.add(pp+".sine.period", "period must be > 0")
			}
		}
		for k, stp := range ph.Steps {
			sp := fmt.Sprintf("%s.steps[%d]", pp, k)
			rateOK(fmt.Sprintf("steps[%d].rate", k), stp.Rate)
			if k > 0 && stp.After <= ph.Steps[k-1].After {
				p.add(sp+".after", "steps must be in increasing order of after")
			}
			if stp.After < 0 || (ph.Duration > 0 && stp.After >= ph.Duration) {
				p.add(sp+".after", "after %s must be inside the phase (0..%s)", stp.After, ph.Duration)
			}
		}
		if ph.Arrivals != "" && ph.Arrivals != ArrivalsUniform && ph.Arrivals != ArrivalsPoisson {
			p.add(pp+".arrivals", "arrivals %q: valid values are uniform and poisson", ph.Arrivals)
		}
		if ph.MaxWorkers < 0 {
			p.add(pp+".maxWorkers", "maxWorkers must be >= 0")
		}
	}
	if st.Length() > MaxDuration {
		p.add(path, "stream %q lasts %s, longer than the %s limit", st.Name, st.Length(), MaxDuration)
	}
}

func (s *Scenario) validateBackend(p *problems, name string, b *BackendSpec, end time.Duration) {
	path := "$.backends." + name
	if b == nil {
		return
	}
	switch b.TLS {
	case "", "auto", "expired", "wrong-host", "self-signed", "untrusted-ca":
	default:
		p.add(path+".tls", "tls %q: valid values are auto, expired, wrong-host, self-signed and untrusted-ca", b.TLS)
	}
	if b.BodySize < 0 || b.BodySize > 64<<20 {
		p.add(path+".bodySize", "bodySize must be in 0..%d bytes", 64<<20)
	}
	for i, f := range b.Faults {
		fp := fmt.Sprintf("%s.faults[%d]", path, i)
		if f == nil {
			p.add(fp, "empty fault")
			continue
		}
		if !slices.Contains(FaultKinds, f.Kind) {
			p.add(fp+".kind", "unknown fault kind %q (known: %s)", f.Kind, strings.Join(FaultKinds, ", "))
			continue
		}
		if f.From < 0 || f.To < 0 {
			p.add(fp, "from and to must not be negative")
		}
		if f.To != 0 && f.To <= f.From {
			p.add(fp+".to", "to (%s) must be after from (%s)", f.To, f.From)
		}
		if end > 0 && f.From.D() >= end {
			p.add(fp+".from", "the fault starts at %s, at or after the scenario's end (%s): it would never act", f.From, end)
		}
		if f.Rate != nil && (*f.Rate < 0 || *f.Rate > 1 || math.IsNaN(*f.Rate)) {
			p.add(fp+".rate", "rate is a share of requests, 0..1 (got %v)", *f.Rate)
		}
		only := func(field string, set bool, kinds ...string) {
			if set && !slices.Contains(kinds, f.Kind) {
				p.add(fp+"."+field, "%s does not apply to a %s fault (only to %s)", field, f.Kind, strings.Join(kinds, ", "))
			}
		}
		only("code", f.Code != 0, FaultStatus)
		only("retryAfter", f.RetryAfter != 0, FaultStatus)
		only("add", f.Add != 0, FaultLatency)
		only("jitter", f.Jitter != 0, FaultLatency)
		only("bytesPerSecond", f.BytesPerSecond != 0, FaultSlowBody)
		switch f.Kind {
		case FaultStatus:
			if f.Code < 100 || f.Code > 599 {
				p.add(fp+".code", "a status fault needs code in 100..599 (got %d)", f.Code)
			}
			if f.RetryAfter < 0 {
				p.add(fp+".retryAfter", "retryAfter must not be negative")
			}
		case FaultLatency:
			if f.Add <= 0 && f.Jitter <= 0 {
				p.add(fp, "a latency fault needs add and/or jitter > 0")
			}
		case FaultRefuse:
			if f.Rate != nil {
				p.add(fp+".rate", "a refuse fault closes the listener: it has no rate")
			}
		case FaultSlowBody:
			if f.BytesPerSecond < 0 {
				p.add(fp+".bytesPerSecond", "bytesPerSecond must be >= 0")
			}
		}
		for j, g := range b.Faults[:i] {
			if g == nil || (g.Kind != f.Kind && g.Kind != FaultRefuse && f.Kind != FaultRefuse) {
				continue
			}
			if overlaps(f, g, end) {
				p.add(fp, "overlaps faults[%d] (%s, %s..%s): faults of one kind, and refuse with anything, must not overlap",
					j, g.Kind, g.From, windowEnd(g, end))
			}
		}
	}
}

func windowEnd(f *Fault, end time.Duration) Duration {
	if f.To == 0 {
		return Duration(end)
	}
	return f.To
}

func overlaps(a, b *Fault, end time.Duration) bool {
	return a.From < windowEnd(b, end) && b.From < windowEnd(a, end)
}

func (s *Scenario) validateExpect(p *problems, path string, e *Expectation) {
	if e == nil {
		p.add(path, "empty expectation")
		return
	}
	kinds := 0
	for _, set := range []bool{e.Breaker != nil, e.Traffic != nil, e.Failover != nil, e.Clients != nil, e.Latency != nil, e.NoTraffic != nil, e.Rate != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		p.add(path, "an expectation has exactly one of breaker, traffic, failover, clients, latency, noTraffic, rate (has %d)", kinds)
		return
	}
	phase := func(field, name string) {
		if _, _, err := s.FindPhase(name); err != nil {
			p.add(path+"."+field, "%v", err)
		}
	}
	bounds := func(field string, b *Bounds) {
		if b == nil {
			return
		}
		for _, v := range []*float64{b.Min, b.Max} {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
				p.add(path+"."+field, "bounds must be finite numbers (got %v)", *v)
			}
		}
		if b.Min != nil && b.Max != nil && *b.Min > *b.Max {
			p.add(path+"."+field, "min %v is above max %v", *b.Min, *b.Max)
		}
		if !b.Expected && b.Min == nil && b.Max == nil {
			p.add(path+"."+field, "set min, max, or expected: true")
		}
		if b.Tolerance < 0 || b.Tolerance > 1 || math.IsNaN(b.Tolerance) {
			p.add(path+"."+field+".tolerance", "tolerance is a share, 0..1")
		}
	}
	switch {
	case e.Breaker != nil:
		b := e.Breaker
		n := 0
		for _, set := range []bool{b.Opens != nil, b.StaysClosed, b.ClosesBy != 0, b.Trips != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			p.add(path+".breaker", "a breaker expectation has exactly one of opens, staysClosed, closesBy, trips")
		}
		if t := b.Trips; t != nil {
			switch {
			case t.Min == nil && t.Max == nil:
				p.add(path+".breaker.trips", "set min and/or max")
			case (t.Min != nil && *t.Min < 0) || (t.Max != nil && *t.Max < 0):
				p.add(path+".breaker.trips", "trip counts are not negative")
			case t.Min != nil && t.Max != nil && *t.Min > *t.Max:
				p.add(path+".breaker.trips", "min %d is above max %d", *t.Min, *t.Max)
			}
		}
		if b.Instance != nil && (*b.Instance < 0 || *b.Instance >= s.Instances()) {
			p.add(path+".breaker.instance", "instance %d: the scenario runs instances 0..%d", *b.Instance, s.Instances()-1)
		}
	case e.Traffic != nil:
		phase("traffic.phase", e.Traffic.Phase)
		bounds("traffic.share", &e.Traffic.Share)
	case e.Failover != nil:
		if e.Failover.Within <= 0 {
			p.add(path+".failover.within", "within must be > 0")
		}
	case e.Clients != nil:
		phase("clients.phase", e.Clients.Phase)
		bounds("clients.errorRate", e.Clients.ErrorRate)
		if e.Clients.ErrorRate == nil && len(e.Clients.Status) == 0 {
			p.add(path+".clients", "set errorRate and/or status")
		}
	case e.Latency != nil:
		phase("latency.phase", e.Latency.Phase)
		if e.Latency.P50 <= 0 && e.Latency.P99 <= 0 && e.Latency.Max <= 0 {
			p.add(path+".latency", "set p50, p99 and/or max")
		}
	case e.NoTraffic != nil:
		if !e.NoTraffic.WhileOpen {
			p.add(path+".noTraffic.whileOpen", "noTraffic needs whileOpen: true")
		}
	case e.Rate != nil:
		phase("rate.phase", e.Rate.Phase)
		if !(e.Rate.Achieved > 0 && e.Rate.Achieved <= 1) { // NaN fails too
			p.add(path+".rate.achieved", "achieved is the least share of the requested rate, 0..1 (0.97 = 97 %%)")
		}
	}
}

// Instances returns the number of gateway instances (at least 1).
func (s *Scenario) Instances() int { return max(s.Gateway.Instances, 1) }

// Length returns the scenario's length: its longest stream.
func (s *Scenario) Length() time.Duration {
	var d time.Duration
	for _, st := range s.Load {
		if st != nil {
			d = max(d, st.Length())
		}
	}
	return d
}

// Length returns the sum of the stream's phase durations, saturating at
// the largest time.Duration (so a hostile sum never wraps negative and
// slips under MaxDuration).
func (st *Stream) Length() time.Duration {
	var d time.Duration
	for _, ph := range st.Phases {
		if ph != nil && ph.Duration > 0 {
			if d > math.MaxInt64-ph.Duration.D() {
				return math.MaxInt64
			}
			d += ph.Duration.D()
		}
	}
	return d
}

// RequestFor returns the stream's request with ph's overrides applied.
func (st *Stream) RequestFor(ph *Phase) Request {
	r := st.Request
	o := ph.Request
	if o.Method != "" {
		r.Method = o.Method
	}
	if o.Path != "" {
		r.Path = o.Path
	}
	if o.Body != "" {
		r.Body = o.Body
	}
	if o.Session != "" {
		r.Session = o.Session
	}
	if o.Sessions != 0 {
		r.Sessions = o.Sessions
	}
	if len(o.Headers) > 0 {
		h := make(map[string]string, len(r.Headers)+len(o.Headers))
		for k, v := range r.Headers {
			h[k] = v
		}
		for k, v := range o.Headers {
			h[k] = v
		}
		r.Headers = h
	}
	if r.Method == "" {
		r.Method = "GET"
	}
	if r.Session != "" && r.Sessions == 0 {
		r.Sessions = 100
	}
	return r
}

// FindPhase resolves an assertion's phase reference: "phase" (unique
// across streams) or "stream/phase".
func (s *Scenario) FindPhase(ref string) (stream, phase int, err error) {
	sname, pname, qualified := strings.Cut(ref, "/")
	if !qualified {
		pname, sname = sname, ""
	}
	stream, phase = -1, -1
	for i, st := range s.Load {
		if st == nil || (qualified && st.Name != sname) {
			continue
		}
		for j, ph := range st.Phases {
			if ph != nil && ph.Name == pname {
				if stream >= 0 {
					return -1, -1, fmt.Errorf("phase %q is in streams %q and %q: write stream/phase", pname, s.Load[stream].Name, st.Name)
				}
				stream, phase = i, j
			}
		}
	}
	if stream < 0 {
		return -1, -1, fmt.Errorf("no phase %q in the scenario's load", ref)
	}
	return stream, phase, nil
}

// PhaseStart returns the scenario time at which phase j of stream i starts.
func (s *Scenario) PhaseStart(i, j int) time.Duration {
	var d time.Duration
	for _, ph := range s.Load[i].Phases[:j] {
		d += ph.Duration.D()
	}
	return d
}
