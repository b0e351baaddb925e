package rules

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// SecretInline reports credentials written as literals in the
// configuration. Messages name where the secret is, never its value.
var SecretInline = &lint.Rule{
	ID:        "APIM501",
	Name:      "secret-inline",
	Severity:  lint.Error,
	Sensitive: true,
	Doc: lint.Doc{
		Title: "A credential is written inline instead of coming from a named value or secure parameter",
		Why: "A password, key or token written into a template or policy ends up in source control, " +
			"deployment history and every copy of the repository, and rotating it means editing and " +
			"redeploying every file that repeats it. apimlab reports literal values of backend " +
			"`credentials` (header and query values, `authorization.parameter`), the backend proxy " +
			"`password`, secret named values whose value is written in the template, " +
			"`authentication-basic` and `authentication-certificate` passwords, URLs with a password " +
			"in their user information (backend url, set-backend-service base-url), and literal values " +
			"of credential headers set by policy (Authorization, api-key, Ocp-Apim-Subscription-Key…). " +
			"Values from `secureString` parameters, Key Vault references, {{named values}} and " +
			"policy expressions are fine. The finding never shows the value.",
		Fix: "Store the secret in a named value marked secret (ideally backed by Key Vault) and " +
			"reference it as {{name}}, or pass it through a secureString parameter.",
		Bad:   `"credentials": { "header": { "x-api-key": [ "3f9c0e…" ] } }`,
		Good:  `"credentials": { "header": { "x-api-key": [ "{{orders-api-key}}" ] } }`,
		Since: "0.1.0",
	},
	Check: checkSecretInline,
}

// credentialHeaders are headers and query parameters whose value is a
// credential when set by policy (lower case).
var credentialHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "api-key": true, "x-api-key": true,
	"apikey": true, "ocp-apim-subscription-key": true, "subscription-key": true,
	"x-functions-key": true, "code": true, "sig": true,
}

// inlineSecret reports whether a configuration value is a literal secret:
// written in the file, not from a secure parameter or Key Vault, not a
// named value reference or a placeholder, and not empty.
func inlineSecret(f apim.Field[string]) bool {
	if !f.Known() || !f.Literal || f.Secure || strings.TrimSpace(f.Value) == "" {
		return false
	}
	return policy.Classify(f.Value) == policy.Literal
}

func checkSecretInline(pass *lint.Pass) {
	svc := pass.Service
	const fix = "reference a secret named value ({{name}}) or a secureString parameter"
	for _, b := range svc.Backends {
		subj := backendSubject(b)
		if c := b.Credentials; c != nil {
			for _, kv := range []struct {
				kind string
				list []apim.KeyValues
			}{{"header", c.Header}, {"query parameter", c.Query}} {
				for _, h := range kv.list {
					for _, v := range h.Values {
						if inlineSecret(v) {
							pass.ReportFixf(v.At(h.Pos), subj, fix,
								"backend %q: credentials %s %q has a literal value", b.Name, kv.kind, h.Name)
						}
					}
				}
			}
			if a := c.Authorization; a != nil && inlineSecret(a.Parameter) {
				pass.ReportFixf(a.Parameter.At(a.Pos), subj, fix,
					"backend %q: credentials authorization parameter (scheme %q) is a literal", b.Name, a.Scheme.Value)
			}
		}
		if inlineSecret(b.URL) && urlHasPassword(b.URL.Value) {
			pass.ReportFixf(b.URL.At(b.Pos), subj, "remove the password from the URL and use credentials.authorization with a named value",
				"backend %q: url carries a password in its user information", b.Name)
		}
		if p := b.Proxy; p != nil && inlineSecret(p.Password) {
			pass.ReportFixf(p.Password.At(p.Pos), subj, fix, "backend %q: proxy password is a literal", b.Name)
		}
	}
	for _, nv := range svc.NamedValues {
		if nv.Secret.Value && nv.KeyVault == nil && inlineSecret(nv.Value) {
			pass.ReportFixf(nv.Value.At(nv.Pos), lint.Subject{Kind: "named-value", Name: nv.Name},
				"pass the value through a secureString parameter or back the named value with Key Vault",
				"secret named value %q has its value written in the file", nv.Name)
		}
	}
	for _, p := range servicePolicies(pass).All {
		if p.Doc != nil {
			checkPolicySecrets(pass, p)
		}
	}
}

func checkPolicySecrets(pass *lint.Pass, p *parsedPolicy) {
	subj := policySubject(p.Src)
	const fix = "use a secret named value: {{name}}"
	walkPolicy(p.Doc, func(e *policy.Element) bool {
		switch e.Name {
		case "authentication-basic", "authentication-certificate":
			if a := e.Attr("password"); literalValue(a) && strings.TrimSpace(a.Value) != "" {
				pass.ReportFixf(a.Pos, subj, fix, "<%s> password is a literal", e.Name)
			}
		case "set-backend-service":
			if a := e.Attr("base-url"); literalValue(a) && urlHasPassword(a.Value) {
				pass.ReportFixf(a.Pos, subj, fix, "set-backend-service base-url carries a password in its user information")
			}
		case "set-header", "set-query-parameter":
			name := strings.ToLower(strings.TrimSpace(e.AttrValue("name", "")))
			if !credentialHeaders[name] {
				return true
			}
			for _, v := range e.ChildrenNamed("value") {
				if v.Text == "" || len(v.Children) > 0 || policy.Classify(v.Text) != policy.Literal {
					continue
				}
				what := "header"
				if e.Name == "set-query-parameter" {
					what = "query parameter"
				}
				pos := v.TextPos
				if !pos.IsValid() {
					pos = v.Pos
				}
				pass.ReportFixf(pos, subj, fix, "%s sets credential %s %q to a literal value",
					fmt.Sprintf("<%s>", e.Name), what, e.AttrValue("name", ""))
			}
		}
		return true
	})
}

// urlHasPassword reports whether s is a URL with a password in its user
// information (https://user:password@host).
func urlHasPassword(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}

// urlHasSecrets reports whether a URL carries a password or a query
// string (keys, SAS signatures): findings about it must not quote it.
func urlHasSecrets(s string) bool {
	if urlHasPassword(s) {
		return true
	}
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && u.RawQuery != ""
}
