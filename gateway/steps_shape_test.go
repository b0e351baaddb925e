package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// jsonBackend answers body with Content-Type application/json.
func jsonBackend(t *testing.T, body string) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

// TestFindAndReplaceAndJSONToXML follows Learn, "Find and replace string
// in body" (every occurrence) and "Convert JSON to XML" (apply="always").
func TestFindAndReplaceAndJSONToXML(t *testing.T) {
	be := jsonBackend(t, `{"name":"old","tags":["a","b"],"n":2}`)
	tests := []struct{ name, outbound, want, ctype string }{
		{"find-and-replace", `<find-and-replace from="old" to="new" />`, `{"name":"new","tags":["a","b"],"n":2}`, "application/json"},
		{"json-to-xml", `<json-to-xml apply="always" consider-accept-header="false" />`, `<Document><n>2</n><name>old</name><tags>a</tags><tags>b</tags></Document>`, "application/xml"},
		{"json-to-xml content-type-json", `<json-to-xml apply="content-type-json" consider-accept-header="false" />`, `<Document><n>2</n><name>old</name><tags>a</tags><tags>b</tags></Document>`, "application/xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := apiWith("/a", be.URL, "")
			a.Policy = doc(apim.ScopeAPI, policies("", "<forward-request />", tt.outbound, ""))
			_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
			status, h, body := get(t, front.URL+"/a/x", nil)
			if status != 200 || body != tt.want || h.Get("Content-Type") != tt.ctype {
				t.Errorf("%d %q %q, want %q %q", status, body, h.Get("Content-Type"), tt.want, tt.ctype)
			}
		})
	}
}

