package policyexpr

// Parsing of the constructs only the interpreter runs (parser.full).

// fullStmtKeywords start the statements parsed by fullStatement.
var fullStmtKeywords = map[string]bool{
	"foreach": true, "for": true, "while": true, "do": true, "break": true,
	"continue": true, "try": true, "throw": true, "using": true, "switch": true,
}

func (p *parser) fullStatement() (stmt, error) {
	t := p.next()
	switch t.text {
	case "break":
		_, err := p.expect(";")
		return &breakStmt{off: t.off}, err
	case "continue":
		_, err := p.expect(";")
		return &continueStmt{off: t.off}, err
	case "throw":
		s := &throwStmt{off: t.off}
		if !p.is(";") {
			x, err := p.expression()
			if err != nil {
				return nil, err
			}
			s.x = x
		}
		_, err := p.expect(";")
		return s, err
	case "foreach":
		return p.foreachStatement(t)
	case "for":
		return p.forStatement(t)
	case "while":
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
		body, err := p.statement()
		if err != nil {
			return nil, err
		}
		return &whileStmt{off: t.off, cond: c, body: body}, nil
	case "do":
		body, err := p.statement()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect("while"); err != nil {
			return nil, err
		}
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
		if _, err := p.expect(";"); err != nil {
			return nil, err
		}
		return &whileStmt{off: t.off, cond: c, body: body, do: true}, nil
	case "try":
		return p.tryStatement(t)
	case "switch":
		return p.switchStatement(t)
	case "using":
		return p.usingStatement(t)
	}
	return nil, syntaxErr(t.off, "unexpected '%s'", t.text)
}

func (p *parser) switchStatement(t token) (stmt, error) {
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	x, err := p.expression()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(")"); err != nil {
		return nil, err
	}
	open, err := p.expect("{")
	if err != nil {
		return nil, err
	}
	s := &switchStmt{off: t.off, x: x}
	for !p.accept("}") {
		if p.peek().kind == tEOF {
			return nil, syntaxErr(open.off, "unclosed '{'")
		}
		sec := switchSection{off: p.peek().off}
		for p.is("case") || p.is("default") {
			if p.accept("default") {
				sec.labels = append(sec.labels, nil)
			} else {
				p.next()
				l, err := p.conditional()
				if err != nil {
					return nil, err
				}
				if p.is("when") {
					return nil, unsupported(p.peek().off, "case guard 'when'")
				}
				sec.labels = append(sec.labels, l)
			}
			if _, err := p.expect(":"); err != nil {
				return nil, err
			}
		}
		if len(sec.labels) == 0 {
			return nil, syntaxErr(p.peek().off, "expected 'case' or 'default', found %s", describe(p.peek()))
		}
		for !p.is("case") && !p.is("default") && !p.is("}") {
			if p.peek().kind == tEOF {
				return nil, syntaxErr(open.off, "unclosed '{'")
			}
			st, err := p.statement()
			if err != nil {
				return nil, err
			}
			sec.body = append(sec.body, st)
		}
		s.sections = append(s.sections, sec)
	}
	return s, nil
}

func (p *parser) foreachStatement(t token) (stmt, error) {
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	s := &foreachStmt{off: t.off}
	if !p.accept("var") {
		ty, ok := p.tryType()
		if !ok {
			return nil, syntaxErr(p.peek().off, "expected a type in foreach")
		}
		s.t = ty
	}
	name := p.next()
	if name.kind != tIdent {
		return nil, syntaxErr(name.off, "expected a variable name in foreach, found %s", describe(name))
	}
	s.name = name.text
	if _, err := p.expect("in"); err != nil {
		return nil, err
	}
	coll, err := p.expression()
	if err != nil {
		return nil, err
	}
	s.coll = coll
	if _, err := p.expect(")"); err != nil {
		return nil, err
	}
	if s.body, err = p.statement(); err != nil {
		return nil, err
	}
	return s, nil
}

