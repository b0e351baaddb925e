package policyexpr

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// The interpreter runs what the expr-lang translator cannot express:
// lambdas and LINQ, loops, try/catch, local functions, initializers,
// anonymous types, Newtonsoft JSON, byte arrays, hashing, Uri, … . Compile
// uses it only when the translator reports a construct as unsupported, so
// the common expressions keep their statically typed, allocation-light
// expr-lang programs. The interpreter is dynamically typed: the source is
// parsed once (parser.full), names are resolved to frame slots and the tree
// is turned into Go closures; types outside Learn's allowed list are
// rejected at compile time with their position.

// ifn evaluates an expression in a frame.
type ifn func(*iframe) (any, error)

// ctl is how a statement finished.
type ctl uint8

const (
	ctlNext ctl = iota
	ctlBreak
	ctlContinue
	ctlReturn
)

// sfn runs a statement; for ctlReturn the value is the returned value.
type sfn func(*iframe) (ctl, any, error)

// iframe is the state of one evaluation: the context and the local slots.
// Lambdas and local functions share the frame of their expression (they
// cannot outlive it); a recursive local function would share its
// parameters' slots, so recursion is rejected at compile time.
type iframe struct {
	ctx    *Context
	slots  []any
	steps  int
	caught error // the exception of the innermost running catch block
}

// maxLoopSteps bounds the loop iterations of one evaluation, so a policy
// expression cannot hang the gateway. A variable only so tests can lower it.
var maxLoopSteps = 1_000_000

var errLoopBudget = errors.New("loop iteration budget exceeded (1,000,000 iterations per evaluation)")

// nullShort marks a null-conditional chain (a?.b.c) cut short by a null.
type nullShort struct{}

// icompiler resolves names and builds closures.
type icompiler struct {
	src      string
	scopes   []map[string]int
	nslots   int
	funcs    map[string]*ifunc
	inFunc   map[string]bool
	loop     int
	switches int
	steps    int
}

// ifunc is a local function.
type ifunc struct {
	params []int
	body   sfn
	fn     ifn // expression-bodied
	ready  bool
}

// interpProgram is a compiled interpreter program. Frames are pooled: a
// frame's slots only live for one evaluation (no value the program returns
// can refer to the frame).
type interpProgram struct {
	run    func(*iframe) (any, error)
	nslots int
	frames sync.Pool
}

// errInternal marks a bug in the interpreter caught at run time: the
// gateway sees a runtime error instead of crashing, and FuzzTranslate fails
// on it.
var errInternal = errors.New("internal error in the expression interpreter")

func (p *interpProgram) eval(ctx *Context) (_ any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errInternal, r)
		}
	}()
	f, _ := p.frames.Get().(*iframe)
	if f == nil {
		f = &iframe{slots: make([]any, p.nslots)}
	}
	f.ctx = ctx
	v, err := p.run(f)
	clear(f.slots)
	f.ctx, f.steps, f.caught = nil, 0, nil
	p.frames.Put(f)
	if err != nil {
		return nil, err
	}
	return exportValue(v), nil
}

// compileInterp parses src with the full parser and compiles it.
func compileInterp(src string, block bool) (*interpProgram, error) {
	c := &icompiler{src: src, funcs: map[string]*ifunc{}, inFunc: map[string]bool{}}
	c.push()
	if !block {
		x, err := parseExprMode(src, 0, len(src), true)
		if err != nil {
			return nil, err
		}
		f, err := c.expr(x)
		if err != nil {
			return nil, err
		}
		return &interpProgram{run: func(fr *iframe) (any, error) { return f(fr) }, nslots: c.nslots}, nil
	}
	list, err := parseBlockMode(src, true)
	if err != nil {
		return nil, err
	}
	body, err := c.stmts(list)
	if err != nil {
		return nil, err
	}
	if !alwaysReturns(list) {
		return nil, typeErr(len(src), "not all code paths return a value")
	}
	return &interpProgram{nslots: c.nslots, run: func(fr *iframe) (any, error) {
		k, v, err := body(fr)
		if err != nil {
			return nil, err
		}
		if k != ctlReturn {
			return nil, fmt.Errorf("%w: block ended without return", errInvalidOp)
		}
		return v, nil
	}}, nil
}

var errInvalidOp = errors.New("InvalidOperationException")

