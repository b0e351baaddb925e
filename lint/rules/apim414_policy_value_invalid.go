package rules

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// PolicyValueInvalid reports numeric policy attributes whose literal value
// is not a whole number, deploy-time placeholders left in them, and
// misspelt {{named value}} references.
var PolicyValueInvalid = &lint.Rule{
	ID:       "APIM414",
	Name:     "policy-value-invalid",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A policy attribute holds a value its policy cannot use",
		Why: "Numeric attributes of the policy reference take a number (most also a policy expression): " +
			"`retry` count, interval, delta and max-interval; `rate-limit`, `rate-limit-by-key`, " +
			"`quota` and `quota-by-key` (and their `<api>`/`<operation>`) calls, bandwidth, " +
			"renewal-period and increment-count; `forward-request` timeout, timeout-ms and " +
			"continue-timeout; `send-request` and `send-one-way-request` timeout; `limit-concurrency` " +
			"max-count; `cache-store`, `cache-store-value` and the semantic cache stores' duration; " +
			"the semantic cache lookups' max-message-count; `llm-token-limit` and " +
			"`azure-openai-token-limit` tokens-per-minute and token-quota; `mock-response` " +
			"status-code; `set-status` code; `check-header` failed-check-httpcode; `validate-jwt` " +
			"failed-validation-httpcode. A literal that is not a whole number (\"ten\", \"1.5\", \"PT30S\", an " +
			"unreplaced `RETRY_COUNT`, an expression missing its closing bracket such as " +
			"`@(context.Response.StatusCode`, which the message points out) cannot be used: error. " +
			"A deploy-time placeholder (`{tpm}`, " +
			"`#{count}#`, `$(count)`) is reported as a warning: it is fine if the release pipeline " +
			"replaces it, and what Azure receives if it does not. A `{{name]`, `{{name}` or " +
			"`{name}}` is a named value reference with a typo (Learn, \"Use named values in " +
			"policies\": references are written `{{ContosoHeader}}`): the gateway never substitutes " +
			"it (warning).",
		Fix: "Write a whole number, a policy expression (@(…)) or a {{named value}}; close named value " +
			"references with }}.",
		Bad:   `<retry condition="@(context.Response.StatusCode == 503)" count="RETRY_COUNT" interval="1s">`,
		Good:  `<retry condition="@(context.Response.StatusCode == 503)" count="{{retry-count}}" interval="1">`,
		Since: "0.2.0",
	},
	Check: checkPolicyValueInvalid,
}

// numericAttrs lists the attributes of each policy that take a whole
// number (each on its policy's Learn page: "Integer", a count, seconds,
// an HTTP status code). Attributes that take a fraction (emit-metric
// value, score-threshold) or a timespan (clock-skew) are not listed.
var numericAttrs = map[string][]string{
	"retry":                              {"count", "interval", "delta", "max-interval"},
	"rate-limit":                         {"calls", "renewal-period"},
	"rate-limit-by-key":                  {"calls", "renewal-period", "increment-count"},
	"quota":                              {"calls", "bandwidth", "renewal-period"},
	"quota-by-key":                       {"calls", "bandwidth", "renewal-period"},
	"api":                                {"calls", "bandwidth", "renewal-period"},
	"operation":                          {"calls", "bandwidth", "renewal-period"},
	"forward-request":                    {"timeout", "timeout-ms", "continue-timeout"},
	"send-request":                       {"timeout"},
	"send-one-way-request":               {"timeout"},
	"limit-concurrency":                  {"max-count"},
	"cache-store":                        {"duration"},
	"cache-store-value":                  {"duration"},
	"azure-openai-semantic-cache-store":  {"duration"},
	"llm-semantic-cache-store":           {"duration"},
	"azure-openai-semantic-cache-lookup": {"max-message-count"},
	"llm-semantic-cache-lookup":          {"max-message-count"},
	"llm-token-limit":                    {"tokens-per-minute", "token-quota"},
	"azure-openai-token-limit":           {"tokens-per-minute", "token-quota"},
	"mock-response":                      {"status-code"},
	"set-status":                         {"code"},
	"check-header":                       {"failed-check-httpcode"},
	"validate-jwt":                       {"failed-validation-httpcode"},
}

