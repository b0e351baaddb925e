package demo

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/summary"
	"github.com/apimlab/apimlab/internal/errw"
)

// writeSummary prints a short view of the loaded service: backends with
// their URL and breaker, pool members with priority and weight, APIs.
// Credential values are never printed (summary hides them).
func writeSummary(w *errw.Writer, svc *apim.Service) {
	s := summary.Of(svc, summary.Options{NoPositions: true})
	name := s.Service
	if name == "" {
		name = "(unnamed)"
	}
	w.Printf("service %s: %s, %s\n", name, plural(len(s.Backends), "backend"), plural(len(s.APIs), "API"))
	for _, b := range s.Backends {
		if b.Type == string(apim.Pool) {
			var ms []string
			for _, m := range b.Members {
				ms = append(ms, fmt.Sprintf("%s priority=%s weight=%s", m.Backend, opt(m.Priority), opt(m.Weight)))
			}
			w.Printf("  pool    %-14s %s\n", b.Name, strings.Join(ms, "; "))
			continue
		}
		w.Printf("  backend %-14s %s", b.Name, b.URL)
		if !b.ValidateChain || !b.ValidateName {
			w.Printf("  (tls validation: chain=%t name=%t)", b.ValidateChain, b.ValidateName)
		}
		if len(b.Headers) > 0 {
			w.Printf("  credential headers %s (values hidden)", strings.Join(b.Headers, ","))
		}
		w.Printf("\n")
		for _, r := range b.Breaker {
			cond := fmt.Sprintf("%d failures", r.Count)
			if r.Percentage > 0 {
				cond = fmt.Sprintf("%d%% failures", r.Percentage)
			}
			ra := ""
			if r.AcceptRetryAfter {
				ra = ", honours Retry-After"
			}
			w.Printf("          %-14s breaker %s: %s in %s on %s, open %s%s\n", "", r.Name, cond, r.Interval,
				strings.Join(r.StatusCodeRanges, ","), r.TripDuration, ra)
		}
	}
	for _, a := range s.APIs {
		w.Printf("  api     %-14s /%s\n", a.Name, a.Path)
	}
}

func opt(p *int) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
