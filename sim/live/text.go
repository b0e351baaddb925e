package live

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/apimlab/apimlab/internal/errw"
)

// WriteText writes the result for a terminal: one compact table per phase
// (status codes, share and attempts per backend, faults, breaker states)
// and then the breaker transition timeline. Times are relative to the
// scenario clock's start. It returns the first write error.
func (r *Result) WriteText(w io.Writer) error {
	ew := errw.New(w)
	for i, p := range r.Phases {
		r.writePhase(ew, i, &p)
	}
	ew.Printf("breaker timeline (model %s; times on the scenario clock):\n", r.Model)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	n := 0
	for _, p := range r.Phases {
		for _, e := range p.Events {
			n++
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s → %s\t%s\n", r.rel(e.Time), p.Name, e.Backend, e.From, e.To, r.eventText(e))
		}
	}
	if n == 0 {
		fmt.Fprintln(tw, "  no transitions")
	}
	if err := tw.Flush(); err != nil && ew.Err == nil {
		ew.Err = err
	}
	return ew.Err
}

func (r *Result) writePhase(ew *errw.Writer, i int, p *PhaseResult) {
	ew.Printf("phase %d  %s: %s\n", i+1, p.Name, p.Note)
	ew.Printf("  clock %s → %s, %d requests, responses %s\n", r.rel(p.Start), r.rel(p.End), p.Requests, statusText(p.Status))
	rows := r.rowNames(p)
	width := len("backend")
	for _, name := range rows {
		width = max(width, len(name))
	}
	ew.Printf("  %-*s  %6s  %5s  %8s  %-9s  %s\n", width, "backend", "served", "share", "attempts", "breaker", "fault")
	for _, name := range rows {
		fault := p.Faults[name]
		if fault == "" {
			fault = "-"
		}
		state := p.Breakers[name]
		if state == "" {
			state = "-"
		}
		attempts := "-"
		if a, ok := p.Attempts[name]; ok {
			attempts = fmt.Sprint(a)
		}
		share := fmt.Sprintf("%.0f%%", 100*p.Share(name))
		ew.Printf("  %-*s  %6d  %5s  %8s  %-9s  %s\n", width, name, p.Served[name], share, attempts, state, fault)
	}
	switch len(p.Events) {
	case 0:
		ew.Printf("  breaker transitions: none\n")
	default:
		var parts []string
		for _, e := range p.Events {
			parts = append(parts, fmt.Sprintf("%s %s→%s", e.Backend, e.From, e.To))
		}
		ew.Printf("  breaker transitions: %s\n", strings.Join(parts, ", "))
	}
	for _, e := range p.Errors {
		ew.Printf("  transport error: %s\n", e)
	}
	ew.Printf("\n")
}

// rowNames are the fakes in declaration order, then any other name that
// served (such as "none"), sorted.
func (r *Result) rowNames(p *PhaseResult) []string {
	var names []string
	for _, f := range r.Fakes {
		names = append(names, f.Name)
	}
	extra := slices.Sorted(maps.Keys(p.Served))
	for _, n := range extra {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// eventText is the reason, detail and counts of a transition.
func (r *Result) eventText(e Event) string {
	s := e.Reason
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.To == "open" {
		s += fmt.Sprintf(" [window: %d requests, %d failures]", e.Counts.Requests, e.Counts.Failures)
		if !e.OpenUntil.IsZero() {
			s += "; open until " + r.rel(e.OpenUntil)
		}
	}
	return s
}

// rel formats t relative to the run's start ("+1m10.5s").
func (r *Result) rel(t time.Time) string {
	return "+" + t.Sub(r.Start).Round(time.Millisecond).String()
}

// statusText is "200×38 500×2" (0 is shown as "error").
func statusText(m map[int]int) string {
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(m)) {
		label := fmt.Sprint(code)
		if code == 0 {
			label = "error"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", label, m[code]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}
