package arm

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
)

// Params are deployment parameter values by name. Lookups are
// case-insensitive, as in ARM.
type Params map[string]*jsontree.Value

// Resource is one deployed resource after resolution.
type Resource struct {
	// Type is the full resource type, child types joined
	// ("Microsoft.ApiManagement/service/backends").
	Type string
	// Name is the full resolved name ("apim/orders"), "" when unknown.
	Name string
	// NameUnknown says why Name could not be resolved.
	NameUnknown string
	// NamePlaceholder, set when NameUnknown is, is the name with every
	// parameter that has no value written "<parameterName>" and an unknown
	// copy index "<copyIndex>" ("<apimName>/orders"); "" when the name
	// depends on something else that is unknown (reference(), say).
	NamePlaceholder string
	// APIVersion is the resolved apiVersion ("" when absent or unknown).
	APIVersion string
	// Node is the resolved resource object: every member resolved except the
	// nested "resources" (listed as resources of their own) and "copy". For
	// nested deployments, properties.template is left out: the inner
	// template's resources are listed instead. Sub-trees without expressions
	// are shared with the template, and results of expressions may be shared
	// between resources: treat Node as read-only. Pos of every value is where
	// it (or the expression that produced it) is written; Path() is only
	// meaningful for literal sub-trees (their template path).
	Node *jsontree.Value
	// Pos is the position of the resource object in the template file.
	Pos apim.Position
	// Deployment is the name of the nested Microsoft.Resources/deployments
	// resource the resource was declared in ("" at the top level; names of
	// deeper levels are joined with "/").
	Deployment string
	// ConditionUnknown, when non-empty, says why the resource's condition
	// could not be evaluated; such a resource is kept.
	ConditionUnknown string
	// CountUnknown, when non-empty, says why the count of the resource's
	// copy loop could not be computed. The resource then stands for the
	// whole loop, resolved with copyIndex() unknown.
	CountUnknown string

	// decl is the resource's declaration in the template when nothing
	// else shares it (Release).
	decl *jsontree.Value
	// vars are the variables of the scope the resource was resolved in
	// (VariableText).
	vars map[string]*variable
}

// Release drops what the result holds of resource i's values once the
// caller has read them: its Node, and its declaration in the template when
// that is the resource's alone (not a copy loop's, shared by every
// iteration, nor one in a nested template or holding child resources),
// which is emptied (jsontree.Value.Release). A loader building a model
// from a large template releases each resource once built, so that a
// collection during the build can free the parse tree bit by bit instead
// of keeping it whole until the end (issue 16). Only the caller that
// parsed the template may call it: the template must not be read again
// after its first Release.
func (res *Result) Release(i int) {
	r := &res.Resources[i]
	r.Node = nil
	if r.decl != nil {
		r.decl.Release()
		r.decl = nil
	}
}

// Result is the outcome of Resolve.
type Result struct {
	// Resources are the resources in template order, children after their
	// parent, resources of nested deployments after the deployment.
	Resources []Resource
	// Issues use code APIM902 for values that could not be resolved (one
	// per distinct reason, at the first expression that produced it) and
	// APIM901 for malformed templates.
	Issues []*apim.Error
	// SecureValues are the string values given to secureString and
	// secureObject parameters (and their defaults), wherever they end up:
	// printers mask them.
	SecureValues []string
	// Parameters are the template's top-level parameters with the value
	// in effect (given, else the default) and where it is written.
	Parameters []*apim.TemplateParameter
}

// IsTemplate reports whether root looks like an ARM deployment template:
// its "$schema" names a deploymentTemplate, or it has both "resources" and
// "contentVersion".
func IsTemplate(root *jsontree.Value) bool {
	if root == nil || root.Kind != jsontree.Object {
		return false
	}
	if s := root.Get("$schema"); s != nil && strings.Contains(strings.ToLower(s.Text()), "deploymenttemplate") {
		return true
	}
	return root.Get("resources") != nil && root.Get("contentVersion") != nil
}

// maxDeploymentDepth bounds nested deployments.
const maxDeploymentDepth = 32

