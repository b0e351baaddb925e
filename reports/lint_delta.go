package reports

import "github.com/apimlab/apimlab/lint"

// LintDelta matches the findings of two lint runs as baselines do — by
// rule, service, file relative to its root and fingerprint, not by line —
// and returns what head introduces and what it fixes. The roots are the
// folders each side's files are relative to (a git revision is extracted
// elsewhere than the working tree). Suppressed findings take no part.
func LintDelta(base *lint.Result, baseRoot string, head *lint.Result, headRoot string) (introduced, fixed []lint.Finding) {
	return unmatched(head, headRoot, base, baseRoot), unmatched(base, baseRoot, head, headRoot)
}

// unmatched returns the findings of a that b does not hold (as a multiset).
func unmatched(a *lint.Result, aRoot string, b *lint.Result, bRoot string) []lint.Finding {
	left := map[baselineKey]int{}
	for _, f := range b.Findings {
		if !f.Suppressed {
			left[keyOf(f, bRoot)]++
		}
	}
	var out []lint.Finding
	for _, f := range a.Findings {
		if f.Suppressed {
			continue
		}
		if k := keyOf(f, aRoot); left[k] > 0 {
			left[k]--
			continue
		}
		out = append(out, f)
	}
	return out
}
