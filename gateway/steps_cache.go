package gateway

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/apimlab/apimlab/apim/policy"
)

// cacheLookupStep is <cache-lookup> (Learn, "Get from cache": "Use the
// cache-lookup policy to perform cache lookup and return a valid cached
// response when available"; only GET requests are cached; vary-by-header
// and vary-by-query-parameter add to the key). The cache is in memory,
// per gateway instance, on the gateway's clock. On a hit the backend
// section is skipped and outbound runs on the cached response.
type cacheLookupStep struct {
	headers []string // canonical, sorted
	query   []string // sorted; nil keys the whole query string
}

func (c *compiler) cacheLookup(e *policy.Element) step {
	st := &cacheLookupStep{}
	for _, a := range []string{"vary-by-developer", "vary-by-developer-groups"} {
		if e.Attr(a) == nil {
			c.fail(e.Pos, "<cache-lookup>: attribute %q is required", a)
		}
	}
	for _, ch := range e.Children {
		switch ch.Name {
		case "vary-by-header":
			st.headers = append(st.headers, http.CanonicalHeaderKey(strings.TrimSpace(ch.Text)))
		case "vary-by-query-parameter":
			for _, q := range strings.Split(ch.Text, ";") {
				if q = strings.TrimSpace(q); q != "" {
					st.query = append(st.query, q)
				}
			}
		default:
			c.fail(ch.Pos, "<cache-lookup>: unexpected <%s> (want vary-by-header or vary-by-query-parameter)", ch.Name)
		}
	}
	sort.Strings(st.headers)
	sort.Strings(st.query)
	return st
}

// key is the cache key of the request: API, operation, path, the varied
// query parameters (all of them when none is named) and headers.
func (s *cacheLookupStep) key(x *exchange) string {
	var b strings.Builder
	b.Grow(64 + len(x.path) + len(x.r.URL.RawQuery))
	b.WriteString("resp|")
	if x.api != nil {
		b.WriteString(x.api.info.Id)
		b.WriteString(";rev=")
		b.WriteString(x.api.revision)
	}
	if x.op != nil {
		b.WriteByte('|')
		b.WriteString(x.op.info.Id)
	}
	b.WriteByte('|')
	b.WriteString(strings.ToLower(x.path))
	b.WriteByte('?')
	if raw := x.r.URL.RawQuery; raw != "" {
		// Parsed and re-encoded: the key does not depend on the
		// parameters' order or encoding.
		q, _ := url.ParseQuery(raw)
		if s.query == nil {
			b.WriteString(q.Encode())
		} else {
			for _, k := range s.query {
				b.WriteString(k)
				b.WriteByte('=')
				b.WriteString(strings.Join(q[k], ","))
				b.WriteByte('&')
			}
		}
	} else {
		for _, k := range s.query {
			b.WriteString(k)
			b.WriteString("=&")
		}
	}
	for _, h := range s.headers {
		b.WriteByte('|')
		b.WriteString(h)
		b.WriteByte('=')
		b.WriteString(strings.Join(x.r.Header[h], ","))
	}
	return b.String()
}

func (s *cacheLookupStep) run(x *exchange) error {
	if x.r.Method != http.MethodGet {
		return nil
	}
	x.cacheKey = s.key(x)
	e := x.g.state.cacheGet(x.cacheKey, x.g.now())
	if e == nil || e.resp == nil {
		return nil
	}
	x.newResponse(e.resp.status)
	for k, v := range e.resp.header {
		x.respHeader[k] = append([]string(nil), v...)
	}
	x.respBody = append([]byte(nil), e.resp.body...)
	x.served = ""
	x.cacheHit = true
	return nil
}

// cacheStoreStep is <cache-store duration cache-response> (Learn, "Store
// to cache": caches the response for duration seconds; "If the attribute
// [cache-response] is omitted, only HTTP responses with the status code
// 200 OK are cached"). It stores the final response of a request whose
// cache-lookup missed.
type cacheStoreStep struct {
	duration *value
	cond     *value
}

