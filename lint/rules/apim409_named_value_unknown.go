package rules

import (
	"fmt"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// NamedValueUnknown reports {{name}} references to named values that the
// service does not define.
var NamedValueUnknown = &lint.Rule{
	ID:       "APIM409",
	Name:     "named-value-unknown",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A policy references a named value that does not exist",
		Why: "`{{name}}` in a policy is replaced by the named value with that name (or display name) " +
			"when the policy is saved; Azure rejects a policy whose named value does not exist, and a " +
			"deployment that creates the policy before the named value fails the same way. The rule " +
			"runs only when the inputs define named values or declare the service itself: a lone " +
			"policy file, or an APIOps folder without named values, cannot tell a missing named value " +
			"from one defined elsewhere, so its references are not reported.",
		Fix: "Create the named value (secret values in Key Vault), or fix the reference's spelling.",
		Bad: `<set-header name="api-key" exists-action="override">
  <value>{{orders-api-kye}}</value>
</set-header>`,
		Good: `<set-header name="api-key" exists-action="override">
  <value>{{orders-api-key}}</value>
</set-header>`,
		Since: "0.1.0",
	},
	Check: checkNamedValueUnknown,
}

// namedValuesKnown reports whether the inputs say which named values the
// service has: some were loaded, or the service resource itself was
// declared (a full ARM template or REST export).
func namedValuesKnown(svc *apim.Service) bool {
	return len(svc.NamedValues) > 0 || (svc.Name != "" && svc.Pos.IsValid())
}

func checkNamedValueUnknown(pass *lint.Pass) {
	svc := pass.Service
	if !namedValuesKnown(svc) || unresolvedEntities(svc, "namedvalues") {
		return
	}
	for _, p := range servicePolicies(pass).All {
		if p.Doc == nil {
			continue
		}
		for _, r := range p.Doc.NamedValueRefs() {
			if svc.NamedValue(r.Name) != nil || policy.InLiquidTemplate(r.Element) {
				continue // in a Liquid template, {{body.x}} is Liquid's output, not a named value
			}
			fix := fmt.Sprintf("create named value %q or fix the reference", r.Name)
			if s := closestNamedValue(svc, r.Name); s != "" {
				fix = fmt.Sprintf("did you mean {{%s}}?", s)
			}
			pass.ReportDanglingf(apim.KindNamedValues, r.Pos, policySubject(p.Src), fix,
				"{{%s}} references no named value (%d defined)", r.Name, len(svc.NamedValues))
		}
	}
}

// closestNamedValue suggests a defined named value close to name.
func closestNamedValue(svc *apim.Service, name string) string {
	var cands []string
	for _, nv := range svc.NamedValues {
		cands = append(cands, nv.Name, nv.DisplayName.Value)
	}
	return closestName(name, cands)
}
