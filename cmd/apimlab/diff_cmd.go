package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/impact"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/rules"
	"github.com/apimlab/apimlab/reports"
	"github.com/apimlab/apimlab/sim"
	"github.com/apimlab/apimlab/sim/live"
	"github.com/apimlab/apimlab/sim/model"
)

// DiffCmd compares two configurations: lint delta, model delta, behaviour
// delta under the given scenarios.
type DiffCmd struct {
	Base               string        `required:"" help:"Base configuration: a file or folder, or git:REF:PATH (read with git show, no second checkout needed)."`
	Head               string        `required:"" help:"Head configuration: a file or folder, or git:REF:PATH."`
	Scenarios          []string      `arg:"" optional:"" name:"scenario" help:"Scenario files to run against both (their config is replaced by base and head)."`
	Engine             string        `enum:"model,live" default:"model" help:"Engine for the scenarios: model (fast, no sockets) or live (the real gateway on a virtual clock)."`
	Parameters         []string      `help:"ARM parameters file(s) applied to both sides." type:"existingfile"`
	Config             string        `help:"Lint configuration (default: .apimlab.yaml when present)." type:"path"`
	Format             []string      `default:"markdown" help:"Formats: ${impactformats}. The first goes to stdout (or -o); with --out each is written to DIR/impact.<ext>."`
	Output             string        `short:"o" help:"Write the first format to this file instead of stdout."`
	Out                string        `help:"Folder to write every format to."`
	FailoverSlower     time.Duration `name:"failover-slower" help:"Fail when head fails over more than this much later than base (e.g. 10s); 0 turns the check off."`
	ErrorRateIncrease  float64       `name:"error-rate-increase" help:"Fail when a phase's client error rate grows by more than this share (0.01 = one point); 0 turns the check off."`
	AllowApproximation bool          `name:"allow-approximation" help:"Model engine: run even when the configuration holds routing the model cannot represent."`
}

// Run compares base and head. Exit 0 when no assertion flips from pass to
// fail, no new error-severity finding appears and no threshold is
// exceeded; 1 otherwise; 2 for bad input.
func (c *DiffCmd) Run(g *Globals) error {
	printers := make([]reports.ImpactPrinter, 0, len(c.Format))
	for _, f := range c.Format {
		p, err := reports.NewImpactPrinter(f, reports.RunOptions{Version: Version})
		if err != nil {
			return usageErr("--format: %v", err)
		}
		printers = append(printers, p)
	}
	var scenarios []*sim.Scenario
	for _, f := range c.Scenarios {
		sc, err := sim.Load(f)
		if err != nil {
			return usageErr("%v", err)
		}
		scenarios = append(scenarios, sc)
	}
	cfg, err := (&LintCmd{Config: c.Config}).loadConfig()
	if err != nil {
		return usageErr("%v", err)
	}
	base, err := impact.Open("base", c.Base, c.Parameters)
	if err != nil {
		return usageErr("%v", err)
	}
	defer base.Close()
	head, err := impact.Open("head", c.Head, c.Parameters)
	if err != nil {
		return usageErr("%v", err)
	}
	defer head.Close()
	for _, s := range []*impact.Side{base, head} {
		if len(scenarios) > 0 {
			if err := load.Malformed(s.Service); err != nil {
				return usageErr("%s: %v", s.Label, err)
			}
		}
	}
	now := time.Now()
	opts := impact.Options{
		Lint: func(s *impact.Side) *lint.Result {
			svcs, _ := load.LoadServices(s.Paths, load.Options{Parameters: c.Parameters})
			var rs []*lint.Result
			for _, svc := range svcs {
				rs = append(rs, lint.Run(svc, rules.All, cfg, lint.RunOptions{Now: now}))
			}
			return lint.Merge(rs...)
		},
		Delta:             reports.LintDelta,
		EngineName:        c.Engine,
		FailoverSlower:    c.FailoverSlower,
		ErrorRateIncrease: c.ErrorRateIncrease,
	}
	switch c.Engine {
	case "model":
		opts.Engine = func(ctx context.Context, svc *apim.Service, sc *sim.Scenario) (*sim.Result, error) {
			return model.Run(ctx, svc, sc, model.Options{AllowApproximation: c.AllowApproximation, Version: Version})
		}
	default:
		opts.Engine = func(ctx context.Context, svc *apim.Service, sc *sim.Scenario) (*sim.Result, error) {
			return live.Run(ctx, svc, sc, live.Options{Version: Version})
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := impact.Compare(ctx, base, head, scenarios, opts)
	if err != nil {
		if errors.Is(err, sim.ErrScenario) || errors.Is(err, model.ErrApproximation) || errors.Is(err, model.ErrConfig) {
			return usageErr("%v", err)
		}
		return &exitError{code: 2, err: err}
	}
	if c.Out != "" {
		if err := os.MkdirAll(c.Out, 0o755); err != nil {
			return usageErr("--out: %v", err)
		}
		for i, p := range printers {
			name, err := reports.ImpactFileName(c.Format[i])
			if err != nil {
				return err
			}
			path := filepath.Join(c.Out, name)
			if err := writeFile(path, func(w io.Writer) error { return p.Print(w, rep) }); err != nil {
				return err
			}
			fmt.Fprintf(g.Stderr, "wrote %s\n", path)
		}
	}
	if c.Output != "" {
		if err := writeFile(c.Output, func(w io.Writer) error { return printers[0].Print(w, rep) }); err != nil {
			return err
		}
	} else if c.Out == "" {
		if err := printers[0].Print(g.Stdout, rep); err != nil {
			return err
		}
	}
	if rep.Failed {
		return &exitError{code: 1}
	}
	return nil
}