// Resolve flattens the resources of an ARM template, resolving every
// expression it can. It never fails: values it cannot compute become
// jsontree.Unknown values with a Reason, and problems are listed in
// Result.Issues. params may be nil.
//
// Functions that describe the deployment target return placeholders:
// subscription().subscriptionId is "00000000-0000-0000-0000-000000000000",
// resourceGroup().name is "resourceGroup", resourceGroup().location is
// "resourceGroupLocation", deployment().name is "deployment", and
// resourceId() builds "/subscriptions/{sub}/resourceGroups/{rg}/providers/..."
// from them. uniqueString() and guid() are deterministic but not
// bit-compatible with Azure. See the package documentation.
func Resolve(file string, root *jsontree.Value, params Params) (res *Result) {
	r := newResolver(file)
	defer func() {
		if p := recover(); p != nil {
			r.issue(apim.Errorf(root.Position(), apim.Malformed, "internal error resolving template: %v", p))
			res = r.finish()
		}
	}()
	if root == nil || root.Kind != jsontree.Object {
		r.issue(apim.Errorf(root.Position(), apim.Malformed, "template must be a JSON object"))
		return r.finish()
	}
	given := make(map[string]*value, len(params))
	for k, v := range params {
		if v != nil {
			given[strings.ToLower(k)] = v
		}
	}
	pres, s, ok := resolveParallel(file, root, given)
	if ok {
		res = pres
	} else {
		s = r.newScope(root, given, "")
		s.flatten(root.Get("resources"), nil, &env{s: s})
		res = r.finish()
	}
	res.Parameters = templateParameters(file, s)
	for _, p := range s.params {
		if !p.secure {
			continue
		}
		v := p.given
		if v == nil {
			v = p.decl.Get("defaultValue")
		}
		res.SecureValues = append(res.SecureValues, stringsIn(v)...)
	}
	return res
}

// templateParameters lists the parameters of scope s in declaration order,
// each with the string value in effect and where it is written.
func templateParameters(file string, s *scope) []*apim.TemplateParameter {
	ps := s.root.Get("parameters")
	if ps == nil || ps.Kind != jsontree.Object {
		return nil
	}
	out := make([]*apim.TemplateParameter, 0, len(ps.Members()))
	for _, m := range ps.Members() {
		p := s.params[strings.ToLower(m.Key)]
		if p == nil {
			continue
		}
		tp := &apim.TemplateParameter{File: file, Name: p.name, Type: p.decl.Get("type").Text(), Secure: p.secure}
		v := p.given
		if v == nil {
			v = p.decl.Get("defaultValue")
		}
		// A secure parameter's value is a secret: the model keeps it only
		// in SecureValues, for printers to mask.
		if v != nil && v.Kind == jsontree.String && v.Origin != jsontree.Reference && !p.secure {
			tp.Value, tp.HasValue, tp.ValuePos = v.Str, true, v.Position()
		}
		out = append(out, tp)
	}
	return out
}

// stringsIn returns the string leaves of a value (a secureObject's members).
func stringsIn(v *value) []string {
	if v == nil {
		return nil
	}
	switch v.Kind {
	case jsontree.String:
		if v.Str != "" && !isExpression(v.Str) {
			return []string{v.Str}
		}
	case jsontree.Array:
		var out []string
		for _, e := range v.Elems() {
			out = append(out, stringsIn(e)...)
		}
		return out
	case jsontree.Object:
		var out []string
		for _, m := range v.Members() {
			out = append(out, stringsIn(m.Value)...)
		}
		return out
	}
	return nil
}

