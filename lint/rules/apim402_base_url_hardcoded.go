package rules

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

// BaseURLHardcoded reports set-backend-service base-url values written as
// literals: URLs no backend entity matches, URLs that only match an entity
// by coincidence of spelling, and URLs on an entity's host that miss it.
var BaseURLHardcoded = &lint.Rule{
	ID:       "APIM402",
	Name:     "base-url-hardcoded",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "set-backend-service hard-codes a backend URL",
		Why: "Azure applies a backend entity to every request sent to that entity's URL (Learn, " +
			"\"Backends in API Management\": \"if there's a backend entity that matches the URL of a " +
			"backend service that API Management is sending a request to, it uses the backend " +
			"entity\"), so a literal `base-url` equal to an entity's `url` gets its circuit breaker, " +
			"TLS settings and credentials. What is at risk is the link: it holds only while both " +
			"URLs stay equal, and a URL on the entity's host with another path (`/api/v2` against " +
			"`/api`) matches nothing, so the breaker and credentials silently stop applying. A " +
			"literal URL no entity matches gets none of them and has to be edited in every policy " +
			"and environment that repeats it. apimlab reports: a `base-url` on a backend entity's " +
			"host that does not match its URL (warning), a `base-url` no entity matches (warning), " +
			"and a `base-url` equal to an entity's URL (info: it works, `backend-id` states it). On " +
			"inputs that do not hold every backend of the service (a lone policy file, a folder of an " +
			"APIOps tree, without `--complete`) the message says no entity in these files matches. " +
			"URLs computed by expressions, taken from a {{named value}} or replaced at deploy time " +
			"are not reported. Plain `http://` is APIM005's finding.",
		Fix: "Route with `backend-id` to the backend entity, or take the URL from a named value per " +
			"environment.",
		Bad: `<inbound>
  <base />
  <set-backend-service base-url="https://orders.contoso.com/api/v2" />
</inbound>`,
		Good: `<inbound>
  <base />
  <set-backend-service backend-id="orders" />
</inbound>`,
		Since: "0.1.0",
	},
	Check: checkBaseURLHardcoded,
}

func checkBaseURLHardcoded(pass *lint.Pass) {
	svc := pass.Service
	for _, p := range servicePolicies(pass).All {
		if p.Doc == nil {
			continue
		}
		for _, e := range setBackendServices(p) {
			a := e.Attr("base-url")
			if !literalValue(a) || strings.TrimSpace(a.Value) == "" || policy.HasDeployToken(a.Value) {
				continue // a token replaced at deploy time is not a hard-coded URL
			}
			u := strings.TrimSpace(a.Value)
			subj := policySubject(p.Src)
			if b := backendWithURL(svc, u); b != nil {
				pass.Report(lint.Finding{
					Rule: pass.Rule.ID, Name: pass.Rule.Name, Severity: lint.Info,
					Pos: a.Pos, Subject: subj, Fix: fmt.Sprintf("use backend-id=%q", b.Name),
					Message: fmt.Sprintf("set-backend-service base-url %q matches the url of backend %q, so Azure applies "+
						"that entity (breaker, TLS settings, credentials) only as long as both URLs stay equal; "+
						"backend-id=%q keeps the link when either changes", redactURL(u), b.Name, b.Name),
				})
				continue
			}
			if b := backendOnHost(svc, u); b != nil {
				pass.ReportFixf(a.Pos, subj, fmt.Sprintf("use backend-id=%q (with rewrite-uri for the path), or declare a backend for this URL", b.Name),
					"set-backend-service base-url %q is on the host of backend %q but does not match its url %q: "+
						"Azure does not apply that entity here, so its circuit breaker, TLS settings and credentials are bypassed",
					redactURL(u), b.Name, redactURL(b.URL.Value))
				continue
			}
			// On inputs that do not hold every backend of the service (a
			// lone policy file, a folder of an APIOps tree) the absence of
			// a matching entity is only known for these files.
			matches := "matches no backend entity"
			if !svc.Coverage.Holds(apim.KindBackends) {
				matches = "no backend entity in these files has this URL (they do not hold every backend of the service)"
			}
			pass.Reportf(a.Pos, subj,
				"set-backend-service base-url %q is hard-coded and %s: declare one and use backend-id, "+
					"or take the URL from a named value", redactURL(u), matches)
		}
	}
}

// backendOnHost returns the first Single backend whose URL has the scheme
// and host of u (but, as backendWithURL found no match, another path).
func backendOnHost(svc *apim.Service, u string) *apim.Backend {
	want, err := url.Parse(normalURL(u))
	if err != nil || want.Host == "" {
		return nil
	}
	for _, b := range svc.Backends {
		if b.IsPool() || !b.URL.Known() {
			continue
		}
		got, err := url.Parse(normalURL(b.URL.Value))
		if err == nil && got.Scheme == want.Scheme && got.Host == want.Host {
			return b
		}
	}
	return nil
}
