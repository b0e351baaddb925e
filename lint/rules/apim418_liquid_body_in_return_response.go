package rules

import (
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/liquid"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// LiquidBodyInReturnResponse reports Liquid set-body templates inside
// return-response that read the body, which is empty there.
var LiquidBodyInReturnResponse = &lint.Rule{
	ID:       "APIM418",
	Name:     "liquid-body-in-return-response",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A Liquid template inside return-response reads the body, which is empty there",
		Why: "Learn, \"Set body\" (https://learn.microsoft.com/azure/api-management/set-body-policy#using-liquid-templates-with-set-body): " +
			"\"Liquid templates use the request/response body in the current execution pipeline as their " +
			"input. For this reason, liquid templates do not work when used inside a return-response " +
			"policy. A return-response policy cancels the current execution pipeline and removes the " +
			"request/response body. As a result, any liquid template used inside the return-response will " +
			"receive an empty string as its input and will not produced the expected output.\" Every " +
			"`body` output of such a template is empty; `apimlab gateway` renders it the same way.",
		Fix: "Transform the body with a set-body outside return-response (outbound, or inbound before the " +
			"return-response), or read what the template needs from context (context.Variables set by " +
			"set-variable before the return-response).",
		Bad: `<return-response>
  <set-body template="liquid">{"id": "{{body.id}}"}</set-body>
</return-response>`,
		Good: `<set-variable name="id" value="@(context.Request.Body.As<JObject>(preserveContent: true)["id"].ToString())" />
<return-response>
  <set-body template="liquid">{"id": "{{context.Variables.id}}"}</set-body>
</return-response>`,
		Since: "0.2.0",
	},
	Check: checkLiquidBodyInReturnResponse,
}

func checkLiquidBodyInReturnResponse(pass *lint.Pass) {
	walkServicePolicies(pass, []string{"set-body"}, func(_ *apim.PolicyDoc, subj lint.Subject, e *policy.Element) bool {
		if !strings.EqualFold(strings.TrimSpace(e.AttrValue("template", "")), "liquid") {
			return true
		}
		in := false
		for p := e.Parent; p != nil; p = p.Parent {
			in = in || p.Name == "return-response"
		}
		if src, _ := liquid.Source(e); in && liquid.ReferencesBody(src) {
			pass.ReportFixf(e.Pos, subj, "transform the body outside return-response, or read context.Variables",
				"the Liquid template of <set-body> inside <return-response> reads body, which is empty there (Learn: \"liquid templates do not work when used inside a return-response policy\")")
		}
		return false
	})
}
