package policyexpr

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

var (
	errNullRef      = errors.New("NullReferenceException")
	errNotSupported = errors.New("NotSupportedException")
)

// char is a System.Char value inside the interpreter.
type char rune

// guid is a System.Guid value inside the interpreter, in "D" format.
type guid string

func (g guid) String() string { return string(g) }

// typeVal is a type name used as a value: the receiver of a static member.
type typeVal struct{ name string }

// ilambda is a lambda value.
type ilambda struct {
	call func(fr *iframe, args []any) (any, error)
	fr   *iframe
	n    int
}

func (l *ilambda) invoke(args ...any) (any, error) { return l.call(l.fr, args) }

// expr compiles e; a null-conditional chain cut short yields null here.
func (c *icompiler) expr(e cexpr) (ifn, error) {
	f, err := c.chain(e)
	if err != nil {
		return nil, err
	}
	switch e.(type) {
	case *memberExpr, *callExpr, *indexExpr:
		return func(fr *iframe) (any, error) {
			v, err := f(fr)
			if _, ok := v.(nullShort); ok {
				return nil, err
			}
			return v, err
		}, nil
	}
	return f, nil
}

// exprStmt compiles an expression used as a statement or for-loop step.
func (c *icompiler) exprStmt(e cexpr) (ifn, error) {
	switch u := e.(type) {
	case *assignExpr, *callExpr:
	case *unaryExpr:
		if !strings.HasSuffix(u.op, "++") && !strings.HasSuffix(u.op, "--") {
			return nil, typeErr(e.offset(), "only assignment, call, increment and decrement can be used as a statement")
		}
	default:
		return nil, typeErr(e.offset(), "only assignment, call, increment and decrement can be used as a statement")
	}
	return c.expr(e)
}

func constFn(v any) ifn { return func(*iframe) (any, error) { return v, nil } }

func (c *icompiler) chain(e cexpr) (ifn, error) {
	if err := c.step(e.offset()); err != nil {
		return nil, err
	}
	switch e := e.(type) {
	case *litExpr:
		v, err := literalValue(e)
		if err != nil {
			return nil, err
		}
		return constFn(v), nil
	case *interpExpr:
		return c.interpolation(e)
	case *identExpr:
		return c.ident(e)
	case *memberExpr:
		return c.member(e)
	case *callExpr:
		return c.call(e)
	case *indexExpr:
		return c.index(e)
	case *unaryExpr:
		return c.unary(e)
	case *binaryExpr:
		return c.binary(e)
	case *condExpr:
		return c.cond(e)
	case *castExpr:
		return c.cast(e)
	case *asExpr:
		return c.as(e)
	case *isExpr:
		return c.is(e)
	case *newExpr:
		return c.newObj(e, nil)
	case *initExpr:
		return c.newObj(e.newX, e.items)
	case *anonExpr:
		return c.anon(e)
	case *assignExpr:
		return c.assign(e)
	case *lambdaExpr:
		return c.lambda(e)
	case *defaultExpr:
		if e.t == nil {
			return constFn(nil), nil
		}
		n, err := c.typeName(e.t)
		if err != nil {
			return nil, err
		}
		return constFn(zeroValue(n)), nil
	case *namedValueExpr:
		return nil, unsupported(e.off, "unresolved named value {{%s}}", e.name)
	}
	return nil, syntaxErr(e.offset(), "unexpected expression")
}

func literalValue(e *litExpr) (any, error) {
	switch e.kind {
	case tInt:
		s := strings.ToLower(e.val)
		long := strings.HasSuffix(s, "l")
		s = strings.TrimRight(s, "ul")
		n, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			u, uerr := strconv.ParseUint(s, 0, 64)
			if uerr != nil {
				return nil, syntaxErr(e.off, "integer literal %s out of range", e.val)
			}
			n = int64(u)
		}
		if long || n > math.MaxInt32 || n < math.MinInt32 {
			if strings.HasPrefix(s, "0x") && n <= math.MaxUint32 && !long {
				return int(int32(uint32(n))), nil // 0xFFFFFFFF is a uint; the bits as Int32
			}
			return n, nil
		}
		return int(n), nil
	case tReal:
		s := strings.TrimRight(strings.ToLower(e.val), "fdm")
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, syntaxErr(e.off, "real literal %s out of range", e.val)
		}
		return f, nil
	case tString:
		return e.val, nil
	case tChar:
		r := []rune(e.val)
		if len(r) != 1 {
			return nil, syntaxErr(e.off, "character literal must hold one character")
		}
		return char(r[0]), nil
	}
	switch e.val {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return nil, nil
}

