package main

import (
	"encoding/json"
	"fmt"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/apim/summary"
	"github.com/apimlab/apimlab/lint/rules"
)

// InspectCmd prints the resolved model.
type InspectCmd struct {
	Paths       []string `arg:"" name:"path" help:"Files or folders (ARM, Bicep JSON, REST JSON, APIOps, policy XML)."`
	Format      string   `enum:"text,json" default:"text" help:"Output format (text, json)."`
	Parameters  []string `help:"ARM parameters file(s)." type:"existingfile"`
	NoPositions bool     `help:"Leave positions out (to compare input forms)."`
	Service     []string `help:"Show only the service(s) with this name (default: every service the inputs hold)."`
	Environment string   `help:"APIOps environment whose configuration.<env>.yaml overrides apply (default: the only one; 'all' shows each; 'none' applies none)."`
}

// Run loads the inputs and prints the summary of every service they hold
// (named from the service resource or, failing that, from child resource
// names: "[concat(parameters('apimName'), '/orders')]" names the service
// apimName resolves to). JSON output is one summary for one service, an
// array for several. Load issues that make the model incomplete
// (malformed input, unresolved values, bad durations) exit 2.
func (c *InspectCmd) Run(g *Globals) error {
	svcs, err := load.LoadServices(c.Paths, load.Options{Parameters: c.Parameters, Environment: c.Environment, Reading: beforeRead})
	if err != nil {
		return usageErr("%v", err)
	}
	if svcs, err = pickServices(svcs, c.Service); err != nil {
		return usageErr("%v", err)
	}
	sums := make([]*summary.Summary, 0, len(svcs))
	n := 0
	for _, svc := range svcs {
		svc.Issues = append(svc.Issues, policy.Check(svc)...)
		s := summary.Of(svc, summary.Options{NoPositions: c.NoPositions, RuleOf: rules.ProblemRule})
		s.Service = svc.Label()
		sums = append(sums, s)
		n += load.Problems(svc)
	}
	switch c.Format {
	case "json":
		enc := json.NewEncoder(g.Stdout)
		enc.SetIndent("", "  ")
		var v any = sums
		if len(sums) == 1 {
			v = sums[0]
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	default:
		for i, s := range sums {
			if i > 0 {
				if _, err := fmt.Fprintln(g.Stdout); err != nil {
					return err
				}
			}
			if _, err := fmt.Fprint(g.Stdout, s.Text()); err != nil {
				return err
			}
		}
	}
	if n > 0 {
		return &exitError{code: 2, err: fmt.Errorf("%d load problem(s); see the issues above", n)}
	}
	return nil
}
