package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/jsontree"
)

func TestNamedValueRefs(t *testing.T) {
	tests := []struct {
		text string
		want []Ref
	}{
		{"", nil},
		{"{{a}}", []Ref{{"a", 0, 5}}},
		{"x {{env-name}} y {{Other_1.v}}", []Ref{{"env-name", 2, 12}, {"Other_1.v", 17, 13}}},
		{"{{}} {{ a }} {a} {{a}", nil},
		{"{{{a}}}", []Ref{{"a", 1, 5}}},
		{"@(1 <= {{Weight}})", []Ref{{"Weight", 7, 10}}},
	}
	for _, tt := range tests {
		got := NamedValueRefs(tt.text)
		if len(got) != len(tt.want) {
			t.Errorf("NamedValueRefs(%q) = %+v, want %+v", tt.text, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("NamedValueRefs(%q)[%d] = %+v, want %+v", tt.text, i, got[i], tt.want[i])
			}
		}
	}
}

func TestDocumentNamedValueRefs(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("corpus not available")
	}
	d, src := mustParseFile(t, filepath.Join(corpusDir, "apiops/SampleArtifacts/policy.xml"))
	refs := d.NamedValueRefs()
	if len(refs) != 3 {
		t.Fatalf("refs = %d, want 3", len(refs))
	}
	for _, r := range refs {
		if r.Name != "environment-name" {
			t.Errorf("name = %q", r.Name)
		}
	}
	line, col := posOf(t, src, "{{environment-name}}")
	if refs[0].Pos.Line != line || refs[0].Pos.Col != col || refs[0].Attr == nil || refs[0].Attr.Name != "value" {
		t.Errorf("first ref at %s (attr %v), want %d:%d", refs[0].Pos, refs[0].Attr, line, col)
	}
	if refs[1].Attr != nil || refs[1].Element.Name != "value" || refs[1].Pos.Line != 8 || refs[1].Pos.Col != 11 {
		t.Errorf("second ref = %+v at %s", refs[1].Ref, refs[1].Pos)
	}
}

func TestSubstitute(t *testing.T) {
	xml := `<policies><inbound>
<set-variable name="a" value="{{plain}}" />
<choose><when condition="{{cond}}"><set-header name="h"><value>Bearer {{secret}} {{missing}}</value></set-header></when></choose>
<set-variable name="b" value="x{{nope}}" />
</inbound></policies>`
	d, err := Parse(&apim.PolicyDoc{XML: xml, Pos: apim.Position{File: "s.xml", Line: 1, Col: 1}})
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{"plain": "v1", "cond": "@(context.Request.Method == \"GET\")", "secret": "s3cr3t-value"}
	err = Substitute(d, func(n string) (string, bool) { v, ok := values[n]; return v, ok })
	if err == nil {
		t.Fatal("want errors for unknown named values")
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error leaks a value: %v", err)
	}
	for _, want := range []string{`"missing"`, `"nope"`, "s.xml:3:", "s.xml:4:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	a := find(t, d, "set-variable", 0).Attr("value")
	if a.Value != "v1" || a.Source != "{{plain}}" {
		t.Errorf("a = %q (source %q)", a.Value, a.Source)
	}
	if find(t, d, "set-variable", 0).Node.SelectAttrValue("value", "") != "v1" {
		t.Errorf("etree node not updated")
	}
	c := find(t, d, "when", 0).Attr("condition")
	if c.Expr == nil || c.Expr.Src != `context.Request.Method == "GET"` || c.Expr.Pos != c.ValuePos {
		t.Errorf("condition expr after substitution = %+v", c.Expr)
	}
	if v := find(t, d, "value", 0).Text; v != "Bearer s3cr3t-value {{missing}}" {
		t.Errorf("text = %q", v)
	}
	// Accessor errors quote the value as written, never the secret.
	d2, _ := Parse(&apim.PolicyDoc{XML: `<policies><inbound><retry count="{{n}}"/></inbound></policies>`})
	_ = Substitute(d2, func(string) (string, bool) { return "s3cr3t", true })
	_, err = find(t, d2, "retry", 0).Attr("count").Int()
	if !errors.Is(err, ErrNotNumber) || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "{{n}}") {
		t.Errorf("Int() err = %v", err)
	}
}

