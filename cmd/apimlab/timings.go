package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
)

// timings collects where a lint run's time went, for --timings: the wall
// and process CPU time of each phase, the loader's split of loading, and
// each rule's wall time (like ESLint's TIMING=1).
type timings struct {
	load  load.Timings
	mark  markTime
	steps []phaseTime

	mu    sync.Mutex
	rules map[*lint.Rule]time.Duration
}

type markTime struct {
	wall time.Time
	cpu  time.Duration
}

type phaseTime struct {
	name      string
	wall, cpu time.Duration
}

func newTimings() *timings {
	return &timings{mark: markTime{time.Now(), processCPU()}, rules: map[*lint.Rule]time.Duration{}}
}

// phase ends the current phase under name and starts the next.
func (t *timings) phase(name string) {
	now := markTime{time.Now(), processCPU()}
	t.steps = append(t.steps, phaseTime{name, now.wall.Sub(t.mark.wall), now.cpu - t.mark.cpu})
	t.mark = now
}

// rule records one rule's check (lint.RunOptions.RuleTime).
func (t *timings) rule(r *lint.Rule, d time.Duration) {
	t.mu.Lock()
	t.rules[r] += d
	t.mu.Unlock()
}

// print writes the phases, the loader's split and the slowest rules.
func (t *timings) print(w io.Writer, slowest int) {
	var b strings.Builder
	cpuKnown := processCPU() > 0
	fmt.Fprintf(&b, "apimlab timings (wall")
	if cpuKnown {
		fmt.Fprintf(&b, ", process CPU")
	}
	fmt.Fprintf(&b, "):\n")
	var total phaseTime
	for _, p := range t.steps {
		total.wall += p.wall
		total.cpu += p.cpu
		t.line(&b, "  ", p, cpuKnown)
		if p.name == "load" {
			for _, s := range []phaseTime{{"parse JSON", t.load.Parse, 0}, {"resolve ARM", t.load.Resolve, 0}, {"build model", t.load.Build, 0}} {
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
		if a.d != b.d {
			return int(b.d - a.d)
		}
		return strings.Compare(a.r.ID, b.r.ID)
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
	fmt.Fprintf(b, "%s%-*s %8.1f ms", indent, 16-len(indent)+2, p.name, ms(p.wall))
	if cpu {
		fmt.Fprintf(b, " %8.1f ms", ms(p.cpu))
	}
	b.WriteByte('\n')
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
