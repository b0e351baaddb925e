package rules

import (
	"net/url"
	"strings"

	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// PlainHTTPURL reports plain http:// URLs that are not backend entities:
// an API's serviceUrl, a set-backend-service base-url, a send-request
// set-url.
var PlainHTTPURL = &lint.Rule{
	ID:       "APIM005",
	Name:     "plain-http-url",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "An API or policy calls a backend over plain HTTP",
		Why: "The URL's scheme decides whether the gateway uses TLS. APIM002 reports backend " +
			"entities with an `http://` url; the same traffic goes unencrypted when the URL is an " +
			"API's `serviceUrl`, a `set-backend-service base-url` or the `<set-url>` of a " +
			"`send-request`: requests, responses, and any credentials the policy adds travel in " +
			"clear text between the gateway and the backend. A URL equal to a backend entity's url " +
			"is left to APIM002 (Azure uses that entity, and it is reported once, there). Loopback " +
			"hosts are not reported; URLs from expressions or named values are not known here.",
		Fix: "Serve the backend over HTTPS and change the URL to `https://`, or suppress the finding " +
			"with a reason and an expiry date while it cannot.",
		Bad:   `<set-backend-service base-url="http://orders.contoso.com/api" />`,
		Good:  `<set-backend-service base-url="https://orders.contoso.com/api" />`,
		Since: "0.2.0",
	},
	Check: checkPlainHTTPURL,
}

// plainHTTPHost returns the host of a literal http:// URL that leaves the
// machine, or "".
func plainHTTPHost(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || !strings.EqualFold(u.Scheme, "http") || u.Host == "" || isLoopback(u.Hostname()) {
		return ""
	}
	return u.Hostname()
}

func checkPlainHTTPURL(pass *lint.Pass) {
	svc := pass.Service
	const fix = "use https://"
	for _, a := range svc.APIs {
		if !a.ServiceURL.Known() || backendWithURL(svc, a.ServiceURL.Value) != nil {
			continue
		}
		if host := plainHTTPHost(a.ServiceURL.Value); host != "" {
			pass.ReportFixf(a.ServiceURL.At(a.Pos), lint.Subject{Kind: "api", Name: a.Name}, fix,
				"API %q has serviceUrl %q over plain HTTP (host %q): requests and responses travel unencrypted",
				a.Name, redactURL(a.ServiceURL.Value), host)
		}
	}
	for _, p := range servicePolicies(pass).All {
		if p.Doc == nil {
			continue
		}
		subj := policySubject(p.Src)
		p.walkNamed([]string{"set-backend-service", "set-url"}, func(e *policy.Element) bool {
			switch e.Name {
			case "set-backend-service":
				a := e.Attr("base-url")
				if !literalValue(a) || backendWithURL(svc, a.Value) != nil {
					return true
				}
				if host := plainHTTPHost(a.Value); host != "" {
					pass.ReportFixf(a.Pos, subj, fix,
						"set-backend-service base-url %q calls host %q over plain HTTP: requests and responses travel unencrypted",
						redactURL(a.Value), host)
				}
			case "set-url":
				if e.Text == "" || len(e.Children) > 0 || policy.Classify(e.Text) != policy.Literal {
					return true
				}
				if host := plainHTTPHost(e.Text); host != "" {
					pos := e.TextPos
					if !pos.IsValid() {
						pos = e.Pos
					}
					pass.ReportFixf(pos, subj, fix,
						"<set-url> %q calls host %q over plain HTTP: the request and its response travel unencrypted",
						redactURL(e.Text), host)
				}
			}
			return true
		})
	}
}
