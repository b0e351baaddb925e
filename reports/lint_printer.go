// Package reports renders results for people and for CI. Lint printers
// (this file and lint_*.go) render a *lint.Result in one of the formats
// listed by PrinterNames: text, json, sarif, junit, github and markdown.
//
// Every printer returns the first write error it meets, so that a CI job
// never receives a truncated report with a success exit code. No printer
// prints configuration values: messages come from the rules, which name
// properties, never their secret contents.
package reports

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apimlab/apimlab/lint"
)

// Printer renders a lint result.
type Printer interface {
	Print(w io.Writer, r *lint.Result) error
}

// Options are the settings shared by the lint printers.
type Options struct {
	// Color enables ANSI colour (text only). The CLI sets it when asked
	// to or when stdout is a terminal.
	Color bool
	// Version is apimlab's version, recorded in json, sarif and junit
	// output. Empty means "dev".
	Version string
}

func (o Options) version() string {
	if o.Version == "" {
		return "dev"
	}
	return o.Version
}

// ErrUnknownFormat is returned by NewPrinter for a format not in
// PrinterNames.
var ErrUnknownFormat = errors.New("unknown lint output format")

// printers is the registry of lint output formats: the single list the CLI
// enum, NewPrinter and the golden tests are built from. It is never
// modified.
var printers = map[string]func(Options) Printer{
	"text":     func(o Options) Printer { return &Text{Color: o.Color} },
	"json":     func(o Options) Printer { return &JSON{Version: o.version()} },
	"sarif":    func(o Options) Printer { return &SARIF{Version: o.version()} },
	"junit":    func(o Options) Printer { return &JUnit{} },
	"github":   func(o Options) Printer { return &GitHub{} },
	"markdown": func(o Options) Printer { return &Markdown{} },
}

// PrinterNames returns the lint output formats, sorted (for kong's
// enum:"${formats}").
func PrinterNames() []string {
	names := make([]string, 0, len(printers))
	for n := range printers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// NewPrinter returns the printer for format. An unknown format is an error
// naming the valid ones; there is no fallback.
func NewPrinter(format string, opts Options) (Printer, error) {
	mk, ok := printers[format]
	if !ok {
		return nil, fmt.Errorf("%w %q (want one of %s)", ErrUnknownFormat, format, strings.Join(PrinterNames(), ", "))
	}
	return mk(opts), nil
}

// plural formats n and a noun, pluralised with "s".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// summary is the one-line count used by text and markdown.
func summary(r *lint.Result) string {
	s := fmt.Sprintf("%s, %s, %s in %s",
		plural(r.Stats.Errors, "error"), plural(r.Stats.Warnings, "warning"), fmt.Sprintf("%d info", r.Stats.Infos),
		plural(r.Stats.Files, "file"))
	if r.Stats.Suppressed > 0 {
		s += fmt.Sprintf(" (%d suppressed)", r.Stats.Suppressed)
	}
	return s
}
