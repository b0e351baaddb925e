package pool

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// switchboard holds the availability of test members.
type switchboard struct{ up []atomic.Bool }

func newSwitchboard(n int) *switchboard {
	s := &switchboard{up: make([]atomic.Bool, n)}
	for i := range s.up {
		s.up[i].Store(true)
	}
	return s
}

func (s *switchboard) set(i int, v bool) { s.up[i].Store(v) }

// spec is name:priority:weight.
type spec struct {
	name         string
	prio, weight int
}

// build makes a pool whose members' availability is on a switchboard.
func build(t testing.TB, o Options, specs ...spec) (*Pool, *switchboard) {
	t.Helper()
	sw := newSwitchboard(len(specs))
	ms := make([]Member, len(specs))
	for i, s := range specs {
		ms[i] = Member{Name: s.name, Priority: s.prio, Weight: s.weight, Available: func() bool { return sw.up[i].Load() }}
	}
	p, err := NewWith(ms, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p, sw
}

// picks returns the names of n selections.
func picks(t testing.TB, p *Pool, n int) []string {
	t.Helper()
	out := make([]string, n)
	for k := range out {
		i, ok := p.Select()
		if !ok {
			t.Fatalf("pick %d: no member available", k)
		}
		out[k] = p.Member(i).Name
	}
	return out
}

func tally(names []string) map[string]int {
	m := map[string]int{}
	for _, n := range names {
		m[n]++
	}
	return m
}

func TestWeightedSharesAreExact(t *testing.T) {
	tests := []struct {
		name  string
		specs []spec
		n     int
		want  map[string]int
	}{
		{"75/25 over 400", []spec{{"a", 1, 75}, {"b", 1, 25}}, 400, map[string]int{"a": 300, "b": 100}},
		{"3/1 over 4", []spec{{"a", 1, 3}, {"b", 1, 1}}, 4, map[string]int{"a": 3, "b": 1}},
		{"50/30/20 over 1000", []spec{{"a", 0, 50}, {"b", 0, 30}, {"c", 0, 20}}, 1000, map[string]int{"a": 500, "b": 300, "c": 200}},
		{"all zero is equal", []spec{{"a", 0, 0}, {"b", 0, 0}, {"c", 0, 0}}, 300, map[string]int{"a": 100, "b": 100, "c": 100}},
		{"equal weights", []spec{{"a", 0, 7}, {"b", 0, 7}}, 10, map[string]int{"a": 5, "b": 5}},
		{"zero among weighted gets nothing", []spec{{"a", 0, 2}, {"z", 0, 0}, {"b", 0, 1}}, 300, map[string]int{"a": 200, "b": 100}},
		{"100/1", []spec{{"a", 0, 100}, {"b", 0, 1}}, 202, map[string]int{"a": 200, "b": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := build(t, Options{}, tt.specs...)
			got := tally(picks(t, p, tt.n))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("tally = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWeightedIsSmooth(t *testing.T) {
	// nginx's documented sequence for weights 5,1,1.
	p, _ := build(t, Options{}, spec{"a", 0, 5}, spec{"b", 0, 1}, spec{"c", 0, 1})
	if got, want := strings.Join(picks(t, p, 14), " "), "a a b a c a a a a b a c a a"; got != want {
		t.Errorf("sequence = %q, want %q", got, want)
	}
	// 75/25: b is never picked twice in a row and a never more than 3 times.
	p, _ = build(t, Options{}, spec{"a", 1, 75}, spec{"b", 1, 25})
	run, prev := 0, ""
	for k, n := range picks(t, p, 400) {
		if n == prev {
			run++
		} else {
			run = 1
		}
		prev = n
		if (n == "b" && run > 1) || (n == "a" && run > 3) {
			t.Fatalf("pick %d: %s picked %d times in a row", k, n, run)
		}
	}
}

func TestMarkedDownMemberIsSkipped(t *testing.T) {
	p, sw := build(t, Options{}, spec{"a", 0, 0}, spec{"b", 0, 0}, spec{"c", 0, 0})
	if got, want := strings.Join(picks(t, p, 3), " "), "a b c"; got != want {
		t.Fatalf("all up: %q, want %q", got, want)
	}
	sw.set(1, false)
	if got, want := strings.Join(picks(t, p, 4), " "), "a c a c"; got != want {
		t.Errorf("b down: %q, want %q", got, want)
	}
	sw.set(1, true)
	got := tally(picks(t, p, 30))
	if got["a"] != 10 || got["b"] != 10 || got["c"] != 10 {
		t.Errorf("b back: %v, want 10 each", got)
	}
}

func TestWeightedMemberDownKeepsRatioOfOthers(t *testing.T) {
	p, sw := build(t, Options{}, spec{"a", 0, 50}, spec{"b", 0, 30}, spec{"c", 0, 20})
	sw.set(0, false)
	if got := tally(picks(t, p, 500)); got["b"] != 300 || got["c"] != 200 || got["a"] != 0 {
		t.Errorf("a down: %v, want b:300 c:200", got)
	}
}

func TestFailoverAcrossPriorityGroups(t *testing.T) {
	// Priorities deliberately out of order in the member list.
	p, sw := build(t, Options{},
		spec{"tertiary", 3, 0}, spec{"primary-1", 1, 0}, spec{"secondary", 2, 0}, spec{"primary-2", 1, 0})
	steps := []struct {
		name string
		down []int
		want map[string]int
	}{
		{"all up: primary group only", nil, map[string]int{"primary-1": 5, "primary-2": 5}},
		{"one primary down: the other primary", []int{1}, map[string]int{"primary-2": 10}},
		{"primaries down: secondary", []int{1, 3}, map[string]int{"secondary": 10}},
		{"primaries and secondary down: tertiary", []int{1, 2, 3}, map[string]int{"tertiary": 10}},
		{"secondary recovers: back to secondary", []int{1, 3}, map[string]int{"secondary": 10}},
		{"a primary recovers: back to primary", []int{3}, map[string]int{"primary-1": 10}},
		{"all recover", nil, map[string]int{"primary-1": 5, "primary-2": 5}},
	}
	for _, st := range steps {
		for i := range 4 {
			sw.set(i, true)
		}
		for _, i := range st.down {
			sw.set(i, false)
		}
		if got := tally(picks(t, p, 10)); fmt.Sprint(got) != fmt.Sprint(st.want) {
			t.Errorf("%s: %v, want %v", st.name, got, st.want)
		}
	}
}

func TestZeroWeightStandbyBeforeFailover(t *testing.T) {
	p, sw := build(t, Options{}, spec{"w", 1, 10}, spec{"standby", 1, 0}, spec{"backup", 2, 10})
	if got := tally(picks(t, p, 10)); got["w"] != 10 {
		t.Errorf("all up: %v, want all to w", got)
	}
	sw.set(0, false)
	if got := tally(picks(t, p, 10)); got["standby"] != 10 {
		t.Errorf("w down: %v, want the 0-weight standby of the same group", got)
	}
	sw.set(1, false)
	if got := tally(picks(t, p, 10)); got["backup"] != 10 {
		t.Errorf("group 1 down: %v, want backup", got)
	}
}

func TestAllDown(t *testing.T) {
	p, sw := build(t, Options{}, spec{"a", 0, 1}, spec{"b", 1, 1})
	sw.set(0, false)
	sw.set(1, false)
	if idx, ok := p.Select(); ok || idx != -1 {
		t.Errorf("Select() = %d, %v; want -1, false", idx, ok)
	}
	if idx, ok := p.SelectFor("s"); ok || idx != -1 {
		t.Errorf("SelectFor() = %d, %v; want -1, false", idx, ok)
	}
}

func TestNilAvailableIsAlwaysUp(t *testing.T) {
	p, err := New([]Member{{Name: "a"}, {Name: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(picks(t, p, 4), " "); got != "a b a b" {
		t.Errorf("picks = %q", got)
	}
}

func TestRoundRobinPolicyIgnoresWeights(t *testing.T) {
	p, sw := build(t, Options{Policy: RoundRobinPolicy{}}, spec{"a", 0, 90}, spec{"b", 0, 10}, spec{"c", 0, 0})
	if got, want := strings.Join(picks(t, p, 6), " "), "a b c a b c"; got != want {
		t.Errorf("picks = %q, want %q", got, want)
	}
	sw.set(1, false)
	if got, want := strings.Join(picks(t, p, 4), " "), "a c a c"; got != want {
		t.Errorf("b down: %q, want %q", got, want)
	}
	for _, s := range p.Shares() {
		if math.Abs(s.InGroup-1.0/3) > 1e-12 {
			t.Errorf("share of %s = %v, want 1/3", s.Name, s.InGroup)
		}
	}
}

func TestShares(t *testing.T) {
	p, _ := build(t, Options{}, spec{"b2", 2, 0}, spec{"a", 1, 3}, spec{"b1", 2, 0}, spec{"c", 1, 1}, spec{"z", 1, 0})
	want := []Share{
		{Index: 0, Name: "b2", Priority: 2, Weight: 0, Group: 1, InGroup: 0.5, Share: 0},
		{Index: 1, Name: "a", Priority: 1, Weight: 3, Group: 0, InGroup: 0.75, Share: 0.75},
		{Index: 2, Name: "b1", Priority: 2, Weight: 0, Group: 1, InGroup: 0.5, Share: 0},
		{Index: 3, Name: "c", Priority: 1, Weight: 1, Group: 0, InGroup: 0.25, Share: 0.25},
		{Index: 4, Name: "z", Priority: 1, Weight: 0, Group: 0, InGroup: 0, Share: 0},
	}
	got := p.Shares()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Shares =\n%v\nwant\n%v", got, want)
	}
	got[0].Name = "mutated"
	if p.Shares()[0].Name != "b2" {
		t.Error("Shares returned the pool's own slice")
	}
	// The static shares are what Select produces over a full cycle.
	obs := tally(picks(t, p, 400))
	for _, s := range want {
		if got := float64(obs[s.Name]) / 400; got != s.Share {
			t.Errorf("%s: observed %v, Shares says %v", s.Name, got, s.Share)
		}
	}
}

func TestSelectForPinsSessions(t *testing.T) {
	p, sw := build(t, Options{}, spec{"a", 1, 0}, spec{"b", 1, 0}, spec{"backup", 2, 0})
	first := map[string]int{}
	for _, k := range []string{"s1", "s2", "s3", "s4"} {
		i, ok := p.SelectFor(k)
		if !ok {
			t.Fatal("no member")
		}
		first[k] = i
	}
	if first["s1"] == first["s2"] {
		t.Errorf("new sessions were not balanced: %v", first)
	}
	for range 5 {
		for k, want := range first {
			if i, _ := p.SelectFor(k); i != want {
				t.Fatalf("session %s moved from %d to %d", k, want, i)
			}
		}
	}
	// a and b down: sessions move to backup and stay there after recovery.
	sw.set(0, false)
	sw.set(1, false)
	if i, _ := p.SelectFor("s1"); p.Member(i).Name != "backup" {
		t.Fatalf("s1 went to %s, want backup", p.Member(i).Name)
	}
	sw.set(0, true)
	sw.set(1, true)
	if i, _ := p.SelectFor("s1"); p.Member(i).Name != "backup" {
		t.Errorf("pinned session left an available member for %s", p.Member(i).Name)
	}
	if i, _ := p.SelectFor("new"); p.Member(i).Name == "backup" {
		t.Errorf("new session went to backup while the primary group is up")
	}
	if i, _ := p.SelectFor(""); p.Member(i).Name == "backup" {
		t.Errorf("empty key went to backup")
	}
}

func TestSelectForIsBounded(t *testing.T) {
	p, _ := build(t, Options{MaxSessions: 3}, spec{"a", 0, 0}, spec{"b", 0, 0})
	for k := range 10 {
		p.SelectFor(fmt.Sprint("s", k))
		if n := p.Sessions(); n > 3 {
			t.Fatalf("after %d sessions the table holds %d, want <= 3", k+1, n)
		}
	}
	// FIFO: s7, s8, s9 remain.
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, k := range []string{"s7", "s8", "s9"} {
		if _, ok := p.aff.get(k); !ok {
			t.Errorf("%s evicted, want kept", k)
		}
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name    string
		members []Member
		o       Options
		want    string
	}{
		{"empty", nil, Options{}, "no members"},
		{"no name", []Member{{Name: "a"}, {}}, Options{}, "members[1]: Name"},
		{"priority", []Member{{Name: "a", Priority: 101}}, Options{}, `members[0] ("a"): Priority 101`},
		{"negative priority", []Member{{Name: "a", Priority: -1}}, Options{}, "Priority -1"},
		{"weight", []Member{{Name: "a"}, {Name: "b", Weight: 200}}, Options{}, `members[1] ("b"): Weight 200`},
		{"max sessions", []Member{{Name: "a"}}, Options{MaxSessions: -1}, "MaxSessions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewWith(tt.members, tt.o)
			if !errors.Is(err, ErrInvalidPool) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrInvalidPool mentioning %q", err, tt.want)
			}
		})
	}
}

func TestNewCopiesMembers(t *testing.T) {
	ms := []Member{{Name: "a", Weight: 1}, {Name: "b", Weight: 1}}
	p, err := New(ms)
	if err != nil {
		t.Fatal(err)
	}
	ms[0].Name = "changed"
	if p.Member(0).Name != "a" || p.Len() != 2 {
		t.Error("pool shares the caller's slice")
	}
}

func TestConcurrentSelect(t *testing.T) {
	p, sw := build(t, Options{}, spec{"a", 0, 3}, spec{"b", 0, 1}, spec{"c", 1, 1})
	const workers, each = 8, 2000
	var wg sync.WaitGroup
	var counts [3]atomic.Int64
	var failed atomic.Int64
	stop := make(chan struct{})
	go func() { // flip availability while selecting
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				sw.set(i%2, i%3 != 0)
			}
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range each {
				var i int
				var ok bool
				if k%2 == 0 {
					i, ok = p.Select()
				} else {
					i, ok = p.SelectFor(fmt.Sprint(w, "-", k%50))
				}
				if !ok {
					failed.Add(1) // c is always up: must not happen
					continue
				}
				counts[i].Add(1)
			}
		}()
	}
	wg.Wait()
	close(stop)
	total := counts[0].Load() + counts[1].Load() + counts[2].Load()
	if failed.Load() != 0 || total != workers*each {
		t.Errorf("total picks %d (failed %d), want %d", total, failed.Load(), workers*each)
	}
}
