package policyexpr

import (
	"encoding/base64"
	"fmt"
	"html"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// encVal is a System.Text.Encoding.
type encVal struct{ name string }

// randVal is a System.Random.
type randVal struct{}

var enumTypes = map[string][]string{
	"StringComparison":   {"Ordinal", "OrdinalIgnoreCase", "CurrentCulture", "CurrentCultureIgnoreCase", "InvariantCulture", "InvariantCultureIgnoreCase"},
	"StringSplitOptions": {"None", "RemoveEmptyEntries", "TrimEntries"},
	"Formatting":         {"None", "Indented"},
	"JTokenType":         {"None", "Object", "Array", "Constructor", "Property", "Comment", "Integer", "Float", "String", "Boolean", "Null", "Undefined", "Date", "Raw", "Bytes", "Guid", "Uri", "TimeSpan"},
	"RegexOptions":       {"None", "IgnoreCase", "Multiline", "Singleline", "Compiled", "CultureInvariant", "ExplicitCapture", "IgnorePatternWhitespace"},
	"UriPartial":         {"Scheme", "Authority", "Path", "Query"},
	"DateTimeKind":       {"Unspecified", "Utc", "Local"},
	"MidpointRounding":   {"ToEven", "AwayFromZero"},
	"DayOfWeek":          {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
}

// staticProperty reads Type.Name.
func staticProperty(fr *iframe, typ, name string) (any, error) {
	if vals, ok := enumTypes[typ]; ok {
		for _, v := range vals {
			if v == name {
				return enumVal{typ, name}, nil
			}
		}
	}
	var ctx *Context
	if fr != nil {
		ctx = fr.ctx
	}
	switch typ + "." + name {
	case "string.Empty":
		return "", nil
	case "int.MaxValue":
		return math.MaxInt32, nil
	case "int.MinValue":
		return math.MinInt32, nil
	case "long.MaxValue":
		return int64(math.MaxInt64), nil
	case "long.MinValue":
		return int64(math.MinInt64), nil
	case "double.MaxValue":
		return math.MaxFloat64, nil
	case "double.NaN":
		return math.NaN(), nil
	case "DateTime.UtcNow", "DateTime.Now":
		return ctx.now(), nil
	case "DateTime.Today":
		y, m, d := ctx.now().Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	case "DateTime.MinValue":
		return time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), nil
	case "DateTime.MaxValue":
		return time.Date(9999, 12, 31, 23, 59, 59, 999999900, time.UTC), nil
	case "DateTimeOffset.UtcNow", "DateTimeOffset.Now":
		return dto{ctx.now()}, nil
	case "DateTimeOffset.MinValue":
		return dto{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}, nil
	case "TimeSpan.Zero":
		return time.Duration(0), nil
	case "Guid.Empty":
		return guid("00000000-0000-0000-0000-000000000000"), nil
	case "Encoding.UTF8", "Encoding.ASCII", "Encoding.Unicode", "Encoding.Default":
		return encVal{name}, nil
	case "Math.PI":
		return math.Pi, nil
	case "Math.E":
		return math.E, nil
	}
	return nil, fmt.Errorf("%w: member %s.%s is not emulated", errNotSupported, typ, name)
}

// checkStaticMethod rejects at compile time the static methods the
// interpreter does not know.
func checkStaticMethod(typ, name string, nargs int) error {
	if staticMethods[typ+"."+name] {
		return nil
	}
	if typ == "JsonConvert" {
		// Learn's table allows only these two members of JsonConvert.
		return typeErr(-1, "JsonConvert.%s is not allowed in policy expressions (allowed: SerializeObject, DeserializeObject)", name)
	}
	if strings.HasSuffix(name, "Parse") || name == "TryParse" {
		switch typ {
		case "int", "long", "double", "decimal", "float", "bool", "Guid", "DateTime", "DateTimeOffset", "TimeSpan", "short", "byte":
			return nil
		}
	}
	if typ == "Convert" || typ == "Math" || typ == "char" {
		return nil // checked per method at run time
	}
	return unsupported(-1, "%s.%s", typ, name)
}

var staticMethods = map[string]bool{}

func init() {
	for _, m := range []string{
		"string.IsNullOrEmpty", "string.IsNullOrWhiteSpace", "string.Format", "string.Concat", "string.Join", "string.Equals", "string.Compare", "string.CompareOrdinal",
		"Uri.EscapeDataString", "Uri.UnescapeDataString", "Uri.EscapeUriString", "Uri.IsWellFormedUriString",
		"WebUtility.UrlEncode", "WebUtility.UrlDecode", "WebUtility.HtmlEncode", "WebUtility.HtmlDecode",
		"JObject.Parse", "JArray.Parse", "JToken.Parse", "JObject.FromObject", "JToken.FromObject", "JArray.FromObject",
		"JsonConvert.SerializeObject", "JsonConvert.DeserializeObject",
		"Guid.NewGuid", "DateTimeOffset.FromUnixTimeSeconds", "DateTimeOffset.FromUnixTimeMilliseconds",
		"TimeSpan.FromSeconds", "TimeSpan.FromMinutes", "TimeSpan.FromHours", "TimeSpan.FromDays", "TimeSpan.FromMilliseconds",
		"Regex.IsMatch", "Regex.Match", "Regex.Matches", "Regex.Replace", "Regex.Split", "Regex.Escape",
		"SHA256.Create", "SHA1.Create", "SHA384.Create", "SHA512.Create", "MD5.Create",
		"BitConverter.ToString", "BitConverter.ToInt32", "Array.Exists", "Array.IndexOf", "Array.Empty", "Array.Find",
		"Enumerable.Range", "Enumerable.Repeat", "Enumerable.Empty",
		"ExpressionSyntaxExtensions.TryParseJwt", "ExpressionSyntaxExtensions.AsJwt", "ExpressionSyntaxExtensions.TryParseBasic", "ExpressionSyntaxExtensions.AsBasic",
		"DateTime.SpecifyKind", "Encoding.GetEncoding", "XDocument.Parse", "XElement.Parse",
	} {
		staticMethods[m] = true
	}
}

// callStatic calls Type.Name(args).
func callStatic(fr *iframe, typ, name string, typeArgs []string, args []any, nOut int) (any, []any, error) {
	key := typ + "." + name
	str := func(i int) (string, error) { return argString(args, i) }
	switch key {
	case "string.IsNullOrEmpty":
		s := argAt(args, 0)
		return s == nil || s == "", nil, nil
	case "string.IsNullOrWhiteSpace":
		s, _ := argAt(args, 0).(string)
		return strings.TrimSpace(s) == "", nil, nil
	case "string.Format":
		f, err := str(0)
		if err != nil {
			return nil, nil, err
		}
		rest := argsFrom(args, 1)
		if len(rest) == 1 {
			if arr, ok := rest[0].([]any); ok {
				rest = arr
			}
		}
		conv := make([]any, len(rest))
		for i, a := range rest {
			conv[i] = exportValue(unwrapJ(a))
			if _, ok := conv[i].([]string); ok {
				conv[i] = "System.String[]"
			}
		}
		v, err := csFormat(f, conv)
		return v, nil, err
	case "string.Concat":
		var b strings.Builder
		items := args
		if len(args) == 1 {
			if e, err := enumerate(args[0]); err == nil {
				if _, isStr := args[0].(string); !isStr {
					items = e
				}
			}
		}
		for _, a := range items {
			b.WriteString(netString(a))
		}
		return b.String(), nil, nil
	case "string.Join":
		sep := netString(argAt(args, 0))
		items := argsFrom(args, 1)
		if len(items) == 1 {
			if e, err := enumerate(items[0]); err == nil {
				if _, isStr := items[0].(string); !isStr {
					items = e
				}
			}
		}
		parts := make([]string, len(items))
		for i, a := range items {
			parts[i] = netString(a)
		}
		return strings.Join(parts, sep), nil, nil
	case "string.Equals":
		a, b := argAt(args, 0), argAt(args, 1)
		if ic, ok := comparisonOf(args, 2); ok && ic {
			as, _ := a.(string)
			bs, _ := b.(string)
			return (a == nil) == (b == nil) && strings.EqualFold(as, bs), nil, nil
		}
		return valuesEqual(a, b), nil, nil
	case "string.Compare", "string.CompareOrdinal":
		a, _ := str(0)
		b, _ := str(1)
		if ic, ok := comparisonOf(args, 2); ok && ic {
			a, b = strings.ToLower(a), strings.ToLower(b)
		}
		if key == "string.Compare" {
			// Culture-sensitive comparison orders case-insensitively first;
			// the emulator compares ordinally (see docs/semantics.md).
		}
		return strings.Compare(a, b), nil, nil
	case "Uri.EscapeDataString":
		s, err := str(0)
		if err != nil {
			return nil, nil, err
		}
		return escapeDataString(s), nil, nil
	case "Uri.EscapeUriString":
		s, err := str(0)
		if err != nil {
			return nil, nil, err
		}
		return (&url.URL{Path: s}).EscapedPath(), nil, nil
	case "Uri.UnescapeDataString":
		s, err := str(0)
		if err != nil {
			return nil, nil, err
		}
		return unescapePercent(s, false), nil, nil
	case "Uri.IsWellFormedUriString":
		s, _ := str(0)
		u, err := url.Parse(s)
		kind, _ := argAt(args, 1).(enumVal)
		if err != nil || strings.ContainsAny(s, " \\") {
			return false, nil, nil
		}
		if kind.name == "Absolute" {
			return u.IsAbs(), nil, nil
		}
		return true, nil, nil
	case "WebUtility.UrlEncode":
		if argAt(args, 0) == nil {
			return nil, nil, nil
		}
		s, err := str(0)
		if err != nil {
			return nil, nil, err
		}
		return webUrlEncode(s), nil, nil
	case "WebUtility.UrlDecode":
		if argAt(args, 0) == nil {
			return nil, nil, nil
		}
		s, err := str(0)
		if err != nil {
			return nil, nil, err
		}
		return unescapePercent(s, true), nil, nil
	case "WebUtility.HtmlEncode":
		if argAt(args, 0) == nil {
			return nil, nil, nil
		}
		s, err := str(0)
		if err != nil {
			return nil, nil, err
		}
		return webHTMLEncode(s), nil, nil
	case "WebUtility.HtmlDecode":
		s, err := str(0)
		if err != nil {
			return nil, nil, err
		}
		return html.UnescapeString(s), nil, nil
	case "JObject.Parse", "JArray.Parse", "JToken.Parse":
		s, err := str(0)
		if err != nil {
			return nil, nil, err
		}
		if argAt(args, 0) == nil {
			return nil, nil, fmt.Errorf("%w: Value cannot be null. (Parameter 'json')", errArgument)
		}
		v, err := parseJSON(s)
		if err != nil {
			return nil, nil, err
		}
		switch typ {
		case "JObject":
			if _, ok := v.(*jObject); !ok {
				return nil, nil, fmt.Errorf("%w: Error reading JObject from JsonReader. Current JsonReader item is not an object: %s", errJSONReader, jTokenType(v))
			}
		case "JArray":
			if _, ok := v.(*jArray); !ok {
				return nil, nil, fmt.Errorf("%w: Error reading JArray from JsonReader. Current JsonReader item is not an array: %s", errJSONReader, jTokenType(v))
			}
		}
		return v, nil, nil
	case "JObject.FromObject", "JToken.FromObject", "JArray.FromObject":
		v, err := fromObject(argAt(args, 0))
		return v, nil, err
	case "JsonConvert.SerializeObject":
		indent := false
		if e, ok := argAt(args, 1).(enumVal); ok && e.typ == "Formatting" {
			indent = e.name == "Indented"
		}
		v := argAt(args, 0)
		if jv, ok := rawArg(args, 0).(*jValue); ok {
			v = jv
		}
		switch x := v.(type) {
		case nil:
			return "null", nil, nil
		case string, int, int64, float64, bool:
			t, _ := toJToken(x)
			return jsonText(t, indent), nil, nil
		}
		return jsonText(v, indent), nil, nil
	case "JsonConvert.DeserializeObject":
		s, err := str(0)
		if err != nil {
			return nil, nil, err
		}
		v, err := parseJSON(s)
		if err != nil {
			return nil, nil, err
		}
		if len(typeArgs) == 1 {
			v, err = jConvert(v, typeArgs[0])
		}
		return v, nil, err
	case "Guid.NewGuid":
		return guid(newGuid(ctxOf(fr))), nil, nil
	case "DateTimeOffset.FromUnixTimeSeconds", "DateTimeOffset.FromUnixTimeMilliseconds":
		n := toI64(unwrapJ(argAt(args, 0)))
		if numKind(argAt(args, 0)) == 0 {
			return nil, nil, castError(argAt(args, 0), "System.Int64")
		}
		if name == "FromUnixTimeSeconds" {
			return dto{time.Unix(n, 0).UTC()}, nil, nil
		}
		return dto{time.UnixMilli(n).UTC()}, nil, nil
	case "TimeSpan.FromSeconds", "TimeSpan.FromMinutes", "TimeSpan.FromHours", "TimeSpan.FromDays", "TimeSpan.FromMilliseconds":
		f, err := argFloat(args, 0)
		if err != nil {
			return nil, nil, err
		}
		unit := map[string]time.Duration{"FromSeconds": time.Second, "FromMinutes": time.Minute, "FromHours": time.Hour,
			"FromDays": 24 * time.Hour, "FromMilliseconds": time.Millisecond}[name]
		return time.Duration(math.Round(f*float64(unit)/float64(time.Millisecond))) * time.Millisecond, nil, nil
	case "Regex.IsMatch", "Regex.Match", "Regex.Matches", "Regex.Replace", "Regex.Split":
		pat, err := str(1)
		if err != nil {
			return nil, nil, err
		}
		var opts []any
		rest := []any{rawArg(args, 0)}
		if name == "Replace" {
			rest = append(rest, argAt(args, 2))
			opts = argsFrom(args, 3)
		} else {
			opts = argsFrom(args, 2)
		}
		re, err := compileRegex(pat, opts)
		if err != nil {
			return nil, nil, err
		}
		v, _, err := regexMethod(re, name, rest)
		return v, nil, err
	case "Regex.Escape":
		s, err := str(0)
		if err != nil {
			return nil, nil, err
		}
		return regexpQuote(s), nil, nil
	case "SHA256.Create", "SHA1.Create", "SHA384.Create", "SHA512.Create", "MD5.Create":
		return &hashAlg{name: typ}, nil, nil
	case "BitConverter.ToString":
		b, err := argBytes(args, 0)
		if err != nil {
			return nil, nil, err
		}
		parts := make([]string, len(b))
		for i, x := range b {
			parts[i] = fmt.Sprintf("%02X", x)
		}
		return strings.Join(parts, "-"), nil, nil
	case "BitConverter.ToInt32":
		b, err := argBytes(args, 0)
		if err != nil {
			return nil, nil, err
		}
		i, err := argInt32(args, 1)
		if err != nil {
			return nil, nil, err
		}
		if i < 0 || i+4 > len(b) {
			return nil, nil, fmt.Errorf("%w: startIndex", errArgRange)
		}
		return int(int32(uint32(b[i]) | uint32(b[i+1])<<8 | uint32(b[i+2])<<16 | uint32(b[i+3])<<24)), nil, nil
	case "Array.Exists", "Array.Find":
		l, err := argLambda(args, 1)
		if err != nil {
			return nil, nil, err
		}
		items, err := enumerate(argAt(args, 0))
		if err != nil {
			return nil, nil, err
		}
		for _, it := range items {
			ok, err := predicate(l, it)
			if err != nil {
				return nil, nil, err
			}
			if ok {
				if name == "Find" {
					return it, nil, nil
				}
				return true, nil, nil
			}
		}
		if name == "Find" {
			return nil, nil, nil
		}
		return false, nil, nil
	case "Array.IndexOf":
		items, err := enumerate(argAt(args, 0))
		if err != nil {
			return nil, nil, err
		}
		for i, it := range items {
			if valuesEqual(it, argAt(args, 1)) {
				return i, nil, nil
			}
		}
		return -1, nil, nil
	case "Array.Empty", "Enumerable.Empty":
		return []any{}, nil, nil
	case "Enumerable.Range":
		lo, err := argInt32(args, 0)
		if err != nil {
			return nil, nil, err
		}
		n, err := argInt32(args, 1)
		if err != nil {
			return nil, nil, err
		}
		if n < 0 || n > maxLoopSteps {
			return nil, nil, fmt.Errorf("%w: count", errArgRange)
		}
		out := make([]any, n)
		for i := range out {
			out[i] = lo + i
		}
		return out, nil, nil
	case "Enumerable.Repeat":
		n, err := argInt32(args, 1)
		if err != nil {
			return nil, nil, err
		}
		if n < 0 || n > maxLoopSteps {
			return nil, nil, fmt.Errorf("%w: count", errArgRange)
		}
		out := make([]any, n)
		for i := range out {
			out[i] = rawArg(args, 0)
		}
		return out, nil, nil
	case "ExpressionSyntaxExtensions.TryParseJwt", "ExpressionSyntaxExtensions.TryParseBasic":
		s, _ := str(0)
		var v any
		if name == "TryParseJwt" {
			if j, err := parseJwt(s); err == nil {
				v = j
			}
		} else if b := parseBasic(s); b != nil {
			v = b
		}
		return v != nil, []any{v}, nil
	case "ExpressionSyntaxExtensions.AsJwt", "ExpressionSyntaxExtensions.AsBasic":
		v, _, err := callMethod(fr, argAt(args, 0), name, nil, nil, nil, 0, 0)
		return v, nil, err
	case "XDocument.Parse", "XElement.Parse":
		s, err := str(0)
		if err != nil {
			return nil, nil, err
		}
		root, err := parseXML(s)
		if err != nil {
			return nil, nil, err
		}
		if typ == "XDocument" {
			return &xDoc{root: root}, nil, nil
		}
		return root, nil, nil
	case "DateTime.SpecifyKind":
		return argAt(args, 0), nil, nil
	case "Encoding.GetEncoding":
		s, _ := str(0)
		return encVal{strings.ToUpper(strings.ReplaceAll(s, "-", ""))}, nil, nil
	}
	switch typ {
	case "Convert":
		v, err := convertCall(name, args)
		return v, nil, err
	case "Math":
		v, err := mathCall(name, args)
		return v, nil, err
	case "char":
		c, ok := argAt(args, 0).(char)
		if !ok {
			return nil, nil, castError(argAt(args, 0), "System.Char")
		}
		r := rune(c)
		switch name {
		case "IsDigit":
			return unicode.IsDigit(r), nil, nil
		case "IsLetter":
			return unicode.IsLetter(r), nil, nil
		case "IsLetterOrDigit":
			return unicode.IsLetter(r) || unicode.IsDigit(r), nil, nil
		case "IsWhiteSpace":
			return unicode.IsSpace(r), nil, nil
		case "IsUpper":
			return unicode.IsUpper(r), nil, nil
		case "IsLower":
			return unicode.IsLower(r), nil, nil
		case "ToUpper":
			return char(unicode.ToUpper(r)), nil, nil
		case "ToLower":
			return char(unicode.ToLower(r)), nil, nil
		}
	}
	if name == "Parse" || name == "TryParse" || name == "ParseExact" {
		s, err := str(0)
		if err != nil {
			return nil, nil, err
		}
		v, perr := parseAs(typ, s)
		if name == "TryParse" {
			if perr != nil {
				return false, []any{zeroValue(typ)}, nil
			}
			return true, []any{v}, nil
		}
		if argAt(args, 0) == nil {
			return nil, nil, fmt.Errorf("%w: Value cannot be null. (Parameter 's')", errArgument)
		}
		return v, nil, perr
	}
	return nil, nil, fmt.Errorf("%w: %s.%s", errNotSupported, typ, name)
}

func ctxOf(fr *iframe) *Context {
	if fr == nil {
		return nil
	}
	return fr.ctx
}

// parseAs is T.Parse(s).
func parseAs(typ, s string) (any, error) {
	switch typ {
	case "int", "short", "byte":
		return parseInt(s)
	case "long":
		n, err := strconv.ParseInt(trimNumberSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: The input string '%s' was not in a correct format", errFormat, s)
		}
		return n, nil
	case "double", "float", "decimal":
		return parseDouble(s)
	case "bool":
		return parseBool(s)
	case "Guid":
		return parseGuid(s)
	case "DateTime":
		return parseDateTimeValue(s)
	case "DateTimeOffset":
		t, err := parseDateTimeValue(s)
		if err != nil {
			return nil, err
		}
		return dto{t}, nil
	case "TimeSpan":
		return parseTimeSpanValue(s)
	}
	return nil, fmt.Errorf("%w: %s.Parse", errNotSupported, typ)
}

// parseDateTimeValue accepts the ISO 8601 and RFC 1123 forms policies
// exchange; local times are read as UTC.
func parseDateTimeValue(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05", "2006-01-02", time.RFC1123, "01/02/2006 15:04:05", "1/2/2006 3:04:05 PM", "01/02/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: String '%s' was not recognized as a valid DateTime", errFormat, s)
}

func parseTimeSpanValue(s string) (time.Duration, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	var days int
	if len(parts) == 3 {
		if d, rest, ok := strings.Cut(parts[0], "."); ok {
			days, _ = strconv.Atoi(d)
			parts[0] = rest
		}
		h, e1 := strconv.Atoi(parts[0])
		m, e2 := strconv.Atoi(parts[1])
		sec, e3 := strconv.ParseFloat(parts[2], 64)
		if e1 == nil && e2 == nil && e3 == nil {
			return time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec*float64(time.Second)), nil
		}
	}
	if d, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		return time.Duration(d) * 24 * time.Hour, nil
	}
	return 0, fmt.Errorf("%w: String '%s' was not recognized as a valid TimeSpan", errFormat, s)
}

