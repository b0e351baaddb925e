package rules

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

// InvalidBackendURL reports Single backends whose URL is missing or not a
// usable absolute URL.
var InvalidBackendURL = &lint.Rule{
	ID:       "APIM003",
	Name:     "invalid-backend-url",
	Severity: lint.Error,
	Doc: lint.Doc{
		Title: "A Single backend's URL is missing, too long, or not a usable absolute http(s) URL",
		Why: "A Single backend forwards every call to `url`. The ARM schema documents two limits, " +
			"reported as errors: `url` is \"Required when backend type is 'Single'\" and is 1 to " +
			"2000 characters (Microsoft.ApiManagement 2024-05-01 and 2025-09-01-preview); a url an " +
			"ARM expression computes empty from this run's parameter values (a module's nullable " +
			"parameter) is a warning, since a deployment may pass it. Azure " +
			"documents no other validation, so the rest is reported as warnings about what the " +
			"gateway can do with the URL: a relative URL, one that does not parse, a scheme other " +
			"than http/https, no host, a `#fragment` (never sent over HTTP) or user information (use " +
			"credentials instead). Service Fabric backends (`fabric:` URLs) are not checked here.",
		Fix: "Set `url` to the absolute base URL of the service, e.g. `https://orders.contoso.com/api`, " +
			"without a fragment.",
		Bad: `{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "contoso/orders",
  "properties": { "url": "orders.contoso.com/api#v2", "protocol": "http" }
}`,
		Good: `{
  "type": "Microsoft.ApiManagement/service/backends",
  "name": "contoso/orders",
  "properties": { "url": "https://orders.contoso.com/api", "protocol": "http" }
}`,
		Since: "0.1.0",
	},
	Check: checkInvalidBackendURL,
}

// maxURLLength is the schema's maxLength for a backend url.
const maxURLLength = 2000

func checkInvalidBackendURL(pass *lint.Pass) {
	for _, b := range pass.Service.Backends {
		if !isSingle(b) || b.URL.Unknown() != "" {
			continue
		}
		if !b.URL.Set || b.URL.Null || strings.TrimSpace(b.URL.Value) == "" {
			what := "has no url"
			if b.URL.Set {
				what = "has an empty url"
			}
			if b.URL.Set && !b.URL.Literal {
				// Computed from parameters (a module's nullable url): empty
				// only with the values this run has, not necessarily with
				// the ones a deployment passes.
				reportSev(pass, lint.Warning, b.URL.At(b.Pos), backendSubject(b), "pass the url parameter, or give it a default",
					"backend %q %s with the parameter values of this run (an ARM expression computes it): a Single backend needs the URL the gateway forwards to",
					b.Name, what)
				continue
			}
			pass.ReportFixf(b.URL.At(b.Pos), backendSubject(b), "set url to the backend's absolute base URL",
				"backend %q %s: a Single backend needs the URL the gateway forwards to", b.Name, what)
			continue
		}
		if problem, documented := backendURLProblem(b); problem != "" {
			// A password in the URL's user information or a query value
			// (a key, a SAS signature) never reaches the output: the
			// message shows xxxxx and the finding hides its source line,
			// as APIM501's do.
			sev := lint.Warning
			if documented {
				sev = lint.Error
			}
			pass.Report(lint.Finding{Rule: pass.Rule.ID, Name: pass.Rule.Name, Severity: sev,
				Pos: b.URL.Pos, Subject: backendSubject(b), Sensitive: urlHasSecrets(b.URL.Value),
				Message: fmt.Sprintf("backend %q: url %q %s", b.Name, clip(redactURL(b.URL.Value), 80), problem)})
		}
	}
}

// backendURLProblem says what is wrong with a Single backend's URL, or "".
// documented is true when the ARM schema states the limit (length).
func backendURLProblem(b *apim.Backend) (problem string, documented bool) {
	raw := b.URL.Value
	if len(raw) > maxURLLength {
		return fmt.Sprintf("is %d characters long; the schema allows at most %d", len(raw), maxURLLength), true
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(raw)), "fabric:") {
		return "", false // Service Fabric addresses are not http URLs
	}
	if strings.TrimSpace(raw) != raw {
		return "has leading or trailing spaces", false
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		msg := err.Error()
		if errors.As(err, &ue) {
			msg = ue.Err.Error()
		}
		return "does not parse: " + msg, false
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "":
		return "is not absolute: it needs a scheme and host, e.g. https://" + strings.TrimPrefix(raw, "//"), false
	case scheme != "http" && scheme != "https":
		return fmt.Sprintf("has unsupported scheme %q (want http or https)", u.Scheme), false
	case u.Host == "" || u.Hostname() == "":
		return "has no host", false
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "has a fragment (#...), which is never sent to the backend", false
	case u.User != nil:
		return "carries user information; use credentials.authorization (with a named value) instead", false
	}
	return "", false
}
