package rules

import (
	"net/url"
	"strings"

	"github.com/apimlab/apimlab/lint"
)

// PlainHTTPBackend reports Single backends called over plain HTTP on the
// network.
var PlainHTTPBackend = &lint.Rule{
	ID:       "APIM002",
	Name:     "plain-http-backend",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "A backend is called over plain HTTP",
		Why: "The backend URL's scheme decides whether the gateway uses TLS (`protocol` only says " +
			"http or soap). With `http://` every request, response, header and credential the " +
			"gateway adds travels unencrypted between the gateway and the backend. Loopback hosts " +
			"(localhost, 127.0.0.0/8, ::1) are not reported: that traffic never leaves the machine.",
		Fix: "Serve the backend over HTTPS and change the URL to `https://`. If the backend cannot " +
			"do TLS yet, suppress the finding with a reason and an expiry date.",
		Bad: `{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "contoso/billing",
  "properties": { "url": "http://billing.contoso.com/api", "protocol": "http" }
}`,
		Good: `{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "contoso/billing",
  "properties": { "url": "https://billing.contoso.com/api", "protocol": "http" }
}`,
		Since: "0.1.0",
	},
	Check: checkPlainHTTPBackend,
}

func checkPlainHTTPBackend(pass *lint.Pass) {
	for _, b := range pass.Service.Backends {
		if !isSingle(b) || !b.URL.Known() || !mayBeHTTP(b.URL.Value) {
			continue
		}
		u, err := url.Parse(strings.TrimSpace(b.URL.Value))
		if err != nil || !strings.EqualFold(u.Scheme, "http") || u.Host == "" {
			continue // APIM003 reports URLs that do not parse
		}
		host := u.Hostname()
		if isLoopback(host) {
			continue
		}
		extra := ""
		if b.Credentials != nil && (len(b.Credentials.Header) > 0 || len(b.Credentials.Query) > 0 || b.Credentials.Authorization != nil) {
			extra = ", including the credentials the gateway adds"
		}
		pass.ReportFixf(b.URL.Pos, backendSubject(b),
			"use https://"+u.Host+u.RequestURI(),
			"backend %q is called over plain HTTP (host %q): requests and responses travel unencrypted%s",
			b.Name, host, extra)
	}
}
