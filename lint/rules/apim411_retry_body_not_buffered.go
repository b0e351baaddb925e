package rules

import (
	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// RetryBodyNotBuffered reports forward-request elements inside a retry
// that do not buffer the request body, on operations that take one.
var RetryBodyNotBuffered = &lint.Rule{
	ID:       "APIM411",
	Name:     "retry-body-not-buffered",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A retried forward-request does not buffer the request body",
		Why: "`forward-request` reads the request body as a stream. Its `buffer-request-body` " +
			"attribute (default false) is what keeps it: Learn, forward-request: \"When set to true, " +
			"request is buffered and will be reused on retry\". Without it, a `retry` around " +
			"`forward-request` on a POST, PUT or PATCH operation has no buffered body to send " +
			"again, so a retried call can reach the backend without the payload the client sent. " +
			"apimlab follows " +
			"the merged scopes of every operation whose method takes a body, and fragments included " +
			"inside the retry; operations with other methods, and lone policy files whose operation " +
			"is unknown, are not reported.",
		Fix: "Set `buffer-request-body=\"true\"` on the forward-request inside the retry.",
		Bad: `<backend>
  <retry condition="@(context.Response.StatusCode == 503)" count="2" interval="1">
    <forward-request />
  </retry>
</backend>`,
		Good: `<backend>
  <retry condition="@(context.Response.StatusCode == 503)" count="2" interval="1">
    <forward-request buffer-request-body="true" />
  </retry>
</backend>`,
		Since: "0.2.0",
	},
	Check: checkRetryBodyNotBuffered,
}

func checkRetryBodyNotBuffered(pass *lint.Pass) {
	svc := pass.Service
	set := servicePolicies(pass)
	seen := map[apim.Position]bool{}
	for _, c := range serviceChains(pass) {
		if !c.carriesBody() || !set.chainUses(c, "retry") {
			continue
		}
		eff, origin, ok := set.effective(svc, c)
		if !ok {
			continue
		}
		for _, s := range []policy.Section{policy.Inbound, policy.Backend} {
			for _, stmt := range eff.Section(s) {
				stmt.Walk(func(e *policy.Element) bool {
					if e.Name != "retry" {
						return !isFreeForm(e.Name)
					}
					for _, fr := range forwardRequests(svc, set, e) {
						a := fr.Attr("buffer-request-body")
						if a != nil && (!literalValue(a) || a.Value != "false") {
							continue // true, or an expression: not known to be off
						}
						if seen[fr.Pos] {
							continue
						}
						seen[fr.Pos] = true
						doc := origin[fr.Node] // fragments' elements too
						if doc == nil {
							continue
						}
						pos := fr.Pos
						if a != nil {
							pos = a.Pos
						}
						pass.ReportFixf(pos, policySubject(doc), `set buffer-request-body="true"`,
							"forward-request inside a retry does not buffer the request body (%s takes a %s body): "+
								"Learn: only with buffer-request-body=\"true\" is the request \"buffered and reused on retry\", "+
								"so a retried call can go out without the client's payload",
							c.Label, c.Op.Method.Value)
					}
					return false
				})
			}
		}
	}
}
