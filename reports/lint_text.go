package reports

import (
	"io"
	"slices"
	"strings"

	"github.com/apimlab/apimlab/internal/errw"
	"github.com/apimlab/apimlab/internal/textfile"
	"github.com/apimlab/apimlab/lint"
)

// Text prints findings for a terminal, grouped by service, then by file:
//
//	service apim-a
//	backends.json:12:40 error APIM001 backend "orders": tls.validateCertificateChain is false: …
//	    "tls": { "validateCertificateChain": false }
//	                                         ^
//
// then a summary line. Suppressed findings are not shown (only counted).
// The quoted source line passes through the result's Redactor: a value the
// loader marked secret (a credential, a password, a secure parameter's
// value, the user information of a URL) is printed as ****, and the line
// of a Sensitive rule's finding is not quoted at all.
type Text struct {
	// Color enables ANSI colour.
	Color bool
	// ReadFile reads a source file to show the offending line. If nil,
	// os.ReadFile is used; files that cannot be read show no source line.
	ReadFile func(name string) ([]byte, error)
}

// maxSourceWidth is the widest source excerpt shown; longer lines (a policy
// embedded in a JSON string) are cut around the column.
const maxSourceWidth = 120

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiGreen  = "\x1b[32m"
	ansiDim    = "\x1b[2m"
)

// Print implements Printer.
func (t *Text) Print(w io.Writer, r *lint.Result) error {
	ew := errw.New(w)
	read := t.ReadFile
	if read == nil {
		read = textfile.ReadFile
	}
	lines := map[string][]string{}
	source := func(file string, line int) (string, bool) {
		ls, ok := lines[file]
		if !ok {
			if data, err := read(file); err == nil {
				ls = strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
			}
			lines[file] = ls
		}
		if line < 1 || line > len(ls) {
			return "", false
		}
		return ls[line-1], true
	}
	type lineKey struct {
		file string
		line int
	}
	masked := map[lineKey]lint.MaskedLine{} // one pass per line quoted, however many findings
	findings := byService(r)
	prevFile, prevService := "", ""
	for i, f := range findings {
		if i == 0 || f.Service != prevService {
			if i > 0 {
				ew.Printf("\n")
			}
			if f.Service != "" {
				ew.Printf("%s\n", t.paint(ansiBold, "service "+f.Service))
			}
		} else if f.Pos.File != prevFile {
			ew.Printf("\n")
		}
		prevFile, prevService = f.Pos.File, f.Service
		msg := strings.ReplaceAll(f.Text(), "\n", "\n    ")
		ew.Printf("%s %s %s %s\n", t.paint(ansiBold, f.Pos.String()), t.severity(f.Severity), f.Rule, msg)
		if src, ok := source(f.Pos.File, f.Pos.Line); ok && f.Pos.Col > 0 && !f.Sensitive {
			key := lineKey{f.Pos.File, f.Pos.Line}
			m, ok := masked[key]
			if !ok {
				m = r.Redactor.MaskLine(src)
				masked[key] = m
			}
			text, caret := excerpt(m.Text, m.Col(f.Pos.Col))
			ew.Printf("    %s\n    %s\n", text, t.paint(ansiGreen, caret))
		}
		if f.Fix != "" {
			ew.Printf("    %s\n", t.paint(ansiDim, "fix: "+f.Fix))
		}
	}
	if len(r.Findings) > 0 {
		ew.Printf("\n")
	}
	ew.Printf("%s\n", summary(r))
	return ew.Err
}

// byService returns the findings in the order of r.Services (findings of
// other services after), keeping their order within a service.
func byService(r *lint.Result) []lint.Finding {
	rank := map[string]int{}
	for i, s := range r.Services {
		rank[s] = i
	}
	out := slices.Clone(r.Findings)
	slices.SortStableFunc(out, func(a, b lint.Finding) int {
		ra, oka := rank[a.Service]
		rb, okb := rank[b.Service]
		switch {
		case oka && okb:
			return ra - rb
		case oka:
			return -1
		case okb:
			return 1
		}
		return strings.Compare(a.Service, b.Service)
	})
	return out
}

func (t *Text) paint(code, s string) string {
	if !t.Color {
		return s
	}
	return code + s + ansiReset
}

func (t *Text) severity(s lint.Severity) string {
	switch s {
	case lint.Error:
		return t.paint(ansiRed, s.String())
	case lint.Warning:
		return t.paint(ansiYellow, s.String())
	}
	return t.paint(ansiCyan, s.String())
}

// excerpt returns the source line (cut to maxSourceWidth around col) and
// a caret line pointing at col (1-based, in bytes). Tabs before the column
// are kept in the caret line so the caret lines up.
func excerpt(line string, col int) (text, caret string) {
	line = strings.TrimRight(line, "\r")
	if col > len(line)+1 {
		col = len(line) + 1
	}
	start, prefix, suffix := 0, "", ""
	if len(line) > maxSourceWidth {
		start = max(0, col-1-maxSourceWidth/2)
		end := min(len(line), start+maxSourceWidth)
		if start > 0 {
			prefix = "…"
		}
		if end < len(line) {
			suffix = "…"
		}
		line = line[start:end]
	}
	var b strings.Builder
	if prefix != "" {
		b.WriteString(" ")
	}
	for i := 0; i < col-1-start && i < len(line); i++ {
		if line[i] == '\t' {
			b.WriteByte('\t')
		} else if line[i]&0xC0 != 0x80 { // one space per UTF-8 character
			b.WriteByte(' ')
		}
	}
	b.WriteByte('^')
	return prefix + line + suffix, b.String()
}
