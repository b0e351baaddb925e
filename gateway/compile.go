package gateway

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/liquid"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/beevik/etree"
)

// step is one compiled policy statement.
type step interface {
	run(x *exchange) error
}

// plan is the compiled effective policy of one operation.
type plan struct {
	sections [4][]step // inbound, backend, outbound, on-error
	// bufferBody is set when the request body may be sent more than once
	// (retry) or a policy asked for it (buffer-request-body).
	bufferBody bool
	// cors is set when the plan has a <cors>: a preflight OPTIONS that
	// matches no operation runs the API's plan so that cors answers it.
	cors bool
	// crossDomain is set when the plan has a <cross-domain>: a request for
	// /crossdomain.xml that matches no API runs the global plan so that
	// cross-domain answers it.
	crossDomain bool
}

const (
	secInbound = iota
	secBackend
	secOutbound
	secOnError
)

var sectionOrder = [4]policy.Section{policy.Inbound, policy.Backend, policy.Outbound, policy.OnError}

// compiler turns effective policies into plans for one Gateway.
type compiler struct {
	g    *Gateway
	opts Options
	errs []error
	// unemu holds the unemulated elements by name, unemuOrder their names
	// in order of first use.
	unemu      map[string]*NotEmulated
	unemuOrder []string
	// cur is the plan being compiled.
	cur *plan
	// layerOf maps the source element of every statement of the plan
	// being compiled to its scope: 0 global, 1 product, 2 API, 3 operation.
	layerOf map[*etree.Element]int
	// liquid parses set-body Liquid templates; built on first use.
	liquid *liquid.Engine
}

// layer returns the scope e (or its nearest enclosing statement) comes
// from, -1 when unknown (content of a policy fragment).
func (c *compiler) layer(e *policy.Element) int {
	for ; e != nil; e = e.Parent {
		if e.Node == nil {
			continue
		}
		if l, ok := c.layerOf[e.Node]; ok {
			return l
		}
	}
	return -1
}

func (c *compiler) fail(pos apim.Position, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%w: %s: %s", ErrConfig, pos, fmt.Sprintf(format, args...)))
}

func (c *compiler) err() error { return errors.Join(c.errs...) }

// defaultGlobalXML is the global policy APIM creates with a service; the
// gateway uses it when the configuration has no global policy, so that an
// API policy's <base/> in <backend> forwards the request.
const defaultGlobalXML = `<policies><inbound></inbound><backend><forward-request /></backend><outbound></outbound><on-error></on-error></policies>`

// compilePlan compiles the effective policy of the given layers: global
// first (nil means APIM's default global policy), then product, API and
// operation (nil layers allowed).
func (c *compiler) compilePlan(global *policy.Document, layers ...*policy.Document) *plan {
	if global == nil {
		global = c.g.defaultGlobal
	}
	eff, err := policy.Merge(c.g.fragment, append([]*policy.Document{global}, layers...)...)
	if err != nil {
		c.errs = append(c.errs, fmt.Errorf("%w: %w", ErrConfig, err))
		return &plan{}
	}
	p := &plan{}
	c.cur = p
	c.layerOf = map[*etree.Element]int{}
	for i, d := range append([]*policy.Document{global}, layers...) {
		if d == nil {
			continue
		}
		d.Walk(func(e *policy.Element) bool {
			if e.Node != nil {
				c.layerOf[e.Node] = i
			}
			return true
		})
	}
	for i, s := range sectionOrder {
		p.sections[i] = c.steps(eff.Section(s), s, false)
	}
	c.cur, c.layerOf = nil, nil
	return p
}

// steps compiles a list of statements. inResponse is true inside
// return-response, where set-header and set-body target the new response.
func (c *compiler) steps(elems []*policy.Element, s policy.Section, inResponse bool) []step {
	var out []step
	for _, e := range elems {
		if st := c.step(e, s, inResponse); st != nil {
			out = append(out, st)
		}
	}
	return out
}

