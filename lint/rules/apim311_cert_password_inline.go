package rules

import (
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// CertPasswordInline reports certificate passwords written in the template.
var CertPasswordInline = &lint.Rule{
	ID:        "APIM311",
	Name:      "cert-password-inline",
	Severity:  lint.Error,
	Sensitive: true,
	Doc: lint.Doc{
		Title: "A certificate password is written in the template instead of a secure parameter",
		Why: "The PFX and its password together are the private key. A password written as a literal, " +
			"or passed through a plain `string` parameter, lands in source control and in the deployment " +
			"history, where anyone who can read the template can also read the key. Checked: the `password` " +
			"of `certificates` entities and the `certificatePassword` of the service CA store. The finding " +
			"points at the entity, not at the password line, and never shows the value.",
		Fix: "Pass the password through a `secureString` parameter (fed from a pipeline secret or a Key Vault " +
			"reference in the parameters file), or store the certificate in Key Vault and use `keyVault.secretIdentifier`.",
		Bad:   `"properties": { "data": "[parameters('pfx')]", "password": "P@ssw0rd" }`,
		Good:  `"parameters": { "pfxPassword": { "type": "secureString" } } … "password": "[parameters('pfxPassword')]"`,
		Since: "0.1.0",
	},
	Check: checkCertPasswordInline,
}

// passwordProblem says how a password field leaks, or "".
func passwordProblem(f apim.Field[string]) string {
	if !f.Known() || f.Secure || strings.TrimSpace(f.Value) == "" {
		return ""
	}
	line := ""
	if f.Pos.IsValid() {
		line = fmt.Sprintf(" (line %d)", f.Pos.Line)
	}
	if f.Literal {
		return "is a literal in the file" + line
	}
	if f.Expr() != "" {
		return "comes from a parameter or expression that is not a secureString" + line
	}
	return ""
}

func checkCertPasswordInline(pass *lint.Pass) {
	svc := pass.Service
	const fix = "pass the password through a secureString parameter"
	for _, c := range svc.Certificates {
		if c == nil {
			continue
		}
		if p := passwordProblem(c.Password); p != "" {
			pass.ReportFixf(c.Pos, lint.Subject{Kind: "certificate", Name: c.Name}, fix,
				"certificate %q: properties.password %s; the password is never shown", c.Name, p)
		}
	}
	for i, ca := range svc.CAStore {
		if ca == nil {
			continue
		}
		if p := passwordProblem(ca.CertificatePassword); p != "" {
			pos := svc.Pos
			if !pos.IsValid() {
				pos = apim.Position{File: ca.Pos.File}
			}
			pass.ReportFixf(pos, lint.Subject{Kind: "service", Name: svc.Name}, fix,
				"CA store entry %d (properties.certificates[%d]): certificatePassword %s; the password is never shown", i+1, i, p)
		}
	}
}
