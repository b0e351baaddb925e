package rules

import (
	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// UnknownProperty reports properties the schema does not know, and known
// properties spelled with another case.
var UnknownProperty = &lint.Rule{
	ID:       "APIM903",
	Name:     "unknown-property",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A property is not in the schema, or is spelled with another case",
		Why: "Azure ignores properties it does not know, so a typo silently leaves a setting at its " +
			"default: `validateCertificatChain: false` changes nothing, `tripduration` may be " +
			"read while other tools miss it. Azure matches names case-insensitively, so apimlab " +
			"applies a non-canonical spelling (and says so here) but reports a name it cannot " +
			"match, with the closest known name. A policy written with the legacy names " +
			"`policyContent` and `contentFormat` is read as `value` and `format` and reported here: " +
			"the REST and ARM references of current API versions list only `value` and `format` " +
			"(https://learn.microsoft.com/azure/templates/microsoft.apimanagement/service/apis/policies). " +
			"In an APIOps tree the same goes for a JSON, XML or YAML file whose name is not an artifact " +
			"file name (the publisher ignores it) and for a configuration.<env>.yaml entry that names " +
			"no artifact (it overrides nothing); both are info findings, with their own fix.",
		Fix: "Use the schema's spelling (the message suggests it), or remove the property; write a " +
			"policy's `policyContent` as `value` and `contentFormat` as `format`.",
		Bad: `{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "contoso/orders",
  "properties": {
    "url": "https://orders.contoso.com",
    "protocol": "http",
    "tls": { "validateCertificatechain": true }
  }
}`,
		Good: `{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "contoso/orders",
  "properties": {
    "url": "https://orders.contoso.com",
    "protocol": "http",
    "tls": { "validateCertificateChain": true }
  }
}`,
		Since: "0.1.0",
	},
	Problems: apim.UnknownProperty,
	Check:    func(pass *lint.Pass) { reportIssues(pass, apim.UnknownProperty, nil) },
}
