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
	"github.com/apimlab/apimlab/sim/model"
	"github.com/apimlab/apimlab/sim/shards"
)

// SimCmd runs a simulation scenario.
type SimCmd struct {
	Scenario        string   `arg:"" help:"Scenario file (YAML or JSON; see docs/scenarios.md)."`
	Engine          string   `enum:"live,model" default:"live" help:"live: the real gateway, fake backends on loopback, vegeta load; model: the same breakers and pools on a virtual clock without sockets (a day in seconds)."`
	Clock           string   `enum:"virtual,wall" default:"virtual" help:"virtual: scenario time runs as fast as the machine allows, reproducibly; wall: a real load test at the requested rates."`
	Speed           float64  `default:"1" help:"Wall clock only: compress the scenario timeline N times (breaker intervals and trip durations keep their configured values in scenario time)."`
	Seed            uint64   `help:"Override the scenario's seed."`
	BreakerModel    string   `enum:",reset,halfOpen,half-open" default:"" help:"Override the scenario's breaker model (default: the scenario's gateway.breakerModel, else reset): reset (Azure's documented behaviour: closed with fresh counters, all traffic resumes) or halfOpen (one trial request; success closes, failure re-opens)."`
	TransportErrors string   `name:"transport-errors" enum:",always,listed" default:"" help:"Override the scenario's gateway.transportErrors (default: the scenario's, else always): always (every connection or TLS failure and forward-request timeout counts against a breaker) or listed (only when its error reason is in the rule's errorReasons). Azure does not document which."`
	Parameters      []string `help:"ARM parameters file(s), instead of the scenario's." type:"existingfile"`
	Out             string   `default:"apimlab-out" help:"Folder the result and reports are written to."`
	Format          []string `default:"text,json" help:"Report formats written to --out (text also goes to the terminal): ${runformats}."`
	VegetaResults   string   `name:"vegeta-results" help:"Also write vegeta's own binary results to this file (for vegeta report/plot)."`
	Verbose         bool     `help:"Log the gateway's messages to stderr."`
	// Real target and shards.
	Target        string        `help:"Run the load phases against a deployed gateway at this base URL (no fakes, no faults, wall clock)." placeholder:"URL"`
	BackendHeader string        `name:"backend-header" help:"With --target: the response header your policy sets to name the serving backend (default x-apimlab-backend)."`
	HeaderEnv     []string      `name:"header-env" help:"With --target: add a request header from an environment variable, NAME=ENVVAR (subscription keys and tokens never go in the scenario file, the result or the logs)." placeholder:"NAME=ENVVAR"`
	Shard         string        `help:"Run shard i of N (i/N): every N-th arrival of every phase, from arrival i; merge the results with apimlab report merge." placeholder:"i/N"`
	StartAt       string        `name:"start-at" help:"Start the load at this instant (RFC 3339, or now+DURATION), so that shards start together; a shard more than 1s late still runs and is marked late."`
	Emit          string        `enum:",k8s-job" default:"" help:"Print a Kubernetes Indexed Job that runs the scenario in --shards pods instead of running it."`
	Shards        int           `help:"With --emit k8s-job: the number of shards (pods)."`
	Image         string        `help:"With --emit k8s-job: the container image holding apimlab."`
	StartIn       time.Duration `name:"start-in" default:"2m" help:"With --emit k8s-job: start the shards this long after the Job is printed."`
	LogResult     bool          `name:"log-result" help:"Also print result.json to stdout between '=== apimlab result begin/end ===' lines (collecting shard results from pod logs)."`
	// Model engine only.
	AllowApproximation bool   `name:"allow-approximation" help:"Model engine: run even when the configuration holds routing the model cannot represent (each is listed and becomes a warning in the result)."`
	Sweep              string `help:"Model engine: vary one scenario field and run once per value, e.g. backends.orders-eastus.faults[0].rate=0:0.2:0.01; writes sweep.csv and sweep.json to --out."`
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
	if c.Emit != "" {
		return c.emitJob(g, sc)
	}
	params := sc.ParameterPaths()
	if len(c.Parameters) > 0 {
		params = c.Parameters
	}
	svc, err := loadScenarioConfig(sc, params)
	if err != nil {
		if c.Target == "" {
			return usageErr("%v", err)
		}
		svc = nil // against a deployment the configuration only names backends
	}
	printers, err := runPrinters(c.Format)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return usageErr("--out: %v", err)
	}
	if c.Engine == "model" {
		if c.Target != "" || c.Shard != "" {
			return usageErr("--target and --shard need --engine live")
		}
		return c.runModel(g, sc, svc, printers)
	}
	if c.AllowApproximation || c.Sweep != "" {
		return usageErr("--allow-approximation and --sweep need --engine model")
	}
	opts := live.Options{Clock: c.Clock, Speed: c.Speed, Version: Version}
	if err := c.targetOptions(&opts); err != nil {
		return usageErr("%v", err)
	}
	if c.BreakerModel != "" {
		m, err := breaker.ParseModel(c.BreakerModel)
		if err != nil {
			return usageErr("%v", err)
		}
		opts.BreakerModel = &m
	}
	if c.TransportErrors != "" {
		t, err := breaker.ParseTransportErrors(c.TransportErrors)
		if err != nil {
			return usageErr("%v", err)
		}
		opts.TransportErrors = &t
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
	// Exit 1 means an assertion failed: a report that cannot be written
	// is 2, like every other failure to run.
	if err := writeRunReports(g.Stdout, c.Out, res, printers); err != nil {
		return &exitError{code: 2, err: err}
	}
	if c.LogResult {
		fmt.Fprintln(g.Stdout, shards.BeginMarker)
		if err := res.WriteJSON(g.Stdout); err != nil {
			return &exitError{code: 2, err: err}
		}
		fmt.Fprintln(g.Stdout, shards.EndMarker)
	}
	return assertionsExit(res)
}

