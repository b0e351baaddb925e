package reports

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/apimlab/apimlab/impact"
	"github.com/apimlab/apimlab/internal/errw"
)

// ImpactMarkdown prints the impact as a pull-request comment: the verdict
// and its reasons, then the behaviour delta, the configuration changes and
// the lint delta, most important first and compact. Lists are cut to
// MaxImpactItems entries (the rest are counted) so the comment stays far
// below GitHub's 65,536-character limit.
type ImpactMarkdown struct{}

// MaxImpactItems bounds each list of the Markdown and text impact reports.
const MaxImpactItems = 40

// shareChange is the smallest share change worth a row (1 point).
const shareChange = 0.01

// Print implements ImpactPrinter.
func (ImpactMarkdown) Print(w io.Writer, r *impact.Report) error {
	ew := errw.New(w)
	ew.Printf("## apimlab impact: %s\n\n", impactVerdict(r))
	ew.Printf("`%s` → `%s`", r.Base, r.Head)
	if r.Engine != "" {
		ew.Printf(" · %d scenario(s) on the %s engine, same seed on both sides", len(r.Scenarios), r.Engine)
	}
	ew.Printf("\n\n")
	if len(r.Reasons) > 0 {
		ew.Printf("**Why it fails**\n\n")
		for i, reason := range r.Reasons {
			if i == MaxImpactItems {
				ew.Printf("- … and %d more\n", len(r.Reasons)-i)
				break
			}
			ew.Printf("- %s\n", mdText(reason))
		}
		ew.Printf("\n")
	}
	for _, s := range r.Scenarios {
		ew.Printf("### Behaviour: %s\n\n", mdText(s.Name))
		if s.BreakerModel != "" {
			ew.Printf("Breaker model: %s. ", mdText(s.BreakerModel))
		}
		if s.TransportErrors != "" {
			ew.Printf("Transport errors: %s. ", mdText(s.TransportErrors))
		}
		ew.Printf("Assertions passed: %s of %d", arrow(fmt.Sprint(s.Passed[0]), fmt.Sprint(s.Passed[1])), s.Total)
		if len(s.Flips) > 0 {
			ew.Printf(" — flipped:")
		}
		ew.Printf("\n\n")
		for _, f := range s.Flips {
			ew.Printf("- **%s**: %s → %s (base: %s; head: %s)\n", mdText(f.Name), passWord(f.Passed[0]), passWord(f.Passed[1]), mdText(f.Observed[0]), mdText(f.Observed[1]))
		}
		if len(s.Flips) > 0 {
			ew.Printf("\n")
		}
		if len(s.Breakers) > 0 {
			ew.Printf("| breaker | trips | time open | fails over after | recovers after |\n|---|---|---|---|---|\n")
			for _, b := range s.Breakers {
				ew.Printf("| %s | %s | %s | %s | %s |\n", mdText(b.Backend),
					arrow(fmt.Sprint(b.Trips[0]), fmt.Sprint(b.Trips[1])),
					arrow(msDur(b.Open[0]), msDur(b.Open[1])),
					arrow(maybeDur(b.Failover[0]), maybeDur(b.Failover[1])),
					arrow(maybeDur(b.Recovery[0]), maybeDur(b.Recovery[1])))
			}
			ew.Printf("\n")
		}
		var phases []impact.PhaseDelta
		for _, p := range s.Phases {
			if math.Abs(p.ErrorRate[1]-p.ErrorRate[0]) >= 0.001 || p.P99[0] != p.P99[1] {
				phases = append(phases, p)
			}
		}
		if len(phases) > 0 {
			ew.Printf("| phase | client errors | p99 |\n|---|---|---|\n")
			for i, p := range phases {
				if i == MaxImpactItems {
					ew.Printf("| … %d more | | |\n", len(phases)-i)
					break
				}
				ew.Printf("| %s | %s | %s |\n", mdText(p.Phase), arrow(fmtPct(p.ErrorRate[0]), fmtPct(p.ErrorRate[1])), arrow(fmtLat(p.P99[0].D()), fmtLat(p.P99[1].D())))
			}
			ew.Printf("\n")
		}
		var shares []impact.ShareDelta
		for _, sh := range s.Shares {
			if math.Abs(sh.Share[1]-sh.Share[0]) >= shareChange {
				shares = append(shares, sh)
			}
		}
		if len(shares) > 0 {
			ew.Printf("| phase | backend | share of its pool |\n|---|---|---|\n")
			for i, sh := range shares {
				if i == MaxImpactItems {
					ew.Printf("| … %d more | | |\n", len(shares)-i)
					break
				}
				ew.Printf("| %s | %s | %s |\n", mdText(sh.Phase), mdText(sh.Backend), arrow(fmtPct(sh.Share[0]), fmtPct(sh.Share[1])))
			}
			ew.Printf("\n")
		}
		if len(s.Breakers) == 0 && len(phases) == 0 && len(shares) == 0 && len(s.Flips) == 0 {
			ew.Printf("No difference in breakers, client errors, latency or traffic shares.\n\n")
		}
	}
	ew.Printf("### Configuration changes (%d)\n\n", len(r.Changes))
	if len(r.Changes) == 0 {
		ew.Printf("None that affect backends, pools, breakers, TLS, certificates or routing policies.\n\n")
	}
	for i, c := range r.Changes {
		if i == MaxImpactItems {
			ew.Printf("- … and %d more\n", len(r.Changes)-i)
			break
		}
		ew.Printf("- %s\n", mdText(c.String()))
	}
	if len(r.Changes) > 0 {
		ew.Printf("\n")
	}
	ew.Printf("### Lint: %d introduced, %d fixed\n\n", len(r.Introduced), len(r.Fixed))
	for i, f := range r.Introduced {
		if i == MaxImpactItems {
			ew.Printf("- … and %d more\n", len(r.Introduced)-i)
			break
		}
		ew.Printf("- **%s** %s `%s` %s\n", f.Severity, f.Rule, f.Pos, mdText(f.Message))
	}
	if len(r.Fixed) > 0 {
		ids := map[string]int{}
		var order []string
		for _, f := range r.Fixed {
			if ids[f.Rule] == 0 {
				order = append(order, f.Rule)
			}
			ids[f.Rule]++
		}
		parts := make([]string, len(order))
		for i, id := range order {
			parts[i] = fmt.Sprintf("%s ×%d", id, ids[id])
		}
		ew.Printf("\nFixed: %s\n", strings.Join(parts, ", "))
	}
	return ew.Err
}

func passWord(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}

// mdText escapes what Markdown tables and lists would take as syntax.
func mdText(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}
