// Package demo is `apimlab demo`, the product tour: it extracts the
// embedded demo configuration and the shipped scenarios, loads and lints the
// configuration with the full rule catalogue, shows the failover scenario
// file, runs it on the live engine (the real gateway, fake backends on
// loopback, virtual clock) and writes the HTML and Markdown reports,
// printing what happens at each step. It is a thin user of sim and
// reports: the same code `apimlab sim` runs.
package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/load"
	"github.com/apimlab/apimlab/fixtures"
	"github.com/apimlab/apimlab/internal/errw"
	"github.com/apimlab/apimlab/lint"
	"github.com/apimlab/apimlab/lint/rules"
	"github.com/apimlab/apimlab/reports"
	"github.com/apimlab/apimlab/sim"
	"github.com/apimlab/apimlab/sim/live"
)

// DefaultDir is where the demo writes its files when Options.Dir is "".
const DefaultDir = "apimlab-demo"

// Options configure Run. The zero value is usable.
type Options struct {
	// Dir is the folder the demo configuration, scenarios and reports are
	// written to. If "", DefaultDir in the current folder.
	Dir string
	// Now is the lint reference time (suppression and certificate
	// expiry). If zero, time.Now().
	Now time.Time
	// Color colours the terminal reports.
	Color bool
	// Version is apimlab's version, for the printers.
	Version string
}

// Report is what the demo did, for callers and tests that want more than
// the printed text.
type Report struct {
	// Dir is the folder everything was written to.
	Dir string
	// Service is the loaded configuration.
	Service *apim.Service
	// Lint is the lint result.
	Lint *lint.Result
	// Scenario is the failover scenario that ran.
	Scenario *sim.Scenario
	// Result is the simulation's result.
	Result *sim.Result
	// Files are the reports written (result.json, report.html, report.md).
	Files []string
}

// Run extracts, loads, lints and simulates the demo configuration, writing
// a narrated report to w. Lint findings and failed assertions are part of
// the story, not errors; an error means a step could not run.
func Run(ctx context.Context, w io.Writer, opts Options) (*Report, error) {
	dir := opts.Dir
	if dir == "" {
		dir = DefaultDir
	}
	if err := fixtures.Extract(dir); err != nil {
		return nil, fmt.Errorf("extracting the demo: %w", err)
	}
	rep := &Report{Dir: dir}
	root := filepath.Join(dir, "demo")
	ew := errw.New(w)
	ew.Printf("apimlab demo: the embedded configuration and scenarios, extracted to %s/\n", dir)

	ew.Printf("\n== 1. load: what apimlab understood ==\n")
	var err error
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
	ew.Printf("(`apimlab lint %s` exits 1 on these errors; the demo goes on to show what they mean at run time.)\n", root)

	scPath := filepath.Join(dir, fixtures.DemoScenario)
	ew.Printf("\n== 3. simulate: %s ==\n", scPath)
	src, err := os.ReadFile(scPath)
	if err != nil {
		return rep, err
	}
	ew.Printf("%s\n", src)
	if rep.Scenario, err = sim.Load(scPath); err != nil {
		return rep, err
	}
	ew.Printf("The gateway runs the configuration unchanged. Each backend host is dialled to a fake on 127.0.0.1;\n")
	ew.Printf("east and west serve HTTPS with a throw-away test CA the gateway trusts (TLS validation stays on).\n")
	ew.Printf("The virtual clock runs the %s of scenario time as fast as the machine allows, the same way every run.\n\n", rep.Scenario.Length())
	if rep.Result, err = live.Run(ctx, rep.Service, rep.Scenario, live.Options{Version: opts.Version}); err != nil {
		return rep, fmt.Errorf("simulation: %w", err)
	}
	text, err := reports.NewRunPrinter("text", reports.RunOptions{Color: opts.Color, Version: opts.Version})
	if err != nil {
		return rep, err
	}
	if err := text.Print(ew, rep.Result); err != nil {
		return rep, err
	}

	ew.Printf("\n== 4. reports ==\n")
	for _, f := range []struct{ format, name string }{{"json", "result.json"}, {"html", "report.html"}, {"markdown", "report.md"}} {
		path := filepath.Join(dir, f.name)
		if err := writeReport(path, f.format, rep.Result, opts.Version); err != nil {
			return rep, err
		}
		rep.Files = append(rep.Files, path)
	}
	abs, _ := filepath.Abs(filepath.Join(dir, "report.html"))
	ew.Printf("HTML report:     %s (open it in a browser: file://%s)\n", rep.Files[1], abs)
	ew.Printf("Markdown report: %s (paste it into a pull request)\n", rep.Files[2])
	ew.Printf("Result:          %s (re-render with `apimlab report %s --format html`)\n", rep.Files[0], rep.Files[0])
	ew.Printf("Run it yourself: apimlab sim %s --out %s\n", scPath, filepath.Join(dir, "out"))
	return rep, ew.Err
}

// writeReport renders res in format into path.
func writeReport(path, format string, res *sim.Result, version string) error {
	p, err := reports.NewRunPrinter(format, reports.RunOptions{Version: version})
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := p.Print(f, res); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
