package reports

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/apimlab/apimlab/internal/errw"
	"github.com/apimlab/apimlab/sim"
)

// RunMarkdown prints a run as GitHub-flavoured Markdown for a pull request
// comment or $GITHUB_STEP_SUMMARY: the verdict, how the run was made, the
// assertions, a Unicode sparkline of the attempts per second each backend
// received, the distribution table of every phase (deviations from the
// expected pool share marked ⚠️) and the breaker transitions. No images,
// so it renders anywhere Markdown does.
type RunMarkdown struct {
	// SparkWidth is the number of characters of a sparkline; 0 means 60.
	SparkWidth int
	// MaxTransitions bounds the transition rows (GitHub limits a step
	// summary to 1 MiB); 0 means 200. The rest are counted.
	MaxTransitions int
}

// Print implements RunPrinter.
func (m *RunMarkdown) Print(w io.Writer, r *sim.Result) error {
	ew := errw.New(w)
	name := "simulation"
	if r.Scenario != nil && r.Scenario.Name != "" {
		name = r.Scenario.Name
	}
	passed, _ := assertionCounts(r)
	icon := "✅"
	if verdict(r) == "FAIL" {
		icon = "❌"
	}
	ew.Printf("## %s apimlab sim: %s — %s", icon, mdRunCell(name), verdict(r))
	if len(r.Assertions) > 0 {
		ew.Printf(", %d of %d assertions passed", passed, len(r.Assertions))
	}
	ew.Printf("\n\n")
	if r.Scenario != nil && r.Scenario.Description != "" {
		ew.Printf("%s\n\n", strings.TrimSpace(r.Scenario.Description))
	}
	var info []string
	for _, kv := range runInfoPairs(r) {
		if kv[0] != "scenario" {
			info = append(info, fmt.Sprintf("%s `%s`", kv[0], kv[1]))
		}
	}
	ew.Printf("%s\n", strings.Join(info, " · "))
	for _, w := range r.Warnings {
		ew.Printf("\n> [!WARNING]\n> %s\n", mdRunCell(w))
	}

	if len(r.Assertions) > 0 {
		ew.Printf("\n### Assertions\n\n| | assertion | expected | observed |\n|---|---|---|---|\n")
		for _, a := range r.Assertions {
			mark := "✅"
			if !a.Passed {
				mark = "❌"
			}
			ew.Printf("| %s | %s | %s | %s |\n", mark, mdRunCell(a.Name), mdRunCell(a.Expected), mdRunCell(a.Observed))
		}
	}

	width := m.SparkWidth
	if width <= 0 {
		width = 60
	}
	axis := newAxis(r, width)
	rates := attemptRates(r, axis)
	if len(rates) > 0 {
		ew.Printf("\n### Attempts per backend\n\n")
		ew.Printf("Attempts per second from 0s to %s, one character per %s (· = none), every instance together.\n\n",
			fmtDur(axis.Length), fmtDur(axis.colStart(1)))
		ew.Printf("| backend | attempts/s | peak | total |\n|---|---|---:|---:|\n")
		for _, b := range backendNames(r) {
			v, ok := rates[b]
			if !ok {
				continue
			}
			peak := slices.Max(v)
			var total uint64
			for _, s := range r.Series {
				if s.Backend == b {
					for _, p := range s.Points {
						total += p.Requests
					}
				}
			}
			ew.Printf("| %s | `%s` | %s/s | %d |\n", mdRunCell(b), sparkline(v, peak), fmtRate(peak), total)
		}
	}

	if len(r.Phases) > 0 {
		ew.Printf("\n### Distribution per phase\n\n")
		ew.Printf("Share of the responses each backend served; for pool members, the share of the pool's responses against the share expected from weights, priorities and breaker states (⚠️: off by more than %s).\n",
			fmtPct(shareTolerance))
	}
	for i := range r.Phases {
		p := &r.Phases[i]
		ew.Printf("\n**%s** (%s, %s → %s): %d requests, %s, error rate %s, p50 %s, p99 %s\n\n",
			mdRunCell(p.Name), mdRunCell(p.Stream), fmtDur(p.Start.D()), fmtDur(p.End.D()), p.Requests, statusMix(p.Status),
			fmtPct(p.ErrorRate), fmtLat(p.P50.D()), fmtLat(p.P99.D()))
		ew.Printf("| backend | pool | served | share | pool share | expected |\n|---|---|---:|---:|---:|---:|\n")
		for _, d := range distribution(r, p) {
			pool, obs, exp := "", "", ""
			if d.Pool != "" {
				pool = mdRunCell(d.Pool)
			}
			if d.Observed >= 0 {
				obs = fmtPct(d.Observed)
			}
			if d.Expected >= 0 {
				exp = fmtPct(d.Expected)
			}
			if d.Deviates {
				exp += " ⚠️"
			}
			ew.Printf("| %s | %s | %d | %s | %s | %s |\n", mdRunCell(d.Backend), pool, d.Served, fmtPct(d.Share), obs, exp)
		}
	}

	ew.Printf("\n### Breaker transitions\n\n")
	if len(r.Transitions) == 0 {
		ew.Printf("None.\n")
		return ew.Err
	}
	limit := m.MaxTransitions
	if limit <= 0 {
		limit = 200
	}
	instances := max(r.Run.Instances, 1)
	ew.Printf("| time | backend | from → to | reason |\n|---:|---|---|---|\n")
	for i, t := range r.Transitions {
		if i == limit {
			ew.Printf("\n… and %d more transitions (see the JSON or HTML report).\n", len(r.Transitions)-limit)
			break
		}
		ew.Printf("| %s | %s | %s → %s | %s |\n", fmtDur(t.At.D().Round(time.Millisecond)), mdRunCell(instanceLabel(t.Backend, t.Instance, instances)),
			t.From, t.To, mdRunCell(transitionReason(t)))
	}
	return ew.Err
}

// mdRunCell makes text safe in a Markdown table cell: one line, pipes and
// HTML-significant characters escaped.
func mdRunCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "`", "\\`").Replace(s)
}
