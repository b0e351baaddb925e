package policyexpr

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

var fixedNow = time.Date(2024, 3, 5, 14, 7, 9, 123456700, time.UTC)

// testContext returns a Context filled the way the gateway would.
func testContext() *Context {
	return &Context{
		Request: Request{
			Method: "POST",
			Url: Url{Scheme: "https", Host: "api.contoso.com", Port: 443, Path: "/orders/42",
				RawQuery: "a=1&tag=x&tag=y&q=hello%20world"},
			Headers: http.Header{
				"Content-Type":   {"application/json"},
				"Accept":         {"text/plain", "application/json"},
				"Content-Length": {"1234"},
				"x-raw-lower":    {"set-verbatim"},
			},
			IpAddress:         "10.0.0.7",
			MatchedParameters: map[string]string{"id": "42"},
			Body:              func() (string, error) { return `{"n":1}`, nil },
		},
		Response: Response{StatusCode: 503, StatusReason: "Service Unavailable",
			Headers: http.Header{"Retry-After": {"10"}, "X-Ms-Region": {"West Europe"}}},
		Variables: map[string]any{
			"s": "text", "n": 7, "b": true, "d": 2.5, "empty": "", "csv": "a, b,,c",
		},
		Deployment: Deployment{Region: "West US", ServiceName: "apim1", Gateway: Gateway{Id: "managed", IsManaged: true}},
		LastError:  LastError{Source: "forward-request", Reason: "BackendConnectionFailure", Message: "boom", Section: "backend"},
		Api:        Api{Id: "echo", Name: "Echo API", Path: "echo"},
		Operation:  Operation{Id: "get", Name: "Get", Method: "GET", UrlTemplate: "/orders/{id}"},
		Product:    Product{Id: "starter", Name: "Starter"},
		User:       User{Id: "u1", Email: "a@b.c"},
		RequestId:  "0f8fad5b-d9cb-469f-a165-70867728950e",
		Elapsed:    1500 * time.Millisecond,
		Timestamp:  fixedNow.Add(-time.Second),
		Now:        func() time.Time { return fixedNow },
		Rand:       rand.New(rand.NewPCG(1, 2)),
	}
}

