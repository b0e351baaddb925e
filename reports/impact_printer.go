package reports

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/apimlab/apimlab/impact"
	"github.com/apimlab/apimlab/sim"
)

// ImpactPrinter renders a pre-merge impact report (apimlab diff). It is the
// third result kind beside lint results and runs, with its own registry.
type ImpactPrinter interface {
	Print(w io.Writer, r *impact.Report) error
}

// ErrUnknownImpactFormat is returned by NewImpactPrinter for a format not
// in ImpactFormats.
var ErrUnknownImpactFormat = errors.New("unknown impact report format")

// impactPrinters is the registry of impact formats.
var impactPrinters = map[string]func(RunOptions) ImpactPrinter{
	"markdown": func(RunOptions) ImpactPrinter { return ImpactMarkdown{} },
	"text":     func(RunOptions) ImpactPrinter { return ImpactText{} },
	"json":     func(RunOptions) ImpactPrinter { return ImpactJSON{} },
	"junit":    func(RunOptions) ImpactPrinter { return ImpactJUnit{} },
	"html":     func(o RunOptions) ImpactPrinter { return ImpactHTML{Version: o.version()} },
}

// impactExtensions name the files apimlab diff --out writes.
var impactExtensions = map[string]string{"markdown": ".md", "text": ".txt", "json": ".json", "junit": ".xml", "html": ".html"}

// ImpactFormats returns the impact formats, sorted.
func ImpactFormats() []string {
	names := make([]string, 0, len(impactPrinters))
	for n := range impactPrinters {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// NewImpactPrinter returns the printer for format; an unknown format is an
// error naming the valid ones.
func NewImpactPrinter(format string, opts RunOptions) (ImpactPrinter, error) {
	mk, ok := impactPrinters[format]
	if !ok {
		return nil, fmt.Errorf("%w %q (want one of %s)", ErrUnknownImpactFormat, format, strings.Join(ImpactFormats(), ", "))
	}
	return mk(opts), nil
}

// ImpactFileName is the file an impact report of format gets in an output
// folder ("impact.md", …).
func ImpactFileName(format string) (string, error) {
	ext, ok := impactExtensions[format]
	if !ok {
		return "", fmt.Errorf("%w %q (want one of %s)", ErrUnknownImpactFormat, format, strings.Join(ImpactFormats(), ", "))
	}
	return "impact" + ext, nil
}

// impactVerdict is the one-line verdict.
func impactVerdict(r *impact.Report) string {
	if r.Failed {
		return "FAIL"
	}
	return "PASS"
}

// maybeDur renders a duration that is -1 when something never happened,
// to the millisecond.
func maybeDur(d sim.Duration) string {
	if d < 0 {
		return "never"
	}
	return msDur(d)
}

// msDur renders a duration to the millisecond ("1m0.1s", "420ms").
func msDur(d sim.Duration) string { return fmtDur(d.D().Round(time.Millisecond)) }

// arrow renders "a → b", or just "a" when both are equal.
func arrow(a, b string) string {
	if a == b {
		return a
	}
	return a + " → " + b
}