// resolver holds what one Resolve call shares across scopes: the expression
// cache, the function table and the issues.
type resolver struct {
	file    string
	exprs   map[string]exprEntry
	funcs   map[string]funcSpec
	invalid map[string]bool
	// structural marks invalid reasons no parameter value can fix.
	structural map[string]bool
	// kinds classifies unknown reasons offline input cannot resolve (a
	// parameter without a value, a Key Vault reference), set where the
	// reason is made so that lint never reads the text.
	kinds map[string]apim.IssueKind
	// defaultReads counts reads of values that depend on a parameter's
	// defaultValue; comparing it before and after an evaluation tells
	// whether the evaluation depended on a default.
	defaultReads int
	seen         map[string]bool
	issues       []*apim.Error
	// reasons, set on the resolver of one chunk of a parallel resolution,
	// holds the reason each issue was reported once for (unknownFrom), for
	// the merge to keep the first in template order.
	reasons map[*apim.Error]string
	// reach is the deepest evaluation depth met at a depth check since the
	// evaluation of the parameter or variable being evaluated began (its
	// height); shared marks the resolver of a parallel resolution's worker;
	// budget, when positive, is the number of function calls allowed
	// (steps counts them). See parallel.go.
	reach         int
	shared        bool
	steps, budget int
	res           []Resource
	// scratch holds the literal arguments, and args the arguments, of
	// the calls in progress of functions that only read them (lits of
	// scratch are in use; callReading).
	scratch *[maxScratch]value
	lits    int
	args    []*value
	// arena holds the nodes of the expressions parsed (parse);
	// evaluating counts the expressions being evaluated (evalString).
	arena      *exprArena
	evaluating int
	// paths holds the JSON paths of the resources' positions.
	paths jsontree.Paths
}

type exprEntry struct {
	x   Expr
	err error
}

func newResolver(file string) *resolver {
	return &resolver{
		file:       file,
		exprs:      make(map[string]exprEntry),
		funcs:      builtins(),
		invalid:    make(map[string]bool),
		structural: make(map[string]bool),
		kinds:      make(map[string]apim.IssueKind),
		seen:       make(map[string]bool),
	}
}

func (r *resolver) issue(e *apim.Error) { r.issues = append(r.issues, e) }

// unknownAt records the unknown value u surfacing at pos, once per reason.
func (r *resolver) unknownAt(u *value, loc jsontree.Loc) { r.unknownFrom(u, loc, false) }

// unknownFrom is unknownAt for a value whose evaluation read a parameter's
// default value when fromDefaults is set: an evaluation failure (an index
// out of range, a missing property) is then APIM902 "cannot evaluate with
// default parameters", since the template may well be valid with the
// values the deployment passes; structural errors stay APIM901.
func (r *resolver) unknownFrom(u *value, loc jsontree.Loc, fromDefaults bool) {
	pos := loc.Position()
	if r.seen[u.Reason()] {
		return
	}
	r.seen[u.Reason()] = true
	code := apim.Unresolved
	if r.invalid[u.Reason()] {
		code = apim.Malformed
	}
	is := apim.Errorf(pos, code, "%s", u.Reason())
	if code == apim.Unresolved {
		is.Kind = r.kinds[u.Reason()]
		if is.Kind == apim.IssuePlain && strings.HasSuffix(u.Reason(), needsLiveSuffix) {
			is.Kind = apim.IssueNeedsDeployment
		}
	}
	if code == apim.Malformed && !r.structural[u.Reason()] && fromDefaults {
		is.Code, is.Kind = apim.Unresolved, apim.IssueEvalDefaults
		is.Msg = "cannot evaluate with default parameters: " + is.Msg
	}
	if r.reasons != nil {
		r.reasons[is] = u.Reason()
	}
	r.issue(is)
}

// finish sorts the issues. An evaluation failure (an index out of range, a
// missing property) met while default parameter values were in use is
// APIM902 "cannot evaluate with default parameters": the template may well
// be valid with the values the deployment passes.
func (r *resolver) finish() *Result {

	sort.SliceStable(r.issues, func(i, j int) bool { return r.issues[i].Pos.Before(r.issues[j].Pos) })
	return &Result{Resources: r.res, Issues: r.issues}
}

// maxExprs bounds the expression cache. Expressions evaluated many times
// (a copy loop's body, a variable) stay in it; a template of 40,000
// resources whose names are each an expression of their own would
// otherwise keep 40,000 syntax trees and a map growing to hold them until
// the whole template is resolved (issue 16).
const maxExprs = 4096

// parse returns the cached parse of an expression string.
func (r *resolver) parse(s string) (Expr, error) {
	if e, ok := r.exprs[s]; ok {
		return e.x, e.err
	}
	if r.arena == nil {
		r.arena = new(exprArena)
	}
	if len(r.exprs) >= maxExprs {
		clear(r.exprs)
		// The cache held the only expressions parsed into the arena
		// but those being evaluated (evaluating): when none is, its
		// blocks are reused, else they are left to them.
		if r.evaluating == 0 {
			r.arena.reset()
		} else {
			r.arena.drop()
		}
	}
	x, err := parseExpr(s, r.arena)
	r.exprs[s] = exprEntry{x, err}
	return x, err
}

