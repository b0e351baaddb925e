package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/apimlab/apimlab/apim/policy"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
)

// graphQLErrorsVariable is the variable every validate-graphql-request
// error is pushed onto (Learn: "all GraphQL validation errors are
// automatically propagated in the GraphQLErrors variable").
const graphQLErrorsVariable = "GraphQLErrors"

// graphQLMaxSize is Learn's maximum max-size (100 KB).
const graphQLMaxSize = 102400

// graphQLStep is <validate-graphql-request error-variable-name max-size
// max-depth><authorize><rule path action/></authorize></validate-graphql-request>
// (Learn, "Validate GraphQL request",
// https://learn.microsoft.com/azure/api-management/validate-graphql-request-policy).
// apimlab loads no GraphQL schema: the query is parsed (a syntax error is
// a request error), its size and depth are bounded, and rules apply to
// the fields of the root operation types (/Query/…, /Mutation/…,
// /Subscription/…) and to the introspection system (/__*); a rule on
// another type is refused at load. A request error answers 400 with an
// errors block and no data block (the status is apimlab's choice); a
// removed field is a field error and the query goes on without it.
type graphQLStep struct {
	errVar   string
	maxSize  int
	maxDepth int
	rules    []graphQLRule
}

// graphQLRule is one <rule>: a root type (or "" for the introspection
// system) and a field name, with a trailing '*' matching any suffix.
type graphQLRule struct {
	typ, field string
	action     *value
}

func (c *compiler) validateGraphQLRequest(e *policy.Element) step {
	st := &graphQLStep{errVar: e.AttrValue("error-variable-name", ""), maxSize: c.intAttr(e, "max-size", 0), maxDepth: c.intAttr(e, "max-depth", 6)}
	if st.maxSize <= 0 || st.maxSize > graphQLMaxSize {
		c.fail(e.Pos, "<validate-graphql-request>: max-size is required, 1..%d bytes", graphQLMaxSize)
	}
	if st.maxDepth <= 0 {
		c.fail(e.Pos, "<validate-graphql-request>: max-depth must be positive")
	}
	c.eachNested(e, "authorize", "rule", func(r *policy.Element) {
		if rule, ok := c.graphQLRule(r); ok {
			st.rules = append(st.rules, rule)
		}
	})
	return st
}

func (c *compiler) graphQLRule(e *policy.Element) (graphQLRule, bool) {
	path := strings.TrimSpace(e.AttrValue("path", ""))
	r := graphQLRule{action: c.attrValue(e, "action")}
	if r.action == nil {
		r.action = &value{lit: "allow", pos: e.Pos}
	} else if r.action.constant() && graphQLAction(r.action.lit) == "" {
		c.fail(e.Pos, "<rule>: action %q (want allow, remove, reject or ignore)", r.action.lit)
		return r, false
	}
	switch parts := strings.Split(strings.TrimPrefix(path, "/"), "/"); {
	case strings.HasPrefix(path, "/__") && len(parts) == 1:
		r.field = parts[0]
	case len(parts) == 2 && (parts[0] == "Query" || parts[0] == "Mutation" || parts[0] == "Subscription") && parts[1] != "":
		r.typ, r.field = parts[0], parts[1]
	default:
		c.fail(e.Pos, "<rule>: path %q: apimlab loads no GraphQL schema, so only root fields (/Query/field, /Mutation/field, /Subscription/field) and the introspection system (/__*) can be authorized", path)
		return r, false
	}
	return r, true
}

// graphQLAction normalises an action ("" when unknown). Learn's mutation
// example writes "deny", which apimlab reads as reject.
func graphQLAction(a string) string {
	switch a = strings.ToLower(strings.TrimSpace(a)); a {
	case "allow", "remove", "reject", "ignore":
		return a
	case "deny":
		return "reject"
	}
	return ""
}

func (r graphQLRule) matches(typ, field string) bool {
	if r.typ != "" && r.typ != typ {
		return false
	}
	if p, ok := strings.CutSuffix(r.field, "*"); ok {
		return strings.HasPrefix(field, p)
	}
	return field == r.field
}

// graphQLRequest is where the query of a request is: the "query" member
// of a JSON body, an application/graphql body, or the query parameter.
type graphQLRequest struct {
	query string
	size  int
	json  map[string]json.RawMessage // the JSON body, nil otherwise
	inURL bool
}

func (s *graphQLStep) run(x *exchange) error {
	req, msg, err := s.read(x)
	if err != nil {
		return err
	}
	if msg != "" {
		return s.requestError(x, msg)
	}
	if req.size > s.maxSize {
		return s.requestError(x, fmt.Sprintf("The request is %d bytes, more than max-size %d.", req.size, s.maxSize))
	}
	doc, perrGQL := parser.ParseQuery(&ast.Source{Input: req.query})
	if perrGQL != nil {
		return s.requestError(x, "Syntax error: "+perrGQL.Error())
	}
	if d, ok := queryDepth(doc); !ok {
		return s.requestError(x, "A fragment spreads itself.")
	} else if d > s.maxDepth {
		return s.requestError(x, fmt.Sprintf("The query depth %d is more than max-depth %d.", d, s.maxDepth))
	}
	removed := false
	for _, op := range doc.Operations {
		typ := map[ast.Operation]string{ast.Query: "Query", ast.Mutation: "Mutation", ast.Subscription: "Subscription"}[op.Operation]
		kept := op.SelectionSet[:0]
		for _, sel := range op.SelectionSet {
			f, isField := sel.(*ast.Field)
			if !isField {
				kept = append(kept, sel)
				continue
			}
			action, err := s.authorize(x, typ, f.Name)
			if err != nil {
				return err
			}
			switch action {
			case "reject":
				return s.requestError(x, fmt.Sprintf("Access to /%s/%s is not allowed.", typ, f.Name))
			case "remove":
				s.record(x, fmt.Sprintf("The field /%s/%s was removed.", typ, f.Name))
				removed = true
				continue
			}
			kept = append(kept, sel)
		}
		op.SelectionSet = kept
	}
	if removed {
		s.rewrite(x, req, doc)
	}
	return nil
}