// parseGuid accepts the D, N, B and P formats.
func parseGuid(s string) (guid, error) {
	t := strings.Trim(strings.TrimSpace(s), "{}()")
	h := strings.ReplaceAll(t, "-", "")
	if len(h) != 32 || (len(t) != 32 && len(t) != 36) {
		return "", fmt.Errorf("%w: Unrecognized Guid format", errFormat)
	}
	for _, r := range h {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return "", fmt.Errorf("%w: Guid string should only contain hexadecimal characters", errFormat)
		}
	}
	h = strings.ToLower(h)
	return guid(h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]), nil
}

func formatGuid(g, f string) string {
	switch f {
	case "N", "n":
		return strings.ReplaceAll(g, "-", "")
	case "B", "b":
		return "{" + g + "}"
	case "P", "p":
		return "(" + g + ")"
	}
	return g
}

// guidBytes is Guid.ToByteArray(): the first three groups little-endian.
func guidBytes(g string) []byte {
	h := strings.ReplaceAll(g, "-", "")
	b := make([]byte, 16)
	for i := range 16 {
		n, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		b[i] = byte(n)
	}
	b[0], b[1], b[2], b[3] = b[3], b[2], b[1], b[0]
	b[4], b[5] = b[5], b[4]
	b[6], b[7] = b[7], b[6]
	return b
}

