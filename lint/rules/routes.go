package rules

import (
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/apim/policyexpr"
	"github.com/beevik/etree"
)

// Helpers shared by the rules that follow "the backend in effect" of a
// request through the merged scopes (APIM402, APIM403, APIM407 and the
// request-body rules): URL matching against backend entities, the
// backend-id candidates of an attribute, and a tracker that replays the
// set-backend-service statements of an effective policy.

// backendWithURL returns the first declared Single backend whose url
// matches u (normalURL), or nil: the entity Azure applies to a request
// sent to u.
func backendWithURL(svc *apim.Service, u string) *apim.Backend {
	if strings.TrimSpace(u) == "" {
		return nil
	}
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

// backendIDCandidates returns the backend ids an attribute can name: its
// literal value, or the literal results of its expression.
func backendIDCandidates(a *policy.Attr) []string {
	switch a.Kind() {
	case policy.Literal:
		if id := strings.TrimSpace(a.Value); id != "" && !policy.HasDeployToken(id) {
			return []string{id}
		}
	case policy.Expression:
		if a.Expr == nil {
			return nil
		}
		lits, _ := policyexpr.ResultLiterals(a.Expr.Src, a.Expr.Block)
		var out []string
		for _, l := range lits {
			l = strings.TrimSpace(l)
			if l != "" && policy.Classify(l) == policy.Literal && !policy.HasDeployToken(l) {
				out = append(out, l)
			}
		}
		return out
	}
	return nil
}

// setBackendServices returns the set-backend-service elements of p.
func setBackendServices(p *parsedPolicy) []*policy.Element {
	var out []*policy.Element
	p.walkNamed([]string{"set-backend-service"}, func(e *policy.Element) bool {
		out = append(out, e)
		return true
	})
	return out
}

// containsForwardRequest reports whether e has a forward-request inside.
func containsForwardRequest(e *policy.Element) bool {
	found := false
	e.Walk(func(x *policy.Element) bool {
		if x.Name == "forward-request" {
			found = true
		}
		return !found
	})
	return found
}

// forwardsRequest reports whether e has a forward-request inside, also
// through the policy fragments it includes (looked up in set, cycles
// ignored).
func forwardsRequest(svc *apim.Service, set *policySet, e *policy.Element) bool {
	return len(forwardRequests(svc, set, e)) > 0
}

// forwardRequests returns the forward-request elements inside e, also
// those of the policy fragments it includes.
func forwardRequests(svc *apim.Service, set *policySet, e *policy.Element) []*policy.Element {
	var out []*policy.Element
	forwardsVia(svc, set, e, map[string]bool{}, &out)
	return out
}

func forwardsVia(svc *apim.Service, set *policySet, e *policy.Element, seen map[string]bool, out *[]*policy.Element) {
	e.Walk(func(x *policy.Element) bool {
		switch x.Name {
		case "forward-request":
			*out = append(*out, x)
		case "include-fragment":
			id := strings.ToLower(strings.TrimSpace(x.AttrValue("fragment-id", "")))
			if id == "" || seen[id] {
				break
			}
			seen[id] = true
			if f := svc.Fragment(id); f != nil {
				if d := set.Parsed(f.Policy); d != nil && d.Root != nil {
					forwardsVia(svc, set, d.Root, seen, out)
				}
			}
		}
		return !isFreeForm(x.Name)
	})
}

// bodyMethods are the HTTP methods whose requests carry a body.
var bodyMethods = map[string]bool{"POST": true, "PUT": true, "PATCH": true}

// carriesBody reports whether the chain's operation is known to take a
// request body (POST, PUT, PATCH).
func (c scopeChain) carriesBody() bool {
	return c.Op != nil && c.Op.Method.Known() && bodyMethods[strings.ToUpper(strings.TrimSpace(c.Op.Method.Value))]
}

// breakerProtected reports whether b, or a member of pool b, has a circuit
// breaker rule.
func breakerProtected(svc *apim.Service, b *apim.Backend) bool {
	has := func(x *apim.Backend) bool {
		return x != nil && x.CircuitBreaker != nil && len(x.CircuitBreaker.Rules) > 0
	}
	if has(b) {
		return true
	}
	if b.IsPool() && b.PoolConfig != nil {
		for _, m := range b.PoolConfig.Services {
			if m.Name != "" && has(svc.Backend(m.Name)) {
				return true
			}
		}
	}
	return false
}

// route follows the backend in effect while the statements of one
// effective policy run, as the gateway does (docs/semantics.md): the API's
// serviceUrl (and the entity it matches), then every set-backend-service
// in document order. A backend-id set in an enclosing scope can only be
// overridden by another backend-id: a base-url in an inner scope leaves it
// in effect (Learn, set-backend-service, usage notes).
type route struct {
	svc    *apim.Service
	origin map[*etree.Element]*apim.PolicyDoc
	// layers are the chain's scopes, outermost first (see layerOf).
	layers []*apim.PolicyDoc

	// Backends are the entities that can be in effect (several when
	// backend-id is an expression with several literal results); nil when
	// none is known.
	Backends []*apim.Backend
	// ByURL is true when Backends were matched by URL (serviceUrl or
	// base-url) rather than named by backend-id.
	ByURL bool
	// idLayer is the scope layer (1 = outermost) of the backend-id in
	// effect; 0 when none is.
	idLayer int
}

// newRoute starts a route for chain c of the effective policy whose
// elements come from origin.
func newRoute(svc *apim.Service, c scopeChain, origin map[*etree.Element]*apim.PolicyDoc) *route {
	r := &route{svc: svc, origin: origin, layers: c.Layers}
	if c.API != nil && c.API.ServiceURL.Known() {
		if b := backendWithURL(svc, c.API.ServiceURL.Value); b != nil {
			r.Backends, r.ByURL = []*apim.Backend{b}, true
		}
	}
	return r
}

// layerOf returns the scope layer of doc in the chain (1 = outermost; the
// innermost when doc is there twice), or 0 when doc is none of them.
func (r *route) layerOf(doc *apim.PolicyDoc) int {
	for i := len(r.layers) - 1; i >= 0; i-- {
		if l := r.layers[i]; l != nil && l == doc {
			return i + 1
		}
	}
	return 0
}

// Apply updates the backend in effect after the set-backend-service e. It
// reports whether e is a base-url that cannot override the backend-id an
// enclosing scope set, and so leaves it in effect.
func (r *route) Apply(e *policy.Element) (ignored bool) {
	base, id := e.Attr("base-url"), e.Attr("backend-id")
	doc := r.origin[e.Node]
	l := r.layerOf(doc)
	switch {
	case id != nil && base == nil:
		r.Backends, r.ByURL = nil, false
		for _, name := range backendIDCandidates(id) {
			if b := r.svc.Backend(name); b != nil {
				r.Backends = append(r.Backends, b)
			}
		}
		r.idLayer = l
	case base != nil && id == nil:
		if r.idLayer > 0 && l > r.idLayer {
			return true
		}
		r.Backends, r.ByURL, r.idLayer = nil, false, 0
		var urls []string
		switch {
		case literalValue(base):
			urls = []string{base.Value}
		case base.Kind() == policy.Expression:
			urls = backendIDCandidates(base)
		}
		for _, u := range urls {
			if b := backendWithURL(r.svc, u); b != nil {
				r.Backends, r.ByURL = append(r.Backends, b), true
			}
		}
	}
	return false
}
