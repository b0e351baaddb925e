package rules

import (
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/liquid"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// LiquidTemplateInvalid reports <set-body template="liquid"> templates
// that do not compile: a filter APIM does not support (a Shopify
// snake_case name instead of APIM's Pascal-case one, most often) or a
// Liquid syntax error. The gateway refuses the same templates at load:
// both ask apim/liquid.
var LiquidTemplateInvalid = &lint.Rule{
	ID:       "APIM417",
	Name:     "liquid-template-invalid",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A set-body Liquid template uses a filter APIM does not support, or does not parse",
		Why: "`set-body template=\"liquid\"` runs DotLiquid in \"C# mode\" (Learn, \"Set body\", " +
			"https://learn.microsoft.com/azure/api-management/set-body-policy#using-liquid-templates-with-set-body): " +
			"\"The policy requires Pascal casing for Liquid filter names (for example, \"AtLeast\" " +
			"instead of \"at_least\")\", and only the filters of the page's \"Supported Liquid " +
			"filters\" list exist. The Shopify names found in Liquid tutorials (`upcase`, `date`, " +
			"`at_least`) are not among them, so the output is not transformed as written; an unclosed " +
			"`{% if %}` or an unknown tag does not parse. `apimlab gateway` refuses such a template at load.",
		Fix: "Write the filter's Pascal-case name (`Upcase`, `Date:\"yyyy-MM-dd\"` with a .NET date " +
			"format, `AtLeast`), use only the filters Learn lists, and close every block tag.",
		Bad:   `<set-body template="liquid">{"name": "{{body.name | upcase}}"}</set-body>`,
		Good:  `<set-body template="liquid">{"name": "{{body.name | Upcase}}"}</set-body>`,
		Since: "0.2.0",
	},
	Check: checkLiquidTemplateInvalid,
}

func checkLiquidTemplateInvalid(pass *lint.Pass) {
	var eng *liquid.Engine
	walkServicePolicies(pass, []string{"set-body"}, func(src *apim.PolicyDoc, subj lint.Subject, e *policy.Element) bool {
		if !strings.EqualFold(strings.TrimSpace(e.AttrValue("template", "")), "liquid") {
			return true
		}
		if eng == nil {
			eng = liquid.NewEngine(nil)
		}
		_, probs := eng.Compile(e)
		for _, p := range probs {
			pos := p.Pos
			if src.Embedded || !pos.IsValid() {
				pos = e.Pos // inside a JSON string: point at the element
			}
			fix := p.Fix
			if fix == "" {
				fix = "use a filter Learn lists, with its Pascal-case name, and close every block tag"
			}
			pass.ReportFixf(pos, subj, fix, "Liquid template of <set-body>: %s", p.Msg)
		}
		return false
	})
}
