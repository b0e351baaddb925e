package rules

import (
	"errors"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// ParseError reports input the loaders could not read: malformed JSON or
// XML, values of the wrong type, files that are no APIM configuration.
var ParseError = &lint.Rule{
	ID:       "APIM901",
	Name:     "parse-error",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A configuration file is malformed",
		Why: "JSON or policy XML that does not parse, or a property of the wrong type, is rejected by " +
			"Azure, and apimlab cannot check what it cannot read: the rest of the file, or the " +
			"resource, is skipped. The finding points at the first problem.",
		Fix: "Fix the syntax or type at the reported position (a missing comma or quote, an " +
			"unclosed element, a string where a number is expected).",
		Bad: `{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "contoso/orders",
  "properties": { "url": "https://orders.contoso.com", "protocol": "http", }
}`,
		Good: `{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "contoso/orders",
  "properties": { "url": "https://orders.contoso.com", "protocol": "http" }
}`,
		Since: "0.1.0",
	},
	Problems: apim.Malformed,
	Check:    checkParseError,
}

func checkParseError(pass *lint.Pass) {
	for _, is := range pass.Service.Issues {
		if is != nil && is.Code == apim.Malformed && is.Kind == apim.IssueUnreadable {
			pass.ReportFixf(is.Pos, fileSubject(is.Pos.File), "check the path (a dangling link?) and its permissions", "%s", is.Msg)
		}
	}
	reportIssues(pass, apim.Malformed, func(is *apim.Error) bool { return is.Kind != apim.IssueUnreadable })
	// Policy documents are parsed by the policy rules' shared cache; a
	// document that does not parse is reported here, once.
	for _, p := range servicePolicies(pass).All {
		if p.Err == nil {
			continue
		}
		var ae *apim.Error
		if errors.As(p.Err, &ae) {
			pass.Reportf(ae.Pos, policySubject(p.Src), "malformed policy: %s", ae.Msg)
		} else {
			pass.Reportf(p.Src.Pos, policySubject(p.Src), "malformed policy: %v", p.Err)
		}
	}
}