func (c *icompiler) push() { c.scopes = append(c.scopes, map[string]int{}) }
func (c *icompiler) pop()  { c.scopes = c.scopes[:len(c.scopes)-1] }

func (c *icompiler) declare(name string, off int) (int, error) {
	for _, s := range c.scopes {
		if _, ok := s[name]; ok {
			return 0, typeErr(off, "a local named %q is already declared in this scope", name)
		}
	}
	if name == "context" {
		return 0, typeErr(off, "a local named context hides the policy context")
	}
	slot := c.nslots
	c.nslots++
	c.scopes[len(c.scopes)-1][name] = slot
	return slot, nil
}

func (c *icompiler) lookup(name string) (int, bool) {
	for i := len(c.scopes) - 1; i >= 0; i-- {
		if s, ok := c.scopes[i][name]; ok {
			return s, true
		}
	}
	return 0, false
}

func (c *icompiler) step(off int) error {
	c.steps++
	if c.steps > maxSteps {
		return unsupported(off, "expression too complex to translate")
	}
	return nil
}

// alwaysReturns reports whether a statement list ends every path with
// return or throw (C#'s definite-return rule, simplified: loops never
// count, as C# only counts while(true)).
func alwaysReturns(list []stmt) bool {
	for _, s := range list {
		if stmtReturns(s) {
			return true
		}
	}
	return false
}

func stmtReturns(s stmt) bool {
	switch s := s.(type) {
	case *returnStmt, *throwStmt:
		return true
	case *blockStmt:
		return alwaysReturns(s.list)
	case *ifStmt:
		return s.els != nil && stmtReturns(s.then) && stmtReturns(s.els)
	case *tryStmt:
		if s.finally != nil && alwaysReturns(s.finally.list) {
			return true
		}
		if !alwaysReturns(s.body.list) {
			return false
		}
		for _, k := range s.catches {
			if !alwaysReturns(k.body.list) {
				return false
			}
		}
		return true
	case *usingStmt:
		return s.body != nil && stmtReturns(s.body)
	case *whileStmt:
		if l, ok := s.cond.(*litExpr); ok && l.val == "true" {
			return true
		}
	case *forStmt:
		return s.cond == nil
	case *switchStmt:
		hasDefault := false
		for _, sec := range s.sections {
			for _, l := range sec.labels {
				hasDefault = hasDefault || l == nil
			}
			if len(sec.body) == 0 || !alwaysReturns(sec.body) {
				return false
			}
		}
		return hasDefault
	}
	return false
}

// exportValue converts interpreter values to the Program.Run conventions.
func exportValue(v any) any {
	switch x := v.(type) {
	case nullShort:
		return nil
	case char:
		return string(rune(x))
	case guid:
		return string(x)
	case int16:
		return int(x)
	case []any:
		ss := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return v
			}
			ss = append(ss, s)
		}
		return ss
	}
	return v
}

// ---- statements ----

func (c *icompiler) stmts(list []stmt) (sfn, error) {
	// Local functions are visible in the whole block: declare them first.
	for _, s := range list {
		if lf, ok := s.(*localFuncStmt); ok {
			if _, dup := c.funcs[lf.name]; dup {
				return nil, typeErr(lf.off, "local function %s is declared twice", lf.name)
			}
			c.funcs[lf.name] = &ifunc{}
		}
	}
	var fns []sfn
	for _, s := range list {
		f, err := c.stmt(s)
		if err != nil {
			return nil, err
		}
		if f != nil {
			fns = append(fns, f)
		}
	}
	return func(fr *iframe) (ctl, any, error) {
		for _, f := range fns {
			k, v, err := f(fr)
			if err != nil || k != ctlNext {
				return k, v, err
			}
		}
		return ctlNext, nil, nil
	}, nil
}

func (c *icompiler) block(list []stmt) (sfn, error) {
	c.push()
	defer c.pop()
	return c.stmts(list)
}

