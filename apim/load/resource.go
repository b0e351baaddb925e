package load

import (
	"strings"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// toResource normalises a resource object given its full type and full name
// (ARM: "apim/orders"; REST: "orders" plus an id). ok is false for types
// outside Microsoft.ApiManagement.
func toResource(typ, name, id string, node *jsontree.Value) (*resource, bool) {
	const ns = "microsoft.apimanagement/"
	if len(typ) < len(ns) || !strings.EqualFold(typ[:len(ns)], ns) {
		return nil, false
	}
	r := &resource{ID: id, Node: node, Pos: node.PositionWithPath()}
	if svc, kinds, names := idSegments(id); svc != "" && len(kinds) > 0 {
		r.Service = svc
		if kinds[0] == "workspaces" && len(kinds) > 1 {
			r.Workspace, kinds, names = names[0], kinds[1:], names[1:]
		}
		r.Kind, r.Names = strings.Join(kinds, "/"), names
		return r, true
	}
	typeParts := strings.Split(typ[len(ns):], "/")
	nameParts := strings.Split(name, "/")
	if name == "" {
		nameParts = nil
	}
	// Right-align names with types: REST bodies carry only the leaf name.
	off := len(typeParts) - len(nameParts)
	var kinds, names []string
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

// isRESTResource reports whether v looks like one REST/az resource body.
func isRESTResource(v *jsontree.Value) bool {
	t := v.Get("type")
	return t != nil && t.Kind == jsontree.String && strings.HasPrefix(strings.ToLower(t.Str), "microsoft.apimanagement/") &&
		v.Get("properties") != nil
}

// loadREST adds the resources of a REST/az document: a single resource, a
// list {"value": [...]}, a bare array, or an API spec example file
// {"parameters": ..., "responses": {"200": {"body": ...}}}.
func (b *builder) loadREST(file string, root *jsontree.Value) bool {
	switch {
	case root.Kind == jsontree.Array:
		found := false
		for _, e := range root.Arr {
			found = b.restOne(e) || found
		}
		return found
	case isRESTResource(root):
		return b.restOne(root)
	case root.Get("value") != nil && root.Get("value").Kind == jsontree.Array:
		found := false
		for _, e := range root.Get("value").Arr {
			found = b.restOne(e) || found
		}
		return found
	case root.Get("responses") != nil && root.Get("parameters") != nil:
		resp := root.Get("responses")
		for _, code := range []string{"200", "201"} {
			if body := resp.Lookup(code, "body"); body != nil && isRESTResource(body) {
				return b.restOne(body)
			}
		}
	}
	return false
}

func (b *builder) restOne(v *jsontree.Value) bool {
	if v.Kind != jsontree.Object || !isRESTResource(v) {
		if v.Kind == jsontree.Object {
			b.dec.issue(v.Position(), "APIM901", "not an API Management resource (no Microsoft.ApiManagement type and properties)")
		}
		return false
	}
	r, ok := toResource(v.Get("type").Str, v.Get("name").Text(), v.Get("id").Text(), v)
	if !ok {
		return false
	}
	b.add(r)
	return true
}
