package main

import (
	"cmp"
	"fmt"
	"io"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/internal/cputime"
	"github.com/apimlab/apimlab/lint"
)

// timings collects where a lint run's time went, for --timings: the wall
// and process CPU time and the heap bytes allocated by each phase, the
// loader's split of loading, and each rule's wall time (like ESLint's
// TIMING=1). Allocation is shown because fresh memory costs time of its
// own: the first touch of each page is a page fault (issue 16).
type timings struct {
	load  load.Timings
	cur   string // the phase under way
	mark  markTime
	steps []phaseTime

	mu    sync.Mutex
	rules map[*lint.Rule]time.Duration
}

type markTime struct {
	wall  time.Time
	cpu   time.Duration
	alloc uint64
}

type phaseTime struct {
	name      string
	wall, cpu time.Duration
	alloc     uint64 // heap bytes allocated; 0 for the loader's split
}

// now reads the clocks and the allocation counter.
func now() markTime { return markTime{time.Now(), cputime.Process(), allocated()} }

// allocated is the heap bytes the process has allocated so far.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// newTimings starts measuring, with phase first under way.
func newTimings(first string) *timings {
	return &timings{cur: first, mark: now(), rules: map[*lint.Rule]time.Duration{}}
}

// next ends the phase under way and starts phase name. It does nothing on
// a nil *timings (no --timings).
func (t *timings) next(name string) {
	if t == nil {
		return
	}
	m := now()
	t.steps = append(t.steps, phaseTime{t.cur, m.wall.Sub(t.mark.wall), m.cpu - t.mark.cpu, m.alloc - t.mark.alloc})
	t.cur, t.mark = name, m
}

// rule records one rule's check (lint.RunOptions.RuleTime).
func (t *timings) rule(r *lint.Rule, d time.Duration) {
	t.mu.Lock()
	t.rules[r] += d
	t.mu.Unlock()
}

// print ends the phase under way and writes the phases, the loader's
// split of loading and the slowest rules.
func (t *timings) print(w io.Writer, slowest int) {
	t.next("")
	var b strings.Builder
	cpuKnown := cputime.Process() > 0
	fmt.Fprintf(&b, "apimlab timings (wall")
	if cpuKnown {
		fmt.Fprintf(&b, ", process CPU")
	}
	fmt.Fprintf(&b, ", heap allocated):\n")
	var total phaseTime
	for _, p := range t.steps {
		if p.name == "load" && hugePrepared.alloc <= p.alloc {
			// The block mapped for huge pages is freed at once and never
			// touched: it is not the load's memory.
			p.alloc -= hugePrepared.alloc
		}
		total.wall += p.wall
		total.cpu += p.cpu
		total.alloc += p.alloc
		t.line(&b, "  ", p, cpuKnown)
		if p.name == "load" {
			if hugePrepared.advised > 0 {
				fmt.Fprintf(&b, "    %-20s %8.1f ms (%.0f MB of heap on huge pages)\n", "prepare heap", ms(hugePrepared.wall), float64(hugePrepared.advised)/(1<<20))
			}
			// ARM templates and the JSON files read as such (load.Timings).
			for _, s := range []phaseTime{{"parse JSON", t.load.Parse, 0, 0}, {"resolve ARM", t.load.Resolve, 0, 0}, {"build model", t.load.Build, 0, 0}} {
				if s.wall > 0 {
					t.line(&b, "    ", s, false)
				}
			}
		}
	}
	total.name = "total"
	t.line(&b, "  ", total, cpuKnown)
	type ruleTime struct {
		r *lint.Rule
		d time.Duration
	}
	var rs []ruleTime
	for r, d := range t.rules {
		rs = append(rs, ruleTime{r, d})
	}
	slices.SortFunc(rs, func(a, b ruleTime) int {
		return cmp.Or(cmp.Compare(b.d, a.d), strings.Compare(a.r.ID, b.r.ID))
	})
	if len(rs) > 0 {
		fmt.Fprintf(&b, "slowest rules of %d (wall time of each check; the rules run on every core, and an analysis they share counts for the first rule that needs it):\n", len(rs))
		for _, x := range rs[:min(slowest, len(rs))] {
			fmt.Fprintf(&b, "  %-8s %-36s %8.1f ms\n", x.r.ID, x.r.Name, ms(x.d))
		}
	}
	io.WriteString(w, b.String())
}

func (t *timings) line(b *strings.Builder, indent string, p phaseTime, cpu bool) {
	fmt.Fprintf(b, "%s%-*s %8.1f ms", indent, 24-len(indent), p.name, ms(p.wall))
	if cpu {
		fmt.Fprintf(b, " %8.1f ms", ms(p.cpu))
	}
	if p.alloc > 0 {
		fmt.Fprintf(b, " %8.1f MB", float64(p.alloc)/(1<<20))
	}
	b.WriteByte('\n')
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