// authorize returns the action of the first rule that applies to a root
// field ("allow" when none does).
func (s *graphQLStep) authorize(x *exchange, typ, field string) (string, error) {
	for _, r := range s.rules {
		if !r.matches(typ, field) {
			continue
		}
		a, err := r.action.str(x)
		if err != nil {
			return "", err
		}
		switch act := graphQLAction(a); act {
		case "":
			return "", perr("validate-graphql-request", ReasonExpression, http.StatusInternalServerError, "%s: rule action %q is not allow, remove, reject or ignore", r.action.pos, a)
		case "ignore":
			continue
		default:
			return act, nil
		}
	}
	return "allow", nil
}

// read finds the query; msg says why there is none.
func (s *graphQLStep) read(x *exchange) (graphQLRequest, string, error) {
	if x.method == http.MethodGet {
		q, _ := url.ParseQuery(x.rawQuery)
		if !q.Has("query") {
			return graphQLRequest{}, "The request has no query parameter.", nil
		}
		return graphQLRequest{query: q.Get("query"), size: len(q.Get("query")), inURL: true}, "", nil
	}
	body, err := x.requestBody()
	if err != nil {
		return graphQLRequest{}, "", err
	}
	req := graphQLRequest{size: len(body)}
	if len(body) > s.maxSize {
		return req, "", nil
	}
	if mt, _, _ := mime.ParseMediaType(x.header.Get("Content-Type")); mt == "application/graphql" {
		req.query = body
		return req, "", nil
	}
	if err := json.Unmarshal([]byte(body), &req.json); err != nil {
		return req, "The body is not a GraphQL request (JSON with a query).", nil
	}
	if err := json.Unmarshal(req.json["query"], &req.query); err != nil || req.query == "" {
		return req, "The body has no query.", nil
	}
	return req, "", nil
}

// rewrite puts the query without the removed fields back in the request.
func (s *graphQLStep) rewrite(x *exchange, req graphQLRequest, doc *ast.QueryDocument) {
	var buf bytes.Buffer
	formatter.NewFormatter(&buf).FormatQueryDocument(doc)
	q := buf.String()
	switch {
	case req.inURL:
		v, _ := url.ParseQuery(x.rawQuery)
		v.Set("query", q)
		x.rawQuery = v.Encode()
	case req.json != nil:
		req.json["query"], _ = json.Marshal(q)
		b, _ := json.Marshal(req.json)
		x.body, x.hasBody = b, true
	default:
		x.body, x.hasBody = []byte(q), true
	}
}

// record pushes an error onto GraphQLErrors and error-variable-name.
func (s *graphQLStep) record(x *exchange, msg string) {
	for _, name := range []string{graphQLErrorsVariable, s.errVar} {
		if name == "" {
			continue
		}
		list, _ := x.variables()[name].([]string)
		x.variables()[name] = append(list, msg)
	}
}

// requestError fails the request with an errors block and no data block.
func (s *graphQLStep) requestError(x *exchange, msg string) error {
	s.record(x, msg)
	pe := perr("validate-graphql-request", ReasonValidation, http.StatusBadRequest, "%s", msg)
	err := x.reject(pe)
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"message": msg}}})
	x.respBody = body
	x.respHeader["Content-Type"] = []string{"application/json"}
	delete(x.respHeader, "Content-Length")
	return err
}

// queryDepth is the deepest field nesting of any operation (a field is
// depth 1, its subfields 2, …; fragments count where they are spread);
// false when a fragment spreads itself.
func queryDepth(doc *ast.QueryDocument) (int, bool) {
	var depth func(set ast.SelectionSet, seen map[string]bool) (int, bool)
	depth = func(set ast.SelectionSet, seen map[string]bool) (int, bool) {
		best := 0
		for _, sel := range set {
			d, ok := 0, true
			switch s := sel.(type) {
			case *ast.Field:
				d, ok = depth(s.SelectionSet, seen)
				d++
			case *ast.InlineFragment:
				d, ok = depth(s.SelectionSet, seen)
			case *ast.FragmentSpread:
				f := doc.Fragments.ForName(s.Name)
				if f == nil {
					continue
				}
				if seen[s.Name] {
					return 0, false
				}
				seen[s.Name] = true
				d, ok = depth(f.SelectionSet, seen)
				delete(seen, s.Name)
			}
			if !ok {
				return 0, false
			}
			best = max(best, d)
		}
		return best, true
	}
	best := 0
	for _, op := range doc.Operations {
		d, ok := depth(op.SelectionSet, map[string]bool{})
		if !ok {
			return 0, false
		}
		best = max(best, d)
	}
	return best, true
}
