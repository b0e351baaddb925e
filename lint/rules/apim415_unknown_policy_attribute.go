package rules

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// UnknownPolicyAttribute reports attributes that the policy reference does
// not document for their policy.
var UnknownPolicyAttribute = &lint.Rule{
	ID:       "APIM415",
	Name:     "unknown-policy-attribute",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A policy attribute the policy reference does not document",
		Why: "API Management checks a policy document against the policy schema when it is saved " +
			"(a `set-header` holding text instead of `<value>` is refused with a `ValidationError` " +
			"naming the element, line and column; microsoft/vscode-apimanagement#145). An attribute " +
			"that the policy's Microsoft Learn reference does not list is refused on save or, at " +
			"best, never read: `<forward-request timout=\"30\">` keeps the 300-second default, " +
			"`<set-header Exists-Action=\"skip\">` overrides (attribute names are case-sensitive). " +
			"apimlab knows the attributes of the most used policies and their child elements, each " +
			"from its Learn page (https://learn.microsoft.com/azure/api-management/<policy>-policy, " +
			"table in apim/policy/attrs.go); other elements, namespace declarations and prefixed " +
			"attributes are not checked.",
		Fix: "Rename the attribute to the documented one (the message suggests the closest), or remove it.",
		Bad: `<backend>
  <forward-request timout="30" buffer-request-body="true" />
</backend>`,
		Good: `<backend>
  <forward-request timeout="30" buffer-request-body="true" />
</backend>`,
		Since: "0.2.0",
	},
	Check: checkUnknownPolicyAttribute,
}

func checkUnknownPolicyAttribute(pass *lint.Pass) {
	walkServicePolicies(pass, nil, func(_ *apim.PolicyDoc, subj lint.Subject, e *policy.Element) bool {
		for _, a := range e.Attrs {
			if a.Name == "xmlns" || strings.IndexByte(a.Name, ':') >= 0 {
				continue // namespace declarations and prefixed attributes
			}
			_, known, ok := policy.LookupAttribute(e.Name, a.Name)
			if !known {
				return true // the element's attributes are not catalogued
			}
			if ok {
				continue
			}
			hint, fix := "", fmt.Sprintf("remove %s from <%s>", a.Name, e.Name)
			if s := policy.SuggestAttribute(e.Name, a.Name); s != "" {
				hint = fmt.Sprintf("; did you mean %s?", s)
				fix = fmt.Sprintf("rename %s to %s", a.Name, s)
			}
			pass.ReportFixf(a.Pos, subj, fix, "<%s> has no attribute %s in the policy reference%s%s",
				e.Name, a.Name, documented(e.Name), hint)
		}
		return true
	})
}

// documented lists the attributes of an element for a message: " (it takes
// a, b, c)", " (it takes no attributes)".
func documented(elem string) string {
	list, _ := policy.Attributes(elem)
	if len(list) == 0 {
		return " (it takes no attributes)"
	}
	names := make([]string, len(list))
	for i, a := range list {
		names[i] = a.Name
	}
	if len(names) > 6 {
		return ""
	}
	return " (it takes " + strings.Join(names, ", ") + ")"
}