// namedValueTypo matches a named value reference that is not closed or
// opened with two braces: {{name], {{name}, {name}} (the names are those
// named values allow).
var namedValueTypo = regexp.MustCompile(`\{\{[A-Za-z0-9._-]+(\]|\}(?:[^}]|$))|(?:^|[^{])\{[A-Za-z0-9._-]+\}\}`)

// namedValueTypoIn returns the first match of namedValueTypo in s. Every
// match holds a '{': most attribute values and texts have none, and the
// check skips the regular expression for them (issue 16).
func namedValueTypoIn(s string) string {
	if strings.IndexByte(s, '{') < 0 {
		return ""
	}
	return namedValueTypo.FindString(s)
}

func checkPolicyValueInvalid(pass *lint.Pass) {
	walkServicePolicies(pass, nil, func(_ *apim.PolicyDoc, subj lint.Subject, e *policy.Element) bool {
		for _, a := range e.Attrs {
			if m := namedValueTypoIn(a.Source); m != "" && a.Expr == nil {
				reportSev(pass, lint.Warning, a.Pos, subj, "write the reference as {{name}}",
					"<%s> %s=%q has %q, a named value reference with a typo: the gateway does not substitute it",
					e.Name, a.Name, a.Source, strings.TrimLeft(m, " \t\"'=>"))
			}
		}
		if e.Text != "" && len(e.Children) == 0 {
			if m := namedValueTypoIn(e.Text); m != "" && !strings.Contains(e.Text, "@(") && !strings.Contains(e.Text, "@{") {
				pos := e.TextPos
				if !pos.IsValid() {
					pos = e.Pos
				}
				reportSev(pass, lint.Warning, pos, subj, "write the reference as {{name}}",
					"<%s> text has %q, a named value reference with a typo: the gateway does not substitute it",
					e.Name, strings.TrimLeft(m, " \t\"'=>"))
			}
		}
		for _, name := range numericAttrs[e.Name] {
			a := e.Attr(name)
			if a == nil {
				continue
			}
			v := strings.TrimSpace(a.Value)
			switch a.Kind() {
			case policy.Expression, policy.NamedValue:
				continue
			case policy.Placeholder:
				reportSev(pass, lint.Warning, a.Pos, subj, "make sure the release pipeline replaces it, or write a number",
					"<%s> %s=%q is a deploy-time placeholder, not a number: fine if the pipeline replaces it, what Azure receives if not",
					e.Name, name, a.Source)
				continue
			}
			if policy.HasDeployToken(v) {
				reportSev(pass, lint.Warning, a.Pos, subj, "make sure the release pipeline replaces it, or write a number",
					"<%s> %s=%q is a deploy-time placeholder, not a number: fine if the pipeline replaces it, what Azure receives if not",
					e.Name, name, a.Source)
				continue
			}
			if _, err := strconv.Atoi(v); err == nil {
				continue
			}
			hint, fix := "", "write a whole number, a policy expression or a {{named value}}"
			switch {
			case isAllCaps(v):
				hint = " (a placeholder the pipeline did not replace?)"
			case strings.HasPrefix(v, "@(") || strings.HasPrefix(v, "@{"):
				// An expression whose closing bracket is missing, as in
				// Azure/api-management-policy-snippets "Use custom error
				// messages for jwt-validate policy with on-error handler":
				// <set-status code="@(context.Response.StatusCode" />.
				hint = " (it starts like a policy expression but is not a complete one)"
				fix = "complete the expression: @(…) ends with its ')' and @{…} with its '}'"
			}
			pass.ReportFixf(a.Pos, subj, fix,
				"<%s> %s=%q is not a whole number%s: the attribute takes a number or a policy expression",
				e.Name, name, a.Source, hint)
		}
		return true
	})
}

// isAllCaps reports whether s looks like a placeholder name: RETRY_COUNT.
func isAllCaps(s string) bool {
	if len(s) < 2 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9') {
			return false
		}
	}
	return strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
}
