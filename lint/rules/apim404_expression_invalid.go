package rules

import (
	"errors"
	"strconv"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/apim/policyexpr"
	"github.com/apimlab/apimlab/lint"
)

// ExpressionInvalid reports policy expressions that are not valid C#.
var ExpressionInvalid = &lint.Rule{
	ID:       "APIM404",
	Name:     "expression-invalid",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A policy expression does not parse",
		Why: "API Management compiles every `@(…)` and `@{…}` policy expression when the policy is " +
			"saved and rejects the document when one is not valid C# (a dangling operator, a " +
			"missing semicolon in a block, an unknown token). apimlab parses expressions with its " +
			"own C# reader (the one its gateway runs) and reports syntax errors with their position " +
			"(an `@(` without its closing parenthesis is not recognised as an expression and is not " +
			"checked). Valid C# is never reported: local functions, lambdas, `?.` and null " +
			"comparisons on context members (`context.Product == null`, `context.Response != null`) " +
			"parse, and constructs the gateway does not run are another matter (`apimlab inspect` " +
			"lists them), not an error here.",
		Fix: "Fix the expression at the reported position.",
		Bad: `<set-header name="x-user" exists-action="override">
  <value>@(context.User.Email.ToLower() +)</value>
</set-header>`,
		Good: `<set-header name="x-user" exists-action="override">
  <value>@(context.User.Email.ToLower())</value>
</set-header>`,
		Since: "0.1.0",
	},
	Check: checkExpressionInvalid,
}

func checkExpressionInvalid(pass *lint.Pass) {
	walkServicePolicies(pass, nil, func(src *apim.PolicyDoc, subj lint.Subject, e *policy.Element) bool {
		for _, a := range e.Attrs {
			if a.Expr != nil {
				checkExpr(pass, src, subj, a.Expr, "attribute "+a.Name+" of <"+e.Name+">")
			}
		}
		if e.Name == "set-body" && strings.EqualFold(e.AttrValue("template", ""), "liquid") {
			return true // a Liquid template, not C#
		}
		for _, x := range e.Exprs {
			checkExpr(pass, src, subj, x, "<"+e.Name+">")
		}
		return true
	})
}

// checkExpr checks one expression with policyexpr.Check, the reading the
// gateway compiles (the typed engine, and the interpreter for C# outside
// its subset: local functions, lambdas, null checks on context members),
// without building the program, and reports a syntax error. Type errors
// and constructs neither engine runs may be gaps of the emulation, not
// code Azure rejects: valid C# must never be an error, so only syntax
// errors are reported.
func checkExpr(pass *lint.Pass, doc *apim.PolicyDoc, subj lint.Subject, x *policy.Expr, where string) {
	err := policyexpr.Check(x.Src, x.Block)
	var perr *policyexpr.Error
	if err == nil || !errors.As(err, &perr) || !errors.Is(err, policyexpr.ErrSyntax) {
		return
	}
	// perr.Pos counts from line 1, column 1 of the expression source.
	pos := x.Pos
	msg := perr.Msg
	switch {
	case doc.Embedded || !pos.IsValid():
		// Inside a JSON string: point at the string, say where inside.
		msg += " (line " + strconv.Itoa(perr.Pos.Line) + ", column " + strconv.Itoa(perr.Pos.Col) + " of the expression)"
	case perr.Pos.Line <= 1:
		pos.Col += 2 + perr.Pos.Col - 1 // after "@(" or "@{"
	default:
		pos.Line += perr.Pos.Line - 1
		pos.Col = perr.Pos.Col
	}
	pass.ReportFixf(pos, subj, "fix the C# syntax of the expression",
		"policy expression in %s does not parse: %s", where, msg)
}
