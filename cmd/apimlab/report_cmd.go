package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/apimlab/apimlab/reports"
	"github.com/apimlab/apimlab/sim"
)

// ReportCmd renders saved simulation results: `apimlab report RESULT.json`
// re-renders one in another format, `apimlab report merge` adds up the
// results of a sharded run.
type ReportCmd struct {
	Render ReportRenderCmd `cmd:"" default:"withargs" help:"Render a saved result (the default: apimlab report RESULT.json --format html)."`
	Merge  ReportMergeCmd  `cmd:"" help:"Merge the results of the shards of one run (apimlab sim --shard i/N) into one result."`
}

// ReportRenderCmd re-renders a saved simulation result (the result.json
// that `apimlab sim` writes) in another format.
type ReportRenderCmd struct {
	Result string `arg:"" type:"existingfile" name:"result" help:"Simulation result (result.json written by apimlab sim)."`
	Format string `short:"f" enum:"${runformats}" default:"text" help:"Output format: ${runformats}."`
	Output string `short:"o" type:"path" help:"Write the report to FILE instead of standard output."`
	Color  string `enum:"auto,always,never" default:"auto" help:"Colour text output (auto: only on a terminal)."`
}

// Run reads the result and prints it. Exit codes: 0 rendered, 2 the file
// is not a result or the report cannot be written. The verdict of the run
// does not change the exit code: `apimlab sim` reports that.
func (c *ReportRenderCmd) Run(g *Globals) error {
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
			return &exitError{code: 2, err: fmt.Errorf("writing report: %w", err)}
		}
		return nil
	}
	// Render in memory first so that a failed render leaves no partial
	// file behind.
	var buf bytes.Buffer
	if err := p.Print(&buf, res); err != nil {
		return &exitError{code: 2, err: fmt.Errorf("rendering report: %w", err)}
	}
	if err := os.WriteFile(c.Output, buf.Bytes(), 0o644); err != nil {
		return usageErr("%v", err)
	}
	return nil
}

// ReportMergeCmd merges shard results.
type ReportMergeCmd struct {
	Results []string `arg:"" type:"existingfile" name:"result" help:"Shard results (result.json of each apimlab sim --shard i/N)."`
	Output  string   `short:"o" required:"" type:"path" help:"Write the merged result (JSON) to FILE."`
}

// Run reads the shard results, merges them (sim.Merge: counts summed,
// histograms added, assertions evaluated again) and writes the result.
// Exit 2 when the shards do not belong together.
func (c *ReportMergeCmd) Run(g *Globals) error {
	var rs []*sim.Result
	for _, f := range c.Results {
		r, err := sim.ReadResult(f)
		if err != nil {
			return usageErr("%v", err)
		}
		rs = append(rs, r)
	}
	m, err := sim.Merge(rs...)
	if err != nil {
		return usageErr("%v", err)
	}
	var buf bytes.Buffer
	if err := m.WriteJSON(&buf); err != nil {
		return &exitError{code: 2, err: err}
	}
	if err := os.WriteFile(c.Output, buf.Bytes(), 0o644); err != nil {
		return usageErr("%v", err)
	}
	fmt.Fprintf(g.Stderr, "merged %d shards into %s (start skew %s)\n", len(rs), c.Output, m.Run.Skew)
	for _, w := range m.Warnings {
		fmt.Fprintf(g.Stderr, "warning: %s\n", w)
	}
	return nil
}
