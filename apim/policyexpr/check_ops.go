package policyexpr

import (
	"math"
	"strconv"
	"strings"
)

func (c *checker) unary(e *unaryExpr) (val, error) {
	switch e.op {
	case "++", "--", "post++", "post--":
		return val{}, unsupported(e.off, "increment or decrement inside an expression")
	case "~":
		return val{}, unsupported(e.off, "bitwise complement ~")
	}
	if l, ok := e.x.(*litExpr); ok && e.op == "-" && l.kind == tInt {
		if n, err := strconv.ParseInt(l.val, 0, 64); err == nil && n == -math.MinInt32 {
			return val{t: tyInt, code: "(-2147483648)"}, nil // int.MinValue spelled as a literal
		}
	}
	x, err := c.value(e.x)
	if err != nil {
		return val{}, err
	}
	switch e.op {
	case "!":
		if x.t.k != kBool {
			return val{}, typeErr(e.off, "operator ! cannot be applied to %s", x.t)
		}
		return val{t: tyBool, code: "(!" + x.code + ")"}, nil
	case "-", "+":
		if !x.t.numeric() {
			return val{}, typeErr(e.off, "operator %s cannot be applied to %s", e.op, x.t)
		}
		if e.op == "+" {
			return x, nil
		}
		if x.t.k == kInt {
			// Unchecked Int32 negation wraps: -int.MinValue == int.MinValue.
			return val{t: x.t, code: "csI32(-" + x.code + ")"}, nil
		}
		return val{t: x.t, code: "(-" + x.code + ")"}, nil
	}
	return val{}, syntaxErr(e.off, "unknown operator %s", e.op)
}

func (c *checker) binary(e *binaryExpr) (val, error) {
	x, err := c.value(e.x)
	if err != nil {
		return val{}, err
	}
	y, err := c.value(e.y)
	if err != nil {
		return val{}, err
	}
	bad := func() (val, error) {
		return val{}, typeErr(e.off, "operator %s cannot be applied to operands of type %s and %s", e.op, x.t, y.t)
	}
	bin := func(t ctype, op string) (val, error) {
		return val{t: t, code: "(" + x.code + " " + op + " " + y.code + ")"}, nil
	}
	switch e.op {
	case "&&", "||":
		if x.t.k != kBool || y.t.k != kBool {
			return bad()
		}
		return bin(tyBool, e.op)
	case "&", "|", "^":
		if x.t.k != kBool || y.t.k != kBool {
			return val{}, unsupported(e.off, "bitwise operator %s", e.op)
		}
		// Non-short-circuit logic on bool: the operands are free of side
		// effects except for Random draws, so && and || are equivalent.
		switch e.op {
		case "&":
			return bin(tyBool, "&&")
		case "|":
			return bin(tyBool, "||")
		}
		return bin(tyBool, "!=")
	case "==", "!=":
		return c.equality(e, x, y)
	case "<", ">", "<=", ">=":
		switch {
		case x.t.numeric() && y.t.numeric(), x.t.k == kChar && y.t.k == kChar:
			return bin(tyBool, e.op)
		case x.t.k == kDateTime && y.t.k == kDateTime:
			return val{t: tyBool, code: "(csDateCmp(" + x.code + ", " + y.code + ") " + e.op + " 0)"}, nil
		case x.t.k == kTimeSpan && y.t.k == kTimeSpan:
			return val{t: tyBool, code: "(csSpanTotal(" + x.code + ", 1) " + e.op + " csSpanTotal(" + y.code + ", 1))"}, nil
		}
		return bad()
	case "+":
		if x.t.k == kString || y.t.k == kString || x.t.k == kNull && y.t.k == kChar || x.t.k == kChar && y.t.k == kNull {
			return val{t: tyString, code: "(" + stringify(x) + " + " + stringify(y) + ")"}, nil
		}
		if x.t.k == kObject && (y.t.k == kNull || y.t.k == kChar) || y.t.k == kObject && (x.t.k == kNull || x.t.k == kChar) {
			return bad()
		}
		fallthrough
	case "-", "*":
		switch {
		case x.t.k == kInt && y.t.k == kInt:
			// C# int arithmetic is unchecked Int32 (ECMA-334 §12.8.20): the
			// 64-bit result of two Int32 operands is exact, so truncating it
			// to 32 bits reproduces the wrap-around.
			return val{t: tyInt, code: "csI32(" + x.code + " " + e.op + " " + y.code + ")"}, nil
		case x.t.numeric() && y.t.numeric():
			return bin(tyDouble, e.op)
		case e.op == "-" && x.t.k == kDateTime && y.t.k == kDateTime:
			return val{t: tyTimeSpan, code: "csDateSub(" + x.code + ", " + y.code + ")"}, nil
		case x.t.k == kChar && y.t.k == kChar || x.t.k == kChar && y.t.numeric() || x.t.numeric() && y.t.k == kChar:
			return val{}, unsupported(e.off, "arithmetic on char")
		}
		return bad()
	case "/":
		switch {
		case x.t.k == kInt && y.t.k == kInt:
			return val{t: tyInt, code: "csDiv(" + x.code + ", " + y.code + ")"}, nil
		case x.t.numeric() && y.t.numeric():
			return bin(tyDouble, "/")
		}
		return bad()
	case "%":
		switch {
		case x.t.k == kInt && y.t.k == kInt:
			return val{t: tyInt, code: "csMod(" + x.code + ", " + y.code + ")"}, nil
		case x.t.numeric() && y.t.numeric():
			return val{}, unsupported(e.off, "remainder %% on double")
		}
		return bad()
	case "??":
		return c.coalesce(e, x, y)
	}
	return val{}, syntaxErr(e.off, "unknown operator %s", e.op)
}

