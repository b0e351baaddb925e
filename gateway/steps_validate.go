package gateway

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/apimlab/apimlab/apim/policy"
)

// ReasonValidation is the reason of a response a validation policy
// blocked (action "prevent").
const ReasonValidation = "ValidationError"

// Validation actions (Learn, "API Management policies to validate
// requests and responses", Actions: ignore skips validation, detect logs
// the error and continues, prevent blocks processing and returns an error
// — 502 Bad Gateway for responses).
func validAction3(a string) bool { return a == "ignore" || a == "detect" || a == "prevent" }

// validateStatusStep is <validate-status-code unspecified-status-code-action
// errors-variable-name><status-code code action/></validate-status-code>.
// apimlab loads no API schemas, so every status code is "not specified in
// the API schema": a listed code takes its action, the others the
// unspecified action.
type validateStatusStep struct {
	unspecified string
	codes       map[int]string
	errVar      string
}

func (c *compiler) validateStatusCode(e *policy.Element) step {
	st := &validateStatusStep{unspecified: e.AttrValue("unspecified-status-code-action", ""), codes: map[int]string{}, errVar: e.AttrValue("errors-variable-name", "")}
	if !validAction3(st.unspecified) {
		c.fail(e.Pos, "<validate-status-code>: unspecified-status-code-action %q (want ignore, detect or prevent)", st.unspecified)
	}
	for _, sc := range e.ChildrenNamed("status-code") {
		code, err := strconv.Atoi(sc.AttrValue("code", ""))
		a := sc.AttrValue("action", "")
		if err != nil || !validAction3(a) {
			c.fail(sc.Pos, "<status-code>: code %q action %q", sc.AttrValue("code", ""), a)
			continue
		}
		st.codes[code] = a
	}
	return st
}

func (s *validateStatusStep) run(x *exchange) error {
	action, ok := s.codes[x.status]
	if !ok {
		action = s.unspecified
	}
	return x.validationOutcome(action, s.errVar, "validate-status-code", fmt.Sprintf("Unspecified status code %d in the response.", x.status))
}

// validationOutcome applies a validation action to one error.
func (x *exchange) validationOutcome(action, errVar, policyName, msg string) error {
	switch action {
	case "ignore":
		return nil
	case "detect", "prevent":
		if errVar != "" {
			list, _ := x.variables()[errVar].([]map[string]string)
			x.variables()[errVar] = append(list, map[string]string{"Source": policyName, "Action": action, "Details": msg})
		}
	}
	if action != "prevent" {
		return nil
	}
	return x.reject(perr(policyName, ReasonValidation, http.StatusBadGateway, "%s", msg))
}

// validateHeadersStep is <validate-headers specified-header-action
// unspecified-header-action errors-variable-name><header name action/>.
// Without API schemas every response header is unspecified: a listed
// header takes its action, the others unspecified-header-action.
type validateHeadersStep struct {
	unspecified string
	headers     map[string]string // canonical name → action
	errVar      string
}

func (c *compiler) validateHeaders(e *policy.Element) step {
	st := &validateHeadersStep{unspecified: e.AttrValue("unspecified-header-action", ""), headers: map[string]string{}, errVar: e.AttrValue("errors-variable-name", "")}
	if !validAction3(st.unspecified) || !validAction3(e.AttrValue("specified-header-action", "")) {
		c.fail(e.Pos, "<validate-headers>: specified-header-action and unspecified-header-action must be ignore, detect or prevent")
	}
	for _, h := range e.ChildrenNamed("header") {
		a := h.AttrValue("action", "")
		if !validAction3(a) {
			c.fail(h.Pos, "<header>: action %q (want ignore, detect or prevent)", a)
			continue
		}
		st.headers[http.CanonicalHeaderKey(h.AttrValue("name", ""))] = a
	}
	return st
}

// gatewayHeaders are set by the transport or apimlab, not the backend's
// API: they are not validated.
var gatewayHeaders = map[string]bool{"Content-Length": true, "Content-Type": true, "Date": true, HeaderBackend: true, HeaderReason: true}

func (s *validateHeadersStep) run(x *exchange) error {
	if !x.hasResp {
		return nil
	}
	for name := range x.respHeader {
		if gatewayHeaders[name] {
			continue
		}
		action, ok := s.headers[name]
		if !ok {
			action = s.unspecified
		}
		if err := x.validationOutcome(action, s.errVar, "validate-headers", "Unspecified header "+strings.ToLower(name)+" in the response."); err != nil {
			return err
		}
	}
	return nil
}

// validateContentStep is <validate-content unspecified-content-type-action
// max-size size-exceeded-action errors-variable-name> with
// <content-type-map> and <content type validate-as action> children.
// apimlab loads no API schema: the size limit and the content types listed
// in <content> (or mapped by <content-type-map>) are checked; a listed
// content type's schema is not. Requests answer 400, responses 502 on
// prevent.
type validateContentStep struct {
	unspecified  string
	maxSize      int
	sizeAction   string
	contentTypes map[string]string // lower-case type → action
	typeMap      map[string]string // lower-case from → to
	errVar       string
	resp         bool
}

