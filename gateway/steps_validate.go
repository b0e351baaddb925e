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
