package policyexpr

import "slices"

// maxDepth bounds parser recursion so hostile input cannot exhaust the stack.
const maxDepth = 200

// parser is a recursive-descent parser over the token slice of one
// expression source.
type parser struct {
	src   string
	toks  []token
	i     int
	depth int
	// full enables the constructs only the interpreter runs (lambdas,
	// loops, try/catch, initializers, …); without it they are reported as
	// unsupported, which is what the expr-lang translator needs.
	full bool
}

// unsupportedStmtKeywords are statement keywords outside the subset.
var unsupportedStmtKeywords = []string{
	"foreach", "for", "while", "do", "switch", "try", "throw", "using", "lock",
	"goto", "break", "continue", "yield", "checked", "unchecked", "unsafe", "fixed",
}

// unsupportedExprKeywords are expression keywords outside the subset.
var unsupportedExprKeywords = []string{
	"typeof", "default", "nameof", "sizeof", "await", "this", "base",
	"stackalloc", "delegate", "checked", "unchecked", "throw", "switch",
}

// predefinedTypes are the C# keyword types; a parenthesised keyword type is
// always a cast.
var predefinedTypes = []string{
	"string", "int", "bool", "object", "long", "double", "decimal", "float",
	"char", "byte", "short", "uint", "ulong", "ushort", "sbyte", "dynamic",
}

// parseExprSource parses src[off:end] as one C# expression.
func parseExprSource(src string, off, end int) (cexpr, error) {
	return parseExprMode(src, off, end, false)
}

func parseExprMode(src string, off, end int, full bool) (cexpr, error) {
	toks, err := tokenize(src, off, end)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks, full: full}
	if p.peek().kind == tEOF {
		return nil, syntaxErr(p.peek().off, "empty expression")
	}
	x, err := p.expression()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, syntaxErr(t.off, "unexpected %s after expression", describe(t))
	}
	return x, nil
}

// parseBlockSource parses src as the statement list of a @{ ... } block.
func parseBlockSource(src string) ([]stmt, error) {
	return parseBlockMode(src, false)
}

func parseBlockMode(src string, full bool) ([]stmt, error) {
	toks, err := tokenize(src, 0, len(src))
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks, full: full}
	var list []stmt
	for p.peek().kind != tEOF {
		s, err := p.statement()
		if err != nil {
			return nil, err
		}
		list = append(list, s)
	}
	return list, nil
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tString, tInterp:
		return "string literal"
	case tChar:
		return "character literal"
	case tInt, tReal:
		return "number " + t.text
	case tNamedValue:
		return "named value {{" + t.text + "}}"
	}
	return "'" + t.text + "'"
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) is(text string) bool {
	t := p.peek()
	return (t.kind == tPunct || t.kind == tIdent) && t.text == text
}

