package gateway

import (
	"net/url"
	"strings"
)

// urlKey normalises a backend URL for matching an API's serviceUrl or a
// set-backend-service base-url against backend entities (Learn, "Backends
// in API Management": "if there's a backend entity that matches the URL of
// a backend service that API Management is sending a request to, it uses
// the backend entity"). Scheme and host compare case-insensitively, a
// default port (80 for http, 443 for https) equals no port, and trailing
// slashes of the path are ignored; the path is otherwise compared exactly,
// and query and fragment are ignored.
func urlKey(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6 literal
	}
	if p := u.Port(); p != "" && !(scheme == "http" && p == "80") && !(scheme == "https" && p == "443") {
		host += ":" + p
	}
	return scheme + "://" + host + strings.TrimRight(u.EscapedPath(), "/")
}

// indexBackendURLs records every Single backend entity by its normalised
// URL. When two entities share a URL the first declared wins (Azure does
// not say which one it picks; see docs/semantics.md).
func (g *Gateway) indexBackendURLs() {
	g.byURL = map[string]*backend{}
	for _, b := range g.backendList {
		if b.url == nil { // pools have no URL
			continue
		}
		k := urlKey(b.url)
		if _, dup := g.byURL[k]; !dup {
			g.byURL[k] = b
		}
	}
}

// backendForURL returns the backend entity whose URL matches u, or nil.
func (g *Gateway) backendForURL(u *url.URL) *backend {
	if u == nil {
		return nil
	}
	return g.byURL[urlKey(u)]
}
