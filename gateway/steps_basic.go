package gateway

import (
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/apimlab/apimlab/apim/policy"
)

// runSteps runs steps in order until one fails or the pipeline is done.
func runSteps(x *exchange, steps []step) error {
	for _, s := range steps {
		if err := s.run(x); err != nil {
			return err
		}
		if x.done {
			return nil
		}
	}
	return nil
}

// chooseStep is <choose>: the first <when> whose condition holds, else
// <otherwise>.
type chooseStep struct {
	conds     []*value
	branches  [][]step
	otherwise []step
}

func (c *compiler) choose(e *policy.Element, s policy.Section, inResp bool) step {
	st := &chooseStep{}
	for _, ch := range e.Children {
		switch ch.Name {
		case "when":
			cond := c.requireAttr(ch, "condition")
			if cond == nil {
				continue
			}
			st.conds = append(st.conds, cond)
			st.branches = append(st.branches, c.steps(ch.Children, s, inResp))
		case "otherwise":
			st.otherwise = c.steps(ch.Children, s, inResp)
		default:
			c.fail(ch.Pos, "<choose>: unexpected <%s> (want <when> or <otherwise>)", ch.Name)
		}
	}
	return st
}

func (s *chooseStep) run(x *exchange) error {
	for i, cond := range s.conds {
		ok, err := cond.boolean(x)
		if err != nil {
			return err
		}
		if ok {
			return runSteps(x, s.branches[i])
		}
	}
	return runSteps(x, s.otherwise)
}

// setVariableStep is <set-variable name value>.
type setVariableStep struct {
	name string
	val  *value
}

func (c *compiler) setVariable(e *policy.Element) step {
	name, val := c.requireAttr(e, "name"), c.requireAttr(e, "value")
	if name == nil || val == nil {
		return nil
	}
	if !name.constant() {
		c.fail(e.Pos, "<set-variable>: name must be a literal")
		return nil
	}
	return &setVariableStep{name: name.lit, val: val}
}

func (s *setVariableStep) run(x *exchange) error {
	v, err := s.val.eval(x)
	if err != nil {
		return err
	}
	x.variables()[s.name] = v
	return nil
}

// setHeaderStep is <set-header name exists-action><value/>…</set-header>.
// name and exists-action may be policy expressions (Learn: "Policy
// expressions are allowed"); literals are resolved at load.
type setHeaderStep struct {
	target
	resp bool // response header (outbound, on-error, return-response)
}

// target is what set-header and set-query-parameter share: a name, an
// exists-action and values, each a literal or an expression.
type target struct {
	policy  string // "set-header" or "set-query-parameter"
	name    string // literal name (canonical for headers)
	nameVal *value // expression name; nil when literal
	action  string // literal action
	actVal  *value // expression action; nil when literal
	values  []*value
	canon   bool // canonicalise the name (headers)
}

// validAction reports whether a is an exists-action value.
func validAction(a string) bool {
	switch a {
	case "override", "skip", "append", "delete":
		return true
	}
	return false
}

// compileTarget reads name, exists-action and the <value> children of e.
func (c *compiler) compileTarget(e *policy.Element, canon bool) (target, bool) {
	t := target{policy: e.Name, canon: canon, action: "override"}
	name := c.requireAttr(e, "name")
	if name == nil {
		return t, false
	}
	if name.constant() {
		t.name = name.lit
		if canon {
			t.name = textproto.CanonicalMIMEHeaderKey(name.lit)
		}
	} else {
		t.nameVal = name
	}
	if a := c.attrValue(e, "exists-action"); a != nil {
		if a.constant() {
			t.action = a.lit
			if !validAction(t.action) {
				c.fail(a.pos, "<%s>: exists-action %q (valid: override, skip, append, delete)", e.Name, t.action)
			}
		} else {
			t.actVal = a
		}
	}
	for _, v := range e.ChildrenNamed("value") {
		t.values = append(t.values, c.textValue(v))
	}
	return t, true
}

// resolve returns the name and action for this request.
func (t *target) resolve(x *exchange) (name, action string, err error) {
	name, action = t.name, t.action
	if t.nameVal != nil {
		if name, err = t.nameVal.str(x); err != nil {
			return "", "", err
		}
		name = strings.TrimSpace(name)
		if name == "" {
			return "", "", perr(t.policy, ReasonExpression, http.StatusInternalServerError, "%s: name is empty", t.nameVal.pos)
		}
		if t.canon {
			name = textproto.CanonicalMIMEHeaderKey(name)
		}
	}
	if t.actVal != nil {
		if action, err = t.actVal.str(x); err != nil {
			return "", "", err
		}
		action = strings.TrimSpace(action)
		if !validAction(action) {
			return "", "", perr(t.policy, ReasonExpression, http.StatusInternalServerError, "%s: exists-action %q (valid: override, skip, append, delete)", t.actVal.pos, action)
		}
	}
	return name, action, nil
}

