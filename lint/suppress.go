package lint

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// expiryLayout is the date format of Suppression.Expires.
const expiryLayout = "2006-01-02"

// expired reports whether s has an expiry date that has passed at now. A
// suppression expiring on a day still applies during that day (UTC).
func (s Suppression) expired(now time.Time) bool {
	if s.Expires == "" {
		return false
	}
	d, err := time.Parse(expiryLayout, s.Expires)
	if err != nil {
		// LoadConfig rejects bad dates; a Config built in code with a bad
		// date is treated as expired so that it cannot hide findings.
		return true
	}
	return !now.UTC().Before(d.Add(24 * time.Hour))
}

// matches reports whether the suppression applies to f (ignoring expiry).
func (s Suppression) matches(f Finding) bool {
	if !strings.EqualFold(s.Rule, f.Rule) && !strings.EqualFold(s.Rule, f.Name) {
		return false
	}
	if s.Resource != "" && !strings.EqualFold(s.Resource, f.Subject.Name) {
		return false
	}
	if s.File != "" && !MatchFile(s.File, f.Pos.File) {
		return false
	}
	return true
}

// expiredSuppressions reports each expired suppression of cfg.
func expiredSuppressions(cfg *Config, now time.Time) []Finding {
	var out []Finding
	for _, s := range cfg.Suppressions {
		if !s.expired(now) {
			continue
		}
		pos := s.Pos
		if pos.File == "" {
			pos.File = cfg.File
		}
		what := s.Rule
		if s.Resource != "" {
			what += " on " + s.Resource
		}
		if s.File != "" {
			what += " in " + s.File
		}
		out = append(out, Finding{
			Rule:     SuppressionExpired.ID,
			Name:     SuppressionExpired.Name,
			Severity: SuppressionExpired.Severity,
			Pos:      pos,
			Subject:  Subject{Kind: "suppression", Name: s.Rule},
			Message: fmt.Sprintf("suppression of %s expired on %s and no longer applies (reason given: %q)",
				what, s.Expires, s.Reason),
		})
	}
	return out
}

// suppress returns how f is suppressed, or nil. Inline suppressions are
// tried first: they are the most specific.
func suppress(f Finding, inline []InlineSuppression, cfg *Config, now time.Time) *SuppressionInfo {
	if f.Rule == SuppressionExpired.ID || f.Rule == SuppressionInvalid.ID || f.Rule == InternalError.ID {
		return nil
	}
	for _, in := range inline {
		if in.covers(f) {
			return &SuppressionInfo{Kind: "inline", Justification: in.Reason, Pos: in.Pos}
		}
	}
	for _, s := range cfg.Suppressions {
		if s.matches(f) && !s.expired(now) {
			pos := s.Pos
			if pos.File == "" {
				pos.File = cfg.File
			}
			return &SuppressionInfo{Kind: "config", Justification: s.Reason, Pos: pos}
		}
	}
	return nil
}

// MatchFile reports whether file matches the suppression glob pattern.
// Patterns use '/' separators and path.Match syntax per segment, plus "**"
// for any number of segments. A pattern without '/' matches the base name
// too; otherwise a pattern matches the path or any trailing part of it, so
// "apis/*.xml" matches "/abs/repo/apis/orders.xml".
func MatchFile(pattern, file string) bool {
	if pattern == "" || file == "" {
		return false
	}
	file = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(file)), "./")
	pattern = strings.TrimPrefix(path.Clean(pattern), "./")
	if !strings.Contains(pattern, "/") {
		if ok, _ := path.Match(pattern, path.Base(file)); ok {
			return true
		}
	}
	fs := strings.Split(file, "/")
	ps := strings.Split(pattern, "/")
	if strings.HasPrefix(pattern, "/") {
		return matchSegs(ps, fs)
	}
	for i := range fs {
		if matchSegs(ps, fs[i:]) {
			return true
		}
	}
	return false
}

func matchSegs(ps, fs []string) bool {
	for len(ps) > 0 {
		if ps[0] == "**" {
			for i := 0; i <= len(fs); i++ {
				if matchSegs(ps[1:], fs[i:]) {
					return true
				}
			}
			return false
		}
		if len(fs) == 0 {
			return false
		}
		if ok, _ := path.Match(ps[0], fs[0]); !ok {
			return false
		}
		ps, fs = ps[1:], fs[1:]
	}
	return len(fs) == 0
}

// position helper for inline ranges: a <= b by line then column.
func posLE(a, b apim.Position) bool {
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Col <= b.Col
}

// matchErr reports a syntax error in one glob segment.
func matchErr(seg string) (bool, error) { return path.Match(seg, "") }
