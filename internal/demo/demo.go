// Package demo is `apimlab demo`: it extracts the embedded demo
// configuration, loads it, lints it with the full rule catalogue and
// rehearses failover live (package sim/live) against the gateway serving
// the same configuration, printing what happens at each step.
package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/fixtures"
	"github.com/apimlab/apimlab/internal/errw"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/rules"
	"github.com/apimlab/apimlab/reports"
	"github.com/apimlab/apimlab/sim/live"
)

// Options configure Run. The zero value is usable.
type Options struct {
	// Dir is the folder the demo configuration is extracted into. If "",
	// a new temporary folder, removed when Run returns unless Keep.
	Dir string
	// Keep leaves the temporary folder in place (Run prints its path).
	Keep bool
	// Now is the lint reference time (suppression and certificate
	// expiry). If zero, time.Now().
	Now time.Time
	// Color colours the lint report.
	Color bool
	// Version is apimlab's version, for the lint printer.
	Version string
}

// Report is what the demo found, for callers and tests that want more than
// the printed text.
type Report struct {
	// Root is the extracted demo folder.
	Root string
	// Service is the loaded configuration.
	Service *apim.Service
	// Lint is the lint result.
	Lint *lint.Result
	// Rehearsal is the failover rehearsal's result.
	Rehearsal *live.Result
}

// Run extracts, loads, lints and rehearses the demo configuration,
// writing a narrated report to w. Lint findings are part of the story, not
// an error; an error means a step could not run.
func Run(ctx context.Context, w io.Writer, opts Options) (*Report, error) {
	dir := opts.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "apimlab-demo-")
		if err != nil {
			return nil, err
		}
		dir = d
		if !opts.Keep {
			defer os.RemoveAll(dir)
		}
	}
	root, err := fixtures.ExtractDemo(dir)
	if err != nil {
		return nil, fmt.Errorf("extracting the demo: %w", err)
	}
	rep := &Report{Root: root}
	ew := errw.New(w)
	ew.Printf("apimlab demo: the embedded configuration, extracted to %s\n", root)
	if opts.Keep && opts.Dir == "" {
		ew.Printf("(kept: run `apimlab lint %s` or `apimlab inspect %s` yourself)\n", root, root)
	}

	ew.Printf("\n== 1. load: what apimlab understood ==\n")
	if rep.Service, err = load.Load([]string{root}, load.Options{}); err != nil {
		return rep, fmt.Errorf("loading the demo: %w", err)
	}
	writeSummary(ew, rep.Service)

	ew.Printf("\n== 2. lint: the deliberate mistakes, with the full rule catalogue (%d rules) ==\n", len(rules.All))
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	rep.Lint = lint.Run(rep.Service, rules.All, nil, lint.RunOptions{Now: now})
	p, err := reports.NewPrinter("text", reports.Options{Color: opts.Color, Version: opts.Version})
	if err != nil {
		return rep, err
	}
	if err := p.Print(ew, rep.Lint); err != nil {
		return rep, fmt.Errorf("writing the lint report: %w", err)
	}
	ew.Printf("(`apimlab lint` exits 1 on these errors; the demo goes on to show what they mean at run time.)\n")

	sc := Scenario()
	ew.Printf("\n== 3. rehearse: failover, live ==\n")
	ew.Printf("The gateway runs the configuration unchanged. Each backend host is dialled to a fake on 127.0.0.1;\n")
	ew.Printf("east and west serve HTTPS with a throw-away test CA the gateway trusts (TLS validation stays on).\n")
	ew.Printf("The orders API sends to orders-pool and retries twice on 5xx. Requests: GET %s, one at a time;\n", sc.Path)
	ew.Printf("the breaker clock moves 100ms per request and jumps ahead between phases, so minutes pass in milliseconds.\n")
	ew.Printf("served: responses by backend (x-apimlab-backend header); attempts: requests each fake received, retries included.\n\n")
	if rep.Rehearsal, err = live.Run(ctx, rep.Service, sc, live.Options{Dir: dir}); err != nil {
		return rep, fmt.Errorf("rehearsal: %w", err)
	}
	if err := rep.Rehearsal.WriteText(ew); err != nil {
		return rep, err
	}
	return rep, ew.Err
}
