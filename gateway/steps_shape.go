package gateway

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim/policy"
)

// findAndReplaceStep is <find-and-replace from to> (Learn, "Find and
// replace string in body": replaces every occurrence in the request body
// (inbound) or the response body (outbound, on-error)).
type findAndReplaceStep struct {
	from, to *value
	resp     bool
}

func (c *compiler) findAndReplace(e *policy.Element, resp bool) step {
	f, t := c.requireAttr(e, "from"), c.requireAttr(e, "to")
	if f == nil || t == nil {
		return nil
	}
	return &findAndReplaceStep{from: f, to: t, resp: resp}
}

func (s *findAndReplaceStep) run(x *exchange) error {
	from, err := s.from.str(x)
	if err != nil {
		return err
	}
	to, err := s.to.str(x)
	if err != nil {
		return err
	}
	if from == "" {
		return nil
	}
	return x.replaceInBody(s.resp, from, to)
}

// jsonToXMLStep is <json-to-xml apply consider-accept-header> (Learn,
// "Convert JSON to XML"): the body is converted when apply is "always", or
// "content-type-json" and the Content-Type is JSON; with
// consider-accept-header (default true) only when the client accepts XML.
// Objects become elements under a <Document> root, arrays repeat their
// element, as Newtonsoft's DeserializeXmlNode does.
type jsonToXMLStep struct {
	always, considerAccept bool
	resp                   bool
}

func (c *compiler) jsonToXML(e *policy.Element, resp bool) step {
	apply := e.AttrValue("apply", "")
	if apply != "always" && apply != "content-type-json" {
		c.fail(e.Pos, "<json-to-xml>: apply %q (want always or content-type-json)", apply)
	}
	return &jsonToXMLStep{always: apply == "always", considerAccept: c.boolAttr(e, "consider-accept-header", true), resp: resp}
}

func (s *jsonToXMLStep) run(x *exchange) error {
	h := x.header
	if s.resp {
		h = x.respHeader
	}
	if !s.always && !strings.Contains(strings.ToLower(h.Get("Content-Type")), "json") {
		return nil
	}
	if s.considerAccept {
		acc := strings.ToLower(x.r.Header.Get("Accept"))
		if acc != "" && !strings.Contains(acc, "xml") && !strings.Contains(acc, "*/*") {
			return nil
		}
	}
	var body string
	var err error
	if s.resp {
		body, err = x.responseBody()
	} else {
		body, err = x.requestBody()
	}
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return perr("json-to-xml", ReasonExpression, http.StatusInternalServerError, "the body is not JSON: %v", err)
	}
	var b strings.Builder
	b.WriteString("<Document>")
	writeXML(&b, "", v)
	b.WriteString("</Document>")
	out := []byte(b.String())
	if s.resp {
		x.respBody = out
		x.respHeader.Set("Content-Type", "application/xml")
		delete(x.respHeader, "Content-Length")
	} else {
		x.body, x.hasBody = out, true
		x.header.Set("Content-Type", "application/xml")
	}
	return nil
}

// writeXML writes v as the content of element name ("" for the root's
// members).
func writeXML(b *strings.Builder, name string, v any) {
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			writeXML(b, name, e)
		}
		return
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if name != "" {
			b.WriteString("<" + name + ">")
		}
		for _, k := range keys {
			writeXML(b, k, t[k])
		}
		if name != "" {
			b.WriteString("</" + name + ">")
		}
		return
	}
	if name == "" {
		name = "Value"
	}
	b.WriteString("<" + name + ">")
	switch t := v.(type) {
	case nil:
	case string:
		_ = xml.EscapeText(b, []byte(t))
	case float64:
		b.WriteString(strconv.FormatFloat(t, 'f', -1, 64))
	default:
		fmt.Fprint(b, t)
	}
	b.WriteString("</" + name + ">")
}

