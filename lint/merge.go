package lint

import (
	"slices"
	"strings"
)

// Merge joins the results of several services (one Run each) into one
// result for the printers: findings and suppressed findings of every
// service, each carrying its Service, sorted as Run sorts them; counts
// added up; rules, files and services in first-seen order. Merge of one
// result returns it; of none, an empty result.
func Merge(results ...*Result) *Result {
	switch len(results) {
	case 0:
		return &Result{Config: &Config{}, Redactor: &Redactor{}}
	case 1:
		return results[0]
	}
	out := &Result{Config: results[0].Config, Redactor: &Redactor{}}
	for _, r := range results {
		out.Findings = append(out.Findings, r.Findings...)
		out.Suppressed = append(out.Suppressed, r.Suppressed...)
		out.Stats.Errors += r.Stats.Errors
		out.Stats.Warnings += r.Stats.Warnings
		out.Stats.Infos += r.Stats.Infos
		out.Stats.Suppressed += r.Stats.Suppressed
		for _, f := range r.Files {
			if !slices.Contains(out.Files, f) {
				out.Files = append(out.Files, f)
			}
		}
		for _, s := range r.Services {
			if !slices.Contains(out.Services, s) {
				out.Services = append(out.Services, s)
			}
		}
		for _, rule := range r.Rules {
			if !slices.Contains(out.Rules, rule) {
				out.Rules = append(out.Rules, rule)
			}
		}
		out.Redactor = out.Redactor.join(r.Redactor)
	}
	slices.SortStableFunc(out.Findings, compareFindings)
	slices.SortStableFunc(out.Suppressed, compareFindings)
	slices.SortFunc(out.Rules, func(a, b *Rule) int { return strings.Compare(a.ID, b.ID) })
	out.Stats.Files = len(out.Files)
	for _, r := range results {
		out.Stats.Rules = max(out.Stats.Rules, r.Stats.Rules)
	}
	return out
}
