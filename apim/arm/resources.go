package arm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
)

// parent describes the enclosing resource of a nested child resource.
type parent struct {
	typ, name, nameUnknown, placeholder string
}

// flatten appends the resources of list (an array, or an object keyed by
// symbolic name in languageVersion 2.0) to the result.
func (s *scope) flatten(list *value, p *parent, e *env) {
	if list == nil {
		return
	}
	switch list.Kind {
	case jsontree.Array:
		// One resource per declaration is the common case: sizing the
		// list once saved 30 MB of regrowth at 40,000 backends (issue 16).
		s.r.res = slices.Grow(s.r.res, len(list.Elems()))
		for _, r := range list.Elems() {
			s.resource(r, p, e)
		}
	case jsontree.Object:
		for _, m := range list.Members() {
			s.resource(m.Value, p, e)
		}
	default:
		s.r.issue(apim.Errorf(list.Position(), apim.Malformed, "resources must be an array or an object, not %s", list.Kind))
	}
}

// resource expands the copy loop of one resource declaration.
func (s *scope) resource(r *value, p *parent, e *env) {
	if r.Kind != jsontree.Object {
		s.r.issue(apim.Errorf(r.Position(), apim.Malformed, "resource must be an object, not %s", r.Kind))
		return
	}
	if isTrue(r.Get("existing")) {
		return // a reference to a resource deployed elsewhere
	}
	cp := r.Get("copy")
	if cp == nil || cp.Kind != jsontree.Object {
		s.instance(r, p, e, "")
		return
	}
	name := strings.ToLower(cp.Get("name").Text())
	n, reason := e.count(cp.Get("count"), true)
	if reason != "" {
		s.r.unknownAt(unknownVal(reason), cp.Pos)
		s.instance(r, p, e.withLoop(loop{name: name, idx: -1, reason: reason}), reason)
		return
	}
	for i := int64(0); i < n; i++ {
		s.instance(r, p, e.withLoop(loop{name: name, idx: i}), "")
	}
}

// instance resolves one resource (one iteration of its copy loop).
func (s *scope) instance(r *value, p *parent, e *env, countUnknown string) {
	res := Resource{Pos: s.r.paths.Position(r), Deployment: s.deployment, CountUnknown: countUnknown, vars: s.vars}
	var cond *value
	if c := r.Get("condition"); c != nil {
		cond = e.resolve(c, false)
		switch {
		case isUnknown(cond):
			res.ConditionUnknown = cond.Reason()
			u := unknownVal("condition could not be evaluated, resource kept: " + cond.Reason())
			s.r.invalid[u.Reason()] = s.r.invalid[cond.Reason()]
			s.r.structural[u.Reason()] = s.r.structural[cond.Reason()]
			s.r.unknownAt(u, c.Pos)
		case cond.Kind == jsontree.Bool:
			if !cond.Bool {
				return
			}
		default:
			u := e.invalid(nil, "condition must be a boolean, got %s", cond.Kind)
			s.r.unknownAt(u, c.Pos)
			res.ConditionUnknown = u.Reason()
		}
	}
	deploy := strings.EqualFold(r.Get("type").Text(), "Microsoft.Resources/deployments") &&
		r.Lookup("properties", "template") != nil
	node := (&value{Kind: jsontree.Object, Pos: r.Pos, Origin: jsontree.Literal}).WithMembers(make([]jsontree.Member, 0, len(r.Members())))
	for _, m := range r.Members() {
		var v *value
		var buf [16]byte
		switch string(appendLower(buf[:0], m.Key)) {
		case "resources", "copy":
			continue
		case "condition":
			v = cond
		case "properties":
			if deploy {
				v = e.resolve(without(m.Value, "template"), true)
				break
			}
			v = e.resolve(m.Value, true)
		default:
			v = e.resolve(m.Value, true)
		}
		node.SetMembers(append(node.Members(), jsontree.Member{Key: m.Key, KeyPos: m.KeyPos, Value: v}))
	}
	res.Node = node
	if s.depth == 0 && len(e.loops) == 0 && !deploy && r.Get("resources") == nil {
		// Declared once, outside copy loops and nested templates, with no
		// child resources inside: the declaration is this resource's alone
		// (Result.Release).
		res.decl = r
	}

	typ := node.Get("type")
	res.Type = typ.Text()
	if isUnknown(typ) {
		res.Type = r.Get("type").Text()
	}
	if p != nil && !strings.HasPrefix(strings.ToLower(res.Type), strings.ToLower(p.typ)+"/") {
		res.Type = p.typ + "/" + res.Type
	}
	res.APIVersion = node.Get("apiVersion").Text()
	switch nv := node.Get("name"); {
	case nv == nil:
		res.NameUnknown = "resource has no name"
	case isUnknown(nv):
		res.NameUnknown = nv.Reason()
		res.NamePlaceholder = e.placeholderName(r.Get("name"))
	case nv.Kind != jsontree.String:
		res.NameUnknown = fmt.Sprintf("name is a %s, not a string", nv.Kind)
	default:
		res.Name = nv.Str
	}
	if p != nil && res.NameUnknown == "" && strings.Count(res.Name, "/") < strings.Count(res.Type, "/")-1 {
		if p.nameUnknown != "" {
			res.Name, res.NameUnknown = "", p.nameUnknown
			if p.placeholder != "" {
				res.NamePlaceholder = p.placeholder + "/" + nameText(node.Get("name"), e, r.Get("name"))
				if strings.HasSuffix(res.NamePlaceholder, "/") {
					res.NamePlaceholder = ""
				}
			}
		} else {
			res.Name = p.name + "/" + res.Name
		}
	}
	s.r.res = append(s.r.res, res)

	if children := r.Get("resources"); children != nil {
		s.flatten(children, &parent{typ: res.Type, name: res.Name, nameUnknown: res.NameUnknown, placeholder: res.NamePlaceholder}, e)
	}
	if deploy {
		s.nested(r, node, res, e)
	}
}