func (c *icompiler) interpolation(e *interpExpr) (ifn, error) {
	type part struct {
		lit    string
		x      ifn
		align  int
		format string
	}
	var parts []part
	for _, p := range e.parts {
		if !p.hole {
			parts = append(parts, part{lit: p.lit})
			continue
		}
		f, err := c.expr(p.x)
		if err != nil {
			return nil, err
		}
		pt := part{x: f}
		spec := p.format
		if strings.HasPrefix(spec, ",") {
			a, rest, _ := strings.Cut(spec[1:], ":")
			n, err := strconv.Atoi(strings.TrimSpace(a))
			if err != nil {
				return nil, syntaxErr(e.off, "invalid interpolation alignment %q", spec)
			}
			pt.align = n
			if rest != "" {
				spec = ":" + rest
			} else {
				spec = ""
			}
		}
		pt.format = strings.TrimPrefix(spec, ":")
		parts = append(parts, pt)
	}
	return func(fr *iframe) (any, error) {
		var b strings.Builder
		for _, p := range parts {
			if p.x == nil {
				b.WriteString(p.lit)
				continue
			}
			v, err := p.x(fr)
			if err != nil {
				return nil, err
			}
			s := netString(v)
			if p.format != "" && v != nil {
				f, _, err := callMethod(fr, v, "ToString", nil, []any{p.format}, nil, 0, 0)
				if err != nil {
					return nil, err
				}
				s = netString(f)
			}
			if p.align >= formatWidthLimit || p.align <= -formatWidthLimit {
				return nil, fmt.Errorf("%w: input string was not in a correct format", errFormat)
			}
			s = pad(s, p.align)
			b.WriteString(s)
		}
		return b.String(), nil
	}, nil
}

func (c *icompiler) ident(e *identExpr) (ifn, error) {
	if slot, ok := c.lookup(e.name); ok {
		return func(fr *iframe) (any, error) { return fr.slots[slot], nil }, nil
	}
	if e.name == "context" {
		return func(fr *iframe) (any, error) { return fr.ctx, nil }, nil
	}
	if n, ok := canonicalType(e.name); ok {
		return constFn(typeVal{n}), nil
	}
	if isNamespacePrefix(e.name) {
		return constFn(typeVal{e.name}), nil
	}
	if _, ok := c.funcs[e.name]; ok {
		return nil, unsupported(e.off, "local function %s used as a value", e.name)
	}
	if disallowedType(e.name) {
		return nil, typeErr(e.off, "type %s is not allowed in policy expressions (see the allowed types on Learn's \"Policy expressions\" page)", e.name)
	}
	return nil, typeErr(e.off, "the name '%s' does not exist in the current context", e.name)
}

// staticName returns the dotted type name e spells when it names a type
// (not a local or context).
func (c *icompiler) staticName(e cexpr) (string, bool) {
	switch e := e.(type) {
	case *identExpr:
		if _, ok := c.lookup(e.name); ok || e.name == "context" {
			return "", false
		}
		return e.name, true
	case *memberExpr:
		if e.nullCond {
			return "", false
		}
		p, ok := c.staticName(e.x)
		if !ok {
			return "", false
		}
		if _, isType := canonicalType(p); isType {
			// Type.Member is a static property value (Encoding.UTF8,
			// DateTime.UtcNow), unless Type.Member is itself a type.
			if _, nested := canonicalType(p + "." + e.name); !nested {
				return "", false
			}
		}
		return p + "." + e.name, true
	}
	return "", false
}

