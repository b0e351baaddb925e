package arm

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// loop is one active copy loop: its name (lower case, "" for an unnamed
// resource loop) and the current index. When the loop count could not be
// computed, the index is unknown and reason says why.
type loop struct {
	name   string
	idx    int64
	reason string
}

// binding is a lambda variable in scope (lambdaVariables('x')).
type binding struct {
	name string
	val  *value
}

// env is the context an expression is evaluated in: the template scope, the
// copy loops around it, lambda variables and the parameters of a
// user-defined function being called.
type env struct {
	s        *scope
	loops    []loop
	lambdas  []binding
	fnParams map[string]*value
	depth    int
	// placeholders makes a parameter without a value (and an unknown
	// copyIndex()) evaluate to "<name>" instead of Unknown: resource names
	// are resolved this way to keep a resource under a placeholder name
	// rather than skip it.
	placeholders bool
}

// withLoop returns a copy of e with one more loop.
func (e *env) withLoop(l loop) *env {
	c := *e
	c.loops = append(append([]loop(nil), e.loops...), l)
	return &c
}

// invalid returns an Unknown value for an error that would fail the
// deployment (a type error, an index out of range); it is reported as APIM901.
func (e *env) invalid(c *Call, format string, args ...any) *value {
	msg := fmt.Sprintf(format, args...)
	if c != nil {
		msg = c.Name + "(): " + msg
	}
	e.s.r.invalid[msg] = true
	return unknownVal(msg)
}

// malformed is invalid for errors in the template's structure, which no
// parameter value can fix (an unknown function arity, an undeclared
// variable): they stay APIM901 even when defaults were used.
func (e *env) malformed(c *Call, format string, args ...any) *value {
	v := e.invalid(c, format, args...)
	e.s.r.structural[v.Reason()] = true
	return v
}

// maxEvalDepth bounds chains of variables, parameter defaults, user-defined
// functions, lambdas and deployment outputs that refer to one another.
const maxEvalDepth = 200

// tooDeep reports whether e is at the depth limit, and records the depth
// reached for the heights of parameters and variables (parallel.go).
func (e *env) tooDeep() bool {
	e.s.r.reached(e.depth)
	return e.depth >= maxEvalDepth
}

// eval evaluates a parsed expression. It never returns nil.
func (e *env) eval(x Expr) *value {
	switch x := x.(type) {
	case *StringLit:
		return strVal(x.Value)
	case *NumberLit:
		return &value{Kind: jsontree.Number, Str: x.Text, Origin: jsontree.Computed}
	case *BoolLit:
		return boolVal(x.Value)
	case *NullLit:
		return nullVal()
	case *Property:
		return e.property(e.eval(x.X), x.Name)
	case *Index:
		return e.index(e.eval(x.X), e.eval(x.Index))
	case *Call:
		return e.call(x)
	}
	return e.malformed(nil, "unsupported expression node %T", x)
}

func (e *env) property(v *value, name string) *value {
	switch v.Kind {
	case jsontree.Unknown:
		return v
	case jsontree.Object:
		if m := v.Get(name); m != nil {
			return m
		}
		return e.invalid(nil, "property %q does not exist (members: %s)", name, memberNames(v))
	}
	return e.invalid(nil, "cannot read property %q of a %s", name, v.Kind)
}

func memberNames(v *value) string {
	names := make([]string, 0, len(v.Members()))
	for i, m := range v.Members() {
		if i == 8 {
			names = append(names, "…")
			break
		}
		names = append(names, m.Key)
	}
	return strings.Join(names, ", ")
}

func (e *env) index(v, i *value) *value {
	if isUnknown(v) {
		return v
	}
	if isUnknown(i) {
		return i
	}
	switch v.Kind {
	case jsontree.Array:
		n, ok := asInt(i)
		if !ok || i.Kind != jsontree.Number {
			return e.invalid(nil, "array index must be an integer, got %s", i.Kind)
		}
		if n < 0 || n >= int64(len(v.Elems())) {
			return e.invalid(nil, "index %d out of range (array length %d)", n, len(v.Elems()))
		}
		return v.Elems()[n]
	case jsontree.Object:
		if i.Kind != jsontree.String {
			return e.invalid(nil, "object index must be a string, got %s", i.Kind)
		}
		return e.property(v, i.Str)
	}
	return e.invalid(nil, "cannot index a %s", v.Kind)
}

func (e *env) call(c *Call) *value {
	v, _ := e.callOwned(c)
	return v
}

