package policyexpr

import "slices"

// expression parses an expression including assignment and lambdas.
func (p *parser) expression() (cexpr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.peek()
	if t.kind == tIdent && p.peekAt(1).text == "=>" && p.peekAt(1).kind == tPunct {
		if p.full {
			return p.lambda()
		}
		return nil, unsupported(t.off, "lambda expression (%s => …)", t.text)
	}
	if t.kind == tPunct && t.text == "(" && p.parenLambda() {
		if p.full {
			return p.lambda()
		}
		return nil, unsupported(t.off, "lambda expression")
	}
	lhs, err := p.conditional()
	if err != nil {
		return nil, err
	}
	if op := p.peek(); op.kind == tPunct {
		switch op.text {
		case "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "??=", "<<=":
			p.next()
			rhs, err := p.expression()
			if err != nil {
				return nil, err
			}
			return &assignExpr{off: op.off, op: op.text, lhs: lhs, rhs: rhs}, nil
		case "=>":
			return nil, unsupported(lhs.offset(), "lambda expression")
		}
	}
	return lhs, nil
}

// parenLambda reports whether the '(' at the cursor opens a parenthesised
// lambda parameter list: its matching ')' is followed by "=>".
func (p *parser) parenLambda() bool {
	depth := 0
	for j := p.i; j < len(p.toks); j++ {
		t := p.toks[j]
		if t.kind == tEOF {
			return false
		}
		if t.kind != tPunct {
			continue
		}
		switch t.text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				n := p.toks[min(j+1, len(p.toks)-1)]
				return n.kind == tPunct && n.text == "=>"
			}
		}
	}
	return false
}

func (p *parser) conditional() (cexpr, error) {
	c, err := p.coalesce()
	if err != nil {
		return nil, err
	}
	if !p.is("?") {
		return c, nil
	}
	q := p.next()
	if p.is("[") {
		return nil, unsupported(q.off, "null-conditional index ?[")
	}
	a, err := p.expression()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(":"); err != nil {
		return nil, err
	}
	b, err := p.expression()
	if err != nil {
		return nil, err
	}
	return &condExpr{off: c.offset(), c: c, a: a, b: b}, nil
}

func (p *parser) coalesce() (cexpr, error) {
	x, err := p.binary(0)
	if err != nil {
		return nil, err
	}
	if p.is("??") {
		op := p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		y, err := p.coalesce() // right-associative
		if err != nil {
			return nil, err
		}
		return &binaryExpr{off: op.off, op: "??", x: x, y: y}, nil
	}
	return x, nil
}

// binaryLevels lists the left-associative binary operators from lowest to
// highest precedence.
var binaryLevels = [][]string{
	{"||"},
	{"&&"},
	{"|"},
	{"^"},
	{"&"},
	{"==", "!="},
	{"<", ">", "<=", ">=", "is", "as"},
	{"<<"},
	{"+", "-"},
	{"*", "/", "%"},
}

func (p *parser) binary(level int) (cexpr, error) {
	if level == len(binaryLevels) {
		return p.unary()
	}
	x, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if p.full && binaryLevels[level][0] == "<<" && t.kind == tPunct && t.text == ">" {
			if n := p.peekAt(1); n.kind == tPunct && n.text == ">" && n.off == t.off+1 {
				p.next()
				p.next()
				y, err := p.binary(level + 1)
				if err != nil {
					return nil, err
				}
				x = &binaryExpr{off: t.off, op: ">>", x: x, y: y}
				continue
			}
		}
		if (t.kind != tPunct && t.kind != tIdent) || !slices.Contains(binaryLevels[level], t.text) {
			return x, nil
		}
		p.next()
		switch t.text {
		case "is":
			if p.full {
				ie, err := p.isPattern(t, x)
				if err != nil {
					return nil, err
				}
				x = ie
				continue
			}
			return nil, unsupported(t.off, "'is' type test")
		case "as":
			ty, ok := p.tryType()
			if !ok {
				return nil, syntaxErr(p.peek().off, "expected a type after 'as'")
			}
			x = &asExpr{off: t.off, x: x, t: ty}
			continue
		case "<<":
			if !p.full {
				return nil, unsupported(t.off, "shift operator <<")
			}
		}
		if err := p.enter(); err != nil {
			return nil, err
		}
		y, err := p.binary(level + 1)
		p.leave()
		if err != nil {
			return nil, err
		}
		x = &binaryExpr{off: t.off, op: t.text, x: x, y: y}
	}
}

func (p *parser) unary() (cexpr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.peek()
	if t.kind == tPunct {
		switch t.text {
		case "!", "-", "+", "~", "++", "--":
			p.next()
			x, err := p.unary()
			if err != nil {
				return nil, err
			}
			return &unaryExpr{off: t.off, op: t.text, x: x}, nil
		case "&", "*":
			return nil, unsupported(t.off, "pointer operator %s", t.text)
		case "(":
			if c, ok, err := p.tryCast(); ok || err != nil {
				return c, err
			}
		}
	}
	return p.postfix()
}

