package model

import (
	"context"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// EvidenceRules are the lint rules whose findings get simulated evidence:
// the breaker false-trip and sluggishness estimates.
var EvidenceRules = []string{"APIM203", "APIM204"}

// SimulatedDuration is how much baseline traffic lint --simulate runs
// through each breaker.
const SimulatedDuration = 24 * time.Hour

// Annotate runs every breaker of svc through the model engine at the
// baseline traffic cfg declares (50 rps with 1 % failures when it declares
// none), for SimulatedDuration, and attaches the evidence to res's
// APIM203/APIM204 findings about those backends (lint --simulate). It
// returns the number of findings annotated.
func Annotate(ctx context.Context, svc *apim.Service, res *lint.Result, cfg *lint.Config, o EvidenceOptions) (int, error) {
	if !hasEvidenceFinding(res) {
		return 0, nil
	}
	if o.MaxRequests == 0 {
		o.MaxRequests = 1_000_000 // bounds percentage conditions, which draw every request
	}
	ev, err := BreakerEvidenceAll(ctx, svc, cfg.BaselineOf, SimulatedDuration, o)
	if err != nil {
		return 0, err
	}
	byName := make(map[string]Evidence, len(ev))
	for name, e := range ev {
		byName[strings.ToLower(name)] = e
	}
	n := 0
	for i := range res.Findings {
		f := &res.Findings[i]
		if !isEvidenceRule(f.Rule) || f.Subject.Kind != "backend" {
			continue
		}
		e, ok := byName[strings.ToLower(f.Subject.Name)]
		if !ok {
			continue
		}
		f.Simulated = e.lint()
		n++
	}
	return n, nil
}

// lint converts the evidence to lint's form.
func (e Evidence) lint() *lint.Simulated {
	return &lint.Simulated{TripsPerDay: e.TripsPerDay, OpenMinutesPerDay: e.OpenMinutesPerDay, RPS: e.RPS, FailureRate: e.FailureRate, Duration: e.Duration}
}

func hasEvidenceFinding(res *lint.Result) bool {
	for _, f := range res.Findings {
		if isEvidenceRule(f.Rule) {
			return true
		}
	}
	return false
}

func isEvidenceRule(id string) bool {
	for _, r := range EvidenceRules {
		if r == id {
			return true
		}
	}
	return false
}