func (p *parser) forStatement(t token) (stmt, error) {
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	s := &forStmt{off: t.off}
	if !p.accept(";") {
		if d, ok, err := p.tryDeclaration(); ok || err != nil {
			if err != nil {
				return nil, err
			}
			s.init = append(s.init, d) // the declaration consumed ';'
		} else {
			for {
				x, err := p.expression()
				if err != nil {
					return nil, err
				}
				s.init = append(s.init, &exprStmt{off: x.offset(), x: x})
				if !p.accept(",") {
					break
				}
			}
			if _, err := p.expect(";"); err != nil {
				return nil, err
			}
		}
	}
	if !p.is(";") {
		c, err := p.expression()
		if err != nil {
			return nil, err
		}
		s.cond = c
	}
	if _, err := p.expect(";"); err != nil {
		return nil, err
	}
	for !p.is(")") {
		x, err := p.expression()
		if err != nil {
			return nil, err
		}
		s.post = append(s.post, x)
		if !p.accept(",") {
			break
		}
	}
	if _, err := p.expect(")"); err != nil {
		return nil, err
	}
	body, err := p.statement()
	if err != nil {
		return nil, err
	}
	s.body = body
	return s, nil
}

func (p *parser) tryStatement(t token) (stmt, error) {
	body, err := p.block()
	if err != nil {
		return nil, err
	}
	s := &tryStmt{off: t.off, body: body}
	for p.is("catch") {
		c := catchClause{off: p.next().off}
		if p.accept("(") {
			ty, ok := p.tryType()
			if !ok {
				return nil, syntaxErr(p.peek().off, "expected an exception type in catch")
			}
			c.t = ty
			if p.peek().kind == tIdent {
				c.name = p.next().text
			}
			if _, err := p.expect(")"); err != nil {
				return nil, err
			}
		}
		if p.is("when") {
			return nil, unsupported(p.peek().off, "exception filter catch … when")
		}
		if c.body, err = p.block(); err != nil {
			return nil, err
		}
		s.catches = append(s.catches, c)
	}
	if p.accept("finally") {
		if s.finally, err = p.block(); err != nil {
			return nil, err
		}
	}
	if len(s.catches) == 0 && s.finally == nil {
		return nil, syntaxErr(t.off, "try without catch or finally")
	}
	return s, nil
}

func (p *parser) usingStatement(t token) (stmt, error) {
	s := &usingStmt{off: t.off}
	if !p.accept("(") {
		// using declaration: using var x = e;
		d, ok, err := p.tryDeclaration()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, syntaxErr(p.peek().off, "expected a declaration after using")
		}
		s.decl = d
		return s, nil
	}
	if d, ok, err := p.tryDeclarationNoSemi(); ok || err != nil {
		if err != nil {
			return nil, err
		}
		s.decl = d
	} else {
		x, err := p.expression()
		if err != nil {
			return nil, err
		}
		s.decl = &exprStmt{off: x.offset(), x: x}
	}
	if _, err := p.expect(")"); err != nil {
		return nil, err
	}
	body, err := p.statement()
	if err != nil {
		return nil, err
	}
	s.body = body
	return s, nil
}

// tryDeclarationNoSemi parses "var x = e" or "T x = e" inside using( … ).
func (p *parser) tryDeclarationNoSemi() (stmt, bool, error) {
	save := p.i
	start := p.peek()
	d := &declStmt{off: start.off}
	if !p.accept("var") {
		ty, ok := p.tryType()
		if !ok {
			p.i = save
			return nil, false, nil
		}
		d.t = ty
	}
	name := p.peek()
	if name.kind != tIdent || p.peekAt(1).text != "=" {
		p.i = save
		return nil, false, nil
	}
	p.next()
	p.next()
	x, err := p.expression()
	if err != nil {
		return nil, true, err
	}
	d.decls = []declarator{{off: name.off, name: name.text, init: x}}
	return d, true, nil
}

// localFunc parses a local function after its return type.
func (p *parser) localFunc(ret *typeRef) (stmt, error) {
	name := p.next()
	s := &localFuncStmt{off: ret.off, ret: ret, name: name.text}
	p.next() // (
	for !p.accept(")") {
		ty, ok := p.tryType()
		if !ok {
			return nil, syntaxErr(p.peek().off, "expected a parameter type")
		}
		pn := p.next()
		if pn.kind != tIdent {
			return nil, syntaxErr(pn.off, "expected a parameter name")
		}
		s.params = append(s.params, funcParam{t: ty, name: pn.text})
		if !p.is(")") {
			if _, err := p.expect(","); err != nil {
				return nil, err
			}
		}
	}
	if p.accept("=>") {
		x, err := p.expression()
		if err != nil {
			return nil, err
		}
		s.expr = x
		_, err = p.expect(";")
		return s, err
	}
	b, err := p.block()
	if err != nil {
		return nil, err
	}
	s.body = b
	return s, nil
}

