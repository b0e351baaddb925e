package rules

import (
	"fmt"
	"strings"

	"github.com/agnivade/levenshtein"
	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// Helpers shared by the rules. Other rule files may use them.

// backendSubject is the finding subject for a backend.
func backendSubject(b *apim.Backend) lint.Subject {
	return lint.Subject{Kind: "backend", Name: b.Name}
}

// fileSubject is the finding subject for a whole file.
func fileSubject(file string) lint.Subject {
	return lint.Subject{Kind: "file", Name: file}
}

// spelledAs returns ` (written "key")` when key differs from the schema's
// canonical spelling, else "".
func spelledAs(key, canonical string) string {
	if key == "" || key == canonical {
		return ""
	}
	return ` (written "` + key + `")`
}

// equalFold is strings.EqualFold.
func equalFold(a, b string) bool { return strings.EqualFold(a, b) }

// isSingle reports whether b is a known Single backend (type absent, null
// or Single). Backends whose type could not be resolved are not.
func isSingle(b *apim.Backend) bool {
	if b.Type.Unknown() != "" {
		return false
	}
	return !b.IsPool()
}

// unresolvedEntities reports whether the loader skipped an entity of kind
// ("backends", "namedvalues", "certificates") because its name could not be
// resolved (APIM902). A reference to an unknown entity of that kind may
// then name the skipped one, so rules that report unknown references stay
// silent rather than guess.
func unresolvedEntities(svc *apim.Service, kind string) bool {
	for _, s := range svc.Skipped {
		if s.Type == kind || (kind == "namedvalues" && s.Type == "properties") {
			return true
		}
	}
	return false
}

// reportSev reports a finding at an explicit severity, for rules whose
// findings do not all share the rule's default (a documented limit is an
// error, apimlab's reading of undocumented behaviour a warning).
func reportSev(pass *lint.Pass, sev lint.Severity, pos apim.Position, subj lint.Subject, fix, format string, args ...any) {
	pass.Report(lint.Finding{Rule: pass.Rule.ID, Name: pass.Rule.Name, Severity: sev,
		Pos: pos, Subject: subj, Fix: fix, Message: fmt.Sprintf(format, args...)})
}

// clip shortens s to n bytes with an ellipsis.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// closestName returns the candidate closest to name, ignoring case, within
// an edit distance of 2 ("" when none is).
func closestName(name string, cands []string) string {
	best, bestD := "", 3
	for _, cand := range cands {
		if cand == "" {
			continue
		}
		if d := levenshtein.ComputeDistance(strings.ToLower(cand), strings.ToLower(name)); d < bestD {
			best, bestD = cand, d
		}
	}
	return best
}
