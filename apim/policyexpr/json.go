package policyexpr

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// The Newtonsoft.Json LINQ model (JObject, JArray, JValue, JProperty) as
// the interpreter sees it. Objects keep their property order, as JObject
// does, so ToString() matches Newtonsoft's output byte for byte for the
// value kinds modelled here.

var errJSONReader = errors.New("JsonReaderException")

// jObject is a JObject: ordered properties.
type jObject struct {
	keys     []string
	vals     map[string]any // JToken values
	attached bool
}

// jArray is a JArray.
type jArray struct {
	items    []any
	attached bool
}

// jValue is a JValue: v is string, int64, float64, bool, time.Time or nil
// (a JSON null, which is not a C# null).
type jValue struct{ v any }

// jProp is a JProperty.
type jProp struct {
	name   string
	val    any
	parent *jObject // set by JObject.Property(), for Remove()
}

func newJObject() *jObject { return &jObject{vals: map[string]any{}} }

func (o *jObject) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

// set adds or replaces a property, keeping the original position.
func (o *jObject) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *jObject) remove(k string) bool {
	if _, ok := o.vals[k]; !ok {
		return false
	}
	delete(o.vals, k)
	for i, x := range o.keys {
		if x == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			break
		}
	}
	return true
}

// toJToken converts a C# value to the JToken that JObject's indexer, Add
// and the JValue constructors would store. A token that already belongs
// to a container is cloned, as Newtonsoft does.
func toJToken(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return &jValue{nil}, nil
	case *jObject:
		if x.attached {
			return cloneJ(x), nil
		}
		x.attached = true
		return x, nil
	case *jArray:
		if x.attached {
			return cloneJ(x), nil
		}
		x.attached = true
		return x, nil
	case *jValue, *jProp:
		return x, nil
	case string:
		return &jValue{x}, nil
	case int:
		return &jValue{int64(x)}, nil
	case int16:
		return &jValue{int64(x)}, nil
	case int64:
		return &jValue{x}, nil
	case float64:
		return &jValue{x}, nil
	case bool:
		return &jValue{x}, nil
	case char:
		return &jValue{string(rune(x))}, nil
	case time.Time:
		return &jValue{x}, nil
	case dto:
		return &jValue{x.t}, nil
	case guid:
		return &jValue{string(x)}, nil
	case time.Duration:
		return &jValue{formatTimeSpan(x)}, nil
	case []any, *list:
		return fromObject(v)
	}
	return nil, fmt.Errorf("%w: Could not determine JSON object type for type %s", errArgument, dotnetTypeName(v))
}

// fromObject is JToken.FromObject: arrays, lists, dictionaries and
// anonymous objects become containers.
func fromObject(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		a := &jArray{}
		for _, e := range x {
			t, err := fromObject(e)
			if err != nil {
				return nil, err
			}
			a.items = append(a.items, t)
		}
		return a, nil
	case *list:
		return fromObject(x.items)
	case []byte:
		return &jValue{encodeBase64(x)}, nil
	case *anonObj:
		o := newJObject()
		for i, n := range x.names {
			t, err := fromObject(x.vals[i])
			if err != nil {
				return nil, err
			}
			o.set(n, t)
		}
		return o, nil
	case *dict:
		o := newJObject()
		for _, k := range x.keys {
			t, err := fromObject(x.vals[k])
			if err != nil {
				return nil, err
			}
			o.set(netString(k), t)
		}
		return o, nil
	case *jObject:
		return cloneJ(x), nil
	case *jArray:
		return cloneJ(x), nil
	}
	return toJToken(v)
}

func cloneJ(v any) any {
	switch x := v.(type) {
	case *jObject:
		o := newJObject()
		for _, k := range x.keys {
			o.set(k, cloneJ(x.vals[k]))
		}
		return o
	case *jArray:
		a := &jArray{items: make([]any, len(x.items))}
		for i, e := range x.items {
			a.items[i] = cloneJ(e)
		}
		return a
	case *jValue:
		return &jValue{x.v}
	case *jProp:
		return &jProp{name: x.name, val: cloneJ(x.val)}
	}
	return v
}

// parseJSON parses text into a JToken, as JToken.Parse does. Integers
// become Int64 (as Newtonsoft's reader does for values that fit), other
// numbers Double. Like Newtonsoft's JsonTextReader it accepts single-quoted
// strings, unquoted property names and /* */ or // comments. Divergence:
// strings that look like dates stay strings (Newtonsoft's default
// DateParseHandling turns them into Date tokens).
func parseJSON(s string) (any, error) {
	p := &jsonParser{s: s}
	p.skip()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.i < len(p.s) {
		return nil, p.fail("Additional text encountered after finished reading JSON content: %c", p.s[p.i])
	}
	return v, nil
}

