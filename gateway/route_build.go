package gateway

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/gwerr"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/apim/policyexpr"
	"github.com/apimlab/apimlab/apim/routing"
)

// loneAPIName names the catch-all API that serves a lone policy file
// (docs/semantics.md, "A lone policy file").
const loneAPIName = "apimlab-lone-policy"

// buildRoutes compiles every API and operation and groups the APIs by path
// prefix (revisions and versions of one API share a prefix).
func (g *Gateway) buildRoutes(c *compiler) {
	for _, f := range g.svc.Fragments {
		g.fragments[strings.ToLower(f.Name)] = g.parse(c, f.Policy)
	}
	global := g.parse(c, g.svc.Policy)
	g.global = c.compilePlan(global)
	apis := g.svc.APIs
	if len(apis) == 0 && len(g.svc.Standalone) > 0 {
		apis = g.loneAPIs(c, global)
	}
	groups := map[string]*apiGroup{}
	for _, a := range apis {
		r := g.buildAPI(c, global, a)
		if r == nil {
			continue
		}
		key := strings.ToLower(r.prefix)
		grp := groups[key]
		if grp == nil {
			grp = &apiGroup{prefix: r.prefix}
			groups[key] = grp
			g.groups = append(g.groups, grp)
		}
		if err := grp.add(r, g.svc); err != "" {
			c.fail(a.Path.At(a.Pos), "API %q: %s", a.Name, err)
			continue
		}
		g.apis = append(g.apis, r)
	}
	for _, grp := range g.groups {
		grp.finish()
	}
	sortRoutes(g.apis)
	sortGroups(g.groups)
}

// loneAPIs serves the service's standalone policy files: the first through
// a catch-all API (path "", every method and path, no serviceUrl), so a
// policy file alone runs as it would under an API of its own. The others
// are compiled (their problems reported) but not served.
func (g *Gateway) loneAPIs(c *compiler, global *policy.Document) []*apim.API {
	first := g.svc.Standalone[0]
	for _, d := range g.svc.Standalone[1:] {
		c.compilePlan(global, g.parse(c, d))
		g.log.Warn("lone policy file not served (only the first one runs against the catch-all API)", "file", d.Pos.File, "served", first.Pos.File)
	}
	a := &apim.API{Name: loneAPIName, Pos: first.Pos, Policy: first}
	a.DisplayName.Value = "lone policy " + first.Pos.File
	return []*apim.API{a}
}

// buildAPI compiles one API: its service URL, plans and operations.
func (g *Gateway) buildAPI(c *compiler, global *policy.Document, a *apim.API) *apiRoute {
	r := &apiRoute{api: a, prefix: routing.Prefix(a.Path.Value)}
	base, rev := splitRevisionName(a.Name)
	r.revision = strings.TrimSpace(a.APIRevision.Value)
	if r.revision == "" {
		r.revision = rev
	}
	if r.revision == "" {
		r.revision = "1"
	}
	r.current = a.IsCurrent.Value || (!a.IsCurrent.Set && rev == "")
	r.version = strings.TrimSpace(a.APIVersion.Value)
	r.versionSet = strings.TrimSpace(a.VersionSetID.Value)
	r.info = policyexpr.Api{Id: base, Name: a.DisplayName.Or(base), Path: r.prefix, Version: r.version, Revision: r.revision, IsCurrentRevision: r.current}
	typ := strings.ToLower(strings.TrimSpace(a.Type.Value))
	svcURL := strings.TrimSpace(a.ServiceURL.Value)
	if typ == "websocket" || strings.HasPrefix(strings.ToLower(svcURL), "ws://") || strings.HasPrefix(strings.ToLower(svcURL), "wss://") {
		// WebSocket passthrough APIs are not emulated: the API answers 501
		// and the others run (issue 13; docs/parity.md).
		r.websocket = true
		g.log.Warn("WebSocket API not emulated: its requests answer 501", "api", a.Name, "pos", a.Pos.String())
		g.notEmulated = append(g.notEmulated, NotEmulated{Policy: "websocket API", Positions: []apim.Position{a.Pos}})
		r.plan = &plan{}
		return r
	}
	if a.ServiceURL.Known() && svcURL != "" {
		u, err := parseBaseURL(svcURL)
		if err == nil {
			r.info.ServiceUrl = serviceURLInfo(u)
		}
		switch {
		case err != nil:
			c.fail(a.ServiceURL.At(a.Pos), "API %q: serviceUrl: %v", a.Name, err)
		case g.backendForURL(u) != nil:
			// A backend entity with this URL serves the API, with its
			// credentials, TLS settings and breaker.
			r.service = g.backendForURL(u)
		default:
			tr, _ := g.newTransport(nil, "")
			r.service = &backend{name: u.Host, kind: "serviceUrl", url: u, transport: tr}
			r.service.stats = g.metrics.backend(u.Host)
		}
	}
	product := g.productPolicy(c, a)
	apiDoc := g.parse(c, a.Policy)
	r.plan = c.compilePlan(global, product, apiDoc)
	for _, o := range a.Operations {
		or := &opRoute{op: o, method: strings.ToUpper(strings.TrimSpace(o.Method.Or("*")))}
		if or.method == "" {
			or.method = "*"
		}
		or.tmpl = routing.Parse(o.URLTemplate.Or("/"))
		or.info = policyexpr.Operation{Id: o.Name, Name: o.DisplayName.Or(o.Name), Method: or.method, UrlTemplate: o.URLTemplate.Value}
		or.plan = c.compilePlan(global, product, apiDoc, g.parse(c, o.Policy))
		r.ops = append(r.ops, or)
	}
	return r
}

