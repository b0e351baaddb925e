package gateway

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim/liquid"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/apim/policyexpr"
	"github.com/osteele/liquid/values"
)

// liquidStep is <set-body template="liquid"> (Learn, "Set body", section
// "Using Liquid templates with set-body",
// https://learn.microsoft.com/azure/api-management/set-body-policy). The
// template is compiled once, at load, by apim/liquid; each request
// renders it against body (the message body parsed from JSON or XML, by
// its Content-Type) and context (Request, Response, Variables).
type liquidStep struct {
	tpl       *liquid.Template
	resp      bool // outbound/on-error: the response body
	inReturn  bool // inside return-response: the input body is empty (Learn)
	parseDate bool // parse-date (default true)
	xsiNull   bool // xsi-nil="null" (default blank)
}

func (c *compiler) liquidBody(e *policy.Element, resp, inReturn bool) step {
	xsiNil := e.AttrValue("xsi-nil", "blank")
	if xsiNil != "blank" && xsiNil != "null" {
		c.fail(e.Pos, "<set-body>: xsi-nil %q (want blank or null)", xsiNil)
		return nil
	}
	if c.liquid == nil {
		now := time.Now
		if c.g != nil && c.g.now != nil {
			now = c.g.now
		}
		c.liquid = liquid.NewEngine(now)
	}
	tpl, probs := c.liquid.Compile(e)
	for _, p := range probs {
		c.fail(p.Pos, "<set-body template=\"liquid\">: %s", p.Msg)
	}
	if tpl == nil {
		return nil
	}
	return &liquidStep{tpl: tpl, resp: resp, inReturn: inReturn,
		parseDate: c.boolAttr(e, "parse-date", true), xsiNull: xsiNil == "null"}
}

func (s *liquidStep) run(x *exchange) error {
	bindings := map[string]any{"context": x.liquidContext()}
	if !s.inReturn {
		body, err := s.body(x)
		if err != nil {
			return err
		}
		bindings["body"] = body
	}
	out, err := s.tpl.Render(bindings)
	if err != nil {
		return perr("set-body", ReasonExpression, http.StatusInternalServerError, "liquid template: %v", err)
	}
	if s.resp {
		if !x.hasResp {
			x.newResponse(http.StatusOK)
		}
		x.closeStream()
		x.respBody = out
		delete(x.respHeader, "Content-Length")
		return nil
	}
	x.body, x.hasBody = out, true
	return nil
}

// body parses the message body for the template by its Content-Type
// (Learn: application/json, text/json or +json for JSON; application/xml,
// text/xml or +xml for XML). Any other type, or no body, binds nothing.
func (s *liquidStep) body(x *exchange) (any, error) {
	h := x.header
	if s.resp {
		h = x.respHeader
	}
	kind := liquidBodyKind(h.Get("Content-Type"))
	if kind == "" {
		return nil, nil
	}
	var text string
	var err error
	if s.resp {
		text, err = x.responseBody()
	} else {
		text, err = x.requestBody()
	}
	if err != nil || strings.TrimSpace(text) == "" {
		return nil, err
	}
	if kind == "xml" {
		root, err := parseXMLTree(text)
		if err != nil {
			pe := perr("set-body", ReasonExpression, http.StatusInternalServerError, "liquid template: the body is not XML.")
			pe.detail = err.Error() // the parser's words go to the log, not to the client
			return nil, pe
		}
		return map[string]any{root.name: s.xmlValue(root.jsonValue())}, nil
	}
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		pe := perr("set-body", ReasonExpression, http.StatusInternalServerError, "liquid template: the body is not JSON.")
		pe.detail = err.Error() // the parser's words go to the log, not to the client
		return nil, pe
	}
	return s.liquidValue(v), nil
}

// liquidBodyKind is "json", "xml" or "" for a Content-Type.
func liquidBodyKind(ct string) string {
	mt, _, _ := strings.Cut(strings.ToLower(ct), ";")
	mt = strings.TrimSpace(mt)
	switch {
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json"):
		return "json"
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return "xml"
	}
	return ""
}

// liquidValue converts decoded JSON for the template: integers to int64,
// other numbers to float64 and, with parse-date, date strings to
// liquid.DateTime (Newtonsoft's DateParseHandling.DateTime).
func (s *liquidStep) liquidValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = s.liquidValue(e)
		}
	case []any:
		for i, e := range t {
			t[i] = s.liquidValue(e)
		}
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		f, _ := t.Float64()
		return f
	case string:
		if s.parseDate {
			if d, ok := liquid.ParseDate(t); ok {
				return d
			}
		}
	}
	return v
}

// xmlValue is the body of an XML message for the template: the element
// converted as xml-to-json converts it (jsonValue: attributes as "@name",
// repeated elements as arrays, text as "#text" next to other members),
// with parse-date applied to text and an element with xsi:nil="true"
// "" (xsi-nil="blank") or nil (xsi-nil="null").
func (s *liquidStep) xmlValue(v any) any {
	switch t := v.(type) {
	case orderedObject:
		if t.m["@nil"] == "true" && !hasElementMember(t) {
			if s.xsiNull {
				return nil
			}
			return ""
		}
		m := make(map[string]any, len(t.m))
		for k, e := range t.m {
			m[k] = s.xmlValue(e)
		}
		return m
	case []any:
		for i, e := range t {
			t[i] = s.xmlValue(e)
		}
	case string:
		if s.parseDate {
			if d, ok := liquid.ParseDate(t); ok {
				return d
			}
		}
	}
	return v
}