// runModel runs the scenario (or a sweep of it) on the model engine.
func (c *SimCmd) runModel(g *Globals, sc *sim.Scenario, svc *apim.Service, printers []runPrinter) error {
	if c.Clock != sim.ClockVirtual || c.Speed != 1 || c.VegetaResults != "" {
		return usageErr("the model engine runs on a virtual clock with no load generator: --clock wall, --speed and --vegeta-results need --engine live")
	}
	if c.BreakerModel != "" {
		m, err := breaker.ParseModel(c.BreakerModel)
		if err != nil {
			return usageErr("%v", err)
		}
		sc.Gateway.BreakerModel = m.String()
	}
	if c.TransportErrors != "" {
		t, err := breaker.ParseTransportErrors(c.TransportErrors)
		if err != nil {
			return usageErr("%v", err)
		}
		sc.Gateway.TransportErrors = t.String()
	}
	issues, err := model.Issues(svc, sc)
	if err != nil {
		return usageErr("%v", err)
	}
	for _, is := range issues {
		fmt.Fprintf(g.Stderr, "model: %s\n", is)
	}
	opts := model.Options{AllowApproximation: c.AllowApproximation, Version: Version}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if c.Sweep != "" {
		spec, err := model.ParseSweep(c.Sweep)
		if err != nil {
			return usageErr("--sweep: %v", err)
		}
		res, err := model.Sweep(ctx, svc, sc, spec, model.SweepOptions{Run: opts})
		if err != nil {
			return modelErr(err)
		}
		for _, f := range []struct {
			name  string
			write func(io.Writer) error
		}{{"sweep.csv", res.WriteCSV}, {"sweep.json", res.WriteJSON}} {
			path := filepath.Join(c.Out, f.name)
			if err := writeFile(path, f.write); err != nil {
				return err
			}
			fmt.Fprintf(g.Stdout, "wrote %s\n", path)
		}
		return res.WriteCSV(g.Stdout)
	}
	fmt.Fprintf(g.Stderr, "apimlab sim: %s (model engine, virtual clock, %s of scenario time, seed %d)\n", sc.Name, sc.Length(), sc.Seed)
	res, err := model.Run(ctx, svc, sc, opts)
	if err != nil {
		return modelErr(err)
	}
	if err := writeRunReports(g.Stdout, c.Out, res, printers); err != nil {
		return &exitError{code: 2, err: err}
	}
	return assertionsExit(res)
}

// modelErr maps model engine errors to exit codes: what the user must fix
// in the scenario or configuration is 2.
func modelErr(err error) error {
	if errors.Is(err, model.ErrApproximation) || errors.Is(err, model.ErrConfig) || errors.Is(err, sim.ErrScenario) {
		return usageErr("%v", err)
	}
	return &exitError{code: 2, err: err}
}

// assertionsExit is exit 1 when an assertion failed.
func assertionsExit(res *sim.Result) error {
	if res.Passed {
		return nil
	}
	failed := 0
	for _, a := range res.Assertions {
		if !a.Passed {
			failed++
		}
	}
	return &exitError{code: 1, err: fmt.Errorf("%d of %d assertion(s) failed", failed, len(res.Assertions))}
}

// writeFile creates path and writes it with write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
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
