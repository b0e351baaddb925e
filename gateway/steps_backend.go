package gateway

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
)

// setBackendStep is <set-backend-service base-url|backend-id>.
type setBackendStep struct {
	backendID   *value
	baseURL     *value
	fixed       *backend // literal backend-id, resolved at load
	fixedURL    *url.URL // literal base-url, parsed at load
	fixedEntity *backend // the backend entity whose URL matches fixedURL
	path        string
	// layer is the policy scope the statement comes from (0 global,
	// 1 product, 2 API, 3 operation; -1 unknown, e.g. fragment content).
	layer int
}

func (c *compiler) setBackend(e *policy.Element) step {
	st := &setBackendStep{backendID: c.attrValue(e, "backend-id"), baseURL: c.attrValue(e, "base-url"), path: e.Path(), layer: c.layer(e)}
	switch {
	case (st.backendID == nil) == (st.baseURL == nil):
		c.fail(e.Pos, "<set-backend-service>: exactly one of base-url and backend-id is required")
		return nil
	case st.backendID != nil && st.backendID.constant():
		if st.fixed = c.g.lookupBackend(st.backendID.lit); st.fixed == nil {
			c.fail(st.backendID.pos, "<set-backend-service>: no backend %q in the service", st.backendID.lit)
			return nil
		}
	case st.baseURL != nil && st.baseURL.constant():
		u, err := parseBaseURL(st.baseURL.lit)
		if err != nil {
			c.fail(st.baseURL.pos, "<set-backend-service>: %v", err)
			return nil
		}
		st.fixedURL = u
		st.fixedEntity = c.g.backendForURL(u)
	}
	for _, a := range e.Attrs {
		switch a.Name {
		case "backend-id", "base-url", "id":
		default:
			// sf-* (Service Fabric) and dapr attributes.
			c.fail(a.Pos, "<set-backend-service>: attribute %q is not emulated", a.Name)
		}
	}
	return st
}

func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base-url %q is not an absolute http(s) URL", apim.MaskURLPasswords(s, "****"))
	}
	return u, nil
}

// run sets the target. Learn (set-backend-service, usage notes): "if you
// define a base set-backend-service policy using the backend-id attribute
// and inherit the base policy using <base /> within the scope, then it can
// only be overridden with a policy using the backend-id attribute, not the
// base-url attribute": such a base-url is ignored and the inherited
// backend-id stays in effect. A base-url matching a backend entity's URL
// uses that entity (Learn, "Backends in API Management").
func (s *setBackendStep) run(x *exchange) error {
	if s.baseURL != nil && x.byID && x.targetLayer >= 0 && s.layer > x.targetLayer {
		return nil
	}
	switch {
	case s.fixed != nil:
		x.target, x.baseURL = s.fixed, nil
	case s.fixedEntity != nil:
		x.target, x.baseURL = s.fixedEntity, nil
	case s.fixedURL != nil:
		x.target, x.baseURL = nil, s.fixedURL
	case s.backendID != nil:
		id, err := s.backendID.str(x)
		if err != nil {
			return err
		}
		b := x.g.lookupBackend(id)
		if b == nil {
			e := perr("set-backend-service", ReasonBackendNotFound, http.StatusInternalServerError, "backend %q does not exist", id)
			e.Path = s.path
			return e
		}
		x.target, x.baseURL = b, nil
	default:
		raw, err := s.baseURL.str(x)
		if err != nil {
			return err
		}
		u, err := parseBaseURL(raw)
		if err != nil {
			e := perr("set-backend-service", ReasonBackendNotFound, http.StatusInternalServerError, "base-url %q is not an absolute http(s) URL", apim.MaskURLPasswords(raw, "****"))
			e.Path = s.path
			return e
		}
		if b := x.g.backendForURL(u); b != nil {
			x.target, x.baseURL = b, nil
		} else {
			x.target, x.baseURL = nil, u
		}
	}
	x.byID, x.targetLayer = s.backendID != nil, s.layer
	return nil
}

// forwardStep is <forward-request>.
type forwardStep struct {
	timeout     time.Duration
	timeoutVal  *value        // timeout or timeout-ms given as an expression
	unit        time.Duration // time.Second (timeout) or time.Millisecond (timeout-ms)
	continueVal *value        // continue-timeout given as an expression
	failOnError bool
	version     httpVersion // http-version (default "1")
	follow      bool        // follow-redirects (literal)
	unbuffered  bool        // buffer-response="false"
	followVal   *value      // follow-redirects given as an expression
	path        string
	id          string
}

// defaultForwardTimeout is forward-request's documented default (300 s).
const defaultForwardTimeout = 300 * time.Second

