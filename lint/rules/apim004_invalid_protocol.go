package rules

import (
	"strings"

	"github.com/apimlab/apimlab/lint"
)

// InvalidProtocol reports Single backends whose protocol is missing or not
// http/soap.
var InvalidProtocol = &lint.Rule{
	ID:       "APIM004",
	Name:     "invalid-protocol",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A Single backend's protocol is missing or not http/soap",
		Why: "`protocol` is the backend's communication protocol, `http` (REST) or `soap`, and is " +
			"required on Single backends. It is not the transport: Azure rejects `https` (the URL's " +
			"scheme decides whether TLS is used), and any other value fails the deployment.",
		Fix: "Set `protocol` to `http` (or `soap` for SOAP pass-through) and put `https://` in the URL.",
		Bad: `{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "contoso/orders",
  "properties": { "url": "https://orders.contoso.com", "protocol": "https" }
}`,
		Good: `{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "contoso/orders",
  "properties": { "url": "https://orders.contoso.com", "protocol": "http" }
}`,
		Since: "0.1.0",
	},
	Check: checkInvalidProtocol,
}

func checkInvalidProtocol(pass *lint.Pass) {
	for _, b := range pass.Service.Backends {
		if !isSingle(b) || b.Protocol.Unknown() != "" {
			continue
		}
		p := b.Protocol
		switch v := strings.TrimSpace(p.Value); {
		case !p.Set || p.Null || v == "":
			pass.ReportFixf(p.At(b.Pos), backendSubject(b), `set "protocol": "http"`,
				"backend %q has no protocol: a Single backend needs protocol http or soap", b.Name)
		case strings.EqualFold(v, "http"), strings.EqualFold(v, "soap"):
		case strings.EqualFold(v, "https"):
			pass.ReportFixf(p.Pos, backendSubject(b), `set "protocol": "http" and keep https:// in the url`,
				"backend %q: protocol %q is rejected by Azure: protocol is http or soap, and the URL scheme (https://) decides TLS",
				b.Name, v)
		default:
			pass.ReportFixf(p.Pos, backendSubject(b), `set "protocol": "http"`,
				"backend %q: protocol %q is not http or soap", b.Name, v)
		}
	}
}
