package policyexpr

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
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
	return nil, fmt.Errorf("%w: Could not determine JSON object type for type %s.", errArgument, dotnetTypeName(v))
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

// parseJSON parses text into a JToken. Integers become Int64 (as
// Newtonsoft's reader does for values that fit), other numbers Double.
// Divergence: strings that look like dates stay strings (Newtonsoft's
// default DateParseHandling turns them into Date tokens).
func parseJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	v, err := readJSON(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: Additional text encountered after finished reading JSON content.", errJSONReader)
	}
	return v, nil
}

func readJSON(dec *json.Decoder, depth int) (any, error) {
	if depth > 64 {
		return nil, fmt.Errorf("%w: The reader's MaxDepth of 64 has been exceeded.", errJSONReader)
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("%w: Unexpected end of content while loading JObject.", errJSONReader)
		}
		return nil, fmt.Errorf("%w: %v", errJSONReader, err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := newJObject()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("%w: %v", errJSONReader, err)
				}
				k, _ := kt.(string)
				v, err := readJSON(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if c, ok := v.(*jObject); ok {
					c.attached = true
				} else if c, ok := v.(*jArray); ok {
					c.attached = true
				}
				o.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("%w: %v", errJSONReader, err)
			}
			return o, nil
		case '[':
			a := &jArray{}
			for dec.More() {
				v, err := readJSON(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if c, ok := v.(*jObject); ok {
					c.attached = true
				} else if c, ok := v.(*jArray); ok {
					c.attached = true
				}
				a.items = append(a.items, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("%w: %v", errJSONReader, err)
			}
			return a, nil
		}
		return nil, fmt.Errorf("%w: unexpected %v", errJSONReader, t)
	case json.Number:
		s := string(t)
		if !strings.ContainsAny(s, ".eE") {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return &jValue{n}, nil
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: Input string '%s' is not a valid number.", errJSONReader, s)
		}
		return &jValue{f}, nil
	case string, bool, nil:
		return &jValue{t}, nil
	}
	return nil, fmt.Errorf("%w: unexpected token", errJSONReader)
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
			return nil, fmt.Errorf("%w: Can not convert Null to %s.", errArgument, strings.TrimPrefix(dotnetName(t), "System."))
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
				return nil, fmt.Errorf("%w: Value was either too large or too small for an Int32.", errOverflow)
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
					return nil, fmt.Errorf("%w: Input string was not in a correct format.", errFormat)
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
			return nil, fmt.Errorf("%w: Value was either too large or too small for an Int32.", errOverflow)
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
			return nil, fmt.Errorf("%w: Object reference not set to an instance of an object.", errNullRef)
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
		return nil, fmt.Errorf("%w: Can not convert %s to String.", errArgument, jTokenType(v))
	}
	if isValueType(t) {
		return nil, fmt.Errorf("%w: Can not convert %s to %s.", errArgument, jTokenType(v), strings.TrimPrefix(dotnetName(t), "System."))
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
				return nil, fmt.Errorf("%w: Path ended with an open indexer.", errJSONReader)
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
