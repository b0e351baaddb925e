package arm

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// ARM strings are .NET strings: lengths and offsets count UTF-16 code units.
func utf16Len(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return len(utf16.Encode([]rune(s)))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// utf16Slice returns s[start:end] counted in UTF-16 code units.
func utf16Slice(s string, start, end int) string {
	if isASCII(s) {
		return s[start:end]
	}
	u := utf16.Encode([]rune(s))
	return string(utf16.Decode(u[start:end]))
}

func toLowerInvariant(s string) string { return strings.ToLower(s) }
func toUpperInvariant(s string) string { return strings.ToUpper(s) }
func trimSpace(s string) string        { return strings.TrimSpace(s) }

func strFn(f func(string) string) func(e *env, c *Call, a []*value) *value {
	return func(e *env, c *Call, a []*value) *value {
		if a[0].Kind != jsontree.String {
			return e.invalid(c, "argument must be a string, got %s", a[0].Kind)
		}
		return strVal(f(a[0].Str))
	}
}

// strArgs checks that every argument is a string.
func strArgs(e *env, c *Call, a []*value) ([]string, *value) {
	out := make([]string, len(a))
	for i, v := range a {
		if v.Kind != jsontree.String {
			return nil, e.invalid(c, "argument %d must be a string, got %s", i+1, v.Kind)
		}
		out[i] = v.Str
	}
	return out, nil
}

// fnConcat joins strings (numbers and booleans are converted) or
// concatenates arrays, depending on the first argument.
func fnConcat(e *env, c *Call, a []*value) *value {
	if len(a) > 0 && a[0].Kind == jsontree.Array {
		var out []*value
		for i, v := range a {
			switch v.Kind {
			case jsontree.Array:
				out = append(out, v.Elems()...)
			case jsontree.Null:
			default:
				return e.invalid(c, "argument %d must be an array like the first, got %s", i+1, v.Kind)
			}
		}
		return arrVal(out)
	}
	var b strings.Builder
	for i, v := range a {
		switch v.Kind {
		case jsontree.Array, jsontree.Object:
			return e.invalid(c, "argument %d must be a string like the first, got %s", i+1, v.Kind)
		}
		if u := findUnknown(v); u != nil {
			return u
		}
		b.WriteString(toText(v))
	}
	return strVal(b.String())
}

func fnString(_ *env, _ *Call, a []*value) *value {
	if u := findUnknown(a[0]); u != nil {
		return u
	}
	if a[0].Kind == jsontree.String {
		return a[0]
	}
	return strVal(toText(a[0]))
}

func fnReplace(e *env, c *Call, a []*value) *value {
	s, bad := strArgs(e, c, a)
	if bad != nil {
		return bad
	}
	if s[1] == "" {
		return e.invalid(c, "the string to replace must not be empty")
	}
	return strVal(strings.ReplaceAll(s[0], s[1], s[2]))
}

func fnSplit(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.String {
		return e.invalid(c, "first argument must be a string, got %s", a[0].Kind)
	}
	var seps []string
	switch a[1].Kind {
	case jsontree.String:
		seps = []string{a[1].Str}
	case jsontree.Array:
		for _, d := range a[1].Elems() {
			if d.Kind != jsontree.String {
				return e.invalid(c, "delimiters must be strings")
			}
			seps = append(seps, d.Str)
		}
	default:
		return e.invalid(c, "delimiter must be a string or an array of strings")
	}
	parts := []string{a[0].Str}
	for _, sep := range seps {
		if sep == "" {
			continue
		}
		var next []string
		for _, p := range parts {
			next = append(next, strings.Split(p, sep)...)
		}
		parts = next
	}
	out := make([]*value, len(parts))
	for i, p := range parts {
		out[i] = strVal(p)
	}
	return arrVal(out)
}

func fnSubstring(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.String {
		return e.invalid(c, "first argument must be a string, got %s", a[0].Kind)
	}
	n := int64(utf16Len(a[0].Str))
	start, length := int64(0), int64(-1)
	if len(a) > 1 {
		v, ok := asInt(a[1])
		if !ok {
			return e.invalid(c, "start index must be an integer")
		}
		start = v
	}
	if len(a) > 2 {
		v, ok := asInt(a[2])
		if !ok {
			return e.invalid(c, "length must be an integer")
		}
		length = v
	}
	if start < 0 || start > n {
		return e.invalid(c, "start index %d out of range (string length %d)", start, n)
	}
	if length < 0 {
		if len(a) > 2 {
			return e.invalid(c, "length %d is negative", length)
		}
		length = n - start
	}
	if start+length > n {
		return e.invalid(c, "start %d plus length %d exceeds the string length %d", start, length, n)
	}
	return strVal(utf16Slice(a[0].Str, int(start), int(start+length)))
}

// startsWith, endsWith, indexOf and lastIndexOf compare case-insensitively
// in ARM; contains() does not.
func fnStartsWith(e *env, c *Call, a []*value) *value {
	s, bad := strArgs(e, c, a)
	if bad != nil {
		return bad
	}
	return boolVal(strings.HasPrefix(strings.ToLower(s[0]), strings.ToLower(s[1])))
}

func fnEndsWith(e *env, c *Call, a []*value) *value {
	s, bad := strArgs(e, c, a)
	if bad != nil {
		return bad
	}
	return boolVal(strings.HasSuffix(strings.ToLower(s[0]), strings.ToLower(s[1])))
}

func fnIndexOf(last bool) func(e *env, c *Call, a []*value) *value {
	return func(e *env, c *Call, a []*value) *value {
		if a[0].Kind == jsontree.Array {
			idx := -1
			for i, el := range a[0].Elems() {
				if findUnknown(el) != nil {
					return unknownVal("array element is unknown")
				}
				if equalValues(el, a[1]) {
					idx = i
					if !last {
						break
					}
				}
			}
			return intVal(int64(idx))
		}
		s, bad := strArgs(e, c, a)
		if bad != nil {
			return bad
		}
		h, n := strings.ToLower(s[0]), strings.ToLower(s[1])
		var i int
		if last {
			i = strings.LastIndex(h, n)
		} else {
			i = strings.Index(h, n)
		}
		if i > 0 && len(h) == len(s[0]) {
			i = utf16Len(s[0][:i])
		}
		return intVal(int64(i))
	}
}

func fnPadLeft(e *env, c *Call, a []*value) *value {
	if u := findUnknown(a[0]); u != nil {
		return u
	}
	s := toText(a[0])
	total, ok := asInt(a[1])
	if !ok || total < 0 || total > 1<<16 {
		return e.invalid(c, "total length must be an integer between 0 and 65536")
	}
	pad := " "
	if len(a) > 2 {
		if a[2].Kind != jsontree.String || utf8.RuneCountInString(a[2].Str) != 1 {
			return e.invalid(c, "padding character must be a one-character string")
		}
		pad = a[2].Str
	}
	if n := int(total) - utf16Len(s); n > 0 {
		s = strings.Repeat(pad, n) + s
	}
	return strVal(s)
}

func fnBase64(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.String {
		return e.invalid(c, "argument must be a string, got %s", a[0].Kind)
	}
	return strVal(base64.StdEncoding.EncodeToString([]byte(a[0].Str)))
}

func decodeBase64(e *env, c *Call, v *value) (string, *value) {
	if v.Kind != jsontree.String {
		return "", e.invalid(c, "argument must be a string, got %s", v.Kind)
	}
	b, err := base64.StdEncoding.DecodeString(v.Str)
	if err != nil {
		return "", e.invalid(c, "invalid base64: %v", err)
	}
	return string(b), nil
}

func fnBase64ToString(e *env, c *Call, a []*value) *value {
	s, bad := decodeBase64(e, c, a[0])
	if bad != nil {
		return bad
	}
	return strVal(s)
}

func fnBase64ToJSON(e *env, c *Call, a []*value) *value {
	s, bad := decodeBase64(e, c, a[0])
	if bad != nil {
		return bad
	}
	return parseJSON(e, c, s)
}

func fnURI(e *env, c *Call, a []*value) *value {
	s, bad := strArgs(e, c, a)
	if bad != nil {
		return bad
	}
	base, err := url.Parse(s[0])
	if err != nil || !base.IsAbs() {
		return e.invalid(c, "base %q is not an absolute URI", s[0])
	}
	rel, err := url.Parse(s[1])
	if err != nil {
		return e.invalid(c, "relative URI %q is invalid: %v", s[1], err)
	}
	return strVal(base.ResolveReference(rel).String())
}

// fnURIComponent escapes like .NET's Uri.EscapeDataString: everything but
// the RFC 3986 unreserved characters.
func fnURIComponent(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.String {
		return e.invalid(c, "argument must be a string, got %s", a[0].Kind)
	}
	var b strings.Builder
	for i := 0; i < len(a[0].Str); i++ {
		ch := a[0].Str[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("-_.~", ch) >= 0 {
			b.WriteByte(ch)
		} else {
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return strVal(b.String())
}

func fnURIComponentToString(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.String {
		return e.invalid(c, "argument must be a string, got %s", a[0].Kind)
	}
	s, err := url.PathUnescape(a[0].Str)
	if err != nil {
		return e.invalid(c, "invalid escape: %v", err)
	}
	return strVal(s)
}

func fnDataURI(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.String {
		return e.invalid(c, "argument must be a string, got %s", a[0].Kind)
	}
	return strVal("data:text/plain;charset=utf8;base64," + base64.StdEncoding.EncodeToString([]byte(a[0].Str)))
}

func fnDataURIToString(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.String {
		return e.invalid(c, "argument must be a string, got %s", a[0].Kind)
	}
	s := a[0].Str
	comma := strings.IndexByte(s, ',')
	if !strings.HasPrefix(s, "data:") || comma < 0 {
		return e.invalid(c, "not a data URI")
	}
	if strings.HasSuffix(s[:comma], ";base64") {
		b, err := base64.StdEncoding.DecodeString(s[comma+1:])
		if err != nil {
			return e.invalid(c, "invalid base64: %v", err)
		}
		return strVal(string(b))
	}
	d, err := url.PathUnescape(s[comma+1:])
	if err != nil {
		return e.invalid(c, "invalid escape: %v", err)
	}
	return strVal(d)
}

var base32Lower = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// fnUniqueString returns a deterministic 13-character base-32 hash of its
// arguments joined with "-". The hash (SHA-256) is not Azure's, so names
// built from it are stable across runs but differ from the real ones.
func fnUniqueString(e *env, c *Call, a []*value) *value {
	s, bad := strArgs(e, c, a)
	if bad != nil {
		return bad
	}
	sum := sha256.Sum256([]byte(strings.Join(s, "-")))
	return strVal(base32Lower.EncodeToString(sum[:])[:13])
}

// guidNamespace is the UUID namespace used for guid(); the result is a
// deterministic name-based (version 5) UUID of the arguments joined with "-",
// not guaranteed to equal Azure's.
var guidNamespace = [16]byte{0x11, 0xfb, 0x06, 0xfb, 0x71, 0x2d, 0x4d, 0xdd, 0x98, 0xc7, 0xe7, 0x1b, 0xbd, 0x58, 0x88, 0x30}

func fnGUID(e *env, c *Call, a []*value) *value {
	s, bad := strArgs(e, c, a)
	if bad != nil {
		return bad
	}
	h := sha1.New()
	h.Write(guidNamespace[:])
	h.Write([]byte(strings.Join(s, "-")))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return strVal(fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]))
}

func fnJSON(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.String {
		return e.invalid(c, "argument must be a string, got %s", a[0].Kind)
	}
	return parseJSON(e, c, a[0].Str)
}

// parseJSON parses JSON text produced at evaluation time; its values have
// no source position (the expression's position is set by the caller).
func parseJSON(e *env, c *Call, s string) *value {
	v, err := jsontree.Parse("", []byte(s))
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, "malformed JSON: "); i >= 0 {
			msg = msg[i+len("malformed JSON: "):]
		}
		return e.invalid(c, "invalid JSON: %s", msg)
	}
	return withOrigin(stripPos(v), jsontree.Computed)
}

