package gateway

import (
	"net/url"

	"github.com/apimlab/apimlab/apim/routing"
)

// indexBackendURLs records every Single backend entity by its normalised
// URL (routing.URLKey: Learn, "Backends in API Management": "if there's a
// backend entity that matches the URL of a backend service that API
// Management is sending a request to, it uses the backend entity"). When two entities share a URL the first declared wins (Azure does
// not say which one it picks; see docs/semantics.md).
func (g *Gateway) indexBackendURLs() {
	g.byURL = map[string]*backend{}
	for _, b := range g.backendList {
		if b.url == nil { // pools have no URL
			continue
		}
		k := routing.URLKey(b.url)
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
	return g.byURL[routing.URLKey(u)]
}
