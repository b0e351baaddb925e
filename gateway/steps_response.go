package gateway

import (
	"net/http"
	"strings"

	"github.com/apimlab/apimlab/apim/policy"
)

// returnResponseStep is <return-response>: it builds a new response from
// its set-status, set-header and set-body children and ends the pipeline
// (APIM: "aborts pipeline execution").
type returnResponseStep struct {
	// respVar names a context variable holding a response (send-request's
	// response-variable-name): it is the starting point (Learn: "The name
	// of the context variable referenced from, for example, an upstream
	// send-request policy and containing a Response object").
	respVar  string
	children []step
}

func (c *compiler) returnResponse(e *policy.Element, s policy.Section) step {
	st := &returnResponseStep{respVar: strings.TrimSpace(e.AttrValue("response-variable-name", ""))}
	for _, ch := range e.Children {
		switch ch.Name {
		case "set-status", "set-header", "set-body":
		default:
			c.fail(ch.Pos, "<return-response>: <%s> is not emulated here (set-status, set-header, set-body)", ch.Name)
			continue
		}
		if sub := c.step(ch, s, true); sub != nil {
			st.children = append(st.children, sub)
		}
	}
	return st
}

func (s *returnResponseStep) run(x *exchange) error {
	x.newResponse(http.StatusOK)
	if s.respVar != "" {
		if err := x.useStoredResponse(s.respVar); err != nil {
			return err
		}
	}
	x.served = ""
	if err := runSteps(x, s.children); err != nil {
		return err
	}
	x.done = true
	return nil
}

// mockResponseStep is <mock-response status-code content-type>. apimlab
// has no API schema examples, so the body is empty; without content-type
// the response has no Content-Type header (Learn: default "None").
type mockResponseStep struct {
	status      int
	contentType string
}

func (c *compiler) mockResponse(e *policy.Element) step {
	st := &mockResponseStep{status: c.intAttr(e, "status-code", 200), contentType: strings.TrimSpace(e.AttrValue("content-type", ""))}
	if st.status < 100 || st.status > 999 {
		c.fail(e.Pos, "<mock-response>: status-code %d out of range", st.status)
	}
	return st
}

func (s *mockResponseStep) run(x *exchange) error {
	x.newResponse(s.status)
	x.served = ""
	if s.contentType != "" {
		x.respHeader["Content-Type"] = []string{s.contentType}
	}
	x.respBody = []byte{}
	x.done = true
	return nil
}
