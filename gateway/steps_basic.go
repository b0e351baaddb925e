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
type setHeaderStep struct {
	name   string // canonical, computed at load
	action string // override, skip, append, delete
	values []*value
	resp   bool // response header (outbound, on-error, return-response)
}

func (c *compiler) setHeader(e *policy.Element, resp bool) step {
	name := c.requireAttr(e, "name")
	if name == nil {
		return nil
	}
	if !name.constant() {
		c.fail(e.Pos, "<set-header>: name must be a literal")
		return nil
	}
	st := &setHeaderStep{name: textproto.CanonicalMIMEHeaderKey(name.lit), action: e.AttrValue("exists-action", "override"), resp: resp}
	switch st.action {
	case "override", "skip", "append", "delete":
	default:
		c.fail(e.Pos, "<set-header>: exists-action %q (valid: override, skip, append, delete)", st.action)
	}
	for _, v := range e.ChildrenNamed("value") {
		st.values = append(st.values, c.textValue(v))
	}
	return st
}

func (s *setHeaderStep) run(x *exchange) error {
	h := x.header
	if s.resp {
		if !x.hasResp {
			x.newResponse(http.StatusOK)
		}
		h = x.respHeader
	}
	_, exists := h[s.name]
	switch s.action {
	case "delete":
		delete(h, s.name)
		return nil
	case "skip":
		if exists {
			return nil
		}
	}
	vals := make([]string, 0, len(s.values))
	for _, v := range s.values {
		str, err := v.str(x)
		if err != nil {
			return err
		}
		vals = append(vals, str)
	}
	if s.action == "append" {
		h[s.name] = append(h[s.name], vals...)
		return nil
	}
	if len(vals) == 0 {
		// APIM: override without a value removes the header.
		delete(h, s.name)
		return nil
	}
	h[s.name] = vals
	return nil
}

// setQueryStep is <set-query-parameter>.
type setQueryStep struct {
	name   string
	action string
	values []*value
}

func (c *compiler) setQuery(e *policy.Element) step {
	name := c.requireAttr(e, "name")
	if name == nil {
		return nil
	}
	if !name.constant() {
		c.fail(e.Pos, "<set-query-parameter>: name must be a literal")
		return nil
	}
	st := &setQueryStep{name: name.lit, action: e.AttrValue("exists-action", "override")}
	switch st.action {
	case "override", "skip", "append", "delete":
	default:
		c.fail(e.Pos, "<set-query-parameter>: exists-action %q (valid: override, skip, append, delete)", st.action)
	}
	for _, v := range e.ChildrenNamed("value") {
		st.values = append(st.values, c.textValue(v))
	}
	return st
}

func (s *setQueryStep) run(x *exchange) error {
	q, _ := url.ParseQuery(x.rawQuery)
	_, exists := q[s.name]
	switch {
	case s.action == "delete":
		q.Del(s.name)
	case s.action == "skip" && exists:
		return nil
	default:
		vals := make([]string, 0, len(s.values))
		for _, v := range s.values {
			str, err := v.str(x)
			if err != nil {
				return err
			}
			vals = append(vals, str)
		}
		if s.action == "append" {
			q[s.name] = append(q[s.name], vals...)
		} else {
			q[s.name] = vals
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

func (c *compiler) setBody(e *policy.Element, resp bool) step {
	if t := e.AttrValue("template", "none"); t != "none" {
		c.fail(e.Pos, "<set-body template=%q>: templates are not emulated", t)
		return nil
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