// tryCast parses (T)x when the parenthesised tokens form a type and the next
// token can start a unary expression (the C# disambiguation rule).
func (p *parser) tryCast() (cexpr, bool, error) {
	save := p.i
	open := p.next()
	ty, ok := p.tryType()
	if !ok || !p.is(")") {
		p.i = save
		return nil, false, nil
	}
	p.next()
	n := p.peek()
	cast := false
	switch {
	case slices.Contains(predefinedTypes, ty.name) && ty.rank == 0 && len(ty.args) == 0:
		cast = n.kind != tEOF && !(n.kind == tPunct && (n.text == ")" || n.text == ";" || n.text == "," || n.text == "]" || n.text == "}"))
	case n.kind == tIdent:
		cast = n.text != "as" && n.text != "is"
	case n.kind == tInt || n.kind == tReal || n.kind == tString || n.kind == tChar || n.kind == tInterp:
		cast = true
	case n.kind == tPunct:
		cast = n.text == "(" || n.text == "!" || n.text == "~"
	}
	if !cast {
		p.i = save
		return nil, false, nil
	}
	x, err := p.unary()
	if err != nil {
		return nil, true, err
	}
	return &castExpr{off: open.off, t: ty, x: x}, true, nil
}

func (p *parser) postfix() (cexpr, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != tPunct {
			return x, nil
		}
		switch t.text {
		case ".", "?.":
			p.next()
			name := p.next()
			if name.kind != tIdent {
				return nil, syntaxErr(name.off, "expected a member name after '%s', found %s", t.text, describe(name))
			}
			m := &memberExpr{off: x.offset(), x: x, name: name.text, nameOff: name.off, nullCond: t.text == "?."}
			if p.is("<") {
				save := p.i
				if args, ok := p.typeArgs(); ok && p.is("(") {
					m.typeArgs = args
				} else {
					p.i = save
				}
			}
			x = m
		case "(":
			args, err := p.arguments("(", ")")
			if err != nil {
				return nil, err
			}
			x = &callExpr{off: x.offset(), fn: x, args: args}
		case "[":
			args, err := p.arguments("[", "]")
			if err != nil {
				return nil, err
			}
			idx := &indexExpr{off: x.offset(), x: x}
			for _, a := range args {
				if a.name != "" {
					return nil, syntaxErr(t.off, "named argument in indexer")
				}
				idx.args = append(idx.args, a.x)
			}
			x = idx
		case "?":
			if !p.full || p.peekAt(1).kind != tPunct || p.peekAt(1).text != "[" {
				return x, nil
			}
			p.next()
			args, err := p.arguments("[", "]")
			if err != nil {
				return nil, err
			}
			idx := &indexExpr{off: x.offset(), x: x, nullCond: true}
			for _, a := range args {
				idx.args = append(idx.args, a.x)
			}
			x = idx
		case "++", "--":
			p.next()
			x = &unaryExpr{off: x.offset(), op: "post" + t.text, x: x}
		case "->":
			return nil, unsupported(t.off, "pointer member access ->")
		case "::":
			return nil, unsupported(t.off, "namespace alias qualifier ::")
		default:
			return x, nil
		}
	}
}

// typeArgs parses <T, …> for a generic method call; it does not rewind.
func (p *parser) typeArgs() ([]*typeRef, bool) {
	p.next() // <
	var args []*typeRef
	for {
		t, ok := p.typ(1)
		if !ok {
			return nil, false
		}
		args = append(args, t)
		if !p.accept(",") {
			break
		}
	}
	return args, p.accept(">")
}

// arguments parses a parenthesised or bracketed argument list.
func (p *parser) arguments(open, close string) ([]arg, error) {
	p.next() // open
	var args []arg
	if p.accept(close) {
		return args, nil
	}
	for {
		t := p.peek()
		var a arg
		if t.kind == tIdent && (t.text == "out" || t.text == "ref" || t.text == "in") && p.peekAt(1).kind == tIdent {
			if !p.full || t.text != "out" {
				return nil, unsupported(t.off, "%s argument", t.text)
			}
			p.next()
			a.out = true
			save := p.i
			if _, ok := p.tryType(); ok && p.peek().kind == tIdent {
				a.outDecl = true
			} else {
				p.i = save
			}
			name := p.next()
			if name.kind != tIdent {
				return nil, syntaxErr(name.off, "expected a variable name after out")
			}
			a.x = &identExpr{off: name.off, name: name.text}
			args = append(args, a)
			if p.accept(close) {
				return args, nil
			}
			if _, err := p.expect(","); err != nil {
				return nil, err
			}
			continue
		}
		if t.kind == tIdent && p.peekAt(1).kind == tPunct && p.peekAt(1).text == ":" {
			p.next()
			p.next()
			a.name = t.text
		}
		x, err := p.expression()
		if err != nil {
			return nil, err
		}
		a.x = x
		args = append(args, a)
		if p.accept(close) {
			return args, nil
		}
		if _, err := p.expect(","); err != nil {
			return nil, err
		}
	}
}