func (c *icompiler) stmt(s stmt) (sfn, error) {
	if err := c.step(s.offset()); err != nil {
		return nil, err
	}
	switch s := s.(type) {
	case *emptyStmt:
		return nil, nil
	case *blockStmt:
		return c.block(s.list)
	case *returnStmt:
		if s.x == nil {
			return nil, typeErr(s.off, "a policy expression block must return a value")
		}
		x, err := c.expr(s.x)
		if err != nil {
			return nil, err
		}
		return func(fr *iframe) (ctl, any, error) {
			v, err := x(fr)
			return ctlReturn, v, err
		}, nil
	case *declStmt:
		return c.decl(s)
	case *exprStmt:
		x, err := c.exprStmt(s.x)
		if err != nil {
			return nil, err
		}
		return func(fr *iframe) (ctl, any, error) {
			_, err := x(fr)
			return ctlNext, nil, err
		}, nil
	case *ifStmt:
		return c.ifStmt(s)
	case *foreachStmt:
		return c.foreach(s)
	case *forStmt:
		return c.forLoop(s)
	case *whileStmt:
		return c.while(s)
	case *switchStmt:
		return c.switchStmt(s)
	case *breakStmt:
		if c.loop == 0 && c.switches == 0 {
			return nil, typeErr(s.off, "no enclosing loop out of which to break")
		}
		return func(*iframe) (ctl, any, error) { return ctlBreak, nil, nil }, nil
	case *continueStmt:
		if c.loop == 0 {
			return nil, typeErr(s.off, "no enclosing loop to continue")
		}
		return func(*iframe) (ctl, any, error) { return ctlContinue, nil, nil }, nil
	case *throwStmt:
		return c.throw(s)
	case *tryStmt:
		return c.try(s)
	case *usingStmt:
		return c.using(s)
	case *localFuncStmt:
		return nil, c.localFunc(s)
	}
	return nil, syntaxErr(s.offset(), "unexpected statement")
}

func (c *icompiler) decl(s *declStmt) (sfn, error) {
	var tname string
	if s.t != nil {
		n, err := c.typeName(s.t)
		if err != nil {
			return nil, err
		}
		tname = n
	}
	type one struct {
		slot int
		init ifn
	}
	var list []one
	for _, d := range s.decls {
		var init ifn
		if d.init != nil {
			f, err := c.expr(d.init)
			if err != nil {
				return nil, err
			}
			init = f
			if tname != "" {
				init = convertOnAssign(f, tname)
			}
		}
		slot, err := c.declare(d.name, d.off)
		if err != nil {
			return nil, err
		}
		list = append(list, one{slot, init})
	}
	zero := zeroValue(tname)
	return func(fr *iframe) (ctl, any, error) {
		for _, o := range list {
			if o.init == nil {
				fr.slots[o.slot] = zero
				continue
			}
			v, err := o.init(fr)
			if err != nil {
				return ctlNext, nil, err
			}
			fr.slots[o.slot] = v
		}
		return ctlNext, nil, nil
	}, nil
}

// convertOnAssign applies C#'s implicit conversions to a declared type
// (int to long or double, long literal to int when the type says so).
func convertOnAssign(f ifn, tname string) ifn {
	switch tname {
	case "long", "double", "float", "decimal", "short", "byte":
	default:
		return f
	}
	return func(fr *iframe) (any, error) {
		v, err := f(fr)
		if err != nil {
			return nil, err
		}
		return implicitConvert(v, tname), nil
	}
}

func implicitConvert(v any, tname string) any {
	switch tname {
	case "long":
		switch n := v.(type) {
		case int:
			return int64(n)
		case char:
			return int64(n)
		}
	case "double", "float", "decimal":
		switch n := v.(type) {
		case int:
			return float64(n)
		case int64:
			return float64(n)
		}
	case "short":
		if n, ok := v.(int); ok {
			return int16(n)
		}
	}
	return v
}

func zeroValue(tname string) any {
	switch tname {
	case "int", "byte", "short", "sbyte", "ushort", "uint":
		return 0
	case "long", "ulong":
		return int64(0)
	case "double", "float", "decimal":
		return 0.0
	case "bool":
		return false
	case "char":
		return char(0)
	}
	return nil
}

func (c *icompiler) ifStmt(s *ifStmt) (sfn, error) {
	cond, err := c.expr(s.cond)
	if err != nil {
		return nil, err
	}
	c.push()
	then, err := c.stmt(s.then)
	c.pop()
	if err != nil {
		return nil, err
	}
	var els sfn
	if s.els != nil {
		c.push()
		els, err = c.stmt(s.els)
		c.pop()
		if err != nil {
			return nil, err
		}
	}
	return func(fr *iframe) (ctl, any, error) {
		v, err := cond(fr)
		if err != nil {
			return ctlNext, nil, err
		}
		b, err := asBool(v)
		if err != nil {
			return ctlNext, nil, err
		}
		if b {
			if then == nil {
				return ctlNext, nil, nil
			}
			return then(fr)
		}
		if els != nil {
			return els(fr)
		}
		return ctlNext, nil, nil
	}, nil
}

