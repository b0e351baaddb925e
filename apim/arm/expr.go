package arm

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Expr is a parsed ARM template expression: a literal, a function call, a
// property access or an index. Offset is the byte offset of the node in the
// string given to ParseExpr; String renders the node back in canonical form.
type Expr interface {
	Offset() int
	String() string
}

// StringLit is a single-quoted string literal ('it”s' is "it's").
type StringLit struct {
	Off   int
	Value string
}

// NumberLit is an integer or decimal literal, kept as written.
type NumberLit struct {
	Off  int
	Text string
}

// BoolLit is the bare literal true or false (the functions true() and
// false() are calls).
type BoolLit struct {
	Off   int
	Value bool
}

// NullLit is the bare literal null.
type NullLit struct{ Off int }

// Call is a function call. Name is as written; ARM matches it
// case-insensitively. User-defined functions have a dotted "ns.name".
type Call struct {
	Off  int
	Name string
	Args []Expr

	lname string
}

// Property is a member access x.name.
type Property struct {
	Off  int
	X    Expr
	Name string
}

// Index is an index access x[i] or x['key'].
type Index struct {
	Off   int
	X     Expr
	Index Expr
}

// Offset implements Expr.
func (e *StringLit) Offset() int { return e.Off }

// Offset implements Expr.
func (e *NumberLit) Offset() int { return e.Off }

// Offset implements Expr.
func (e *BoolLit) Offset() int { return e.Off }

// Offset implements Expr.
func (e *NullLit) Offset() int { return e.Off }

// Offset implements Expr.
func (e *Call) Offset() int { return e.Off }

// Offset implements Expr.
func (e *Property) Offset() int { return e.Off }

// Offset implements Expr.
func (e *Index) Offset() int { return e.Off }

func (e *StringLit) String() string { return "'" + strings.ReplaceAll(e.Value, "'", "''") + "'" }
func (e *NumberLit) String() string { return e.Text }
func (e *BoolLit) String() string {
	if e.Value {
		return "true"
	}
	return "false"
}
func (e *NullLit) String() string { return "null" }
func (e *Call) String() string {
	var b strings.Builder
	b.WriteString(e.Name)
	b.WriteByte('(')
	for i, a := range e.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.String())
	}
	b.WriteByte(')')
	return b.String()
}
func (e *Property) String() string { return e.X.String() + "." + e.Name }
func (e *Index) String() string    { return e.X.String() + "[" + e.Index.String() + "]" }

// ErrSyntax is wrapped by every *SyntaxError.
var ErrSyntax = errors.New("invalid template expression")

// SyntaxError is a malformed expression. Offset is the byte offset in the
// string given to ParseExpr.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid template expression at offset %d: %s", e.Offset, e.Msg)
}

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// maxExprDepth bounds nesting so hostile input cannot exhaust the stack.
const maxExprDepth = 256

// ParseExpr parses one ARM expression. s is either the body ("concat('a', 'b')")
// or the whole JSON string including the enclosing brackets
// ("[concat('a', 'b')]"); offsets are relative to s either way.
func ParseExpr(s string) (Expr, error) { return parseExpr(s, nil) }

// parseExpr is ParseExpr, taking the nodes from arena a when it is not nil.
func parseExpr(s string, a *exprArena) (Expr, error) {
	p := &exprParser{src: s, a: a}
	if a != nil {
		defer func() { a.stack = a.stack[:0] }()
	}
	if len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' {
		p.pos, p.end = 1, len(s)-1
	} else {
		p.end = len(s)
	}
	p.skipSpace()
	if p.pos >= p.end {
		return nil, p.errf(p.pos, "empty expression")
	}
	e, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < p.end {
		return nil, p.errf(p.pos, "unexpected %s after expression", p.describe())
	}
	return e, nil
}

type exprParser struct {
	src      string
	pos, end int
	a        *exprArena // nil: every node allocated on its own
}

// exprArena holds the nodes of the expressions one resolver parses: calls,
// string literals and argument lists are taken from blocks instead of
// allocated one by one, and argument lists are sized exactly (a template of
// 40,000 resources each named by an expression of its own parses 40,000
// expressions: issue 16). Nodes are never changed once parsed. When no
// expression parsed into it is in use any more, the resolver resets the
// arena and the blocks are filled again (resolver.parse).
type exprArena struct {
	calls blocks[Call]
	strs  blocks[StringLit]
	args  blocks[Expr]
	// stack holds the arguments of the calls being parsed.
	stack []Expr
}

