package gateway

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
)

// value is an attribute or element text: a literal, or a policy expression
// compiled at load.
type value struct {
	lit string
	ev  Evaluator
	pos apim.Position
	// elapsed is set when the expression may read context.Elapsed (its
	// source names Elapsed, or it does not say its source): only then
	// does an evaluation read the clock for it.
	elapsed bool
}

// constant reports whether the value is known at load.
func (v *value) constant() bool { return v.ev == nil }

// eval returns the value for this request.
func (v *value) eval(x *exchange) (any, error) {
	if v.ev == nil {
		return v.lit, nil
	}
	x.syncContext()
	if v.elapsed {
		x.ec.Elapsed = x.g.now().Sub(x.start)
	}
	out, err := v.ev.Run(&x.ec)
	if err != nil {
		return nil, perr("expression", ReasonExpression, 500, "%s: %v", v.pos, err)
	}
	return out, nil
}

// str evaluates the value as a string.
func (v *value) str(x *exchange) (string, error) {
	if v.ev == nil {
		return v.lit, nil
	}
	out, err := v.eval(x)
	if err != nil {
		return "", err
	}
	return toString(out), nil
}

// boolean evaluates the value as a condition.
func (v *value) boolean(x *exchange) (bool, error) {
	out, err := v.eval(x)
	if err != nil {
		return false, err
	}
	switch b := out.(type) {
	case bool:
		return b, nil
	case string:
		if r, err := strconv.ParseBool(strings.TrimSpace(b)); err == nil {
			return r, nil
		}
	}
	return false, perr("expression", ReasonExpression, 500, "%s: condition is %T, not a boolean", v.pos, out)
}

// integer evaluates the value as an int.
func (v *value) integer(x *exchange) (int, error) {
	out, err := v.eval(x)
	if err != nil {
		return 0, err
	}
	switch n := out.(type) {
	case int:
		return n, nil
	case int64:
		return int(n), nil
	case float64:
		return int(n), nil
	case string:
		if r, err := strconv.Atoi(strings.TrimSpace(n)); err == nil {
			return r, nil
		}
	}
	return 0, perr("expression", ReasonExpression, 500, "%s: value is %T, not an integer", v.pos, out)
}

// toString renders an expression result the way APIM writes values into
// headers and bodies.
func toString(v any) string {
	switch s := v.(type) {
	case nil:
		return ""
	case string:
		return s
	case bool:
		if s {
			return "True" // .NET's Boolean.ToString()
		}
		return "False"
	case int:
		return strconv.Itoa(s)
	case int64:
		return strconv.FormatInt(s, 10)
	case float64:
		return strconv.FormatFloat(s, 'f', -1, 64)
	case fmt.Stringer:
		return s.String()
	}
	return fmt.Sprint(v)
}

// attrValue compiles attribute name of e; nil when absent.
func (c *compiler) attrValue(e *policy.Element, name string) *value {
	a := e.Attr(name)
	if a == nil {
		return nil
	}
	if a.Expr != nil {
		return c.exprValue(a.Expr)
	}
	return &value{lit: a.Value, pos: a.ValuePos}
}

// textValue compiles e's text: one whole expression or a literal.
func (c *compiler) textValue(e *policy.Element) *value {
	if e.TextExpr != nil {
		return c.exprValue(e.TextExpr)
	}
	return &value{lit: e.Text, pos: e.TextPos}
}

func (c *compiler) exprValue(x *policy.Expr) *value {
	ev, err := c.opts.Expressions(x.Src, x.Block, x.Pos)
	if err != nil {
		c.fail(x.Pos, "policy expression: %v", err)
		return &value{pos: x.Pos}
	}
	elapsed := true
	if s, ok := ev.(interface{ Source() string }); ok {
		elapsed = strings.Contains(s.Source(), "Elapsed")
	}
	return &value{ev: ev, pos: x.Pos, elapsed: elapsed}
}
