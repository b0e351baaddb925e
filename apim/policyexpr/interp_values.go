package policyexpr

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Jwt is the token APIM's AsJwt()/TryParseJwt() return and validate-jwt
// stores in its output-token-variable-name: the decoded header and
// payload, not validated. Claims maps each claim to its values (a JSON
// array claim has several).
type Jwt struct {
	Id             string
	Algorithm      string
	Type           string
	Issuer         string
	Subject        string
	Audiences      []string
	ExpirationTime *time.Time
	NotBefore      *time.Time
	IssuedAt       *time.Time
	Claims         map[string][]string
	claimOrder     []string
}

// BasicAuthCredentials is the result of AsBasic()/TryParseBasic().
type BasicAuthCredentials struct {
	UserId   string
	Password string
}

// dto is a System.DateTimeOffset (always at offset zero in the emulator).
type dto struct{ t time.Time }

// String is DateTimeOffset.ToString(): the DateTime "G" form plus the offset.
func (d dto) String() string { return formatDateTime(d.t, "G") + " +00:00" }

// list is a List<T>, HashSet<T>, Queue<T> or Stack<T>.
type list struct {
	items []any
	set   bool
}

// dict is a Dictionary<TKey, TValue>: insertion-ordered, as .NET's is
// while nothing is removed.
type dict struct {
	keys []any
	vals map[any]any
}

func newDict() *dict { return &dict{vals: map[any]any{}} }

func (d *dict) set(k, v any) {
	if _, ok := d.vals[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[k] = v
}

// kvPair is a KeyValuePair<TKey, TValue>.
type kvPair struct{ key, val any }

func (p *kvPair) String() string { return "[" + netString(p.key) + ", " + netString(p.val) + "]" }

// bodyVal is an IMessageBody.
type bodyVal struct {
	fn      func() (string, error)
	consume func() // nil: reads never lose the body
}

// queryDict is IUrl.Query over the raw query string.
type queryDict struct{ raw string }

// uriVal is a System.Uri.
type uriVal struct{ u *url.URL }

func (u *uriVal) String() string { return u.u.String() }

// regexVal is a compiled System.Text.RegularExpressions.Regex.
type regexVal struct{ re *regexp.Regexp }

// matchVal is a Match (or a Group: a match's group).
type matchVal struct {
	re    *regexp.Regexp
	src   string
	idx   []int // submatch indexes; nil for a failed match
	group int
}

func (m *matchVal) String() string { return m.value() }

func (m *matchVal) success() bool {
	return m.idx != nil && m.idx[2*m.group] >= 0
}

func (m *matchVal) value() string {
	if !m.success() {
		return ""
	}
	return m.src[m.idx[2*m.group]:m.idx[2*m.group+1]]
}

// groupsVal is a GroupCollection.
type groupsVal struct{ m *matchVal }

// hashAlg is a HashAlgorithm or HMAC instance.
type hashAlg struct {
	name string
	key  []byte
}

// sbVal is a StringBuilder.
type sbVal struct{ b strings.Builder }

func (s *sbVal) String() string { return s.b.String() }

// enumerate lists the elements a foreach or a LINQ operator sees.
func enumerate(v any) ([]any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, nil
	case []byte:
		out := make([]any, len(x))
		for i, b := range x {
			out[i] = int(b)
		}
		return out, nil
	case string:
		out := make([]any, 0, len(x))
		for _, r := range x {
			out = append(out, char(r))
		}
		return out, nil
	case *list:
		return x.items, nil
	case *jArray:
		return x.items, nil
	case *jObject:
		out := make([]any, len(x.keys))
		for i, k := range x.keys {
			out[i] = &jProp{name: k, val: x.vals[k]}
		}
		return out, nil
	case *jProp:
		return []any{x.val}, nil
	case *dict:
		out := make([]any, len(x.keys))
		for i, k := range x.keys {
			out[i] = &kvPair{k, x.vals[k]}
		}
		return out, nil
	case http.Header:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = &kvPair{k, stringsToAny(x[k])}
		}
		return out, nil
	case map[string]string:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = &kvPair{k, x[k]}
		}
		return out, nil
	case queryDict:
		vals, err := url.ParseQuery(x.raw)
		if err != nil {
			return nil, fmt.Errorf("%w: malformed query string", errFormat)
		}
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = &kvPair{k, stringsToAny(vals[k])}
		}
		return out, nil
	case varsDict:
		keys := make([]string, 0, len(x.m))
		for k := range x.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = &kvPair{k, x.m[k]}
		}
		return out, nil
	case *groupsVal:
		n := x.m.re.NumSubexp() + 1
		out := make([]any, n)
		for i := range n {
			out[i] = &matchVal{re: x.m.re, src: x.m.src, idx: x.m.idx, group: i}
		}
		return out, nil
	case nil:
		return nil, fmt.Errorf("%w: enumerating null", errNullRef)
	}
	return nil, fmt.Errorf("%w: %s is not enumerable", errInvalidCast, dotnetTypeName(v))
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// importValue converts a value another engine stored in context.Variables
// to the interpreter's representation (string[] is []any here).
func importValue(v any) any {
	if ss, ok := v.([]string); ok {
		return stringsToAny(ss)
	}
	return v
}

// varsDict is context.Variables.
type varsDict struct {
	m   map[string]any
	ctx *Context
}