// Blocks of calls (64 bytes each), literals (24) and arguments (16) fill
// a 4 KiB or 3 KiB size class with the 8-byte header the runtime adds to
// objects over 512 bytes holding pointers.
const (
	arenaCalls = 63
	arenaStrs  = 127
	arenaArgs  = 255
)

// reset makes every block of a free for reuse: nothing parsed into it may
// be used after.
func (a *exprArena) reset() { a.calls.reset(); a.strs.reset(); a.args.reset() }

// drop forgets every block of a, for the expressions parsed into it to
// keep theirs.
func (a *exprArena) drop() {
	a.calls, a.strs, a.args = blocks[Call]{}, blocks[StringLit]{}, blocks[Expr]{}
}

// blocks hands out elements of type T from blocks of equal size, kept for
// reuse after reset.
type blocks[T any] struct {
	list [][]T
	cur  int // index in list of the block being filled
	used int // elements of list[cur] handed out
}

// take returns n zero elements, contiguous, from a block of size elements.
func (b *blocks[T]) take(n, size int) []T {
	if n > size {
		return make([]T, n)
	}
	if b.cur < len(b.list) && b.used+n > size {
		b.cur, b.used = b.cur+1, 0
	}
	if b.cur == len(b.list) {
		b.list = append(b.list, make([]T, size))
	}
	s := b.list[b.cur][b.used : b.used+n : b.used+n]
	b.used += n
	clear(s)
	return s
}

func (b *blocks[T]) reset() { b.cur, b.used = 0, 0 }

// newCall and newStringLit return a zero node, from the arena if any.
func (p *exprParser) newCall() *Call {
	if p.a == nil {
		return new(Call)
	}
	return &p.a.calls.take(1, arenaCalls)[0]
}

func (p *exprParser) newStringLit() *StringLit {
	if p.a == nil {
		return new(StringLit)
	}
	return &p.a.strs.take(1, arenaStrs)[0]
}

// pushArg records an argument of the call being parsed; args returns the
// arguments pushed since the stack had length base, in a slice of their
// own.
func (p *exprParser) pushArg(x Expr) { p.a.stack = append(p.a.stack, x) }

func (p *exprParser) args(base int) []Expr {
	a := p.a
	s := a.args.take(len(a.stack)-base, arenaArgs)
	copy(s, a.stack[base:])
	clear(a.stack[base:])
	a.stack = a.stack[:base]
	return s
}

