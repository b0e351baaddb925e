package rules

import (
	"fmt"

	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// UnknownPolicy reports policy elements that API Management does not know.
var UnknownPolicy = &lint.Rule{
	ID:       "APIM406",
	Name:     "unknown-policy",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "Unknown policy element",
		Why: "API Management rejects a policy document with an element it does not know, so a typo " +
			"(`<set-heder>`) or a policy invented from another product (`<circuit-breaker>`: breakers " +
			"are configured on the backend entity, not in policy) fails the deployment. apimlab knows " +
			"the policies of the Microsoft Learn policy reference and their child elements. Content " +
			"that is not policy markup (XSLT inside `xsl-transform`, bodies, elements with a " +
			"namespace prefix) is not checked.",
		Fix: "Fix the element name (the message suggests the closest known one), or move the " +
			"behaviour to where APIM configures it (circuit breakers: the backend's `circuitBreaker`).",
		Bad: `<inbound>
  <base />
  <set-heder name="x-request-id" exists-action="skip">
    <value>@(context.RequestId.ToString())</value>
  </set-heder>
</inbound>`,
		Good: `<inbound>
  <base />
  <set-header name="x-request-id" exists-action="skip">
    <value>@(context.RequestId.ToString())</value>
  </set-header>
</inbound>`,
		Since: "0.1.0",
	},
	Check: checkUnknownPolicy,
}

// unknownHints explains element names people borrow from elsewhere.
var unknownHints = map[string]string{
	"circuit-breaker": "circuit breakers are configured on the backend entity (properties.circuitBreaker), not in policy",
	"load-balancer":   "load balancing is a backend of type Pool (properties.pool), routed to with set-backend-service backend-id",
	"backend-pool":    "pools are backend entities of type Pool, routed to with set-backend-service backend-id",
	"timeout":         "the backend timeout is the timeout attribute of forward-request",
}

func checkUnknownPolicy(pass *lint.Pass) {
	for _, p := range servicePolicies(pass).All {
		if p.Doc == nil {
			continue
		}
		p.walk(func(e *policy.Element) bool {
			if _, ok := policy.KindOf(e.Name); ok {
				return true
			}
			hint := ""
			switch s := policy.Suggest(e.Name); {
			case unknownHints[e.Name] != "":
				hint = "; " + unknownHints[e.Name]
			case s != "":
				hint = fmt.Sprintf("; did you mean <%s>?", s)
			}
			where := "policy document"
			if e.Parent != nil {
				where = "<" + e.Parent.Name + ">"
			}
			pass.ReportFixf(e.Pos, policySubject(p.Src), fixForUnknown(e.Name),
				"unknown policy element <%s> in %s%s", e.Name, where, hint)
			return false // its content is unknown too
		})
	}
}

func fixForUnknown(name string) string {
	if s := policy.Suggest(name); s != "" {
		return fmt.Sprintf("rename <%s> to <%s>", name, s)
	}
	return fmt.Sprintf("remove <%s> or replace it with a known policy", name)
}
