package rules

import (
	"regexp"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// RequestBodyConsumed reports expressions that read the request body
// without preserveContent before the request is forwarded.
var RequestBodyConsumed = &lint.Rule{
	ID:       "APIM412",
	Name:     "request-body-consumed",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "The request body is read without preserveContent before forward-request",
		Why: "Learn (policy expressions, `IMessageBody`): `context.Request.Body.As<T>()` \"uses the " +
			"original message body stream and renders it unavailable after it returns\"; to read a " +
			"copy instead, \"set the preserveContent parameter to true\". Read in the inbound section " +
			"(or in backend before forward-request) without it, the body is gone when the request is " +
			"forwarded: the backend receives an empty body. apimlab follows the merged scopes and " +
			"reports a read with `As<T>()` or `As<T>(preserveContent: false)` unless a `set-body` " +
			"later in the inbound section replaces the body (the usual transform pattern, " +
			"including reading it inside that `set-body`). Operations whose method takes no body " +
			"(GET, HEAD, DELETE…) are not reported, nor policies that may answer the request " +
			"themselves (`return-response`, `mock-response`) without a forward-request before them.",
		Fix: "Read a copy: `context.Request.Body.As<JObject>(preserveContent: true)`.",
		Bad: `<inbound>
  <base />
  <set-variable name="tenant" value="@(context.Request.Body.As<JObject>()["tenant"].ToString())" />
</inbound>`,
		Good: `<inbound>
  <base />
  <set-variable name="tenant" value="@(context.Request.Body.As<JObject>(preserveContent: true)["tenant"].ToString())" />
</inbound>`,
		Since: "0.2.0",
	},
	Check: checkRequestBodyConsumed,
}

// bodyRead matches a read of the request body and captures its arguments.
var bodyRead = regexp.MustCompile(`context\s*\.\s*Request\s*\.\s*Body\s*\??\s*\.\s*As\s*<[^>]*>\s*\(([^()]*)\)`)

// preserves matches arguments that keep the body: preserveContent: true
// or a positional true.
var preserves = regexp.MustCompile(`^\s*(preserveContent\s*:\s*)?true\s*$`)

// consumesBody reports whether expression source src reads the request
// body without keeping it.
func consumesBody(src string) bool {
	for _, m := range bodyRead.FindAllStringSubmatch(src, -1) {
		if !preserves.MatchString(m[1]) {
			return true
		}
	}
	return false
}

func checkRequestBodyConsumed(pass *lint.Pass) {
	svc := pass.Service
	set := servicePolicies(pass)
	seen := map[apim.Position]bool{}
	for _, c := range serviceChains(pass) {
		if c.Op != nil && c.Op.Method.Known() && !c.carriesBody() {
			continue
		}
		eff, origin, ok := set.effective(svc, c)
		if !ok {
			continue
		}
		type read struct {
			pos  apim.Position
			doc  *apim.PolicyDoc
			expr string
		}
		var reads []read
		forwarded, answered := false, false
		for _, s := range []policy.Section{policy.Inbound, policy.Backend} {
			for _, stmt := range eff.Section(s) {
				stmt.Walk(func(e *policy.Element) bool {
					switch {
					case forwarded:
						return false
					case e.Name == "forward-request":
						forwarded = true
						return false
					case e.Name == "return-response" || e.Name == "mock-response":
						answered = true
						return false
					case e.Name == "set-body" && s == policy.Inbound:
						reads = nil // the body is replaced: earlier reads do not matter
						return false
					}
					var exprs []*policy.Expr
					for _, a := range e.Attrs {
						if a.Expr != nil {
							exprs = append(exprs, a.Expr)
						}
					}
					if !isFreeForm(e.Name) || e.Name == "value" {
						exprs = append(exprs, e.Exprs...)
					}
					for _, x := range exprs {
						if consumesBody(x.Src) {
							reads = append(reads, read{x.Pos, origin[e.Node], e.Name})
						}
					}
					return !isFreeForm(e.Name)
				})
			}
		}
		if !forwarded && answered {
			continue // the gateway may answer itself: the read can be the point
		}
		for _, r := range reads {
			if r.doc == nil || seen[r.pos] {
				continue
			}
			seen[r.pos] = true
			pass.ReportFixf(r.pos, policySubject(r.doc), "pass preserveContent: true to As<T>()",
				"<%s> reads context.Request.Body.As<T>() without preserveContent: true before forward-request (%s): "+
					"Learn: the read renders the body stream unavailable, so the backend receives an empty body",
				r.expr, c.Label)
		}
	}
}