// placeholderName evaluates a resource name expression with parameters
// that have no value written "<name>"; "" when the name stays unknown.
func (e *env) placeholderName(raw *value) string {
	if raw == nil {
		return ""
	}
	pe := *e
	pe.placeholders = true
	v := pe.resolve(raw, false)
	if v.Kind != jsontree.String || !strings.Contains(v.Str, "<") {
		return ""
	}
	return v.Str
}

// nameText is the resolved name of a child resource, or its placeholder
// form when it is unknown ("" when neither is known).
func nameText(resolved *value, e *env, raw *value) string {
	if resolved != nil && resolved.Kind == jsontree.String {
		return resolved.Str
	}
	return e.placeholderName(raw)
}

// without returns a shallow view of object v without the member key.
func without(v *value, key string) *value {
	if v.Kind != jsontree.Object {
		return v
	}
	out := *v
	out.SetMembers(make([]jsontree.Member, 0, len(v.Members())))
	for _, m := range v.Members() {
		if !strings.EqualFold(m.Key, key) {
			out.SetMembers(append(out.Members(), m))
		}
	}
	return &out
}

// nested resolves the inline template of a Microsoft.Resources/deployments
// resource and appends its resources.
func (s *scope) nested(r, node *value, res Resource, e *env) {
	tmpl := r.Lookup("properties", "template")
	if tmpl.Kind != jsontree.Object {
		s.r.issue(apim.Errorf(tmpl.Position(), apim.Malformed, "nested deployment template must be an object, not %s", tmpl.Kind))
		return
	}
	if s.depth >= maxDeploymentDepth {
		s.r.issue(apim.Errorf(tmpl.Position(), apim.Malformed, "nested deployments deeper than %d", maxDeploymentDepth))
		return
	}
	name := res.Name
	if name == "" {
		name = "(unknown)"
	}
	if s.deployment != "" {
		name = s.deployment + "/" + name
	}
	child := s.cachedScope(r)
	if child == nil || len(e.loops) > 0 {
		child = s.deployScope(r, node, name, e)
	}
	child.flatten(tmpl.Get("resources"), nil, &env{s: child})
}

// deployScope returns the scope the inline template of deployment r is
// evaluated in: a new scope for expressionEvaluationOptions.scope "inner"
// (parameters from properties.parameters, evaluated in s, already resolved
// in node), else s itself under the deployment's name.
func (s *scope) deployScope(r, node *value, name string, e *env) *scope {
	tmpl := r.Lookup("properties", "template")
	if !strings.EqualFold(r.Lookup("properties", "expressionEvaluationOptions", "scope").Text(), "inner") {
		outer := *s
		outer.deployment, outer.depth = name, s.depth+1
		return &outer
	}
	given := map[string]*value{}
	if ps := node.Lookup("properties", "parameters"); ps != nil && ps.Kind == jsontree.Object {
		for _, m := range ps.Members() {
			switch {
			case m.Value.Get("value") != nil:
				given[strings.ToLower(m.Key)] = m.Value.Get("value")
			case m.Value.Get("reference") != nil:
				given[strings.ToLower(m.Key)] = keyVaultRef(m.Value)
			}
		}
	}
	child := s.r.newScope(tmpl, given, name)
	child.depth = s.depth + 1
	return child
}
