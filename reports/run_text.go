package reports

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apimlab/apimlab/internal/errw"
	"github.com/apimlab/apimlab/sim"
)

// RunText prints a run for a terminal:
//
//	pool failover (golden): FAIL, 4 of 6 assertions passed
//	engine model, clock virtual, breaker model halfOpen, speed 1×, seed 42, …
//
//	phase healthy (orders, 0s → 10s): 40 requests at 4.0/s (4.0 requested), 200×40, p50 21ms, p99 43ms
//	  backend      pool    served  share  pool share  expected
//	  orders-east  orders      30  75.0%       75.0%     75.0%
//
// then the breaker transitions, the assertions and the warnings. Colour
// (verdicts, open breakers, deviating shares) only when Color is set,
// which the CLI does on a terminal.
type RunText struct {
	// Color enables ANSI colour.
	Color bool
	// MaxTransitions bounds the transitions listed (a long run can have
	// thousands); 0 means 100. The rest are counted.
	MaxTransitions int
}

// Print implements RunPrinter.
func (t *RunText) Print(w io.Writer, r *sim.Result) error {
	ew := errw.New(w)
	name := "simulation"
	if r.Scenario != nil && r.Scenario.Name != "" {
		name = r.Scenario.Name
	}
	passed, _ := assertionCounts(r)
	v := verdict(r)
	color := ansiGreen
	if v == "FAIL" {
		color = ansiRed
	}
	ew.Printf("%s: %s", t.paint(ansiBold, name), t.paint(ansiBold+color, v))
	if len(r.Assertions) > 0 {
		ew.Printf(", %d of %d assertions passed", passed, len(r.Assertions))
	}
	ew.Printf("\n")
	var info []string
	for _, kv := range runInfoPairs(r) {
		if kv[0] != "scenario" {
			info = append(info, kv[0]+" "+kv[1])
		}
	}
	ew.Printf("%s\n", t.paint(ansiDim, strings.Join(info, ", ")))

	for i := range r.Phases {
		p := &r.Phases[i]
		ew.Printf("\nphase %s (%s, %s → %s): %d requests at %s/s (%s requested), %s, p50 %s, p99 %s\n",
			t.paint(ansiBold, p.Name), p.Stream, fmtDur(p.Start.D()), fmtDur(p.End.D()), p.Requests,
			fmtRate(p.AchievedRate), fmtRate(p.RequestedRate), statusMix(p.Status), fmtLat(p.P50.D()), fmtLat(p.P99.D()))
		rows := [][]string{{"backend", "pool", "served", "share", "pool share", "expected"}}
		var deviates []bool
		for _, d := range distribution(r, p) {
			obs, exp := "-", "-"
			if d.Observed >= 0 {
				obs = fmtPct(d.Observed)
			}
			if d.Expected >= 0 {
				exp = fmtPct(d.Expected)
			}
			if d.Deviates {
				exp += " !"
			}
			pool := d.Pool
			if pool == "" {
				pool = "-"
			}
			rows = append(rows, []string{d.Backend, pool, fmt.Sprint(d.Served), fmtPct(d.Share), obs, exp})
			deviates = append(deviates, d.Deviates)
		}
		t.table(ew, rows, []bool{false, false, true, true, true, true}, func(row, col int, s string) string {
			if row == 0 {
				return t.paint(ansiDim, s)
			}
			if deviates[row-1] && col >= 4 {
				return t.paint(ansiYellow, s)
			}
			return s
		})
	}

	ew.Printf("\n%s (breaker model %s, transport errors %s; times from the scenario's start)\n", t.paint(ansiBold, "breaker transitions"), r.Run.BreakerModel, r.Run.Transport())
	if len(r.Transitions) == 0 {
		ew.Printf("  none\n")
	} else {
		instances := max(r.Run.Instances, 1)
		limit := t.MaxTransitions
		if limit <= 0 {
			limit = 100
		}
		shown := r.Transitions[:min(limit, len(r.Transitions))]
		rows := [][]string{}
		for _, tr := range shown {
			rows = append(rows, []string{"+" + fmtDur(tr.At.D().Round(time.Millisecond)), instanceLabel(tr.Backend, tr.Instance, instances),
				tr.From + " → " + tr.To, transitionReason(tr)})
		}
		t.table(ew, rows, nil, func(row, col int, s string) string {
			if col == 2 {
				switch r.Transitions[row].To {
				case sim.StateOpen:
					return t.paint(ansiRed, s)
				case sim.StateHalfOpen:
					return t.paint(ansiYellow, s)
				case sim.StateClosed:
					return t.paint(ansiGreen, s)
				}
			}
			return s
		})
		if n := len(r.Transitions) - len(shown); n > 0 {
			ew.Printf("  … and %d more (apimlab report result.json --format html lists them)\n", n)
		}
	}

	if len(r.Assertions) > 0 {
		ew.Printf("\n%s\n", t.paint(ansiBold, "assertions"))
		for _, a := range r.Assertions {
			mark := t.paint(ansiGreen, "PASS")
			if !a.Passed {
				mark = t.paint(ansiRed, "FAIL")
			}
			ew.Printf("  %s  %s: %s (expected %s)\n", mark, a.Name, a.Observed, a.Expected)
		}
	}
	if len(r.Warnings) > 0 {
		ew.Printf("\n%s\n", t.paint(ansiBold+ansiYellow, "warnings"))
		for _, w := range r.Warnings {
			ew.Printf("  ! %s\n", w)
		}
	}
	return ew.Err
}

// table writes rows as aligned columns indented by two spaces (numeric
// columns right-aligned), padding before painting so that colour codes do
// not break the alignment.
func (t *RunText) table(ew *errw.Writer, rows [][]string, right []bool, paint func(row, col int, s string) string) {
	var widths []int
	for _, row := range rows {
		for c, cell := range row {
			if c >= len(widths) {
				widths = append(widths, 0)
			}
			widths[c] = max(widths[c], utf8.RuneCountInString(cell))
		}
	}
	for ri, row := range rows {
		var b strings.Builder
		b.WriteString("  ")
		for c, cell := range row {
			pad := strings.Repeat(" ", widths[c]-utf8.RuneCountInString(cell))
			last := c == len(row)-1
			switch {
			case c < len(right) && right[c]:
				cell = pad + cell
			case !last:
				cell += pad
			}
			b.WriteString(paint(ri, c, cell))
			if !last {
				b.WriteString("  ")
			}
		}
		ew.Printf("%s\n", b.String())
	}
}

func (t *RunText) paint(code, s string) string {
	if !t.Color {
		return s
	}
	return code + s + ansiReset
}
