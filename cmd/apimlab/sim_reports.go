package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/apimlab/apimlab/reports"
	"github.com/apimlab/apimlab/sim"
)

// runPrinter is a requested run report format.
type runPrinter struct {
	format string
	p      reports.RunPrinter
}

// runPrinters resolves --format values (no fallback for unknown ones).
func runPrinters(formats []string) ([]runPrinter, error) {
	var out []runPrinter
	for _, f := range formats {
		p, err := reports.NewRunPrinter(f, reports.RunOptions{Version: Version})
		if err != nil {
			return nil, fmt.Errorf("--format: %w", err)
		}
		out = append(out, runPrinter{f, p})
	}
	return out, nil
}

// writeRunReports writes result.json and one report file per format into
// out, prints the text report to stdout when asked for, and says where the
// files are.
func writeRunReports(stdout io.Writer, out string, res *sim.Result, ps []runPrinter) error {
	write := func(path string, p reports.RunPrinter) error {
		return writeFile(path, func(w io.Writer) error { return p.Print(w, res) })
	}
	written := []string{resultPath(out)}
	if err := write(resultPath(out), reports.RunJSON{}); err != nil {
		return err
	}
	for _, rp := range ps {
		if rp.format == "json" {
			continue // result.json is the JSON report
		}
		name, err := reports.RunFileName(rp.format)
		if err != nil {
			return err
		}
		path := filepath.Join(out, name)
		if err := write(path, rp.p); err != nil {
			return err
		}
		written = append(written, path)
		if rp.format == "text" {
			tp, err := reports.NewRunPrinter("text", reports.RunOptions{Color: isTerminal(stdout)})
			if err != nil {
				return err
			}
			if err := tp.Print(stdout, res); err != nil {
				return err
			}
		}
	}
	for _, p := range written {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	return nil
}
