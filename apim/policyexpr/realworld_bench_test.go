package policyexpr

import (
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// realWorldTop20 are the expression shapes that occur most often in the
// real-world corpus (testdata/realworld/expressions.txt; the count of
// corpus lines containing the shape's key fragment is in the comment), each
// taken verbatim from the corpus. docs/benchmarks.md reports their cost.
var realWorldTop20 = []struct {
	name  string
	src   string
	block bool
}{
	{"cast-variable", `(string)context.Variables["bearerToken"]`, false},                                                         // 97
	{"bearer-concat", `"Bearer " + (string)context.Variables["managed-id-access-token"]`, false},                                 // 8
	{"vars-getvalueordefault", `context.Variables.GetValueOrDefault<string>("backendCookie","")`, false},                         // 80 / 29
	{"vars-containskey", `!context.Variables.ContainsKey("bearerToken")`, false},                                                 // 7
	{"interp-variable", `$"signin-{context.Variables["cacheKey"]}-state"`, false},                                                // 42
	{"header-getvalueordefault", `context.Request.Headers.GetValueOrDefault("Authorization","").Trim().Equals("Bearer")`, false}, // 26
	{"response-status", `context.Response.StatusCode >= 200 && context.Response.StatusCode < 400`, false},                        // 9
	{"response-not-null", `context.Response != null && (context.Response.StatusCode == 429 || context.Response.StatusCode >= 500) `, false},
	{"iresponse-status", `((IResponse)context.Variables["SAPCSRFToken"]).StatusCode == 200`, false},                               // 21
	{"iresponse-jobject", `((IResponse)context.Variables["tokenResponse"]).Body.As<JObject>()["access_token"].ToString()`, false}, // 17
	{"jobject-variable", `((JObject)context.Variables["SAPResponseObject"])["expires_in"].ToString()`, false},                     // 15
	{"body-selecttoken", `context.Response.Body.As<JObject>(true).SelectToken("usage.total_tokens").ToObject<int>()`, false},
	{"isnullorempty", `string.IsNullOrEmpty((string)context.Variables.GetValueOrDefault("codeVerifier", ""))`, false},                                                                                        // 18
	{"query-getvalueordefault", `(string)context.Request.Url.Query.GetValueOrDefault("code", "")`, false},                                                                                                    // 9
	{"matched-parameter", `context.Request.MatchedParameters["deployment-id"] == "gpt-35-turbo-1106"`, false},                                                                                                // 7
	{"sha256-base64url", `Convert.ToBase64String(SHA256.Create().ComputeHash(Encoding.UTF8.GetBytes((string)context.Variables["codeChallenge"]))).Split('=')[0].Replace('+', '-').Replace('/', '_')`, false}, // 19
	{"escape-data-string", `Uri.EscapeDataString((string)context.Variables["stateRaw"])`, false},                                                                                                             // 7
	{"asjwt-subject", `"SAPPrincipal" + context.Request.Headers.GetValueOrDefault("Authorization","").AsJwt()?.Subject`, false},
	{"getvalueordefault-jobject", `context.Variables.GetValueOrDefault<JObject>("Event")["eventType"].ToString() == "Microsoft.EventGrid.SubscriptionValidationEvent"`, false}, // 13
	{"foreach-form-pairs", `
            var body = context.Variables.GetValueOrDefault<string>("tokenRequestBody");
            if (!string.IsNullOrEmpty(body))
            {
                var pairs = body.Split('&');
                foreach (var pair in pairs)
                {
                    var keyValue = pair.Split('=');
                    if (keyValue.Length == 2)
                    {
                        if(keyValue[0] == "code")
                        {
                            return keyValue[1];
                        }
                    }
                }
            }
            return "";`, true}, // 7
}

func benchContext() *Context {
	c := interpContext()
	c.Variables["bearerToken"] = "tok"
	c.Variables["managed-id-access-token"] = "mi"
	c.Variables["backendCookie"] = "c=1"
	c.Variables["cacheKey"] = "k1"
	c.Variables["SAPResponseObject"] = mustJSON(`{"expires_in":3599}`)
	c.Variables["SAPCSRFToken"] = c.Variables["tokenResponse"]
	c.Variables["codeVerifier"] = "v"
	c.Variables["codeChallenge"] = "0123456789abcdef0123456789abcdef"
	c.Variables["stateRaw"] = "a b/c"
	c.Variables["Event"] = mustJSON(`{"eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","data":{}}`)
	c.Request.MatchedParameters["deployment-id"] = "gpt-35-turbo-1106"
	c.Response.Body = func() (string, error) { return `{"usage":{"total_tokens":42}}`, nil }
	c.Variables["tokenRequestBody"] = "grant_type=authorization_code&code=xyz&code_verifier=v"
	c.Request.Url.RawQuery = "code=abc&state=s"
	return c
}

func mustJSON(s string) any {
	v, err := parseJSON(s)
	if err != nil {
		panic(err)
	}
	return v
}

// BenchmarkRealWorldTop20 measures one Run of each of the 20 most common
// real-world expression shapes, compiled once.
func BenchmarkRealWorldTop20(b *testing.B) {
	for _, tt := range realWorldTop20 {
		p, err := Compile(tt.src, tt.block, apim.Position{Line: 1, Col: 1})
		if err != nil {
			b.Fatalf("%s: %v", tt.name, err)
		}
		ctx := benchContext()
		if _, err := p.Run(ctx); err != nil {
			b.Fatalf("%s: %v", tt.name, err)
		}
		engine := "expr"
		if p.Interpreted() {
			engine = "interp"
		}
		b.Run(tt.name+"/"+engine, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Run(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestRealWorldTop20Compile keeps the benchmark set honest: every entry
// compiles, runs without error against the benchmark context, and is taken
// from the corpus.
func TestRealWorldTop20Compile(t *testing.T) {
	data, err := readFileString(realWorldFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range realWorldTop20 {
		p, err := Compile(tt.src, tt.block, apim.Position{Line: 1, Col: 1})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if _, err := p.Run(benchContext()); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if !tt.block && !containsLine(data, tt.src) {
			t.Errorf("%s: %q is not a corpus expression", tt.name, tt.src)
		}
	}
}

func containsLine(data, s string) bool {
	for _, l := range splitLines(data) {
		if l == s {
			return true
		}
	}
	return false
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
