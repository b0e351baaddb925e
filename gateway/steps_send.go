package gateway

import (
	"bytes"
	"context"

	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/apim/policyexpr"
	"github.com/apimlab/apimlab/backends"
	"github.com/apimlab/apimlab/breaker"
	"github.com/apimlab/apimlab/clock"
)

// sendRequestStep is <send-request> and <send-one-way-request> (Learn,
// "Send request": "sends the provided request to the specified URL,
// waiting no longer than the set timeout value" — default 60 s; mode new
// starts from an empty request, copy from the current one;
// response-variable-name stores the response; with ignore-error "the
// response variable contains a null value" on error). A URL equal to a
// backend entity's URL goes through that entity: its breaker, pool,
// credentials and TLS settings apply, as for forward-request.
// send-one-way-request is sent before the pipeline continues and its
// response is dropped (apimlab does not send it in the background).
type sendRequestStep struct {
	policy      string
	copyMode    bool
	respVar     string
	timeout     time.Duration
	ignoreError bool
	url         *value
	method      *value
	headers     []target
	body        *value
	id          string
	proxy       *proxyStep // the <proxy> child (nil: none)
}

func (c *compiler) sendRequest(e *policy.Element) step {
	st := &sendRequestStep{policy: e.Name, respVar: e.AttrValue("response-variable-name", ""),
		timeout: time.Duration(c.intAttr(e, "timeout", 60)) * time.Second, ignoreError: c.boolAttr(e, "ignore-error", false), id: policyID(e)}
	switch m := e.AttrValue("mode", "new"); m {
	case "new":
	case "copy":
		st.copyMode = true
	default:
		c.fail(e.Pos, "<%s>: mode %q (want new or copy)", e.Name, m)
	}
	if e.Name == "send-request" && st.respVar == "" {
		c.fail(e.Pos, "<send-request>: attribute %q is required", "response-variable-name")
	}
	for _, ch := range e.Children {
		switch ch.Name {
		case "set-url":
			st.url = c.textValue(ch)
		case "set-method":
			st.method = c.textValue(ch)
		case "set-header":
			if t, ok := c.compileTarget(ch, true); ok {
				st.headers = append(st.headers, t)
			}
		case "set-body":
			if t := ch.AttrValue("template", ""); t != "" {
				c.fail(ch.Pos, "<%s>: <set-body template=%q> is not emulated in send-request (text or an expression only)", e.Name, t)
			}
			st.body = c.textValue(ch)
		case "proxy":
			st.proxy, _ = c.proxy(ch).(*proxyStep)
		default:
			c.unemulated(ch)
		}
	}
	if st.url == nil && !st.copyMode {
		c.fail(e.Pos, "<%s>: <set-url> is required in mode new", e.Name)
	}
	return st
}

func (s *sendRequestStep) run(x *exchange) error {
	resp, err := s.send(x)
	if err != nil {
		if s.ignoreError || s.policy == "send-one-way-request" {
			if s.respVar != "" {
				x.variables()[s.respVar] = nil
			}
			return nil
		}
		return err
	}
	if s.respVar != "" {
		x.variables()[s.respVar] = resp
	}
	return nil
}

