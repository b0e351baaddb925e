package main

import (
	"bufio"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/certmat"
	"github.com/apimlab/apimlab/lint/probe"
	"github.com/apimlab/apimlab/lint/rules"
	"github.com/apimlab/apimlab/reports"
	"github.com/apimlab/apimlab/sim/model"
)

// LintCmd checks configuration against the rule catalogue.
type LintCmd struct {
	Paths      []string `arg:"" optional:"" name:"path" help:"Files or folders to lint (default: .)."`
	Format     string   `short:"f" enum:"${formats}" default:"text" help:"Output format: ${formats}."`
	Output     string   `short:"o" help:"Write the report to FILE instead of standard output."`
	FailOn     string   `enum:"error,warning,info,never" default:"error" help:"Exit 1 when a finding at or above this severity remains (error, warning, info, never)."`
	Config     string   `help:"Configuration file (default: .apimlab.yaml when present)."`
	Parameters []string `help:"ARM parameters file(s) applied to every template."`
	Enable     []string `predictor:"rules" help:"Run these rule IDs even when the configuration disables them."`
	Disable    []string `predictor:"rules" help:"Do not run these rule IDs."`
	Color      string   `enum:"auto,always,never" default:"auto" help:"Colour text output (auto: only on a terminal)."`

	KeyVaultDir  string        `name:"keyvault-dir" help:"Folder of PFX/PEM files named after Key Vault secrets, to check Key Vault-backed certificates offline."`
	Probe        bool          `help:"Handshake with every HTTPS backend (TLS) and check its server chain and the client CAs it accepts."`
	ProbeTimeout time.Duration `default:"10s" help:"Bound on each backend's probe (dial and handshake)."`
	CA           []string      `name:"ca" help:"Extra PEM CA file(s) trusted when probing backends (a private CA)."`
	Simulate     bool          `help:"Run every circuit breaker through the model engine for 24 simulated hours of the baseline traffic (.apimlab.yaml, default 50 rps with 1% failures) and add the evidence to APIM203/APIM204 findings."`

	Baseline      string `type:"existingfile" help:"Report only findings not in this earlier json or SARIF report (matched by rule, file and fingerprint, not line)."`
	WriteBaseline string `type:"path" help:"Write the current findings to FILE as a baseline (SARIF for *.sarif, json otherwise)."`

	Service     []string `help:"Lint only the service(s) with this name (default: every service the inputs hold, each on its own)."`
	Complete    bool     `help:"The inputs are the whole of every service: a reference to an entity they do not declare is an error, not 'not verifiable from these files'."`
	Environment string   `help:"APIOps environment whose configuration.<env>.yaml overrides apply (default: the only one; 'all' lints each environment; 'none' applies none)."`
	SKU         string   `name:"sku" placeholder:"TIER" help:"Service tier for the tier-aware rules (Consumption, Developer, Basic, Standard, Premium, Isolated, BasicV2, StandardV2, PremiumV2), over the service resource's sku.name and .apimlab.yaml's sku."`

	Timings bool `help:"Print where the time went to standard error: each phase's wall and process CPU time, how loading split, and the slowest rules."`
}

