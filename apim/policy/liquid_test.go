package policy

import (
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestSubstituteInLiquidTemplate checks that inside <set-body
// template="liquid"> (text or element content, as in Learn's "Convert
// JSON to SOAP using a Liquid template") a {{name}} naming a named value
// is substituted and the other {{x}} are left to Liquid, without error.
func TestSubstituteInLiquidTemplate(t *testing.T) {
	xml := `<policies><inbound>
<set-body template="liquid">{{tenant}}:{{body.a}}</set-body>
<set-body template="liquid"><r><cust>{{body.getOpenOrders.cust}}</cust></r></set-body>
</inbound></policies>`
	d, err := Parse(&apim.PolicyDoc{XML: xml, Pos: apim.Position{File: "s.xml", Line: 1, Col: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Substitute(d, func(n string) (string, bool) { return "contoso", n == "tenant" }); err != nil {
		t.Fatalf("Substitute: %v", err)
	}
	tests := []struct {
		e    *Element
		want string
		in   bool
	}{
		{find(t, d, "set-body", 0), "contoso:{{body.a}}", true},
		{find(t, d, "cust", 0), "{{body.getOpenOrders.cust}}", true},
		{find(t, d, "inbound", 0), "", false},
	}
	for _, tt := range tests {
		if tt.e.Text != tt.want || InLiquidTemplate(tt.e) != tt.in {
			t.Errorf("<%s>: text %q, in template %v; want %q, %v", tt.e.Name, tt.e.Text, InLiquidTemplate(tt.e), tt.want, tt.in)
		}
	}
}
