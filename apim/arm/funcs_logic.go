package arm

import (
	"math"
	"strconv"
	"strings"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// fnIf evaluates only the branch its (known) condition selects.
func fnIf(e *env, c *Call) *value {
	cond := e.evalArg(c, 0)
	switch {
	case isUnknown(cond):
		return cond
	case cond.Kind != jsontree.Bool:
		return e.invalid(c, "condition must be a boolean, got %s", cond.Kind)
	case cond.Bool:
		return e.evalArg(c, 1)
	}
	return e.evalArg(c, 2)
}

// logic implements and() / or(): the first argument equal to stop decides;
// an unknown argument makes the result unknown unless a later one decides.
func logic(e *env, c *Call, stop bool) *value {
	var unknown *value
	for i := range c.Args {
		v := e.evalArg(c, i)
		switch {
		case isUnknown(v):
			if unknown == nil {
				unknown = v
			}
		case v.Kind != jsontree.Bool:
			return e.invalid(c, "argument %d must be a boolean, got %s", i+1, v.Kind)
		case v.Bool == stop:
			return boolVal(stop)
		}
	}
	if unknown != nil {
		return unknown
	}
	return boolVal(!stop)
}

func fnAnd(e *env, c *Call) *value { return logic(e, c, false) }
func fnOr(e *env, c *Call) *value  { return logic(e, c, true) }

func fnNot(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.Bool {
		return e.invalid(c, "argument must be a boolean, got %s", a[0].Kind)
	}
	return boolVal(!a[0].Bool)
}

func fnBool(e *env, c *Call, a []*value) *value {
	v := a[0]
	switch v.Kind {
	case jsontree.Bool:
		return boolVal(v.Bool)
	case jsontree.String:
		switch strings.ToLower(strings.TrimSpace(v.Str)) {
		case "true":
			return boolVal(true)
		case "false":
			return boolVal(false)
		}
	case jsontree.Number:
		if n, ok := asInt(v); ok {
			return boolVal(n != 0)
		}
	}
	return e.invalid(c, "cannot convert %s to a boolean", v.Kind)
}

func fnEquals(_ *env, _ *Call, a []*value) *value {
	if u := findUnknown(a[0]); u != nil {
		return u
	}
	if u := findUnknown(a[1]); u != nil {
		return u
	}
	return boolVal(equalValues(a[0], a[1]))
}

// compare implements greater/less/...: numbers by value, strings ordinally.
func compare(ok func(int) bool) func(e *env, c *Call, a []*value) *value {
	return func(e *env, c *Call, a []*value) *value {
		x, y := a[0], a[1]
		switch {
		case x.Kind == jsontree.Number && y.Kind == jsontree.Number:
			f, _ := asFloat(x)
			g, _ := asFloat(y)
			switch {
			case f < g:
				return boolVal(ok(-1))
			case f > g:
				return boolVal(ok(1))
			}
			return boolVal(ok(0))
		case x.Kind == jsontree.String && y.Kind == jsontree.String:
			return boolVal(ok(strings.Compare(x.Str, y.Str)))
		}
		return e.invalid(c, "cannot compare %s with %s", x.Kind, y.Kind)
	}
}

// fnCoalesce returns the first non-null argument. An unknown argument before
// it makes the result unknown (it might be non-null).
func fnCoalesce(e *env, c *Call) *value {
	for i := range c.Args {
		v := e.evalArg(c, i)
		if isUnknown(v) || v.Kind != jsontree.Null {
			return v
		}
	}
	return nullVal()
}

// arith implements add/sub/mul/div/mod on 64-bit integers, as ARM does.
func arith(op string) func(e *env, c *Call, a []*value) *value {
	return func(e *env, c *Call, a []*value) *value {
		x, ok1 := asInt(a[0])
		y, ok2 := asInt(a[1])
		if !ok1 || !ok2 || a[0].Kind != jsontree.Number || a[1].Kind != jsontree.Number {
			return e.invalid(c, "arguments must be integers")
		}
		var r int64
		switch op {
		case "add":
			r = x + y
		case "sub":
			r = x - y
		case "mul":
			r = x * y
		case "div", "mod":
			if y == 0 {
				return e.invalid(c, "division by zero")
			}
			if x == math.MinInt64 && y == -1 {
				return e.invalid(c, "integer overflow")
			}
			if op == "div" {
				r = x / y
			} else {
				r = x % y
			}
		}
		return intVal(r)
	}
}

func fnInt(e *env, c *Call, a []*value) *value {
	v := a[0]
	switch v.Kind {
	case jsontree.Number:
		if n, ok := asInt(v); ok {
			return intVal(n)
		}
		if f, ok := asFloat(v); ok && math.Abs(f) < 1<<62 {
			return intVal(int64(f))
		}
	case jsontree.String:
		if n, err := strconv.ParseInt(strings.TrimSpace(v.Str), 10, 64); err == nil {
			return intVal(n)
		}
	}
	return e.invalid(c, "cannot convert %s to an integer", v.Kind)
}

func fnFloat(e *env, c *Call, a []*value) *value {
	v := a[0]
	switch v.Kind {
	case jsontree.Number:
		f, _ := asFloat(v)
		return floatVal(f)
	case jsontree.String:
		if f, err := strconv.ParseFloat(strings.TrimSpace(v.Str), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return floatVal(f)
		}
	}
	return e.invalid(c, "cannot convert %s to a number", v.Kind)
}

// minMax accepts integers as arguments or one array of integers.
func minMax(isMin bool) func(e *env, c *Call, a []*value) *value {
	return func(e *env, c *Call, a []*value) *value {
		list := a
		if len(a) == 1 && a[0].Kind == jsontree.Array {
			list = a[0].Elems()
		}
		if len(list) == 0 {
			return e.invalid(c, "needs at least one value")
		}
		var best int64
		for i, v := range list {
			if isUnknown(v) {
				return v
			}
			n, ok := asInt(v)
			if !ok || v.Kind != jsontree.Number {
				return e.invalid(c, "values must be integers, got %s", v.Kind)
			}
			if i == 0 || isMin && n < best || !isMin && n > best {
				best = n
			}
		}
		return intVal(best)
	}
}

func fnRange(e *env, c *Call, a []*value) *value {
	start, ok1 := asInt(a[0])
	count, ok2 := asInt(a[1])
	switch {
	case !ok1 || !ok2:
		return e.invalid(c, "arguments must be integers")
	case count < 0 || count > 10000:
		return e.invalid(c, "count %d out of range (0..10000)", count)
	case start > math.MaxInt64-count:
		return e.invalid(c, "range overflows")
	}
	out := make([]*value, count)
	for i := range out {
		out[i] = intVal(start + int64(i))
	}
	return arrVal(out)
}
