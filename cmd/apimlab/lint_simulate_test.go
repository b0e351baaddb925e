package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestLintSimulate: lint --simulate adds the model engine's evidence to the
// breaker findings of the demo configuration, in every format.
func TestLintSimulate(t *testing.T) {
	demo := filepath.Join("..", "..", "fixtures", "demo")
	for _, format := range []string{"text", "json", "sarif", "junit", "github", "markdown"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := runCLI(t, "lint", "--simulate", "--fail-on", "never", "--format", format, demo)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			switch format {
			case "json":
				var doc struct {
					Findings []struct {
						Rule      string `json:"rule"`
						Simulated *struct {
							TripsPerDay float64 `json:"tripsPerDay"`
							RPS         float64 `json:"rps"`
						} `json:"simulated"`
					} `json:"findings"`
				}
				if err := json.Unmarshal([]byte(out), &doc); err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, f := range doc.Findings {
					if f.Simulated != nil {
						n++
						if f.Rule != "APIM203" && f.Rule != "APIM204" {
							t.Errorf("evidence on %s", f.Rule)
						}
						// The demo declares no baseline: 50 rps is the stated default.
						if f.Simulated.RPS != 50 {
							t.Errorf("simulated at %v rps, want the default 50", f.Simulated.RPS)
						}
					}
				}
				if n == 0 {
					t.Error("no finding carries simulated evidence")
				}
			case "sarif":
				if !strings.Contains(out, `"simulated": {`) || !strings.Contains(out, `"tripsPerDay"`) {
					t.Error("SARIF results carry no simulated properties")
				}
			default:
				if !strings.Contains(out, "simulated: ") || !strings.Contains(out, "trips/day") {
					t.Errorf("%s output lacks the simulated evidence:\n%s", format, out)
				}
			}
		})
	}
	// Without --simulate there is none.
	if _, out, _ := runCLI(t, "lint", "--fail-on", "never", demo); strings.Contains(out, "simulated: ") {
		t.Error("evidence printed without --simulate")
	}
}

func TestExplainSimulate(t *testing.T) {
	demo := filepath.Join("..", "..", "fixtures", "demo")
	code, out, errOut := runCLI(t, "explain", "APIM203", "--simulate", demo)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Simulated: 24h0m0s", "orders-eastus", "orders-onprem", "trips/day"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, errOut := runCLI(t, "explain", "APIM001", "--simulate", demo); code != 2 || !strings.Contains(errOut, "breaker rules") {
		t.Errorf("--simulate on a non-breaker rule: exit %d, %s", code, errOut)
	}
}