func (c *compiler) forward(e *policy.Element) step {
	st := &forwardStep{timeout: defaultForwardTimeout, unit: time.Second, path: e.Path(), id: policyID(e)}
	name := "timeout"
	switch {
	case e.Attr("timeout") != nil && e.Attr("timeout-ms") != nil:
		c.fail(e.Pos, "<forward-request>: specify timeout or timeout-ms, not both")
	case e.Attr("timeout-ms") != nil:
		name, st.unit = "timeout-ms", time.Millisecond
	}
	if v := c.attrValue(e, name); v != nil {
		if v.constant() {
			if n, ok := c.nonNegative(e, name, v); ok {
				st.timeout = time.Duration(n) * st.unit
			}
		} else {
			st.timeoutVal = v
		}
	}
	// continue-timeout is validated (a literal now, an expression per
	// request) but not applied: the transport waits 1 s for
	// "100 Continue" (docs/semantics.md).
	if v := c.attrValue(e, "continue-timeout"); v != nil {
		if v.constant() {
			c.nonNegative(e, "continue-timeout", v)
		} else {
			st.continueVal = v
		}
	}
	st.failOnError = c.boolAttr(e, "fail-on-error-status-code", false)
	if c.boolAttr(e, "buffer-request-body", false) && c.cur != nil {
		c.cur.bufferBody = true
	}
	if at := e.Attr("http-version"); at != nil {
		v, ok := parseHTTPVersion(at.Value)
		if !ok {
			c.fail(at.Pos, "<forward-request>: http-version %q is not one of 1, 2or1, 2", at.Value)
		}
		st.version = v
	}
	// follow-redirects: Learn, "Forward request": "Specifies whether
	// redirects from the backend service are followed by the gateway or
	// returned to the caller. Policy expressions are allowed." Default false.
	if v := c.attrValue(e, "follow-redirects"); v != nil {
		if v.constant() {
			b, err := strconv.ParseBool(strings.TrimSpace(v.lit))
			if err != nil {
				c.fail(v.pos, "<forward-request>: follow-redirects %q is not true or false", v.lit)
			}
			st.follow = b
		} else {
			st.followVal = v
		}
	}
	// buffer-response: Learn, "Forward request": "When set to true,
	// chunks are buffered (8 KB, unless end of stream is detected) and only
	// then returned to the caller. Set to false with backends such as
	// those implementing server-sent events (SSE)…" Default true; no
	// policy expressions.
	if at := e.Attr("buffer-response"); at != nil {
		b, err := strconv.ParseBool(strings.TrimSpace(at.Value))
		if err != nil {
			c.fail(at.Pos, "<forward-request>: buffer-response %q is not true or false", at.Value)
		}
		st.unbuffered = err == nil && !b
	}
	return st
}

// nonNegative parses a literal integer attribute that must be >= 0.
func (c *compiler) nonNegative(e *policy.Element, name string, v *value) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v.lit))
	if err != nil || n < 0 {
		c.fail(v.pos, "<%s>: %s %q is not an integer >= 0", e.Name, name, v.lit)
		return 0, false
	}
	return n, true
}

// evalNonNegative evaluates an expression-valued integer attribute that
// must be >= 0.
func evalNonNegative(x *exchange, v *value, policyName, attr string) (int, error) {
	n, err := v.integer(x)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, perr(policyName, ReasonExpression, http.StatusInternalServerError, "%s: %s is %d, want >= 0", v.pos, attr, n)
	}
	return n, nil
}

func (s *forwardStep) run(x *exchange) error {
	timeout := s.timeout
	if s.timeoutVal != nil {
		n, err := evalNonNegative(x, s.timeoutVal, "forward-request", "timeout")
		if err != nil {
			return err
		}
		timeout = time.Duration(n) * s.unit
	}
	if s.continueVal != nil {
		if _, err := evalNonNegative(x, s.continueVal, "forward-request", "continue-timeout"); err != nil {
			return err
		}
	}
	follow := s.follow
	if s.followVal != nil {
		b, err := s.followVal.boolean(x)
		if err != nil {
			return err
		}
		follow = b
	}
	x.unbufferedResp = s.unbuffered
	err := x.forward(attemptSpec{timeout: timeout, version: s.version, followRedirects: follow})
	if err != nil {
		if pe, ok := err.(*pipelineError); ok {
			pe.Path, pe.PolicyID = s.path, s.id
		}
		return err
	}
	if s.failOnError && x.status >= 400 && x.status <= 599 {
		e := perr("forward-request", ReasonErrorStatus, x.status, "backend answered %d", x.status)
		e.Path, e.PolicyID, e.Backend = s.path, s.id, x.served
		e.keep = true
		return e
	}
	return nil
}