// corsStep is <cors allow-credentials terminate-unmatched-request>
// (Learn, "CORS"): a preflight (OPTIONS with Origin and
// Access-Control-Request-Method) from an allowed origin for an allowed
// method is answered 200 with the Access-Control-Allow-* headers; an
// actual request from an allowed origin gets Access-Control-Allow-Origin
// (and Expose-Headers, Allow-Credentials) on its response. Unmatched
// requests: with terminate-unmatched-request (default true) a preflight
// or GET/HEAD with an unmatched Origin ends with an empty 200; otherwise
// it proceeds without CORS headers.
type corsStep struct {
	credentials, terminate bool
	origins                []string // "*" allowed
	methods                []string // "*" allowed; default GET, POST
	headers                []string // lower case; "*" allowed
	expose                 []string
	maxAge                 string
}

func (c *compiler) cors(e *policy.Element) step {
	st := &corsStep{credentials: c.boolAttr(e, "allow-credentials", false), terminate: c.boolAttr(e, "terminate-unmatched-request", true)}
	if o := e.Child("allowed-origins"); o != nil {
		for _, ch := range o.ChildrenNamed("origin") {
			st.origins = append(st.origins, strings.TrimSpace(ch.Text))
		}
	}
	if len(st.origins) == 0 {
		c.fail(e.Pos, "<cors>: <allowed-origins> with at least one <origin> is required")
	}
	if m := e.Child("allowed-methods"); m != nil {
		st.maxAge = m.AttrValue("preflight-result-max-age", "")
		for _, ch := range m.ChildrenNamed("method") {
			st.methods = append(st.methods, strings.ToUpper(strings.TrimSpace(ch.Text)))
		}
	}
	if len(st.methods) == 0 {
		st.methods = []string{"GET", "POST"}
	}
	if h := e.Child("allowed-headers"); h != nil {
		for _, ch := range h.ChildrenNamed("header") {
			st.headers = append(st.headers, strings.ToLower(strings.TrimSpace(ch.Text)))
		}
	}
	if h := e.Child("expose-headers"); h != nil {
		for _, ch := range h.ChildrenNamed("header") {
			st.expose = append(st.expose, strings.TrimSpace(ch.Text))
		}
	}
	for _, o := range st.origins {
		if o == "*" && st.credentials {
			c.fail(e.Pos, "<cors>: allow-credentials=\"true\" cannot be used with origin \"*\"")
		}
	}
	return st
}

