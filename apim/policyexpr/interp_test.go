package policyexpr

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

// jwtIO is the example token of https://jwt.io (RFC 7519 style HS256):
// {"sub":"1234567890","name":"John Doe","iat":1516239022}.
const jwtIO = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

// interpContext extends testContext with the values the interpreter's
// constructs read: a send-request response, a JWT, a form body.
func interpContext() *Context {
	c := testContext()
	c.Variables["tokenResponse"] = Response{StatusCode: 200, Headers: http.Header{"Set-Cookie": {"a=1; sap-XSRF_X=tok,xyz"}},
		Body: func() (string, error) { return `{"access_token":"at-1","expires_in":3599,"scope":null}`, nil }}
	c.Variables["missingResponse"] = nil
	c.Variables["json"] = `{"name":"a","items":[{"id":1,"w":0.5},{"id":2,"w":1.5}],"ok":true}`
	c.Request.Headers.Set("Authorization", "Bearer "+jwtIO)
	c.Request.Headers.Set("X-Basic", "Basic dXNlcjpwYXNz") // user:pass
	c.Request.Body = func() (string, error) {
		return `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"usage":{"total_tokens":42}}`, nil
	}
	return c
}

type interpCase struct {
	name  string
	src   string
	block bool
	want  any
	ctx   func() *Context
	err   error // a runtime failure wrapping this sentinel
}