// retryStep is <retry condition count interval …>: it runs its children,
// then again while the condition holds and attempts remain. Each attempt's
// forward-request selects a pool member afresh.
type retryStep struct {
	cond        *value
	count       int
	interval    time.Duration
	delta       time.Duration
	maxInterval time.Duration
	firstFast   bool
	children    []step
	// dyn holds the attributes given as policy expressions (Learn allows
	// them on all five); they are evaluated once, when the retry starts.
	dyn *retryExprs
}

// retryExprs are retry's expression-valued attributes (nil: literal).
type retryExprs struct {
	count, interval, delta, maxInterval, firstFast *value
}

func (c *compiler) retry(e *policy.Element, s policy.Section, inResp bool) step {
	st := &retryStep{cond: c.requireAttr(e, "condition")}
	dyn := &retryExprs{}
	seconds := func(name string, dst *time.Duration, expr **value) {
		v := c.attrValue(e, name)
		switch {
		case v == nil:
		case !v.constant():
			*expr = v
		default:
			if n, ok := c.nonNegative(e, name, v); ok {
				*dst = time.Duration(n) * time.Second
			}
		}
	}
	if v := c.attrValue(e, "count"); v != nil && !v.constant() {
		dyn.count = v
	} else {
		st.count = c.intAttr(e, "count", 0)
		if st.count < 1 || st.count > 50 {
			c.fail(e.Pos, "<retry>: count must be in 1..50 (got %d)", st.count)
		}
	}
	seconds("interval", &st.interval, &dyn.interval)
	seconds("delta", &st.delta, &dyn.delta)
	seconds("max-interval", &st.maxInterval, &dyn.maxInterval)
	if v := c.attrValue(e, "first-fast-retry"); v != nil && !v.constant() {
		dyn.firstFast = v
	} else {
		st.firstFast = c.boolAttr(e, "first-fast-retry", false)
	}
	if *dyn != (retryExprs{}) {
		st.dyn = dyn
	}
	if st.cond == nil {
		return nil
	}
	// Azure reuses the body on a retry only when buffer-request-body is
	// "true" (forward.go); Options.PreserveBodies buffers it for every
	// retry.
	if c.cur != nil && c.g.opts.PreserveBodies {
		c.cur.bufferBody = true
	}
	st.children = c.steps(e.Children, s, inResp)
	return st
}

// resolve returns s with its expression-valued attributes evaluated.
func (s *retryStep) resolve(x *exchange) (*retryStep, error) {
	if s.dyn == nil {
		return s, nil
	}
	r := *s
	d := s.dyn
	if d.count != nil {
		n, err := d.count.integer(x)
		if err != nil {
			return nil, err
		}
		if n < 1 || n > 50 {
			return nil, perr("retry", ReasonExpression, http.StatusInternalServerError, "%s: count is %d, want 1..50", d.count.pos, n)
		}
		r.count = n
	}
	for _, a := range []struct {
		v    *value
		dst  *time.Duration
		name string
	}{{d.interval, &r.interval, "interval"}, {d.delta, &r.delta, "delta"}, {d.maxInterval, &r.maxInterval, "max-interval"}} {
		if a.v == nil {
			continue
		}
		n, err := evalNonNegative(x, a.v, "retry", a.name)
		if err != nil {
			return nil, err
		}
		*a.dst = time.Duration(n) * time.Second
	}
	if d.firstFast != nil {
		b, err := d.firstFast.boolean(x)
		if err != nil {
			return nil, err
		}
		r.firstFast = b
	}
	return &r, nil
}

// wait returns the delay before retry n (1-based), per the retry policy
// reference: fixed interval; linear interval + (n-1)*delta; exponential
// interval + (2^(n-1) - 1)*delta capped at max-interval when max-interval
// is set. apimlab applies delta exactly (Azure randomises it by ±20%).
func (s *retryStep) wait(n int) time.Duration {
	return policy.RetryDelay{Interval: s.interval, Delta: s.delta, MaxInterval: s.maxInterval, FirstFast: s.firstFast}.Wait(n)
}

func (s *retryStep) run(x *exchange) error {
	s, err := s.resolve(x)
	if err != nil {
		return err
	}
	for n := 0; ; n++ {
		err := runSteps(x, s.children)
		if x.done {
			return err
		}
		if err != nil {
			pe := asPipelineError(err, "retry")
			x.ec.LastError.Source, x.ec.LastError.Reason, x.ec.LastError.Message = pe.Source, pe.Reason, pe.Message
		}
		if n >= s.count {
			return err
		}
		again, cerr := s.cond.boolean(x)
		if cerr != nil {
			return cerr
		}
		if !again {
			return err
		}
		if serr := x.g.opts.Clock.Sleep(x.r.Context(), s.wait(n+1)); serr != nil {
			return perr("retry", ReasonClientConnection, 499, "request canceled while waiting to retry")
		}
		x.g.metrics.retries.Inc()
	}
}