func (p *parser) accept(text string) bool {
	if p.is(text) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expect(text string) (token, error) {
	if !p.is(text) {
		t := p.peek()
		return t, syntaxErr(t.off, "expected '%s', found %s", text, describe(t))
	}
	return p.next(), nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return syntaxErr(p.peek().off, "expression nested too deeply")
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// ---- statements ----

func (p *parser) statement() (stmt, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.peek()
	if t.kind == tPunct {
		switch t.text {
		case "{":
			return p.block()
		case ";":
			p.next()
			return &emptyStmt{off: t.off}, nil
		}
	}
	if t.kind == tIdent {
		switch {
		case t.text == "if":
			return p.ifStatement()
		case t.text == "else":
			return nil, syntaxErr(t.off, "'else' without 'if'")
		case t.text == "return":
			p.next()
			r := &returnStmt{off: t.off}
			if !p.is(";") {
				x, err := p.expression()
				if err != nil {
					return nil, err
				}
				r.x = x
			}
			if _, err := p.expect(";"); err != nil {
				return nil, err
			}
			return r, nil
		case p.full && fullStmtKeywords[t.text]:
			return p.fullStatement()
		case slices.Contains(unsupportedStmtKeywords, t.text) && (t.text != "checked" && t.text != "unchecked" || p.peekAt(1).text == "{"):
			return nil, unsupported(t.off, "%s statement", t.text)
		case t.text == "const":
			p.next()
			return p.declaration(true)
		}
		if d, ok, err := p.tryDeclaration(); ok || err != nil {
			return d, err
		}
	}
	x, err := p.expression()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(";"); err != nil {
		return nil, err
	}
	return &exprStmt{off: t.off, x: x}, nil
}

func (p *parser) block() (*blockStmt, error) {
	open, err := p.expect("{")
	if err != nil {
		return nil, err
	}
	b := &blockStmt{off: open.off}
	for !p.is("}") {
		if p.peek().kind == tEOF {
			return nil, syntaxErr(open.off, "unclosed '{'")
		}
		s, err := p.statement()
		if err != nil {
			return nil, err
		}
		b.list = append(b.list, s)
	}
	p.next()
	return b, nil
}

func (p *parser) ifStatement() (stmt, error) {
	t := p.next()
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	c, err := p.expression()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(")"); err != nil {
		return nil, err
	}
	then, err := p.embedded()
	if err != nil {
		return nil, err
	}
	s := &ifStmt{off: t.off, cond: c, then: then}
	if p.accept("else") {
		if s.els, err = p.embedded(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// embedded parses the body of if/else; C# forbids a declaration there.
func (p *parser) embedded() (stmt, error) {
	s, err := p.statement()
	if err != nil {
		return nil, err
	}
	if d, ok := s.(*declStmt); ok {
		return nil, syntaxErr(d.off, "embedded statement cannot be a declaration")
	}
	return s, nil
}

// tryDeclaration parses "var x = e;" or "T x [= e][, y …];" when the tokens
// form a declaration; otherwise it rewinds and reports ok=false.
func (p *parser) tryDeclaration() (stmt, bool, error) {
	save := p.i
	if p.is("var") && p.peekAt(1).kind == tIdent {
		s, err := p.declaration(false)
		return s, true, err
	}
	if ty, ok := p.tryType(); ok && p.peek().kind == tIdent {
		if n := p.peekAt(1); n.kind == tPunct && n.text == "(" && !isNonTypeKeyword(p.peek().text) {
			if !p.full {
				return nil, true, unsupported(p.toks[save].off, "local function %s", p.peek().text)
			}
			s, err := p.localFunc(ty)
			return s, true, err
		}
		if n := p.peekAt(1); n.kind == tPunct && (n.text == "=" || n.text == ";" || n.text == ",") {
			p.i = save
			s, err := p.declaration(false)
			return s, true, err
		}
	}
	p.i = save
	return nil, false, nil
}

func (p *parser) declaration(isConst bool) (stmt, error) {
	start := p.peek()
	d := &declStmt{off: start.off}
	if p.is("var") {
		p.next()
	} else {
		t, ok := p.tryType()
		if !ok {
			return nil, syntaxErr(start.off, "expected a type in declaration")
		}
		d.t = t
	}
	for {
		name := p.next()
		if name.kind != tIdent {
			return nil, syntaxErr(name.off, "expected a variable name, found %s", describe(name))
		}
		dc := declarator{off: name.off, name: name.text}
		if p.accept("=") {
			x, err := p.expression()
			if err != nil {
				return nil, err
			}
			dc.init = x
		} else if d.t == nil || isConst {
			return nil, syntaxErr(name.off, "variable %s needs an initializer", name.text)
		}
		d.decls = append(d.decls, dc)
		if !p.accept(",") {
			break
		}
	}
	if _, err := p.expect(";"); err != nil {
		return nil, err
	}
	return d, nil
}

// ---- types ----

// tryType parses a type at the current token without reporting errors; on
// failure it rewinds and returns ok=false.
func (p *parser) tryType() (*typeRef, bool) {
	save := p.i
	t, ok := p.typ(0)
	if !ok {
		p.i = save
	}
	return t, ok
}

func (p *parser) typ(depth int) (*typeRef, bool) {
	if depth > 20 {
		return nil, false
	}
	first := p.peek()
	if first.kind != tIdent || isNonTypeKeyword(first.text) {
		return nil, false
	}
	p.next()
	t := &typeRef{off: first.off, name: first.text}
	for p.is(".") && p.peekAt(1).kind == tIdent {
		p.next()
		t.name += "." + p.next().text
	}
	if p.is("<") {
		save := p.i
		p.next()
		for {
			a, ok := p.typ(depth + 1)
			if !ok {
				p.i = save
				return t, true
			}
			t.args = append(t.args, a)
			if !p.accept(",") {
				break
			}
		}
		if !p.accept(">") {
			p.i = save
			return t, true
		}
	}
	if p.is("?") {
		// Nullable suffix only when followed by something a type can be
		// followed by; otherwise it is the conditional operator.
		if n := p.peekAt(1); n.kind == tPunct && (n.text == ")" || n.text == "[" || n.text == ">" || n.text == ",") || n.kind == tIdent && p.peekAt(2).kind == tPunct && (p.peekAt(2).text == "=" || p.peekAt(2).text == ";") {
			p.next()
			t.nullable = true
		}
	}
	for p.is("[") && p.peekAt(1).kind == tPunct && p.peekAt(1).text == "]" {
		p.next()
		p.next()
		t.rank++
	}
	return t, true
}

func isNonTypeKeyword(s string) bool {
	switch s {
	case "new", "true", "false", "null", "return", "if", "else", "is", "as", "this",
		"typeof", "default", "nameof", "out", "ref", "in", "await", "base":
		return true
	}
	return false
}
