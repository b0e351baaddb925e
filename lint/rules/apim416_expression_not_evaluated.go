package rules

import (
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// ExpressionNotEvaluated reports policy expressions written in attributes
// that the policy reference says take no expression.
var ExpressionNotEvaluated = &lint.Rule{
	ID:       "APIM416",
	Name:     "expression-not-evaluated",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A policy expression where the policy takes none",
		Why: "Most policy attributes accept a policy expression, but not all: the Microsoft Learn " +
			"reference marks some \"Policy expressions aren't allowed\" — `rate-limit` and `quota` " +
			"calls, bandwidth and renewal-period, `quota-by-key` calls, bandwidth, renewal-period and " +
			"first-period-start, `limit-concurrency` max-count, `set-variable` name, the header and " +
			"variable names of `rate-limit(-by-key)`, `azure-openai-token-limit` and `llm-token-limit`, " +
			"`caching-type` and `cache-lookup-value` variable-name, `log-to-eventhub` logger-id and " +
			"partition-id, `emit-metric` name and namespace, `authentication-managed-identity` " +
			"client-id and output-token-variable-name, `validate-jwt` output-token-variable-name, " +
			"`return-response` response-variable-name, `forward-request` buffer-response, `send-request` " +
			"ignore-error, `trace` source and severity, `set-body` xsi-nil and parse-date, `json-to-xml` " +
			"parse-date, `validate-parameters` and `validate-headers` errors-variable-name (each on its policy's page, " +
			"https://learn.microsoft.com/azure/api-management/<policy>-policy). An `@(…)` or `@{…}` " +
			"there is not evaluated as an expression, so the value the author computed never reaches " +
			"the policy.",
		Fix: "Write a literal value (a {{named value}} is substituted before the policy runs), or use " +
			"the variant of the policy that takes expressions (`rate-limit-by-key` and `quota-by-key` " +
			"accept an expression for calls and renewal-period).",
		Bad:   `<rate-limit calls="@(context.Product.Name == "Gold" ? 100 : 10)" renewal-period="60" />`,
		Good:  `<rate-limit-by-key calls="@(context.Product.Name == "Gold" ? 100 : 10)" renewal-period="60" counter-key="@(context.Subscription.Id)" />`,
		Since: "0.2.0",
	},
	Check: checkExpressionNotEvaluated,
}

func checkExpressionNotEvaluated(pass *lint.Pass) {
	walkServicePolicies(pass, nil, func(_ *apim.PolicyDoc, subj lint.Subject, e *policy.Element) bool {
		for _, a := range e.Attrs {
			if a.Expr == nil && !strings.Contains(a.Source, "@(") && !strings.Contains(a.Source, "@{") {
				continue
			}
			if def, _, ok := policy.LookupAttribute(e.Name, a.Name); !ok || !def.Literal {
				continue
			}
			pass.ReportFixf(a.Pos, subj, "write a literal value, or use a policy that takes an expression here",
				"<%s> %s takes no policy expression (Learn: \"Policy expressions aren't allowed\"): %s is not evaluated as one",
				e.Name, a.Name, clip(a.Source, 60))
		}
		return true
	})
}
