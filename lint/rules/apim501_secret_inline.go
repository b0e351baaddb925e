package rules

import (
	"fmt"
	"net/url"
	"regexp"
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
			"`authentication-basic` and `authentication-certificate` passwords, an `authentication-certificate` " +
			"`body` written as a literal (the certificate and its private key), URLs with a password " +
			"in their user information (backend url, API serviceUrl, set-backend-service base-url), and literal values " +
			"of credential headers set by policy (Authorization, api-key, Ocp-Apim-Subscription-Key…). " +
			"The same values taken directly from a plain `string` template parameter are reported " +
			"too when the parameter's value is written in the repository (its `defaultValue`, or " +
			"a parameters file beside the template): the finding names the parameter and where " +
			"its value is written. One finding per property, however many array values it has. " +
			"The public parts of a SAS query string (`sv`, `se`, `sp`, `sr`…) are not secrets; " +
			"`sig` is. Values from `secureString` parameters, Key Vault references, {{named values}} " +
			"and policy expressions are fine. The finding never shows the value.",
		Fix: "Store the secret in a named value marked secret (ideally backed by Key Vault) and " +
			"reference it as {{name}}, or pass it through a secureString parameter.",
		Bad:   `"credentials": { "header": { "x-api-key": [ "3f9c0e…" ] } }`,
		Good:  `"credentials": { "header": { "x-api-key": [ "{{orders-api-key}}" ] } }`,
		Since: "0.1.0",
	},
	Check:   checkSecretInline,
	Secrets: policySecretValues,
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

// sasPublic are the query parameters of a shared access signature that
// are not secret (Learn, "Create a service SAS": signed version, times,
// permissions, protocol, resource, IP range, policy identifier); only the
// signature (sig) is.
var sasPublic = map[string]bool{
	"sv": true, "st": true, "se": true, "sp": true, "spr": true, "sr": true,
	"ss": true, "srt": true, "sip": true, "si": true, "sdd": true,
}

