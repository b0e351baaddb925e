package policyexpr

import (
	"errors"
	"fmt"

	"github.com/apimlab/apimlab/apim"
)

// Sentinel errors. Every error returned by Translate, Compile and Program.Run
// wraps exactly one of them, so callers can classify with errors.Is.
var (
	// ErrSyntax marks source that is not well-formed C#.
	ErrSyntax = errors.New("policy expression: syntax error")
	// ErrType marks well-formed C# that the C# compiler would reject
	// (mismatched operand types, a block path without return, …).
	ErrType = errors.New("policy expression: type error")
	// ErrUnsupported marks a construct outside the emulated subset; the error
	// is an *UnsupportedError.
	ErrUnsupported = errors.New("policy expression: unsupported construct")
	// ErrRuntime marks a failure while evaluating a compiled expression — the
	// emulation of a .NET exception (missing dictionary key, invalid cast,
	// FormatException, …). APIM turns such exceptions into on-error.
	ErrRuntime = errors.New("policy expression: evaluation failed")
)

// Error is a syntax or type error at a position in the policy source.
type Error struct {
	Pos  apim.Position
	Kind error // ErrSyntax or ErrType
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %v: %s", e.Pos, e.Kind, e.Msg) }

// Unwrap returns the sentinel (ErrSyntax or ErrType).
func (e *Error) Unwrap() error { return e.Kind }

// UnsupportedError reports a C# construct outside the emulated subset, such as
// a LINQ lambda, JObject or Body.As<JObject>(). Construct names it the way a
// user would search for it.
type UnsupportedError struct {
	Construct string
	Pos       apim.Position
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s: unsupported policy expression construct: %s", e.Pos, e.Construct)
}

// Unwrap returns ErrUnsupported.
func (e *UnsupportedError) Unwrap() error { return ErrUnsupported }

// RuntimeError is a failure while running a compiled expression. Pos is the
// position of the expression in the policy source.
type RuntimeError struct {
	Pos apim.Position
	Err error
}

func (e *RuntimeError) Error() string { return fmt.Sprintf("%s: %v: %v", e.Pos, ErrRuntime, e.Err) }

// Unwrap returns both ErrRuntime and the underlying cause.
func (e *RuntimeError) Unwrap() []error { return []error{ErrRuntime, e.Err} }

// srcErr is an error located by byte offset inside the expression source; the
// public entry points convert it to a positioned error with locate.
type srcErr struct {
	off       int
	kind      error  // ErrSyntax, ErrType or ErrUnsupported
	msg       string // for ErrSyntax/ErrType
	construct string // for ErrUnsupported
}

func (e *srcErr) Error() string {
	if e.kind == ErrUnsupported {
		return fmt.Sprintf("offset %d: unsupported: %s", e.off, e.construct)
	}
	return fmt.Sprintf("offset %d: %s", e.off, e.msg)
}

func syntaxErr(off int, format string, args ...any) *srcErr {
	return &srcErr{off: off, kind: ErrSyntax, msg: fmt.Sprintf(format, args...)}
}

func typeErr(off int, format string, args ...any) *srcErr {
	return &srcErr{off: off, kind: ErrType, msg: fmt.Sprintf(format, args...)}
}

func unsupported(off int, format string, args ...any) *srcErr {
	return &srcErr{off: off, kind: ErrUnsupported, construct: fmt.Sprintf(format, args...)}
}

// locate converts a source offset to a position, given the position of the
// first byte of src. Lines advance at '\n'; columns count bytes like go/token.
func locate(src string, off int, start apim.Position) apim.Position {
	if off > len(src) {
		off = len(src)
	}
	if off < 0 {
		off = 0
	}
	p := start
	line, col := start.Line, start.Col
	if line <= 0 {
		line = 1
	}
	if col <= 0 {
		col = 1
	}
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	p.Line, p.Col = line, col
	return p
}

// toPublic converts an internal error to the exported error types.
func toPublic(err error, src string, start apim.Position) error {
	var se *srcErr
	if !errors.As(err, &se) {
		return err
	}
	pos := locate(src, se.off, start)
	if se.kind == ErrUnsupported {
		return &UnsupportedError{Construct: se.construct, Pos: pos}
	}
	return &Error{Pos: pos, Kind: se.kind, Msg: se.msg}
}