func TestEval(t *testing.T) {
	tests := []struct {
		src   string
		block bool
		want  any
	}{
		// Context members.
		{`context.Request.Method`, false, "POST"},
		{`context.Request.Url.Path`, false, "/orders/42"},
		{`context.Request.Url.Host + ":" + context.Request.Url.Port`, false, "api.contoso.com:443"},
		{`context.Request.Url.Scheme`, false, "https"},
		{`context.Request.Url.QueryString`, false, "?a=1&tag=x&tag=y&q=hello%20world"},
		{`context.Request.Url.ToString()`, false, "https://api.contoso.com/orders/42?a=1&tag=x&tag=y&q=hello%20world"},
		{`context.Request.Url.Query.GetValueOrDefault("tag", "d")`, false, "x,y"},
		{`context.Request.Url.Query.GetValueOrDefault("Q", "d")`, false, "hello world"},
		{`context.Request.Url.Query.GetValueOrDefault("zz", "d")`, false, "d"},
		{`context.Request.Url.Query["tag"][1]`, false, "y"},
		{`context.Request.Url.Query.ContainsKey("a")`, false, true},
		{`context.Request.Url.Query.Count`, false, 3},
		{`context.Request.IpAddress`, false, "10.0.0.7"},
		{`context.Request.Headers.GetValueOrDefault("accept", "d")`, false, "text/plain,application/json"},
		{`context.Request.Headers.GetValueOrDefault("X-RAW-LOWER", "d")`, false, "set-verbatim"},
		{`context.Request.Headers.GetValueOrDefault("missing", "d")`, false, "d"},
		{`context.Request.Headers.GetValueOrDefault("missing")`, false, ""},
		{`context.Request.Headers["content-type"][0]`, false, "application/json"},
		{`context.Request.Headers["Accept"].Length`, false, 2},
		{`context.Request.Headers.ContainsKey("CONTENT-TYPE")`, false, true},
		{`context.Request.Headers.ContainsKey("nope")`, false, false},
		{`context.Request.MatchedParameters["id"]`, false, "42"},
		{`context.Request.MatchedParameters.GetValueOrDefault("x", "none")`, false, "none"},
		{`context.Request.Body.As<string>(preserveContent: true)`, false, `{"n":1}`},
		{`context.Response.StatusCode`, false, 503},
		{`context.Response.StatusReason`, false, "Service Unavailable"},
		{`context.Response.Headers.GetValueOrDefault("x-ms-region", "unknown")`, false, "West Europe"},
		{`context.Deployment.Region`, false, "West US"},
		{`context.Deployment.Gateway.IsManaged`, false, true},
		{`context.LastError.Reason + "/" + context.LastError.Source + "/" + context.LastError.Section`, false, "BackendConnectionFailure/forward-request/backend"},
		{`context.LastError.Message`, false, "boom"},
		{`context.RequestId`, false, "0f8fad5b-d9cb-469f-a165-70867728950e"},
		{`context.RequestId.ToString()`, false, "0f8fad5b-d9cb-469f-a165-70867728950e"},
		{`context.Api.Name`, false, "Echo API"},
		{`context.Operation.Method`, false, "GET"},
		{`context.Product.Name`, false, "Starter"},
		{`context.User.Email`, false, "a@b.c"},
		{`context.Elapsed.TotalMilliseconds`, false, 1500.0},
		{`context.Elapsed.Seconds`, false, 1},
		{`context.Timestamp < DateTime.UtcNow`, false, true},
		// Variables.
		{`context.Variables["s"]`, false, "text"},
		{`(string)context.Variables["s"]`, false, "text"},
		{`(int)context.Variables["n"] + 1`, false, 8},
		{`(bool)context.Variables["b"]`, false, true},
		{`context.Variables.GetValueOrDefault<string>("s", "d")`, false, "text"},
		{`context.Variables.GetValueOrDefault<string>("zz", "d")`, false, "d"},
		{`context.Variables.GetValueOrDefault<int>("n")`, false, 7},
		{`context.Variables.GetValueOrDefault<int>("zz", 3)`, false, 3},
		{`context.Variables.GetValueOrDefault<bool>("b", false)`, false, true},
		{`context.Variables.GetValueOrDefault<double>("d", 1)`, false, 2.5},
		{`context.Variables.GetValueOrDefault("n")`, false, 7},
		{`context.Variables.GetValueOrDefault("zz", "x")`, false, "x"},
		{`context.Variables.ContainsKey("s")`, false, true},
		{`context.Variables["s"] as string ?? "d"`, false, "text"},
		{`context.Variables["n"] as string ?? "d"`, false, "d"},
		{`context.Variables.GetValueOrDefault("zz") ?? "fallback"`, false, "fallback"},
		{`context.Variables["s"] == "text"`, false, true},
		{`"v=" + context.Variables["n"]`, false, "v=7"},
		{`"v=" + context.Variables["b"]`, false, "v=True"},
		// Strings.
		{`"Hi There".Length`, false, 8},
		{`"héllo".Length`, false, 5},
		{`"abc".Contains("b")`, false, true},
		{`"abc".StartsWith("ab") && "abc".EndsWith("bc")`, false, true},
		{`"ABC".StartsWith("ab", StringComparison.OrdinalIgnoreCase)`, false, true},
		{`"AbC".ToLower() + "AbC".ToUpper()`, false, "abcABC"},
		{`"a,b,,c".Split(',').Length`, false, 4},
		{`"a,b;c".Split(',', ';')[2]`, false, "c"},
		{`"a--b--c".Split("--")[1]`, false, "b"},
		{`((string)context.Variables["csv"]).Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries).Length`, false, 3},
		{`"  x  ".Trim() + "|"`, false, "x|"},
		{`"xxhixx".Trim('x')`, false, "hi"},
		{`"/a/".TrimEnd('/')`, false, "/a"},
		{`"Bearer abc".Substring(7)`, false, "abc"},
		{`"Bearer abc".Substring(0, 6)`, false, "Bearer"},
		{`"hello".IndexOf("l")`, false, 2},
		{`"hello".IndexOf('z')`, false, -1},
		{`"hello".LastIndexOf("l")`, false, 3},
		{`"a-b-c".Replace("-", "+")`, false, "a+b+c"},
		{`"abc".Equals("abc")`, false, true},
		{`"abc".Equals("ABC", StringComparison.OrdinalIgnoreCase)`, false, true},
		{`"West US".Equals(context.Deployment.Region, StringComparison.OrdinalIgnoreCase)`, false, true},
		{`string.Equals("a", "A", StringComparison.OrdinalIgnoreCase)`, false, true},
		{`string.IsNullOrEmpty("")`, false, true},
		{`String.IsNullOrEmpty(context.Request.Headers.GetValueOrDefault("nope"))`, false, true},
		{`string.IsNullOrWhiteSpace("  ")`, false, true},
		{`String.Format("{0}-{1}", context.Api.Name, 5)`, false, "Echo API-5"},
		{`string.Format("{{{0}}}", true)`, false, "{True}"},
		{`string.Concat("a", 1, true)`, false, "a1True"},
		{`string.Join("|", "a,b".Split(','))`, false, "a|b"},
		{`"abc"[1]`, false, "b"},
		{`"7".PadLeft(3, '0')`, false, "007"},
		{`@"C:\path\""q"""`, false, `C:\path\"q"`},
		{`"tab\tnl\n\u00e9"`, false, "tab\tnl\né"},
		{`$"{context.Api.Name}:{context.Response.StatusCode}:{1 + 1}"`, false, "Echo API:503:2"},
		{`$@"{{literal}} {context.Request.Method}"`, false, "{literal} POST"},
		// Numbers and conversions.
		{`int.Parse("42") + 1`, false, 43},
		{`int.Parse(context.Request.Headers["Content-Length"][0]) < 256000`, false, true},
		{`Convert.ToInt32("12") * 2`, false, 24},
		{`Convert.ToInt32(2.5)`, false, 2},
		{`Convert.ToInt32(3.5)`, false, 4},
		{`(int)2.9`, false, 2},
		{`7 / 2`, false, 3},
		{`7 % 3`, false, 1},
		{`7 / 2.0`, false, 3.5},
		{`1 + 2 * 3 - 4`, false, 3},
		{`-(2 + 3)`, false, -5},
		{`(1.5).ToString()`, false, "1.5"},
		{`true.ToString()`, false, "True"},
		{`(1+1).ToString()`, false, "2"},
		{`Math.Max(3, 9) + Math.Min(3, 9)`, false, 12},
		{`0x1F`, false, 31},
		{`10L + 1`, false, 11},
		// Logic.
		{`context.Response.StatusCode == 429 || context.Response.StatusCode == 503`, false, true},
		{`!(1 >= 2) && 3 != 4`, false, true},
		{`context.Response.StatusCode >= 500 ? "server" : "client"`, false, "server"},
		{`context.Response.StatusCode > 500 ? 1 : 2.5`, false, 1.0},
		{`true ^ true`, false, false},
		{`'a' == 'a'`, false, true},
		// Time, random and GUIDs (deterministic through Now and Rand).
		{`DateTime.UtcNow.ToString("o")`, false, "2024-03-05T14:07:09.1234567Z"},
		{`DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ")`, false, "2024-03-05T14:07:09Z"},
		{`DateTime.UtcNow.ToString("r")`, false, "Tue, 05 Mar 2024 14:07:09 GMT"},
		{`DateTime.UtcNow.AddMinutes(5).ToString("HH:mm")`, false, "14:12"},
		{`DateTime.UtcNow.Year`, false, 2024},
		{`(DateTime.UtcNow - context.Timestamp).TotalSeconds`, false, 1.0},
		{`new Random().Next(1, 100)`, false, testDraw(func(r *rand.Rand) any { return 1 + r.IntN(99) })},
		{`new System.Random().Next(1,100) <= 50`, false, testDraw(func(r *rand.Rand) any { return 1+r.IntN(99) <= 50 })},
		{`Guid.NewGuid().ToString().Length`, false, 36},
		// Blocks.
		{`return "x";`, true, "x"},
		{`var x = 1; if (context.Response.StatusCode > 400) { x = 2; } return x + 1;`, true, 3},
		{`var x = 1; if (context.Response.StatusCode < 400) { x = 2; } return x + 1;`, true, 2},
		{`
			string region = context.Deployment.Region;
			if (region == "East US") {
				return "east";
			} else if (region.StartsWith("West")) {
				var suffix = "-" + region.Substring(5).ToLower();
				return "west" + suffix;
			} else {
				return "other";
			}`, true, "west-us"},
		{`int n = 0; n += 5; n++; n *= 2; { var m = n - 1; n = m; } return n;`, true, 11},
		{`var s = ""; if (true) s = "a"; if (false) s += "b"; else s += "c"; return s;`, true, "ac"},
		{`var h = context.Request.Headers; var r = context.Request; return h.GetValueOrDefault("Accept", "") + r.Method;`, true, "text/plain,application/jsonPOST"},
		{`var rnd = new Random(); return rnd.Next(10) < 10;`, true, true},
		{`string[] parts = "a/b".Split('/'); if (parts.Length > 1) { return parts[1]; } return null;`, true, "b"},
		{`if (context.Variables.ContainsKey("nope")) { return 1; } return "two";`, true, "two"},
		{`const int limit = 10; return limit * 2;`, true, 20},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := Compile(tt.src, tt.block, apim.Position{File: "t.xml", Line: 1, Col: 1})
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := p.Run(testContext())
			if err != nil {
				t.Fatalf("Run (%s): %v", p.Translated(), err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v (translated: %s)", got, tt.want, p.Translated())
			}
		})
	}
}

