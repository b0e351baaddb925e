package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/gwerr"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/apim/policyexpr"
	"github.com/apimlab/apimlab/backends"
)

// Gateway serves one *apim.Service. It owns its backends, breakers, pools,
// transports and metrics: two Gateways never share state. It is safe for
// concurrent use.
type Gateway struct {
	svc  *apim.Service
	opts Options
	log  *slog.Logger
	now  func() time.Time // opts.Clock.Now, bound once (no per-request closure)

	// served caches x-apimlab-backend values by backend name ([]string).
	served  sync.Map
	servedN atomic.Int64 // entries in served

	apis   []*apiRoute
	groups []*apiGroup // apis by path prefix, longest first
	// notEmulated lists what the gateway skips or cannot serve.
	notEmulated []NotEmulated
	// state is what stateful policies keep (limits, quotas, caches).
	state *policyState
	// records keeps trace, emit-metric and log-to-eventhub output.
	records recorder
	global  *plan // plan for requests that match no API (on-error only)

	set           *backends.Set       // the semantics: breakers, pools
	byIndex       []*backend          // by backends.Backend.Index
	backends      map[string]*backend // by lower-case name
	backendList   []*backend          // declaration order, pools last
	byURL         map[string]*backend // Single backends by urlKey
	adhoc         *http.Transport     // base-url targets
	adhocVariants sync.Map
	// h1 holds the synchronous HTTP/1.1 client of each transport
	// (*http.Transport → *h1Client, h1client.go).
	h1 sync.Map

	roots      *x509.CertPool
	inters     []*x509.Certificate         // the CA store's CertificateAuthority entries (not trust anchors)
	knownCAs   []*x509.Certificate         // service CA store, CA files, certificate entities
	certs      map[string]*tls.Certificate // loaded client certificates by id
	certThumbs map[string]string           // thumbprint → id
	certErrs   map[string]string           // id → why it could not be loaded

	docs          map[*apim.PolicyDoc]*policy.Document
	fragments     map[string]*policy.Document
	defaultGlobal *policy.Document
	deployment    policyexpr.Deployment

	metrics *metrics
	events  *broker
	seq     atomic.Uint64 // requests served, numbering their expression seeds

	closeOnce sync.Once
	closed    chan struct{}
}

