package backends

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/pool"
)

func TestRuleSpec(t *testing.T) {
	const r0 = "circuitBreaker.rules[0]"
	tests := []struct {
		name     string
		edit     func(r *apim.BreakerRule)
		opts     Options
		want     breaker.Settings // compared field by field when no problem is expected
		status   int
		problems []string
	}{
		{name: "count rule", edit: func(*apim.BreakerRule) {},
			want:   breaker.Settings{Name: "b", Count: 3, Interval: time.Minute, TripDuration: 30 * time.Second, StatusRanges: [][2]int{{500, 599}}},
			status: 503},
		{name: "percentage, options, reasons, Retry-After, failure response",
			edit: func(r *apim.BreakerRule) {
				fc := r.FailureCondition
				fc.Count, fc.Percentage = apim.Field[int]{}, known(50)
				fc.ErrorReasons = []apim.Field[string]{known("Timeout"), unresolved[string]()}
				r.AcceptRetryAfter = known(true)
				r.FailureResponse = &apim.FailureResponse{StatusCode: known(429)}
			},
			opts: Options{MinRequests: 20, Model: breaker.ModelReset},
			want: breaker.Settings{Name: "b", Percentage: 50, MinRequests: 20, Interval: time.Minute, TripDuration: 30 * time.Second,
				StatusRanges: [][2]int{{500, 599}}, ErrorReasons: []string{"Timeout"}, AcceptRetryAfter: true, Model: breaker.ModelReset},
			status: 429},
		{name: "no failureCondition", edit: func(r *apim.BreakerRule) { r.FailureCondition = nil },
			problems: []string{"invalid " + r0 + ".failureCondition"}},
		{name: "interval missing, tripDuration unresolved",
			edit: func(r *apim.BreakerRule) {
				r.FailureCondition.Interval = apim.Duration{}
				r.TripDuration = apim.Duration{Field: unresolved[string]()}
			},
			problems: []string{"missing " + r0 + ".failureCondition.interval", "unresolved " + r0 + ".tripDuration"}},
		{name: "malformed duration",
			edit: func(r *apim.BreakerRule) {
				r.TripDuration = apim.Duration{Field: known("60"), Err: errors.New("not ISO-8601")}
			},
			problems: []string{"invalid " + r0 + ".tripDuration"}},
		{name: "unresolved count", edit: func(r *apim.BreakerRule) { r.FailureCondition.Count = unresolved[int]() },
			problems: []string{"unresolved " + r0 + ".failureCondition.count"}},
		{name: "count and percentage", edit: func(r *apim.BreakerRule) { r.FailureCondition.Percentage = known(10) },
			problems: []string{"invalid " + r0}},
		{name: "status range out of bounds",
			edit:     func(r *apim.BreakerRule) { r.FailureCondition.StatusCodeRanges[0].Max = known(600) },
			problems: []string{"invalid " + r0}},
		{name: "unresolved status range",
			edit:     func(r *apim.BreakerRule) { r.FailureCondition.StatusCodeRanges[0].Min = unresolved[int]() },
			problems: []string{"unresolved " + r0 + ".failureCondition.statusCodeRanges[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := countRule(3, 30*time.Second)
			tt.edit(r)
			spec, ps := RuleSpec(single("b", r), 0, tt.opts)
			if got := kinds(ps); !slices.Equal(got, tt.problems) {
				t.Fatalf("problems %q, want %q (%v)", got, tt.problems, ps)
			}
			for _, p := range ps {
				if p.Backend != "b" || !p.Pos.IsValid() || p.Msg == "" {
					t.Errorf("problem %+v lacks backend, position or message", p)
				}
			}
			if tt.problems != nil {
				return
			}
			s, w := spec.Settings, tt.want
			if s.Name != w.Name || s.Count != w.Count || s.Percentage != w.Percentage || s.MinRequests != w.MinRequests ||
				s.Interval != w.Interval || s.TripDuration != w.TripDuration || s.AcceptRetryAfter != w.AcceptRetryAfter ||
				s.Model != w.Model || !slices.Equal(s.StatusRanges, w.StatusRanges) || !slices.Equal(s.ErrorReasons, w.ErrorReasons) {
				t.Errorf("settings\n got %+v\nwant %+v", s, w)
			}
			if spec.FailureStatus != tt.status || spec.Rule != r || spec.Index != 0 {
				t.Errorf("FailureStatus %d rule %p index %d, want %d %p 0", spec.FailureStatus, spec.Rule, spec.Index, tt.status, r)
			}
		})
	}
}