// testDraw computes the expected result of a random expression from a fresh
// copy of testContext's seeded source.
func testDraw(f func(r *rand.Rand) any) any { return f(rand.New(rand.NewPCG(1, 2))) }

func TestRunErrors(t *testing.T) {
	tests := []struct {
		src     string
		wantErr error
		wantMsg string
	}{
		{`context.Variables["missing"]`, errKeyNotFound, `variable "missing" not found`},
		{`context.Request.Headers["X-Missing"][0]`, errKeyNotFound, `header "X-Missing"`},
		{`(int)context.Variables["s"]`, errInvalidCast, "System.String' to type 'System.Int32'"},
		{`context.Variables.GetValueOrDefault<int>("s", 0)`, errInvalidCast, "System.String"},
		{`int.Parse("x1")`, errFormat, "not in a correct format"},
		{`int.Parse("99999999999")`, errOverflow, "Int32"},
		{`"abc".Substring(5)`, errArgRange, "startIndex 5"},
		{`"abc".Substring(1, 5)`, errArgRange, "length 5"},
		{`"a,b".Split(',')[5]`, errIndexRange, "index 5"},
		{`1 / (context.Response.StatusCode - 503)`, errDivide, "divide by zero"},
		{`"abc".Replace("", "x")`, errArgument, "zero length"},
		{`String.Format(context.Api.Id + "{1}", 1)`, errFormat, "argument list"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			pos := apim.Position{File: "p.xml", Line: 7, Col: 3}
			p, err := Compile(tt.src, false, pos)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			_, err = p.Run(testContext())
			var re *RuntimeError
			if !errors.As(err, &re) || !errors.Is(err, ErrRuntime) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want *RuntimeError wrapping %v", err, tt.wantErr)
			}
			if re.Pos != pos || !strings.Contains(err.Error(), tt.wantMsg) || !strings.HasPrefix(err.Error(), "p.xml:7:3: ") {
				t.Errorf("err = %q, want position p.xml:7:3 and %q", err, tt.wantMsg)
			}
		})
	}
}

