package policyexpr

import "testing"

// TestConstantPattern: C# 7 constant patterns (x is "eu", x is 42,
// x is true, with not) are valid expressions, true when the value has the
// constant's type and value (object.Equals). Found in review: the parser
// refused them, so lint APIM404 called valid C# an error.
func TestConstantPattern(t *testing.T) {
	ctx := func() *Context {
		c := interpContext()
		c.Variables["region"] = "eu"
		c.Variables["count"] = 42
		c.Variables["flag"] = true
		return c
	}
	runInterpCases(t, []interpCase{
		{src: `context.Variables["region"] is "eu"`, want: true, ctx: ctx},
		{src: `context.Variables["region"] is "us"`, want: false, ctx: ctx},
		{src: `context.Variables["region"] is not "us"`, want: true, ctx: ctx},
		{src: `context.Variables["count"] is 42`, want: true, ctx: ctx},
		{src: `context.Variables["count"] is "42"`, want: false, ctx: ctx},
		{src: `context.Variables["flag"] is true`, want: true, ctx: ctx},
		{src: `context.Variables.GetValueOrDefault("missing") is "eu"`, want: false, ctx: ctx},
		{src: `context.Variables["region"] is "eu" ? "eu-pool" : "us-pool"`, want: "eu-pool", ctx: ctx},
	})
	if err := Check(`context.Request.Headers.GetValueOrDefault("X","") is "eu" ? "a" : "b"`, false); err != nil {
		t.Errorf("Check: %v", err)
	}
	if lits, ok := ResultLiterals(`context.Request.Headers.GetValueOrDefault("X","") is "eu" ? "a" : "b"`, false); !ok || len(lits) != 2 {
		t.Errorf("ResultLiterals = %q, %v; want [a b], true", lits, ok)
	}
}