// evalValues evaluates the values.
func (t *target) evalValues(x *exchange) ([]string, error) {
	vals := make([]string, 0, len(t.values))
	for _, v := range t.values {
		str, err := v.str(x)
		if err != nil {
			return nil, err
		}
		vals = append(vals, str)
	}
	return vals, nil
}

func (c *compiler) setHeader(e *policy.Element, resp bool) step {
	t, ok := c.compileTarget(e, true)
	if !ok {
		return nil
	}
	return &setHeaderStep{target: t, resp: resp}
}

func (s *setHeaderStep) run(x *exchange) error {
	name, action, err := s.resolve(x)
	if err != nil {
		return err
	}
	h := x.header
	if s.resp {
		if !x.hasResp {
			x.newResponse(http.StatusOK)
		}
		h = x.respHeader
	}
	_, exists := h[name]
	switch action {
	case "delete":
		delete(h, name)
		return nil
	case "skip":
		if exists {
			return nil
		}
	}
	vals, err := s.evalValues(x)
	if err != nil {
		return err
	}
	if action == "append" {
		h[name] = append(h[name], vals...)
		return nil
	}
	if len(vals) == 0 {
		// APIM: override without a value removes the header.
		delete(h, name)
		return nil
	}
	h[name] = vals
	return nil
}

// setQueryStep is <set-query-parameter>.
type setQueryStep struct{ target }

func (c *compiler) setQuery(e *policy.Element) step {
	t, ok := c.compileTarget(e, false)
	if !ok {
		return nil
	}
	return &setQueryStep{target: t}
}

func (s *setQueryStep) run(x *exchange) error {
	name, action, err := s.resolve(x)
	if err != nil {
		return err
	}
	q, _ := url.ParseQuery(x.rawQuery)
	_, exists := q[name]
	switch {
	case action == "delete":
		q.Del(name)
	case action == "skip" && exists:
		return nil
	default:
		vals, err := s.evalValues(x)
		if err != nil {
			return err
		}
		if action == "append" {
			q[name] = append(q[name], vals...)
		} else {
			q[name] = vals
		}
	}
	x.rawQuery = q.Encode()
	return nil
}

// setStatusStep is <set-status code reason>.
type setStatusStep struct {
	code   *value
	reason *value
}

func (c *compiler) setStatus(e *policy.Element) step {
	code := c.requireAttr(e, "code")
	if code == nil {
		return nil
	}
	return &setStatusStep{code: code, reason: c.attrValue(e, "reason")}
}

func (s *setStatusStep) run(x *exchange) error {
	n, err := s.code.integer(x)
	if err != nil {
		return err
	}
	if n < 100 || n > 999 {
		return perr("set-status", ReasonExpression, 500, "%s: status code %d out of range", s.code.pos, n)
	}
	if !x.hasResp {
		x.newResponse(n)
	}
	x.status = n
	if s.reason != nil {
		if x.statusText, err = s.reason.str(x); err != nil {
			return err
		}
	}
	return nil
}

// setBodyStep is <set-body>: literal text or an expression.
type setBodyStep struct {
	body *value
	resp bool
}

// setBodyIn compiles <set-body>: resp is true when it sets the response
// body, inReturn inside return-response (a Liquid template's input body
// is empty there, Learn).
func (c *compiler) setBodyIn(e *policy.Element, resp, inReturn bool) step {
	if t := e.AttrValue("template", "none"); t != "none" {
		if !strings.EqualFold(strings.TrimSpace(t), "liquid") {
			c.fail(e.Pos, "<set-body template=%q>: the only template Learn documents is \"liquid\"", t)
			return nil
		}
		return c.liquidBody(e, resp, inReturn)
	}
	if len(e.Children) > 0 {
		c.fail(e.Pos, "<set-body>: element content is not emulated (use text or an expression)")
		return nil
	}
	return &setBodyStep{body: c.textValue(e), resp: resp}
}

func (s *setBodyStep) run(x *exchange) error {
	str, err := s.body.str(x)
	if err != nil {
		return err
	}
	if s.resp {
		if !x.hasResp {
			x.newResponse(http.StatusOK)
		}
		x.closeStream()
		x.respBody = []byte(str)
		delete(x.respHeader, "Content-Length")
		return nil
	}
	x.body, x.hasBody = []byte(str), true
	return nil
}

// setMethodStep is <set-method>METHOD</set-method>.
type setMethodStep struct{ method *value }

func (c *compiler) setMethod(e *policy.Element) step {
	return &setMethodStep{method: c.textValue(e)}
}

func (s *setMethodStep) run(x *exchange) error {
	m, err := s.method.str(x)
	if err != nil {
		return err
	}
	x.method = strings.ToUpper(strings.TrimSpace(m))
	return nil
}
