package arm

import (
	"strings"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// deployRef is a nested deployment declared in a scope, found by name so that
// reference(resourceId('Microsoft.Resources/deployments', 'x')).outputs can
// be read from its inline template.
type deployRef struct {
	r     *value
	name  string
	state uint8 // 0 new, 1 evaluating, 2 done
	scope *scope
	out   *value
}

// indexDeployments lists the nested deployments of s with a known name (and
// their symbolic names in languageVersion 2.0). Deployments in copy loops are
// left out: which iteration a reference means is not static.
func (s *scope) indexDeployments() {
	s.deploys = map[string]*deployRef{}
	add := func(symbolic string, r *value) {
		if r.Kind != jsontree.Object || r.Get("copy") != nil || r.Lookup("properties", "template") == nil ||
			!strings.EqualFold(r.Get("type").Text(), "Microsoft.Resources/deployments") {
			return
		}
		n := (&env{s: s}).resolve(r.Get("name"), false)
		if n.Kind != jsontree.String {
			return
		}
		ref := &deployRef{r: r, name: n.Str}
		s.deploys[strings.ToLower(n.Str)] = ref
		if symbolic != "" {
			if _, taken := s.deploys[strings.ToLower(symbolic)]; !taken {
				s.deploys[strings.ToLower(symbolic)] = ref
			}
		}
	}
	switch rs := s.root.Get("resources"); {
	case rs == nil:
	case rs.Kind == jsontree.Array:
		for _, r := range rs.Elems() {
			add("", r)
		}
	case rs.Kind == jsontree.Object:
		for _, m := range rs.Members() {
			add(m.Key, m.Value)
		}
	}
}

// lookupDeployment finds the nested deployment a reference() argument names:
// a resource id ending in /providers/Microsoft.Resources/deployments/{name},
// a bare deployment name or a symbolic name.
func (s *scope) lookupDeployment(id string) *deployRef {
	if s.deploys == nil {
		s.indexDeployments()
	}
	key := strings.ToLower(id)
	const marker = "/providers/microsoft.resources/deployments/"
	if i := strings.LastIndex(key, marker); i >= 0 {
		key = key[i+len(marker):]
	}
	return s.deploys[key]
}

// deploymentOutputs returns {"outputs": {name: {"type", "value"}}} for a
// nested deployment of this scope, or nil when id names none.
func (s *scope) deploymentOutputs(e *env, id string) *value {
	ref := s.lookupDeployment(id)
	if ref == nil {
		return nil
	}
	switch ref.state {
	case 1:
		return e.invalid(nil, "outputs of deployment %q depend on themselves", ref.name)
	case 2:
		return ref.out
	}
	if e.tooDeep() {
		return e.malformed(nil, "deployment outputs nested deeper than %d", maxEvalDepth)
	}
	ref.state = 1
	child := s.refScope(ref, e.depth+1)
	outs := objVal(nil)
	if os := ref.r.Lookup("properties", "template", "outputs"); os != nil && os.Kind == jsontree.Object {
		ce := &env{s: child, depth: e.depth + 1}
		for _, m := range os.Members() {
			var v *value
			if cp := m.Value.Get("copy"); cp != nil && cp.Kind == jsontree.Object {
				v = ce.copyArray(cp, false)
			} else {
				v = ce.resolve(m.Value.Get("value"), false)
			}
			outs.SetMembers(append(outs.Members(), member(m.Key, objVal([]jsontree.Member{
				member("type", strVal(m.Value.Get("type").Text())),
				member("value", v),
			}))))
		}
	}
	ref.out = objVal([]jsontree.Member{member("outputs", outs)})
	ref.state = 2
	return ref.out
}

// refScope returns (and caches) the scope of a referenced deployment.
func (s *scope) refScope(ref *deployRef, depth int) *scope {
	if ref.scope != nil {
		return ref.scope
	}
	e := &env{s: s, depth: depth}
	props := e.resolve(without(ref.r.Get("properties"), "template"), false)
	node := objVal([]jsontree.Member{member("properties", props)})
	name := ref.name
	if s.deployment != "" {
		name = s.deployment + "/" + name
	}
	ref.scope = s.deployScope(ref.r, node, name, e)
	return ref.scope
}

// cachedScope returns the scope already built for deployment r by a
// reference(), so that flattening reuses its evaluated parameters.
func (s *scope) cachedScope(r *value) *scope {
	for _, ref := range s.deploys {
		if ref.r == r {
			return ref.scope
		}
	}
	return nil
}
