package rules

import (
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/apim/policy"
	"github.com/apimlab/apimlab/lint"
)

func TestLooksSecret(t *testing.T) {
	tests := []struct {
		name string
		word string
		ok   bool
	}{
		{"orders-api-key", "key", true},
		{"OrdersApiKey", "key", true},
		{"APIKey", "key", true},
		{"subscriptionkey", "subscriptionkey", true},
		{"db_password", "password", true},
		{"smtpPwd", "pwd", true},
		{"crm.client.secret", "secret", true},
		{"crmClientSecret2", "secret", true},
		{"openai-key-1", "key", true},
		{"sas token", "token", true},
		{"storage-connection-string", "connection string", true},
		{"StorageConnectionString", "connection string", true},
		{"token-endpoint", "", false},
		{"key-vault-uri", "", false},
		{"secret-name", "", false},
		{"api-key-header-name", "", false},
		{"environment", "", false},
		{"backend-url", "", false},
		{"", "", false},
		{"123", "", false},
	}
	for _, tt := range tests {
		word, ok := looksSecret(tt.name)
		if word != tt.word || ok != tt.ok {
			t.Errorf("looksSecret(%q) = %q, %v; want %q, %v", tt.name, word, ok, tt.word, tt.ok)
		}
	}
}

func TestNormalURL(t *testing.T) {
	tests := []struct{ a, b string }{
		{"https://Orders.Contoso.com/api/", "https://orders.contoso.com/api"},
		{"https://orders.contoso.com:443", "https://orders.contoso.com/"},
		{"http://orders.contoso.com:80/x", "http://orders.contoso.com/x"},
		// As the gateway matches (gateway/urlmatch.go): query and fragment ignored.
		{"https://orders.contoso.com/api?x=1", "https://orders.contoso.com/api/"},
		{"https://orders.contoso.com/api#frag", "https://orders.contoso.com/api"},
	}
	for _, tt := range tests {
		if x, y := normalURL(tt.a), normalURL(tt.b); x != y {
			t.Errorf("normalURL(%q) = %q, normalURL(%q) = %q; want equal", tt.a, x, tt.b, y)
		}
	}
	if normalURL("https://orders.contoso.com:8443") == normalURL("https://orders.contoso.com") {
		t.Error("a non-default port must not compare equal")
	}
}

