// Package liquid compiles and renders the Liquid templates of
// <set-body template="liquid"> as Azure API Management runs them (Learn,
// "Set body", section "Using Liquid templates with set-body",
// https://learn.microsoft.com/azure/api-management/set-body-policy): the
// engine is github.com/osteele/liquid with APIM's filters registered under
// their Pascal-case names. The gateway compiles with it at load and
// renders per request; lint reports what Compile refuses (APIM417).
package liquid

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/beevik/etree"
	osliquid "github.com/osteele/liquid"
)

// Engine parses templates: the standard Liquid tags and APIM's filters,
// the Date filter's "now" read from the clock given to NewEngine.
type Engine struct{ e *osliquid.Engine }

// NewEngine returns an Engine whose Date filter reads "now" from now
// (nil: time.Now).
func NewEngine(now func() time.Time) *Engine {
	if now == nil {
		now = time.Now
	}
	e := osliquid.NewEngine()
	for name, fn := range filterFuncs {
		if fn != nil {
			e.RegisterFilter(name, fn)
		}
	}
	e.RegisterFilter("Date", dateFilter(now))
	return &Engine{e}
}

// Template is a compiled template. Render is safe for concurrent use.
type Template struct{ t *osliquid.Template }

// Render renders the template with the given variables (APIM binds
// "body" and "context"). The body comes from the client or the backend,
// so a panic in a filter on an input it does not expect is returned as
// an error, not raised.
func (t *Template) Render(bindings map[string]any) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("liquid: %v", r)
		}
	}()
	out, serr := t.t.Render(bindings)
	if serr != nil {
		return nil, errors.New(errPrefix.ReplaceAllString(serr.Error(), ""))
	}
	return out, nil
}

// Problem is a reason a template does not compile, at its position in
// the policy file.
type Problem struct {
	Pos apim.Position
	Msg string
	Fix string // "" when there is no suggestion
}

// Error is "file:line:col: <set-body template="liquid">: msg".
func (p *Problem) Error() string {
	return fmt.Sprintf("%s: <set-body template=\"liquid\">: %s", p.Pos, p.Msg)
}