// scope is one template's evaluation scope: its parameters, variables and
// user-defined functions. Nested deployments with inner scope get their own.
type scope struct {
	r      *resolver
	root   *value
	params map[string]*param
	vars   map[string]*variable
	funcs  map[string]*userFunc
	// deployment is the joined name of the nested deployment ("" at top).
	deployment string
	depth      int
	// deploys holds nested deployments declared in this scope by name, so
	// reference() to one of them can read its outputs.
	deploys map[string]*deployRef
}

type param struct {
	name   string
	decl   *value
	given  *value
	secure bool
	// defaulted is set when the value is the declared defaultValue.
	defaulted bool
	state     uint8 // 0 new, 1 evaluating, 2 done
	val       *value
	// height is how many levels below it the evaluation of the default
	// value went (parallel.go).
	height int
}

type variable struct {
	// defaulted is set when the value depends on a parameter default.
	defaulted bool
	name      string
	raw       *value
	loop      *value // a variable-level copy entry, when defined by "copy"
	state     uint8
	val       *value
	// height is how many levels below it its evaluation went (parallel.go).
	height int
}

type userFunc struct {
	params []string
	body   *value
}

func (r *resolver) newScope(root *value, given map[string]*value, deployment string) *scope {
	s := &scope{r: r, root: root, deployment: deployment,
		params: map[string]*param{}, vars: map[string]*variable{}}
	if ps := root.Get("parameters"); ps != nil && ps.Kind == jsontree.Object {
		for _, m := range ps.Members() {
			p := &param{name: m.Key, decl: m.Value}
			t := strings.ToLower(m.Value.Get("type").Text())
			p.secure = t == "securestring" || t == "secureobject"
			p.given = given[strings.ToLower(m.Key)]
			s.params[strings.ToLower(m.Key)] = p
		}
	}
	if vs := root.Get("variables"); vs != nil && vs.Kind == jsontree.Object {
		for _, m := range vs.Members() {
			if strings.EqualFold(m.Key, "copy") && m.Value.Kind == jsontree.Array {
				for _, c := range m.Value.Elems() {
					if n := c.Get("name").Text(); n != "" {
						s.vars[strings.ToLower(n)] = &variable{name: n, loop: c}
					}
				}
				continue
			}
			s.vars[strings.ToLower(m.Key)] = &variable{name: m.Key, raw: m.Value}
		}
	}
	if fs := root.Get("functions"); fs != nil && fs.Kind == jsontree.Array {
		s.funcs = map[string]*userFunc{}
		for _, ns := range fs.Elems() {
			prefix := strings.ToLower(ns.Get("namespace").Text())
			members := ns.Get("members")
			if members == nil || members.Kind != jsontree.Object {
				continue
			}
			for _, m := range members.Members() {
				f := &userFunc{body: m.Value.Lookup("output", "value")}
				if ps := m.Value.Get("parameters"); ps != nil {
					for _, p := range ps.Elems() {
						f.params = append(f.params, strings.ToLower(p.Get("name").Text()))
					}
				}
				s.funcs[prefix+"."+strings.ToLower(m.Key)] = f
			}
		}
	}
	return s
}

func (s *scope) userFunc(lname string) *userFunc { return s.funcs[lname] }

