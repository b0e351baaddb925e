package rules

import (
	"net"
	"net/url"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/routing"
)

// URL helpers shared by the transport, routing and secret rules.

// normalURL normalises a backend URL the way the gateway matches an API's
// serviceUrl or a set-backend-service base-url against backend entities
// (routing.URLKey, the one implementation). A value that is not an
// absolute URL is returned lower-cased and trimmed.
func normalURL(s string) string {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return strings.TrimRight(strings.ToLower(s), "/")
	}
	return routing.URLKey(u)
}

// redactURL hides the password of a URL's user information
// ("https://svc:xxxxx@host"), so a credential written into a URL never
// reaches a message.
func redactURL(s string) string {
	if !strings.ContainsAny(s, "@?") {
		return s // no user information, no query: nothing to hide
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		// A {{named value}} host does not parse; its password is masked.
		return apim.MaskURLPasswords(s, "xxxxx")
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

// mayBeHTTP reports whether s (trimmed) can parse as a URL with the http
// scheme: it must start with "http:" in some casing. Rules check this
// before parsing, so https URLs — nearly all of them — are not parsed
// once per rule (issue 16).
func mayBeHTTP(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) >= 5 && strings.EqualFold(s[:5], "http:")
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// urlHasPassword reports whether s is a URL with a password in its user
// information (https://user:password@host).
func urlHasPassword(s string) bool {
	_, ok := urlPassword(s)
	return ok
}

// urlPassword returns the password in s's user information, if any (a
// URL whose host is a {{named value}} included: it does not parse).
func urlPassword(s string) (string, bool) {
	if !strings.Contains(s, "@") {
		return "", false // user information needs an @ (issue 16)
	}
	return apim.URLPassword(s)
}

// urlHasSecrets reports whether a URL carries a password or a query
// string (keys, SAS signatures): findings about it must not quote it.
func urlHasSecrets(s string) bool {
	if urlHasPassword(s) {
		return true
	}
	if !strings.Contains(s, "?") {
		return false
	}
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && u.RawQuery != ""
}