// Compile compiles the template of the <set-body template="liquid">
// element e. It refuses, with their positions, filters APIM does not
// support (osteele/liquid would report one only when its output renders;
// a Shopify snake_case name gets the Pascal-case name as Fix) and
// template syntax errors.
func (en *Engine) Compile(e *policy.Element) (*Template, []*Problem) {
	src, line := Source(e)
	var probs []*Problem
	for _, f := range UnknownFilters(src) {
		p := &Problem{Pos: linePos(e, line, f.Line)}
		if n := PascalName(f.Name); n != "" {
			p.Msg = fmt.Sprintf("filter %q: APIM requires Pascal casing for Liquid filter names, use %q", f.Name, n)
			p.Fix = fmt.Sprintf("write %q", n)
		} else {
			p.Msg = fmt.Sprintf("filter %q is not one of the Liquid filters APIM supports (%s)", f.Name, strings.Join(FilterNames(), ", "))
		}
		probs = append(probs, p)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	t, err := en.e.ParseTemplateLocation([]byte(src), "", 1)
	if err != nil {
		msg := err.Error()
		if cause := err.Cause(); cause != nil {
			msg = cause.Error()
		}
		return nil, []*Problem{{Pos: linePos(e, line, err.LineNumber()), Msg: errPrefix.ReplaceAllString(msg, "")}}
	}
	return &Template{t}, nil
}

// errPrefix is osteele/liquid's message prefix; the position is the
// policy's.
var errPrefix = regexp.MustCompile(`^Liquid error( \(line \d+\))?: `)

// linePos is the position of line n (1-based) of the template, which
// starts on line start of the policy file.
func linePos(e *policy.Element, start, n int) apim.Position {
	p := e.Pos
	if n > 1 {
		p.Line, p.Col = start+n-1, 1
	} else if start != p.Line {
		p.Line, p.Col = start, 1
	}
	return p
}

// Source returns the template: the element's content (text, and
// child elements as written, for XML output such as Learn's SOAP
// example), trimmed as set-body's text is, and the policy line it starts
// on.
func Source(e *policy.Element) (string, int) {
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

// FilterUse is a filter named in a template, with its line.
type FilterUse struct {
	Name string
	Line int // 1-based, in the template
}

// UnknownFilters returns the filters the template names that are
// not APIM's: osteele/liquid reports an undefined filter only when the
// output that uses it renders, APIM's set-body refuses it at load.
func UnknownFilters(src string) []FilterUse {
	var out []FilterUse
	eachMarkup(src, func(markup string, line int) {
		for _, name := range FilterNamesIn(markup) {
			if _, ok := filterFuncs[name]; !ok {
				out = append(out, FilterUse{Name: name, Line: line})
			}
		}
	})
	return out
}

// bodyRef matches the variable body (not a member named body).
var bodyRef = regexp.MustCompile(`(^|[^.\w])body\b`)

// ReferencesBody reports whether a {{ }} or {% %} of the template reads
// the body variable, outside string literals.
func ReferencesBody(src string) bool {
	found := false
	eachMarkup(src, func(markup string, _ int) {
		found = found || bodyRef.MatchString(withoutStrings(markup))
	})
	return found
}

// withoutStrings blanks the string literals of markup.
func withoutStrings(s string) string {
	b := []byte(s)
	var quote byte
	for i, c := range b {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			b[i] = ' '
		case c == '"' || c == '\'':
			quote = c
		}
	}
	return string(b)
}

// eachMarkup calls fn with the inside of every {{ }} and {% %} of src and
// the (1-based) line it starts on.
func eachMarkup(src string, fn func(markup string, line int)) {
	for i := 0; i < len(src); {
		k := strings.Index(src[i:], "{")
		if k < 0 || i+k+1 >= len(src) {
			return
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
			return
		}
		fn(src[start+2:start+2+n], 1+strings.Count(src[:start], "\n"))
		i = start + 2 + n + 2
	}
}

// FilterNamesIn returns the names after each '|' outside string literals.
func FilterNamesIn(s string) []string {
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

// PascalName returns APIM's name of a Shopify-style filter name
// ("at_least" → "AtLeast", "upcase" → "Upcase"), "" if there is none.
func PascalName(name string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(strings.ToLower(name), "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	want := b.String()
	for n := range filterFuncs {
		if strings.EqualFold(n, want) {
			return n
		}
	}
	return ""
}

// DateTime is a date the body parser recognised (parse-date="true"): a
// System.DateTime, which Liquid writes as "MM/dd/yyyy HH:mm:ss" (Learn:
// "parsed to System.DateTime (mm/dd/yyyy hh:mm:ss)") and the Date filter
// formats.
type DateTime struct{ T time.Time }

// String is DateTime.ToString() in the invariant culture.
func (d DateTime) String() string { return d.T.Format("01/02/2006 15:04:05") }

var (
	isoDate = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?\s*$`)
	msDate  = regexp.MustCompile(`^/Date\((-?\d+)([+-]\d{4})?\)/$`)
)

// ParseDate recognises the date strings Newtonsoft parses to
// DateTime: ISO 8601 with a time ("2012-03-21T05:40Z") and Microsoft's
// "/Date(1198908717056)/". Offsets are converted to UTC (an Azure
// gateway's local time).
func ParseDate(s string) (DateTime, bool) {
	if m := msDate.FindStringSubmatch(s); m != nil {
		ms, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return DateTime{}, false
		}
		return DateTime{time.UnixMilli(ms).UTC()}, true
	}
	m := isoDate.FindStringSubmatch(s)
	if m == nil {
		return DateTime{}, false
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
		return DateTime{}, false
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
	return DateTime{t.UTC()}, true
}