func (c *icompiler) loopBody(body stmt) (sfn, error) {
	c.loop++
	c.push()
	f, err := c.stmt(body)
	c.pop()
	c.loop--
	if f == nil && err == nil {
		f = func(*iframe) (ctl, any, error) { return ctlNext, nil, nil }
	}
	return f, err
}

func (fr *iframe) tick() error {
	fr.steps++
	if fr.steps > maxLoopSteps {
		return errLoopBudget
	}
	return nil
}

func (c *icompiler) foreach(s *foreachStmt) (sfn, error) {
	coll, err := c.expr(s.coll)
	if err != nil {
		return nil, err
	}
	var tname string
	if s.t != nil {
		if tname, err = c.typeName(s.t); err != nil {
			return nil, err
		}
	}
	c.push()
	defer c.pop()
	slot, err := c.declare(s.name, s.off)
	if err != nil {
		return nil, err
	}
	body, err := c.loopBody(s.body)
	if err != nil {
		return nil, err
	}
	return func(fr *iframe) (ctl, any, error) {
		v, err := coll(fr)
		if err != nil {
			return ctlNext, nil, err
		}
		items, err := enumerate(v)
		if err != nil {
			return ctlNext, nil, err
		}
		for _, it := range items {
			if err := fr.tick(); err != nil {
				return ctlNext, nil, err
			}
			if tname != "" {
				if it, err = castTo(it, tname); err != nil {
					return ctlNext, nil, err
				}
			}
			fr.slots[slot] = it
			k, r, err := body(fr)
			if err != nil {
				return ctlNext, nil, err
			}
			switch k {
			case ctlBreak:
				return ctlNext, nil, nil
			case ctlReturn:
				return k, r, nil
			}
		}
		return ctlNext, nil, nil
	}, nil
}

func (c *icompiler) forLoop(s *forStmt) (sfn, error) {
	c.push()
	defer c.pop()
	var inits []sfn
	for _, st := range s.init {
		f, err := c.stmt(st)
		if err != nil {
			return nil, err
		}
		if f != nil {
			inits = append(inits, f)
		}
	}
	var cond ifn
	if s.cond != nil {
		f, err := c.expr(s.cond)
		if err != nil {
			return nil, err
		}
		cond = f
	}
	var posts []ifn
	for _, p := range s.post {
		f, err := c.exprStmt(p)
		if err != nil {
			return nil, err
		}
		posts = append(posts, f)
	}
	body, err := c.loopBody(s.body)
	if err != nil {
		return nil, err
	}
	return func(fr *iframe) (ctl, any, error) {
		for _, f := range inits {
			if _, _, err := f(fr); err != nil {
				return ctlNext, nil, err
			}
		}
		for {
			if err := fr.tick(); err != nil {
				return ctlNext, nil, err
			}
			if cond != nil {
				v, err := cond(fr)
				if err != nil {
					return ctlNext, nil, err
				}
				b, err := asBool(v)
				if err != nil {
					return ctlNext, nil, err
				}
				if !b {
					return ctlNext, nil, nil
				}
			}
			k, r, err := body(fr)
			if err != nil {
				return ctlNext, nil, err
			}
			switch k {
			case ctlBreak:
				return ctlNext, nil, nil
			case ctlReturn:
				return k, r, nil
			}
			for _, p := range posts {
				if _, err := p(fr); err != nil {
					return ctlNext, nil, err
				}
			}
		}
	}, nil
}

func (c *icompiler) while(s *whileStmt) (sfn, error) {
	cond, err := c.expr(s.cond)
	if err != nil {
		return nil, err
	}
	body, err := c.loopBody(s.body)
	if err != nil {
		return nil, err
	}
	do := s.do
	return func(fr *iframe) (ctl, any, error) {
		first := true
		for {
			if err := fr.tick(); err != nil {
				return ctlNext, nil, err
			}
			if !(do && first) {
				v, err := cond(fr)
				if err != nil {
					return ctlNext, nil, err
				}
				b, err := asBool(v)
				if err != nil {
					return ctlNext, nil, err
				}
				if !b {
					return ctlNext, nil, nil
				}
			}
			first = false
			k, r, err := body(fr)
			if err != nil {
				return ctlNext, nil, err
			}
			switch k {
			case ctlBreak:
				return ctlNext, nil, nil
			case ctlReturn:
				return k, r, nil
			}
		}
	}, nil
}