func (p *exprParser) errf(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func (p *exprParser) describe() string {
	if p.pos >= p.end {
		return "end of expression"
	}
	return fmt.Sprintf("%q", p.src[p.pos])
}

func (p *exprParser) skipSpace() {
	for p.pos < p.end {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *exprParser) expr(depth int) (Expr, error) {
	if depth > maxExprDepth {
		return nil, p.errf(p.pos, "expression nested deeper than %d", maxExprDepth)
	}
	x, err := p.primary(depth)
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		if p.pos >= p.end {
			return x, nil
		}
		switch p.src[p.pos] {
		case '.':
			off := p.pos
			p.pos++
			p.skipSpace()
			name := p.ident()
			if name == "" {
				return nil, p.errf(p.pos, "expected property name after '.', found %s", p.describe())
			}
			x = &Property{Off: off, X: x, Name: name}
		case '[':
			off := p.pos
			p.pos++
			p.skipSpace()
			idx, err := p.expr(depth + 1)
			if err != nil {
				return nil, err
			}
			p.skipSpace()
			if p.pos >= p.end || p.src[p.pos] != ']' {
				return nil, p.errf(p.pos, "expected ']' to close index opened at offset %d, found %s", off, p.describe())
			}
			p.pos++
			x = &Index{Off: off, X: x, Index: idx}
		default:
			return x, nil
		}
	}
}

func (p *exprParser) ident() string {
	start := p.pos
	if p.pos < p.end && isIdentStart(p.src[p.pos]) {
		p.pos++
		for p.pos < p.end && isIdentChar(p.src[p.pos]) {
			p.pos++
		}
	}
	return p.src[start:p.pos]
}

func (p *exprParser) primary(depth int) (Expr, error) {
	p.skipSpace()
	if p.pos >= p.end {
		return nil, p.errf(p.pos, "unexpected end of expression")
	}
	off := p.pos
	c := p.src[p.pos]
	switch {
	case c == '\'':
		return p.stringLit()
	case isDigit(c) || c == '-' && p.pos+1 < p.end && isDigit(p.src[p.pos+1]):
		p.pos++
		for p.pos < p.end && isDigit(p.src[p.pos]) {
			p.pos++
		}
		if p.pos+1 < p.end && p.src[p.pos] == '.' && isDigit(p.src[p.pos+1]) {
			p.pos++
			for p.pos < p.end && isDigit(p.src[p.pos]) {
				p.pos++
			}
		}
		return &NumberLit{Off: off, Text: p.src[off:p.pos]}, nil
	case isIdentStart(c):
		name := p.ident()
		p.skipSpace()
		// A namespaced user-defined function: ns.name(...).
		if p.pos < p.end && p.src[p.pos] == '.' {
			save := p.pos
			p.pos++
			p.skipSpace()
			if member := p.ident(); member != "" {
				p.skipSpace()
				if p.pos < p.end && p.src[p.pos] == '(' {
					name += "." + member
				} else {
					p.pos = save
				}
			} else {
				p.pos = save
			}
		}
		if p.pos >= p.end || p.src[p.pos] != '(' {
			switch strings.ToLower(name) {
			case "true":
				return &BoolLit{Off: off, Value: true}, nil
			case "false":
				return &BoolLit{Off: off, Value: false}, nil
			case "null":
				return &NullLit{Off: off}, nil
			}
			return nil, p.errf(p.pos, "expected '(' after function name %q, found %s", name, p.describe())
		}
		p.pos++
		call := p.newCall()
		call.Off, call.Name, call.lname = off, name, lowerName(name)
		p.skipSpace()
		if p.pos < p.end && p.src[p.pos] == ')' {
			p.pos++
			return call, nil
		}
		base := 0
		if p.a != nil {
			base = len(p.a.stack)
		}
		for {
			arg, err := p.expr(depth + 1)
			if err != nil {
				return nil, err
			}
			if p.a != nil {
				p.pushArg(arg)
			} else {
				call.Args = append(call.Args, arg)
			}
			p.skipSpace()
			if p.pos >= p.end {
				return nil, p.errf(p.pos, "expected ')' to close call of %s opened at offset %d", name, off)
			}
			switch p.src[p.pos] {
			case ',':
				p.pos++
			case ')':
				p.pos++
				if p.a != nil {
					call.Args = p.args(base)
				}
				return call, nil
			default:
				return nil, p.errf(p.pos, "expected ',' or ')' in call of %s, found %s", name, p.describe())
			}
		}
	}
	return nil, p.errf(p.pos, "unexpected %s", p.describe())
}

func (p *exprParser) stringLit() (Expr, error) {
	off := p.pos
	p.pos++
	start := p.pos
	var b []byte // only used when the literal contains '' escapes
	for p.pos < p.end {
		if p.src[p.pos] == '\'' {
			if p.pos+1 < p.end && p.src[p.pos+1] == '\'' {
				b = append(b, p.src[start:p.pos+1]...)
				p.pos += 2
				start = p.pos
				continue
			}
			val := p.src[start:p.pos]
			if b != nil {
				val = string(append(b, val...))
			}
			p.pos++
			lit := p.newStringLit()
			lit.Off, lit.Value = off, val
			return lit, nil
		}
		p.pos++
	}
	return nil, p.errf(off, "unterminated string literal")
}

// lowerName is strings.ToLower(name) for a function name, without
// allocating for the built-in functions written in camel case
// (resourceId, createObject).
func lowerName(name string) string {
	lower := true
	for i := 0; i < len(name) && lower; i++ {
		lower = name[i] < utf8.RuneSelf && (name[i] < 'A' || name[i] > 'Z')
	}
	if lower {
		return name // as strings.ToLower returns it
	}
	var buf [32]byte
	if l, ok := builtinNames[string(appendLower(buf[:0], name))]; ok {
		return l
	}
	return strings.ToLower(name)
}

// builtinNames maps the lower-case name of each built-in function to
// itself. It is only read once built (init).
var builtinNames map[string]string

func init() {
	builtinNames = make(map[string]string)
	for n := range builtins() {
		builtinNames[n] = n
	}
}

// isExpression reports whether a JSON string is an ARM expression: it starts
// with '[' and ends with ']' and does not start with the escape "[[".
func isExpression(s string) bool {
	return len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' && s[1] != '['
}

// unescapeLiteral turns "[[x]" into "[x]"; other strings are returned as is.
func unescapeLiteral(s string) (string, bool) {
	if len(s) >= 2 && s[0] == '[' && s[1] == '[' && s[len(s)-1] == ']' {
		return s[1:], true
	}
	return s, false
}