func runInterpCases(t *testing.T, cases []interpCase) {
	t.Helper()
	for _, tt := range cases {
		name := tt.name
		if name == "" {
			name = tt.src
		}
		t.Run(name, func(t *testing.T) {
			p, err := Compile(tt.src, tt.block, apim.Position{File: "p.xml", Line: 1, Col: 1})
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			ctx := interpContext()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			got, err := p.Run(ctx)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !errors.Is(err, ErrRuntime) {
					t.Fatalf("Run = %v, %v; want a runtime error wrapping %v", got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v (%T), want %#v (%T)", got, got, tt.want, tt.want)
			}
		})
	}
}

// TestInterpNewtonsoft covers Newtonsoft.Json.Linq as real policies use it.
// Expected strings follow Newtonsoft's documented behaviour: JToken.ToString()
// is indented with two spaces (https://www.newtonsoft.com/json/help/html/M_Newtonsoft_Json_Linq_JToken_ToString.htm),
// Formatting.None is compact, a JValue's ToString() is its value, an
// explicit (string) conversion of a JSON null is null, and an explicit
// conversion of an object to string throws ArgumentException
// ("Can not convert Object to String.").
func TestInterpNewtonsoft(t *testing.T) {
	runInterpCases(t, []interpCase{
		{src: `(string)context.Request.Body.As<JObject>(preserveContent: true)["model"]`, want: "gpt-4o"},
		{src: `context.Request.Body.As<JObject>()["usage"]["total_tokens"].Value<int>()`, want: 42},
		{src: `context.Request.Body.As<JObject>(true).SelectToken("usage.total_tokens").ToObject<int>()`, want: 42},
		{src: `(string)((IResponse)context.Variables["tokenResponse"]).Body.As<JObject>()["access_token"]`, want: "at-1"},
		{src: `((IResponse)context.Variables["tokenResponse"]).Body.As<JObject>()["expires_in"].ToString()`, want: "3599"},
		{src: `(int)((IResponse)context.Variables["tokenResponse"]).Body.As<JObject>()["expires_in"]`, want: 3599},
		{name: "JSON null casts to a null string", src: `(string)((IResponse)context.Variables["tokenResponse"]).Body.As<JObject>()["scope"] == null`, want: true},
		{name: "JSON null is not a C# null", src: `((IResponse)context.Variables["tokenResponse"]).Body.As<JObject>()["scope"] == null`, want: false},
		{name: "missing property is a C# null", src: `((IResponse)context.Variables["tokenResponse"]).Body.As<JObject>()["nope"] == null`, want: true},
		{src: `JObject.Parse((string)context.Variables["json"])["items"][1]["id"].Value<int>()`, want: 2},
		{src: `JObject.Parse((string)context.Variables["json"]).SelectToken("items[0].w").Value<double>()`, want: 0.5},
		{src: `((JArray)JObject.Parse((string)context.Variables["json"])["items"]).Count`, want: 2},
		{src: `JObject.Parse((string)context.Variables["json"]).ToString(Newtonsoft.Json.Formatting.None)`,
			want: `{"name":"a","items":[{"id":1,"w":0.5},{"id":2,"w":1.5}],"ok":true}`},
		{src: `JObject.Parse("{\"a\":1,\"b\":[true,null],\"c\":{}}").ToString()`,
			want: "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null\n  ],\n  \"c\": {}\n}"},
		{src: `new JObject(new JProperty("a", 1), new JProperty("b", "x")).ToString(Formatting.None)`, want: `{"a":1,"b":"x"}`},
		{src: `new JObject { ["error"] = "server_error", ["n"] = 2.0 }.ToString(Formatting.None)`, want: `{"error":"server_error","n":2.0}`},
		{name: "collection initializer", src: `new JObject() { { "name", "b1" }, { "weight", 3 }, { "on", false } }.ToString(Formatting.None)`,
			want: `{"name":"b1","weight":3,"on":false}`},
		{name: "indexer assignment and Remove", block: true,
			src:  "var o = JObject.Parse(\"{\\\"a\\\":1,\\\"b\\\":2}\");\no[\"c\"] = \"x\";\no.Remove(\"a\");\no[\"b\"] = 5;\nreturn o.ToString(Formatting.None);",
			want: `{"b":5,"c":"x"}`},
		{name: "JArray of objects", block: true,
			src:  "var arr = new JArray();\narr.Add(new JObject(new JProperty(\"i\", 1)));\narr.Add(\"s\");\nreturn arr.ToString(Formatting.None);",
			want: `[{"i":1},"s"]`},
		{name: "Property(...).Remove()", block: true,
			src:  "var r = JObject.Parse(\"{\\\"minutely\\\":1,\\\"keep\\\":2}\");\nforeach (var key in new [] {\"minutely\"}) { r.Property(key).Remove(); }\nreturn r.ToString(Formatting.None);",
			want: `{"keep":2}`},
		{name: "Property of a missing name is null", src: `JObject.Parse("{}").Property("x") == null`, want: true},
		{src: `JsonConvert.SerializeObject(new { typ = "JWT", alg = "HS256" })`, want: `{"typ":"JWT","alg":"HS256"}`},
		{src: `context.Variables.GetValueOrDefault<JObject>("nothing") == null`, want: true},
		{src: `JToken.Parse("[1,2,3]").Type.ToString()`, want: "Array"},
		{src: `(bool)JObject.Parse((string)context.Variables["json"])["ok"]`, want: true},
		{src: `JObject.Parse((string)context.Variables["json"])["items"].Select(i => (int)i["id"]).Sum()`, want: 3},
		{name: "(string) of an object throws", src: `(string)JObject.Parse((string)context.Variables["json"])["items"]`, err: errArgument},
		{name: "malformed JSON throws JsonReaderException", src: `JObject.Parse("{\"a\":")`, err: errJSONReader},
		// Newtonsoft's JsonTextReader accepts single quotes, unquoted names
		// and comments (https://www.newtonsoft.com/json/help/html/ReadingWritingJSON.htm).
		{src: `JObject.Parse("{'groupIds': ['g1'], n: 2 /* c */}")["groupIds"][0].ToString()`, want: "g1"},
		{src: `JObject.Parse("{\"s\":\"\\u00e9\\ud83d\\ude00\\n\"}")["s"].ToString()`, want: "é😀\n"},
		{src: `JToken.Parse("-1.5e3").Value<double>()`, want: -1500.0},
		{src: `JObject.Parse("{} x")`, err: errJSONReader},
		{src: `JObject.Parse("{\"a\" 1}")`, err: errJSONReader},
		{name: "JObject.Parse of an array throws", src: `JObject.Parse("[1]")`, err: errJSONReader},
	})
}

// TestInterpContext covers IResponse casts, null comparisons on nullable
// context members and the APIM extension methods (Learn, "Context
// variable": AsJwt, AsBasic, AsFormUrlEncodedContent).
func TestInterpContext(t *testing.T) {
	empty := func() *Context { return &Context{} }
	form := func() *Context {
		c := interpContext()
		c.Request.Body = func() (string, error) { return "code=abc&state=x%20y&scope=a&scope=b", nil }
		return c
	}
	runInterpCases(t, []interpCase{
		{src: `((IResponse)context.Variables["tokenResponse"]).StatusCode == 200`, want: true},
		{src: `((IResponse)context.Variables["tokenResponse"]).Headers.GetValueOrDefault("Set-Cookie", "")`, want: "a=1; sap-XSRF_X=tok,xyz"},
		{src: `context.Response != null && context.Response.StatusCode >= 500`, want: true},
		{src: `context.Response == null`, ctx: empty, want: true},
		{src: `context.Product == null ? "none" : context.Product.Name`, ctx: empty, want: "none"},
		{src: `context.Product == null ? "none" : context.Product.Name`, want: "Starter"},
		{src: `context.User?.Email ?? "anonymous"`, ctx: empty, want: "anonymous"},
		{src: `context.Subscription?.Id ?? "none"`, ctx: empty, want: "none"},
		{src: `context.Request.Body != null ? context.Request.Body.As<string>(preserveContent: true).Length : -1`, want: 90},
		{src: `context.Response?.Headers.GetValueOrDefault("Retry-After", "0")`, want: "10"},
		{src: `context.Request.Headers.GetValueOrDefault("Authorization","").AsJwt()?.Subject`, want: "1234567890"},
		{src: `context.Request.Headers.GetValueOrDefault("Authorization","").AsJwt().Claims.GetValueOrDefault("name", "")`, want: "John Doe"},
		{src: `context.Request.Headers.GetValueOrDefault("Authorization","").AsJwt().Claims["iat"][0]`, want: "1516239022"},
		{src: `"not a token".AsJwt() == null`, want: true},
		{src: `context.Request.Headers.GetValueOrDefault("Nope","").AsJwt()?.Subject`, want: nil},
		{name: "TryParseJwt", block: true,
			src:  "Jwt jwt;\nif (context.Request.Headers.GetValueOrDefault(\"Authorization\",\"\").TryParseJwt(out jwt)) { return jwt.Claims.GetValueOrDefault(\"sub\", \"\"); }\nreturn \"invalid\";",
			want: "1234567890"},
		{src: `context.Request.Headers.GetValueOrDefault("X-Basic").AsBasic().UserId + ":" + context.Request.Headers.GetValueOrDefault("X-Basic").AsBasic().Password`, want: "user:pass"},
		{src: `context.Request.Body.AsFormUrlEncodedContent(preserveContent: true)["code"].Single()`, ctx: form, want: "abc"},
		{src: `context.Request.Body.AsFormUrlEncodedContent()["state"][0]`, ctx: form, want: "x y"},
		{src: `string.Join(",", context.Request.Body.AsFormUrlEncodedContent()["scope"])`, ctx: form, want: "a,b"},
		{name: "GetValueOrDefault<IResponse> of a missing variable", block: true,
			src:  "IResponse r = context.Variables.GetValueOrDefault<IResponse>(\"none\");\nreturn r == null;",
			want: true},
		{name: "headers TryGetValue (Learn's example)", block: true,
			src:  "string[] value;\nif (context.Request.Headers.TryGetValue(\"X-Basic\", out value)) { return value[0]; }\nreturn null;",
			want: "Basic dXNlcjpwYXNz"},
		{src: `context.Request.Headers.Where(h => h.Key.StartsWith("Content")).Count()`, want: 2},
		{src: `context.Request.MatchedParameters["id"]`, want: "42"},
		{name: "string[] stored by the typed engine", src: `context.Variables.GetValueOrDefault<string[]>("arr").Select(s => s.ToUpper()).Last()`, want: "Q",
			ctx: func() *Context {
				c := interpContext()
				c.Variables["arr"] = []string{"p", "q"}
				return c
			}},
		{src: `context.Api.ServiceUrl.Host + ":" + context.Api.ServiceUrl.Port`, want: "backend.contoso.com:8080",
			ctx: func() *Context {
				c := interpContext()
				c.Api.ServiceUrl = Url{Scheme: "https", Host: "backend.contoso.com", Port: 8080, Path: "/"}
				return c
			}},
	})
}

// TestInterpDotnetTypes covers the allowed .NET types with values .NET
// documents: Uri.EscapeDataString escapes everything but RFC 3986
// unreserved characters (https://learn.microsoft.com/dotnet/api/system.uri.escapedatastring);
// WebUtility.UrlEncode turns spaces into '+' (https://learn.microsoft.com/dotnet/api/system.net.webutility.urlencode);
// Guid.ToByteArray reverses the first three groups
// (https://learn.microsoft.com/dotnet/api/system.guid.tobytearray);
// BitConverter.ToString joins upper-case hex pairs with '-'
// (https://learn.microsoft.com/dotnet/api/system.bitconverter.tostring).
func TestInterpDotnetTypes(t *testing.T) {
	runInterpCases(t, []interpCase{
		{src: `Uri.EscapeDataString("a b&c/d?é~")`, want: "a%20b%26c%2Fd%3F%C3%A9~"},
		{src: `Uri.UnescapeDataString("a%20b%2Fc+d")`, want: "a b/c+d"},
		{src: `System.Net.WebUtility.UrlEncode("a b&c=d")`, want: "a+b%26c%3Dd"},
		{src: `System.Net.WebUtility.UrlDecode("a+b%26c")`, want: "a b&c"},
		{src: `WebUtility.HtmlEncode("<a href='x'>&</a>")`, want: "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"},
		{src: `new Uri("https://contoso.com:8443/a/b?x=1").AbsolutePath`, want: "/a/b"},
		{src: `new Uri("https://contoso.com:8443/a/b?x=1").Port`, want: 8443},
		{src: `new Uri("https://contoso.com/a").Host`, want: "contoso.com"},
		{src: `new Uri("/oauth/cb").Host`, err: errFormat},
		{src: `BitConverter.ToString(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff").ToByteArray())`,
			want: "33-22-11-00-55-44-77-66-88-99-AA-BB-CC-DD-EE-FF"},
		{src: `Guid.Parse("{00112233-4455-6677-8899-AABBCCDDEEFF}").ToString("N")`, want: "00112233445566778899aabbccddeeff"},
		{src: `Convert.ToBase64String(Encoding.UTF8.GetBytes("Hello"))`, want: "SGVsbG8="},
		{src: `Encoding.UTF8.GetString(Convert.FromBase64String("SGVsbG8="))`, want: "Hello"},
		{src: `Convert.FromBase64String("not base64!")`, err: errFormat},
		{src: `Encoding.UTF8.GetBytes("é").Length`, want: 2},
		{src: `DateTimeOffset.FromUnixTimeSeconds(1516239022).ToString("yyyy-MM-ddTHH:mm:ssZ")`, want: "2018-01-18T01:30:22Z"},
		{src: `DateTimeOffset.FromUnixTimeMilliseconds(1516239022000).ToUnixTimeSeconds()`, want: int64(1516239022)},
		{src: `new DateTimeOffset(new DateTime(1970, 1, 2)).ToUnixTimeSeconds()`, want: int64(86400)},
		{src: `DateTimeOffset.UtcNow.AddSeconds(60).ToUnixTimeSeconds() - DateTimeOffset.UtcNow.ToUnixTimeSeconds()`, want: int64(60)},
		{src: `(int)(new DateTime(2024, 3, 5, 14, 7, 9) - new DateTime(1970, 1, 1)).TotalSeconds`, want: 1709647629},
		{src: `new DateTime(2023, 2, 29)`, err: errArgRange},
		{src: `TimeSpan.FromMinutes(90).TotalHours`, want: 1.5},
		{src: `Regex.Match("public, max-age=300", @"max-age=(?<maxAge>\d+)").Groups["maxAge"]?.Value`, want: "300"},
		{src: `Regex.IsMatch("%2F", @"%[0-9A-Fa-f]{2}")`, want: true},
		{src: `Regex.Replace("2024-03-05", @"(\d+)-(\d+)-(\d+)", "$3/$2/$1")`, want: "05/03/2024"},
		{src: `new Random().Next(5, 6)`, want: 5},
		{src: `Math.Round(2.5)`, want: 2.0},
		{src: `Math.Round(2.5, MidpointRounding.AwayFromZero)`, want: 3.0},
		{src: `Convert.ToInt32(2.5)`, want: 2},
		{src: `Convert.ToInt32(3.5)`, want: 4},
		{src: `long.Parse("3000000000") * 2`, want: int64(6000000000)},
		{src: `$"{context.Response.StatusCode:D5}|{1.5:F2}|{"x",3}|{"y",-3}|"`, want: "00503|1.50|  x|y  |"},
		{src: `$"{new DateTime(2024, 3, 5, 14, 7, 9):yyyy-MM-ddTHH:mm:ss}"`, want: "2024-03-05T14:07:09"},
		// .NET's composite formatting rejects an alignment of 1,000,000 or more
		// (dotnet/runtime StringBuilder.AppendFormat, WidthLimit).
		{src: `$"{1,999999}".Length`, want: 999999},
		{src: `$"{1,1000000}"`, err: errFormat},
		{src: `$"{1,-1000000}"`, err: errFormat},
	})
}

// TestInterpCrypto checks hashes and AES against published test vectors:
// SHA-256("abc") from FIPS 180-2 appendix B.1, HMAC-SHA256 of the
// Wikipedia "HMAC" example ("key", "The quick brown fox jumps over the lazy
// dog"), and AES-128-CBC from NIST SP 800-38A F.2.1 (APIM's Encrypt uses
// CBC with PKCS7 padding, .NET's SymmetricAlgorithm defaults).
func TestInterpCrypto(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(mustHex("2b7e151628aed2a6abf7158809cf4f3c"))
	iv := base64.StdEncoding.EncodeToString(mustHex("000102030405060708090a0b0c0d0e0f"))
	block := base64.StdEncoding.EncodeToString(mustHex("6bc1bee22e409f96e93d7e117393172a"))
	ctx := func() *Context {
		c := interpContext()
		c.Variables["key"], c.Variables["iv"], c.Variables["block"] = key, iv, block
		return c
	}
	runInterpCases(t, []interpCase{
		{src: `BitConverter.ToString(SHA256.Create().ComputeHash(Encoding.UTF8.GetBytes("abc"))).Replace("-", "").ToLower()`,
			want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{src: `BitConverter.ToString(new HMACSHA256(Encoding.UTF8.GetBytes("key")).ComputeHash(Encoding.UTF8.GetBytes("The quick brown fox jumps over the lazy dog"))).Replace("-", "").ToLower()`,
			want: "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
		{name: "using block", block: true,
			src:  "using (var sha = System.Security.Cryptography.SHA256.Create()) { return Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(\"abc\"))); }",
			want: base64.StdEncoding.EncodeToString(mustHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))},
		{name: "AES-128-CBC, NIST SP 800-38A F.2.1", ctx: ctx,
			src:  `BitConverter.ToString(Convert.FromBase64String((string)context.Variables["block"]).Encrypt("Aes", Convert.FromBase64String((string)context.Variables["key"]), Convert.FromBase64String((string)context.Variables["iv"]))).Substring(0, 47)`,
			want: "76-49-AB-AC-81-19-B2-46-CE-E9-8E-9B-12-E9-19-7D"},
		{name: "AES round trip", ctx: ctx, block: true,
			src:  "var k = Convert.FromBase64String((string)context.Variables[\"key\"]);\nvar v = Convert.FromBase64String((string)context.Variables[\"iv\"]);\nvar c = Encoding.UTF8.GetBytes(\"secret\").Encrypt(\"Aes\", k, v);\nreturn Encoding.UTF8.GetString(c.Decrypt(\"Aes\", k, v));",
			want: "secret"},
		{name: "AES with a bad key size", ctx: ctx, src: `Encoding.UTF8.GetBytes("x").Encrypt("Aes", new byte[] { 1, 2, 3 }, new byte[16])`, err: errCrypto},
	})
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestInterpXML covers the LINQ to XML basics (XDocument.Parse, Root,
// Descendants, Elements, Element, Attribute, Name.LocalName, Value);
// XElement.Value concatenates the text of all descendants
// (https://learn.microsoft.com/dotnet/api/system.xml.linq.xelement.value).
func TestInterpXML(t *testing.T) {
	xmlBody := func() *Context {
		c := interpContext()
		c.Variables["doc"] = `<m:message1 xmlns:m="urn:m"><m:conditionValue>true</m:conditionValue><value1 id="7">A<b>B</b></value1></m:message1>`
		c.Response.Body = func() (string, error) { return `<r><item>1</item><item>2</item></r>`, nil }
		return c
	}
	runInterpCases(t, []interpCase{
		{src: `XDocument.Parse((string)context.Variables["doc"]).Descendants().Where(r => r.Name.LocalName == "conditionValue").First().Value`, ctx: xmlBody, want: "true"},
		{src: `XDocument.Parse((string)context.Variables["doc"]).Root.Element("value1").Value`, ctx: xmlBody, want: "AB"},
		{src: `XDocument.Parse((string)context.Variables["doc"]).Root.Element("value1").Attribute("id").Value`, ctx: xmlBody, want: "7"},
		{src: `XDocument.Parse((string)context.Variables["doc"]).Root.Name.NamespaceName`, ctx: xmlBody, want: "urn:m"},
		{src: `context.Response.Body.As<XDocument>().Root.Elements("item").Count()`, ctx: xmlBody, want: 2},
		{src: `XElement.Parse("<a><b>x</b><c /></a>").ToString()`, want: "<a>\n  <b>x</b>\n  <c />\n</a>"},
		{src: `XDocument.Parse("<a>").Root`, err: errXML},
	})
}

// TestInterpLinq covers System.Linq with lambdas over arrays, JArrays and
// header dictionaries. First() on an empty sequence throws
// InvalidOperationException (https://learn.microsoft.com/dotnet/api/system.linq.enumerable.first).
func TestInterpLinq(t *testing.T) {
	runInterpCases(t, []interpCase{
		{src: `"a,b,c".Split(',').Select(x => x.ToUpper()).ToArray()`, want: []string{"A", "B", "C"}},
		{src: `"a,bb,ccc".Split(',').Where(x => x.Length > 1).Count()`, want: 2},
		{src: `"a,bb,ccc".Split(',').Any(x => x == "bb")`, want: true},
		{src: `"a,bb,ccc".Split(',').All(x => x.Length < 3)`, want: false},
		{src: `"a=1; sap-XSRF=2".Split(';').FirstOrDefault(s => s.Contains("sap-XSRF"))`, want: " sap-XSRF=2"},
		{src: `"a=1".Split(';').FirstOrDefault(s => s.Contains("zzz")) == null`, want: true},
		{src: `"x=1;oidc-s=cookie".Split(';').Select(c => c.Trim().Split('=')).Single(c => c[0] == "oidc-s")[1]`, want: "cookie"},
		{src: `new[] { 3, 1, 2 }.OrderBy(n => n).First()`, want: 1},
		{src: `new[] { 3, 1, 2 }.Sum()`, want: 6},
		{src: `new[] { 3, 1, 2 }.Max()`, want: 3},
		{src: `new int[0].First()`, err: errInvalidOp},
		{src: `Array.Exists(new[] { "sendEmail", "x" }, e => e == "sendEmail")`, want: true},
		{src: `new[] { "gpt-4o", "gpt-4" }.Contains("gpt-4")`, want: true},
		{src: `string.Join("|", new List<string> { "a", "b" }.Select((s, i) => s + i))`, want: "a0|b1"},
		{src: `Enumerable.Range(1, 4).Where(i => i % 2 == 0).Sum()`, want: 6},
	})
}

// TestInterpStatements covers statement blocks: loops, try/catch/finally,
// using, local functions, anonymous types, collections and C#'s Int32
// wrap-around (unchecked by default: int.MaxValue + 1 == int.MinValue,
// https://learn.microsoft.com/dotnet/csharp/language-reference/statements/checked-and-unchecked).
func TestInterpStatements(t *testing.T) {
	saved := maxLoopSteps
	maxLoopSteps = 10_000 // the budget test need not spin a million times
	t.Cleanup(func() { maxLoopSteps = saved })
	runInterpCases(t, []interpCase{
		{name: "foreach with early return", block: true,
			src:  "var body = \"a=1&code=xyz&b=2\";\nforeach (var pair in body.Split('&')) { var kv = pair.Split('='); if (kv.Length == 2 && kv[0] == \"code\") { return kv[1]; } }\nreturn \"\";",
			want: "xyz"},
		{name: "for loop with compound assignment", block: true,
			src:  "int result = 0;\nstring a = \"abc\", b = \"abd\";\nfor (int i = 0; i < a.Length; i++) { result |= a[i] ^ b[i]; }\nreturn result;",
			want: 7},
		{name: "while, break and continue", block: true,
			src:  "int i = 0, s = 0;\nwhile (true) { i++; if (i > 10) break; if (i % 2 == 0) continue; s += i; }\nreturn s;",
			want: 25},
		{name: "do-while", block: true, src: "int i = 0;\ndo { i += 3; } while (i < 10);\nreturn i;", want: 12},
		{name: "try/catch of a FormatException", block: true,
			src:  "try { return int.Parse(\"x\"); } catch (FormatException) { return -1; }",
			want: -1},
		{name: "catch (Exception e) reads Message", block: true,
			src:  "try { var o = JObject.Parse(\"{\"); return \"ok\"; } catch (Exception e) { return e.Message.Contains(\"JsonReaderException\") ? \"json\" : e.Message; }",
			want: "json"},
		{name: "catch of another type does not catch", block: true,
			src: "try { return int.Parse(\"x\"); } catch (KeyNotFoundException) { return 0; }", err: errFormat},
		{name: "finally runs", block: true,
			src:  "var log = new List<string>();\ntry { log.Add(\"t\"); throw new Exception(\"boom\"); } catch { log.Add(\"c\"); } finally { log.Add(\"f\"); }\nreturn string.Join(\",\", log);",
			want: "t,c,f"},
		{name: "throw surfaces as a runtime error", block: true, src: "throw new InvalidOperationException(\"no\");", err: errInvalidOp},
		{name: "local functions", block: true,
			src:  "short Swap(short h) { return (short)((((int)h & 0xFF) << 8) | (int)((h >> 8) & 0xFF)); }\nint Twice(int n) => n * 2;\nreturn Twice((int)Swap((short)0x0102));",
			want: 0x0201 * 2},
		{name: "anonymous type members", block: true,
			src: "var exp = 5L;\nvar user = \"u\";\nvar p = new { exp, user, n = 1 };\nreturn p.user + p.exp + p.n;", want: "u51"},
		{name: "List and Dictionary initializers", block: true,
			src:  "var l = new List<int>() { 1, 2 };\nl.Add(3);\nvar d = new Dictionary<string, int> { { \"a\", 1 }, [\"b\"] = 2 };\nreturn l.Count + d[\"b\"] + (d.ContainsKey(\"z\") ? 100 : 0);",
			want: 5},
		{name: "int wraps around", block: true, src: "int x = int.MaxValue;\nx++;\nreturn x;", want: math.MinInt32},
		{name: "long does not wrap at 2^31", block: true, src: "long x = int.MaxValue;\nx++;\nreturn x;", want: int64(math.MaxInt32) + 1},
		{name: "integer division truncates toward zero", block: true, src: "var a = -7;\nreturn a / 2 * 10 + a % 3;", want: -31},
		{name: "char arithmetic is int", block: true, src: "char c = 'a';\nreturn c + 1;", want: 98},
		{name: "is pattern", block: true, src: "object o = JObject.Parse(\"{}\");\nif (o is JObject j) { return j.Count; }\nreturn -1;", want: 0},
		{name: "as operator", block: true, src: "object o = \"s\";\nvar j = o as JObject;\nreturn j == null;", want: true},
		{name: "null-conditional index", block: true,
			src: "string[] parts = null;\nreturn parts?[1] ?? \"none\";", want: "none"},
		{name: "out var", block: true, src: "return int.TryParse(\"12\", out var n) ? n * 2 : -1;", want: 24},
		{name: "StringBuilder", block: true, src: "var sb = new StringBuilder();\nsb.Append(\"a\").Append(1);\nreturn sb.ToString();", want: "a1"},
		{name: "fall-through ifs run without duplication", block: true,
			src: strings.Repeat("if (context.Response.StatusCode > 1) { context.Variables.ContainsKey(\"x\"); }\n", 3) + "return 1;", want: 1},
		{name: "switch with shared labels and default", block: true,
			src:  "var r = \"\";\nforeach (var m in new[] { \"GET\", \"HEAD\", \"POST\", \"PUT\" }) {\n  switch (m) {\n    case \"GET\":\n    case \"HEAD\": r += \"r\"; break;\n    case \"POST\": r += \"w\"; continue;\n    default: r += \"?\"; break;\n  }\n  r += \".\";\n}\nreturn r;",
			want: "r.r.w?."},
		{name: "switch returning from every section", block: true,
			src: "switch (context.Response.StatusCode) { case 503: return \"busy\"; default: return \"other\"; }", want: "busy"},
		{name: "loop budget", block: true, src: "var i = 0;\nwhile (true) { i++; }", err: errLoopBudget},
		{name: "string size limit", block: true, src: "var s = \"ab\";\ntry { while (true) { s += s; } } catch { return 0; }", err: errTooLarge},
		{src: `"x".PadLeft(5, '-')`, want: "----x"},
	})
}

// TestInterpCompileTimeChecks checks what the interpreter rejects at load.
func TestInterpCompileTimeChecks(t *testing.T) {
	tests := []struct {
		src   string
		block bool
		kind  error
		msg   string
	}{
		{`new System.Net.Http.HttpClient()`, false, ErrType, "not allowed"},
		{`System.Reflection.Assembly.GetExecutingAssembly()`, false, ErrType, "not allowed"},
		{`new XmlDocument()`, false, ErrType, "type XmlDocument is not allowed"},
		{`context.Request.Url.Foo`, false, ErrUnsupported, "member IUrl.Foo"},
		{`JsonConvert.PopulateObject("{}", new JObject())`, false, ErrType, "JsonConvert.PopulateObject is not allowed"},
		{"var x = 1;\nvar x = 2;\nforeach (var c in \"ab\") { }\nreturn x;", true, ErrType, "already declared"},
		{"foreach (var c in \"ab\") { return 1; }", true, ErrType, "not all code paths return a value"},
		{"continue;", true, ErrType, "no enclosing loop"},
		{"switch (1) { case 1: return 1; case 2: var x = 1; default: return 0; }", true, ErrType, "fall through"},
		{`Encoding.UTF8.Frobnicate("x")`, false, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := Compile(tt.src, tt.block, apim.Position{File: "p.xml", Line: 1, Col: 1})
			if tt.kind == nil {
				if err != nil {
					t.Fatalf("err = %v, want compile success (an unknown method is a runtime NotSupported)", err)
				}
				return
			}
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.kind, tt.msg)
			}
		})
	}
}

// TestRealWorldRuns runs every real-world expression that compiles against
// a filled context: evaluation may fail (a variable the policy expects is
// absent), but only with a *RuntimeError, never a panic or another type.
func TestRealWorldRuns(t *testing.T) {
	data, err := readFileString(realWorldFile)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := parseCorpus(data)
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for i, e := range entries {
		src := namedValueRE.ReplaceAllString(e.src, "50")
		p, err := Compile(src, e.block, apim.Position{File: e.file, Line: 1, Col: 1})
		if err != nil {
			continue
		}
		ctx := interpContext()
		ctx.Timestamp = time.Time{}
		_, err = p.Run(ctx)
		var re *RuntimeError
		if err != nil && !errors.As(err, &re) {
			t.Errorf("entry %d: error %T %v, want *RuntimeError", i+1, err, err)
		}
		ran++
	}
	if ran < 280 {
		t.Errorf("ran %d expressions, want at least 280", ran)
	}
}

func readFileString(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

// TestCheckAgreesWithCompile: Check reports exactly what Compile reports.
func TestCheckAgreesWithCompile(t *testing.T) {
	for _, tt := range []struct {
		src   string
		block bool
	}{
		{`context.Response.StatusCode == 200`, false},
		{`JObject.Parse("{}").Count`, false},
		{`new XmlDocument()`, false},
		{`context.Subscription.Key`, false},
		{"foreach (var c in \"ab\") { }\nreturn 1 +;", true},
		{"int F(int n) => n;\nreturn F(1);", true},
	} {
		_, cerr := Compile(tt.src, tt.block, apim.Position{Line: 1, Col: 1})
		kerr := Check(tt.src, tt.block)
		if (cerr == nil) != (kerr == nil) || cerr != nil && cerr.Error() != kerr.Error() {
			t.Errorf("%q: Check = %v, Compile = %v", tt.src, kerr, cerr)
		}
	}
}

// TestInterpConcurrentRun runs one interpreted program from several
// goroutines; pooled frames must not leak values between runs (-race).
func TestInterpConcurrentRun(t *testing.T) {
	p, err := Compile("var o = JObject.Parse((string)context.Variables[\"j\"]);\nvar sum = 0;\nforeach (var x in o[\"n\"]) { sum += (int)x; }\nreturn sum;", true, apim.Position{Line: 1, Col: 1})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 50 {
				want := g + i
				ctx := &Context{Variables: map[string]any{"j": `{"n":[` + strconvItoa(g) + `,` + strconvItoa(i) + `]}`}}
				got, err := p.Run(ctx)
				if err != nil || got != want {
					done <- fmt.Errorf("goroutine %d run %d: got %v, %v; want %d", g, i, got, err, want)
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func strconvItoa(n int) string { return fmt.Sprint(n) }