// jsonParser is a recursive-descent JSON reader over a string.
type jsonParser struct {
	s string
	i int
}

func (p *jsonParser) fail(format string, args ...any) error {
	line, col := 1, 1
	for _, r := range p.s[:min(p.i, len(p.s))] {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return fmt.Errorf("%w: %s Path '', line %d, position %d", errJSONReader, fmt.Sprintf(format, args...), line, col-1)
}

// skip passes white space and comments.
func (p *jsonParser) skip() {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.i++
		case c == '/' && p.i+1 < len(p.s) && p.s[p.i+1] == '/':
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		case c == '/' && p.i+1 < len(p.s) && p.s[p.i+1] == '*':
			end := strings.Index(p.s[p.i+2:], "*/")
			if end < 0 {
				p.i = len(p.s)
				return
			}
			p.i += end + 4
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if depth > 64 {
		return nil, p.fail("The reader's MaxDepth of 64 has been exceeded")
	}
	if p.i >= len(p.s) {
		return nil, p.fail("Unexpected end of content while loading JObject")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		o := newJObject()
		p.skip()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return o, nil
		}
		for {
			p.skip()
			k, err := p.name()
			if err != nil {
				return nil, err
			}
			p.skip()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, p.fail("Invalid character after parsing property name. Expected ':'")
			}
			p.i++
			p.skip()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			markAttached(v)
			o.set(k, v)
			p.skip()
			if p.i >= len(p.s) {
				return nil, p.fail("Unexpected end of content while loading JObject")
			}
			if p.s[p.i] == '}' {
				p.i++
				return o, nil
			}
			if p.s[p.i] != ',' {
				return nil, p.fail("After parsing a value an unexpected character was encountered: %c", p.s[p.i])
			}
			p.i++
		}
	case c == '[':
		p.i++
		a := &jArray{}
		p.skip()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return a, nil
		}
		for {
			p.skip()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			markAttached(v)
			a.items = append(a.items, v)
			p.skip()
			if p.i >= len(p.s) {
				return nil, p.fail("Unexpected end of content while loading JArray")
			}
			if p.s[p.i] == ']' {
				p.i++
				return a, nil
			}
			if p.s[p.i] != ',' {
				return nil, p.fail("After parsing a value an unexpected character was encountered: %c", p.s[p.i])
			}
			p.i++
		}
	case c == '"' || c == '\'':
		str, err := p.str()
		if err != nil {
			return nil, err
		}
		return &jValue{str}, nil
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	switch {
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return &jValue{true}, nil
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return &jValue{false}, nil
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return &jValue{nil}, nil
	}
	return nil, p.fail("Unexpected character encountered while parsing value: %c", p.s[p.i])
}

func markAttached(v any) {
	switch c := v.(type) {
	case *jObject:
		c.attached = true
	case *jArray:
		c.attached = true
	}
}

// name reads a property name: quoted, or unquoted identifier characters.
func (p *jsonParser) name() (string, error) {
	if p.i < len(p.s) && (p.s[p.i] == '"' || p.s[p.i] == '\'') {
		return p.str()
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80 {
			p.i++
			continue
		}
		break
	}
	if p.i == start {
		if p.i >= len(p.s) {
			return "", p.fail("Unexpected end while parsing unquoted property name")
		}
		return "", p.fail("Invalid property identifier character: %c", p.s[p.i])
	}
	return p.s[start:p.i], nil
}

// str reads a string quoted with " or '.
func (p *jsonParser) str() (string, error) {
	q := p.s[p.i]
	p.i++
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == q {
			v := p.s[start:p.i]
			p.i++
			return v, nil
		}
		if c == '\\' {
			break
		}
		p.i++
	}
	var b strings.Builder
	b.WriteString(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", p.fail("Unterminated string. Expected delimiter: %c", q)
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'u':
				if p.i+4 > len(p.s) {
					return "", p.fail("Unexpected end while parsing Unicode escape sequence")
				}
				n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
				if err != nil {
					return "", p.fail("Invalid Unicode escape sequence: \\u%s", p.s[p.i:p.i+4])
				}
				p.i += 4
				r := rune(n)
				if utf16.IsSurrogate(r) && p.i+6 <= len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
					if m, err := strconv.ParseUint(p.s[p.i+2:p.i+6], 16, 32); err == nil {
						if d := utf16.DecodeRune(r, rune(m)); d != utf8.RuneError {
							r = d
							p.i += 6
						}
					}
				}
				b.WriteRune(r)
			default:
				b.WriteByte(e) // \" \' \\ \/ and others stand for themselves
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", p.fail("Unterminated string. Expected delimiter: %c", q)
}