func checkSecretInline(pass *lint.Pass) {
	svc := pass.Service
	// The fixes of credentials: take them from a secret named value or a
	// secure parameter. The secret named values below get their own.
	fix := "reference a secret named value ({{name}}) or a secureString parameter"
	paramFix := "declare the parameter secureString (@secure() in Bicep), or reference a secret named value ({{name}})"
	// secret reports the first literal or plain-parameter value of vs, one
	// finding per property (not per array element), sink and source both
	// shown for a parameter.
	secret := func(subj lint.Subject, parent apim.Position, what string, vs ...apim.Field[string]) {
		n := 0
		var first *apim.Field[string]
		for i := range vs {
			if inlineSecret(vs[i]) {
				if first == nil {
					first = &vs[i]
				}
				n++
			}
		}
		if first != nil {
			more := ""
			if n > 1 {
				more = fmt.Sprintf(" (%d values)", n)
			}
			pass.ReportFixf(first.At(parent), subj, fix, "%s has a literal value%s", what, more)
			return
		}
		for _, v := range vs {
			if name, src, ok := plainParam(svc, v); ok {
				pass.ReportFixf(v.At(parent), subj, paramFix,
					"%s comes from plain string parameter %q, whose value is written at %s: it lands in source control and deployment history",
					what, name, src)
				return
			}
		}
	}
	for _, b := range svc.Backends {
		subj := backendSubject(b)
		if c := b.Credentials; c != nil {
			for _, h := range c.Header {
				secret(subj, h.Pos, fmt.Sprintf("backend %q: credentials header %q", b.Name, h.Name), h.Values...)
			}
			for _, q := range c.Query {
				if sasPublic[strings.ToLower(q.Name)] {
					continue
				}
				secret(subj, q.Pos, fmt.Sprintf("backend %q: credentials query parameter %q", b.Name, q.Name), q.Values...)
			}
			if a := c.Authorization; a != nil {
				secret(subj, a.Pos, fmt.Sprintf("backend %q: credentials authorization parameter (scheme %q)", b.Name, a.Scheme.Value), a.Parameter)
			}
		}
		if b.URL.Known() && urlHasPassword(b.URL.Value) {
			secret(subj, b.Pos, fmt.Sprintf("backend %q: url with a password in its user information", b.Name), b.URL)
		}
		if p := b.Proxy; p != nil {
			secret(subj, p.Pos, fmt.Sprintf("backend %q: proxy password", b.Name), p.Password)
		}
	}
	for _, a := range svc.APIs {
		if a.ServiceURL.Known() && urlHasPassword(a.ServiceURL.Value) {
			secret(lint.Subject{Kind: "api", Name: a.Name}, a.Pos, fmt.Sprintf("API %q: serviceUrl with a password in its user information", a.Name), a.ServiceURL)
		}
	}
	// A secret named value is what credentials reference: its own value
	// belongs in Key Vault (Learn, "Use named values in Azure API Management
	// policies": "Using key vault secrets is recommended") or a secure
	// parameter, not in another named value.
	fix = "store the value in Key Vault and reference it (keyVault.secretIdentifier), or pass it through a secureString parameter"
	paramFix = "declare the parameter secureString (@secure() in Bicep), or store the value in Key Vault (keyVault.secretIdentifier)"
	for _, nv := range svc.NamedValues {
		if nv.Secret.Value && nv.KeyVault == nil {
			secret(lint.Subject{Kind: "named-value", Name: nv.Name}, nv.Pos, fmt.Sprintf("secret named value %q", nv.Name), nv.Value)
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
	policyCredentials(p, func(pos apim.Position, value, message string) {
		pass.ReportFixf(pos, subj, fix, "%s", message)
	})
}

// policySecretValues returns the credentials written as literals in the
// service's policies (lint.Rule.Secrets): the loader cannot tell them
// from other policy text, and any rule's finding on that line would quote
// them.
func policySecretValues(pass *lint.Pass) []string {
	var out []string
	for _, p := range servicePolicies(pass).All {
		if p.Doc == nil {
			// Malformed (a raw & in a password is enough): an APIM901
			// finding quotes its lines, so its password attributes are
			// masked as written.
			if p.Src != nil {
				for _, m := range passwordAttr.FindAllStringSubmatch(p.Src.XML, -1) {
					out = append(out, m[1]+m[2])
				}
			}
			continue
		}
		policyCredentials(p, func(_ apim.Position, secret, _ string) {
			out = append(out, secret)
		})
		// A key in a base-url's query (an Azure Functions ?code=…) is
		// masked in the lines printers quote, as in messages.
		p.walkNamed([]string{"set-backend-service"}, func(e *policy.Element) bool {
			if a := e.Attr("base-url"); a != nil {
				out = append(out, queryCredentials(a.Value)...)
			}
			return true
		})
	}
	return out
}

// passwordAttr matches a password attribute written in policy XML.
var passwordAttr = regexp.MustCompile(`\bpassword\s*=\s*(?:"([^"]*)"|'([^']*)')`)

// queryCredentials returns the values of a URL's query parameters that
// are credentials (credentialHeaders: code, sig, api-key…).
func queryCredentials(s string) []string {
	_, q, ok := strings.Cut(s, "?")
	if !ok {
		return nil
	}
	q, _, _ = strings.Cut(q, "#")
	var out []string
	for _, kv := range strings.Split(q, "&") {
		k, v, ok := strings.Cut(kv, "=")
		if ok && v != "" && credentialHeaders[strings.ToLower(k)] {
			out = append(out, v)
			if dv, err := url.QueryUnescape(v); err == nil && dv != v {
				out = append(out, dv)
			}
		}
	}
	return out
}

// policyCredentials calls found for each credential written as a literal
// in p: an authentication-basic or authentication-certificate password,
// the password of a set-backend-service base-url, a credential header or
// query parameter set to a literal value; with where it is written, the
// secret and what to say about it.
func policyCredentials(p *parsedPolicy, found func(pos apim.Position, secret, message string)) {
	p.walkNamed([]string{"authentication-basic", "authentication-certificate", "set-backend-service", "set-header", "set-query-parameter"}, func(e *policy.Element) bool {
		switch e.Name {
		case "authentication-basic", "authentication-certificate":
			if a := e.Attr("password"); literalValue(a) && strings.TrimSpace(a.Value) != "" {
				found(a.Pos, a.Value, fmt.Sprintf("<%s> password is a literal", e.Name))
			}
			// body is "the client certificate as a byte array" (Learn,
			// authentication-certificate): written as a literal, the
			// certificate and its private key are in the policy.
			if a := e.Attr("body"); e.Name == "authentication-certificate" && literalValue(a) && strings.TrimSpace(a.Value) != "" {
				found(a.Pos, a.Value, "<authentication-certificate> body is a literal certificate, private key included")
			}
		case "set-backend-service":
			// The password counts when it is written as it is, whatever
			// the rest of the URL holds ("https://svc:pw@{{host}}/").
			if a := e.Attr("base-url"); a != nil && a.Kind() != policy.Expression {
				if pw, ok := urlPassword(a.Value); ok && policy.Classify(pw) == policy.Literal {
					found(a.Pos, pw, "set-backend-service base-url carries a password in its user information")
				}
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
				found(pos, v.Text, fmt.Sprintf("<%s> sets credential %s %q to a literal value", e.Name, what, e.AttrValue("name", "")))
			}
		}
		return true
	})
}