func TestRunHelpers(t *testing.T) {
	ctx := testContext()
	mustCompile := func(src string) *Program {
		t.Helper()
		p, err := Compile(src, false, apim.Position{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if got, err := mustCompile(`context.Response.StatusCode == 503`).RunBool(ctx); err != nil || !got {
		t.Errorf("RunBool = %v, %v", got, err)
	}
	if _, err := mustCompile(`"x"`).RunBool(ctx); !errors.Is(err, errInvalidCast) {
		t.Errorf("RunBool on string: err = %v, want InvalidCast", err)
	}
	if got, err := mustCompile(`context.Variables["b"]`).RunString(ctx); err != nil || got != "True" {
		t.Errorf("RunString = %q, %v", got, err)
	}
	if got, err := mustCompile(`2.5 * 2`).RunString(ctx); err != nil || got != "5" {
		t.Errorf("RunString = %q, %v", got, err)
	}
	if got, err := mustCompile(`"12"`).RunInt(ctx); err != nil || got != 12 {
		t.Errorf("RunInt = %d, %v", got, err)
	}
	// Interpreted results: a long in range, a JValue number, a JObject
	// rendered by RunString as Newtonsoft's indented JSON.
	if got, err := mustCompile(`DateTimeOffset.FromUnixTimeSeconds(90).ToUnixTimeSeconds() / 3`).RunInt(ctx); err != nil || got != 30 {
		t.Errorf("RunInt(long) = %d, %v", got, err)
	}
	if _, err := mustCompile(`long.MaxValue`).RunInt(ctx); !errors.Is(err, errOverflow) {
		t.Errorf("RunInt(long.MaxValue): err = %v, want OverflowException", err)
	}
	if got, err := mustCompile(`JObject.Parse("{\"d\":3600}")["d"]`).RunInt(ctx); err != nil || got != 3600 {
		t.Errorf("RunInt(JValue) = %d, %v", got, err)
	}
	if got, err := mustCompile(`new JObject(new JProperty("a", 1))`).RunString(ctx); err != nil || got != "{\n  \"a\": 1\n}" {
		t.Errorf("RunString(JObject) = %q, %v", got, err)
	}
	if got, err := mustCompile(`context.Response.StatusCode`).Run(nil); err != nil || got != 0 {
		t.Errorf("Run(nil) = %v, %v", got, err)
	}
	p := mustCompile(`context.Response.StatusCode == 503`)
	if p.ResultType() != "bool" || p.Block() || p.Source() != `context.Response.StatusCode == 503` {
		t.Errorf("metadata: %q %v %q", p.ResultType(), p.Block(), p.Source())
	}
}

// TestReproducibleRandom checks that the same seed gives the same draws and
// GUIDs, as the simulator relies on.
func TestReproducibleRandom(t *testing.T) {
	p, err := Compile(`Guid.NewGuid().ToString() + ":" + new Random().Next(0, 1000)`, false, apim.Position{})
	if err != nil {
		t.Fatal(err)
	}
	run := func(seed uint64) string {
		s, err := p.RunString(&Context{Rand: rand.New(rand.NewPCG(seed, 0))})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if a, b := run(7), run(7); a != b {
		t.Errorf("same seed, different results: %q vs %q", a, b)
	}
	if a, b := run(7), run(8); a == b {
		t.Errorf("different seeds, same result %q", a)
	}
	if g := run(7)[:36]; g[14] != '4' || !strings.ContainsRune("89ab", rune(g[19])) {
		t.Errorf("%q is not a version-4 GUID", g)
	}
}

// TestConcurrentRun runs one Program from several goroutines, each with its
// own Context, as the gateway does (run with -race).
func TestConcurrentRun(t *testing.T) {
	p, err := Compile(`context.Request.Headers.GetValueOrDefault("X-N", "") + "/" + context.Response.StatusCode`, false, apim.Position{})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			n := strconv.Itoa(i)
			for range 200 {
				ctx := &Context{Request: Request{Headers: http.Header{"X-N": {n}}}, Response: Response{StatusCode: i}}
				got, err := p.RunString(ctx)
				if err == nil && got != n+"/"+n {
					err = fmt.Errorf("got %q, want %q", got, n+"/"+n)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