func (p *jsonParser) number() (any, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	isFloat := false
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= '0' && c <= '9' {
			p.i++
			continue
		}
		if c == '.' || c == 'e' || c == 'E' || (c == '+' || c == '-') && (p.s[p.i-1] == 'e' || p.s[p.i-1] == 'E') {
			isFloat = true
			p.i++
			continue
		}
		break
	}
	text := p.s[start:p.i]
	if !isFloat {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return &jValue{n}, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, p.fail("Input string '%s' is not a valid number", text)
	}
	return &jValue{f}, nil
}

// jsonText serialises a token the way JToken.ToString(Formatting) does:
// indented output uses two spaces and ": " after names.
func jsonText(v any, indent bool) string {
	var b strings.Builder
	writeJSON(&b, v, indent, 0)
	return b.String()
}

func writeJSON(b *strings.Builder, v any, indent bool, depth int) {
	nl := func(d int) {
		if indent {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat("  ", d))
		}
	}
	switch x := v.(type) {
	case *jObject:
		if len(x.keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			writeJSONString(b, k)
			b.WriteByte(':')
			if indent {
				b.WriteByte(' ')
			}
			writeJSON(b, x.vals[k], indent, depth+1)
		}
		nl(depth)
		b.WriteByte('}')
	case *jArray:
		if len(x.items) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range x.items {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			writeJSON(b, e, indent, depth+1)
		}
		nl(depth)
		b.WriteByte(']')
	case *jProp:
		writeJSONString(b, x.name)
		b.WriteByte(':')
		if indent {
			b.WriteByte(' ')
		}
		writeJSON(b, x.val, indent, depth)
	case *jValue:
		writeJSONScalar(b, x.v)
	default:
		t, err := fromObject(v)
		if err != nil {
			b.WriteString("null")
			return
		}
		writeJSON(b, t, indent, depth)
	}
}

func writeJSONScalar(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		writeJSONString(b, x)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(jsonDouble(x))
	case time.Time:
		b.WriteByte('"')
		b.WriteString(jsonDate(x))
		b.WriteByte('"')
	default:
		writeJSONString(b, netString(x))
	}
}

// jsonDouble formats a double as Newtonsoft's writer does: the shortest
// round-trip form, with ".0" for integral values.
func jsonDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return `"NaN"`
	case math.IsInf(f, 1):
		return `"Infinity"`
	case math.IsInf(f, -1):
		return `"-Infinity"`
	}
	s := formatDouble(f)
	if !strings.ContainsAny(s, ".E") {
		s += ".0"
	}
	return s
}

// jsonDate is Newtonsoft's default ISO 8601 date format
// (yyyy-MM-ddTHH:mm:ss.FFFFFFFK); the emulator's DateTimes are UTC.
func jsonDate(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	if ns := t.Nanosecond() / 100; ns > 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%07d", ns), "0")
	}
	if t.Year() > 1 {
		s += "Z"
	}
	return s
}

// writeJSONString escapes like Newtonsoft's default StringEscapeHandling:
// quotes, backslash and control characters; everything else verbatim.
func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 || r == 0x85 || r == 0x2028 || r == 0x2029 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// String is JToken.ToString(): indented JSON for containers, the plain
// value for a JValue.
func (o *jObject) String() string { return jsonText(o, true) }
func (a *jArray) String() string  { return jsonText(a, true) }
func (p *jProp) String() string   { return jsonText(p, true) }
func (j *jValue) String() string {
	switch x := j.v.(type) {
	case nil:
		return ""
	case time.Time:
		return formatDateTime(x, "G")
	}
	return netString(j.v)
}

// jTokenType names the JTokenType of a token.
func jTokenType(v any) string {
	switch x := v.(type) {
	case *jObject:
		return "Object"
	case *jArray:
		return "Array"
	case *jProp:
		return "Property"
	case *jValue:
		switch x.v.(type) {
		case nil:
			return "Null"
		case string:
			return "String"
		case int64:
			return "Integer"
		case float64:
			return "Float"
		case bool:
			return "Boolean"
		case time.Time:
			return "Date"
		}
	}
	return "None"
}