// thrown is an exception raised by a throw statement.
type thrown struct {
	typ string
	msg string
}

func (t *thrown) Error() string { return t.typ + ": " + t.msg }

// Unwrap returns the sentinel of the thrown type when the emulator has one,
// so a throw new FormatException() is caught like a runtime FormatException.
func (t *thrown) Unwrap() error {
	for _, e := range []error{errKeyNotFound, errInvalidCast, errFormat, errOverflow, errArgRange,
		errArgument, errDivide, errIndexRange, errNullRef, errJSONReader, errInvalidOp, errCrypto, errNotSupported} {
		if e.Error() == t.typ {
			return e
		}
	}
	return nil
}

func (c *icompiler) throw(s *throwStmt) (sfn, error) {
	if s.x == nil {
		return func(fr *iframe) (ctl, any, error) {
			if fr.caught != nil {
				return ctlNext, nil, fr.caught
			}
			return ctlNext, nil, &thrown{typ: "InvalidOperationException", msg: "throw; outside a catch block"}
		}, nil
	}
	x, err := c.expr(s.x)
	if err != nil {
		return nil, err
	}
	return func(fr *iframe) (ctl, any, error) {
		v, err := x(fr)
		if err != nil {
			return ctlNext, nil, err
		}
		if e, ok := v.(*exceptionVal); ok {
			return ctlNext, nil, &thrown{typ: e.typ, msg: e.msg}
		}
		return ctlNext, nil, fmt.Errorf("%w: throw of a non-exception", errInvalidCast)
	}, nil
}

// exceptionVal is a new Exception("…") value.
type exceptionVal struct{ typ, msg string }

func (e *exceptionVal) String() string { return "System." + e.typ + ": " + e.msg }

// exceptionName maps a runtime failure to the .NET exception type it
// emulates.
func exceptionName(err error) string {
	var t *thrown
	if errors.As(err, &t) {
		return t.typ
	}
	for _, e := range []error{errKeyNotFound, errInvalidCast, errFormat, errOverflow, errArgRange,
		errArgument, errDivide, errIndexRange, errNullRef, errJSONReader, errInvalidOp, errCrypto, errNotSupported, errXML, errTooLarge} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "Exception"
}

// catches reports whether a catch clause for type name catches err.
func catches(name string, err error) bool {
	if errors.Is(err, errLoopBudget) || errors.Is(err, errTooLarge) {
		return false // the budget is the emulator's, not the policy's
	}
	switch name {
	case "", "Exception":
		return true
	case "SystemException":
		return exceptionName(err) != "Exception"
	}
	got := exceptionName(err)
	if got == name {
		return true
	}
	// ArgumentOutOfRange and ArgumentNull derive from ArgumentException;
	// JsonReaderException from JsonException.
	switch name {
	case "ArgumentException":
		return got == "ArgumentOutOfRangeException" || got == "ArgumentNullException"
	case "JsonException":
		return got == "JsonReaderException"
	}
	return false
}

func (c *icompiler) try(s *tryStmt) (sfn, error) {
	body, err := c.block(s.body.list)
	if err != nil {
		return nil, err
	}
	type handler struct {
		name string
		slot int
		body sfn
	}
	var hs []handler
	for _, k := range s.catches {
		h := handler{slot: -1}
		if k.t != nil {
			n, err := c.typeName(k.t)
			if err != nil {
				return nil, err
			}
			if !strings.HasSuffix(n, "Exception") {
				return nil, typeErr(k.off, "catch type %s is not an exception type", n)
			}
			h.name = n
		}
		c.push()
		if k.name != "" {
			if h.slot, err = c.declare(k.name, k.off); err != nil {
				c.pop()
				return nil, err
			}
		}
		h.body, err = c.stmts(k.body.list)
		c.pop()
		if err != nil {
			return nil, err
		}
		hs = append(hs, h)
	}
	var fin sfn
	if s.finally != nil {
		if fin, err = c.block(s.finally.list); err != nil {
			return nil, err
		}
	}
	return func(fr *iframe) (k ctl, v any, err error) {
		k, v, err = body(fr)
		if err != nil {
			for _, h := range hs {
				if catches(h.name, err) {
					if h.slot >= 0 {
						fr.slots[h.slot] = &exceptionVal{typ: exceptionName(err), msg: err.Error()}
					}
					prev := fr.caught
					fr.caught = err
					k, v, err = h.body(fr)
					fr.caught = prev
					break
				}
			}
		}
		if fin != nil {
			fk, fv, ferr := fin(fr)
			if ferr != nil {
				return fk, fv, ferr
			}
			if fk != ctlNext {
				return fk, fv, nil
			}
		}
		return k, v, err
	}, nil
}

