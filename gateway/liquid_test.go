package gateway

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// newBodyEcho is a loopback backend that answers with the request's body
// and Content-Type, so the test reads what an inbound set-body sent.
func newBodyEcho(t *testing.T, respType, respBody string) string {
	t.Helper()
	srv := httptestServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if respType != "" {
			w.Header().Set("Content-Type", respType)
			_, _ = io.WriteString(w, respBody)
			return
		}
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func send(t *testing.T, method, url, ctype, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestLiquidSetBody runs Learn's Liquid examples of the set-body page
// ("Convert JSON to SOAP using a Liquid template", "Transform JSON using a
// Liquid template", the Date filter in "C# mode", parse-date) and the
// context object it lists through a gateway and a loopback backend. The
// expected bodies are written by hand from the templates.
func TestLiquidSetBody(t *testing.T) {
	tests := []struct {
		name      string
		inbound   string
		outbound  string
		respType  string // backend response Content-Type ("" echoes the request)
		respBody  string
		ctype     string
		body      string
		path      string
		hdr       map[string]string
		wantCode  int
		want      string
		namedVals map[string]string
	}{
		{
			name: "Learn: Transform JSON using a Liquid template",
			inbound: `<set-body template="liquid">
{
"order": {
    "id": "{{body.customer.purchase.identifier}}",
    "summary": "{{body.customer.purchase.orderShortDesc}}"
    }
}
</set-body>`,
			ctype: "application/json",
			body:  `{"customer":{"purchase":{"identifier":"ORD-17","orderShortDesc":"Two books"}}}`,
			want: `{
"order": {
    "id": "ORD-17",
    "summary": "Two books"
    }
}`,
		},
		{
			name: "Learn: Convert JSON to SOAP using a Liquid template",
			inbound: `<set-body template="liquid">
    <soap:Envelope xmlns="http://tempuri.org/" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
        <soap:Body>
            <GetOpenOrders>
                <cust>{{body.getOpenOrders.cust}}</cust>
            </GetOpenOrders>
        </soap:Body>
    </soap:Envelope>
</set-body>`,
			ctype: "application/json",
			body:  `{"getOpenOrders":{"cust":"C-42"}}`,
			want: `<soap:Envelope xmlns="http://tempuri.org/" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
        <soap:Body>
            <GetOpenOrders>
                <cust>C-42</cust>
            </GetOpenOrders>
        </soap:Body>
    </soap:Envelope>`,
		},
		{
			name:    "Learn: Date filter with Pascal casing and a C# date format",
			inbound: `<set-body template="liquid">{{body.foo.startDateTime| Date:"yyyyMMddTHH:mm:ssZ"}}</set-body>`,
			ctype:   "application/json",
			body:    `{"foo":{"startDateTime":"2012-03-21T05:40:12Z"}}`,
			want:    "20120321T05:40:12Z",
		},
		{
			name:    "parse-date default: ISO and /Date()/ strings become System.DateTime",
			inbound: `<set-body template="liquid">{{body.a}}|{{body.b}}|{{body.c}}</set-body>`,
			ctype:   "application/json",
			body:    `{"a":"2012-03-21T05:40Z","b":"/Date(1198908717056)/","c":"not a date"}`,
			want:    "03/21/2012 05:40:00|12/29/2007 06:11:57|not a date",
		},
		{
			name:    "parse-date false copies date strings",
			inbound: `<set-body template="liquid" parse-date="false">{{body.a}}|{{body.b}}</set-body>`,
			ctype:   "application/json",
			body:    `{"a":"2012-03-21T05:40Z","b":"/Date(1198908717056)/"}`,
			want:    "2012-03-21T05:40Z|/Date(1198908717056)/",
		},
		{
			name: "context Request, Headers and Variables",
			inbound: `<set-variable name="who" value="ops" />
<set-body template="liquid">{{context.Request.Method}} {{context.Request.OriginalUrl.Path}} {{context.Request.OriginalUrl.QueryString}} {{context.Request.Headers["X-Id"]}} {{context.Request.Headers["x-id"] | Upcase}} {{context.Request.MatchedParameters["id"]}} {{context.Variables["who"]}} {{context.Variables.who}}</set-body>`,
			ctype: "application/json",
			body:  `{}`,
			path:  "/e/orders/9?x=1",
			hdr:   map[string]string{"X-Id": "abc"},
			want:  "POST /e/orders/9 ?x=1 abc ABC 9 ops ops",
		},
		{
			name:    "tags and filters over a JSON array",
			inbound: `<set-body template="liquid">{% for i in body.items %}{{i.name | Upcase}}={{i.qty | Times: 2}};{% endfor %}{{body.items | Map: "name" | Join: ","}} {{body.items | Size}}</set-body>`,
			ctype:   "application/json",
			body:    `{"items":[{"name":"a","qty":1},{"name":"b","qty":2.5}]}`,
			want:    "A=2;B=5;a,b 2",
		},
		{
			name:     "outbound: the response body, by the response Content-Type",
			outbound: `<set-body template="liquid">{"status": {{context.Response.StatusCode}}, "name": "{{body.name}}"}</set-body>`,
			respType: "application/problem+json",
			respBody: `{"name":"widget"}`,
			ctype:    "text/plain",
			body:     "ignored",
			want:     `{"status": 200, "name": "widget"}`,
		},
		{
			name:    "XML body (text/xml)",
			inbound: `<set-body template="liquid">{{body.order.id}}/{{body.order.line[1].sku}}/{{body.order["@ref"]}}</set-body>`,
			ctype:   "text/xml",
			body:    `<order ref="r1"><id>7</id><line><sku>A</sku></line><line><sku>B</sku></line></order>`,
			want:    "7/B/r1",
		},
		{
			name:    "xsi-nil blank (default) and null",
			inbound: `<set-body template="liquid" xsi-nil="null">[{{body.r.a | Default: "none"}}]</set-body>`,
			ctype:   "application/xml",
			body:    `<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><a xsi:nil="true"/></r>`,
			want:    "[none]",
		},
		{
			name:    "a body that is neither JSON nor XML is not bound",
			inbound: `<set-body template="liquid">[{{body.a}}]</set-body>`,
			ctype:   "text/plain",
			body:    `{"a":"x"}`,
			want:    "[]",
		},
		{
			name:    "inside return-response the input body is empty (Learn)",
			inbound: `<return-response><set-status code="200" /><set-body template="liquid">[{{body.a}}]</set-body></return-response>`,
			ctype:   "application/json",
			body:    `{"a":"x"}`,
			want:    "[]",
		},
		{
			name:    "a JSON Content-Type with a body that is not JSON is a 500",
			inbound: `<set-body template="liquid">{{body.a}}</set-body>`,
			ctype:   "application/json",
			body:    `{"a":`,
			// wantCode 500: on-error has <base/>; the gateway answers its error
			wantCode: 500,
		},
		{
			name:      "a {{name}} of a named value is substituted, other {{x}} are Liquid's",
			inbound:   `<set-body template="liquid">{{tenant}}:{{body.a}}</set-body>`,
			ctype:     "application/json",
			body:      `{"a":"x"}`,
			namedVals: map[string]string{"tenant": "contoso"},
			want:      "contoso:x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newBodyEcho(t, tt.respType, tt.respBody)
			api := &apim.API{Name: "e", Path: known("e"), ServiceURL: known(be),
				Operations: []*apim.Operation{{Name: "get-order", Method: known("POST"), URLTemplate: known("/orders/{id}")},
					{Name: "post", Method: known("POST"), URLTemplate: known("/*")}},
				Policy: doc(apim.ScopeAPI, policyDoc(tt.inbound, `<base />`, tt.outbound))}
			svc := &apim.Service{APIs: []*apim.API{api}}
			for k, v := range tt.namedVals {
				svc.NamedValues = append(svc.NamedValues, &apim.NamedValue{Name: k, Value: known(v)})
			}
			_, front := startGateway(t, svc, Options{})
			path := tt.path
			if path == "" {
				path = "/e/x"
			}
			code, body := send(t, http.MethodPost, front.URL+path, tt.ctype, tt.body, tt.hdr)
			want := tt.wantCode
			if want == 0 {
				want = 200
			}
			if code != want {
				t.Fatalf("status %d, want %d; body %q", code, want, body)
			}
			if want == 200 && body != tt.want {
				t.Errorf("body:\n%s\nwant:\n%s", body, tt.want)
			}
		})
	}
}

// TestLiquidLoadErrors checks that what the gateway cannot run as APIM
// does is refused at load, positioned at the policy.
func TestLiquidLoadErrors(t *testing.T) {
	tests := []struct {
		name, inbound, want string
	}{
		{"snake_case filter", `<set-body template="liquid">{{ body.a | upcase }}</set-body>`, `filter "upcase": APIM requires Pascal casing for Liquid filter names, use "Upcase"`},
		{"Shopify at_least", "<set-body template=\"liquid\">\n\n{{ body.a | at_least: 5 }}</set-body>", `api.xml:3:1: <set-body template="liquid">: filter "at_least"`},
		{"filter APIM does not list", `<set-body template="liquid">{{ body.a | Reverse }}</set-body>`, `filter "Reverse" is not one of the Liquid filters APIM supports`},
		{"unclosed block", "<set-body template=\"liquid\">\n{\n{% if body.a %}x\n}</set-body>", `api.xml:3:1: <set-body template="liquid">: unterminated "if" block`},
		{"unknown tag", `<set-body template="liquid">{% frobnicate %}</set-body>`, `undefined tag "frobnicate"`},
		{"other template", `<set-body template="mustache">x</set-body>`, `the only template Learn documents is "liquid"`},
		{"bad xsi-nil", `<set-body template="liquid" xsi-nil="empty">x</set-body>`, `xsi-nil "empty" (want blank or null)`},
		{"send-request body template", `<send-request mode="new" response-variable-name="r"><set-url>http://127.0.0.1:1/</set-url><set-body template="liquid">{{body.a}}</set-body></send-request>`, `<set-body template="liquid"> is not emulated in send-request`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := echoService("http://127.0.0.1:1", policyDoc(tt.inbound, `<forward-request />`, ""))
			_, err := New(svc, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "api.xml:") {
				t.Fatalf("New: %v, want a positioned error mentioning %q", err, tt.want)
			}
		})
	}
}