// jValueTo converts a JValue for an explicit cast, Value<T>() or
// ToObject<T>(), with Newtonsoft's messages.
func jValueTo(j *jValue, t string) (any, error) {
	switch t {
	case "object", "JToken", "JValue", "var":
		return j, nil
	case "string":
		switch x := j.v.(type) {
		case nil:
			return nil, nil
		case time.Time:
			return jsonDate(x), nil
		}
		return netString(j.v), nil
	}
	if j.v == nil {
		if isValueType(t) {
			return nil, fmt.Errorf("%w: Can not convert Null to %s", errArgument, strings.TrimPrefix(dotnetName(t), "System"))
		}
		return nil, nil
	}
	switch t {
	case "int", "long", "short", "byte":
		var n int64
		switch x := j.v.(type) {
		case int64:
			n = x
		case float64:
			r := math.RoundToEven(x) // Convert.ToInt32(double) rounds half to even
			if r > math.MaxInt64 || r < math.MinInt64 {
				return nil, fmt.Errorf("%w: Value was either too large or too small for an Int32", errOverflow)
			}
			n = int64(r)
		case bool:
			if x {
				n = 1
			}
		case string:
			if t == "long" {
				p, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
				if err != nil {
					return nil, fmt.Errorf("%w: Input string was not in a correct format", errFormat)
				}
				n = p
			} else {
				p, err := parseInt(x)
				if err != nil {
					return nil, err
				}
				n = int64(p)
			}
		default:
			return nil, castError(j.v, dotnetName(t))
		}
		if t == "long" {
			return n, nil
		}
		if n > math.MaxInt32 || n < math.MinInt32 {
			return nil, fmt.Errorf("%w: Value was either too large or too small for an Int32", errOverflow)
		}
		return int(n), nil
	case "double", "float", "decimal":
		switch x := j.v.(type) {
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		case string:
			return parseDouble(x)
		case bool:
			if x {
				return 1.0, nil
			}
			return 0.0, nil
		}
	case "bool":
		switch x := j.v.(type) {
		case bool:
			return x, nil
		case string:
			return parseBool(x)
		case int64:
			return x != 0, nil
		}
	case "DateTime":
		switch x := j.v.(type) {
		case time.Time:
			return x, nil
		case string:
			return parseDateTimeValue(x)
		}
	case "Guid":
		if s, ok := j.v.(string); ok {
			return parseGuid(s)
		}
	}
	return nil, castError(j.v, dotnetName(t))
}

// jConvert converts any token (container or value) for a cast to t.
func jConvert(v any, t string) (any, error) {
	switch x := v.(type) {
	case *jValue:
		return jValueTo(x, t)
	case nil:
		if isValueType(t) {
			return nil, fmt.Errorf("%w: Object reference not set to an instance of an object", errNullRef)
		}
		return nil, nil
	}
	switch t {
	case "object", "JToken", "JContainer", "var":
		return v, nil
	case "JObject":
		if _, ok := v.(*jObject); ok {
			return v, nil
		}
	case "JArray":
		if _, ok := v.(*jArray); ok {
			return v, nil
		}
	case "string":
		return nil, fmt.Errorf("%w: Can not convert %s to String", errArgument, jTokenType(v))
	}
	if isValueType(t) {
		return nil, fmt.Errorf("%w: Can not convert %s to %s", errArgument, jTokenType(v), strings.TrimPrefix(dotnetName(t), "System"))
	}
	return nil, castError(v, dotnetName(t))
}

// selectToken is JToken.SelectToken for the simple paths policies use:
// dotted names and [index] steps ("usage.total_tokens", "items[0].id",
// "$.a['b']"). Missing steps yield null.
func selectToken(v any, path string) (any, error) {
	p := strings.TrimPrefix(strings.TrimSpace(path), "$")
	cur := v
	for p != "" {
		switch {
		case p[0] == '.':
			p = p[1:]
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return nil, fmt.Errorf("%w: Path ended with an open indexer", errJSONReader)
			}
			inner := strings.TrimSpace(p[1:end])
			p = p[end+1:]
			if strings.HasPrefix(inner, "'") && strings.HasSuffix(inner, "'") && len(inner) >= 2 {
				cur = jChild(cur, inner[1:len(inner)-1])
				continue
			}
			i, err := strconv.Atoi(inner)
			if err != nil {
				return nil, fmt.Errorf("%w: unsupported JSONPath step [%s]", errNotSupported, inner)
			}
			a, ok := cur.(*jArray)
			if !ok || i < 0 || i >= len(a.items) {
				return nil, nil
			}
			cur = a.items[i]
			continue
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			name := p[:end]
			p = p[end:]
			if name == "*" || strings.HasPrefix(name, "?") {
				return nil, fmt.Errorf("%w: JSONPath wildcard or filter %q", errNotSupported, name)
			}
			cur = jChild(cur, name)
		}
		if cur == nil {
			return nil, nil
		}
	}
	return cur, nil
}

func jChild(v any, name string) any {
	if o, ok := v.(*jObject); ok {
		if c, ok := o.get(name); ok {
			return c
		}
	}
	return nil
}
