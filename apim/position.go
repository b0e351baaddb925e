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

// Error is a load problem tied to a source position. Code says what kind of
// problem it is (malformed input, an unresolved value, an unknown property)
// and Kind refines it; lint maps the pair to a rule and a severity, so
// nothing downstream reads Msg to tell problems apart (issue 12).
type Error struct {
	Pos  Position
	Code Code
	Msg  string
	// Kind refines Code; the zero value is IssuePlain.
	Kind IssueKind
}

// Code is the class of a load problem. Lint reports each class under one
// rule (Malformed under APIM901, Unresolved under APIM902, UnknownProperty
// under APIM903); the mapping lives in lint, not here.
type Code uint8

// The problem classes. The zero value is no class: every Error the
// loaders make has one of these.
const (
	// Malformed is input that does not parse or has the wrong type: bad
	// JSON or XML, a string where a number is expected, a file that is no
	// API Management configuration, a file that cannot be read.
	Malformed Code = iota + 1
	// Unresolved is a value that could not be computed offline: a
	// parameter without a value, a Key Vault reference, reference().
	Unresolved
	// UnknownProperty is a property the schema does not know (or spells
	// with another case), a file an APIOps publisher would ignore, an
	// override that matches nothing.
	UnknownProperty
)

var codeNames = [...]string{Malformed: "malformed", Unresolved: "unresolved", UnknownProperty: "unknown-property"}

// String names the class ("malformed", "unresolved", "unknown-property").
func (c Code) String() string {
	if int(c) < len(codeNames) && codeNames[c] != "" {
		return codeNames[c]
	}
	return "code(" + strconv.Itoa(int(c)) + ")"
}

// IssueKind refines a load problem's Code where lint treats problems of
// one code differently (another severity, another fix hint).
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
	// IssueUnreadable is a file that could not be read (a dangling link,
	// no permission); its Pos names the file at line 1.
	IssueUnreadable
	// IssueNoValue is a template parameter with neither a value nor a
	// default: a parameters file would resolve it.
	IssueNoValue
	// IssueKeyVault is a parameters-file value taken from Key Vault at
	// deployment time: nothing offline resolves it.
	IssueKeyVault
	// IssueNeedsDeployment is reference(), list*() or another function
	// that reads deployed state: nothing offline resolves it.
	IssueNeedsDeployment
	// IssueBadDuration is a circuit-breaker duration that is not ISO-8601
	// (Service.DurationErrors); lint reports it with the breaker checks.
	IssueBadDuration
)

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Pos, e.Msg) }

// Errorf builds an *Error at pos.
func Errorf(pos Position, code Code, format string, args ...any) *Error {
	return &Error{Pos: pos, Code: code, Msg: fmt.Sprintf(format, args...)}
}