// step compiles one statement; nil when it is skipped.
func (c *compiler) step(e *policy.Element, s policy.Section, inResponse bool) step {
	respTarget := inResponse || s == policy.Outbound || s == policy.OnError
	switch e.Name {
	case "base":
		return nil // Merge replaced every <base/>; a stray one is a no-op
	case "choose":
		return c.choose(e, s, inResponse)
	case "set-variable":
		return c.setVariable(e)
	case "set-header":
		return c.setHeader(e, respTarget)
	case "set-query-parameter":
		return c.setQuery(e)
	case "rewrite-uri":
		return c.rewriteURI(e)
	case "set-backend-service":
		return c.setBackend(e)
	case "forward-request":
		return c.forward(e)
	case "retry":
		return c.retry(e, s, inResponse)
	case "return-response":
		return c.returnResponse(e, s)
	case "mock-response":
		return c.mockResponse(e)
	case "set-status":
		return c.setStatus(e)
	case "set-body":
		return c.setBodyIn(e, respTarget, inResponse)
	case "set-method":
		return c.setMethod(e)
	case "authentication-basic":
		return c.authBasic(e)
	case "authentication-certificate":
		return c.authCertificate(e)
	case "authentication-managed-identity":
		return c.authManagedIdentity(e)
	case "ip-filter":
		return c.ipFilter(e)
	case "check-header":
		return c.checkHeader(e)
	case "rate-limit":
		return c.rateLimit(e)
	case "rate-limit-by-key":
		return c.rateLimitByKey(e)
	case "quota", "quota-by-key":
		return c.quota(e)
	case "limit-concurrency":
		return c.limitConcurrency(e, s, inResponse)
	case "cache-lookup":
		return c.cacheLookup(e)
	case "cache-store":
		return c.cacheStore(e)
	case "cache-lookup-value":
		return c.cacheLookupValue(e)
	case "cache-store-value":
		return c.cacheStoreValue(e)
	case "cache-remove-value":
		return c.cacheRemoveValue(e)
	case "trace":
		return c.trace(e)
	case "emit-metric":
		return c.emitMetric(e)
	case "log-to-eventhub":
		return c.logToEventHub(e)
	case "wait":
		return c.wait(e, s, inResponse)
	case "send-request", "send-one-way-request":
		return c.sendRequest(e)
	case "find-and-replace":
		return c.findAndReplace(e, respTarget)
	case "json-to-xml":
		return c.jsonToXML(e, respTarget)
	case "cors":
		if c.cur != nil {
			c.cur.cors = true
		}
		return c.cors(e)
	case "llm-token-limit", "azure-openai-token-limit":
		return c.tokenLimit(e)
	case "llm-emit-token-metric", "azure-openai-emit-token-metric":
		return c.tokenMetric(e)
	case "validate-jwt", "validate-azure-ad-token":
		return c.validateJWT(e)
	case "jsonp":
		return c.jsonp(e)
	case "redirect-content-urls":
		return c.redirectContentURLs(e, respTarget)
	case "publish-to-dapr", "invoke-dapr-binding", "send-service-bus-message":
		return c.message(e)
	case "xml-to-json":
		return c.xmlToJSON(e, respTarget)
	case "validate-status-code":
		return c.validateStatusCode(e)
	case "validate-headers":
		return c.validateHeaders(e)
	case "validate-content":
		return c.validateContent(e, respTarget)
	case "validate-parameters":
		return c.validateParameters(e)
	case "get-authorization-context":
		return c.authorizationContext(e)
	case "validate-odata-request":
		return c.validateODataRequest(e)
	case "cross-domain":
		return c.crossDomain(e)
	case "proxy":
		return c.proxy(e)
	case "validate-client-certificate":
		return c.validateClientCertificate(e)
	case "validate-graphql-request":
		return c.validateGraphQLRequest(e)
	case "include-fragment":
		// Merge expands fragments; one left here could not be resolved
		// and Merge already reported it.
		return nil
	}
	c.unemulated(e)
	return nil
}

// unemulated records an element the gateway does not run; New reports
// every use of one name in one message (finishUnemulated).
func (c *compiler) unemulated(e *policy.Element) {
	kind := "unknown policy element"
	if info, ok := policy.Lookup(e.Name); ok {
		kind = "policy not emulated by apimlab: " + info.Kind.String()
	}
	c.recordUnemulated(e, kind)
}

// requireAttr returns attribute name or reports it missing.
func (c *compiler) requireAttr(e *policy.Element, name string) *value {
	v := c.attrValue(e, name)
	if v == nil {
		c.fail(e.Pos, "<%s>: attribute %q is required", e.Name, name)
	}
	return v
}

// intAttr reads a literal integer attribute.
func (c *compiler) intAttr(e *policy.Element, name string, def int) int {
	n, err := e.IntAttr(name, def)
	if err != nil {
		c.fail(e.Pos, "<%s>: %v", e.Name, err)
		return def
	}
	return n
}

// boolAttr reads a literal boolean attribute.
func (c *compiler) boolAttr(e *policy.Element, name string, def bool) bool {
	b, err := e.BoolAttr(name, def)
	if err != nil {
		c.fail(e.Pos, "<%s>: %v", e.Name, err)
		return def
	}
	return b
}

// policyID returns the id attribute of a policy (context.LastError.PolicyId).
func policyID(e *policy.Element) string { return strings.TrimSpace(e.AttrValue("id", "")) }
