package rules

import (
	"fmt"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// SetBackendServiceInvalid reports set-backend-service elements with both or
// neither of base-url and backend-id (errors), and a base-url that cannot
// override a backend-id set in an enclosing scope (warning).
var SetBackendServiceInvalid = &lint.Rule{
	ID:       "APIM403",
	Name:     "set-backend-service-invalid",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "set-backend-service needs exactly one of base-url and backend-id",
		Why: "`set-backend-service` takes either `base-url` or `backend-id` (Learn, set-backend-service: " +
			"\"One of base-url or backend-id must be present\"); apimlab reports both or neither as an " +
			"error. A subtler mistake is a `base-url` in an API or operation policy that runs after a " +
			"`backend-id` set by an enclosing scope (global, product or API, inherited through " +
			"<base/>): Learn's usage notes say such a backend-id \"can only be overridden with a policy " +
			"using the backend-id attribute, not the base-url attribute\", so the inner URL does not " +
			"take effect and requests keep going to the outer backend. apimlab merges the scopes " +
			"(global → product → API → operation, fragments expanded) to find such statements and " +
			"reports them as warnings (Azure accepts the policy; it just does not do what it says).",
		Fix: "Keep exactly one of the attributes; to route an operation elsewhere below an inherited " +
			"backend-id, point backend-id at another backend entity (declare one for the URL).",
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
		for _, e := range setBackendServices(p) {
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
// written in an enclosing scope, in the merged policy of every scope chain:
// Azure lets only another backend-id override an inherited backend-id
// (Learn, set-backend-service, usage notes), so the base-url does not
// take effect and the outer backend stays in effect (docs/semantics.md).
func checkInheritedOverride(pass *lint.Pass, set *policySet) {
	svc := pass.Service
	type key struct{ base, id apim.Position }
	seen := map[key]bool{}
	for _, c := range serviceChains(pass) {
		if !set.chainUses(c, "set-backend-service") {
			continue
		}
		eff, origin, ok := set.effective(svc, c)
		if !ok {
			continue
		}
		r := newRoute(svc, c, origin)
		var lastID *policy.Element
		for _, s := range []policy.Section{policy.Inbound, policy.Backend} {
			for _, stmt := range eff.Section(s) {
				stmt.Walk(func(e *policy.Element) bool {
					if e.Name != "set-backend-service" {
						return !isFreeForm(e.Name)
					}
					if !r.Apply(e) {
						if e.Attr("backend-id") != nil && e.Attr("base-url") == nil {
							lastID = e
						}
						return false
					}
					base := e.Attr("base-url")
					k := key{base.Pos, lastID.Pos}
					if seen[k] {
						return false
					}
					seen[k] = true
					id := lastID.Attr("backend-id").Source
					pass.Report(lint.Finding{
						Rule: pass.Rule.ID, Name: pass.Rule.Name, Severity: lint.Warning,
						Pos: base.Pos, Subject: policySubject(origin[e.Node]),
						Fix: "to route elsewhere, use backend-id (Azure accepts only backend-id here)",
						Message: fmt.Sprintf("base-url %q cannot override backend-id %q set by %s (%s): Azure lets an inherited "+
							"backend-id be overridden only by another backend-id, so requests here still go to backend %q",
							redactURL(base.Source), id, describeDoc(origin[lastID.Node]), lineOf(lastID.Pos), id),
					})
					return false
				})
			}
		}
	}
}