func (p *parser) primary() (cexpr, error) {
	t := p.peek()
	switch t.kind {
	case tEOF:
		return nil, syntaxErr(t.off, "unexpected end of expression")
	case tInt, tReal, tString, tChar:
		p.next()
		v := t.val
		if t.kind == tInt || t.kind == tReal {
			v = t.text
		}
		return &litExpr{off: t.off, kind: t.kind, val: v}, nil
	case tInterp:
		p.next()
		return p.interpolation(t)
	case tNamedValue:
		p.next()
		return &namedValueExpr{off: t.off, name: t.text}, nil
	case tPunct:
		if t.text == "(" {
			p.next()
			x, err := p.expression()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect(")"); err != nil {
				return nil, err
			}
			return x, nil
		}
		return nil, syntaxErr(t.off, "unexpected %s", describe(t))
	}
	// Identifier or keyword.
	switch t.text {
	case "true", "false", "null":
		p.next()
		return &litExpr{off: t.off, kind: tIdent, val: t.text}, nil
	case "new":
		return p.newExpression()
	}
	if p.full && t.text == "default" {
		p.next()
		d := &defaultExpr{off: t.off}
		if p.accept("(") {
			ty, ok := p.tryType()
			if !ok {
				return nil, syntaxErr(p.peek().off, "expected a type in default(…)")
			}
			d.t = ty
			if _, err := p.expect(")"); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	if slices.Contains(unsupportedExprKeywords, t.text) {
		return nil, unsupported(t.off, "'%s' expression", t.text)
	}
	p.next()
	return &identExpr{off: t.off, name: t.text}, nil
}

func (p *parser) interpolation(t token) (cexpr, error) {
	ie := &interpExpr{off: t.off}
	for _, part := range t.parts {
		if !part.hole {
			ie.parts = append(ie.parts, interpNode{lit: part.lit})
			continue
		}
		if part.format != "" && !p.full {
			return nil, unsupported(part.holeEnd, "interpolation format or alignment %q", part.format)
		}
		if err := p.enter(); err != nil {
			return nil, err
		}
		x, err := parseExprMode(p.src, part.holeOff, part.holeEnd, p.full)
		p.leave()
		if err != nil {
			return nil, err
		}
		ie.parts = append(ie.parts, interpNode{x: x, hole: true, format: part.format})
	}
	return ie, nil
}

func (p *parser) newExpression() (cexpr, error) {
	kw := p.next()
	n := &newExpr{off: kw.off}
	if p.is("{") {
		if p.full {
			return p.anonymous(kw)
		}
		return nil, unsupported(kw.off, "anonymous type new { … }")
	}
	if p.is("[") {
		p.next()
		if _, err := p.expect("]"); err != nil {
			return nil, err
		}
		n.array = true
		return p.arrayInit(n)
	}
	t, ok := p.tryType()
	if !ok {
		return nil, syntaxErr(p.peek().off, "expected a type after 'new'")
	}
	n.t = t
	if t.rank > 0 {
		n.array = true
		return p.arrayInit(n)
	}
	if p.is("[") {
		if p.full {
			p.next()
			size, err := p.expression()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect("]"); err != nil {
				return nil, err
			}
			n.array = true
			n.items = []cexpr{size}
			n.args = []arg{{name: "#size"}}
			return n, nil
		}
		return nil, unsupported(kw.off, "sized array creation new %s[n]", t)
	}
	if !p.is("(") {
		if p.is("{") {
			if p.full {
				return p.initializer(n)
			}
			return nil, unsupported(kw.off, "object or collection initializer")
		}
		return nil, syntaxErr(p.peek().off, "expected '(' after new %s", t)
	}
	args, err := p.arguments("(", ")")
	if err != nil {
		return nil, err
	}
	n.args = args
	if p.is("{") {
		if p.full {
			return p.initializer(n)
		}
		return nil, unsupported(p.peek().off, "object or collection initializer")
	}
	return n, nil
}

func (p *parser) arrayInit(n *newExpr) (cexpr, error) {
	if _, err := p.expect("{"); err != nil {
		return nil, err
	}
	for !p.accept("}") {
		x, err := p.expression()
		if err != nil {
			return nil, err
		}
		n.items = append(n.items, x)
		if !p.is("}") {
			if _, err := p.expect(","); err != nil {
				return nil, err
			}
		}
	}
	return n, nil
}
