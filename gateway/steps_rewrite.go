package gateway

import (
	"net/url"
	"strings"

	"github.com/apimlab/apimlab/apim/policy"
)

// rewriteStep is <rewrite-uri template copy-unmatched-params>.
type rewriteStep struct {
	template      *value
	copyUnmatched bool
}

func (c *compiler) rewriteURI(e *policy.Element) step {
	t := c.requireAttr(e, "template")
	if t == nil {
		return nil
	}
	return &rewriteStep{template: t, copyUnmatched: c.boolAttr(e, "copy-unmatched-params", true)}
}

func (s *rewriteStep) run(x *exchange) error {
	t, err := s.template.str(x)
	if err != nil {
		return err
	}
	orig, _ := url.ParseQuery(x.rawQuery)
	used := map[string]bool{}
	lookup := func(name string) (string, bool) {
		used[name] = true
		if v, ok := x.params[name]; ok {
			return v, true
		}
		if vs, ok := orig[name]; ok && len(vs) > 0 {
			return vs[0], true
		}
		return "", false
	}
	pathPart, queryPart, _ := strings.Cut(t, "?")
	p := expandTemplate(pathPart, func(n string) (string, bool) {
		v, ok := lookup(n)
		return url.PathEscape(v), ok
	})
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	q := url.Values{}
	if queryPart != "" {
		for _, kv := range strings.Split(queryPart, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if k == "" {
				continue
			}
			used[k] = true
			val := expandTemplate(v, lookup)
			if strings.HasPrefix(v, "{") && strings.HasSuffix(v, "}") {
				if _, ok := lookup(strings.Trim(v, "{}")); !ok {
					continue // an optional parameter that is absent
				}
			}
			q.Add(k, val)
		}
	}
	if s.copyUnmatched {
		for k, vs := range orig {
			if !used[k] {
				q[k] = append(q[k], vs...)
			}
		}
	}
	x.path = p
	x.rawQuery = q.Encode()
	return nil
}

// expandTemplate replaces {name} (and {*name}) in t with lookup's values;
// unknown names expand to "".
func expandTemplate(t string, lookup func(string) (string, bool)) string {
	if !strings.Contains(t, "{") {
		return t
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			b.WriteString(t)
			return b.String()
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			b.WriteString(t)
			return b.String()
		}
		b.WriteString(t[:i])
		name := strings.TrimPrefix(t[i+1:i+j], "*")
		v, _ := lookup(name)
		b.WriteString(v)
		t = t[i+j+1:]
	}
}