// callOwned is call, and reports whether the result is the caller's own:
// newly allocated and shared with nothing (funcSpec.fresh), so that it may
// be positioned in place.
func (e *env) callOwned(c *Call) (*value, bool) {
	if r := e.s.r; r.budget > 0 {
		if r.steps++; r.steps > r.budget {
			panic(errDeclined)
		}
	}
	if c.lname == "" {
		c.lname = strings.ToLower(c.Name)
	}
	spec, ok := e.s.r.funcs[c.lname]
	if !ok {
		if strings.Contains(c.lname, ".") {
			if f := e.s.userFunc(c.lname); f != nil {
				return e.callUser(c, f), false
			}
		}
		if strings.HasPrefix(c.lname, "list") {
			return needsLive(c.Name + "()"), false
		}
		return unknownVal(fmt.Sprintf("unsupported template function %q", c.Name)), false
	}
	if len(c.Args) < spec.min || spec.max >= 0 && len(c.Args) > spec.max {
		return e.malformed(c, "%s", arity(spec.min, spec.max, len(c.Args))), false
	}
	if spec.lazy != nil {
		return spec.lazy(e, c), false
	}
	if spec.reads {
		return e.callReading(c, &spec)
	}
	args := make([]*value, len(c.Args))
	secure := false
	for i, a := range c.Args {
		v := e.eval(a)
		if isUnknown(v) && !spec.acceptUnknown {
			return v, false
		}
		secure = secure || isSecure(v)
		args[i] = v
	}
	return secured(spec.fn(e, c, args), secure)
}

// secured returns out as the result of a call, as a secure copy when an
// argument was secure.
func secured(out *value, secure bool) (*value, bool) {
	if secure && out.Origin == jsontree.Computed {
		cp := *out
		cp.Origin = jsontree.SecureParameter
		return &cp, true
	}
	return out, false
}

// maxScratch is how many literal arguments of functions that only read
// them (funcSpec.reads) the calls in progress may hold in scratch space;
// deeper nestings allocate theirs.
const maxScratch = 64

// callReading is the strict call of a function that only reads its
// arguments (funcSpec.reads). Literal arguments are evaluated into the
// resolver's scratch values and the argument slice is taken from its
// argument stack, instead of allocating both for every call: a template
// of 40,000 resources named format('{0}/name', parameters('service'))
// allocated two literals and two slices per name (issue 16). Both are
// handed back when fn returns, which keeps no pointer to them.
func (e *env) callReading(c *Call, spec *funcSpec) (*value, bool) {
	r := e.s.r
	base, lits := len(r.args), r.lits
	defer func() {
		clear(r.args[base:])
		r.args, r.lits = r.args[:base], lits
	}()
	r.args = append(r.args, make([]*value, len(c.Args))...)
	secure := false
	for i, a := range c.Args {
		var v *value
		if r.lits < maxScratch {
			v = r.literal(a)
		}
		if v == nil {
			v = e.eval(a)
		}
		if isUnknown(v) && !spec.acceptUnknown {
			return v, false
		}
		secure = secure || isSecure(v)
		r.args[base+i] = v
	}
	out := spec.fn(e, c, r.args[base:base+len(c.Args):base+len(c.Args)])
	if out, owned := secured(out, secure); owned {
		return out, true
	}
	return out, spec.fresh && out.Kind == jsontree.String
}

// literal evaluates a literal node into the next scratch value, or returns
// nil for other nodes.
func (r *resolver) literal(x Expr) *value {
	var v value
	switch x := x.(type) {
	case *StringLit:
		v = value{Kind: jsontree.String, Str: x.Value, Origin: jsontree.Computed}
	case *NumberLit:
		v = value{Kind: jsontree.Number, Str: x.Text, Origin: jsontree.Computed}
	case *BoolLit:
		v = value{Kind: jsontree.Bool, Bool: x.Value, Origin: jsontree.Computed}
	case *NullLit:
		v = value{Kind: jsontree.Null, Origin: jsontree.Computed}
	default:
		return nil
	}
	if r.scratch == nil {
		r.scratch = new([maxScratch]value)
	}
	p := &r.scratch[r.lits]
	*p = v
	r.lits++
	return p
}

func arity(min, max, got int) string {
	switch {
	case min == max:
		return fmt.Sprintf("expects %d argument(s), got %d", min, got)
	case max < 0:
		return fmt.Sprintf("expects at least %d argument(s), got %d", min, got)
	}
	return fmt.Sprintf("expects %d to %d arguments, got %d", min, max, got)
}

// evalArg evaluates argument i of a lazy function.
func (e *env) evalArg(c *Call, i int) *value { return e.eval(c.Args[i]) }

// callUser calls a user-defined function (the "functions" section Bicep
// emits for `func` declarations).
func (e *env) callUser(c *Call, f *userFunc) *value {
	if e.tooDeep() {
		return e.malformed(c, "user-defined function calls nested deeper than %d", maxEvalDepth)
	}
	if len(c.Args) != len(f.params) {
		return e.malformed(c, "%s", arity(len(f.params), len(f.params), len(c.Args)))
	}
	inner := &env{s: e.s, fnParams: make(map[string]*value, len(f.params)), depth: e.depth + 1}
	for i, p := range f.params {
		inner.fnParams[p] = e.eval(c.Args[i])
	}
	if f.body == nil {
		return e.malformed(c, "user-defined function has no output value")
	}
	return inner.resolve(f.body, false)
}
