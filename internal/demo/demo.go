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
	ew := &errWriter{w: w}
	ew.printf("apimlab demo: the embedded configuration, extracted to %s\n", root)
	if opts.Keep && opts.Dir == "" {
		ew.printf("(kept: run `apimlab lint %s` or `apimlab inspect %s` yourself)\n", root, root)
	}

	ew.printf("\n== 1. load: what apimlab understood ==\n")
	if rep.Service, err = load.Load([]string{root}, load.Options{}); err != nil {
		return rep, fmt.Errorf("loading the demo: %w", err)
	}
	writeSummary(ew, rep.Service)

	ew.printf("\n== 2. lint: the deliberate mistakes, with the full rule catalogue (%d rules) ==\n", len(rules.All))
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
	ew.printf("(`apimlab lint` exits 1 on these errors; the demo goes on to show what they mean at run time.)\n")

	sc := Scenario()
	ew.printf("\n== 3. rehearse: failover, live ==\n")
	ew.printf("The gateway runs the configuration unchanged. Each backend host is dialled to a fake on 127.0.0.1;\n")
	ew.printf("east and west serve HTTPS with a throw-away test CA the gateway trusts (TLS validation stays on).\n")
	ew.printf("The orders API sends to orders-pool and retries twice on 5xx. Requests: GET %s, one at a time;\n", sc.Path)
	ew.printf("the breaker clock moves 100ms per request and jumps ahead between phases, so minutes pass in milliseconds.\n")
	ew.printf("served: responses by backend (x-apimlab-backend header); attempts: requests each fake received, retries included.\n\n")
	if rep.Rehearsal, err = live.Run(ctx, rep.Service, sc, live.Options{Dir: dir}); err != nil {
		return rep, fmt.Errorf("rehearsal: %w", err)
	}
	if err := rep.Rehearsal.WriteText(ew); err != nil {
		return rep, err
	}
	return rep, ew.err
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
