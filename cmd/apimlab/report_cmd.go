package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/apimlab/apimlab/reports"
	"github.com/apimlab/apimlab/sim"
)

// ReportCmd re-renders a saved simulation result (the result.json that
// `apimlab sim` writes) in another format.
type ReportCmd struct {
	Result string `arg:"" type:"existingfile" name:"result" help:"Simulation result (result.json written by apimlab sim)."`
	Format string `short:"f" enum:"${runformats}" default:"text" help:"Output format: ${runformats}."`
	Output string `short:"o" type:"path" help:"Write the report to FILE instead of standard output."`
	Color  string `enum:"auto,always,never" default:"auto" help:"Colour text output (auto: only on a terminal)."`
}

// Run reads the result and prints it. Exit codes: 0 rendered, 2 the file
// is not a result or the report cannot be written. The verdict of the run
// does not change the exit code: `apimlab sim` reports that.
func (c *ReportCmd) Run(g *Globals) error {
	res, err := sim.ReadResult(c.Result)
	if err != nil {
		return usageErr("%v", err)
	}
	color := c.Color == "always" || (c.Color == "auto" && c.Output == "" && isTerminal(g.Stdout))
	p, err := reports.NewRunPrinter(c.Format, reports.RunOptions{Color: color, Version: Version})
	if err != nil {
		return usageErr("%v", err)
	}
	if c.Output == "" {
		if err := p.Print(g.Stdout, res); err != nil {
			return fmt.Errorf("writing report: %w", err)
		}
		return nil
	}
	// Render in memory first so that a failed render leaves no partial
	// file behind.
	var buf bytes.Buffer
	if err := p.Print(&buf, res); err != nil {
		return fmt.Errorf("rendering report: %w", err)
	}
	if err := os.WriteFile(c.Output, buf.Bytes(), 0o644); err != nil {
		return usageErr("%v", err)
	}
	return nil
}