// lambda parses x => …, (x, y) => … or (T x) => ….
func (p *parser) lambda() (cexpr, error) {
	t := p.peek()
	l := &lambdaExpr{off: t.off}
	if t.kind == tIdent {
		l.params = []string{p.next().text}
	} else {
		p.next() // (
		for !p.accept(")") {
			save := p.i
			if _, ok := p.tryType(); !ok || p.peek().kind != tIdent {
				p.i = save
			}
			n := p.next()
			if n.kind != tIdent {
				return nil, syntaxErr(n.off, "expected a lambda parameter name")
			}
			l.params = append(l.params, n.text)
			if !p.is(")") {
				if _, err := p.expect(","); err != nil {
					return nil, err
				}
			}
		}
	}
	if _, err := p.expect("=>"); err != nil {
		return nil, err
	}
	if p.is("{") {
		b, err := p.block()
		if err != nil {
			return nil, err
		}
		l.block = b
		return l, nil
	}
	x, err := p.expression()
	if err != nil {
		return nil, err
	}
	l.body = x
	return l, nil
}

// isPattern parses what follows 'is': null, not null, a constant, a type,
// or a type with a designation.
func (p *parser) isPattern(t token, x cexpr) (cexpr, error) {
	ie := &isExpr{off: t.off, x: x}
	if p.accept("not") {
		ie.not = true
	}
	if p.accept("null") {
		return ie, nil
	}
	// A constant pattern (C# 7): a literal string, number, character or
	// boolean.
	if n := p.peek(); n.kind == tString || n.kind == tInt || n.kind == tReal || n.kind == tChar || n.text == "true" || n.text == "false" {
		c, err := p.primary()
		if err != nil {
			return nil, err
		}
		ie.constant = c
		return ie, nil
	}
	ty, ok := p.tryType()
	if !ok {
		return nil, syntaxErr(p.peek().off, "expected a type or null after 'is'")
	}
	ie.t = ty
	if n := p.peek(); n.kind == tIdent && !isNonTypeKeyword(n.text) && n.text != "and" && n.text != "or" {
		ie.name = p.next().text
	}
	return ie, nil
}

// anonymous parses new { a = e, b, x.c }.
func (p *parser) anonymous(kw token) (cexpr, error) {
	p.next() // {
	a := &anonExpr{off: kw.off}
	for !p.accept("}") {
		t := p.peek()
		var name string
		if t.kind == tIdent && p.peekAt(1).text == "=" && p.peekAt(1).kind == tPunct {
			p.next()
			p.next()
			name = t.text
		}
		x, err := p.expression()
		if err != nil {
			return nil, err
		}
		if name == "" {
			switch v := x.(type) {
			case *identExpr:
				name = v.name
			case *memberExpr:
				name = v.name
			default:
				return nil, syntaxErr(x.offset(), "anonymous type member needs a name")
			}
		}
		a.names = append(a.names, name)
		a.vals = append(a.vals, x)
		if !p.is("}") {
			if _, err := p.expect(","); err != nil {
				return nil, err
			}
		}
	}
	return a, nil
}

// initializer parses the { … } after new T(…) or new T.
func (p *parser) initializer(n *newExpr) (cexpr, error) {
	open := p.next() // {
	ie := &initExpr{off: n.off, newX: n}
	for !p.accept("}") {
		t := p.peek()
		it := initItem{off: t.off}
		switch {
		case t.kind == tPunct && t.text == "[":
			p.next()
			k, err := p.expression()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect("]"); err != nil {
				return nil, err
			}
			if _, err := p.expect("="); err != nil {
				return nil, err
			}
			it.key = k
		case t.kind == tIdent && p.peekAt(1).kind == tPunct && p.peekAt(1).text == "=":
			p.next()
			p.next()
			it.member = t.text
		case t.kind == tPunct && t.text == "{":
			p.next()
			for !p.accept("}") {
				x, err := p.expression()
				if err != nil {
					return nil, err
				}
				it.vals = append(it.vals, x)
				if !p.is("}") {
					if _, err := p.expect(","); err != nil {
						return nil, err
					}
				}
			}
		}
		if it.key != nil || it.member != "" {
			x, err := p.expression()
			if err != nil {
				return nil, err
			}
			it.val = x
		} else if it.vals == nil {
			x, err := p.expression()
			if err != nil {
				return nil, err
			}
			it.vals = []cexpr{x}
		}
		ie.items = append(ie.items, it)
		if !p.is("}") {
			if _, err := p.expect(","); err != nil {
				return nil, err
			}
		}
		if p.peek().kind == tEOF {
			return nil, syntaxErr(open.off, "unclosed '{'")
		}
	}
	return ie, nil
}
