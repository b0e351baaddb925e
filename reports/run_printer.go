package reports

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apimlab/apimlab/sim"
)

// RunPrinter renders a simulation result (run_*.go: text, json, markdown,
// html and junit). It is the run-result counterpart of Printer; the two
// registries are kept apart because the formats differ (SARIF makes no
// sense for a run, HTML none for lint).
type RunPrinter interface {
	Print(w io.Writer, r *sim.Result) error
}

// RunOptions are the settings shared by the run printers. Format-specific
// settings (such as RunHTML.MaxColumns) are fields of the printer itself.
type RunOptions struct {
	// Color enables ANSI colour (text only). The CLI sets it when asked to
	// or when the output is a terminal.
	Color bool
	// Version is apimlab's version, shown in the HTML footer and the JUnit
	// properties. Empty means "dev".
	Version string
}

func (o RunOptions) version() string {
	if o.Version == "" {
		return "dev"
	}
	return o.Version
}

// ErrUnknownRunFormat is returned by NewRunPrinter for a format not in
// RunFormats.
var ErrUnknownRunFormat = errors.New("unknown run report format")

// runPrinters is the registry of run report formats: the single list the
// CLI enum, NewRunPrinter and the golden tests are built from. It is never
// modified.
var runPrinters = map[string]func(RunOptions) RunPrinter{
	"text":     func(o RunOptions) RunPrinter { return &RunText{Color: o.Color} },
	"json":     func(o RunOptions) RunPrinter { return RunJSON{} },
	"markdown": func(o RunOptions) RunPrinter { return &RunMarkdown{} },
	"html":     func(o RunOptions) RunPrinter { return &RunHTML{Version: o.version()} },
	"junit":    func(o RunOptions) RunPrinter { return RunJUnit{} },
}

// runExtensions are the file extensions of the run formats (for `apimlab
// sim --out`, which writes one file per format).
var runExtensions = map[string]string{
	"text": ".txt", "json": ".json", "markdown": ".md", "html": ".html", "junit": ".xml",
}

// RunFormats returns the run report formats, sorted (for kong's
// enum:"${runformats}").
func RunFormats() []string {
	names := make([]string, 0, len(runPrinters))
	for n := range runPrinters {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// NewRunPrinter returns the printer for format. An unknown format is an
// error naming the valid ones; there is no fallback.
func NewRunPrinter(format string, opts RunOptions) (RunPrinter, error) {
	mk, ok := runPrinters[format]
	if !ok {
		return nil, fmt.Errorf("%w %q (want one of %s)", ErrUnknownRunFormat, format, strings.Join(RunFormats(), ", "))
	}
	return mk(opts), nil
}

// RunFileName returns the file name a run report of format gets in an
// output folder ("report.html", "report.md", …), or an error for an
// unknown format.
func RunFileName(format string) (string, error) {
	ext, ok := runExtensions[format]
	if !ok {
		return "", fmt.Errorf("%w %q (want one of %s)", ErrUnknownRunFormat, format, strings.Join(RunFormats(), ", "))
	}
	return "report" + ext, nil
}