func (c *icompiler) member(e *memberExpr) (ifn, error) {
	if full, ok := c.staticName(e); ok {
		if n, ok := canonicalType(full); ok {
			return constFn(typeVal{n}), nil
		}
		if isNamespacePrefix(full) {
			return constFn(typeVal{full}), nil
		}
	}
	if tn, ok := c.staticName(e.x); ok {
		n, ok := canonicalType(tn)
		if !ok {
			if isNamespacePrefix(tn) {
				return nil, typeErr(e.nameOff, "type %s.%s is not allowed in policy expressions", tn, e.name)
			}
			return nil, typeErr(e.off, "type %s is not allowed in policy expressions (see the allowed types on Learn's \"Policy expressions\" page)", tn)
		}
		if _, err := staticProperty(&iframe{ctx: &Context{}}, n, e.name); err != nil {
			return nil, unsupported(e.nameOff, "member %s.%s", n, e.name)
		}
		name := e.name
		return func(fr *iframe) (any, error) { return staticProperty(fr, n, name) }, nil
	}
	if err := c.checkNavMember(e.x, e.name, e.nameOff); err != nil {
		return nil, err
	}
	x, err := c.chain(e.x)
	if err != nil {
		return nil, err
	}
	name, nullCond, off := e.name, e.nullCond, e.nameOff
	return func(fr *iframe) (any, error) {
		v, err := x(fr)
		if err != nil {
			return nil, err
		}
		switch v.(type) {
		case nullShort:
			return v, nil
		case nil:
			if nullCond {
				return nullShort{}, nil
			}
			return nil, fmt.Errorf("%w: reading %s of null", errNullRef, name)
		}
		return getMember(fr, v, name, off)
	}, nil
}

// locateErr turns a compile-time library error into a positioned one.
func locateErr(err error, off int) error {
	var se *srcErr
	if errors.As(err, &se) {
		if se.off < 0 {
			se.off = off
		}
		return se
	}
	return typeErr(off, "%v", err)
}

func (c *icompiler) index(e *indexExpr) (ifn, error) {
	x, err := c.chain(e.x)
	if err != nil {
		return nil, err
	}
	var args []ifn
	for _, a := range e.args {
		f, err := c.expr(a)
		if err != nil {
			return nil, err
		}
		args = append(args, f)
	}
	nullCond := e.nullCond
	return func(fr *iframe) (any, error) {
		v, err := x(fr)
		if err != nil {
			return nil, err
		}
		switch v.(type) {
		case nullShort:
			return v, nil
		case nil:
			if nullCond {
				return nullShort{}, nil
			}
			return nil, fmt.Errorf("%w: indexing null", errNullRef)
		}
		keys, err := evalAll(fr, args)
		if err != nil {
			return nil, err
		}
		return getIndex(v, keys)
	}, nil
}

