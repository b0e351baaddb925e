package rules

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// Builders for hand-made services in the APIM1xx/APIM2xx tests. Each value
// sits on its own line so findings can be checked by line.

func tpos(line int) apim.Position { return apim.Position{File: "t.json", Line: line, Col: 5} }

func tInt(v, line int) apim.Field[int] {
	return apim.Field[int]{Value: v, Set: true, Pos: tpos(line), Literal: true}.WithRaw(strconv.Itoa(v))
}

func tQuotedInt(v, line int) apim.Field[int] {
	f := tInt(v, line)
	f.Quoted = true
	return f
}

func tUnknownInt(line int) apim.Field[int] {
	return apim.Field[int]{Set: true, Pos: tpos(line)}.WithUnknown("parameter weight has no value")
}

func tNullInt(line int) apim.Field[int] {
	return apim.Field[int]{Set: true, Null: true, Pos: tpos(line)}
}

func tBool(v bool, line int) apim.Field[bool] {
	return apim.Field[bool]{Value: v, Set: true, Pos: tpos(line), Literal: true}.WithRaw(strconv.FormatBool(v))
}

func tStr(v string, line int) apim.Field[string] {
	return apim.Field[string]{Value: v, Set: true, Pos: tpos(line), Literal: true}.WithRaw(v)
}

func tDur(s string, line int) apim.Duration {
	d, err := apim.ParseDuration(s)
	return apim.Duration{Field: tStr(s, line), D: d, Err: err}
}

func tSingle(name string, line int, rules ...*apim.BreakerRule) *apim.Backend {
	b := &apim.Backend{Name: name, Pos: tpos(line), URL: tStr("https://"+name+".contoso.com", line), Protocol: tStr("http", line)}
	if len(rules) > 0 {
		b.CircuitBreaker = &apim.CircuitBreaker{Pos: tpos(line), Rules: rules}
	}
	return b
}

func tPool(name string, line int, members ...*apim.PoolMember) *apim.Backend {
	return &apim.Backend{Name: name, Pos: tpos(line), Type: apim.Field[apim.BackendType]{Value: apim.Pool, Set: true, Pos: tpos(line)},
		PoolConfig: &apim.PoolConfig{Pos: tpos(line), Services: members}}
}

// tMember is a member referencing backend name by short id; prio and
// weight are zero Fields (unset) unless given.
func tMember(name string, line int, prio, weight apim.Field[int]) *apim.PoolMember {
	return &apim.PoolMember{Pos: tpos(line), ID: tStr("/backends/"+name, line), Name: name, Priority: prio, Weight: weight}
}

var unset apim.Field[int]

// tRule is a breaker rule: count or percentage (the other 0 = unset).
func tRule(line, count, pct int, interval, trip string, ranges ...[2]int) *apim.BreakerRule {
	fc := &apim.FailureCondition{Pos: tpos(line), Interval: tDur(interval, line+1)}
	if count != 0 {
		fc.Count = tInt(count, line+2)
	}
	if pct != 0 {
		fc.Percentage = tInt(pct, line+2)
	}
	for i, r := range ranges {
		fc.StatusCodeRanges = append(fc.StatusCodeRanges, apim.StatusRange{Pos: tpos(line + 3 + i), Min: tInt(r[0], line+3+i), Max: tInt(r[1], line+3+i)})
	}
	return &apim.BreakerRule{Pos: tpos(line), Name: tStr("r", line), FailureCondition: fc, TripDuration: tDur(trip, line+20)}
}

var serverErrors = [2]int{500, 599}

// want is an expected finding: its line and a regexp on its message.
type want struct {
	line int
	re   string
}

type ruleCase struct {
	name  string
	svc   *apim.Service
	cfg   *lint.Config
	wants []want
}

// runRuleCases runs rule on each case and compares findings by line and
// message, in order of position.
func runRuleCases(t *testing.T, rule *lint.Rule, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []lint.Finding
			pass := lint.NewPass(rule, tc.svc, tc.cfg, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), func(f lint.Finding) { got = append(got, f) })
			rule.Check(pass)
			slices.SortStableFunc(got, func(a, b lint.Finding) int { return a.Pos.Line - b.Pos.Line })
			if len(got) != len(tc.wants) {
				for _, f := range got {
					t.Logf("got %s %s", f.Pos, f.Message)
				}
				t.Fatalf("%d findings, want %d", len(got), len(tc.wants))
			}
			for i, w := range tc.wants {
				f := got[i]
				if f.Rule != rule.ID {
					t.Errorf("finding %d: rule %s, want %s", i, f.Rule, rule.ID)
				}
				if f.Pos.Line != w.line {
					t.Errorf("finding %d at line %d, want %d: %s", i, f.Pos.Line, w.line, f.Message)
				}
				re := w.re
				// "info: " or "warning: " before the pattern also checks
				// the finding's severity.
				for _, sev := range []lint.Severity{lint.Info, lint.Warning, lint.Error} {
					if rest, ok := strings.CutPrefix(re, sev.String()+": "); ok {
						re = rest
						if f.Severity != sev {
							t.Errorf("finding %d: severity %v, want %v: %s", i, f.Severity, sev, f.Message)
						}
					}
				}
				if !regexp.MustCompile(re).MatchString(f.Message) {
					t.Errorf("finding %d: message %q does not match %q", i, f.Message, re)
				}
				if f.Subject.Kind != "backend" || f.Subject.Name == "" {
					t.Errorf("finding %d: subject %+v, want a backend", i, f.Subject)
				}
				if f.Fix == "" {
					t.Errorf("finding %d: no fix hint", i)
				}
			}
		})
	}
}

func svcOf(backends ...*apim.Backend) *apim.Service { return &apim.Service{Backends: backends} }

// cfgWith is a configuration with one rule option set.
func cfgWith(id, key string, v any) *lint.Config {
	return &lint.Config{Rules: map[string]lint.RuleConfig{id: {Options: map[string]any{key: v}}}}
}