func TestInvalidSettingsWrapBreakerError(t *testing.T) {
	r := countRule(3, time.Second)
	r.FailureCondition.Percentage = known(10)
	_, ps := RuleSpec(single("b", r), 0, Options{})
	if len(ps) != 1 || !errors.Is(ps[0], breaker.ErrInvalidSettings) {
		t.Fatalf("problems %v, want one wrapping breaker.ErrInvalidSettings", ps)
	}
}

func TestBreakerSpecOf(t *testing.T) {
	if spec, ps := BreakerSpecOf(single("plain"), Options{}); spec != nil || ps != nil {
		t.Errorf("no breaker: %v %v", spec, ps)
	}
	first, second := countRule(2, time.Second), countRule(7, time.Second)
	spec, ps := BreakerSpecOf(single("b", first, second), Options{})
	if spec == nil || spec.Rule != first || spec.Settings.Count != 2 {
		t.Fatalf("spec %+v, want the first rule (count 2)", spec)
	}
	if got := kinds(ps); !slices.Equal(got, []string{"several-rules circuitBreaker.rules"}) || !ps[0].Kind.IsNote() {
		t.Errorf("problems %q, want one several-rules note", got)
	}
	bad := countRule(2, time.Second)
	bad.FailureCondition = nil
	if spec, ps := BreakerSpecOf(single("b", bad), Options{}); spec != nil || len(ps) != 1 {
		t.Errorf("bad rule: spec %v problems %v, want nil and one", spec, ps)
	}
}

func TestPoolMembers(t *testing.T) {
	idOnly := &apim.PoolMember{ID: known("/subscriptions/s/resourceGroups/g/providers/Microsoft.ApiManagement/service/x/backends/by-id"), Pos: at(40)}
	tests := []struct {
		name     string
		members  []*apim.PoolMember
		want     []pool.Member // Name, Priority, Weight
		problems []string
	}{
		{name: "set values and defaults",
			members: []*apim.PoolMember{member("a", 2, 30), member("b", -1, -1), idOnly},
			want:    []pool.Member{{Name: "a", Priority: 2, Weight: 30}, {Name: "b", Priority: 0, Weight: 1}, {Name: "by-id", Priority: 0, Weight: 1}}},
		{name: "out of range and unresolved members are left out",
			members:  []*apim.PoolMember{member("a", 101, 1), member("b", 1, 1), {Name: "c", ID: known("/backends/c"), Weight: unresolved[int](), Pos: at(41)}},
			want:     []pool.Member{{Name: "b", Priority: 1, Weight: 1}},
			problems: []string{"invalid pool.services[0].priority", "unresolved pool.services[2].weight"}},
		{name: "no id", members: []*apim.PoolMember{{Pos: at(42)}},
			problems: []string{"missing pool.services[0].id"}},
		{name: "empty pool", problems: []string{"missing pool.services"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs, ps := PoolMembers(poolOf("p", tt.members...))
			if got := kinds(ps); !slices.Equal(got, tt.problems) {
				t.Fatalf("problems %q, want %q", got, tt.problems)
			}
			if len(specs) != len(tt.want) {
				t.Fatalf("%d members, want %d", len(specs), len(tt.want))
			}
			for i, s := range specs {
				w := tt.want[i]
				if s.Name != w.Name || s.Priority != w.Priority || s.Weight != w.Weight || s.Source == nil {
					t.Errorf("member %d = %+v, want %+v", i, s.Member, w)
				}
			}
		})
	}
}