func evalAll(fr *iframe, fs []ifn) ([]any, error) {
	out := make([]any, len(fs))
	for i, f := range fs {
		v, err := f(fr)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (c *icompiler) call(e *callExpr) (ifn, error) {
	// Local function call.
	if id, ok := e.fn.(*identExpr); ok {
		if _, local := c.lookup(id.name); !local {
			f, ok := c.funcs[id.name]
			if !ok {
				return nil, typeErr(id.off, "the name '%s' does not exist in the current context", id.name)
			}
			if c.inFunc[id.name] {
				return nil, unsupported(id.off, "recursive local function %s", id.name)
			}
			args, err := c.argList(e.args)
			if err != nil {
				return nil, err
			}
			if f.ready && len(args) != len(f.params) {
				return nil, typeErr(e.off, "local function %s takes %d arguments, not %d", id.name, len(f.params), len(args))
			}
			return func(fr *iframe) (any, error) {
				vals, err := evalAll(fr, args)
				if err != nil {
					return nil, err
				}
				if len(vals) != len(f.params) {
					return nil, fmt.Errorf("%w: local function %s takes %d arguments", errArgument, id.name, len(f.params))
				}
				saved := make([]any, len(f.params))
				for i, s := range f.params {
					saved[i] = fr.slots[s]
					fr.slots[s] = vals[i]
				}
				defer func() {
					for i, s := range f.params {
						fr.slots[s] = saved[i]
					}
				}()
				if f.fn != nil {
					return f.fn(fr)
				}
				_, v, err := f.body(fr)
				return v, err
			}, nil
		}
	}
	m, ok := e.fn.(*memberExpr)
	if !ok {
		return nil, unsupported(e.off, "call of a computed value")
	}
	var typeArgs []string
	for _, t := range m.typeArgs {
		n, err := c.typeName(t)
		if err != nil {
			return nil, err
		}
		typeArgs = append(typeArgs, n)
	}
	// out arguments: TryParseJwt(s, out jwt), int.TryParse(s, out n), …
	var outSlots []int
	for _, a := range e.args {
		if !a.out {
			continue
		}
		id := a.x.(*identExpr)
		if a.outDecl {
			slot, err := c.declare(id.name, id.off)
			if err != nil {
				return nil, err
			}
			outSlots = append(outSlots, slot)
			continue
		}
		slot, ok := c.lookup(id.name)
		if !ok {
			return nil, typeErr(id.off, "the name '%s' does not exist in the current context", id.name)
		}
		outSlots = append(outSlots, slot)
	}
	var named []string
	var args []ifn
	for _, a := range e.args {
		if a.out {
			continue
		}
		f, err := c.expr(a.x)
		if err != nil {
			return nil, err
		}
		args = append(args, f)
		named = append(named, a.name)
	}
	name, off := m.name, m.nameOff
	if tn, ok := c.staticName(m.x); ok {
		n, ok := canonicalType(tn)
		if !ok {
			return nil, typeErr(m.off, "type %s is not allowed in policy expressions (see the allowed types on Learn's \"Policy expressions\" page)", tn)
		}
		if err := checkStaticMethod(n, name, len(args)+len(outSlots)); err != nil {
			return nil, locateErr(err, off)
		}
		return func(fr *iframe) (any, error) {
			vals, err := evalAll(fr, args)
			if err != nil {
				return nil, err
			}
			r, outs, err := callStatic(fr, n, name, typeArgs, vals, len(outSlots))
			if err != nil {
				return nil, err
			}
			for i, s := range outSlots {
				fr.slots[s] = outs[i]
			}
			return r, nil
		}, nil
	}
	if c.isStringExpr(m.x) && !stringMethodNames[name] {
		return nil, unsupported(off, "method string.%s with %d argument(s)", name, len(e.args))
	}
	if p, ok := c.navOf(m.x); ok && p == "IBody" && name != "As" && name != "AsFormUrlEncodedContent" {
		return nil, unsupported(off, "Body.%s", name)
	}
	if p, ok := c.navOf(m.x); ok {
		if _, prop := navTypes[p][name]; prop {
			return nil, typeErr(off, "non-invocable member %s.%s cannot be used like a method", p, name)
		}
	}
	if p, ok := c.navOf(m.x); ok && p != "IHeaders" && p != "IQuery" && p != "IMatched" && p != "IVariables" && p != "IBody" && p != "IUrl" && name != "ToString" && name != "Equals" {
		return nil, unsupported(off, "method %s.%s", p, name)
	}
	recv, err := c.chain(m.x)
	if err != nil {
		return nil, err
	}
	nullCond := m.nullCond
	return func(fr *iframe) (any, error) {
		r, err := recv(fr)
		if err != nil {
			return nil, err
		}
		switch r.(type) {
		case nullShort:
			return r, nil
		case nil:
			if nullCond {
				return nullShort{}, nil
			}
			if name != "AsJwt" && name != "AsBasic" && name != "TryParseJwt" && name != "TryParseBasic" && name != "IsNullOrEmpty" {
				return nil, fmt.Errorf("%w: calling %s on null", errNullRef, name)
			}
		}
		vals, err := evalAll(fr, args)
		if err != nil {
			return nil, err
		}
		v, outs, err := callMethod(fr, r, name, typeArgs, vals, named, len(outSlots), off)
		if err != nil {
			return nil, err
		}
		for i, s := range outSlots {
			fr.slots[s] = outs[i]
		}
		return v, nil
	}, nil
}

func (c *icompiler) argList(as []arg) ([]ifn, error) {
	var out []ifn
	for _, a := range as {
		if a.out {
			return nil, unsupported(a.x.offset(), "out argument to a local function")
		}
		f, err := c.expr(a.x)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func (c *icompiler) lambda(e *lambdaExpr) (ifn, error) {
	c.push()
	defer c.pop()
	var slots []int
	for _, p := range e.params {
		s, err := c.declare(p, e.off)
		if err != nil {
			return nil, err
		}
		slots = append(slots, s)
	}
	var body func(fr *iframe) (any, error)
	if e.body != nil {
		f, err := c.expr(e.body)
		if err != nil {
			return nil, err
		}
		body = f
	} else {
		saved := c.loop
		c.loop = 0
		b, err := c.stmts(e.block.list)
		c.loop = saved
		if err != nil {
			return nil, err
		}
		body = func(fr *iframe) (any, error) {
			_, v, err := b(fr)
			return v, err
		}
	}
	call := func(fr *iframe, args []any) (any, error) {
		if len(args) != len(slots) {
			return nil, fmt.Errorf("%w: lambda takes %d arguments, got %d", errArgument, len(slots), len(args))
		}
		for i, s := range slots {
			fr.slots[s] = args[i]
		}
		return body(fr)
	}
	n := len(slots)
	return func(fr *iframe) (any, error) { return &ilambda{call: call, fr: fr, n: n}, nil }, nil
}

func (c *icompiler) cond(e *condExpr) (ifn, error) {
	k, err := c.expr(e.c)
	if err != nil {
		return nil, err
	}
	a, err := c.expr(e.a)
	if err != nil {
		return nil, err
	}
	b, err := c.expr(e.b)
	if err != nil {
		return nil, err
	}
	return func(fr *iframe) (any, error) {
		v, err := k(fr)
		if err != nil {
			return nil, err
		}
		t, err := asBool(v)
		if err != nil {
			return nil, err
		}
		if t {
			return a(fr)
		}
		return b(fr)
	}, nil
}

func (c *icompiler) anon(e *anonExpr) (ifn, error) {
	var vals []ifn
	for _, x := range e.vals {
		f, err := c.expr(x)
		if err != nil {
			return nil, err
		}
		vals = append(vals, f)
	}
	names := e.names
	return func(fr *iframe) (any, error) {
		vs, err := evalAll(fr, vals)
		if err != nil {
			return nil, err
		}
		return &anonObj{names: names, vals: vs}, nil
	}, nil
}

// anonObj is an instance of an anonymous type.
type anonObj struct {
	names []string
	vals  []any
}

func (a *anonObj) String() string {
	var b strings.Builder
	b.WriteString("{ ")
	for i, n := range a.names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n + " = " + netString(a.vals[i]))
	}
	b.WriteString(" }")
	return b.String()
}

func (c *icompiler) assign(e *assignExpr) (ifn, error) {
	rhs, err := c.expr(e.rhs)
	if err != nil {
		return nil, err
	}
	op := strings.TrimSuffix(e.op, "=")
	get, set, err := c.lvalue(e.lhs)
	if err != nil {
		return nil, err
	}
	return func(fr *iframe) (any, error) {
		var v any
		if op == "" {
			if v, err = rhs(fr); err != nil {
				return nil, err
			}
		} else {
			cur, err := get(fr)
			if err != nil {
				return nil, err
			}
			if op == "??" {
				if cur != nil {
					return cur, nil
				}
				if v, err = rhs(fr); err != nil {
					return nil, err
				}
			} else {
				r, err := rhs(fr)
				if err != nil {
					return nil, err
				}
				if v, err = binaryOp(op, cur, r); err != nil {
					return nil, err
				}
				v = keepIntKind(cur, v)
			}
		}
		return v, set(fr, v)
	}, nil
}

// keepIntKind applies the implicit narrowing of compound assignment
// (short s; s += 1 stays a short).
func keepIntKind(cur, v any) any {
	if _, ok := cur.(int16); ok {
		if n, ok := v.(int); ok {
			return int16(n)
		}
	}
	return v
}

// lvalue compiles an assignable expression into a getter and a setter.
func (c *icompiler) lvalue(e cexpr) (ifn, func(*iframe, any) error, error) {
	switch e := e.(type) {
	case *identExpr:
		slot, ok := c.lookup(e.name)
		if !ok {
			return nil, nil, typeErr(e.off, "the name '%s' does not exist in the current context", e.name)
		}
		return func(fr *iframe) (any, error) { return fr.slots[slot], nil },
			func(fr *iframe, v any) error { fr.slots[slot] = v; return nil }, nil
	case *indexExpr:
		if p, ok := c.navOf(e.x); ok {
			return nil, nil, typeErr(e.off, "context.%s is read-only: an indexer of %s cannot be assigned to", strings.TrimPrefix(p, "I"), p)
		}
		x, err := c.expr(e.x)
		if err != nil {
			return nil, nil, err
		}
		var args []ifn
		for _, a := range e.args {
			f, err := c.expr(a)
			if err != nil {
				return nil, nil, err
			}
			args = append(args, f)
		}
		get := func(fr *iframe) (any, error) {
			v, err := x(fr)
			if err != nil {
				return nil, err
			}
			keys, err := evalAll(fr, args)
			if err != nil {
				return nil, err
			}
			return getIndex(v, keys)
		}
		set := func(fr *iframe, val any) error {
			v, err := x(fr)
			if err != nil {
				return err
			}
			keys, err := evalAll(fr, args)
			if err != nil {
				return err
			}
			return setIndex(fr, v, keys, val)
		}
		return get, set, nil
	case *memberExpr:
		x, err := c.expr(e.x)
		if err != nil {
			return nil, nil, err
		}
		name, off := e.name, e.nameOff
		get := func(fr *iframe) (any, error) {
			v, err := x(fr)
			if err != nil {
				return nil, err
			}
			return getMember(fr, v, name, off)
		}
		set := func(fr *iframe, val any) error {
			v, err := x(fr)
			if err != nil {
				return err
			}
			return setMember(v, name, val)
		}
		return get, set, nil
	}
	return nil, nil, typeErr(e.offset(), "the left-hand side of an assignment must be a variable, property or indexer")
}

func (c *icompiler) unary(e *unaryExpr) (ifn, error) {
	switch e.op {
	case "++", "--", "post++", "post--":
		get, set, err := c.lvalue(e.x)
		if err != nil {
			return nil, err
		}
		delta := 1
		if strings.HasSuffix(e.op, "--") {
			delta = -1
		}
		post := strings.HasPrefix(e.op, "post")
		return func(fr *iframe) (any, error) {
			cur, err := get(fr)
			if err != nil {
				return nil, err
			}
			nv, err := binaryOp("+", cur, delta)
			if err != nil {
				return nil, err
			}
			if ch, ok := cur.(char); ok {
				nv = char(rune(ch) + rune(delta))
			}
			nv = keepIntKind(cur, nv)
			if err := set(fr, nv); err != nil {
				return nil, err
			}
			if post {
				return cur, nil
			}
			return nv, nil
		}, nil
	}
	x, err := c.expr(e.x)
	if err != nil {
		return nil, err
	}
	op := e.op
	return func(fr *iframe) (any, error) {
		v, err := x(fr)
		if err != nil {
			return nil, err
		}
		return unaryOp(op, v)
	}, nil
}

func (c *icompiler) binary(e *binaryExpr) (ifn, error) {
	x, err := c.expr(e.x)
	if err != nil {
		return nil, err
	}
	y, err := c.expr(e.y)
	if err != nil {
		return nil, err
	}
	switch e.op {
	case "&&", "||":
		and := e.op == "&&"
		return func(fr *iframe) (any, error) {
			a, err := x(fr)
			if err != nil {
				return nil, err
			}
			ab, err := asBool(a)
			if err != nil {
				return nil, err
			}
			if ab != and {
				return ab, nil
			}
			b, err := y(fr)
			if err != nil {
				return nil, err
			}
			return asBool(b)
		}, nil
	case "??":
		return func(fr *iframe) (any, error) {
			a, err := x(fr)
			if err != nil || a != nil {
				return a, err
			}
			return y(fr)
		}, nil
	}
	op := e.op
	return func(fr *iframe) (any, error) {
		a, err := x(fr)
		if err != nil {
			return nil, err
		}
		b, err := y(fr)
		if err != nil {
			return nil, err
		}
		return binaryOp(op, a, b)
	}, nil
}

func (c *icompiler) cast(e *castExpr) (ifn, error) {
	n, err := c.typeName(e.t)
	if err != nil {
		return nil, err
	}
	x, err := c.expr(e.x)
	if err != nil {
		return nil, err
	}
	return func(fr *iframe) (any, error) {
		v, err := x(fr)
		if err != nil {
			return nil, err
		}
		return castTo(v, n)
	}, nil
}

func (c *icompiler) as(e *asExpr) (ifn, error) {
	n, err := c.typeName(e.t)
	if err != nil {
		return nil, err
	}
	x, err := c.expr(e.x)
	if err != nil {
		return nil, err
	}
	return func(fr *iframe) (any, error) {
		v, err := x(fr)
		if err != nil {
			return nil, err
		}
		if isOfType(v, n) {
			return v, nil
		}
		return nil, nil
	}, nil
}

func (c *icompiler) is(e *isExpr) (ifn, error) {
	x, err := c.expr(e.x)
	if err != nil {
		return nil, err
	}
	var n string
	if e.t != nil {
		if n, err = c.typeName(e.t); err != nil {
			return nil, err
		}
	}
	slot := -1
	if e.name != "" {
		if slot, err = c.declare(e.name, e.off); err != nil {
			return nil, err
		}
	}
	var constant ifn
	if e.constant != nil {
		if constant, err = c.expr(e.constant); err != nil {
			return nil, err
		}
	}
	not := e.not
	return func(fr *iframe) (any, error) {
		v, err := x(fr)
		if err != nil {
			return nil, err
		}
		var ok bool
		switch {
		case constant != nil:
			// A constant pattern: the value equals the constant (same
			// type, as object.Equals).
			cv, err := constant(fr)
			if err != nil {
				return nil, err
			}
			ok = v != nil && objEquals(v, cv)
		case n == "":
			ok = v == nil
		default:
			ok = v != nil && isOfType(v, n)
		}
		if ok && slot >= 0 {
			fr.slots[slot] = v
		}
		return ok != not, nil
	}, nil
}

// netString is the string a value contributes to concatenation or
// interpolation: ToString(), with null as "".
func netString(v any) string {
	switch x := v.(type) {
	case nil, nullShort:
		return ""
	case char:
		return string(rune(x))
	case int16:
		return strconv.Itoa(int(x))
	case []byte:
		return "System.Byte[]"
	case []any:
		return "System.Object[]"
	}
	return toString(v)
}

func asBool(v any) (bool, error) {
	switch b := v.(type) {
	case bool:
		return b, nil
	case *jValue:
		if x, ok := b.v.(bool); ok {
			return x, nil
		}
	}
	return false, castError(v, "System.Boolean")
}

// navOf returns the context object type e statically denotes (IContext,
// IRequest, …), so the interpreter rejects unknown context members at load
// as the translator does.
func (c *icompiler) navOf(e cexpr) (string, bool) {
	switch e := e.(type) {
	case *identExpr:
		if _, local := c.lookup(e.name); !local && e.name == "context" {
			return "IContext", true
		}
	case *memberExpr:
		p, ok := c.navOf(e.x)
		if !ok {
			return "", false
		}
		if m, ok := navTypes[p][e.name]; ok && m.t.k == kNav {
			return m.t.nav, true
		}
	case *castExpr:
		if n, ok := canonicalType(e.t.name); ok && n == "IResponse" && e.t.rank == 0 {
			return "IResponse", true
		}
	}
	return "", false
}

// checkNavMember rejects a member a context object does not have.
func (c *icompiler) checkNavMember(x cexpr, name string, off int) error {
	p, ok := c.navOf(x)
	if !ok {
		return nil
	}
	switch p {
	case "IHeaders", "IQuery", "IMatched", "IVariables", "IBody":
		return nil // dictionary-like: members are methods and Count
	}
	if _, ok := navTypes[p][name]; ok {
		return nil
	}
	if p == "IRequest" && name == "Certificate" || p == "IDeployment" && name == "Certificates" {
		return nil // X509Certificate2 values (certificate.go), for the interpreter only
	}
	if secretMembers[p+"."+name] {
		return unsupported(off, "context.Subscription.%s (subscription keys are secrets and are never exposed)", name)
	}
	return unsupported(off, "member %s.%s", p, name)
}

// isStringExpr reports whether e is statically a string.
func (c *icompiler) isStringExpr(e cexpr) bool {
	switch e := e.(type) {
	case *litExpr:
		return e.kind == tString
	case *interpExpr:
		return true
	case *memberExpr:
		if p, ok := c.navOf(e.x); ok {
			return navTypes[p][e.name].t.k == kString
		}
	}
	return false
}

// stringMethodNames are the System.String instance methods the
// interpreter implements (besides LINQ and the object methods).
var stringMethodNames = map[string]bool{
	"ToString": true, "Trim": true, "TrimStart": true, "TrimEnd": true, "ToLower": true, "ToLowerInvariant": true,
	"ToUpper": true, "ToUpperInvariant": true, "Contains": true, "StartsWith": true, "EndsWith": true, "IndexOf": true,
	"LastIndexOf": true, "Equals": true, "Substring": true, "Replace": true, "Split": true, "PadLeft": true,
	"PadRight": true, "ToCharArray": true, "Insert": true, "Remove": true, "AsJwt": true, "AsBasic": true,
	"CompareTo": true, "GetType": true, "Any": true, "All": true, "Count": true, "First": true, "FirstOrDefault": true,
	"Last": true, "LastOrDefault": true, "Select": true, "Where": true, "ToArray": true, "ToList": true,
	"Distinct": true, "Reverse": true, "Skip": true, "Take": true, "Concat": true, "SequenceEqual": true,
	"ElementAt": true, "OrderBy": true, "Aggregate": true,
}
