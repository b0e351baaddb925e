package model

import (
	"path/filepath"
	"testing"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/sim"
)

// TestShippedScenarios runs every scenario under fixtures/scenarios on the
// model engine: each must run without approximation and pass its own
// assertions (the same the live engine is held to).
func TestShippedScenarios(t *testing.T) {
	files, err := filepath.Glob("../../fixtures/scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no shipped scenarios: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			sc, err := sim.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			svc, err := load.Load(sc.ConfigPaths(), load.Options{Parameters: sc.ParameterPaths()})
			if err != nil {
				t.Fatalf("config: %v", err)
			}
			res := run(t, svc, sc, Options{})
			for _, a := range res.Assertions {
				if !a.Passed {
					t.Errorf("%s: expected %s, observed %s", a.Name, a.Expected, a.Observed)
				}
			}
			for _, w := range res.Warnings {
				t.Logf("warning: %s", w)
			}
		})
	}
}
