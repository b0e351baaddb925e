package policyexpr

// cexpr is a C# expression node. off is the byte offset of the node's first
// token in the expression source.
type cexpr interface{ offset() int }

// stmt is a C# statement node.
type stmt interface{ offset() int }

type (
	// identExpr is a simple name: a local, `context`, or a type name.
	identExpr struct {
		off  int
		name string
	}
	// litExpr is a literal. kind is tInt, tReal, tString, tChar, or tIdent
	// for true/false/null (val holds the keyword).
	litExpr struct {
		off  int
		kind tokKind
		val  string
	}
	// interpExpr is an interpolated string.
	interpExpr struct {
		off   int
		parts []interpNode
	}
	// memberExpr is x.name (or x?.name when nullCond).
	memberExpr struct {
		off      int
		x        cexpr
		name     string
		nameOff  int
		nullCond bool
		typeArgs []*typeRef // generic method type arguments: x.M<T>(...)
	}
	// callExpr is fn(args); fn is a memberExpr or identExpr.
	callExpr struct {
		off  int
		fn   cexpr
		args []arg
	}
	// indexExpr is x[args].
	indexExpr struct {
		off      int
		x        cexpr
		args     []cexpr
		nullCond bool // x?[i] (full parser only)
	}
	// unaryExpr is a prefix operator, or "post++"/"post--".
	unaryExpr struct {
		off int
		op  string
		x   cexpr
	}
	// binaryExpr is x op y.
	binaryExpr struct {
		off int
		op  string
		x   cexpr
		y   cexpr
	}
	// condExpr is c ? a : b.
	condExpr struct {
		off     int
		c, a, b cexpr
	}
	// castExpr is (T)x.
	castExpr struct {
		off int
		t   *typeRef
		x   cexpr
	}
	// asExpr is x as T.
	asExpr struct {
		off int
		x   cexpr
		t   *typeRef
	}
	// newExpr is new T(args) or an array creation new T[] { items }.
	newExpr struct {
		off   int
		t     *typeRef // nil for new[] { ... }
		args  []arg
		array bool
		items []cexpr
	}
	// assignExpr is lhs op rhs with op "=", "+=", ….
	assignExpr struct {
		off int
		op  string
		lhs cexpr
		rhs cexpr
	}
	// namedValueExpr is an unsubstituted {{name}}.
	namedValueExpr struct {
		off  int
		name string
	}
)

// interpNode is a piece of an interpolated string: literal text or an
// expression hole.
type interpNode struct {
	lit    string
	x      cexpr
	hole   bool
	format string // ",align:format" after the hole (full parser only)
}

// arg is a call argument; name is set for named arguments (name: value).
type arg struct {
	name string
	x    cexpr
	// out marks an out argument (full parser only); outDecl is set for
	// out var x / out T x, whose x is then an *identExpr naming the new local.
	out     bool
	outDecl bool
}

// typeRef is a C# type name such as string, System.Random, string[] or
// IReadOnlyDictionary<string, object>.
type typeRef struct {
	off      int
	name     string // dotted name
	args     []*typeRef
	rank     int // number of [] suffixes
	nullable bool
}

// String renders the type the way C# spells it.
func (t *typeRef) String() string {
	s := t.name
	if len(t.args) > 0 {
		s += "<"
		for i, a := range t.args {
			if i > 0 {
				s += ", "
			}
			s += a.String()
		}
		s += ">"
	}
	if t.nullable {
		s += "?"
	}
	for range t.rank {
		s += "[]"
	}
	return s
}

type (
	// declStmt declares locals: var x = e; or T x = e, y;
	declStmt struct {
		off   int
		t     *typeRef // nil for var
		decls []declarator
	}
	declarator struct {
		off  int
		name string
		init cexpr // may be nil
	}
	// exprStmt is an expression used as a statement (assignment, ++).
	exprStmt struct {
		off int
		x   cexpr
	}
	// ifStmt is if (cond) then [else els].
	ifStmt struct {
		off  int
		cond cexpr
		then stmt
		els  stmt // may be nil
	}
	// blockStmt is { list }.
	blockStmt struct {
		off  int
		list []stmt
	}
	// returnStmt is return x;
	returnStmt struct {
		off int
		x   cexpr // nil for a bare return
	}
	// emptyStmt is a lone ';'.
	emptyStmt struct{ off int }
)

func (e *identExpr) offset() int      { return e.off }
func (e *litExpr) offset() int        { return e.off }
func (e *interpExpr) offset() int     { return e.off }
func (e *memberExpr) offset() int     { return e.off }
func (e *callExpr) offset() int       { return e.off }
func (e *indexExpr) offset() int      { return e.off }
func (e *unaryExpr) offset() int      { return e.off }
func (e *binaryExpr) offset() int     { return e.off }
func (e *condExpr) offset() int       { return e.off }
func (e *castExpr) offset() int       { return e.off }
func (e *asExpr) offset() int         { return e.off }
func (e *newExpr) offset() int        { return e.off }
func (e *assignExpr) offset() int     { return e.off }
func (e *namedValueExpr) offset() int { return e.off }
func (s *declStmt) offset() int       { return s.off }
func (s *exprStmt) offset() int       { return s.off }
func (s *ifStmt) offset() int         { return s.off }
func (s *blockStmt) offset() int      { return s.off }
func (s *returnStmt) offset() int     { return s.off }
func (s *emptyStmt) offset() int      { return s.off }
