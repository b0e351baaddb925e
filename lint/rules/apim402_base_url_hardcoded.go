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
// literals.
var BaseURLHardcoded = &lint.Rule{
	ID:       "APIM402",
	Name:     "base-url-hardcoded",
	Severity: lint.Warning,
	Doc: lint.Doc{
		Title: "set-backend-service hard-codes a backend URL",
		Why: "A literal `base-url` sends traffic straight to that URL: the backend entities' circuit " +
			"breaker, pool, TLS settings and credentials do not apply, and the URL has to be edited " +
			"in every policy (and environment) that repeats it. When a backend entity already has " +
			"that URL, the policy bypasses it by accident. URLs computed by expressions or taken " +
			"from a {{named value}} are not reported.",
		Fix: "Declare a backend entity for the URL and route with `backend-id`, or take the URL from a " +
			"named value per environment.",
		Bad: `<inbound>
  <base />
  <set-backend-service base-url="https://orders.contoso.com/api" />
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
		for _, e := range setBackendServices(p.Doc) {
			a := e.Attr("base-url")
			if !literalValue(a) || strings.TrimSpace(a.Value) == "" || policy.HasDeployToken(a.Value) {
				continue // a token replaced at deploy time is not a hard-coded URL
			}
			u := strings.TrimSpace(a.Value)
			if b := backendWithURL(svc, u); b != nil {
				pass.ReportFixf(a.Pos, policySubject(p.Src), fmt.Sprintf("use backend-id=%q", b.Name),
					"set-backend-service base-url %q is the URL of backend %q: use backend-id=%q so its "+
						"breaker, TLS settings and credentials apply", redactURL(u), b.Name, b.Name)
				continue
			}
			pass.Reportf(a.Pos, policySubject(p.Src),
				"set-backend-service base-url %q is hard-coded: declare a backend entity and use backend-id, "+
					"or take the URL from a named value", redactURL(u))
		}
	}
}

// backendWithURL returns the Single backend whose URL is u (scheme and
// host case-insensitive, trailing slashes ignored), or nil.
func backendWithURL(svc *apim.Service, u string) *apim.Backend {
	want := normalURL(u)
	for _, b := range svc.Backends {
		if b.IsPool() || !b.URL.Known() {
			continue
		}
		if normalURL(b.URL.Value) == want {
			return b
		}
	}
	return nil
}

// normalURL lower-cases scheme and host, drops a default port and the
// trailing slash.
func normalURL(s string) string {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return strings.TrimRight(strings.ToLower(s), "/")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if port := u.Port(); (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		u.Host = u.Hostname()
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String()
}

// redactURL hides the password of a URL's user information
// ("https://svc:xxxxx@host"), so a credential written into a URL never
// reaches a message.
func redactURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return s
	}
	changed := false
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			changed = true
		}
	}
	// Query values may be keys or SAS signatures: keep the names only.
	if u.RawQuery != "" {
		q := u.Query()
		for k, vs := range q {
			for i := range vs {
				vs[i] = "xxxxx"
			}
			q[k] = vs
		}
		u.RawQuery = q.Encode()
		changed = true
	}
	if !changed {
		return s
	}
	return u.String()
}