// equality emits == and != with C# typing: strings compare ordinally,
// numbers numerically; object operands compare by value (C# would compare
// references, which for boxed values is almost never what a policy means).
func (c *checker) equality(e *binaryExpr, x, y val) (val, error) {
	neg := ""
	if e.op == "!=" {
		neg = "!"
	}
	plain := func() (val, error) {
		return val{t: tyBool, code: "(" + x.code + " " + e.op + " " + y.code + ")"}, nil
	}
	switch {
	case x.t.k == kNull && y.t.k == kNull:
		return val{t: tyBool, code: map[bool]string{true: "true", false: "false"}[e.op == "=="]}, nil
	case x.t.k == kString && y.t.k == kNull, x.t.k == kNull && y.t.k == kString:
		s := x
		if s.t.k == kNull {
			s = y
		}
		return val{t: tyBool, code: "(" + s.code + " " + e.op + ` "")`}, nil
	case (x.t.k == kObject || x.t.k == kStringArray) && y.t.k == kNull, x.t.k == kNull && (y.t.k == kObject || y.t.k == kStringArray):
		return plain()
	case x.t.k == kNav && y.t.k == kNull, x.t.k == kNull && y.t.k == kNav:
		// Valid C# (context.Response != null, context.Product == null); the
		// typed model has no null context objects, so the interpreter,
		// which does, runs it.
		return val{}, unsupported(e.off, "null comparison of %s", map[bool]ctype{true: x.t, false: y.t}[x.t.k == kNav])
	case x.t.k == kObject || y.t.k == kObject:
		if x.t.k == kNav || y.t.k == kNav || x.t.k == kRandom || y.t.k == kRandom {
			break
		}
		return val{t: tyBool, code: "(" + neg + "csEq(" + x.code + ", " + y.code + "))"}, nil
	case x.t == y.t && (x.t.k == kString || x.t.k == kChar || x.t.k == kBool || x.t.k == kGuid || x.t.k == kTimeSpan):
		return plain()
	case x.t.numeric() && y.t.numeric():
		return plain()
	case x.t.k == kDateTime && y.t.k == kDateTime:
		return val{t: tyBool, code: "(csDateCmp(" + x.code + ", " + y.code + ") " + e.op + " 0)"}, nil
	}
	return val{}, typeErr(e.off, "operator %s cannot be applied to operands of type %s and %s", e.op, x.t, y.t)
}

// coalesce emits x ?? y. With null strings modelled as "", a string x
// falls back to y when empty.
func (c *checker) coalesce(e *binaryExpr, x, y val) (val, error) {
	switch x.t.k {
	case kString:
		yc, err := c.coerce(y, tyString, e.y.offset(), "??")
		if err != nil {
			return val{}, err
		}
		tmp := c.fresh("")
		return val{t: tyString, code: "(let " + tmp + " = " + x.code + "; " + tmp + ` != "" ? ` + tmp + " : " + yc + ")"}, nil
	case kObject, kStringArray, kNull:
		t, ok := unify(x.t, y.t)
		if !ok || t.k == kNull {
			return val{}, typeErr(e.off, "operator ?? cannot be applied to operands of type %s and %s", x.t, y.t)
		}
		xc, _ := convert(x, t)
		yc, _ := convert(y, t)
		if t.k == kString {
			return val{t: tyString, code: yc}, nil // null ?? s
		}
		return val{t: t, code: "(" + xc + " ?? " + yc + ")"}, nil
	}
	return val{}, typeErr(e.off, "operator ?? cannot be applied to a non-nullable %s", x.t)
}