func (c *compiler) validateContent(e *policy.Element, resp bool) step {
	st := &validateContentStep{unspecified: e.AttrValue("unspecified-content-type-action", ""), maxSize: c.intAttr(e, "max-size", 0),
		sizeAction: e.AttrValue("size-exceeded-action", ""), contentTypes: map[string]string{}, typeMap: map[string]string{}, errVar: e.AttrValue("errors-variable-name", ""), resp: resp}
	if !validAction3(st.unspecified) || !validAction3(st.sizeAction) {
		c.fail(e.Pos, "<validate-content>: unspecified-content-type-action and size-exceeded-action must be ignore, detect or prevent")
	}
	if st.maxSize <= 0 || st.maxSize > 4<<20 {
		c.fail(e.Pos, "<validate-content>: max-size must be 1..4194304 bytes")
	}
	if m := e.Child("content-type-map"); m != nil {
		for _, t := range m.ChildrenNamed("type") {
			st.typeMap[strings.ToLower(t.AttrValue("from", t.AttrValue("when", "")))] = strings.ToLower(t.AttrValue("to", ""))
		}
	}
	for _, ct := range e.ChildrenNamed("content") {
		st.contentTypes[strings.ToLower(ct.AttrValue("type", ""))] = ct.AttrValue("action", "")
	}
	return st
}

func (s *validateContentStep) run(x *exchange) error {
	var body string
	var err error
	h := x.header
	if s.resp {
		h = x.respHeader
		body, err = x.responseBody()
	} else {
		body, err = x.requestBody()
	}
	if err != nil {
		return err
	}
	if len(body) == 0 {
		return nil
	}
	outcome := func(action, msg string) error {
		if !s.resp {
			// Requests are refused with 400.
			if action == "prevent" {
				if s.errVar != "" {
					list, _ := x.variables()[s.errVar].([]map[string]string)
					x.variables()[s.errVar] = append(list, map[string]string{"Source": "validate-content", "Action": action, "Details": msg})
				}
				return x.reject(perr("validate-content", ReasonValidation, http.StatusBadRequest, "%s", msg))
			}
		}
		return x.validationOutcome(action, s.errVar, "validate-content", msg)
	}
	if len(body) > s.maxSize {
		if err := outcome(s.sizeAction, fmt.Sprintf("The body is %d bytes, more than max-size %d.", len(body), s.maxSize)); err != nil || s.sizeAction == "prevent" {
			return err
		}
	}
	ct := strings.ToLower(strings.TrimSpace(strings.Split(h.Get("Content-Type"), ";")[0]))
	if to, ok := s.typeMap[ct]; ok && to != "" {
		ct = to
	}
	// The schema of a listed type is not validated (no API schemas).
	if _, listed := s.contentTypes[ct]; !listed {
		return outcome(s.unspecified, fmt.Sprintf("Unspecified content type %q.", ct))
	}
	return nil
}

// validateParametersStep is <validate-parameters specified-parameter-action
// unspecified-parameter-action errors-variable-name> with <headers>,
// <query> and <path> children overriding the actions and listing
// <parameter name action>. apimlab loads no API schema: path parameters of
// the operation's URL template are specified; query parameters are
// unspecified unless listed; headers are checked only when listed (every
// request carries standard headers no schema names). A prevented request
// answers 400.
type validateParametersStep struct {
	specified, unspecified string
	query                  paramRules
	path                   paramRules
	headers                paramRules
	errVar                 string
}

// paramRules are the actions of one parameter location.
type paramRules struct {
	specified, unspecified string
	named                  map[string]string
}

func (c *compiler) validateParameters(e *policy.Element) step {
	st := &validateParametersStep{specified: e.AttrValue("specified-parameter-action", ""), unspecified: e.AttrValue("unspecified-parameter-action", ""), errVar: e.AttrValue("errors-variable-name", "")}
	if !validAction3(st.specified) || !validAction3(st.unspecified) {
		c.fail(e.Pos, "<validate-parameters>: specified-parameter-action and unspecified-parameter-action must be ignore, detect or prevent")
	}
	rules := func(name string, fold bool) paramRules {
		r := paramRules{specified: st.specified, unspecified: st.unspecified, named: map[string]string{}}
		if ch := e.Child(name); ch != nil {
			r.specified = ch.AttrValue("specified-parameter-action", r.specified)
			r.unspecified = ch.AttrValue("unspecified-parameter-action", r.unspecified)
			for _, p := range ch.ChildrenNamed("parameter") {
				n := p.AttrValue("name", "")
				if fold {
					n = http.CanonicalHeaderKey(n)
				}
				r.named[n] = p.AttrValue("action", "")
			}
		}
		return r
	}
	st.query, st.path, st.headers = rules("query", false), rules("path", false), rules("headers", true)
	return st
}

func (s *validateParametersStep) check(x *exchange, action, msg string) error {
	if s.errVar != "" && (action == "detect" || action == "prevent") {
		list, _ := x.variables()[s.errVar].([]map[string]string)
		x.variables()[s.errVar] = append(list, map[string]string{"Source": "validate-parameters", "Action": action, "Details": msg})
	}
	if action == "prevent" {
		return x.reject(perr("validate-parameters", ReasonValidation, http.StatusBadRequest, "%s", msg))
	}
	return nil
}

func (s *validateParametersStep) run(x *exchange) error {
	q := x.r.URL.Query()
	for name := range q {
		action, ok := s.query.named[name]
		if !ok {
			action = s.query.unspecified
		}
		if err := s.check(x, action, "Unspecified query parameter "+name+"."); err != nil {
			return err
		}
	}
	// Path parameters come from the operation's URL template: they are
	// specified, and without schema types there is nothing to check.
	for name, action := range s.headers.named {
		if _, present := x.header[name]; present {
			if err := s.check(x, action, "Header "+strings.ToLower(name)+" is not allowed."); err != nil {
				return err
			}
		}
	}
	return nil
}
