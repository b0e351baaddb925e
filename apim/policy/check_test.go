package policy

import (
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

func TestCheck(t *testing.T) {
	svc := &apim.Service{
		Policy: &apim.PolicyDoc{Scope: apim.ScopeGlobal, XML: "<policies><inbound><base /></inbound></policies>",
			Pos: apim.Position{File: "global.xml", Line: 1, Col: 1}},
		Standalone: []*apim.PolicyDoc{
			{Scope: apim.ScopeAPI, XML: "<policies>\n  <inbound>\n    <set-header name=\"x\">\n  </inbound>\n</policies>",
				Pos: apim.Position{File: "bad.xml", Line: 1, Col: 1}},
			{Scope: apim.ScopeAPI, XML: "", Pos: apim.Position{File: "linked.json", Line: 3, Col: 5}},
		},
	}
	errs := Check(svc)
	if len(errs) != 1 {
		t.Fatalf("Check = %v, want one error", errs)
	}
	if got := errs[0].Pos; got.File != "bad.xml" || got.Line != 4 {
		t.Errorf("error at %s, want bad.xml line 4", got)
	}
	if errs[0].Code != CodeMalformed || !strings.Contains(errs[0].Msg, "set-header") {
		t.Errorf("error = %s %q", errs[0].Code, errs[0].Msg)
	}
}