func (c *icompiler) using(s *usingStmt) (sfn, error) {
	if s.body == nil {
		return c.stmt(s.decl)
	}
	c.push()
	defer c.pop()
	d, err := c.stmt(s.decl)
	if err != nil {
		return nil, err
	}
	body, err := c.stmt(s.body)
	if err != nil {
		return nil, err
	}
	return func(fr *iframe) (ctl, any, error) {
		if d != nil {
			if _, _, err := d(fr); err != nil {
				return ctlNext, nil, err
			}
		}
		if body == nil {
			return ctlNext, nil, nil
		}
		return body(fr)
	}, nil
}

func (c *icompiler) localFunc(s *localFuncStmt) error {
	if _, err := c.typeName(s.ret); err != nil && s.ret.name != "void" {
		return err
	}
	f := c.funcs[s.name]
	c.push()
	defer c.pop()
	c.inFunc[s.name] = true
	defer delete(c.inFunc, s.name)
	for _, p := range s.params {
		if _, err := c.typeName(p.t); err != nil {
			return err
		}
		slot, err := c.declare(p.name, s.off)
		if err != nil {
			return err
		}
		f.params = append(f.params, slot)
	}
	saved := c.loop
	c.loop = 0
	defer func() { c.loop = saved }()
	if s.expr != nil {
		x, err := c.expr(s.expr)
		if err != nil {
			return err
		}
		f.fn = x
	} else {
		b, err := c.stmts(s.body.list)
		if err != nil {
			return err
		}
		f.body = b
	}
	f.ready = true
	return nil
}

func (c *icompiler) switchStmt(s *switchStmt) (sfn, error) {
	x, err := c.expr(s.x)
	if err != nil {
		return nil, err
	}
	type section struct {
		labels []ifn // a nil entry is the default label
		body   sfn
	}
	var secs []section
	def := -1
	c.switches++
	defer func() { c.switches-- }()
	c.push()
	defer c.pop()
	for i, sec := range s.sections {
		var cs section
		for _, l := range sec.labels {
			if l == nil {
				if def >= 0 {
					return nil, typeErr(sec.off, "the switch statement contains multiple default labels")
				}
				def = i
				cs.labels = append(cs.labels, nil)
				continue
			}
			f, err := c.expr(l)
			if err != nil {
				return nil, err
			}
			cs.labels = append(cs.labels, f)
		}
		if n := len(sec.body); n == 0 || !endsSection(sec.body[n-1]) {
			return nil, typeErr(sec.off, "control cannot fall through from one case label to another")
		}
		body, err := c.stmts(sec.body)
		if err != nil {
			return nil, err
		}
		cs.body = body
		secs = append(secs, cs)
	}
	return func(fr *iframe) (ctl, any, error) {
		v, err := x(fr)
		if err != nil {
			return ctlNext, nil, err
		}
		match := def
	find:
		for i, sec := range secs {
			for _, l := range sec.labels {
				if l == nil {
					continue
				}
				lv, err := l(fr)
				if err != nil {
					return ctlNext, nil, err
				}
				if valuesEqual(unwrapJ(v), unwrapJ(lv)) {
					match = i
					break find
				}
			}
		}
		if match < 0 {
			return ctlNext, nil, nil
		}
		k, r, err := secs[match].body(fr)
		if k == ctlBreak {
			k = ctlNext // break leaves the switch, not an enclosing loop
		}
		return k, r, err
	}, nil
}

// endsSection reports whether a switch section's last statement leaves it
// (C# forbids falling through to the next section, CS0163).
func endsSection(s stmt) bool {
	switch s := s.(type) {
	case *breakStmt, *continueStmt, *returnStmt, *throwStmt:
		return true
	case *blockStmt:
		return len(s.list) > 0 && endsSection(s.list[len(s.list)-1])
	case *ifStmt:
		return s.els != nil && endsSection(s.then) && endsSection(s.els)
	}
	return false
}