func TestAccessors(t *testing.T) {
	tests := []struct {
		value   string
		kind    ValueKind
		n       int
		intErr  error
		b       bool
		boolErr error
	}{
		{"3", Literal, 3, nil, false, ErrNotBool},
		{" 42 ", Literal, 42, nil, false, ErrNotBool},
		{"True", Literal, 0, ErrNotNumber, true, nil},
		{"false", Literal, 0, ErrNotNumber, false, nil},
		{"{retry_count}", Placeholder, 0, ErrPlaceholder, false, ErrPlaceholder},
		{"{backend-id}", Placeholder, 0, ErrPlaceholder, false, ErrPlaceholder},
		{"{{count}}", NamedValue, 0, ErrNamedValue, false, ErrNamedValue},
		{"@(context.Variables.GetValueOrDefault<int>(\"n\"))", Expression, 0, ErrExpression, false, ErrExpression},
		{"@{ return 1; }", Expression, 0, ErrExpression, false, ErrExpression},
		{"x", Literal, 0, ErrNotNumber, false, ErrNotBool},
	}
	for _, tt := range tests {
		a := &Attr{Name: "count", Value: tt.value, Source: tt.value}
		if k := a.Kind(); k != tt.kind {
			t.Errorf("%q: kind %v, want %v", tt.value, k, tt.kind)
		}
		n, err := a.Int()
		if n != tt.n || !errors.Is(err, tt.intErr) || (err == nil) != (tt.intErr == nil) {
			t.Errorf("%q: Int() = %d, %v; want %d, %v", tt.value, n, err, tt.n, tt.intErr)
		}
		b, err := a.Bool()
		if b != tt.b || !errors.Is(err, tt.boolErr) || (err == nil) != (tt.boolErr == nil) {
			t.Errorf("%q: Bool() = %v, %v; want %v, %v", tt.value, b, err, tt.b, tt.boolErr)
		}
	}
}

func TestCatalogue(t *testing.T) {
	tests := []struct {
		name     string
		kind     Kind
		in       []Section
		notIn    []Section
		topLevel bool
	}{
		{"forward-request", KindPolicy, []Section{Backend}, []Section{Inbound, Outbound, OnError}, true},
		{"set-backend-service", KindPolicy, []Section{Inbound, Backend}, []Section{Outbound}, true},
		{"rate-limit-by-key", KindPolicy, []Section{Inbound}, []Section{Backend}, true},
		{"cache-store", KindPolicy, []Section{Outbound}, []Section{Inbound}, true},
		{"set-method", KindPolicy, []Section{Inbound, OnError}, []Section{Outbound}, true},
		{"retry", KindPolicy, Sections(), nil, true},
		{"llm-token-limit", KindPolicy, []Section{Inbound}, []Section{Outbound}, true},
		{"azure-openai-semantic-cache-store", KindPolicy, []Section{Outbound}, []Section{Inbound}, true},
		{"validate-status-code", KindPolicy, []Section{Outbound, OnError}, []Section{Inbound}, true},
		{"when", KindChild, nil, Sections(), false},
		{"value", KindChild, nil, Sections(), false},
		{"inbound", KindSection, nil, Sections(), false},
		{"fragment", KindRoot, nil, nil, false},
		{"http-data-source", KindResolver, nil, nil, false},
	}
	for _, tt := range tests {
		i, ok := Lookup(tt.name)
		if !ok {
			t.Errorf("%s not in the catalogue", tt.name)
			continue
		}
		if i.Kind != tt.kind || i.TopLevel() != tt.topLevel {
			t.Errorf("%s: kind %v top %v", tt.name, i.Kind, i.TopLevel())
		}
		for _, s := range tt.in {
			if !i.AllowedIn(s) {
				t.Errorf("%s: not allowed in %s", tt.name, s)
			}
		}
		for _, s := range tt.notIn {
			if i.AllowedIn(s) {
				t.Errorf("%s: allowed in %s", tt.name, s)
			}
		}
	}
	all := Known()
	if len(all) < 150 {
		t.Errorf("catalogue has %d names", len(all))
	}
	policies := 0
	for _, i := range all {
		if i.Kind == KindPolicy {
			policies++
			if len(i.Sections) == 0 || i.DocURL() == "" {
				t.Errorf("%s: policy without sections or doc", i.Name)
			}
		}
		for _, p := range i.Parents {
			if _, ok := Lookup(p); !ok {
				t.Errorf("%s: parent %q unknown", i.Name, p)
			}
		}
		if i.Kind == KindChild && len(i.Parents) == 0 {
			t.Errorf("%s: child element without parents", i.Name)
		}
	}
	if policies < 65 {
		t.Errorf("%d policies, want the whole reference (>= 65)", policies)
	}
	// Lookup returns copies.
	i, _ := Lookup("retry")
	i.Sections[0] = "nowhere"
	if j, _ := Lookup("retry"); j.Sections[0] != Inbound {
		t.Errorf("Lookup leaked the catalogue's slice")
	}
}