// TestLiquidFilters runs every filter of Learn's "Supported Liquid
// filters" list, under APIM's Pascal-case name, on the example of the
// Liquid documentation Learn points to (shopify.github.io/liquid), and
// the filters osteele/liquid lacks or APIM changes (AtLeast, AtMost,
// Currency, H, Date with .NET formats, NewlineToBr keeping the newline).
func TestLiquidFilters(t *testing.T) {
	clk := newFakeClock()
	eng := newLiquidEngine(clk.Now)
	bind := map[string]any{
		"beatles": []any{"John", "Paul", "George", "Ringo"},
		"site":    []any{"a", nil, "b"},
		"pages":   []any{map[string]any{"category": "business"}, map[string]any{"category": "celebrities"}},
		"nums":    []any{int64(3), int64(1), int64(2), int64(1)},
		"when":    dotnetTime{testStart.UTC()},
		"lines":   "a\nb",
	}
	tests := []struct{ src, want string }{
		{`{{ -17 | Abs }}`, "17"},
		{`{{ "/my/fancy/url" | Append: ".html" }}`, "/my/fancy/url.html"},
		{`{{ 4 | AtLeast: 5 }} {{ 4 | AtLeast: 3 }}`, "5 4"},
		{`{{ 4 | AtMost: 5 }} {{ 4 | AtMost: 3 }}`, "4 3"},
		{`{{ "title" | Capitalize }}`, "Title"},
		{`{{ site | Compact | Join: "," }}`, "a,b"},
		{`{{ 1234.5 | Currency }} {{ -1 | Currency }} {{ "x" | Currency }}`, "$1,234.50 -$1.00 x"},
		{`{{ "2012-03-21T05:40Z" | Date: "yyyy-MM-dd HH:mm" }} {{ "2012-03-21T05:40Z" | Date: "dddd d MMM yy, h:mm tt" }}`, "2012-03-21 05:40 Wednesday 21 Mar 12, 5:40 AM"},
		{`{{ "2012-03-21T05:40:07.25Z" | Date: "s" }} {{ "2012-03-21T05:40Z" | Date: "'at' HH\h" }}`, "2012-03-21T05:40:07 at 05h"},
		{`{{ "now" | Date: "yyyy-MM-dd" }}`, testStart.UTC().Format("2006-01-02")},
		{`{{ when | Date: "MM/dd/yyyy" }} {{ "not a date" | Date: "yyyy" }}`, testStart.UTC().Format("01/02/2006") + " not a date"},
		{`{{ product_price | Default: 2.99 }}`, "2.99"},
		{`{{ 16 | DividedBy: 4 }} {{ 20 | DividedBy: 7 }} {{ 20 | DividedBy: 7.0 }}`, "4 2 2.857142857142857"},
		{`{{ "Parker Moore" | Downcase }}`, "parker moore"},
		{`{{ "Have you read 'James & the Giant Peach'?" | Escape }}`, "Have you read &#39;James &amp; the Giant Peach&#39;?"},
		{`{{ "<p>x</p>" | H }}`, "&lt;p&gt;x&lt;/p&gt;"},
		{`{{ "Ground control to Major Tom." | Split: " " | First }}`, "Ground"},
		{`{{ beatles | Join: " and " }}`, "John and Paul and George and Ringo"},
		{`{{ "Ground control to Major Tom." | Split: " " | Last }}`, "Tom."},
		{`{{ "          So much room for activities          " | Lstrip }}!`, "So much room for activities          !"},
		{`{{ pages | Map: "category" | Join: "," }}`, "business,celebrities"},
		{`{{ 4 | Minus: 2 }} {{ 183.357 | Minus: 12 }}`, "2 171.357"},
		{`{{ 3 | Modulo: 2 }} {{ 24 | Modulo: 7 }}`, "1 3"},
		{`{{ lines | NewlineToBr }}`, "a<br />\nb"},
		{`{{ 4 | Plus: 2 }} {{ 183.357 | Plus: 12 }}`, "6 195.357"},
		{`{{ "apples, oranges, and bananas" | Prepend: "Some fruit: " }}`, "Some fruit: apples, oranges, and bananas"},
		{`{{ "I strained to see the train through the rain" | Remove: "rain" }}`, "I sted to see the t through the "},
		{`{{ "I strained to see the train through the rain" | RemoveFirst: "rain" }}`, "I sted to see the train through the rain"},
		{`{{ "Take my protein pills and put my helmet on" | Replace: "my", "your" }}`, "Take your protein pills and put your helmet on"},
		{`{{ "Take my protein pills and put my helmet on" | ReplaceFirst: "my", "your" }}`, "Take your protein pills and put my helmet on"},
		{`{{ 1.2 | Round }} {{ 2.7 | Round }} {{ 183.357 | Round: 2 }}`, "1 3 183.36"},
		{`!{{ "   So much room   " | Rstrip }}!`, "!   So much room!"},
		{`{{ "Ground control to Major Tom." | Size }} {{ beatles | Size }}`, "28 4"},
		{`{{ "Liquid" | Slice: 0 }} {{ "Liquid" | Slice: 2, 5 }} {{ "Liquid" | Slice: -3, 2 }}`, "L quid ui"},
		{`{{ nums | Sort | Join: "," }}`, "1,1,2,3"},
		{`{{ "a,b" | Split: "," | Join: "-" }}`, "a-b"},
		{`!{{ "   So much room   " | Strip }}!`, "!So much room!"},
		{`{{ "Have <em>you</em> read <strong>Ulysses</strong>?" | StripHtml }}`, "Have you read Ulysses?"},
		{`{{ lines | StripNewlines }}`, "ab"},
		{`{{ 3 | Times: 2 }} {{ 183.357 | Times: 12 }}`, "6 2200.284"},
		{`{{ "Ground control to Major Tom." | Truncate: 20 }} {{ "Ground control to Major Tom." | Truncate: 25, ", and so on" }}`, "Ground control to... Ground control, and so on"},
		{`{{ "Ground control to Major Tom." | TruncateWords: 3 }}`, "Ground control to..."},
		{`{{ nums | Uniq | Join: "," }}`, "3,1,2"},
		{`{{ "Parker Moore" | Upcase }}`, "PARKER MOORE"},
		{`{{ "%27Stop%21%27+said+Fred" | UrlDecode }}`, "'Stop!' said Fred"},
		{`{{ "john@liquid.com" | UrlEncode }} {{ "Tetsuro Takara" | UrlEncode }}`, "john%40liquid.com Tetsuro+Takara"},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			if bad := liquidUnknownFilters(tt.src); len(bad) > 0 {
				t.Fatalf("unknown filter %q", bad[0].name)
			}
			out, err := eng.ParseAndRenderString(tt.src, bind)
			if err != nil {
				t.Fatal(err)
			}
			if out != tt.want {
				t.Errorf("got %q, want %q", out, tt.want)
			}
		})
		for _, n := range filterNames(tt.src) {
			covered[n] = true
		}
	}
	for _, n := range liquidFilterNames() {
		if !covered[n] {
			t.Errorf("filter %s has no case", n)
		}
	}
}