// serviceURLInfo is context.Api.ServiceUrl: the API's serviceUrl as an
// IUrl (Learn, "API Management policy expressions": IApi.ServiceUrl), the
// path "/" when the URL has none.
func serviceURLInfo(u *url.URL) policyexpr.Url {
	p := u.Path
	if p == "" {
		p = "/"
	}
	return policyexpr.Url{Scheme: u.Scheme, Host: u.Hostname(), Port: portOf(u), Path: p, RawQuery: u.RawQuery}
}

// splitRevisionName splits "echo;rev=2" into ("echo", "2").
func splitRevisionName(name string) (base, rev string) {
	i := strings.Index(strings.ToLower(name), ";rev=")
	if i < 0 {
		return name, ""
	}
	return name[:i], name[i+len(";rev="):]
}

// route finds the API of r: its path prefix, then the version (versioning
// scheme of the API's version set) and the revision (";rev=N" after the
// API path, else the current revision). rest is the path after what
// identified the API (prefix, version segment, ";rev=N"); consumed is that
// identifying part as the client sent it. A nil api comes with an
// ApiNotFound error; an api with an error is an API that cannot serve
// (WebSocket).
func (g *Gateway) route(r *http.Request) (api *apiRoute, rest, consumed string, err *pipelineError) {
	path := r.URL.Path
	for _, grp := range g.groups {
		n := len(grp.prefix)
		if len(path) < n || !strings.EqualFold(path[:n], grp.prefix) {
			continue
		}
		rest := path[n:]
		if rest != "" && rest[0] != '/' && rest[0] != ';' {
			continue
		}
		rev, rest := cutRevision(rest)
		version := ""
		switch grp.scheme {
		case schemeSegment:
			seg := strings.TrimPrefix(rest, "/")
			if k := strings.IndexByte(seg, '/'); k >= 0 {
				seg = seg[:k]
			}
			if r2, s := cutRevision(seg); grp.hasVersion(s) && s != "" {
				version = s
				rest = rest[1+len(seg):]
				if rev == "" {
					rev = r2
				}
			}
		case schemeQuery:
			version = r.URL.Query().Get(grp.param)
		case schemeHeader:
			version = r.Header.Get(grp.param)
		}
		a := grp.pick(version, rev)
		if a == nil {
			// Azure answers 404 for an unknown version or revision.
			continue
		}
		consumed = path[:len(path)-len(rest)]
		if a.websocket {
			return a, rest, consumed, perr("configuration", ReasonNotEmulated, http.StatusNotImplemented, "WebSocket APIs are not emulated by apimlab.")
		}
		return a, rest, consumed, nil
	}
	return nil, "", "", perr("configuration", ReasonAPINotFound, gwerr.NotFoundStatus, "Unable to match incoming request to an API.")
}

// cutRevision removes a leading ";rev=N" from rest (the part after an API
// path): ";rev=3/leads" gives ("3", "/leads").
func cutRevision(rest string) (rev, out string) {
	const p = ";rev="
	if len(rest) < len(p) || !strings.EqualFold(rest[:len(p)], p) {
		return "", rest
	}
	rev = rest[len(p):]
	out = ""
	if k := strings.IndexByte(rev, '/'); k >= 0 {
		rev, out = rev[:k], rev[k:]
	}
	if u, err := url.PathUnescape(rev); err == nil {
		rev = u
	}
	return rev, out
}
