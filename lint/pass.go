package lint

import (
	"fmt"
	"sync"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// Pass is what a rule's Check receives: the service to inspect, the rule's
// settings, and the way to report. A Pass is used by one rule at a time.
type Pass struct {
	// Rule is the rule being run.
	Rule *Rule
	// Service is the loaded configuration.
	Service *apim.Service
	// Config is the effective configuration (never nil).
	Config *Config
	// Now is the time rules use for expiry checks (injected for tests).
	Now time.Time

	report func(Finding)
	memo   *memo
	// computing is set while an Input computes: it may Get any input.
	computing bool
}

// memo is the run-scoped store behind Pass.Memo. Rules run concurrently,
// so each key is built once under its own sync.Once.
type memo struct {
	mu      sync.Mutex
	entries map[any]*memoEntry
}

type memoEntry struct {
	once sync.Once
	v    any
}

func (m *memo) get(key any, build func() any) any {
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[any]*memoEntry{}
	}
	e := m.entries[key]
	if e == nil {
		e = &memoEntry{}
		m.entries[key] = e
	}
	m.mu.Unlock()
	e.once.Do(func() { e.v = build() })
	return e.v
}

// Memo returns the value stored under key for this lint run, building it
// with build the first time. Rules use it to share work, such as parsing
// every policy document once for all the policy rules. The memo lives as
// long as one Run: nothing is kept between runs or shared between
// services. Keys should be values of unexported types to avoid clashes.
// Rules run concurrently: build runs once per key, and the value must be
// treated as read-only.
func (p *Pass) Memo(key any, build func() any) any {
	if p.memo == nil {
		p.memo = &memo{}
	}
	return p.memo.get(key, build)
}

// NewPass builds a pass that sends findings to report. The engine uses it;
// tests of helpers may too.
func NewPass(r *Rule, svc *apim.Service, cfg *Config, now time.Time, report func(Finding)) *Pass {
	if cfg == nil {
		cfg = &Config{}
	}
	return &Pass{Rule: r, Service: svc, Config: cfg, Now: now, report: report}
}

// Report records a finding for the pass's rule. Rule, Name and default
// Severity are filled in from the rule when empty.
func (p *Pass) Report(f Finding) {
	if f.Rule == "" {
		f.Rule = p.Rule.ID
		f.Name = p.Rule.Name
		f.Severity = p.Rule.Severity
	}
	if p.Rule.Sensitive {
		f.Sensitive = true
	}
	p.report(f)
}

// Reportf reports a finding about subj at pos.
func (p *Pass) Reportf(pos apim.Position, subj Subject, format string, args ...any) {
	p.Report(Finding{Pos: pos, Subject: subj, Message: fmt.Sprintf(format, args...)})
}

// ReportDanglingf reports a reference to an entity of kind that the
// service does not declare, with a fix hint. Run keeps the rule's severity
// when the inputs hold every entity of the kind, and makes it Info "not
// verifiable from these files" otherwise (see docs/semantics.md).
func (p *Pass) ReportDanglingf(kind apim.EntityKind, pos apim.Position, subj Subject, fix, format string, args ...any) {
	p.Report(Finding{Pos: pos, Subject: subj, Fix: fix, Refers: kind, Message: fmt.Sprintf(format, args...)})
}

// ReportFixf reports a finding with a fix hint.
func (p *Pass) ReportFixf(pos apim.Position, subj Subject, fix, format string, args ...any) {
	p.Report(Finding{Pos: pos, Subject: subj, Fix: fix, Message: fmt.Sprintf(format, args...)})
}

// Float returns the rule's numeric option key from .apimlab.yaml, or def.
func (p *Pass) Float(key string, def float64) float64 {
	if v, ok := p.Config.option(p.Rule.ID, key); ok {
		switch n := v.(type) {
		case int:
			return float64(n)
		case int64:
			return float64(n)
		case float64:
			return n
		}
	}
	return def
}

// Duration returns the rule's duration option key (Go "30s" or ISO-8601
// "PT30S" syntax), or def.
func (p *Pass) Duration(key string, def time.Duration) time.Duration {
	if v, ok := p.Config.option(p.Rule.ID, key); ok {
		if s, ok := v.(string); ok {
			if d, err := time.ParseDuration(s); err == nil {
				return d
			}
			if d, err := apim.ParseDuration(s); err == nil {
				return d
			}
		}
	}
	return def
}

// Baseline returns the expected traffic of a backend for breaker rules:
// requests per second and the normal failure ratio (0..1). Defaults: 50 rps
// and 1%, overridable globally and per backend in .apimlab.yaml.
func (p *Pass) Baseline(backend string) (rps, failureRate float64) {
	return p.Config.baseline(backend)
}