func TestInlineSecret(t *testing.T) {
	lit := func(v string) apim.Field[string] {
		return apim.Field[string]{Value: v, Set: true, Literal: true}
	}
	secure := lit("s3cr3t")
	secure.Secure = true
	param := lit("s3cr3t")
	param.Literal = false
	unknown := lit("")
	unknown.SetUnknown("parameter without value")
	tests := []struct {
		name string
		f    apim.Field[string]
		want bool
	}{
		{"literal", lit("s3cr3t"), true},
		{"named value", lit("{{orders-key}}"), false},
		{"named value with prefix", lit("Basic {{creds}}"), false},
		{"expression", lit("@(context.Variables[\"k\"])"), false},
		{"placeholder", lit("{api_key}"), false},
		{"empty", lit("  "), false},
		{"secure parameter", secure, false},
		{"from parameter", param, false},
		{"unresolved", unknown, false},
		{"unset", apim.Field[string]{}, false},
	}
	for _, tt := range tests {
		if got := inlineSecret(tt.f); got != tt.want {
			t.Errorf("%s: inlineSecret = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func parsePolicy(t *testing.T, scope apim.Scope, xml string) *policy.Document {
	t.Helper()
	d, err := policy.Parse(&apim.PolicyDoc{Scope: scope, Owner: "t", Format: "rawxml", XML: xml,
		Pos: apim.Position{File: "t.xml", Line: 1, Col: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestMisplacement(t *testing.T) {
	tests := []struct {
		xml  string
		elem string
		want string // substring of the message; "" for well placed
	}{
		{`<policies><inbound><forward-request/></inbound></policies>`, "forward-request", "not allowed in <inbound>; allowed in <backend>"},
		{`<policies><backend><forward-request/></backend></policies>`, "forward-request", ""},
		{`<policies><backend><retry count="1" interval="1"><forward-request/></retry></backend></policies>`, "forward-request", ""},
		{`<policies><outbound><choose><when condition="@(true)"><rewrite-uri template="/x"/></when></choose></outbound></policies>`, "rewrite-uri", "not allowed in <outbound>; allowed in <inbound>"},
		{`<policies><inbound><when condition="@(true)"/></inbound></policies>`, "when", "belongs inside <choose>"},
		{`<policies><inbound><value>x</value></inbound></policies>`, "value", "belongs inside"},
		{`<policies><set-header name="a"/></policies>`, "set-header", "must be inside a section"},
		{`<policies><inbound><inbound/></inbound></policies>`, "inbound", "must be a direct child of <policies>"},
		{`<policies><inbound><send-request mode="new"><set-header name="a"/></send-request></inbound></policies>`, "set-header", ""},
		{`<policies><inbound><send-request mode="new"><rewrite-uri template="/"/></send-request></inbound></policies>`, "rewrite-uri", "not allowed inside <send-request>"},
		{`<policies><inbound><wait><send-request mode="new"/></wait></inbound></policies>`, "send-request", ""},
		{`<policies><inbound><wait><set-variable name="a" value="b"/></wait></inbound></policies>`, "set-variable", "not allowed inside <wait>"},
		{`<policies><inbound><bogus><set-header name="a"/></bogus></inbound></policies>`, "set-header", ""},
		{`<fragment><forward-request/></fragment>`, "forward-request", ""},
	}
	for _, tt := range tests {
		d := parsePolicy(t, apim.ScopeAPI, tt.xml)
		var el *policy.Element
		d.Walk(func(e *policy.Element) bool {
			if e.Name == tt.elem && e.Parent != nil {
				el = e // the last one: the innermost when nested
			}
			return true
		})
		if el == nil {
			t.Fatalf("%s: no <%s>", tt.xml, tt.elem)
		}
		info, _ := policy.Lookup(el.Name)
		got := misplacement(el, info)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: misplacement(<%s>) = %q, want %q", tt.xml, tt.elem, got, tt.want)
		}
	}
}

func TestServicePoliciesParsedOncePerRun(t *testing.T) {
	doc := &apim.PolicyDoc{Scope: apim.ScopeAPI, Owner: "a", XML: "<policies><inbound><base/></inbound></policies>",
		Pos: apim.Position{File: "a.xml", Line: 1, Col: 1}}
	bad := &apim.PolicyDoc{Scope: apim.ScopeAPI, Owner: "b", XML: "<policies><inbound>", Pos: apim.Position{File: "b.xml", Line: 1, Col: 1}}
	link := &apim.PolicyDoc{Scope: apim.ScopeAPI, Owner: "c", Format: "rawxml-link", XML: "https://x/policy.xml"}
	svc := &apim.Service{Standalone: []*apim.PolicyDoc{doc, bad, link}}
	var (
		mu   sync.Mutex
		sets []*policySet
	)
	probe := &lint.Rule{ID: "APIM999", Name: "probe", Check: func(p *lint.Pass) {
		s := servicePolicies(p)
		mu.Lock()
		sets = append(sets, s)
		mu.Unlock()
	}}
	// Two rules in one run share the parse through the run's memo.
	lint.Run(svc, []*lint.Rule{probe, {ID: "APIM998", Name: "probe2", Check: probe.Check}}, nil, lint.RunOptions{})
	if len(sets) != 2 || sets[0] != sets[1] {
		t.Fatalf("rules of one run got %d sets, shared = %v", len(sets), len(sets) == 2 && sets[0] == sets[1])
	}
	s1 := sets[0]
	if len(s1.All) != 3 || s1.Parsed(doc) == nil || s1.Parsed(bad) != nil || s1.All[1].Err == nil || s1.Parsed(link) != nil {
		t.Fatalf("unexpected parse: %+v", s1.All)
	}
	// A new run parses afresh: an edited document is seen.
	doc.XML = "<policies><outbound><base/></outbound></policies>"
	lint.Run(svc, []*lint.Rule{probe}, nil, lint.RunOptions{})
	if s3 := sets[2]; s3 == s1 || s3.Parsed(doc).Section(policy.Outbound) == nil {
		t.Error("a new run reused the previous run's parse")
	}
}

func TestScopeChains(t *testing.T) {
	doc := func(s apim.Scope, o string) *apim.PolicyDoc { return &apim.PolicyDoc{Scope: s, Owner: o} }
	global := doc(apim.ScopeGlobal, "global")
	svc := &apim.Service{
		Policy:   global,
		Products: []*apim.Product{{Name: "gold", Policy: doc(apim.ScopeProduct, "gold")}, {Name: "free"}},
		APIs: []*apim.API{
			{Name: "orders", Products: []string{"gold", "free"}, Policy: doc(apim.ScopeAPI, "orders"),
				Operations: []*apim.Operation{{Name: "get", Policy: doc(apim.ScopeOperation, "orders/get")}, {Name: "put"}}},
			{Name: "bare"},
		},
		Standalone: []*apim.PolicyDoc{doc(apim.ScopeAPI, "loose")},
	}
	var got []string
	for _, c := range scopeChains(svc) {
		got = append(got, c.Label+"="+strconv.Itoa(len(c.Layers)))
	}
	want := []string{
		"api orders, operation get=3", "api orders, operation put=3",
		"product gold, api orders, operation get=4", "product gold, api orders, operation put=4",
		"api bare=2", "loose=2",
	}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("scopeChains:\n got %q\nwant %q", got, want)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://svc:hunter2@orders.contoso.com/api", "https://svc:xxxxx@orders.contoso.com/api"},
		{"https://orders.contoso.com/api", "https://orders.contoso.com/api"},
		{"https://svc@orders.contoso.com", "https://svc@orders.contoso.com"},
		{"::not a url", "::not a url"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAPIVersionLess(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"2022-08-01", "2023-03-01-preview", true},
		{"2023-03-01-preview", "2023-03-01", true},
		{"2023-03-01", "2023-03-01-preview", false},
		{"2024-05-01", "2024-05-01", false},
		{"2025-09-01-preview", "2024-05-01", false},
	} {
		if got := apiVersionLess(tt.a, tt.b); got != tt.want {
			t.Errorf("apiVersionLess(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
