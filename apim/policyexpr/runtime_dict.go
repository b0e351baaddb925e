package policyexpr

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// headerValues looks a header up case-insensitively: first by its canonical
// form (how net/http stores it), then by a scan for keys set verbatim.
func headerValues(h http.Header, name string) ([]string, bool) {
	if v, ok := h[name]; ok {
		return v, true
	}
	if v, ok := h[http.CanonicalHeaderKey(name)]; ok {
		return v, true
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// queryValues returns the values of one query parameter from the raw query
// string, decoding as url.ParseQuery does, without building a map. Names
// match case-insensitively, as in APIM's query dictionary.
func queryValues(raw, name string) ([]string, bool) {
	var vals []string
	found := false
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if !strings.EqualFold(k, name) {
			continue
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		vals = append(vals, v)
		found = true
	}
	return vals, found
}

func queryCount(raw string) int {
	seen := map[string]bool{}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, _, _ := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		seen[strings.ToLower(k)] = true
	}
	return len(seen)
}

func matchedValue(m map[string]string, name string) (string, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

func keyNotFound(what, name string) error {
	return fmt.Errorf("%w: %s %q not found", errKeyNotFound, what, name)
}

// castError mirrors .NET's InvalidCastException message.
func castError(v any, to string) error {
	return fmt.Errorf("%w: unable to cast object of type '%s' to type '%s'", errInvalidCast, dotnetTypeName(v), to)
}

var dictHelpers = []helper{
	{"csHdrGet", func(a ...any) (any, error) {
		h, ok1 := argHeader(a, 0)
		name, ok2 := argStr(a, 1)
		def, ok3 := argStr(a, 2)
		if !ok1 || !ok2 || !ok3 {
			return nil, bad("csHdrGet")
		}
		if v, ok := headerValues(h, name); ok {
			return strings.Join(v, ","), nil
		}
		return def, nil
	}, []any{new(func(http.Header, string, string) string)}},
	{"csHdrIndex", func(a ...any) (any, error) {
		h, ok1 := argHeader(a, 0)
		name, ok2 := argStr(a, 1)
		if !ok1 || !ok2 {
			return nil, bad("csHdrIndex")
		}
		if v, ok := headerValues(h, name); ok {
			return v, nil
		}
		return nil, keyNotFound("header", name)
	}, []any{new(func(http.Header, string) []string)}},
	{"csHdrHas", func(a ...any) (any, error) {
		h, ok1 := argHeader(a, 0)
		name, ok2 := argStr(a, 1)
		if !ok1 || !ok2 {
			return nil, bad("csHdrHas")
		}
		_, ok := headerValues(h, name)
		return ok, nil
	}, []any{new(func(http.Header, string) bool)}},
	{"csQueryGet", func(a ...any) (any, error) {
		raw, ok1 := argStr(a, 0)
		name, ok2 := argStr(a, 1)
		def, ok3 := argStr(a, 2)
		if !ok1 || !ok2 || !ok3 {
			return nil, bad("csQueryGet")
		}
		if v, ok := queryValues(raw, name); ok {
			return strings.Join(v, ","), nil
		}
		return def, nil
	}, []any{new(func(string, string, string) string)}},
	{"csQueryIndex", func(a ...any) (any, error) {
		raw, ok1 := argStr(a, 0)
		name, ok2 := argStr(a, 1)
		if !ok1 || !ok2 {
			return nil, bad("csQueryIndex")
		}
		if v, ok := queryValues(raw, name); ok {
			return v, nil
		}
		return nil, keyNotFound("query parameter", name)
	}, []any{new(func(string, string) []string)}},
	{"csQueryHas", func(a ...any) (any, error) {
		raw, ok1 := argStr(a, 0)
		name, ok2 := argStr(a, 1)
		if !ok1 || !ok2 {
			return nil, bad("csQueryHas")
		}
		_, ok := queryValues(raw, name)
		return ok, nil
	}, []any{new(func(string, string) bool)}},
	{"csQueryCount", func(a ...any) (any, error) {
		raw, ok := argStr(a, 0)
		if !ok {
			return nil, bad("csQueryCount")
		}
		return queryCount(raw), nil
	}, []any{new(func(string) int)}},
	{"csQueryString", func(a ...any) (any, error) {
		raw, ok := argStr(a, 0)
		if !ok {
			return nil, bad("csQueryString")
		}
		if raw == "" {
			return "", nil
		}
		return "?" + raw, nil
	}, []any{new(func(string) string)}},
	{"csMapGet", func(a ...any) (any, error) {
		m, ok1 := a[0].(map[string]string)
		name, ok2 := argStr(a, 1)
		def, ok3 := argStr(a, 2)
		if !ok1 && a[0] != nil || !ok2 || !ok3 {
			return nil, bad("csMapGet")
		}
		if v, ok := matchedValue(m, name); ok {
			return v, nil
		}
		return def, nil
	}, []any{new(func(map[string]string, string, string) string)}},
	{"csMapIndex", func(a ...any) (any, error) {
		m, ok1 := a[0].(map[string]string)
		name, ok2 := argStr(a, 1)
		if !ok1 && a[0] != nil || !ok2 {
			return nil, bad("csMapIndex")
		}
		if v, ok := matchedValue(m, name); ok {
			return v, nil
		}
		return nil, keyNotFound("matched parameter", name)
	}, []any{new(func(map[string]string, string) string)}},
	{"csMapHas", func(a ...any) (any, error) {
		m, ok1 := a[0].(map[string]string)
		name, ok2 := argStr(a, 1)
		if !ok1 && a[0] != nil || !ok2 {
			return nil, bad("csMapHas")
		}
		_, ok := matchedValue(m, name)
		return ok, nil
	}, []any{new(func(map[string]string, string) bool)}},
	{"csVarGet", func(a ...any) (any, error) {
		m, ok1 := argVars(a, 0)
		name, ok2 := argStr(a, 1)
		if !ok1 || !ok2 {
			return nil, bad("csVarGet")
		}
		v, ok := m[name]
		if !ok {
			return nil, keyNotFound("variable", name)
		}
		return v, nil
	}, []any{new(func(map[string]any, string) any)}},
	{"csVarHas", func(a ...any) (any, error) {
		m, ok1 := argVars(a, 0)
		name, ok2 := argStr(a, 1)
		if !ok1 || !ok2 {
			return nil, bad("csVarHas")
		}
		_, ok := m[name]
		return ok, nil
	}, []any{new(func(map[string]any, string) bool)}},
	{"csVarOr", func(a ...any) (any, error) {
		m, ok1 := argVars(a, 0)
		name, ok2 := argStr(a, 1)
		if !ok1 || !ok2 || len(a) != 3 {
			return nil, bad("csVarOr")
		}
		if v, ok := m[name]; ok {
			return v, nil
		}
		return a[2], nil
	}, []any{new(func(map[string]any, string, any) any)}},
	{"csVarStr", func(a ...any) (any, error) {
		m, ok1 := argVars(a, 0)
		name, ok2 := argStr(a, 1)
		def, ok3 := argStr(a, 2)
		if !ok1 || !ok2 || !ok3 {
			return nil, bad("csVarStr")
		}
		v, ok := m[name]
		if !ok {
			return def, nil
		}
		return castString(v)
	}, []any{new(func(map[string]any, string, string) string)}},
	{"csVarInt", func(a ...any) (any, error) {
		m, ok1 := argVars(a, 0)
		name, ok2 := argStr(a, 1)
		def, ok3 := argInt(a, 2)
		if !ok1 || !ok2 || !ok3 {
			return nil, bad("csVarInt")
		}
		v, ok := m[name]
		if !ok {
			return def, nil
		}
		return castInt(v)
	}, []any{new(func(map[string]any, string, int) int)}},
	{"csVarBool", func(a ...any) (any, error) {
		m, ok1 := argVars(a, 0)
		name, ok2 := argStr(a, 1)
		def, ok3 := a[2].(bool)
		if !ok1 || !ok2 || !ok3 {
			return nil, bad("csVarBool")
		}
		v, ok := m[name]
		if !ok {
			return def, nil
		}
		return castBool(v)
	}, []any{new(func(map[string]any, string, bool) bool)}},
	{"csVarDouble", func(a ...any) (any, error) {
		m, ok1 := argVars(a, 0)
		name, ok2 := argStr(a, 1)
		def, ok3 := a[2].(float64)
		if !ok1 || !ok2 || !ok3 {
			return nil, bad("csVarDouble")
		}
		v, ok := m[name]
		if !ok {
			return def, nil
		}
		return castDouble(v)
	}, []any{new(func(map[string]any, string, float64) float64)}},
	{"csBody", func(a ...any) (any, error) {
		var body func() (string, error)
		var consume func()
		switch r := a[0].(type) {
		case Request:
			body, consume = r.Body, r.Consume
		case Response:
			body, consume = r.Body, r.Consume
		default:
			return nil, bad("csBody")
		}
		if body == nil {
			return "", nil
		}
		s, err := body()
		if err == nil {
			consumeUnlessPreserved(consume, a[1])
		}
		return s, err
	}, []any{new(func(Request, bool) string), new(func(Response, bool) string)}},
}

// consumeUnlessPreserved calls consume (when set) after a body read whose
// preserveContent argument (nil when omitted) is not true: the one reading
// of preserveContent for both engines.
func consumeUnlessPreserved(consume func(), preserve any) {
	if keep, _ := preserve.(bool); !keep && consume != nil {
		consume()
	}
}
