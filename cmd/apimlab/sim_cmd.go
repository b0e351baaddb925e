package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/sim"
	"github.com/apimlab/apimlab/sim/live"
)

// SimCmd runs a simulation scenario.
type SimCmd struct {
	Scenario      string   `arg:"" help:"Scenario file (YAML or JSON; see docs/scenarios.md)."`
	Engine        string   `enum:"live" default:"live" help:"Engine: live (the real gateway, fake backends on loopback, vegeta load)."`
	Clock         string   `enum:"virtual,wall" default:"virtual" help:"virtual: scenario time runs as fast as the machine allows, reproducibly; wall: a real load test at the requested rates."`
	Speed         float64  `default:"1" help:"Wall clock only: compress the scenario timeline N times (breaker intervals and trip durations keep their configured values in scenario time)."`
	Seed          uint64   `help:"Override the scenario's seed."`
	BreakerModel  string   `enum:",halfOpen,reset" default:"" help:"Override the scenario's breaker model: halfOpen (one trial request) or reset (Azure's documented behaviour)."`
	Parameters    []string `help:"ARM parameters file(s), instead of the scenario's." type:"existingfile"`
	Out           string   `default:"apimlab-out" help:"Folder the result and reports are written to."`
	Format        []string `default:"text,json" help:"Report formats written to --out (text also goes to the terminal): ${runformats}."`
	VegetaResults string   `name:"vegeta-results" help:"Also write vegeta's own binary results to this file (for vegeta report/plot)."`
	Verbose       bool     `help:"Log the gateway's messages to stderr."`
}

// Run loads the scenario and its configuration, runs it and writes the
// result. Exit 0 when every assertion holds, 1 when one fails, 2 for a
// scenario or configuration error.
func (c *SimCmd) Run(g *Globals) error {
	sc, err := sim.Load(c.Scenario)
	if err != nil {
		return usageErr("%v", err)
	}
	if c.Seed != 0 {
		sc.Seed = c.Seed
	}
	params := sc.ParameterPaths()
	if len(c.Parameters) > 0 {
		params = c.Parameters
	}
	svc, err := loadScenarioConfig(sc, params)
	if err != nil {
		return usageErr("%v", err)
	}
	printers, err := runPrinters(c.Format)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return usageErr("--out: %v", err)
	}
	opts := live.Options{Clock: c.Clock, Speed: c.Speed, Version: Version}
	if c.BreakerModel != "" {
		m, err := breaker.ParseModel(c.BreakerModel)
		if err != nil {
			return usageErr("%v", err)
		}
		opts.BreakerModel = &m
	}
	if c.Verbose {
		opts.Logger = slog.New(slog.NewTextHandler(g.Stderr, nil))
	}
	if c.VegetaResults != "" {
		f, err := os.Create(c.VegetaResults)
		if err != nil {
			return usageErr("--vegeta-results: %v", err)
		}
		defer f.Close()
		opts.VegetaResults = f
	}
	opts.Progress = progressPrinter(g.Stderr, isTerminal(g.Stderr))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Fprintf(g.Stderr, "apimlab sim: %s (%s engine, %s clock, %s of scenario time, seed %d)\n",
		sc.Name, c.Engine, c.Clock, sc.Length(), sc.Seed)
	res, err := live.Run(ctx, svc, sc, opts)
	if err != nil {
		if errors.Is(err, sim.ErrScenario) {
			return usageErr("%v", err)
		}
		return &exitError{code: 2, err: err}
	}
	if err := writeRunReports(g.Stdout, c.Out, res, printers); err != nil {
		return err
	}
	if !res.Passed {
		failed := 0
		for _, a := range res.Assertions {
			if !a.Passed {
				failed++
			}
		}
		return &exitError{code: 1, err: fmt.Errorf("%d of %d assertion(s) failed", failed, len(res.Assertions))}
	}
	return nil
}

// loadScenarioConfig loads the scenario's configuration and refuses
// malformed input.
func loadScenarioConfig(sc *sim.Scenario, params []string) (*apim.Service, error) {
	svc, err := load.Load(sc.ConfigPaths(), load.Options{Parameters: params})
	if err != nil {
		return nil, fmt.Errorf("%s: config: %w", sc.At("$.config"), err)
	}
	if err := load.Malformed(svc); err != nil {
		return nil, fmt.Errorf("%s: config: %w", sc.At("$.config"), err)
	}
	return svc, nil
}

// progressPrinter returns a live.Options.Progress that redraws one line on
// a terminal and prints a plain line every 5 s of wall time otherwise.
func progressPrinter(w io.Writer, tty bool) func(live.Progress) {
	var last time.Time
	return func(p live.Progress) {
		open := "none"
		if len(p.Open) > 0 {
			open = strings.Join(p.Open, ", ")
		}
		rate := ""
		if p.Requested > 0 {
			rate = fmt.Sprintf(" (%.0f%% of requested)", 100*float64(p.Requests)/p.Requested)
		}
		line := fmt.Sprintf("%s  %s/%s  %d requests%s  %d errors  open: %s",
			strings.Join(p.Phase, ", "), p.Elapsed.Round(time.Second), p.Total, p.Requests, rate, p.Errors, open)
		if tty {
			fmt.Fprintf(w, "\r\x1b[K%s", line)
			if p.Elapsed >= p.Total {
				fmt.Fprintln(w)
			}
			return
		}
		if time.Since(last) >= 5*time.Second || p.Elapsed >= p.Total {
			last = time.Now()
			fmt.Fprintln(w, line)
		}
	}
}

// resultPath is where the result JSON goes in out.
func resultPath(out string) string { return filepath.Join(out, "result.json") }