func TestSuggest(t *testing.T) {
	tests := map[string]string{
		"set-heder":         "set-header",
		"forward-requst":    "forward-request",
		"Set-Header":        "set-header",
		"rate-limit-by-kye": "rate-limit-by-key",
		"validate-jwtt":     "validate-jwt",
		"choos":             "choose",
		"completely-else":   "",
		"":                  "",
		"xyz":               "",
	}
	for in, want := range tests {
		if got := Suggest(in); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecodeFormat(t *testing.T) {
	tests := []struct {
		format, value, want string
		err                 error
	}{
		{"", "<policies/>", "<policies/>", nil},
		{"xml", "<policies/>", "<policies/>", nil},
		{"RawXml", "<policies/>", "<policies/>", nil},
		{"xml-link", "https://example.blob.core.windows.net/p.xml?sig=SECRET", "", ErrLinkedPolicy},
		{"rawxml-link", "https://example.com/p.xml", "", ErrLinkedPolicy},
		{"json", "{}", "", ErrUnknownFormat},
	}
	for _, tt := range tests {
		got, err := DecodeFormat(tt.format, tt.value)
		if got != tt.want || !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("DecodeFormat(%q) = %q, %v", tt.format, got, err)
		}
		if err != nil && strings.Contains(err.Error(), "SECRET") {
			t.Errorf("link error leaks the SAS token: %v", err)
		}
	}
}

// TestParseEmbeddedRawXML reads the policy of the REST example
// ApiManagementCreateApiPolicyNonXmlEncoded (format rawxml) out of its JSON
// and checks that positions map back to the JSON string.
func TestParseEmbeddedRawXML(t *testing.T) {
	path := filepath.Join(corpusDir, "rest-api-specs/stable/2024-05-01/examples/ApiManagementCreateApiPolicyNonXmlEncoded.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skip("corpus not available:", err)
	}
	root, err := jsontree.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	props := root.Lookup("parameters", "parameters", "properties")
	v := props.Get("value")
	xml, err := DecodeFormat(props.Get("format").Str, v.Str)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(&apim.PolicyDoc{Scope: apim.ScopeAPI, Format: "rawxml", XML: xml, Pos: v.PositionWithPath(), Embedded: true})
	if err != nil {
		t.Fatal(err)
	}
	val := find(t, d, "value", 0)
	if len(val.Exprs) != 1 || val.Exprs[0].Src != `context.Request.Headers.FirstOrDefault(h => h.Ke=="Via")` {
		t.Fatalf("exprs = %+v", val.Exprs)
	}
	if val.TextExpr != nil {
		t.Errorf("quoted text %q is not a whole expression", val.Text)
	}
	p := val.Exprs[0].Pos
	if p.File != path || p.Line != v.Position().Line || p.Col != v.Position().Col || !strings.HasSuffix(p.Path, "/policy:5:12") {
		t.Errorf("expr pos = %+v (json string at %s)", p, v.Pos)
	}
}

// TestKindOf checks that KindOf answers as Lookup does.
func TestKindOf(t *testing.T) {
	known := Known()
	if len(known) < 50 {
		t.Fatalf("catalogue has %d entries", len(known))
	}
	for _, i := range append(known, Info{Name: "no-such-policy"}, Info{Name: ""}) {
		want, wantOK := Lookup(i.Name)
		got, ok := KindOf(i.Name)
		if got != want.Kind || ok != wantOK {
			t.Errorf("KindOf(%q) = %v, %v; Lookup says %v, %v", i.Name, got, ok, want.Kind, wantOK)
		}
	}
}
