package arm

import (
	"sort"
	"strings"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// lambdaFn is a lambda('x', ['y',] body) argument of map, filter and friends.
type lambdaFn struct {
	names []string
	body  Expr
}

// lambdaArg reads argument i of c as a lambda with up to maxVars variables.
func (e *env) lambdaArg(c *Call, i, maxVars int) (*lambdaFn, *value) {
	l, ok := c.Args[i].(*Call)
	if !ok || !strings.EqualFold(l.Name, "lambda") || len(l.Args) < 2 {
		return nil, e.invalid(c, "argument %d must be a lambda", i+1)
	}
	fn := &lambdaFn{body: l.Args[len(l.Args)-1]}
	for _, a := range l.Args[:len(l.Args)-1] {
		s, ok := a.(*StringLit)
		if !ok {
			return nil, e.invalid(c, "lambda variable names must be string literals")
		}
		fn.names = append(fn.names, strings.ToLower(s.Value))
	}
	if len(fn.names) > maxVars {
		return nil, e.invalid(c, "lambda takes at most %d variable(s)", maxVars)
	}
	return fn, nil
}

// apply evaluates the lambda body with its variables bound to args (extra
// args, such as the index, are dropped when the lambda does not name them).
func (e *env) apply(l *lambdaFn, args ...*value) *value {
	if e.tooDeep() {
		return e.invalid(nil, "lambdas nested deeper than %d", maxEvalDepth)
	}
	inner := *e
	inner.depth++
	inner.lambdas = append([]binding(nil), e.lambdas...)
	for i, n := range l.names {
		if i < len(args) {
			inner.lambdas = append(inner.lambdas, binding{name: n, val: args[i]})
		}
	}
	return inner.eval(l.body)
}

func fnLambdaOutside(e *env, c *Call) *value {
	return e.invalid(c, "a lambda can only be an argument of map, filter, reduce, sort, toObject or mapValues")
}

func fnLambdaVariables(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.String {
		return e.invalid(c, "variable name must be a string")
	}
	name := strings.ToLower(a[0].Str)
	for i := len(e.lambdas) - 1; i >= 0; i-- {
		if e.lambdas[i].name == name {
			return e.lambdas[i].val
		}
	}
	return e.invalid(c, "no lambda variable %q in scope", a[0].Str)
}

// arrayAndLambda evaluates the array argument and the lambda of map/filter/sort.
func (e *env) arrayAndLambda(c *Call, vars int) (*value, *lambdaFn, *value) {
	arr := e.evalArg(c, 0)
	if isUnknown(arr) {
		return nil, nil, arr
	}
	if arr.Kind != jsontree.Array {
		return nil, nil, e.invalid(c, "first argument must be an array, got %s", arr.Kind)
	}
	l, bad := e.lambdaArg(c, len(c.Args)-1, vars)
	if bad != nil {
		return nil, nil, bad
	}
	return arr, l, nil
}

func fnMap(e *env, c *Call) *value {
	arr, l, bad := e.arrayAndLambda(c, 2)
	if bad != nil {
		return bad
	}
	out := make([]*value, len(arr.Elems()))
	for i, el := range arr.Elems() {
		out[i] = e.apply(l, el, intVal(int64(i)))
	}
	return arrVal(out)
}

func fnFilter(e *env, c *Call) *value {
	arr, l, bad := e.arrayAndLambda(c, 2)
	if bad != nil {
		return bad
	}
	var out []*value
	for i, el := range arr.Elems() {
		keep := e.apply(l, el, intVal(int64(i)))
		switch {
		case isUnknown(keep):
			return keep
		case keep.Kind != jsontree.Bool:
			return e.invalid(c, "lambda must return a boolean, got %s", keep.Kind)
		case keep.Bool:
			out = append(out, el)
		}
	}
	return arrVal(out)
}

func fnReduce(e *env, c *Call) *value {
	arr, l, bad := e.arrayAndLambda(c, 3)
	if bad != nil {
		return bad
	}
	acc := e.evalArg(c, 1)
	for i, el := range arr.Elems() {
		if isUnknown(acc) {
			return acc
		}
		acc = e.apply(l, acc, el, intVal(int64(i)))
	}
	return acc
}

func fnSort(e *env, c *Call) *value {
	arr, l, bad := e.arrayAndLambda(c, 2)
	if bad != nil {
		return bad
	}
	out := append([]*value(nil), arr.Elems()...)
	var failed *value
	sort.SliceStable(out, func(i, j int) bool {
		if failed != nil {
			return false
		}
		r := e.apply(l, out[i], out[j])
		if r.Kind != jsontree.Bool {
			if isUnknown(r) {
				failed = r
			} else {
				failed = e.invalid(c, "lambda must return a boolean, got %s", r.Kind)
			}
			return false
		}
		return r.Bool
	})
	if failed != nil {
		return failed
	}
	return arrVal(out)
}

func fnToObject(e *env, c *Call) *value {
	arr := e.evalArg(c, 0)
	if isUnknown(arr) {
		return arr
	}
	if arr.Kind != jsontree.Array {
		return e.invalid(c, "first argument must be an array, got %s", arr.Kind)
	}
	key, bad := e.lambdaArg(c, 1, 1)
	if bad != nil {
		return bad
	}
	var val *lambdaFn
	if len(c.Args) > 2 {
		if val, bad = e.lambdaArg(c, 2, 1); bad != nil {
			return bad
		}
	}
	var out []jsontree.Member
	for _, el := range arr.Elems() {
		k := e.apply(key, el)
		if isUnknown(k) {
			return k
		}
		if k.Kind != jsontree.String {
			return e.invalid(c, "key lambda must return a string, got %s", k.Kind)
		}
		v := el
		if val != nil {
			v = e.apply(val, el)
		}
		out = setMember(out, k.Str, v)
	}
	return objVal(out)
}

func fnMapValues(e *env, c *Call) *value {
	obj := e.evalArg(c, 0)
	if isUnknown(obj) {
		return obj
	}
	if obj.Kind != jsontree.Object {
		return e.invalid(c, "first argument must be an object, got %s", obj.Kind)
	}
	l, bad := e.lambdaArg(c, 1, 1)
	if bad != nil {
		return bad
	}
	out := make([]jsontree.Member, len(obj.Members()))
	for i, m := range obj.Members() {
		out[i] = member(m.Key, e.apply(l, m.Value))
	}
	return objVal(out)
}
