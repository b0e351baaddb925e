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
		Title: "A Single backend's URL is missing or not a valid absolute http(s) URL",
		Why: "A Single backend forwards every call to `url`; the schema requires it (\"Required when " +
			"backend type is 'Single'\", at most 2000 characters). A relative URL, a URL that does " +
			"not parse, a `#fragment` (never sent over HTTP) or a scheme other than http/https " +
			"(`fabric:` for Service Fabric backends) is rejected by Azure or fails every call at run time.",
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
		if !isSingle(b) || b.URL.Unknown != "" {
			continue
		}
		if !b.URL.Set || b.URL.Null || strings.TrimSpace(b.URL.Value) == "" {
			what := "has no url"
			if b.URL.Set {
				what = "has an empty url"
			}
			pass.ReportFixf(b.URL.At(b.Pos), backendSubject(b), "set url to the backend's absolute base URL",
				"backend %q %s: a Single backend needs the URL the gateway forwards to", b.Name, what)
			continue
		}
		if problem := backendURLProblem(b); problem != "" {
			// A password in the URL's user information or a query value
			// (a key, a SAS signature) never reaches the output: the
			// message shows xxxxx and the finding hides its source line,
			// as APIM501's do.
			pass.Report(lint.Finding{Pos: b.URL.Pos, Subject: backendSubject(b), Sensitive: urlHasSecrets(b.URL.Value),
				Message: fmt.Sprintf("backend %q: url %q %s", b.Name, clip(redactURL(b.URL.Value), 80), problem)})
		}
	}
}

// backendURLProblem says what is wrong with a Single backend's URL, or "".
func backendURLProblem(b *apim.Backend) string {
	raw := b.URL.Value
	if len(raw) > maxURLLength {
		return fmt.Sprintf("is %d characters long; Azure accepts at most %d", len(raw), maxURLLength)
	}
	if strings.TrimSpace(raw) != raw {
		return "has leading or trailing spaces"
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		msg := err.Error()
		if errors.As(err, &ue) {
			msg = ue.Err.Error()
		}
		return "does not parse: " + msg
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "":
		return "is not absolute: it needs a scheme and host, e.g. https://" + strings.TrimPrefix(raw, "//")
	case scheme == "fabric":
		if b.ServiceFabric == nil {
			return "uses the fabric: scheme, which needs properties.serviceFabricCluster"
		}
		return ""
	case scheme != "http" && scheme != "https":
		return fmt.Sprintf("has unsupported scheme %q (want http or https)", u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return "has no host"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "has a fragment (#...), which is never sent to the backend"
	case u.User != nil:
		return "carries user information; use credentials.authorization (with a named value) instead"
	}
	return ""
}

// clip shortens s to n bytes with an ellipsis.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
