package rules

import (
	"regexp"
	"slices"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/apim/policyexpr"
	"github.com/apimlab/apimlab/lint"
)

// BackendIDFromClient reports set-backend-service backend-id values taken
// from what the client sends.
var BackendIDFromClient = &lint.Rule{
	ID:       "APIM413",
	Name:     "backend-id-from-client",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "The backend is chosen by a value the client controls",
		Why: "`set-backend-service backend-id` accepts a policy expression (Learn, " +
			"set-backend-service). When that expression returns a request header, query parameter, " +
			"path or body value — directly or through a variable set from one — any client can " +
			"route its request to any backend entity of the service by naming it, including " +
			"internal ones and ones whose credentials the gateway adds. Choosing among fixed " +
			"names with a condition (`region == \"eu\" ? \"orders-eu\" : \"orders-us\"`) is fine and " +
			"not reported: only a client value that can become the id is.",
		Fix: "Map the client value to a fixed set of backend ids (a choose/when, or a ternary of " +
			"literals), or validate it against an allow-list before using it.",
		Bad:   `<set-backend-service backend-id="@(context.Request.Headers.GetValueOrDefault("X-Backend", "orders"))" />`,
		Good:  `<set-backend-service backend-id="@(context.Request.Headers.GetValueOrDefault("X-Region", "") == "eu" ? "orders-eu" : "orders-us")" />`,
		Since: "0.2.0",
	},
	Check: checkBackendIDFromClient,
}

// clientRead matches a read of a client-controlled request value.
var clientRead = regexp.MustCompile(`context\s*\.\s*Request\s*\.\s*(Headers|Url\s*\.\s*(Query|Path|QueryString)|OriginalUrl|MatchedParameters|Body)\b`)

// clientGet matches the start of a GetValueOrDefault on client values.
var clientGet = regexp.MustCompile(`context\s*\.\s*Request\s*\.\s*(Headers|Url\s*\.\s*Query|OriginalUrl\s*\.\s*Query|MatchedParameters)\s*\.\s*GetValueOrDefault\s*(<[^>]*>)?\s*\(`)

// varRead matches a read of a context variable and captures its name.
var varRead = regexp.MustCompile(`context\s*\.\s*Variables\s*(\[\s*"([^"]+)"\s*\]|\.\s*GetValueOrDefault\s*(<[^>]*>)?\s*\(\s*"([^"]+)")`)

// clientValued reports whether expression x can evaluate to a client value:
// it reads one and a read is in a result position (not only compared).
func clientValued(x *policy.Expr, tainted map[string]bool) bool {
	src := x.Src
	reads := clientRead.MatchString(src)
	for _, m := range varRead.FindAllStringSubmatch(src, -1) {
		if tainted[m[2]] || tainted[m[4]] {
			reads = true
		}
	}
	if !reads {
		return false
	}
	if _, ok := policyexpr.ResultLiterals(src, x.Block); !ok {
		return true // some result is not a literal, and client values are read
	}
	// All results look literal, but a GetValueOrDefault's default is taken
	// for its result: check whether such a call is itself a result (not
	// followed by a comparison or a member access).
	for _, loc := range clientGet.FindAllStringIndex(src, -1) {
		if end := closingParen(src, loc[1]-1); end > 0 {
			rest := strings.TrimSpace(src[end+1:])
			if rest == "" || strings.HasPrefix(rest, ";") || strings.HasPrefix(rest, "??") ||
				strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, ")") {
				return true
			}
		}
	}
	return false
}

// closingParen returns the index of the parenthesis closing the one at
// open in s (string literals skipped), or -1.
func closingParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func checkBackendIDFromClient(pass *lint.Pass) {
	svc := pass.Service
	set := servicePolicies(pass)
	seen := map[apim.Position]bool{}
	chains := slices.Clip(serviceChains(pass))
	covered := chainDocs(chains)
	for _, p := range set.All {
		// Documents no chain runs are checked on their own.
		if p.Doc != nil && !p.Doc.IsFragment() && !covered[p.Src] {
			chains = append(chains, scopeChain{Label: p.Src.Owner, Layers: []*apim.PolicyDoc{p.Src}})
		}
	}
	for _, c := range chains {
		if !set.chainUses(c, "set-backend-service") {
			continue
		}
		eff, origin, ok := set.effective(svc, c)
		if !ok {
			continue
		}
		tainted := map[string]bool{}
		for _, s := range []policy.Section{policy.Inbound, policy.Backend} {
			for _, stmt := range eff.Section(s) {
				stmt.Walk(func(e *policy.Element) bool {
					switch e.Name {
					case "set-variable":
						if a := e.Attr("value"); a != nil && a.Expr != nil && clientValued(a.Expr, tainted) {
							tainted[e.AttrValue("name", "")] = true
						}
						return false
					case "set-backend-service":
						a := e.Attr("backend-id")
						if a == nil || a.Expr == nil || seen[a.Pos] || !clientValued(a.Expr, tainted) {
							return false
						}
						seen[a.Pos] = true
						if doc := origin[e.Node]; doc != nil {
							pass.ReportFixf(a.Pos, policySubject(doc), "map the client value to a fixed set of backend ids",
								"set-backend-service backend-id comes from a value the client sends (%s): "+
									"any caller can route itself to any backend entity of the service", c.Label)
						}
						return false
					}
					return !isFreeForm(e.Name)
				})
			}
		}
	}
}

// chainDocs returns the documents the chains run.
func chainDocs(chains []scopeChain) map[*apim.PolicyDoc]bool {
	out := map[*apim.PolicyDoc]bool{}
	for _, c := range chains {
		for _, l := range c.Layers {
			if l != nil {
				out[l] = true
			}
		}
	}
	return out
}