// escapeDataString is Uri.EscapeDataString: RFC 3986 unreserved
// characters stay, everything else is percent-encoded from UTF-8.
func escapeDataString(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// webUrlEncode is WebUtility.UrlEncode: spaces become '+', the unreserved
// set is [A-Za-z0-9-_.!*()], hex digits upper case.
func webUrlEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			b.WriteByte('+')
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!*()", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// webHTMLEncode is WebUtility.HtmlEncode: <, >, &, " and ' (as &#39;).
func webHTMLEncode(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")
	return r.Replace(s)
}

// unescapePercent decodes %XX sequences (and '+' as space for UrlDecode);
// malformed sequences stay as they are, as in .NET.
func unescapePercent(s string, plus bool) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '+' && plus {
			b = append(b, ' ')
			continue
		}
		if c == '%' && i+2 < len(s)+0 && i+2 <= len(s)-1 {
			if n, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b = append(b, byte(n))
				i += 2
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\*+?|{[()^$.# `, r) {
			b.WriteByte('\\')
		}
		switch r {
		case '\n':
			b.WriteString(`\n`)
			continue
		case '\t':
			b.WriteString(`\t`)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func convertCall(name string, args []any) (any, error) {
	v := argAt(args, 0)
	switch name {
	case "ToBase64String":
		b, err := argBytes(args, 0)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString(b), nil
	case "FromBase64String":
		s, err := argString(args, 0)
		if err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, s))
		if err != nil {
			return nil, fmt.Errorf("%w: The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters", errFormat)
		}
		return b, nil
	case "ToString":
		if v == nil {
			return "", nil
		}
		return netString(v), nil
	case "ToInt32", "ToInt16", "ToByte", "ToInt64":
		var n int64
		switch x := v.(type) {
		case string:
			if name == "ToInt64" {
				p, err := strconv.ParseInt(trimNumberSpace(x), 10, 64)
				if err != nil {
					return nil, fmt.Errorf("%w: The input string '%s' was not in a correct format", errFormat, x)
				}
				n = p
			} else {
				p, err := parseInt(x)
				if err != nil {
					return nil, err
				}
				n = int64(p)
			}
		case nil:
			n = 0
		case float64:
			n = int64(math.RoundToEven(x))
		case bool:
			if x {
				n = 1
			}
		default:
			if numKind(x) == 0 {
				return nil, castError(v, "System.IConvertible")
			}
			n = toI64(x)
		}
		switch name {
		case "ToInt64":
			return n, nil
		case "ToByte":
			if n < 0 || n > 255 {
				return nil, fmt.Errorf("%w: Value was either too large or too small for an unsigned byte", errOverflow)
			}
			return int(n), nil
		case "ToInt16":
			if n < math.MinInt16 || n > math.MaxInt16 {
				return nil, fmt.Errorf("%w: Value was either too large or too small for an Int16", errOverflow)
			}
			return int16(n), nil
		}
		if n < math.MinInt32 || n > math.MaxInt32 {
			return nil, fmt.Errorf("%w: Value was either too large or too small for an Int32", errOverflow)
		}
		return int(n), nil
	case "ToDouble", "ToDecimal", "ToSingle":
		switch x := v.(type) {
		case string:
			return parseDouble(x)
		case nil:
			return 0.0, nil
		case bool:
			if x {
				return 1.0, nil
			}
			return 0.0, nil
		}
		if numKind(v) > 0 {
			return toF64(v), nil
		}
	case "ToBoolean":
		switch x := v.(type) {
		case string:
			return parseBool(x)
		case bool:
			return x, nil
		case nil:
			return false, nil
		}
		if numKind(v) > 0 {
			return toF64(v) != 0, nil
		}
	case "ToDateTime":
		switch x := v.(type) {
		case string:
			return parseDateTimeValue(x)
		case time.Time:
			return x, nil
		}
	case "ToChar":
		if numKind(v) > 0 {
			return char(toI64(v)), nil
		}
	}
	return nil, fmt.Errorf("%w: Convert.%s(%s)", errNotSupported, name, dotnetTypeName(v))
}

func mathCall(name string, args []any) (any, error) {
	a, b := unwrapJ(argAt(args, 0)), unwrapJ(argAt(args, 1))
	allInt := numKind(a) == 1 && (len(args) < 2 || numKind(b) == 1)
	switch name {
	case "Min", "Max":
		if allInt {
			x, y := toI64(a), toI64(b)
			if (name == "Min") == (x < y) {
				return int(x), nil
			}
			return int(y), nil
		}
		x, y := toF64(a), toF64(b)
		if name == "Min" {
			return math.Min(x, y), nil
		}
		return math.Max(x, y), nil
	case "Abs":
		if allInt {
			x := toI64(a)
			if x == math.MinInt32 {
				return nil, fmt.Errorf("%w: Negating the minimum value of a twos complement number is invalid", errOverflow)
			}
			if x < 0 {
				x = -x
			}
			return int(x), nil
		}
		return math.Abs(toF64(a)), nil
	case "Round":
		x := toF64(a)
		digits := 0
		away := false
		for _, o := range argsFrom(args, 1) {
			switch v := unwrapJ(o).(type) {
			case int:
				digits = v
			case enumVal:
				away = v.name == "AwayFromZero"
			}
		}
		p := math.Pow(10, float64(digits))
		if away {
			return math.Round(x*p) / p, nil
		}
		return math.RoundToEven(x*p) / p, nil // .NET rounds half to even by default
	case "Floor":
		return math.Floor(toF64(a)), nil
	case "Ceiling":
		return math.Ceil(toF64(a)), nil
	case "Pow":
		return math.Pow(toF64(a), toF64(b)), nil
	case "Sqrt":
		return math.Sqrt(toF64(a)), nil
	case "Log":
		return math.Log(toF64(a)), nil
	case "Truncate":
		return math.Trunc(toF64(a)), nil
	case "Sign":
		x := toF64(a)
		switch {
		case x > 0:
			return 1, nil
		case x < 0:
			return -1, nil
		}
		return 0, nil
	}
	return nil, fmt.Errorf("%w: Math.%s", errNotSupported, name)
}

// sortValues sorts in place by key (or by value when key is nil), stably,
// as LINQ's OrderBy does.
func sortValues(items []any, key *ilambda, desc bool) error {
	keys := items
	if key != nil {
		keys = make([]any, len(items))
		for i, it := range items {
			k, err := key.invoke(it)
			if err != nil {
				return err
			}
			keys[i] = unwrapJ(k)
		}
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	var cmpErr error
	sort.SliceStable(idx, func(i, j int) bool {
		c, err := compareValues(keys[idx[i]], keys[idx[j]])
		if err != nil {
			cmpErr = err
		}
		if desc {
			return c > 0
		}
		return c < 0
	})
	if cmpErr != nil {
		return cmpErr
	}
	out := make([]any, len(items))
	for i, k := range idx {
		out[i] = items[k]
	}
	copy(items, out)
	return nil
}

func compareValues(a, b any) (int, error) {
	switch {
	case a == nil && b == nil:
		return 0, nil
	case a == nil:
		return -1, nil
	case b == nil:
		return 1, nil
	}
	if numKind(a) > 0 && numKind(b) > 0 {
		x, y := toF64(a), toF64(b)
		switch {
		case x < y:
			return -1, nil
		case x > y:
			return 1, nil
		}
		return 0, nil
	}
	if c, ok := compareTimes(a, b); ok {
		return c, nil
	}
	as, ok1 := a.(string)
	bs, ok2 := b.(string)
	if ok1 && ok2 {
		// Culture-sensitive ordering approximated: case-insensitive first.
		if c := strings.Compare(strings.ToLower(as), strings.ToLower(bs)); c != 0 {
			return c, nil
		}
		return -strings.Compare(as, bs), nil
	}
	return 0, fmt.Errorf("%w: Failed to compare two elements in the array", errInvalidOp)
}