// hasElementMember reports whether o has a member other than attributes.
func hasElementMember(o orderedObject) bool {
	for _, k := range o.keys {
		if !strings.HasPrefix(k, "@") {
			return true
		}
	}
	return false
}

// liquidContext is the context object Learn lists for Liquid templates.
func (x *exchange) liquidContext() map[string]any {
	x.syncContext()
	c := &x.ec
	params := make(map[string]any, len(c.Request.MatchedParameters))
	for k, v := range c.Request.MatchedParameters {
		params[k] = v
	}
	req := map[string]any{
		"Url":               liquidURL(c.Request.Url),
		"Method":            c.Request.Method,
		"OriginalMethod":    x.r.Method,
		"OriginalUrl":       liquidURL(c.Request.OriginalUrl),
		"IpAddress":         c.Request.IpAddress,
		"MatchedParameters": params,
		"HasBody":           x.r.ContentLength != 0 && x.r.Body != nil && x.r.Body != http.NoBody,
		"Headers":           liquidHeaders{c.Request.Headers},
	}
	out := map[string]any{"Request": req}
	if x.hasResp {
		out["Response"] = map[string]any{
			"StatusCode":   int64(x.status),
			"StatusReason": x.statusText,
			"Headers":      liquidHeaders{x.respHeader},
		}
	}
	vars := make(map[string]any, len(c.Variables))
	for k, v := range c.Variables {
		vars[k] = v
	}
	out["Variables"] = vars
	return out
}

// liquidURLValue is context.Request.Url in a template. Written alone it is
// the URL (ToString).
type liquidURLValue struct {
	Scheme      string
	Host        string
	Port        int64
	Path        string
	Query       map[string]any
	QueryString string
	url         string
}

func liquidURL(u policyexpr.Url) liquidURLValue {
	v := liquidURLValue{Scheme: u.Scheme, Host: u.Host, Port: int64(u.Port), Path: u.Path, Query: map[string]any{}}
	host := u.Host
	if !(u.Scheme == "http" && u.Port == 80 || u.Scheme == "https" && u.Port == 443 || u.Port == 0) {
		host += ":" + strconv.Itoa(u.Port)
	}
	v.url = u.Scheme + "://" + host + u.Path
	if u.RawQuery != "" {
		v.QueryString = "?" + u.RawQuery
		v.url += v.QueryString
		q, _ := url.ParseQuery(u.RawQuery)
		for k, vs := range q {
			v.Query[k] = strings.Join(vs, ",")
		}
	}
	return v
}

// ToString is the URL as a string.
func (u liquidURLValue) ToString() string { return u.url }

// ToUri is the URL as a System.Uri, written as the URL.
func (u liquidURLValue) ToUri() string { return u.url }

// String is what the template writes for the URL itself.
func (u liquidURLValue) String() string { return u.url }

// liquidHeaders is a header collection in a template:
// context.Request.Headers["Content-Type"] matches names
// case-insensitively, as APIM's header dictionaries do, and a header
// with several values is one comma-separated string.
type liquidHeaders struct{ h http.Header }

var _ values.Value = liquidHeaders{}

func (l liquidHeaders) get(k values.Value) values.Value {
	name, ok := k.Interface().(string)
	if !ok {
		return values.ValueOf(nil)
	}
	if vs := l.h.Values(name); len(vs) > 0 {
		return values.ValueOf(strings.Join(vs, ","))
	}
	for n, vs := range l.h { // names not in canonical form
		if strings.EqualFold(n, name) {
			return values.ValueOf(strings.Join(vs, ","))
		}
	}
	if name == "size" {
		return values.ValueOf(len(l.h))
	}
	return values.ValueOf(nil)
}

// Interface returns the headers as a map of joined values.
func (l liquidHeaders) Interface() any {
	m := make(map[string]any, len(l.h))
	for n, vs := range l.h {
		m[n] = strings.Join(vs, ",")
	}
	return m
}

// Int is 0: headers are not a number.
func (l liquidHeaders) Int() int { return 0 }

// Equal is false: header collections compare to nothing.
func (l liquidHeaders) Equal(values.Value) bool { return false }

// Less is false: header collections do not order.
func (l liquidHeaders) Less(values.Value) bool { return false }

// Contains reports whether the named header is present
// ({% if context.Request.Headers contains "X-Id" %}).
func (l liquidHeaders) Contains(v values.Value) bool {
	return l.get(v).Interface() != nil
}

// IndexValue is Headers["Name"].
func (l liquidHeaders) IndexValue(k values.Value) values.Value { return l.get(k) }

// PropertyValue is Headers.Name.
func (l liquidHeaders) PropertyValue(k values.Value) values.Value { return l.get(k) }

// Test is true: a header collection is truthy.
func (l liquidHeaders) Test() bool { return true }