// Run loads, lints and reports. Exit codes: 0 clean, 1 findings at or above
// --fail-on, 2 usage errors or nothing to lint.
func (c *LintCmd) Run(g *Globals) error {
	if len(c.Paths) == 0 {
		c.Paths = []string{"."}
	}
	failOn, err := lint.ParseFailOn(c.FailOn)
	if err != nil {
		return usageErr("%v", err)
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return usageErr("%v", err)
	}
	if c.SKU != "" {
		t, err := lint.ParseTier(c.SKU)
		if err != nil {
			return usageErr("--sku: %v", err)
		}
		cfg.SKU, cfg.SKUPos = t, apim.Position{}
	}
	for _, id := range append(append([]string{}, c.Enable...), c.Disable...) {
		if _, ok := rules.ByID(id); !ok {
			return usageErr("unknown rule %q (see `apimlab explain --list`)", id)
		}
	}
	var tm *timings
	opts := load.Options{Parameters: c.Parameters, Complete: c.Complete, Environment: c.Environment, Resolved: beforeBuild, Building: duringBuild, Reading: beforeRead}
	if c.Timings {
		tm = newTimings("load")
		opts.Timings = &tm.load
		// Printed however the command ends, with the phases it reached.
		defer func() { tm.print(g.Stderr, 10) }()
	}
	svcs, err := load.LoadServices(c.Paths, opts)
	if err != nil {
		return usageErr("%v", err)
	}
	if svcs, err = pickServices(svcs, c.Service); err != nil {
		return usageErr("%v", err)
	}
	tm.next("collect")
	afterLoad()
	if c.Probe {
		tm.next("certificates and --probe")
	} else {
		tm.next("certificates")
	}
	now := time.Now()
	certmat.Attach(cfg, certmat.Options{KeyVaultDir: c.KeyVaultDir})
	if c.Probe {
		var roots []*x509.Certificate
		for _, f := range c.CA {
			cas, err := certmat.LoadCAFile(f)
			if err != nil {
				return usageErr("--ca: %v", err)
			}
			roots = append(roots, cas...)
		}
		ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
		results := probe.Run(ctx, load.Merge(svcs), probe.Options{Timeout: c.ProbeTimeout, Now: now, Roots: roots})
		cancel()
		probe.Attach(cfg, results)
	}
	if c.Simulate {
		tm.next("rules and --simulate")
	} else {
		tm.next("rules")
	}
	// Each service is linted on its own: references resolve within it.
	results := make([]*lint.Result, 0, len(svcs))
	for _, svc := range svcs {
		ro := lint.RunOptions{Now: now, Enable: c.Enable, Disable: c.Disable}
		if tm != nil {
			ro.RuleTime = tm.rule
		}
		res := lint.Run(svc, rules.All, cfg, ro)
		if c.Simulate {
			if _, err := model.Annotate(context.Background(), svc, res, cfg, model.EvidenceOptions{MinRequests: 0}); err != nil {
				return fmt.Errorf("--simulate: %w", err)
			}
		}
		results = append(results, res)
	}
	res := lint.Merge(results...)
	if res, err = c.applyBaseline(g, res); err != nil {
		return err
	}
	tm.next("report")

	var w io.Writer = g.Stdout
	color := c.Color == "always"
	if c.Output != "" {
		f, err := os.Create(c.Output)
		if err != nil {
			return usageErr("%v", err)
		}
		defer f.Close()
		bw := bufio.NewWriter(f)
		defer bw.Flush()
		w = bw
	} else if c.Color == "auto" {
		color = isTerminal(g.Stdout)
	}
	p, err := reports.NewPrinter(c.Format, reports.Options{Color: color, Version: Version})
	if err != nil {
		return usageErr("%v", err)
	}
	if err := p.Print(w, res); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	if bw, ok := w.(*bufio.Writer); ok {
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("writing report: %w", err)
		}
	}
	if res.Exceeds(failOn) {
		return &exitError{code: 1}
	}
	return nil
}

// applyBaseline writes --write-baseline (all current findings) and then
// drops the findings --baseline already knows.
func (c *LintCmd) applyBaseline(g *Globals, res *lint.Result) (*lint.Result, error) {
	var base *reports.Baseline
	if c.Baseline != "" {
		// Read before writing: both flags may name the same file.
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		if base, err = reports.LoadBaseline(c.Baseline, wd); err != nil {
			return nil, usageErr("--baseline: %v", err)
		}
	}
	if c.WriteBaseline != "" {
		if err := reports.WriteBaseline(c.WriteBaseline, res, Version); err != nil {
			return nil, fmt.Errorf("--write-baseline: %w", err)
		}
	}
	if base == nil {
		return res, nil
	}
	res, known := base.Filter(res)
	if known > 0 {
		fmt.Fprintf(g.Stderr, "apimlab: %d known finding(s) in baseline %s not reported\n", known, c.Baseline)
	}
	return res, nil
}

func (c *LintCmd) loadConfig() (*lint.Config, error) {
	path := c.Config
	if path == "" {
		if _, err := os.Stat(lint.DefaultConfigFile); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return &lint.Config{}, nil
			}
			return nil, err
		}
		path = lint.DefaultConfigFile
	}
	cfg, err := lint.LoadConfig(path)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(rules.All); err != nil {
		return nil, err
	}
	return cfg, nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