// parameter returns the value of a parameter: the given value, else the
// evaluated defaultValue, else null for a nullable parameter, else Unknown.
func (s *scope) parameter(e *env, c *Call, name string) *value {
	if e.fnParams != nil {
		var buf [32]byte
		if v, ok := e.fnParams[string(appendLower(buf[:0], name))]; ok {
			return v
		}
		return e.malformed(c, "parameter %q is not a parameter of the function", name)
	}
	var buf [32]byte
	p := s.params[string(appendLower(buf[:0], name))]
	if p == nil {
		return e.malformed(c, "parameter %q is not declared", name)
	}
	switch p.state {
	case 1:
		return e.malformed(c, "default value of parameter %q refers to itself", p.name)
	case 2:
		s.readDone(e, p.height)
		if e.placeholders && isUnknown(p.val) {
			return strVal("<" + p.name + ">")
		}
		if p.defaulted {
			s.r.defaultReads++
		}
		return p.val
	}
	p.state = 1
	origin := jsontree.Parameter
	if p.secure {
		origin = jsontree.SecureParameter
	}
	var v *value
	switch {
	case p.given != nil && p.given.Origin == jsontree.Reference:
		v = p.given
		s.r.kinds[v.Reason()] = apim.IssueKeyVault
	case p.given != nil:
		v = withOrigin(p.given, origin)
	case p.decl.Get("defaultValue") != nil:
		p.defaulted = true
		s.r.defaultReads++
		if e.tooDeep() {
			p.state = 0
			return e.malformed(c, "parameter defaults nested deeper than %d", maxEvalDepth)
		}
		inner := &env{s: s, depth: e.depth + 1}
		outer := s.r.beginHeight()
		v = withOrigin(inner.resolve(p.decl.Get("defaultValue"), false), origin)
		p.height = s.r.endHeight(outer, inner.depth)
	case isTrue(p.decl.Get("nullable")):
		v = withOrigin(nullVal(), origin)
	default:
		v = unknownVal(fmt.Sprintf("parameter %q has no value (pass --parameters)", p.name))
		v.Origin = origin
		s.r.kinds[v.Reason()] = apim.IssueNoValue
	}
	p.val, p.state = v, 2
	if e.placeholders && isUnknown(v) {
		return strVal("<" + p.name + ">")
	}
	return v
}

func isTrue(v *value) bool { return v != nil && v.Kind == jsontree.Bool && v.Bool }

// variable returns the resolved value of a variable, evaluated once.
func (s *scope) variable(e *env, c *Call, name string) *value {
	var buf [32]byte
	v := s.vars[string(appendLower(buf[:0], name))]
	if v == nil {
		return e.malformed(c, "variable %q is not declared", name)
	}
	switch v.state {
	case 1:
		return e.malformed(c, "variable %q refers to itself", v.name)
	case 2:
		s.readDone(e, v.height)
		if e.placeholders && isUnknown(v.val) && v.raw != nil {
			// Not cached: placeholders stand for names only.
			return (&env{s: s, depth: e.depth + 1, placeholders: true}).resolve(v.raw, false)
		}
		if v.defaulted {
			s.r.defaultReads++
		}
		return v.val
	}
	v.state = 1
	inner := &env{s: s, depth: e.depth + 1}
	before := s.r.defaultReads
	outer := s.r.beginHeight()
	if v.loop != nil {
		v.val = inner.copyArray(v.loop, false)
	} else {
		v.val = inner.resolve(v.raw, false)
	}
	v.height = s.r.endHeight(outer, inner.depth)
	v.defaulted = s.r.defaultReads > before
	v.state = 2
	if e.placeholders && isUnknown(v.val) && v.raw != nil {
		// The first read, in a resource name: the placeholder form, as
		// every later read gives it.
		return (&env{s: s, depth: e.depth + 1, placeholders: true}).resolve(v.raw, false)
	}
	return v.val
}

// VariableText returns the definition of the variable that expr reads
// whole, when expr is exactly [variables('name')] in r's scope and that
// variable is a string written literally (not an expression, not "[["
// escaped): a value resolved from expr is then that text, byte for byte,
// so a place inside the value is a place inside the definition. It
// returns nil otherwise. The loader locates a policy document kept in a
// variable there, where its XML is written, instead of at the resource's
// value expression.
func (r *Resource) VariableText(expr string) *jsontree.Value {
	if r == nil || r.vars == nil || !isExpression(expr) {
		return nil
	}
	e, err := ParseExpr(expr)
	if err != nil {
		return nil
	}
	c, ok := e.(*Call)
	if !ok || !strings.EqualFold(c.Name, "variables") || len(c.Args) != 1 {
		return nil
	}
	name, ok := c.Args[0].(*StringLit)
	if !ok {
		return nil
	}
	v := r.vars[strings.ToLower(name.Value)]
	if v == nil || v.raw == nil || v.raw.Kind != jsontree.String || strings.HasPrefix(v.raw.Str, "[") {
		return nil
	}
	return v.raw
}
