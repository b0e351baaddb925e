package rules

import (
	"fmt"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// MissingBase reports sections of product, API and operation policies that
// do not include <base/>.
var MissingBase = &lint.Rule{
	ID:       "APIM405",
	Name:     "missing-base",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A policy section does not include <base/>",
		Why: "In a product, API or operation policy, `<base/>` runs the enclosing scope's policy for " +
			"that section. A section without it silently discards everything the outer scopes do " +
			"there — global authentication, rate limits, CORS, the backend an API policy chose, " +
			"error handling — for this scope only, which is rarely intended and easy to miss in " +
			"review. The global policy and policy fragments have no enclosing scope and are not " +
			"checked; a standalone policy file is checked as an API policy. A section that is absent " +
			"altogether inherits the outer policy and is fine, and a <backend> section that has its " +
			"own forward-request (say, inside a retry, or in a policy fragment it includes) leaves out " +
			"<base/> on purpose: inheriting the " +
			"outer forward-request would call the backend twice. An empty <backend/> is the way to " +
			"not call a backend at all (Learn, forward-request: \"Removing this policy results in the " +
			"request not being forwarded to the backend service. Policies in the outbound section are " +
			"evaluated immediately upon the successful completion of the policies in the inbound " +
			"section.\"), as in policies that build the response themselves, and is not reported either.",
		Fix: "Add `<base />` to the section (usually first), or suppress the finding with a reason " +
			"when discarding the outer policy is deliberate.",
		Bad: `<policies>
  <inbound>
    <set-backend-service backend-id="orders" />
  </inbound>
</policies>`,
		Good: `<policies>
  <inbound>
    <base />
    <set-backend-service backend-id="orders" />
  </inbound>
</policies>`,
		Since: "0.1.0",
	},
	Check: checkMissingBase,
}

func checkMissingBase(pass *lint.Pass) {
	set := servicePolicies(pass)
	for _, p := range set.All {
		if p.Doc == nil || p.Doc.IsFragment() {
			continue
		}
		switch p.Src.Scope {
		case apim.ScopeProduct, apim.ScopeAPI, apim.ScopeOperation:
		default:
			continue
		}
		for _, s := range policy.Sections() {
			sec := p.Doc.Section(s)
			if sec == nil || sec.Child("base") != nil {
				continue
			}
			if s == policy.Backend && forwardsRequest(pass.Service, set, sec) {
				// The section forwards the request itself (often inside a
				// retry, or from an included fragment): inheriting the
				// outer forward-request would call the backend twice, so
				// leaving out <base/> is the pattern.
				continue
			}
			if s == policy.Backend && len(sec.Children) == 0 && sec.Text == "" {
				// An empty <backend/> deliberately calls no backend: the
				// outbound section runs right after inbound (the OAuth
				// endpoints of Azure-Samples/AI-Gateway's
				// mcp-client-authorization lab, token.policy.xml).
				continue
			}
			nested := ""
			sec.Walk(func(e *policy.Element) bool {
				if e != sec && e.Name == "base" && nested == "" {
					nested = fmt.Sprintf(" (the <base/> at %s is nested in <%s>; only a direct child of the section inherits)",
						lineOf(e.Pos), e.Parent.Name)
				}
				return nested == ""
			})
			pass.ReportFixf(sec.Pos, policySubject(p.Src), "add <base /> to <"+string(s)+">",
				"<%s> of %s has no <base/>: the %s policies of the enclosing scopes do not run%s",
				s, describeDoc(p.Src), s, nested)
		}
	}
}
