package gateway

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/apim/policyexpr"
	"github.com/beevik/etree"
	"github.com/osteele/liquid"
	"github.com/osteele/liquid/values"
)

// liquidStep is <set-body template="liquid"> (Learn, "Set body", section
// "Using Liquid templates with set-body",
// https://learn.microsoft.com/azure/api-management/set-body-policy). The
// template is parsed once, at load, by github.com/osteele/liquid with
// APIM's filters registered under their Pascal-case names; each request
// renders it against body (the message body parsed from JSON or XML, by
// its Content-Type) and context (Request, Response, Variables).
type liquidStep struct {
	tpl       *liquid.Template
	resp      bool // outbound/on-error: the response body
	inReturn  bool // inside return-response: the input body is empty (Learn)
	parseDate bool // parse-date (default true)
	xsiNull   bool // xsi-nil="null" (default blank)
}

// newLiquidEngine returns a Liquid engine with the standard tags and
// APIM's filters, Date's "now" read from now. A gateway builds one, on
// the first liquid template it compiles.
func newLiquidEngine(now func() time.Time) *liquid.Engine {
	e := liquid.NewEngine()
	for name, fn := range liquidFilters {
		if fn != nil {
			e.RegisterFilter(name, fn)
		}
	}
	e.RegisterFilter("Date", dateFilter(now))
	return e
}

func (c *compiler) liquidBody(e *policy.Element, resp, inReturn bool) step {
	xsiNil := e.AttrValue("xsi-nil", "blank")
	if xsiNil != "blank" && xsiNil != "null" {
		c.fail(e.Pos, "<set-body>: xsi-nil %q (want blank or null)", xsiNil)
		return nil
	}
	src, line := liquidSource(e)
	if bad := liquidUnknownFilters(src); len(bad) > 0 {
		for _, f := range bad {
			pos := liquidPos(e, line, f.line)
			if p := pascalFilter(f.name); p != "" {
				c.fail(pos, "<set-body template=\"liquid\">: filter %q: APIM requires Pascal casing for Liquid filter names, use %q", f.name, p)
			} else {
				c.fail(pos, "<set-body template=\"liquid\">: filter %q is not one of the Liquid filters APIM supports (%s)", f.name, strings.Join(liquidFilterNames(), ", "))
			}
		}
		return nil
	}
	if c.liquid == nil {
		now := time.Now
		if c.g != nil && c.g.now != nil {
			now = c.g.now
		}
		c.liquid = newLiquidEngine(now)
	}
	tpl, err := c.liquid.ParseTemplateLocation([]byte(src), "", 1)
	if err != nil {
		msg := err.Error()
		if cause := err.Cause(); cause != nil {
			msg = cause.Error()
		}
		c.fail(liquidPos(e, line, err.LineNumber()), "<set-body template=\"liquid\">: %s", liquidErrPrefix.ReplaceAllString(msg, ""))
		return nil
	}
	return &liquidStep{tpl: tpl, resp: resp, inReturn: inReturn,
		parseDate: c.boolAttr(e, "parse-date", true), xsiNull: xsiNil == "null"}
}

// liquidPos is the position of line n (1-based) of the template, which
// starts on line start of the policy file.
func liquidPos(e *policy.Element, start, n int) apim.Position {
	p := e.Pos
	if n > 1 {
		p.Line, p.Col = start+n-1, 1
	} else if start != p.Line {
		p.Line, p.Col = start, 1
	}
	return p
}

// liquidSource returns the template: the element's content (text, and
// child elements as written, for XML output such as Learn's SOAP
// example), trimmed as set-body's text is, and the policy line it starts
// on.
func liquidSource(e *policy.Element) (string, int) {
	if e.Node == nil {
		return e.Text, e.TextPos.Line
	}
	var b strings.Builder
	for _, t := range e.Node.Child {
		writeLiquidToken(&b, t, false)
	}
	raw := b.String()
	trimmed := strings.TrimLeft(raw, " \t\r\n")
	line := e.Pos.Line + strings.Count(raw[:len(raw)-len(trimmed)], "\n")
	if e.TextPos.Line > 0 && e.TextPos.Line < line {
		// The start tag spans lines: count from where the text starts.
		line = e.TextPos.Line
	}
	return strings.TrimRight(trimmed, " \t\r\n"), line
}

