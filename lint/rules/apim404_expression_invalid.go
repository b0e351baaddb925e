package rules

import (
	"errors"
	"regexp"
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
			"own C# reader and reports syntax errors with their position (an `@(` without its closing parenthesis is not " +
			"recognised as an expression and is not checked). Valid C# outside the " +
			"subset apimlab emulates (LINQ lambdas, JObject, …) is accepted by Azure and is not " +
			"reported here, and neither is a block that declares a C# 7 local function, which " +
			"apimlab's reader does not parse yet.",
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

// localFunction matches a C# local function declaration at the start of a
// statement: a return type, a name and a parameter list followed by a
// body or an arrow ("int Add(int a, int b) {", "string F(string s) =>").
var localFunction = regexp.MustCompile(`(^|[;{}])\s*(static\s+)?([A-Za-z_][\w.<>,\[\]?]*)\s+([A-Za-z_]\w*)\s*\([^()]*\)\s*(\{|=>)`)

// csKeywords cannot be a local function's return type or name ("else if
// (x) {" is not a declaration).
var csKeywords = map[string]bool{
	"if": true, "else": true, "while": true, "for": true, "foreach": true, "switch": true,
	"catch": true, "using": true, "lock": true, "return": true, "new": true, "do": true,
	"throw": true, "await": true, "case": true, "in": true, "is": true, "as": true,
}

// declaresLocalFunction reports whether a block expression declares a C#
// local function.
func declaresLocalFunction(src string) bool {
	for _, m := range localFunction.FindAllStringSubmatch(src, -1) {
		if !csKeywords[m[3]] && !csKeywords[m[4]] {
			return true
		}
	}
	return false
}

func checkExpressionInvalid(pass *lint.Pass) {
	for _, p := range servicePolicies(pass).All {
		if p.Doc == nil {
			continue
		}
		subj := policySubject(p.Src)
		walkPolicy(p.Doc, func(e *policy.Element) bool {
			for _, a := range e.Attrs {
				if a.Expr != nil {
					checkExpr(pass, p.Src, subj, a.Expr, "attribute "+a.Name+" of <"+e.Name+">")
				}
			}
			if e.Name == "set-body" && strings.EqualFold(e.AttrValue("template", ""), "liquid") {
				return true // a Liquid template, not C#
			}
			for _, x := range e.Exprs {
				checkExpr(pass, p.Src, subj, x, "<"+e.Name+">")
			}
			return true
		})
	}
}

// checkExpr parses one expression and reports a syntax error. It uses
// policyexpr.Translate (parse and type check, no expr-lang compilation):
// only the syntax matters here, and compiling thousands of expressions
// would dominate the lint time.
func checkExpr(pass *lint.Pass, doc *apim.PolicyDoc, subj lint.Subject, x *policy.Expr, where string) {
	_, err := policyexpr.Translate(x.Src, x.Block)
	var perr *policyexpr.Error
	if err == nil || !errors.As(err, &perr) || !errors.Is(err, policyexpr.ErrSyntax) {
		// Unsupported constructs are valid C# Azure accepts; type errors
		// may be gaps of the emulated subset: neither is reported here.
		return
	}
	if x.Block && declaresLocalFunction(x.Src) {
		// C# 7 local functions are valid in policy expressions, and the
		// C# reader does not parse them yet (issue 14): an error in such
		// a block may be the reader's, and valid code must never be an
		// error.
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
