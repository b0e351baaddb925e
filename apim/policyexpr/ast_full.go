package policyexpr

// Nodes that only the full parser builds (parser.full). The expr-lang
// translator rejects them as unsupported; the interpreter (interp*.go) runs
// them.

type (
	// lambdaExpr is x => e, (x, y) => e or (T x) => { … }.
	lambdaExpr struct {
		off    int
		params []string
		body   cexpr      // expression body, or nil
		block  *blockStmt // block body, or nil
	}
	// isExpr is x is T [name], x is null, x is not null, or a constant
	// pattern x is "eu" / x is 42 / x is true (with or without not).
	isExpr struct {
		off      int
		x        cexpr
		t        *typeRef // nil for the null and constant patterns
		name     string   // declaration pattern variable, or ""
		not      bool     // is not …
		constant cexpr    // the constant of a constant pattern, or nil
	}
	// anonExpr is new { a = 1, b }.
	anonExpr struct {
		off   int
		names []string
		vals  []cexpr
	}
	// initExpr is an object or collection initializer that follows
	// new T(…): members (Name = v), indexers ([k] = v) or items (v or {k, v}).
	initExpr struct {
		off   int
		newX  *newExpr
		items []initItem
	}
	// defaultExpr is default or default(T).
	defaultExpr struct {
		off int
		t   *typeRef
	}
)

// initItem is one element of an initializer.
type initItem struct {
	off    int
	member string  // Name = val
	key    cexpr   // [key] = val
	vals   []cexpr // a collection item: one value, or {a, b} for Add(a, b)
	val    cexpr
}

type (
	foreachStmt struct {
		off  int
		t    *typeRef // nil for var
		name string
		coll cexpr
		body stmt
	}
	forStmt struct {
		off  int
		init []stmt
		cond cexpr // may be nil
		post []cexpr
		body stmt
	}
	whileStmt struct {
		off  int
		cond cexpr
		body stmt
		do   bool
	}
	// switchStmt is a C# 7 switch statement with constant case labels.
	switchStmt struct {
		off      int
		x        cexpr
		sections []switchSection
	}
	breakStmt    struct{ off int }
	continueStmt struct{ off int }
	tryStmt      struct {
		off     int
		body    *blockStmt
		catches []catchClause
		finally *blockStmt
	}
	throwStmt struct {
		off int
		x   cexpr // nil rethrows
	}
	usingStmt struct {
		off  int
		decl stmt // a declStmt or exprStmt
		body stmt // nil for a using declaration
	}
	localFuncStmt struct {
		off    int
		ret    *typeRef
		name   string
		params []funcParam
		body   *blockStmt
		expr   cexpr // => expression body
	}
)

// switchSection is one section: its case labels (nil label = default) and
// statements.
type switchSection struct {
	off    int
	labels []cexpr // a nil entry is the default label
	body   []stmt
}

type catchClause struct {
	off  int
	t    *typeRef // nil for a bare catch
	name string
	body *blockStmt
}

type funcParam struct {
	t    *typeRef
	name string
}

func (e *lambdaExpr) offset() int    { return e.off }
func (e *isExpr) offset() int        { return e.off }
func (e *anonExpr) offset() int      { return e.off }
func (e *initExpr) offset() int      { return e.off }
func (e *defaultExpr) offset() int   { return e.off }
func (s *foreachStmt) offset() int   { return s.off }
func (s *forStmt) offset() int       { return s.off }
func (s *whileStmt) offset() int     { return s.off }
func (s *breakStmt) offset() int     { return s.off }
func (s *switchStmt) offset() int    { return s.off }
func (s *continueStmt) offset() int  { return s.off }
func (s *tryStmt) offset() int       { return s.off }
func (s *throwStmt) offset() int     { return s.off }
func (s *usingStmt) offset() int     { return s.off }
func (s *localFuncStmt) offset() int { return s.off }
