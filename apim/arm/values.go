package arm

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// Values produced by the evaluator are *jsontree.Value trees that are never
// mutated once built: functions build new values and may share sub-trees of
// their arguments. Trees are cloned only when they are placed in a resource.

type value = jsontree.Value

func strVal(s string) *value { return &value{Kind: jsontree.String, Str: s, Origin: jsontree.Computed} }
func boolVal(b bool) *value  { return &value{Kind: jsontree.Bool, Bool: b, Origin: jsontree.Computed} }
func nullVal() *value        { return &value{Kind: jsontree.Null, Origin: jsontree.Computed} }
func intVal(n int64) *value {
	return &value{Kind: jsontree.Number, Str: strconv.FormatInt(n, 10), Origin: jsontree.Computed}
}
func arrVal(a []*value) *value {
	return (&value{Kind: jsontree.Array, Origin: jsontree.Computed}).WithElems(a)
}
func objVal(m []jsontree.Member) *value {
	return (&value{Kind: jsontree.Object, Origin: jsontree.Computed}).WithMembers(m)
}

func floatVal(f float64) *value {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return intVal(int64(f))
	}
	return &value{Kind: jsontree.Number, Str: strconv.FormatFloat(f, 'g', -1, 64), Origin: jsontree.Computed}
}

// appendLower appends strings.ToLower(s) to b. Names in templates are
// ASCII: lower-casing them into a buffer on the stack and indexing a map
// with string(buf) allocates nothing, where strings.ToLower allocates for
// every name with a capital ("serviceName", "apiVersion": issue 16).
func appendLower(b []byte, s string) []byte {
	n := len(b)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return append(b[:n], strings.ToLower(s)...)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// unknownVal is a value that cannot be computed without a live deployment
// or missing input.
func unknownVal(reason string) *value {
	return (&value{Kind: jsontree.Unknown, Origin: jsontree.Computed}).SetReason(reason)
}

func isUnknown(v *value) bool { return v != nil && v.Kind == jsontree.Unknown }

// asInt reads an integer from a number (or a number-valued string, as ARM
// coerces "3" in count properties).
func asInt(v *value) (int64, bool) {
	if v == nil {
		return 0, false
	}
	switch v.Kind {
	case jsontree.Number, jsontree.String:
		if n, err := strconv.ParseInt(strings.TrimSpace(v.Str), 10, 64); err == nil {
			return n, true
		}
		if v.Kind == jsontree.Number {
			if f, err := strconv.ParseFloat(v.Str, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<62 {
				return int64(f), true
			}
		}
	}
	return 0, false
}

func asFloat(v *value) (float64, bool) {
	if v == nil || v.Kind != jsontree.Number {
		return 0, false
	}
	f, err := strconv.ParseFloat(v.Str, 64)
	return f, err == nil
}

// toText converts a value to text the way ARM's string() and concat() do:
// booleans become "True"/"False", null becomes "", arrays and objects
// become compact JSON.
func toText(v *value) string {
	switch v.Kind {
	case jsontree.String, jsontree.Number:
		return v.Str
	case jsontree.Bool:
		if v.Bool {
			return "True"
		}
		return "False"
	case jsontree.Null:
		return ""
	}
	var b strings.Builder
	writeJSON(&b, v)
	return b.String()
}

// writeJSON writes v as compact JSON. Unknown values are written as null;
// callers check for unknowns first.
func writeJSON(b *strings.Builder, v *value) {
	switch v.Kind {
	case jsontree.String:
		b.WriteString(strconv.Quote(v.Str))
	case jsontree.Number:
		b.WriteString(v.Str)
	case jsontree.Bool:
		b.WriteString(strconv.FormatBool(v.Bool))
	case jsontree.Array:
		b.WriteByte('[')
		for i, e := range v.Elems() {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	case jsontree.Object:
		b.WriteByte('{')
		for i, m := range v.Members() {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(m.Key))
			b.WriteByte(':')
			writeJSON(b, m.Value)
		}
		b.WriteByte('}')
	default:
		b.WriteString("null")
	}
}

// findUnknown returns the first Unknown value inside v, or nil.
func findUnknown(v *value) *value {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case jsontree.Unknown:
		return v
	case jsontree.Array:
		for _, e := range v.Elems() {
			if u := findUnknown(e); u != nil {
				return u
			}
		}
	case jsontree.Object:
		for _, m := range v.Members() {
			if u := findUnknown(m.Value); u != nil {
				return u
			}
		}
	}
	return nil
}

// equalValues compares two fully known values as ARM's equals() does: deep,
// numbers by value, strings case-sensitively.
func equalValues(a, b *value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case jsontree.Null:
		return true
	case jsontree.Bool:
		return a.Bool == b.Bool
	case jsontree.String:
		return a.Str == b.Str
	case jsontree.Number:
		if a.Str == b.Str {
			return true
		}
		x, ok1 := asFloat(a)
		y, ok2 := asFloat(b)
		return ok1 && ok2 && x == y
	case jsontree.Array:
		if len(a.Elems()) != len(b.Elems()) {
			return false
		}
		for i := range a.Elems() {
			if !equalValues(a.Elems()[i], b.Elems()[i]) {
				return false
			}
		}
		return true
	case jsontree.Object:
		if len(a.Members()) != len(b.Members()) {
			return false
		}
		for _, m := range a.Members() {
			o := b.Get(m.Key)
			if o == nil || !equalValues(m.Value, o) {
				return false
			}
		}
		return true
	}
	return false
}

// withOrigin returns a deep copy of v whose every node has origin o, unless a
// node is already secure (secure origins are never downgraded). Positions are
// kept.
func withOrigin(v *value, o jsontree.Origin) *value {
	if v == nil {
		return nil
	}
	c := *v
	if c.Origin != jsontree.SecureParameter && c.Origin != jsontree.Reference {
		c.Origin = o
	}
	if v.Elems() != nil {
		c.SetElems(make([]*value, len(v.Elems())))
		for i, e := range v.Elems() {
			c.Elems()[i] = withOrigin(e, o)
		}
	}
	if v.Members() != nil {
		c.SetMembers(make([]jsontree.Member, len(v.Members())))
		for i, m := range v.Members() {
			c.Members()[i] = jsontree.Member{Key: m.Key, KeyPos: m.KeyPos, Value: withOrigin(m.Value, o)}
		}
	}
	return &c
}

// isSecure reports whether v came from a secure parameter or a Key Vault
// reference.
func isSecure(v *value) bool {
	return v != nil && (v.Origin == jsontree.SecureParameter || v.Origin == jsontree.Reference)
}