func (c *compiler) cacheStore(e *policy.Element) step {
	d := c.requireAttr(e, "duration")
	if d == nil {
		return nil
	}
	return &cacheStoreStep{duration: d, cond: c.attrValue(e, "cache-response")}
}

func (s *cacheStoreStep) run(x *exchange) error {
	if x.cacheKey == "" || x.cacheHit {
		return nil
	}
	secs, err := s.duration.integer(x)
	if err != nil {
		return err
	}
	if s.cond != nil {
		ok, err := s.cond.boolean(x)
		if err != nil || !ok {
			return err
		}
	} else if x.status != http.StatusOK {
		return nil
	}
	if _, err := x.responseBody(); err != nil {
		return err
	}
	key := x.cacheKey
	x.after = append(x.after, func(x *exchange) {
		h := x.respHeader.Clone()
		delete(h, HeaderBackend)
		x.g.state.cachePut(key, &cacheEntry{expires: x.g.now().Add(time.Duration(secs) * time.Second),
			resp: &cachedResponse{status: x.status, header: h, body: append([]byte(nil), x.respBody...)}}, x.g.now())
	})
	return nil
}

// cacheLookupValueStep is <cache-lookup-value key variable-name
// default-value> (Learn, "Get value from cache": the value stored under
// key, else default-value; without either, the variable is not set).
type cacheLookupValueStep struct {
	key, def *value
	variable string
}

func (c *compiler) cacheLookupValue(e *policy.Element) step {
	k, v := c.requireAttr(e, "key"), c.requireAttr(e, "variable-name")
	if k == nil || v == nil {
		return nil
	}
	return &cacheLookupValueStep{key: k, def: c.attrValue(e, "default-value"), variable: v.lit}
}

func (s *cacheLookupValueStep) run(x *exchange) error {
	k, err := s.key.str(x)
	if err != nil {
		return err
	}
	if e := x.g.state.cacheGet("val|"+k, x.g.now()); e != nil {
		x.variables()[s.variable] = e.value
		return nil
	}
	if s.def != nil {
		v, err := s.def.eval(x)
		if err != nil {
			return err
		}
		x.variables()[s.variable] = v
	}
	return nil
}

// cacheStoreValueStep is <cache-store-value key value duration> (Learn,
// "Store value in cache").
type cacheStoreValueStep struct {
	key, val, duration *value
}

func (c *compiler) cacheStoreValue(e *policy.Element) step {
	k, v, d := c.requireAttr(e, "key"), c.requireAttr(e, "value"), c.requireAttr(e, "duration")
	if k == nil || v == nil || d == nil {
		return nil
	}
	return &cacheStoreValueStep{key: k, val: v, duration: d}
}

func (s *cacheStoreValueStep) run(x *exchange) error {
	k, err := s.key.str(x)
	if err != nil {
		return err
	}
	v, err := s.val.eval(x)
	if err != nil {
		return err
	}
	secs, err := s.duration.integer(x)
	if err != nil {
		return err
	}
	now := x.g.now()
	x.g.state.cachePut("val|"+k, &cacheEntry{expires: now.Add(time.Duration(secs) * time.Second), value: v}, now)
	return nil
}

// cacheRemoveValueStep is <cache-remove-value key> (Learn, "Remove value
// from cache").
type cacheRemoveValueStep struct{ key *value }

func (c *compiler) cacheRemoveValue(e *policy.Element) step {
	k := c.requireAttr(e, "key")
	if k == nil {
		return nil
	}
	return &cacheRemoveValueStep{key: k}
}

func (s *cacheRemoveValueStep) run(x *exchange) error {
	k, err := s.key.str(x)
	if err != nil {
		return err
	}
	x.g.state.cacheRemove("val|" + k)
	return nil
}
