package rules

import (
	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// SetBackendServiceInvalid reports set-backend-service elements with both or
// neither of base-url and backend-id, and a base-url that overrides a
// backend-id set in an enclosing scope.
var SetBackendServiceInvalid = &lint.Rule{
	ID:       "APIM403",
	Name:     "set-backend-service-invalid",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "set-backend-service needs exactly one of base-url and backend-id",
		Why: "`set-backend-service` takes either `base-url` or `backend-id`; Azure rejects the policy " +
			"with both or neither. A subtler mistake is a `base-url` in an API or operation policy " +
			"that runs after a `backend-id` set by an enclosing scope (global, product or API, " +
			"inherited through <base/>): the inner URL wins, so the backend entity the outer scope " +
			"chose — its pool, circuit breaker, TLS settings and credentials — is silently bypassed " +
			"for that API or operation. apimlab merges the scopes (global → product → API → " +
			"operation, fragments expanded) to find such overrides.",
		Fix: "Keep exactly one of the attributes; to route an operation elsewhere, point backend-id " +
			"at another backend entity instead of overriding with a URL.",
		Bad: `<inbound>
  <base />
  <set-backend-service base-url="https://orders.contoso.com" backend-id="orders" />
</inbound>`,
		Good: `<inbound>
  <base />
  <set-backend-service backend-id="orders" />
</inbound>`,
		Since: "0.1.0",
	},
	Check: checkSetBackendServiceInvalid,
}

func checkSetBackendServiceInvalid(pass *lint.Pass) {
	set := servicePolicies(pass)
	for _, p := range set.All {
		if p.Doc == nil {
			continue
		}
		for _, e := range setBackendServices(p.Doc) {
			base, id := e.Attr("base-url"), e.Attr("backend-id")
			switch {
			case base != nil && id != nil:
				pass.ReportFixf(base.Pos, policySubject(p.Src), "remove base-url or backend-id",
					"set-backend-service has both base-url and backend-id %q; Azure requires exactly one", id.Source)
			case base == nil && id == nil:
				pass.ReportFixf(e.Pos, policySubject(p.Src), `add backend-id="<backend>" (or base-url)`,
					"set-backend-service has neither base-url nor backend-id; Azure requires exactly one")
			}
		}
	}
	checkInheritedOverride(pass, set)
}

// checkInheritedOverride reports a base-url that runs after a backend-id
// written in an enclosing scope, in the merged policy of every scope chain.
func checkInheritedOverride(pass *lint.Pass, set *policySet) {
	svc := pass.Service
	type key struct{ base, id apim.Position }
	seen := map[key]bool{}
	for _, c := range scopeChains(svc) {
		if !set.chainUses(c, "set-backend-service") {
			continue
		}
		eff, origin, ok := set.effective(svc, c)
		if !ok {
			continue
		}
		layer := map[*apim.PolicyDoc]int{}
		for i, l := range c.Layers {
			if l != nil {
				layer[l] = i + 1
			}
		}
		var lastID *policy.Element
		var lastDoc *apim.PolicyDoc
		for _, s := range []policy.Section{policy.Inbound, policy.Backend} {
			for _, stmt := range eff.Section(s) {
				stmt.Walk(func(e *policy.Element) bool {
					if e.Name != "set-backend-service" {
						return !isFreeForm(e.Name)
					}
					doc := origin[e.Node]
					base, id := e.Attr("base-url"), e.Attr("backend-id")
					switch {
					case id != nil && base == nil:
						lastID, lastDoc = e, doc
					case base != nil && id == nil && lastID != nil:
						if layer[lastDoc] == 0 || layer[doc] == 0 || layer[lastDoc] >= layer[doc] {
							return false
						}
						k := key{base.Pos, lastID.Pos}
						if seen[k] {
							return false
						}
						seen[k] = true
						pass.ReportFixf(base.Pos, policySubject(doc), "route with backend-id to another backend entity",
							"base-url %q overrides backend-id %q set by %s (%s): that backend's "+
								"pool, circuit breaker, TLS settings and credentials no longer apply here",
							redactURL(base.Source), lastID.Attr("backend-id").Source, describeDoc(lastDoc), lineOf(lastID.Pos))
					}
					return false
				})
			}
		}
	}
}
