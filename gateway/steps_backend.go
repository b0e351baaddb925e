package gateway

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim/policy"
)

// setBackendStep is <set-backend-service base-url|backend-id>.
type setBackendStep struct {
	backendID *value
	baseURL   *value
	fixed     *backend // literal backend-id, resolved at load
	fixedURL  *url.URL // literal base-url, parsed at load
	path      string
}

func (c *compiler) setBackend(e *policy.Element) step {
	st := &setBackendStep{backendID: c.attrValue(e, "backend-id"), baseURL: c.attrValue(e, "base-url"), path: e.Path()}
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
		return nil, fmt.Errorf("base-url %q is not an absolute http(s) URL", s)
	}
	return u, nil
}

func (s *setBackendStep) run(x *exchange) error {
	switch {
	case s.fixed != nil:
		x.target, x.baseURL = s.fixed, nil
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
			e := perr("set-backend-service", ReasonBackendNotFound, http.StatusInternalServerError, "base-url %q is not an absolute http(s) URL", raw)
			e.Path = s.path
			return e
		}
		x.target, x.baseURL = nil, u
	}
	return nil
}

// forwardStep is <forward-request>.
type forwardStep struct {
	timeout     time.Duration
	failOnError bool
	path        string
	id          string
}

// defaultForwardTimeout is forward-request's documented default (300 s).
const defaultForwardTimeout = 300 * time.Second

func (c *compiler) forward(e *policy.Element) step {
	st := &forwardStep{timeout: defaultForwardTimeout, path: e.Path(), id: policyID(e)}
	if e.Attr("timeout-ms") != nil {
		st.timeout = time.Duration(c.intAttr(e, "timeout-ms", 0)) * time.Millisecond
	} else if e.Attr("timeout") != nil {
		st.timeout = time.Duration(c.intAttr(e, "timeout", 300)) * time.Second
	}
	if st.timeout <= 0 {
		c.fail(e.Pos, "<forward-request>: timeout must be > 0")
		st.timeout = defaultForwardTimeout
	}
	st.failOnError = c.boolAttr(e, "fail-on-error-status-code", false)
	if c.boolAttr(e, "buffer-request-body", false) && c.cur != nil {
		c.cur.bufferBody = true
	}
	for _, a := range []string{"follow-redirects", "buffer-response", "http-version"} {
		if at := e.Attr(a); at != nil && !(a == "follow-redirects" && at.Value == "false") && !(a == "buffer-response" && at.Value == "true") && !(a == "http-version" && at.Value == "1") {
			c.fail(at.Pos, "<forward-request>: %s=%q is not emulated", a, at.Value)
		}
	}
	return st
}

func (s *forwardStep) run(x *exchange) error {
	err := x.forward(s.timeout)
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
}

func (c *compiler) retry(e *policy.Element, s policy.Section, inResp bool) step {
	st := &retryStep{
		cond:        c.requireAttr(e, "condition"),
		count:       c.intAttr(e, "count", 0),
		interval:    time.Duration(c.intAttr(e, "interval", 0)) * time.Second,
		delta:       time.Duration(c.intAttr(e, "delta", 0)) * time.Second,
		maxInterval: time.Duration(c.intAttr(e, "max-interval", 0)) * time.Second,
		firstFast:   c.boolAttr(e, "first-fast-retry", false),
	}
	if st.cond == nil {
		return nil
	}
	if st.count < 1 || st.count > 50 {
		c.fail(e.Pos, "<retry>: count must be in 1..50 (got %d)", st.count)
	}
	if c.cur != nil {
		c.cur.bufferBody = true
	}
	st.children = c.steps(e.Children, s, inResp)
	return st
}

// wait returns the delay before retry n (1-based), per the retry policy
// reference: fixed interval; linear interval + (n-1)*delta; exponential
// interval + (2^(n-1) - 1)*delta capped at max-interval when max-interval
// is set. apimlab applies delta exactly (Azure randomises it by ±20%).
func (s *retryStep) wait(n int) time.Duration {
	if s.firstFast && n == 1 {
		return 0
	}
	d := s.interval
	switch {
	case s.delta > 0 && s.maxInterval > 0:
		f := math.Pow(2, float64(n-1)) - 1
		d += time.Duration(f * float64(s.delta))
		if d > s.maxInterval || d < 0 {
			d = s.maxInterval
		}
	case s.delta > 0:
		d += time.Duration(n-1) * s.delta
	}
	return d
}

func (s *retryStep) run(x *exchange) error {
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
		if serr := x.g.opts.Sleep(x.r.Context(), s.wait(n+1)); serr != nil {
			return perr("retry", ReasonClientConnection, 499, "request canceled while waiting to retry")
		}
		x.g.metrics.retries.Inc()
	}
}
