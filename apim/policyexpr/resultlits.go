package policyexpr

// ResultLiterals returns the string literals a policy expression can
// evaluate to, read from its syntax tree without running it:
// @("orders") → orders; @(cond ? "a" : "b") → a, b;
// @(context.Variables.GetValueOrDefault<string>("id", "orders")) → orders;
// @{ if (x) { return "a"; } return "b"; } → a, b. Only result positions
// count (ternary branches, both operands of ??, the default of
// GetValueOrDefault, return statements of the block, casts and
// parentheses around them), so a literal that is only compared against
// ("eu" in x == "eu" ? …) is never taken for a result. block is true for
// a @{ … } statement block. ok is false when some result is not a literal
// (a variable, a concatenation, an interpolated string), or when src does
// not parse; lits then holds the literals that were found.
func ResultLiterals(src string, block bool) (lits []string, ok bool) {
	if !block {
		x, err := parseExprMode(src, 0, len(src), true)
		if err != nil {
			return nil, false
		}
		return exprLiterals(x, nil, 0)
	}
	list, err := parseBlockMode(src, true)
	if err != nil {
		return nil, false
	}
	r := &returnLits{ok: true}
	r.stmts(list, 0)
	return r.lits, r.ok && r.found
}

// maxLitDepth bounds the recursion on deeply nested trees.
const maxLitDepth = 64

// exprLiterals appends the literal results of x to lits.
func exprLiterals(x cexpr, lits []string, depth int) ([]string, bool) {
	if depth > maxLitDepth {
		return lits, false
	}
	switch e := x.(type) {
	case *litExpr:
		if e.kind == tString {
			return append(lits, e.val), true
		}
	case *condExpr:
		lits, okA := exprLiterals(e.a, lits, depth+1)
		lits, okB := exprLiterals(e.b, lits, depth+1)
		return lits, okA && okB
	case *binaryExpr:
		if e.op == "??" {
			lits, okA := exprLiterals(e.x, lits, depth+1)
			lits, okB := exprLiterals(e.y, lits, depth+1)
			return lits, okA && okB
		}
	case *castExpr:
		return exprLiterals(e.x, lits, depth+1)
	case *callExpr:
		// …GetValueOrDefault(name, default) and GetValueOrDefault<T>(…):
		// the default is what a policy author wrote as the value.
		// Named arguments may come in any order: which one is the default
		// is not known here.
		if m, isMember := e.fn.(*memberExpr); isMember && m.name == "GetValueOrDefault" && len(e.args) == 2 &&
			e.args[0].name == "" && e.args[1].name == "" {
			return exprLiterals(e.args[1].x, lits, depth+1)
		}
	}
	return lits, false
}

// returnLits collects the results of a block's return statements (not
// those of lambdas or local functions, which return elsewhere).
type returnLits struct {
	lits      []string
	ok, found bool
}

func (r *returnLits) stmts(list []stmt, depth int) {
	for _, s := range list {
		r.stmt(s, depth)
	}
}

func (r *returnLits) stmt(s stmt, depth int) {
	if s == nil {
		return
	}
	if depth > maxLitDepth {
		r.ok = false
		return
	}
	switch s := s.(type) {
	case *returnStmt:
		r.found = true
		if s.x == nil {
			r.ok = false
			return
		}
		var ok bool
		r.lits, ok = exprLiterals(s.x, r.lits, 0)
		r.ok = r.ok && ok
	case *blockStmt:
		r.stmts(s.list, depth+1)
	case *ifStmt:
		r.stmt(s.then, depth+1)
		r.stmt(s.els, depth+1)
	case *foreachStmt:
		r.stmt(s.body, depth+1)
	case *forStmt:
		r.stmt(s.body, depth+1)
	case *whileStmt:
		r.stmt(s.body, depth+1)
	case *switchStmt:
		for _, sec := range s.sections {
			r.stmts(sec.body, depth+1)
		}
	case *tryStmt:
		if s.body != nil {
			r.stmt(s.body, depth+1)
		}
		for _, c := range s.catches {
			if c.body != nil {
				r.stmt(c.body, depth+1)
			}
		}
		if s.finally != nil {
			r.stmt(s.finally, depth+1)
		}
	case *usingStmt:
		r.stmt(s.body, depth+1)
	}
	// declStmt, exprStmt, emptyStmt, break/continue/throw and local
	// functions hold no return of the block itself.
}