// send builds and sends the request.
func (s *sendRequestStep) send(x *exchange) (policyexpr.Response, error) {
	var out policyexpr.Response
	method, h, body := http.MethodGet, http.Header{}, []byte(nil)
	var target *url.URL
	if s.copyMode {
		method, h = x.method, x.header.Clone()
		if b, err := x.requestBody(); err == nil {
			body = []byte(b)
		}
		if u := x.backendBase(); u != nil {
			target = &url.URL{Scheme: u.Scheme, Host: u.Host, Path: joinPath(u.Path, x.path), RawQuery: x.rawQuery}
		}
	}
	if s.url != nil {
		str, err := s.url.str(x)
		if err != nil {
			return out, err
		}
		u, err := url.Parse(strings.TrimSpace(str))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return out, s.fail(x, ReasonExpression, http.StatusInternalServerError, "set-url %q is not an absolute http(s) URL", apim.MaskURLPasswords(str, "****"))
		}
		target = u
	}
	if target == nil {
		return out, s.fail(x, ReasonNoBackend, http.StatusInternalServerError, "no URL to send to")
	}
	if s.method != nil {
		m, err := s.method.str(x)
		if err != nil {
			return out, err
		}
		method = strings.ToUpper(strings.TrimSpace(m))
	}
	for i := range s.headers {
		t := &s.headers[i]
		name, action, err := t.resolve(x)
		if err != nil {
			return out, err
		}
		if action == "delete" || action == "skip" && h.Get(name) != "" {
			if action == "delete" {
				h.Del(name)
			}
			continue
		}
		vals, err := t.evalValues(x)
		if err != nil {
			return out, err
		}
		if action == "append" {
			h[name] = append(h[name], vals...)
		} else {
			h[name] = vals
		}
	}
	if s.body != nil {
		b, err := s.body.str(x)
		if err != nil {
			return out, err
		}
		body = []byte(b)
	}
	// Through the backend entity with this URL, if any.
	b := x.g.backendForURL(&url.URL{Scheme: target.Scheme, Host: target.Host})
	var lease backends.Lease
	ht := x.g.adhoc
	name := target.Host
	if b != nil {
		member, l, err := x.admit(b)
		if err != nil {
			pe := asPipelineError(err, s.policy)
			pe.Source = s.policy
			return out, pe
		}
		b, lease, name = member, l, member.name
		if b.url != nil {
			target = &url.URL{Scheme: b.url.Scheme, Host: b.url.Host, Path: target.Path, RawQuery: target.RawQuery}
		}
		if b.credHeader != nil {
			for k, v := range b.credHeader {
				h[k] = v
			}
		}
		ht = b.transportFor(x.g, "")
	}
	base, err := s.proxy.context(x)
	if err != nil {
		return out, err
	}
	ctx, cancel := context.WithCancel(base)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target.String(), bytes.NewReader(body))
	if err != nil {
		return out, s.fail(x, ReasonExpression, http.StatusInternalServerError, "%v", err)
	}
	req.Header = h
	if len(body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	t := clock.AfterFuncCtx(x.g.opts.Clock, ctx, max(s.timeout, 0), cancel)
	var tr http.RoundTripper = ht
	if s.proxy == nil {
		// As forward-request's attempts (h1client.go).
		if c := x.g.h1For(ht); c.fast(req) {
			tr = c
		}
	}
	start := x.g.now()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Stop()
		reason := ReasonConnection
		if ctx.Err() != nil && x.r.Context().Err() == nil {
			reason = ReasonTimeout
		}
		lease.Done(breaker.Outcome{Err: err, ErrReason: reason})
		x.g.attempted(name, start, 0, reason)
		return out, s.fail(x, reason, http.StatusInternalServerError, "%s %s: %v", method, target.Redacted(), err)
	}
	data, err := readBounded(resp.Body, x.g.opts.MaxBodyBytes)
	t.Stop()
	resp.Body.Close()
	if err != nil {
		lease.Done(breaker.Outcome{Err: err, ErrReason: ReasonConnection})
		return out, s.fail(x, ReasonConnection, http.StatusInternalServerError, "%v", err)
	}
	lease.Done(breaker.Outcome{StatusCode: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")})
	x.g.attempted(name, start, resp.StatusCode, "")
	text := string(data)
	out = policyexpr.Response{StatusCode: resp.StatusCode, StatusReason: strings.TrimPrefix(resp.Status, itoa3(resp.StatusCode)+" "), Headers: resp.Header,
		Body: func() (string, error) { return text, nil }}
	if !x.g.opts.PreserveBodies {
		// A read without preserveContent: true loses the stored body, as
		// for context.Response.Body (body.go).
		out.Consume = func() { text = "" }
	}
	return out, nil
}

func itoa3(n int) string {
	return string([]byte{byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)})
}

func (s *sendRequestStep) fail(_ *exchange, reason string, status int, format string, args ...any) *pipelineError {
	pe := perr(s.policy, reason, status, format, args...)
	pe.PolicyID = s.id
	return pe
}