// TestCORS follows Learn, "CORS": a preflight from an allowed origin for
// an allowed method is answered by the gateway with the
// Access-Control-Allow-* headers (preflight-result-max-age as
// Access-Control-Max-Age), even when the API has no OPTIONS operation; an
// actual request gets Access-Control-Allow-Origin and the exposed headers;
// an unmatched preflight ends with an empty 200 (terminate-unmatched-request
// defaults to true).
func TestCORS(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	a := apiWith("/a", be.URL, `<cors allow-credentials="true"><allowed-origins><origin>https://contoso.com</origin></allowed-origins><allowed-methods preflight-result-max-age="300"><method>GET</method><method>PUT</method></allowed-methods><allowed-headers><header>x-custom</header></allowed-headers><expose-headers><header>x-served-by</header></expose-headers></cors>`)
	a.Operations = []*apim.Operation{op("get", "GET", "/x")}
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
	do := func(method string, h map[string]string) *http.Response {
		req, _ := http.NewRequest(method, front.URL+"/a/x", nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := testClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	pre := do("OPTIONS", map[string]string{"Origin": "https://contoso.com", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "x-custom"})
	for k, v := range map[string]string{"Access-Control-Allow-Origin": "https://contoso.com", "Access-Control-Allow-Methods": "GET,PUT",
		"Access-Control-Allow-Headers": "x-custom", "Access-Control-Max-Age": "300", "Access-Control-Allow-Credentials": "true"} {
		if got := pre.Header.Get(k); got != v {
			t.Errorf("preflight %s = %q, want %q", k, got, v)
		}
	}
	if pre.StatusCode != 200 || be.hits.Load() != 0 {
		t.Errorf("preflight: %d, backend hits %d", pre.StatusCode, be.hits.Load())
	}
	bad := do("OPTIONS", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"})
	if bad.StatusCode != 200 || bad.Header.Get("Access-Control-Allow-Origin") != "" || be.hits.Load() != 0 {
		t.Errorf("unmatched preflight: %d %q", bad.StatusCode, bad.Header.Get("Access-Control-Allow-Origin"))
	}
	act := do("GET", map[string]string{"Origin": "https://contoso.com"})
	if act.StatusCode != 200 || act.Header.Get("Access-Control-Allow-Origin") != "https://contoso.com" || act.Header.Get("Access-Control-Expose-Headers") != "x-served-by" || be.hits.Load() != 1 {
		t.Errorf("actual request: %d %v", act.StatusCode, act.Header)
	}
}

// TestTokenLimit follows Learn, "Limit large language model API token
// usage" (llm-token-limit; azure-openai-token-limit is the same policy for
// Azure OpenAI): tokens counted from the response's usage, per
// counter-key, per minute; over the limit 429 with Retry-After. The emit
// token metric policies record prompt, completion and total tokens.
func TestTokenLimit(t *testing.T) {
	be := jsonBackend(t, `{"choices":[],"usage":{"prompt_tokens":30,"completion_tokens":40,"total_tokens":70}}`)
	for _, name := range []string{"llm", "azure-openai"} {
		t.Run(name, func(t *testing.T) {
			clk := newFakeClock()
			a := apiWith("/a", be.URL, `<`+name+`-token-limit counter-key="k" tokens-per-minute="100" tokens-consumed-header-name="x-used" remaining-tokens-header-name="x-left" /><`+name+`-emit-token-metric namespace="ai"><dimension name="API ID" /></`+name+`-emit-token-metric>`)
			g, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{Clock: clk})
			runLimitCalls(t, clk, front.URL+"/a/chat", []limitCall{
				{0, nil, 200, map[string]string{"x-used": "70", "x-left": "30"}, ""},
				{10 * time.Second, nil, 200, map[string]string{"x-used": "70", "x-left": "0"}, ""}, // 70 < 100 before the call: admitted
				{10 * time.Second, nil, 429, map[string]string{"Retry-After": "40"}, "Token limit is exceeded"},
				{40 * time.Second, nil, 200, nil, ""}, // the first 70 left the window at t=60
			})
			recs := g.Records()
			if len(recs) != 9 || recs[0].Name != "ai/Prompt Tokens" || recs[0].Value != 30 || recs[2].Name != "ai/Total Tokens" || recs[2].Value != 70 || recs[0].Dimensions["API ID"] != "api-a" {
				t.Errorf("records %+v", recs)
			}
			if !strings.HasPrefix(recs[1].Policy, name) {
				t.Errorf("policy %q", recs[1].Policy)
			}
		})
	}
}

// TestJSONPAndRedirectContentURLs follows Learn, "JSONP" (?cb=XXX wraps
// the body as XXX(body)) and "Mask URLs in content" (backend links in the
// response body point to the gateway).
func TestJSONPAndRedirectContentURLs(t *testing.T) {
	var self string
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"next":"`+self+`/items?page=2"}`)
	}))
	t.Cleanup(be.Close)
	self = be.URL
	a := apiWith("/a", be.URL, "")
	a.Policy = doc(apim.ScopeAPI, policies("", "<forward-request />", `<redirect-content-urls /><jsonp callback-parameter-name="cb" />`, ""))
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
	host := strings.TrimPrefix(front.URL, "http://")
	if _, _, body := get(t, front.URL+"/a/x", nil); body != `{"next":"http://`+host+`/a/items?page=2"}` {
		t.Errorf("masked body %q", body)
	}
	if _, _, body := get(t, front.URL+"/a/x?cb=fn", nil); body != `fn({"next":"http://`+host+`/a/items?page=2"})` {
		t.Errorf("jsonp body %q", body)
	}
}

// TestXMLToJSON follows Learn, "Convert XML to JSON" with Newtonsoft's
// SerializeXmlNode conventions (the root kept, "@" attributes, "#text",
// repeated elements as arrays).
func TestXMLToJSON(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		_, _ = io.WriteString(w, `<?xml version="1.0"?><order id="7"><item>a</item><item>b</item><note lang="en">hi</note><empty/></order>`)
	}))
	t.Cleanup(be.Close)
	a := apiWith("/a", be.URL, "")
	a.Policy = doc(apim.ScopeAPI, policies("", "<forward-request />", `<xml-to-json kind="direct" apply="content-type-xml" consider-accept-header="false" />`, ""))
	_, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
	status, h, body := get(t, front.URL+"/a/x", nil)
	want := `{"order":{"@id":"7","item":["a","b"],"note":{"@lang":"en","#text":"hi"},"empty":null}}`
	if status != 200 || body != want || h.Get("Content-Type") != "application/json" {
		t.Errorf("%d %q %q, want %q", status, body, h.Get("Content-Type"), want)
	}
}

// TestMessagePolicies: publish-to-dapr, invoke-dapr-binding and
// send-service-bus-message write their message to the record sink.
func TestMessagePolicies(t *testing.T) {
	be := newFakeBackend(t, "be", 200)
	a := apiWith("/a", be.URL, `<publish-to-dapr pubsub-name="orders" topic="new">@("order " + context.Request.Url.Path)</publish-to-dapr>
<invoke-dapr-binding name="store" operation="create"><data>payload</data></invoke-dapr-binding>
<send-service-bus-message queue-name="q1" namespace="ns.servicebus.windows.net"><payload>@(context.Request.Method)</payload></send-service-bus-message>`)
	g, front := startGateway(t, &apim.Service{APIs: []*apim.API{a}}, Options{})
	if status, _, _ := get(t, front.URL+"/a/p", nil); status != 200 {
		t.Fatalf("status %d", status)
	}
	want := []Record{{Policy: "publish-to-dapr", Name: "orders/new", Message: "order /p"}, {Policy: "invoke-dapr-binding", Name: "store", Message: "payload"},
		{Policy: "send-service-bus-message", Name: "ns.servicebus.windows.net/q1", Message: "GET"}}
	recs := g.Records()
	if len(recs) != len(want) {
		t.Fatalf("records %+v", recs)
	}
	for i, w := range want {
		if r := recs[i]; r.Policy != w.Policy || r.Name != w.Name || r.Message != w.Message {
			t.Errorf("record %d = %+v, want %+v", i, r, w)
		}
	}
}
