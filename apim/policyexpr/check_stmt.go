package policyexpr

// cont is the continuation of a statement list: the statements that run
// after the current block ends, and the depth of the block holding them.
type cont struct {
	list  []stmt
	next  *cont
	depth int
}

// seq translates a statement list followed by its continuation into one
// expr-lang expression. Declarations and assignments become `let` bindings
// (a fresh name per assignment, since expr forbids rebinding); an `if`
// becomes a ternary whose branches each carry the rest of the statements;
// `return` ends the path. endOff locates "not all code paths return".
func (c *checker) seq(list []stmt, k *cont, endOff int) (string, error) {
	if err := c.step(endOff); err != nil {
		return "", err
	}
	if len(list) == 0 {
		if k == nil {
			return "", typeErr(endOff, "not all code paths return a value")
		}
		c.sc = c.sc.exit(k.depth)
		return c.seq(k.list, k.next, endOff)
	}
	s, rest := list[0], list[1:]
	switch s := s.(type) {
	case *emptyStmt:
		return c.seq(rest, k, endOff)
	case *returnStmt:
		if s.x == nil {
			return "", typeErr(s.off, "a policy expression block must return a value")
		}
		v, err := c.value(s.x)
		if err != nil {
			return "", err
		}
		if v.t.k == kRandom || v.t.k == kNav {
			return "", unsupported(s.x.offset(), "returning a %s", v.t)
		}
		c.retTypes = append(c.retTypes, v.t)
		return v.code, nil
	case *declStmt:
		return c.declare(s, rest, k, endOff)
	case *exprStmt:
		return c.assign(s, rest, k, endOff)
	case *blockStmt:
		saved := c.sc
		c.sc = c.sc.enter()
		code, err := c.seq(s.list, &cont{list: rest, next: k, depth: saved.depth}, endOff)
		c.sc = saved
		return code, err
	case *ifStmt:
		return c.ifElse(s, rest, k, endOff)
	}
	return "", syntaxErr(s.offset(), "unexpected statement")
}

func (c *checker) ifElse(s *ifStmt, rest []stmt, k *cont, endOff int) (string, error) {
	cv, err := c.value(s.cond)
	if err != nil {
		return "", err
	}
	if cv.t.k != kBool {
		return "", typeErr(s.cond.offset(), "if condition must be bool, not %s", cv.t)
	}
	saved := c.sc
	after := &cont{list: rest, next: k, depth: saved.depth}
	c.sc = saved.enter()
	then, err := c.seq([]stmt{s.then}, after, endOff)
	if err != nil {
		return "", err
	}
	c.sc = saved
	var els string
	if s.els != nil {
		c.sc = saved.enter()
		els, err = c.seq([]stmt{s.els}, after, endOff)
	} else {
		els, err = c.seq(rest, k, endOff)
	}
	c.sc = saved
	if err != nil {
		return "", err
	}
	return "(" + cv.code + " ? (" + then + ") : (" + els + "))", nil
}

func (c *checker) declare(s *declStmt, rest []stmt, k *cont, endOff int) (string, error) {
	var declared ctype
	if s.t != nil {
		var ok bool
		if declared, ok = typeFromRef(s.t); !ok {
			return "", unsupported(s.t.off, "local of type %s", s.t)
		}
	}
	prefix := ""
	for _, d := range s.decls {
		if _, dup := c.sc.vars[d.name]; dup || d.name == "context" {
			return "", typeErr(d.off, "a local named '%s' is already defined in this scope", d.name)
		}
		t := declared
		var code string
		if d.init != nil {
			v, err := c.value(d.init)
			if err != nil {
				return "", err
			}
			if s.t == nil {
				if v.t.k == kNull {
					return "", typeErr(d.off, "cannot assign null to an implicitly typed variable")
				}
				t = v.t
				code = v.code
			} else if code, err = c.coerce(v, t, d.init.offset(), "declaration of "+d.name); err != nil {
				return "", err
			}
		} else {
			var ok bool
			if code, ok = zeroCode(t); !ok {
				return "", unsupported(d.off, "uninitialized local of type %s", t)
			}
		}
		l := local{t: t, depth: c.sc.depth}
		if t.k == kRandom || t.k == kNav && code == "" {
			// Random's state lives in Context; the root context is $env.
			l.code = code
			if l.code == "" {
				l.code = "$env"
			}
		} else {
			l.code = c.fresh(d.name)
			prefix += "let " + l.code + " = " + code + "; "
		}
		c.sc = c.sc.with(d.name, l)
	}
	body, err := c.seq(rest, k, endOff)
	if err != nil {
		return "", err
	}
	return "(" + prefix + body + ")", nil
}

// zeroCode is the value of a declared but unassigned local (C# would
// reject reading it; the emulator starts it at the type's default).
func zeroCode(t ctype) (string, bool) {
	switch t.k {
	case kString, kChar:
		return `""`, true
	case kInt:
		return "0", true
	case kDouble:
		return "0.0", true
	case kBool:
		return "false", true
	case kObject, kStringArray:
		return "nil", true
	case kRandom:
		return "$env", true
	}
	return "", false
}

// assign translates an assignment, compound assignment or ++/-- of a local.
func (c *checker) assign(s *exprStmt, rest []stmt, k *cont, endOff int) (string, error) {
	var target cexpr
	var rhs cexpr
	op := ""
	switch x := s.x.(type) {
	case *assignExpr:
		target, rhs, op = x.lhs, x.rhs, x.op
	case *unaryExpr:
		switch x.op {
		case "++", "--", "post++", "post--":
			target, op = x.x, x.op[len(x.op)-2:len(x.op)-1]+"="
			rhs = &litExpr{off: x.off, kind: tInt, val: "1"}
		}
	}
	if target == nil {
		return "", unsupported(s.off, "expression statement (only assignments to locals are emulated)")
	}
	id, ok := target.(*identExpr)
	if !ok {
		return "", unsupported(target.offset(), "assignment to something other than a local variable")
	}
	l, ok := c.sc.vars[id.name]
	if !ok {
		if id.name == "context" {
			return "", unsupported(id.off, "assignment to context")
		}
		return "", typeErr(id.off, "the name '%s' does not exist in the current context", id.name)
	}
	if l.t.k == kRandom || l.t.k == kNav {
		return "", unsupported(id.off, "assignment to a %s local", l.t)
	}
	var value cexpr = rhs
	switch op {
	case "=":
	case "+=", "-=", "*=", "/=", "%=":
		value = &binaryExpr{off: s.off, op: op[:1], x: id, y: rhs}
	case "??=":
		value = &binaryExpr{off: s.off, op: "??", x: id, y: rhs}
	default:
		return "", unsupported(s.off, "compound assignment %s", op)
	}
	v, err := c.value(value)
	if err != nil {
		return "", err
	}
	code, err := c.coerce(v, l.t, s.off, "assignment to "+id.name)
	if err != nil {
		return "", err
	}
	name := c.fresh(id.name)
	c.sc = c.sc.with(id.name, local{code: name, t: l.t, depth: l.depth})
	body, err := c.seq(rest, k, endOff)
	if err != nil {
		return "", err
	}
	return "(let " + name + " = " + code + "; " + body + ")", nil
}