func listed(list []string, v string, fold bool) bool {
	for _, x := range list {
		if x == "*" || x == v || fold && strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// allowOrigin is the Access-Control-Allow-Origin value for origin.
func (s *corsStep) allowOrigin(origin string) string {
	for _, o := range s.origins {
		if o == "*" {
			return "*"
		}
	}
	return origin
}

func (s *corsStep) run(x *exchange) error {
	origin := x.r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	reqMethod := x.r.Header.Get("Access-Control-Request-Method")
	preflight := x.r.Method == http.MethodOptions && reqMethod != ""
	ok := listed(s.origins, origin, true)
	if preflight {
		if ok && listed(s.methods, strings.ToUpper(reqMethod), false) {
			for _, h := range strings.Split(x.r.Header.Get("Access-Control-Request-Headers"), ",") {
				if h = strings.ToLower(strings.TrimSpace(h)); h != "" && !listed(s.headers, h, false) {
					ok = false
				}
			}
		} else {
			ok = false
		}
		if !ok && !s.terminate {
			return nil
		}
		x.newResponse(http.StatusOK)
		x.served = ""
		x.respBody = []byte{}
		if ok {
			h := x.respHeader
			h.Set("Access-Control-Allow-Origin", s.allowOrigin(origin))
			h.Set("Access-Control-Allow-Methods", strings.Join(s.methods, ","))
			if rh := x.r.Header.Get("Access-Control-Request-Headers"); rh != "" {
				h.Set("Access-Control-Allow-Headers", rh)
			}
			if s.maxAge != "" {
				h.Set("Access-Control-Max-Age", s.maxAge)
			}
			if s.credentials {
				h.Set("Access-Control-Allow-Credentials", "true")
			}
		}
		x.done = true
		return nil
	}
	if !ok {
		if s.terminate && (x.r.Method == http.MethodGet || x.r.Method == http.MethodHead) {
			x.newResponse(http.StatusOK)
			x.served = ""
			x.respBody = []byte{}
			x.done = true
		}
		return nil
	}
	allow, expose, cred := s.allowOrigin(origin), strings.Join(s.expose, ","), s.credentials
	x.after = append(x.after, func(x *exchange) {
		if !x.hasResp {
			return
		}
		x.respHeader.Set("Access-Control-Allow-Origin", allow)
		if expose != "" {
			x.respHeader.Set("Access-Control-Expose-Headers", expose)
		}
		if cred {
			x.respHeader.Set("Access-Control-Allow-Credentials", "true")
		}
	})
	return nil
}

// tokenLimitStep is <llm-token-limit> and <azure-openai-token-limit>
// (Learn, "Limit large language model API token usage": tokens-per-minute
// per counter-key; over the limit the caller gets 429 with Retry-After).
// Tokens are counted from the backend response's usage.total_tokens (JSON
// body) once the response is final; estimate-prompt-tokens is not
// emulated (prompts count when the response reports them).
type tokenLimitStep struct {
	policy                     string
	key                        *value
	tpm                        int
	retryHeader, retryVar      string
	remHeader, remVar          string
	consumedHeader, consumeVar string
}

func (c *compiler) tokenLimit(e *policy.Element) step {
	st := &tokenLimitStep{policy: e.Name, key: c.requireAttr(e, "counter-key"), tpm: c.intAttr(e, "tokens-per-minute", 0),
		retryHeader: e.AttrValue("retry-after-header-name", "Retry-After"), retryVar: e.AttrValue("retry-after-variable-name", ""),
		remHeader: e.AttrValue("remaining-tokens-header-name", ""), remVar: e.AttrValue("remaining-tokens-variable-name", ""),
		consumedHeader: e.AttrValue("tokens-consumed-header-name", ""), consumeVar: e.AttrValue("tokens-consumed-variable-name", "")}
	if st.key == nil {
		return nil
	}
	if st.tpm <= 0 {
		c.fail(e.Pos, "<%s>: tokens-per-minute must be a positive number (token-quota is not emulated)", e.Name)
	}
	return st
}

// usageTokens reads usage.{prompt,completion,total}_tokens of a JSON body.
func usageTokens(body string) (prompt, completion, total int) {
	var v struct {
		Usage struct {
			Prompt     int `json:"prompt_tokens"`
			Completion int `json:"completion_tokens"`
			Total      int `json:"total_tokens"`
		} `json:"usage"`
	}
	if json.Unmarshal([]byte(body), &v) != nil {
		return 0, 0, 0
	}
	if v.Usage.Total == 0 {
		v.Usage.Total = v.Usage.Prompt + v.Usage.Completion
	}
	return v.Usage.Prompt, v.Usage.Completion, v.Usage.Total
}

func (s *tokenLimitStep) run(x *exchange) error {
	k, err := s.key.str(x)
	if err != nil {
		return err
	}
	key := "tpm|" + k
	ok, remaining, retry := x.g.state.rateCheck(key, x.g.now(), time.Minute, s.tpm, 1, false)
	if s.remVar != "" {
		x.variables()[s.remVar] = remaining
	}
	if !ok {
		if s.retryVar != "" {
			x.variables()[s.retryVar] = seconds(retry)
		}
		pe := perr(s.policy, ReasonRateLimit, http.StatusTooManyRequests, "Token limit is exceeded. Try again in %d seconds.", seconds(retry))
		err := x.reject(pe)
		x.respHeader.Set(s.retryHeader, strconv.Itoa(seconds(retry)))
		if s.remHeader != "" {
			x.respHeader.Set(s.remHeader, "0")
		}
		return err
	}
	x.after = append(x.after, func(x *exchange) {
		if !x.hasResp || x.status/100 != 2 {
			return
		}
		body, err := x.responseBody()
		if err != nil {
			return
		}
		_, _, total := usageTokens(body)
		x.g.state.rateAdd(key, x.g.now(), time.Minute, total)
		if s.consumedHeader != "" {
			x.respHeader.Set(s.consumedHeader, strconv.Itoa(total))
		}
		if s.remHeader != "" {
			x.respHeader.Set(s.remHeader, strconv.Itoa(max(remaining-total, 0)))
		}
	})
	return nil
}

// tokenMetricStep is <llm-emit-token-metric> and
// <azure-openai-emit-token-metric> (Learn: emits Prompt Tokens, Completion
// Tokens and Total Tokens with the given dimensions): three records per
// response, from its usage.
type tokenMetricStep struct{ emitMetricStep }

func (c *compiler) tokenMetric(e *policy.Element) step {
	st := &tokenMetricStep{emitMetricStep{policy: e.Name, namespace: e.AttrValue("namespace", "API Management"), dims: map[string]*value{}}}
	for _, d := range e.ChildrenNamed("dimension") {
		n := d.AttrValue("name", "")
		if v := c.attrValue(d, "value"); v != nil {
			st.dims[n] = v
		} else {
			st.defDims = append(st.defDims, n)
		}
	}
	return st
}

func (s *tokenMetricStep) run(x *exchange) error {
	dims, err := evalDims(x, s.dims)
	if err != nil {
		return err
	}
	for _, d := range s.defDims {
		if dims == nil {
			dims = map[string]string{}
		}
		dims[d] = x.defaultDimension(d)
	}
	x.after = append(x.after, func(x *exchange) {
		if !x.hasResp {
			return
		}
		body, err := x.responseBody()
		if err != nil {
			return
		}
		p, c, t := usageTokens(body)
		now := x.g.now()
		for _, m := range []struct {
			n string
			v int
		}{{"Prompt Tokens", p}, {"Completion Tokens", c}, {"Total Tokens", t}} {
			x.g.records.add(Record{Time: now, Policy: s.policy, Name: s.namespace + "/" + m.n, Value: float64(m.v), Dimensions: dims})
		}
	})
	return nil
}

// jsonpStep is <jsonp callback-parameter-name> (Learn, "JSONP": a request
// with the callback query parameter gets the JSON body wrapped as
// callback(body)); without the parameter the response is unchanged.
type jsonpStep struct{ param string }

func (c *compiler) jsonp(e *policy.Element) step {
	p := c.requireAttr(e, "callback-parameter-name")
	if p == nil {
		return nil
	}
	return &jsonpStep{param: p.lit}
}

func (s *jsonpStep) run(x *exchange) error {
	cb := x.r.URL.Query().Get(s.param)
	if cb == "" || !x.hasResp {
		return nil
	}
	body, err := x.responseBody()
	if err != nil {
		return err
	}
	x.respBody = []byte(cb + "(" + body + ")")
	delete(x.respHeader, "Content-Length")
	return nil
}

// redirectContentURLsStep is <redirect-content-urls /> (Learn, "Mask URLs
// in content": in outbound, links to the backend in the response body are
// rewritten to point to the gateway; in inbound, the opposite for the
// request body).
type redirectContentURLsStep struct{ resp bool }

func (c *compiler) redirectContentURLs(_ *policy.Element, resp bool) step {
	return &redirectContentURLsStep{resp: resp}
}

func (s *redirectContentURLsStep) run(x *exchange) error {
	u := x.backendBase()
	if u == nil && x.api != nil && x.api.service != nil {
		u = x.api.service.url
	}
	if u == nil {
		return nil
	}
	backend := strings.TrimSuffix(u.Scheme+"://"+u.Host+u.Path, "/")
	scheme := "http"
	if x.r.TLS != nil {
		scheme = "https"
	}
	gw := scheme + "://" + x.r.Host
	if x.api != nil {
		gw += x.api.prefix
	}
	from, to := backend, gw
	if !s.resp {
		from, to = gw, backend
	}
	return x.replaceInBody(s.resp, from, to)
}

// xmlToJSONStep is <xml-to-json kind apply consider-accept-header>
// (Learn, "Convert XML to JSON"). The conversion follows Newtonsoft's
// SerializeXmlNode (kind="direct"): the root element is kept, attributes
// become "@name", text beside attributes "#text", repeated elements
// arrays, empty elements null, values strings. kind="javascript-friendly"
// is converted the same way (its differences are not documented).
type xmlToJSONStep struct {
	always, considerAccept, resp bool
}

func (c *compiler) xmlToJSON(e *policy.Element, resp bool) step {
	apply := e.AttrValue("apply", "")
	if apply != "always" && apply != "content-type-xml" {
		c.fail(e.Pos, "<xml-to-json>: apply %q (want always or content-type-xml)", apply)
	}
	if k := e.AttrValue("kind", ""); k != "direct" && k != "javascript-friendly" {
		c.fail(e.Pos, "<xml-to-json>: kind %q (want direct or javascript-friendly)", k)
	}
	return &xmlToJSONStep{always: apply == "always", considerAccept: c.boolAttr(e, "consider-accept-header", true), resp: resp}
}

// xmlNode is a parsed element.
type xmlNode struct {
	name     string
	attrs    []xml.Attr
	children []*xmlNode
	text     strings.Builder
}

func parseXMLTree(s string) (*xmlNode, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := d.Token()
		if err != nil {
			if root != nil && len(stack) == 0 {
				return root, nil
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name.Local, attrs: t.Attr}
			if t.Name.Space != "" && len(stack) == 0 {
				n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: t.Name.Space})
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
}

// jsonValue converts n's content.
func (n *xmlNode) jsonValue() any {
	text := strings.TrimSpace(n.text.String())
	if len(n.attrs) == 0 && len(n.children) == 0 {
		if text == "" {
			return nil
		}
		return text
	}
	obj := map[string]any{}
	var order []string
	put := func(k string, v any) {
		if prev, ok := obj[k]; ok {
			if arr, ok := prev.([]any); ok {
				obj[k] = append(arr, v)
			} else {
				obj[k] = []any{prev, v}
			}
			return
		}
		obj[k] = v
		order = append(order, k)
	}
	for _, a := range n.attrs {
		name := a.Name.Local
		if a.Name.Space == "xmlns" {
			name = "xmlns:" + name
		}
		put("@"+name, a.Value)
	}
	for _, c := range n.children {
		put(c.name, c.jsonValue())
	}
	if text != "" {
		put("#text", text)
	}
	return orderedObject{keys: order, m: obj}
}

// orderedObject marshals its keys in document order.
type orderedObject struct {
	keys []string
	m    map[string]any
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(o.m[k])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

func (s *xmlToJSONStep) run(x *exchange) error {
	h := x.header
	if s.resp {
		h = x.respHeader
	}
	if !s.always && !strings.Contains(strings.ToLower(h.Get("Content-Type")), "xml") {
		return nil
	}
	if s.considerAccept {
		acc := strings.ToLower(x.r.Header.Get("Accept"))
		if acc != "" && !strings.Contains(acc, "json") && !strings.Contains(acc, "*/*") {
			return nil
		}
	}
	var body string
	var err error
	if s.resp {
		body, err = x.responseBody()
	} else {
		body, err = x.requestBody()
	}
	if err != nil {
		return err
	}
	root, err := parseXMLTree(body)
	if err != nil {
		return perr("xml-to-json", ReasonExpression, http.StatusInternalServerError, "the body is not XML: %v", err)
	}
	out, err := json.Marshal(orderedObject{keys: []string{root.name}, m: map[string]any{root.name: root.jsonValue()}})
	if err != nil {
		return err
	}
	if s.resp {
		x.respBody = out
		x.respHeader.Set("Content-Type", "application/json")
		delete(x.respHeader, "Content-Length")
	} else {
		x.body, x.hasBody = out, true
		x.header.Set("Content-Type", "application/json")
	}
	return nil
}

// replaceInBody replaces every from with to in the response body (resp)
// or the request body (find-and-replace, redirect-content-urls).
func (x *exchange) replaceInBody(resp bool, from, to string) error {
	if resp {
		b, err := x.responseBody()
		if err != nil {
			return err
		}
		x.respBody = []byte(strings.ReplaceAll(b, from, to))
		delete(x.respHeader, "Content-Length")
		return nil
	}
	b, err := x.requestBody()
	if err != nil {
		return err
	}
	x.body, x.hasBody = []byte(strings.ReplaceAll(b, from, to)), true
	return nil
}
