package gateway

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/backends"
	"github.com/apimlab/apimlab/breaker"
)

// backend is the runtime form of a backend entity (or of an API's
// serviceUrl): the gateway's HTTP side (URL, transport, credentials) of a
// backends.Backend, which holds the semantics (breaker, pool, failure
// status, session affinity).
type backend struct {
	name string
	kind string // "Single", "Pool" or "serviceUrl"
	pos  apim.Position
	be   *backends.Backend // nil for an API's serviceUrl

	// Single.
	url        *url.URL
	transport  *http.Transport
	tlsCert    string // client certificate id from credentials ("" = none)
	variants   sync.Map
	credHeader http.Header // credentials.header + authorization, canonical keys
	credQuery  string      // credentials.query, encoded

	// Pool: the members, indexed as in be.Members().
	members []*backend

	last  atomic.Pointer[breaker.Event]
	stats *backendMetrics
}

// available reports whether the backend can take a request now.
func (b *backend) available() bool { return b.be == nil || b.be.Available() }

// breaker returns the backend's circuit breaker, nil when it has none.
func (b *backend) breaker() *breaker.Breaker {
	if b.be == nil {
		return nil
	}
	return b.be.Breaker()
}

// buildBackends creates every backend entity of the service: the
// semantics come from package backends, the HTTP side is built here for
// each Single backend.
func (g *Gateway) buildBackends(c *compiler) {
	set, probs := backends.New(g.svc, backends.Options{
		Clock:           g.opts.Clock,
		Model:           g.opts.BreakerModel,
		TransportErrors: g.opts.TransportErrors,
		MinRequests:     g.opts.MinRequests,
		OnTransition:    g.onTransition,
	})
	for _, p := range probs {
		switch {
		case p.Kind.IsNote():
			g.log.Warn(p.Msg, "backend", p.Backend, "pos", p.Pos.String())
		case p.Kind == backends.Unsupported && g.opts.AllowUnemulated:
			g.log.Warn("skipping what is not emulated", "backend", p.Backend, "pos", p.Pos.String(), "msg", p.Msg)
		case p.Kind == backends.Unsupported:
			c.fail(p.Pos, "backend %q: %s; use --allow-unemulated to run without it", p.Backend, p.Msg)
		default:
			c.fail(p.Pos, "backend %q: %s", p.Backend, p.Msg)
		}
	}
	g.set = set
	g.byIndex = make([]*backend, set.Len())
	for _, be := range set.Backends() {
		var rb *backend
		if be.IsPool() {
			rb = g.buildPool(be)
		} else {
			rb = g.buildSingle(c, be)
		}
		if rb != nil {
			g.byIndex[be.Index()] = rb
			g.addBackend(rb)
		}
	}
}

func (g *Gateway) addBackend(b *backend) {
	g.backends[strings.ToLower(b.name)] = b
	g.backendList = append(g.backendList, b)
	b.stats = g.metrics.backend(b.name)
}

// lookupBackend returns the backend with the given id (case-insensitive).
func (g *Gateway) lookupBackend(id string) *backend {
	return g.backends[strings.ToLower(strings.TrimSpace(id))]
}

func (g *Gateway) buildSingle(c *compiler, be *backends.Backend) *backend {
	b := be.Entity()
	if !b.URL.Known() {
		why := "url is not set"
		if b.URL.Unknown() != "" {
			why = "url is unresolved: " + b.URL.Unknown()
		}
		c.fail(b.URL.At(b.Pos), "backend %q: %s", b.Name, why)
		return nil
	}
	u, err := url.Parse(strings.TrimSpace(b.URL.Value))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.fail(b.URL.At(b.Pos), "backend %q: url %q is not an absolute http(s) URL", b.Name, apim.MaskURLPasswords(b.URL.Value, "****"))
		return nil
	}
	rb := &backend{name: b.Name, kind: string(apim.Single), pos: b.Pos, be: be, url: u}
	g.applyCredentials(c, rb, b)
	tr, err := g.newTransport(b, rb.tlsCert)
	if err != nil {
		c.fail(b.Pos, "backend %q: %v", b.Name, err)
		return nil
	}
	rb.transport = tr
	return rb
}

// buildPool wraps a pool; its members are the gateway backends of the
// pool's Single backends (a member the gateway could not build has already
// failed New).
func (g *Gateway) buildPool(be *backends.Backend) *backend {
	b := be.Entity()
	rb := &backend{name: b.Name, kind: string(apim.Pool), pos: b.Pos, be: be}
	for _, m := range be.Members() {
		rb.members = append(rb.members, g.byIndex[m.Index()])
	}
	return rb
}

// applyCredentials compiles credentials.header/query/authorization and the
// client certificate reference.
func (g *Gateway) applyCredentials(c *compiler, rb *backend, b *apim.Backend) {
	cr := b.Credentials
	if cr == nil {
		return
	}
	h := http.Header{}
	for _, kv := range cr.Header {
		for _, v := range kv.Values {
			if !v.Known() {
				c.fail(v.At(kv.Pos), "backend %q: credentials.header %q has an unresolved value", b.Name, kv.Name)
				continue
			}
			h.Add(kv.Name, v.Value)
		}
	}
	if a := cr.Authorization; a != nil {
		if !a.Scheme.Known() {
			c.fail(a.Scheme.At(a.Pos), "backend %q: credentials.authorization.scheme is unresolved", b.Name)
		} else {
			h.Set("Authorization", strings.TrimSpace(a.Scheme.Value+" "+a.Parameter.Value))
		}
	}
	if cr.ManagedIdentity != nil {
		h.Set("Authorization", "Bearer "+g.opts.ManagedIdentityToken)
	}
	if len(h) > 0 {
		rb.credHeader = h
	}
	q := url.Values{}
	for _, kv := range cr.Query {
		for _, v := range kv.Values {
			if !v.Known() {
				c.fail(v.At(kv.Pos), "backend %q: credentials.query %q has an unresolved value", b.Name, kv.Name)
				continue
			}
			q.Add(kv.Name, v.Value)
		}
	}
	rb.credQuery = q.Encode()
	// certificateIds win over thumbprints (Azure ignores thumbprints then).
	switch {
	case len(cr.CertificateIDs) > 0:
		id := cr.CertificateIDs[0]
		key := certKey(id.Value)
		if _, ok := g.certs[key]; !id.Known() || !ok {
			why := g.certErrs[key]
			if why == "" {
				why = "no such certificate entity"
			}
			c.fail(id.At(cr.Pos), "backend %q: client certificate %q cannot be used: %s", b.Name, id.Value, why)
			return
		}
		rb.tlsCert = key
	case len(cr.Certificate) > 0:
		tp := cr.Certificate[0]
		key, ok := g.certByThumbprint(tp.Value)
		if !ok {
			c.fail(tp.At(cr.Pos), "backend %q: no loadable certificate with thumbprint %q", b.Name, tp.Value)
			return
		}
		rb.tlsCert = key
	}
}
