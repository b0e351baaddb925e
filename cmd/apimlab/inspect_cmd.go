package main

import (
	"encoding/json"
	"fmt"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/apim/summary"
)

// InspectCmd prints the resolved model.
type InspectCmd struct {
	Paths       []string `arg:"" name:"path" help:"Files or folders (ARM, Bicep JSON, REST JSON, APIOps, policy XML)."`
	Format      string   `enum:"text,json" default:"text" help:"Output format (text, json)."`
	Parameters  []string `help:"ARM parameters file(s)." type:"existingfile"`
	NoPositions bool     `help:"Leave positions out (to compare input forms)."`
}

// Run loads the inputs and prints the summary. Load issues that make the
// model incomplete (malformed input, unresolved values, bad durations) exit 2.
func (c *InspectCmd) Run(g *Globals) error {
	svc, err := load.Load(c.Paths, load.Options{Parameters: c.Parameters})
	if err != nil {
		return usageErr("%v", err)
	}
	svc.Issues = append(svc.Issues, policy.Check(svc)...)
	s := summary.Of(svc, summary.Options{NoPositions: c.NoPositions})
	switch c.Format {
	case "json":
		enc := json.NewEncoder(g.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return err
		}
	default:
		if _, err := fmt.Fprint(g.Stdout, s.Text()); err != nil {
			return err
		}
	}
	if n := load.Problems(svc); n > 0 {
		return &exitError{code: 2, err: fmt.Errorf("%d load problem(s); see the issues above", n)}
	}
	return nil
}
