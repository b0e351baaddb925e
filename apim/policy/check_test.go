package policy

import (
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

func TestCheck(t *testing.T) {
	global := &apim.PolicyDoc{Scope: apim.ScopeGlobal, XML: "<policies><inbound><base /></inbound></policies>",
		Pos: apim.Position{File: "global.xml", Line: 1, Col: 1}}
	tests := []struct {
		name     string
		doc      *apim.PolicyDoc
		wantFile string // "" = no error
		wantLine int
		wantMsg  string
	}{
		{"unclosed element",
			&apim.PolicyDoc{Scope: apim.ScopeAPI, XML: "<policies>\n  <inbound>\n    <set-header name=\"x\">\n  </inbound>\n</policies>",
				Pos: apim.Position{File: "bad.xml", Line: 1, Col: 1}},
			"bad.xml", 4, "set-header"},
		{"linked JSON value without text is skipped",
			&apim.PolicyDoc{Scope: apim.ScopeAPI, Format: "xml-link", XML: "", Embedded: true,
				Pos: apim.Position{File: "linked.json", Line: 3, Col: 5}},
			"", 0, ""},
		{"empty policy file",
			&apim.PolicyDoc{Scope: apim.ScopeAPI, Format: "rawxml", XML: "", Pos: apim.Position{File: "policy.xml", Line: 1, Col: 1}},
			"policy.xml", 1, "empty policy document"},
		{"byte order mark before the declaration",
			&apim.PolicyDoc{Scope: apim.ScopeAPI, XML: "\ufeff<?xml version=\"1.0\"?>\r\n<policies><inbound><base /></inbound></policies>",
				Pos: apim.Position{File: "bom.xml", Line: 1, Col: 1}},
			"", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := Check(&apim.Service{Policy: global, Standalone: []*apim.PolicyDoc{tt.doc}})
			if tt.wantFile == "" {
				if len(errs) != 0 {
					t.Fatalf("Check = %v, want no error", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("Check = %v, want one error", errs)
			}
			if got := errs[0].Pos; got.File != tt.wantFile || got.Line != tt.wantLine {
				t.Errorf("error at %s, want %s line %d", got, tt.wantFile, tt.wantLine)
			}
			if errs[0].Code != CodeMalformed || !strings.Contains(errs[0].Msg, tt.wantMsg) {
				t.Errorf("error = %s %q, want %q in it", errs[0].Code, errs[0].Msg, tt.wantMsg)
			}
		})
	}
}

func TestHasDeployToken(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"https://#{host}#/api", true},
		{"$(ordersUrl)", true},
		{"https://${ORDERS_HOST}/api", true},
		{"https://__ORDERS_HOST__/api", true},
		{"{backend_id}", true},
		{"https://orders.contoso.com/api", false},
		{"orders-pool", false},
		{"https://orders.contoso.com/__init__", true}, // looks like a token: stays quiet rather than guess
		{"https://a.b/x?y=$", false},
	} {
		if got := HasDeployToken(tt.s); got != tt.want {
			t.Errorf("HasDeployToken(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
