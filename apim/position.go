// Package apim is the typed model of an Azure API Management configuration:
// the service, its backends (Single and Pool), circuit breakers, credentials,
// certificates, named values, APIs, products, policy fragments and policies.
//
// Every node carries the Position it was declared at, so that lint findings,
// load errors and gateway start-up errors can name file:line:col. The model is
// produced by the loaders in apim/load and read by lint, gateway and sim.
package apim

import (
	"fmt"
	"strconv"
)

// Position is a place in a source file. Line and Col are 1-based; Col counts
// bytes, as go/token does. Path is the JSON path of the value ("$.resources[2].properties.url")
// when the source is JSON, or the XPath-like element path for policy XML; it may be empty.
type Position struct {
	File string
	Line int
	Col  int
	Path string
}

// IsValid reports whether the position names a line.
func (p Position) IsValid() bool { return p.Line > 0 }

// String formats the position as "file:line:col" (or "file" or "-" when
// line information is missing), the form editors and CI annotations read.
func (p Position) String() string {
	s := p.File
	if s == "" {
		s = "-"
	}
	if p.IsValid() {
		s += ":" + strconv.Itoa(p.Line)
		if p.Col > 0 {
			s += ":" + strconv.Itoa(p.Col)
		}
	}
	return s
}

// Before reports whether p sorts before q (by file, line, column).
func (p Position) Before(q Position) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// Error is a load error tied to a source position. Code is the lint rule the
// error maps to (APIM901 for malformed input, APIM902 for unresolved values…).
type Error struct {
	Pos  Position
	Code string
	Msg  string
	// Kind refines Code where lint reports the problem at another
	// severity than the rule's default; the zero value is IssuePlain.
	Kind IssueKind
}

// IssueKind tells load problems of one code apart where it matters to lint.
type IssueKind uint8

// The issue kinds.
const (
	// IssuePlain is every other problem.
	IssuePlain IssueKind = iota
	// IssueEvalDefaults is an ARM expression that fails when evaluated
	// with the template's default parameter values (an index into an
	// empty default array): the template may be valid with the values the
	// deployment passes. Reported as a warning.
	IssueEvalDefaults
	// IssueUnknownFile is a file in an APIOps tree that apimlab does not
	// recognise. Reported as information.
	IssueUnknownFile
	// IssueNameUnresolved is a resource whose name could not be resolved;
	// it is kept under a placeholder name.
	IssueNameUnresolved
	// IssueUnmatchedOverride is an entry of an APIOps
	// configuration.<env>.yaml that names no artifact, so it overrides
	// nothing. Reported as information.
	IssueUnmatchedOverride
)

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Pos, e.Msg) }

// Errorf builds an *Error at pos.
func Errorf(pos Position, code, format string, args ...any) *Error {
	return &Error{Pos: pos, Code: code, Msg: fmt.Sprintf(format, args...)}
}
