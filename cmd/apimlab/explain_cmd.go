package main

import (
	"context"
	"fmt"
	"slices"
	"text/tabwriter"

	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/rules"
	"github.com/apimlab/apimlab/sim/model"
)

// ExplainCmd prints a rule's documentation.
type ExplainCmd struct {
	ID       string   `arg:"" optional:"" help:"Rule ID (APIM001) or name (tls-validation-disabled)."`
	List     bool     `help:"List every rule with its default severity and summary."`
	Simulate []string `help:"With a breaker rule (APIM203, APIM204): run every circuit breaker of this configuration (files or folders) through the model engine for 24 simulated hours of baseline traffic and print the evidence." placeholder:"PATH"`
	Config   string   `help:"Configuration file with the baseline traffic (default: .apimlab.yaml when present)."`
}

// Run prints the documentation of one rule, or the catalogue.
func (c *ExplainCmd) Run(g *Globals) error {
	if c.List || c.ID == "" {
		tw := tabwriter.NewWriter(g.Stdout, 0, 4, 2, ' ', 0)
		for _, r := range rules.All {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Severity, r.Doc.Title)
		}
		return tw.Flush()
	}
	r, ok := rules.ByID(c.ID)
	if !ok {
		return usageErr("unknown rule %q (see `apimlab explain --list`)", c.ID)
	}
	if err := lint.Explain(g.Stdout, r); err != nil {
		return err
	}
	if len(c.Simulate) == 0 {
		return nil
	}
	if !slices.Contains(model.EvidenceRules, r.ID) {
		return usageErr("--simulate applies to the breaker rules %v, not %s", model.EvidenceRules, r.ID)
	}
	return c.simulate(g)
}

// simulate prints each breaker's simulated day at its baseline traffic.
func (c *ExplainCmd) simulate(g *Globals) error {
	cfg, err := (&LintCmd{Config: c.Config}).loadConfig()
	if err != nil {
		return usageErr("%v", err)
	}
	svcs, err := load.LoadServices(c.Simulate, load.Options{})
	if err != nil {
		return usageErr("%v", err)
	}
	fmt.Fprintf(g.Stdout, "\nSimulated: %s of baseline traffic through each breaker (the gateway's breaker code on a virtual clock)\n", model.SimulatedDuration)
	tw := tabwriter.NewWriter(g.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "backend\trps\tfailures\ttrips/day\topen min/day\n")
	for _, svc := range svcs {
		ev, err := model.BreakerEvidenceAll(context.Background(), svc, cfg.BaselineOf, model.SimulatedDuration, model.EvidenceOptions{MaxRequests: 1_000_000})
		if err != nil {
			return err
		}
		names := make([]string, 0, len(ev))
		for n := range ev {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			e := ev[n]
			fmt.Fprintf(tw, "%s\t%g\t%g%%\t%.1f\t%.1f\n", n, e.RPS, e.FailureRate*100, e.TripsPerDay, e.OpenMinutesPerDay)
		}
	}
	return tw.Flush()
}
