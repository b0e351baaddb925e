package load

import (
	"strings"

	"github.com/apimlab/apimlab/apim"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// toResource normalises a resource object given its full type and full name
// (ARM: "apim/orders"; REST: "orders" plus an id). ok is false for types
// outside Microsoft.ApiManagement.
func toResource(typ, name, id string, node *jsontree.Value, pos apim.Position) (*resource, bool) {
	const ns = "microsoft.apimanagement/"
	if len(typ) < len(ns) || !strings.EqualFold(typ[:len(ns)], ns) {
		return nil, false
	}
	r := &resource{ID: id, Node: node, Pos: pos}
	if svc, kinds, names := idSegments(id); svc != "" && len(kinds) > 0 {
		r.Service = svc
		if kinds[0] == "workspaces" && len(kinds) > 1 {
			r.Workspace, kinds, names = names[0], kinds[1:], names[1:]
		}
		r.Kind, r.Names = strings.Join(kinds, "/"), names
		return r, true
	}
	// Split into arrays on the stack: a large template converts tens of
	// thousands of resources (issue 16).
	var typeBuf, nameBuf [8]string
	typeParts := splitSlash(typeBuf[:0], typ[len(ns):])
	var nameParts []string
	if name != "" {
		nameParts = splitSlash(nameBuf[:0], name)
	}
	// Right-align names with types: REST bodies carry only the leaf name.
	off := len(typeParts) - len(nameParts)
	kinds, names := make([]string, 0, len(typeParts)), make([]string, 0, len(typeParts))
	for i, t := range typeParts {
		n := ""
		if j := i - off; j >= 0 && j < len(nameParts) {
			n = nameParts[j]
		}
		switch {
		case i == 0 && strings.EqualFold(t, "service"):
			r.Service = n
		case i == 1 && strings.EqualFold(t, "workspaces") && len(typeParts) > 2:
			r.Workspace = n
		default:
			kinds = append(kinds, strings.ToLower(t))
			names = append(names, n)
		}
	}
	if len(kinds) == 0 {
		r.Kind, r.Names = "service", []string{r.Service}
		return r, true
	}
	r.Kind, r.Names = strings.Join(kinds, "/"), names
	return r, true
}

// splitSlash appends the '/'-separated parts of s to dst (strings.Split
// without the allocation when dst has room).
func splitSlash(dst []string, s string) []string {
	for {
		i := strings.IndexByte(s, '/')
		if i < 0 {
			return append(dst, s)
		}
		dst, s = append(dst, s[:i]), s[i+1:]
	}
}

// isRESTResource reports whether v looks like one REST/az resource body.
func isRESTResource(v *jsontree.Value) bool {
	t := v.Get("type")
	return t != nil && t.Kind == jsontree.String && strings.HasPrefix(strings.ToLower(t.Str), "microsoft.apimanagement/") &&
		v.Get("properties") != nil
}

// restKinds maps resource kinds to the entity kinds a REST list of them
// holds in full.
var restKinds = map[string]apim.EntityKind{
	"backends": apim.KindBackends, "certificates": apim.KindCertificates,
	"namedvalues": apim.KindNamedValues, "properties": apim.KindNamedValues,
	"policyfragments": apim.KindFragments, "apis": apim.KindAPIs, "products": apim.KindProducts,
}

// collectREST returns the resources of a REST/az document: a single
// resource, a list {"value": [...]}, a bare array, or an API spec example
// file {"parameters": ..., "responses": {"200": {"body": ...}}}. held lists
// the entity kinds a list document holds in full (`az apim backend list`
// output holds every backend); note is "example request" for an example,
// whose request body (parameters.parameters) is what is loaded: it is what
// a user sends, and the documented response may differ from it.
func collectREST(root *jsontree.Value, b *builder) (rs []*resource, held []apim.EntityKind, note string) {
	list := func(elems []*jsontree.Value) {
		kinds := map[string]bool{}
		for _, e := range elems {
			if r := b.restOne(e); r != nil {
				rs = append(rs, r)
				kinds[r.Kind] = true
			}
		}
		if len(kinds) == 1 {
			for k := range kinds {
				if ek, ok := restKinds[k]; ok {
					held = append(held, ek)
				}
			}
		}
	}
	switch {
	case root.Kind == jsontree.Array:
		list(root.Elems())
	case isRESTResource(root):
		if r := b.restOne(root); r != nil {
			rs = append(rs, r)
		}
	case root.Get("value") != nil && root.Get("value").Kind == jsontree.Array:
		list(root.Get("value").Elems())
	default:
		body := exampleBody(root)
		if body == nil {
			return nil, nil, ""
		}
		note = "example request"
		req := root.Lookup("parameters", "parameters")
		if req == nil || req.Kind != jsontree.Object || req.Get("properties") == nil || !isRESTResource(body) {
			return nil, nil, note // a GET, DELETE or list example: nothing is sent
		}
		typ := body.Get("type").Str
		r, ok := toResource(typ, body.Get("name").Text(), body.Get("id").Text(), req, req.PositionWithPath())
		if !ok {
			return nil, nil, note
		}
		if r.Service == "" {
			r.Service = root.Lookup("parameters", "serviceName").Text()
		}
		rs = append(rs, r)
	}
	return rs, held, note
}

// exampleBody returns the resource body of the 200 or 201 response of an
// API spec example file, or nil when root is not one. The body of a list
// operation's example (ApiManagementListBackends.json: a page of
// resources under value) counts too: like a GET of one resource it sends
// nothing, and the file is an example, not malformed input.
func exampleBody(root *jsontree.Value) *jsontree.Value {
	if root.Kind != jsontree.Object || root.Get("parameters") == nil {
		return nil
	}
	resp := root.Get("responses")
	if resp == nil {
		return nil
	}
	for _, code := range []string{"200", "201"} {
		body := resp.Lookup(code, "body")
		if body == nil {
			continue
		}
		if isRESTResource(body) {
			return body
		}
		if v := body.Get("value"); v != nil && v.Kind == jsontree.Array && len(v.Elems()) > 0 && isRESTResource(v.Elems()[0]) {
			return body
		}
	}
	return nil
}

// restOne normalises one REST resource body, or records why it is not one.
func (b *builder) restOne(v *jsontree.Value) *resource {
	if v.Kind != jsontree.Object || !isRESTResource(v) {
		if v.Kind == jsontree.Object {
			b.dec.issue(v.Position(), apim.Malformed, "not an API Management resource (no Microsoft.ApiManagement type and properties)")
		}
		return nil
	}
	r, ok := toResource(v.Get("type").Str, v.Get("name").Text(), v.Get("id").Text(), v, v.PositionWithPath())
	if !ok {
		return nil
	}
	return r
}
