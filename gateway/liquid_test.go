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
			ctype: "application/json; charset=utf-8",
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
			name:    "context Url and OriginalUrl members, HasBody",
			inbound: `<set-body template="liquid">{{context.Request.OriginalUrl.Scheme}}|{{context.Request.OriginalUrl.Host}}|{{context.Request.OriginalUrl.Path}}|{{context.Request.OriginalUrl.Query["x"]}}|{{context.Request.OriginalUrl.ToString}}|{{context.Request.Url.Path}}|{{context.Request.HasBody}}|{{context.Request.OriginalMethod}}</set-body>`,
			ctype:   "application/json",
			body:    `{}`,
			path:    "/e/x?x=1&x=2",
			want:    "http|127.0.0.1|/e/x|1,2|{front}/e/x?x=1&x=2|/x|true|POST",
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
			outbound: `<set-body template="liquid">{"status": {{context.Response.StatusCode}}, "name": "{{body.name}}", "type": "{{context.Response.Headers["content-type"]}}"}</set-body>`,
			respType: "application/problem+json",
			respBody: `{"name":"widget"}`,
			ctype:    "text/plain",
			body:     "ignored",
			want:     `{"status": 200, "name": "widget", "type": "application/problem+json"}`,
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
			if w := strings.ReplaceAll(tt.want, "{front}", front.URL); want == 200 && body != w {
				t.Errorf("body:\n%s\nwant:\n%s", body, w)
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