func stripPos(v *value) *value {
	v.Pos = jsontree.Value{}.Pos
	for _, e := range v.Elems() {
		stripPos(e)
	}
	for i := range v.Members() {
		v.Members()[i].KeyPos = v.Pos
		stripPos(v.Members()[i].Value)
	}
	return v
}

func fnJoin(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.Array || a[1].Kind != jsontree.String {
		return e.invalid(c, "expects an array and a delimiter string")
	}
	parts := make([]string, len(a[0].Elems()))
	for i, v := range a[0].Elems() {
		switch v.Kind {
		case jsontree.Unknown:
			return v
		case jsontree.String, jsontree.Number, jsontree.Bool:
			parts[i] = toText(v)
		default:
			return e.invalid(c, "array elements must be strings, numbers or booleans, got %s", v.Kind)
		}
	}
	return strVal(strings.Join(parts, a[1].Str))
}

// fnFormat implements .NET composite formatting: {index[,alignment][:format]},
// with {{ and }} as escapes. Numeric formats N, D, F, X and P are supported.
func fnFormat(e *env, c *Call, a []*value) *value {
	if a[0].Kind != jsontree.String {
		return e.invalid(c, "format string must be a string, got %s", a[0].Kind)
	}
	f, args := a[0].Str, a[1:]
	// One allocation for the result in the common case (issue 16): the
	// format's text plus the arguments' as written.
	size := len(f)
	for _, v := range args {
		if v.Kind == jsontree.String || v.Kind == jsontree.Number {
			size += len(v.Str)
		} else {
			size += 8
		}
	}
	var b strings.Builder
	b.Grow(size)
	lit := 0 // start of the literal text not yet written
	for i := 0; i < len(f); i++ {
		ch := f[i]
		if ch != '{' && ch != '}' {
			continue
		}
		b.WriteString(f[lit:i])
		if ch == '}' {
			if i+1 < len(f) && f[i+1] == '}' {
				b.WriteByte('}')
				i++
				lit = i + 1
				continue
			}
			return e.invalid(c, "unmatched '}' at offset %d of the format string", i)
		}
		if i+1 < len(f) && f[i+1] == '{' {
			b.WriteByte('{')
			i++
			lit = i + 1
			continue
		}
		end := strings.IndexByte(f[i:], '}')
		if end < 0 {
			return e.invalid(c, "unclosed '{' at offset %d of the format string", i)
		}
		item := f[i+1 : i+end]
		i += end
		lit = i + 1
		spec := ""
		if k := strings.IndexByte(item, ':'); k >= 0 {
			item, spec = item[:k], item[k+1:]
		}
		align := 0
		if k := strings.IndexByte(item, ','); k >= 0 {
			n, err := strconv.Atoi(strings.TrimSpace(item[k+1:]))
			if err != nil || n > 1<<12 || n < -(1<<12) {
				return e.invalid(c, "invalid alignment in {%s}", item)
			}
			item, align = item[:k], n
		}
		idx, err := strconv.Atoi(strings.TrimSpace(item))
		if err != nil || idx < 0 {
			return e.invalid(c, "invalid placeholder {%s}", item)
		}
		if idx >= len(args) {
			return e.invalid(c, "placeholder {%d} has no argument (%d given)", idx, len(args))
		}
		v := args[idx]
		if u := findUnknown(v); u != nil {
			return u
		}
		text, ok := formatItem(v, spec)
		if !ok {
			return e.invalid(c, "unsupported format %q for a %s", spec, v.Kind)
		}
		if pad := abs(align) - utf16Len(text); pad > 0 {
			if align > 0 {
				text = strings.Repeat(" ", pad) + text
			} else {
				text += strings.Repeat(" ", pad)
			}
		}
		b.WriteString(text)
	}
	b.WriteString(f[lit:])
	return strVal(b.String())
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// formatItem formats one value for format(); numbers honour the standard
// .NET numeric format strings N, D, F, X and P (invariant culture).
func formatItem(v *value, spec string) (string, bool) {
	if spec == "" || v.Kind != jsontree.Number {
		return toText(v), spec == "" || v.Kind == jsontree.String
	}
	letter, digits := spec[0], -1
	if len(spec) > 1 {
		d, err := strconv.Atoi(spec[1:])
		if err != nil || d < 0 || d > 99 {
			return "", false
		}
		digits = d
	}
	f, _ := asFloat(v)
	n, isInt := asInt(v)
	switch letter {
	case 'N', 'n':
		if digits < 0 {
			digits = 2
		}
		return groupThousands(strconv.FormatFloat(f, 'f', digits, 64)), true
	case 'F', 'f':
		if digits < 0 {
			digits = 2
		}
		return strconv.FormatFloat(f, 'f', digits, 64), true
	case 'P', 'p':
		if digits < 0 {
			digits = 2
		}
		return groupThousands(strconv.FormatFloat(f*100, 'f', digits, 64)) + " %", true
	case 'D', 'd':
		if !isInt {
			return "", false
		}
		s := strconv.FormatInt(abs64(n), 10)
		if len(s) < digits {
			s = strings.Repeat("0", digits-len(s)) + s
		}
		if n < 0 {
			s = "-" + s
		}
		return s, true
	case 'X', 'x':
		if !isInt {
			return "", false
		}
		s := strconv.FormatUint(uint64(n), 16)
		if letter == 'X' {
			s = strings.ToUpper(s)
		}
		if len(s) < digits {
			s = strings.Repeat("0", digits-len(s)) + s
		}
		return s, true
	}
	return "", false
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// groupThousands inserts "," every three digits of the integer part.
func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	var b strings.Builder
	for i, ch := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	out := b.String() + frac
	if neg {
		out = "-" + out
	}
	return out
}