func (c *checker) cast(e *castExpr) (val, error) {
	t, ok := typeFromRef(e.t)
	if !ok || t.k == kRandom || t.k == kStringArray || t.k == kGuid || t.k == kDateTime || t.k == kTimeSpan || t.k == kChar {
		return val{}, unsupported(e.off, "cast to %s", e.t)
	}
	x, err := c.value(e.x)
	if err != nil {
		return val{}, err
	}
	if x.t == t {
		return x, nil
	}
	fail := func() (val, error) {
		return val{}, typeErr(e.off, "cannot convert type %s to %s", x.t, t)
	}
	switch t.k {
	case kString:
		switch x.t.k {
		case kObject:
			return val{t: tyString, code: "csCastStr(" + x.code + ")"}, nil
		case kNull:
			return strVal(""), nil
		}
		return fail()
	case kInt:
		switch x.t.k {
		case kObject:
			return val{t: tyInt, code: "csCastInt(" + x.code + ")"}, nil
		case kDouble:
			return val{t: tyInt, code: "csDoubleToInt(" + x.code + ")"}, nil
		case kChar:
			return val{}, unsupported(e.off, "cast from char to int")
		}
		return fail()
	case kDouble:
		switch x.t.k {
		case kObject:
			return val{t: tyDouble, code: "csCastDouble(" + x.code + ")"}, nil
		case kInt:
			return val{t: tyDouble, code: "float(" + x.code + ")"}, nil
		}
		return fail()
	case kBool:
		if x.t.k == kObject {
			return val{t: tyBool, code: "csCastBool(" + x.code + ")"}, nil
		}
		return fail()
	case kObject:
		if code, ok := convert(x, tyObject); ok {
			return val{t: tyObject, code: code}, nil
		}
		return fail()
	}
	return fail()
}

func (c *checker) as(e *asExpr) (val, error) {
	t, ok := typeFromRef(e.t)
	if !ok || (t.k != kString && t.k != kObject) {
		return val{}, unsupported(e.off, "'as %s'", e.t)
	}
	x, err := c.value(e.x)
	if err != nil {
		return val{}, err
	}
	switch {
	case x.t == t:
		return x, nil
	case t.k == kObject:
		return c.cast(&castExpr{off: e.off, t: e.t, x: e.x})
	case x.t.k == kObject:
		return val{t: tyString, code: "csAsStr(" + x.code + ")"}, nil
	case x.t.k == kNull:
		return strVal(""), nil
	}
	return val{}, typeErr(e.off, "cannot convert type %s to string via 'as'", x.t)
}

func (c *checker) newObj(e *newExpr) (val, error) {
	if e.array {
		if e.t != nil {
			if t, ok := typeFromRef(e.t); !ok || t.k != kStringArray {
				return val{}, unsupported(e.off, "array of %s", e.t)
			}
		}
		var items []string
		for _, it := range e.items {
			v, err := c.value(it)
			if err != nil {
				return val{}, err
			}
			if v.t.k == kChar { // char[] is carried as string[]
				items = append(items, v.code)
				continue
			}
			code, err := c.coerce(v, tyString, it.offset(), "string array initializer")
			if err != nil {
				if e.t == nil {
					return val{}, unsupported(it.offset(), "implicitly typed array of %s", v.t)
				}
				return val{}, err
			}
			items = append(items, code)
		}
		return val{t: tyStrArr, code: "csStrArr(" + strings.Join(items, ", ") + ")"}, nil
	}
	n, ok := lookupStatic(e.t.name)
	if !ok || n != "Random" || len(e.t.args) > 0 {
		return val{}, unsupported(e.off, "new %s(…)", e.t)
	}
	if len(e.args) > 0 {
		return val{}, unsupported(e.off, "new Random(seed) (seed the simulator instead)")
	}
	return val{t: tyRandom, code: "$env"}, nil
}
