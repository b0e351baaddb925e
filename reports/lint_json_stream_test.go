package reports

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/apimlab/apimlab/internal/textdiff"
	"github.com/apimlab/apimlab/lint"
)

// TestJSONWrittenAsEncoderWould: the JSON report, written a member and a
// finding at a time, is byte for byte what encoding/json's Encoder (two
// spaces, no HTML escaping) makes of the whole report at once: with and
// without services, findings and suppressed ones, every optional field,
// characters HTML escaping would touch, and numbers.
func TestJSONWrittenAsEncoderWould(t *testing.T) {
	full := jsonFinding{Rule: "APIM203", Name: "breaker-twitchy", Severity: "warning",
		Message: `trips on <1> & "2" failures — ünïcode \ backslash` + "\u2028", File: "a/b.json", Line: 12, Col: 7,
		Path: `$.resources[3]["odd key"]`, Service: "svc", Resource: &jsonResource{Kind: "backend", Name: "b<1>"},
		Fix: "raise count", Simulated: &lint.Simulated{TripsPerDay: 12.5, OpenMinutesPerDay: 1e-7, RPS: 50, FailureRate: 0.01}}
	bare := jsonFinding{Rule: "APIM001", Name: "tls", Severity: "error", Message: "m", File: "f"}
	supp := bare
	supp.Suppression = &jsonSuppression{Kind: "inline", Justification: "known & accepted", File: "f", Line: 3, Col: 1}
	for _, tt := range []struct {
		name string
		rep  jsonReport
	}{
		{"empty", jsonReport{Version: 1, Tool: jsonTool{Name: "apimlab", Version: "dev"}, Findings: []jsonFinding{}, Suppressed: []jsonFinding{}}},
		{"services, findings, suppressed", jsonReport{Version: 1, Tool: jsonTool{Name: "apimlab", Version: "1.2.3"},
			Summary:  jsonSummary{Errors: 1, Warnings: 2, Suppressed: 1, Files: 2, Rules: 68},
			Services: []string{"apim-a", "apim-<b>"}, Findings: []jsonFinding{full, bare, full}, Suppressed: []jsonFinding{supp}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			if err := enc.Encode(tt.rep); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := writeReport(&got, &tt.rep); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("report differs from encoding/json's:\n%s", textdiff.First(want.String(), got.String()))
			}
		})
	}
}
