package gateway

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/pool"
)

// backend is the runtime form of a backend entity (or of an API's
// serviceUrl): a Single backend with its transport and breaker, or a Pool.
type backend struct {
	name string
	kind string // "Single", "Pool" or "serviceUrl"
	pos  apim.Position

	// Single.
	url        *url.URL
	transport  *http.Transport
	tlsCert    string // client certificate id from credentials ("" = none)
	variants   sync.Map
	breaker    *breaker.Breaker
	credHeader http.Header // credentials.header + authorization, canonical keys
	credQuery  string      // credentials.query, encoded

	// Pool.
	pool    *pool.Pool
	members []*backend
	// affinity is the session cookie name of a pool with session
	// affinity (pool.sessionAffinity, source cookie); "" when none.
	affinity string

	// failureStatus answers requests while the breaker is open (Single) or
	// no member is available (Pool): 503 or failureResponse.statusCode.
	failureStatus int

	last  atomic.Pointer[breaker.Event]
	stats *backendMetrics
}

// available reports whether the backend can take a request now.
func (b *backend) available() bool {
	if b.pool != nil {
		for _, m := range b.members {
			if m.available() {
				return true
			}
		}
		return false
	}
	return b.breaker == nil || b.breaker.Ready()
}

// buildBackends creates every backend entity of the service.
func (g *Gateway) buildBackends(c *compiler) {
	for _, b := range g.svc.Backends {
		if b.IsPool() {
			continue
		}
		if rb := g.buildSingle(c, b); rb != nil {
			g.addBackend(rb)
		}
	}
	for _, b := range g.svc.Backends {
		if !b.IsPool() {
			continue
		}
		if rb := g.buildPool(c, b); rb != nil {
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

func (g *Gateway) buildSingle(c *compiler, b *apim.Backend) *backend {
	if b.ServiceFabric != nil {
		if !g.opts.AllowUnemulated {
			c.fail(b.Pos, "backend %q: Service Fabric backends are not emulated; use --allow-unemulated to skip it", b.Name)
		} else {
			g.log.Warn("skipping Service Fabric backend", "backend", b.Name, "pos", b.Pos.String())
		}
		return nil
	}
	if !b.URL.Known() {
		why := "url is not set"
		if b.URL.Unknown != "" {
			why = "url is unresolved: " + b.URL.Unknown
		}
		c.fail(b.URL.At(b.Pos), "backend %q: %s", b.Name, why)
		return nil
	}
	u, err := url.Parse(strings.TrimSpace(b.URL.Value))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.fail(b.URL.At(b.Pos), "backend %q: url %q is not an absolute http(s) URL", b.Name, b.URL.Value)
		return nil
	}
	rb := &backend{name: b.Name, kind: string(apim.Single), pos: b.Pos, url: u, failureStatus: http.StatusServiceUnavailable}
	g.applyCredentials(c, rb, b)
	tr, err := g.newTransport(b, rb.tlsCert)
	if err != nil {
		c.fail(b.Pos, "backend %q: %v", b.Name, err)
		return nil
	}
	rb.transport = tr
	g.buildBreaker(c, rb, b)
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

// buildBreaker creates the backend's breaker from its first rule.
func (g *Gateway) buildBreaker(c *compiler, rb *backend, b *apim.Backend) {
	cb := b.CircuitBreaker
	if cb == nil || len(cb.Rules) == 0 {
		return
	}
	if len(cb.Rules) > 1 {
		g.log.Warn("backend has several circuit breaker rules; Azure evaluates one, apimlab uses the first", "backend", b.Name, "pos", cb.Pos.String())
	}
	r := cb.Rules[0]
	fc := r.FailureCondition
	if fc == nil {
		c.fail(r.Pos, "backend %q: circuit breaker rule has no failureCondition", b.Name)
		return
	}
	s := breaker.Settings{
		Name:             b.Name,
		Count:            fc.Count.Or(0),
		Percentage:       fc.Percentage.Or(0),
		MinRequests:      g.opts.MinRequests,
		AcceptRetryAfter: r.AcceptRetryAfter.Or(false),
		Model:            g.opts.BreakerModel,
		Now:              g.now,
		OnTransition:     g.onTransition(rb),
	}
	var err error
	if s.Interval, err = duration(fc.Interval, "failureCondition.interval"); err != nil {
		c.fail(fc.Interval.At(fc.Pos), "backend %q: %v", b.Name, err)
		return
	}
	if s.TripDuration, err = duration(r.TripDuration, "tripDuration"); err != nil {
		c.fail(r.TripDuration.At(r.Pos), "backend %q: %v", b.Name, err)
		return
	}
	for _, sr := range fc.StatusCodeRanges {
		if !sr.Min.Known() || !sr.Max.Known() {
			c.fail(sr.Pos, "backend %q: statusCodeRanges entry is unresolved", b.Name)
			return
		}
		s.StatusRanges = append(s.StatusRanges, [2]int{sr.Min.Value, sr.Max.Value})
	}
	for _, er := range fc.ErrorReasons {
		if er.Known() {
			s.ErrorReasons = append(s.ErrorReasons, er.Value)
		}
	}
	br, err := breaker.New(s)
	if err != nil {
		c.fail(r.Pos, "%v", err)
		return
	}
	rb.breaker = br
	if fr := r.FailureResponse; fr != nil && fr.StatusCode.Known() {
		rb.failureStatus = fr.StatusCode.Value
	}
}

// duration returns a known ISO-8601 duration field.
func duration(d apim.Duration, field string) (time.Duration, error) {
	switch {
	case !d.Known():
		return 0, fmt.Errorf("%s is not set or unresolved", field)
	case d.Err != nil:
		return 0, fmt.Errorf("%s %q: %v", field, d.Value, d.Err)
	}
	return d.D, nil
}

func (g *Gateway) buildPool(c *compiler, b *apim.Backend) *backend {
	pc := b.PoolConfig
	if pc == nil || len(pc.Services) == 0 {
		c.fail(b.Pos, "backend %q: pool has no services", b.Name)
		return nil
	}
	rb := &backend{name: b.Name, kind: string(apim.Pool), pos: b.Pos, failureStatus: http.StatusServiceUnavailable}
	if fr := pc.FailureResponse; fr != nil && fr.StatusCode.Known() {
		rb.failureStatus = fr.StatusCode.Value
	}
	var members []pool.Member
	for _, m := range pc.Services {
		name := m.Name
		if name == "" && m.ID.Known() {
			name = m.ID.Value[strings.LastIndexByte(m.ID.Value, '/')+1:]
		}
		mb := g.lookupBackend(name)
		if mb == nil || mb.pool != nil {
			c.fail(m.ID.At(m.Pos), "backend %q: pool member %q is not a Single backend of the service", b.Name, m.ID.Value)
			continue
		}
		rb.members = append(rb.members, mb)
		pm := pool.Member{Name: mb.name, Priority: m.Priority.Or(pool.DefaultPriority), Weight: m.Weight.Or(0)}
		if mb.breaker != nil {
			pm.Available = mb.breaker.Ready
		}
		members = append(members, pm)
	}
	if len(members) == 0 {
		return nil
	}
	p, err := pool.New(members)
	if err != nil {
		c.fail(b.Pos, "backend %q: %v", b.Name, err)
		return nil
	}
	rb.pool = p
	if sa := pc.SessionAffinity; sa != nil {
		name := strings.TrimSpace(sa.SessionIDName.Value)
		switch {
		case !strings.EqualFold(strings.TrimSpace(sa.Source.Value), "cookie"):
			if !g.opts.AllowUnemulated {
				c.fail(sa.Source.At(sa.Pos), "backend %q: pool.sessionAffinity.sessionId.source %q is not emulated (valid: Cookie); use --allow-unemulated to balance without affinity", b.Name, sa.Source.Value)
			} else {
				g.log.Warn("pool session affinity source not emulated; balancing without affinity", "backend", b.Name, "source", sa.Source.Value)
			}
		case !sa.SessionIDName.Known() || name == "":
			c.fail(sa.SessionIDName.At(sa.Pos), "backend %q: pool.sessionAffinity.sessionId.name is unset or unresolved", b.Name)
		default:
			rb.affinity = name
		}
	}
	return rb
}