// New compiles svc into a Gateway: routes, the effective policy of every
// operation, backends with their transports, pools and breakers. Every
// problem found is returned (joined), each wrapping ErrConfig and naming
// its file:line:col; unknown and unemulated policy elements are among them
// unless opts.AllowUnemulated.
func New(svc *apim.Service, opts Options) (*Gateway, error) {
	if svc == nil {
		return nil, fmt.Errorf("%w: no service", ErrConfig)
	}
	opts = opts.withDefaults()
	g := &Gateway{
		svc:        svc,
		opts:       opts,
		log:        opts.Logger,
		now:        opts.Clock.Now,
		backends:   map[string]*backend{},
		certs:      map[string]*tls.Certificate{},
		certThumbs: map[string]string{},
		certErrs:   map[string]string{},
		docs:       map[*apim.PolicyDoc]*policy.Document{},
		fragments:  map[string]*policy.Document{},
		closed:     make(chan struct{}),
		deployment: policyexpr.Deployment{
			Region:      opts.Region,
			ServiceName: svc.Name,
			GatewayId:   "managed",
			Gateway:     policyexpr.Gateway{Id: "managed", InstanceId: opts.InstanceID, IsManaged: true},
		},
	}
	g.metrics = newMetrics()
	g.state = newPolicyState()
	g.events = newBroker()
	g.records.events = g.events
	c := &compiler{g: g, opts: opts}
	var err error
	if g.defaultGlobal, err = policy.Parse(&apim.PolicyDoc{Scope: apim.ScopeGlobal, XML: defaultGlobalXML, Pos: apim.Position{File: "<apimlab default global policy>", Line: 1, Col: 1}}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	g.buildRoots(c)
	g.loadCertificates()
	g.deployment.Certificates = g.deploymentCertificates()
	if g.adhoc, err = g.newTransport(nil, ""); err != nil {
		return nil, err
	}
	g.buildBackends(c)
	g.indexBackendURLs()
	g.buildRoutes(c)
	c.finishUnemulated()
	if err := c.err(); err != nil {
		g.Close()
		return nil, err
	}
	return g, nil
}

// NewInstances builds n independent gateways over one configuration, as
// Azure runs n gateway units: each has its own breaker and pool state
// (Azure does not synchronise them) and its own metrics.
func NewInstances(svc *apim.Service, opts Options, n int) ([]*Gateway, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: instances must be >= 1 (got %d)", ErrConfig, n)
	}
	out := make([]*Gateway, 0, n)
	for i := range n {
		o := opts
		if o.InstanceID == "" {
			o.InstanceID = fmt.Sprintf("instance-%d", i)
		}
		g, err := New(svc, o)
		if err != nil {
			for _, x := range out {
				x.Close()
			}
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// Close ends the gateway's event streams and closes idle backend
// connections. In-flight requests are not interrupted (http.Server.Shutdown
// waits for them). Close is idempotent.
func (g *Gateway) Close() {
	g.closeOnce.Do(func() {
		close(g.closed)
		g.events.close()
		g.closeIdleConns()
	})
}

// parse returns the parsed, named-value-substituted policy document (nil
// for nil), caching it.
func (g *Gateway) parse(c *compiler, d *apim.PolicyDoc) *policy.Document {
	if d == nil || strings.TrimSpace(d.XML) == "" {
		return nil
	}
	if doc, ok := g.docs[d]; ok {
		return doc
	}
	doc, err := policy.Parse(d)
	if err != nil {
		c.errs = append(c.errs, fmt.Errorf("%w: %w", ErrConfig, err))
		g.docs[d] = nil
		return nil
	}
	if err := policy.Substitute(doc, g.namedValue); err != nil {
		c.errs = append(c.errs, fmt.Errorf("%w: %w", ErrConfig, err))
	}
	g.docs[d] = doc
	return doc
}

// namedValue resolves {{name}} for policy.Substitute.
func (g *Gateway) namedValue(name string) (string, bool) {
	nv := g.svc.NamedValue(name)
	if nv == nil || !nv.Value.Known() {
		return "", false
	}
	return nv.Value.Value, true
}

// fragment is the policy.FragmentFunc of the service.
func (g *Gateway) fragment(id string) (*policy.Document, bool) {
	d, ok := g.fragments[strings.ToLower(id)]
	return d, ok && d != nil
}

// productPolicy returns the policy of the product the API's requests run
// under: the first of the API's products that has a policy. apimlab has
// no subscriptions to tell which product a call uses; see
// docs/semantics.md.
func (g *Gateway) productPolicy(c *compiler, a *apim.API) *policy.Document {
	var names []string
	names = append(names, a.Products...)
	for _, p := range g.svc.Products {
		for _, n := range p.APIs {
			if strings.EqualFold(n, a.Name) {
				names = append(names, p.Name)
			}
		}
	}
	for _, n := range names {
		if p := g.svc.Product(n); p != nil && p.Policy != nil {
			return g.parse(c, p.Policy)
		}
	}
	return nil
}

// ServeHTTP runs one request through routing and the policy pipeline.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := g.getExchange(w, r)
	defer x.release()
	api, rest, consumed, routeErr := g.route(r)
	var p *plan
	switch {
	case api == nil:
		p = g.global
		if p.crossDomain && isCrossDomainRequest(r) {
			routeErr = nil // the global cross-domain policy answers it
		}
	case routeErr != nil:
		x.api, x.path, p = api, rest, api.plan
	case len(api.ops) == 0:
		x.api, x.path, p = api, rest, api.plan
	default:
		x.api, x.path = api, rest
		if x.params == nil {
			x.params = make(map[string]string, 4)
		}
		if op := api.matchOp(r.Method, rest, x.params); op != nil {
			x.op, p = op, op.plan
		} else if r.Method == http.MethodOptions && api.plan.cors {
			p = api.plan // a CORS preflight: the API's cors answers it
		} else {
			p = api.plan
			routeErr = perr("configuration", ReasonOperationNotFound, gwerr.NotFoundStatus, "Unable to match incoming request to an operation.")
		}
	}
	if x.api != nil && r.URL.RawPath != "" {
		x.rawPath = escapedRest(r.URL.EscapedPath(), consumed, x.path)
	}
	var err error
	if routeErr != nil {
		err = routeErr
	} else {
		err = x.prepareRequest(p)
	}
	if err == nil {
		err = x.run(p)
	}
	if err != nil {
		x.onError(p, err)
	}
	for _, f := range x.after {
		f(x)
	}
	werr := x.write()
	g.metrics.request(x)
	if werr != nil {
		// As httputil.ReverseProxy does: abort the response (the client
		// sees a reset connection or stream, not a complete body that is
		// silently short). net/http does not log ErrAbortHandler.
		g.log.Debug("backend body broke off", "backend", x.served, "err", werr)
		panic(http.ErrAbortHandler)
	}
}

// run executes inbound, backend and outbound.
func (x *exchange) run(p *plan) error {
	for _, sec := range [...]int{secInbound, secBackend, secOutbound} {
		if sec == secBackend && x.cacheHit {
			continue // cache-lookup answered: no backend call
		}
		x.sec = sec
		if err := runSteps(x, p.sections[sec]); err != nil {
			return err
		}
		if x.done {
			return nil
		}
	}
	return nil
}

// onError sets context.LastError and runs the on-error section. An error
// inside on-error ends the request with that error's response.
func (x *exchange) onError(p *plan, err error) {
	pe := asPipelineError(err, "policy")
	x.ec.LastError = policyexpr.LastError{
		Source: pe.Source, Reason: pe.Reason, Message: pe.Message,
		Section: string(sectionOrder[x.sec]), Path: pe.Path, PolicyId: pe.PolicyID,
	}
	if pe.keep && x.hasResp {
		x.reason = pe.Reason
	} else {
		x.errorResponse(pe)
	}
	x.done = false
	x.sec = secOnError
	if err2 := runSteps(x, p.sections[secOnError]); err2 != nil {
		x.errorResponse(asPipelineError(err2, "on-error"))
	}
}