// writeLiquidToken writes an XML token of the template back as source.
// Character data of the template's own text is Liquid source and is
// written as read; inside child elements (XML output) it is escaped as
// XML again, except within {{ }} and {% %}.
func writeLiquidToken(b *strings.Builder, t etree.Token, inElem bool) {
	switch t := t.(type) {
	case *etree.CharData:
		if inElem {
			writeEscapedOutsideLiquid(b, t.Data)
		} else {
			b.WriteString(t.Data)
		}
	case *etree.Element:
		b.WriteString("<" + t.FullTag())
		for _, a := range t.Attr {
			b.WriteString(" " + a.FullKey() + `="`)
			writeEscapedOutsideLiquid(b, a.Value)
			b.WriteString(`"`)
		}
		if len(t.Child) == 0 {
			b.WriteString("/>")
			return
		}
		b.WriteString(">")
		for _, c := range t.Child {
			writeLiquidToken(b, c, true)
		}
		b.WriteString("</" + t.FullTag() + ">")
	case *etree.Comment:
		b.WriteString("<!--" + t.Data + "-->")
	case *etree.ProcInst:
		b.WriteString("<?" + t.Target + " " + t.Inst + "?>")
	}
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func writeEscapedOutsideLiquid(b *strings.Builder, s string) {
	for s != "" {
		i := strings.Index(s, "{")
		for i >= 0 && i+1 < len(s) && s[i+1] != '{' && s[i+1] != '%' {
			j := strings.Index(s[i+1:], "{")
			if j < 0 {
				i = -1
				break
			}
			i += 1 + j
		}
		if i < 0 || i+1 >= len(s) {
			b.WriteString(xmlEscaper.Replace(s))
			return
		}
		b.WriteString(xmlEscaper.Replace(s[:i]))
		end := "}}"
		if s[i+1] == '%' {
			end = "%}"
		}
		k := strings.Index(s[i+2:], end)
		if k < 0 {
			b.WriteString(s[i:])
			return
		}
		b.WriteString(s[i : i+2+k+2])
		s = s[i+2+k+2:]
	}
}

// liquidFilterUse is a filter named in a template, with its line.
type liquidFilterUse struct {
	name string
	line int
}

// liquidUnknownFilters returns the filters the template names that are
// not APIM's: osteele/liquid reports an undefined filter only when the
// output that uses it renders, APIM's set-body refuses it at load.
func liquidUnknownFilters(src string) []liquidFilterUse {
	var out []liquidFilterUse
	for i := 0; i < len(src); {
		k := strings.Index(src[i:], "{")
		if k < 0 || i+k+1 >= len(src) {
			break
		}
		start := i + k
		var end string
		switch src[start+1] {
		case '{':
			end = "}}"
		case '%':
			end = "%}"
		default:
			i = start + 1
			continue
		}
		n := strings.Index(src[start+2:], end)
		if n < 0 {
			break
		}
		body := src[start+2 : start+2+n]
		for _, name := range filterNames(body) {
			if _, ok := liquidFilters[name]; !ok {
				out = append(out, liquidFilterUse{name: name, line: 1 + strings.Count(src[:start], "\n")})
			}
		}
		i = start + 2 + n + 2
	}
	return out
}

// filterNames returns the names after each '|' outside string literals.
func filterNames(s string) []string {
	var names []string
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '|':
			j := i + 1
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r') {
				j++
			}
			k := j
			for k < len(s) && (s[k] == '_' || s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z' || s[k] >= '0' && s[k] <= '9') {
				k++
			}
			if k > j {
				names = append(names, s[j:k])
			}
			i = k - 1
		}
	}
	return names
}

// pascalFilter returns APIM's name of a Shopify-style filter name
// ("at_least" → "AtLeast", "upcase" → "Upcase"), "" if there is none.
func pascalFilter(name string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(strings.ToLower(name), "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	want := b.String()
	for n := range liquidFilters {
		if strings.EqualFold(n, want) {
			return n
		}
	}
	return ""
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
			return nil, perr("set-body", ReasonExpression, http.StatusInternalServerError, "liquid template: the body is not XML: %v", err)
		}
		return map[string]any{root.name: s.xmlValue(root.jsonValue())}, nil
	}
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, perr("set-body", ReasonExpression, http.StatusInternalServerError, "liquid template: the body is not JSON: %v", err)
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
// dotnetTime (Newtonsoft's DateParseHandling.DateTime).
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
			if d, ok := parseJSONDate(t); ok {
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
			if d, ok := parseJSONDate(t); ok {
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

// dotnetTime is a date the body parser recognised (parse-date="true"): a
// System.DateTime, which Liquid writes as "MM/dd/yyyy HH:mm:ss" (Learn:
// "parsed to System.DateTime (mm/dd/yyyy hh:mm:ss)") and the Date filter
// formats.
type dotnetTime struct{ t time.Time }

// String is DateTime.ToString() in the invariant culture.
func (d dotnetTime) String() string { return d.t.Format("01/02/2006 15:04:05") }

// liquidErrPrefix is osteele/liquid's message prefix; the position is
// the policy's.
var liquidErrPrefix = regexp.MustCompile(`^Liquid error( \(line \d+\))?: `)

var (
	isoDate = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?\s*$`)
	msDate  = regexp.MustCompile(`^/Date\((-?\d+)([+-]\d{4})?\)/$`)
)

// parseJSONDate recognises the date strings Newtonsoft parses to
// DateTime: ISO 8601 with a time ("2012-03-21T05:40Z") and Microsoft's
// "/Date(1198908717056)/". Offsets are converted to UTC (an Azure
// gateway's local time).
func parseJSONDate(s string) (dotnetTime, bool) {
	if m := msDate.FindStringSubmatch(s); m != nil {
		ms, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return dotnetTime{}, false
		}
		return dotnetTime{time.UnixMilli(ms).UTC()}, true
	}
	m := isoDate.FindStringSubmatch(s)
	if m == nil {
		return dotnetTime{}, false
	}
	layout := "2006-01-02T15:04"
	v := m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5]
	if m[6] != "" {
		layout += ":05"
		v += ":" + m[6]
		if m[7] != "" {
			layout += "." + strings.Repeat("0", len(m[7]))
			v += "." + m[7]
		}
	}
	t, err := time.Parse(layout, v)
	if err != nil {
		return dotnetTime{}, false
	}
	switch z := m[8]; {
	case z == "" || z == "Z":
	default:
		z = strings.ReplaceAll(z, ":", "")
		h, _ := strconv.Atoi(z[1:3])
		mins := 0
		if len(z) == 5 {
			mins, _ = strconv.Atoi(z[3:5])
		}
		off := time.Duration(h)*time.Hour + time.Duration(mins)*time.Minute
		if z[0] == '+' {
			off = -off
		}
		t = t.Add(off)
	}
	return dotnetTime{t.UTC()}, true
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
