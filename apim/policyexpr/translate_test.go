package policyexpr

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/apimlab/apimlab/apim"
)

func TestTranslate(t *testing.T) {
	tests := []struct {
		src   string
		block bool
		want  string
	}{
		{`context.Response.StatusCode == 429 || context.Response.StatusCode == 503`, false,
			`((Response.StatusCode == 429) || (Response.StatusCode == 503))`},
		{`context.Request.Headers.GetValueOrDefault("X", "d")`, false, `csHdrGet(Request.Headers, "X", "d")`},
		{`context.Request.Headers["X"]`, false, `csHdrIndex(Request.Headers, "X")`},
		{`context.Variables.GetValueOrDefault<string>("k", "d")`, false, `csVarStr(Variables, "k", "d")`},
		{`context.Variables.GetValueOrDefault<int>("k")`, false, `csVarInt(Variables, "k", 0)`},
		{`context.Variables.GetValueOrDefault("k")`, false, `csVarOr(Variables, "k", nil)`},
		{`(string)context.Variables["k"]`, false, `csCastStr(csVarGet(Variables, "k"))`},
		{`"West US".Equals(context.Deployment.Region, StringComparison.OrdinalIgnoreCase)`, false,
			`csEqFold("West US", Deployment.Region)`},
		{`context.Request.Url.Query.GetValueOrDefault("q","d")`, false, `csQueryGet(Request.Url.RawQuery, "q", "d")`},
		{`"a" + 1 + true`, false, `(("a" + string(1)) + csStr(true))`},
		{`1 / 2`, false, `csDiv(1, 2)`},
		{`new Random().Next(1, 5)`, false, `csRandNext($env, 1, 5)`},
		{`DateTime.UtcNow`, false, `csNow($env)`},
		{`"a\"b"`, false, `"a\"b"`},
		{`var x = "a"; x = x + "b"; return x;`, true, `(let v1_x = "a"; (let v2_x = (v1_x + "b"); v2_x))`},
		{`if (context.Response.StatusCode == 200) { return "ok"; } return "ko";`, true,
			`((Response.StatusCode == 200) ? ("ok") : ("ko"))`},
		{`if (true) return 1; else return 2;`, true, `(true ? (1) : (2))`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got, err := Translate(tt.src, tt.block)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Translate(%q)\n got %s\nwant %s", tt.src, got, tt.want)
			}
		})
	}
}

func TestUnsupported(t *testing.T) {
	tests := []struct {
		src       string
		block     bool
		construct string
		line, col int
	}{
		// Constructs the interpreter runs are in interp_test.go; these stay
		// outside the emulated subset.
		{`context.Request.Body.AsJObject()`, false, "Body.AsJObject", 1, 22},
		{`context.Subscription.Key`, false, "context.Subscription.Key (subscription keys are secrets and are never exposed)", 1, 22},
		{`context.Request.Foo`, false, "member IRequest.Foo", 1, 17},
		{`"x".PadCenter(3)`, false, "method string.PadCenter with 1 argument(s)", 1, 5},
		{`{{nv}} == 1`, false, "unresolved named value {{nv}}", 1, 1},
		{`typeof(string)`, false, "'typeof' expression", 1, 1},
		{`new Random(42).Next()`, false, "new Random(seed) (seed the simulator instead)", 1, 1},
		{`XDocument.Load("a.xml")`, false, "XDocument.Load", 1, 11},
		{`context.Api.ServiceUrl.Fragment`, false, "member IUrl.Fragment", 1, 24},
		{"int F(int n) { return n < 2 ? n : F(n - 1); }\nreturn F(3);", true, "recursive local function F", 1, 35},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := Compile(tt.src, tt.block, apim.Position{File: "p.xml", Line: 1, Col: 1})
			var ue *UnsupportedError
			if !errors.As(err, &ue) || !errors.Is(err, ErrUnsupported) {
				t.Fatalf("err = %v, want *UnsupportedError", err)
			}
			if ue.Construct != tt.construct || ue.Pos.Line != tt.line || ue.Pos.Col != tt.col {
				t.Errorf("got %q at %d:%d, want %q at %d:%d", ue.Construct, ue.Pos.Line, ue.Pos.Col, tt.construct, tt.line, tt.col)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		src       string
		block     bool
		kind      error
		line, col int
	}{
		{`context.Response.StatusCode ==`, false, ErrSyntax, 1, 31},
		{`"unterminated`, false, ErrSyntax, 1, 1},
		{`(1 + 2`, false, ErrSyntax, 1, 7},
		{`1 +`, false, ErrSyntax, 1, 4},
		{`"a" && true`, false, ErrType, 1, 5},
		{`context.Response.StatusCode == "503"`, false, ErrType, 1, 29},
		{`!context.Request.Method`, false, ErrType, 1, 1},
		{`true ? 1 : "a"`, false, ErrType, 1, 1},
		{"var x = 1;\nif (x > 0) { return 1; }", true, ErrType, 2, 25},
		{"var x = 1;\nvar x = 2;\nreturn x;", true, ErrType, 2, 5},
		{"return y;", true, ErrType, 1, 8},
		{`return;`, true, ErrType, 1, 1},
		{`string.Format("{0", 1)`, false, ErrType, 1, 15},
		{"int n = \"a\";\nreturn n;", true, ErrType, 1, 9},
		{`if (1) return 1; return 2;`, true, ErrType, 1, 5},
		{"\n\n   @", false, ErrSyntax, 3, 4},
		// Types outside Learn's allowed list are rejected at load, as Azure
		// rejects the policy on save.
		{`Foo.Bar`, false, ErrType, 1, 1},
		{`new XmlDocument()`, false, ErrType, 1, 5},
		{`System.IO.File.ReadAllText("x")`, false, ErrType, 1, 1},
		{`Environment.GetEnvironmentVariable("PATH")`, false, ErrType, 1, 1},
		{"var l = new List<Process>();\nreturn l.Count;", true, ErrType, 1, 18},
		{`x is string`, false, ErrType, 1, 1},
		{"context.Variables[\"x\"] = 1;\nreturn 1;", true, ErrType, 1, 1},
		{"foreach (var h in context.Request.Headers) { }", true, ErrType, 1, 47},
		{"break;", true, ErrType, 1, 1},
		{``, false, ErrSyntax, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := Compile(tt.src, tt.block, apim.Position{File: "p.xml", Line: 1, Col: 1})
			var pe *Error
			if !errors.As(err, &pe) || !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want *Error wrapping %v", err, tt.kind)
			}
			if pe.Pos.Line != tt.line || pe.Pos.Col != tt.col {
				t.Errorf("error %q at %d:%d, want %d:%d", err, pe.Pos.Line, pe.Pos.Col, tt.line, tt.col)
			}
		})
	}
}

// TestPositionOffset checks that positions advance from the expression start.
func TestPositionOffset(t *testing.T) {
	_, err := Compile("context.Request.Method +\n  context.Foo", false, apim.Position{File: "api/policy.xml", Line: 12, Col: 40})
	var ue *UnsupportedError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v", err)
	}
	if got, want := ue.Pos.String(), "api/policy.xml:13:11"; got != want {
		t.Errorf("pos = %s, want %s", got, want)
	}
	if got, want := err.Error(), "api/policy.xml:13:11: unsupported policy expression construct: member IContext.Foo"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestBlockExplosionBounded checks that sequential fall-through ifs, which
// duplicate the rest of the block, are cut off instead of exhausting memory.
func TestBlockExplosionBounded(t *testing.T) {
	src := "var x = 0;\n"
	for range 40 {
		src += "if (context.Response.StatusCode > 1) { x = x + 1; }\n"
	}
	src += "return x;"
	// The translator gives up (the expr-lang program would be too large);
	// the interpreter, which does not duplicate code, runs it.
	p, err := Compile(src, true, apim.Position{Line: 1, Col: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Interpreted() {
		t.Error("want the interpreter to run the block")
	}
	got, err := p.Run(&Context{Response: Response{StatusCode: 200}})
	if err != nil || got != 40 {
		t.Errorf("Run = %v, %v; want 40", got, err)
	}
}

func BenchmarkRun(b *testing.B) {
	cases := []struct {
		name, src string
		block     bool
	}{
		{"condition", `context.Response.StatusCode == 429 || context.Response.StatusCode == 503`, false},
		{"header", `"Bearer " + context.Request.Headers.GetValueOrDefault("Authorization", "none").Substring(0, 4)`, false},
		{"variable", `context.Variables.GetValueOrDefault<string>("region", "eu").ToUpper()`, false},
		{"block", `var r = context.Deployment.Region; if (r.StartsWith("West")) { return "w-" + r.ToLower(); } return "o";`, true},
	}
	ctx := &Context{
		Request:    Request{Headers: http.Header{"Authorization": {"Basic abc"}}},
		Response:   Response{StatusCode: 503},
		Variables:  map[string]any{"region": "us"},
		Deployment: Deployment{Region: "West US"},
	}
	for _, c := range cases {
		p, err := Compile(c.src, c.block, apim.Position{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Run(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzTranslate(f *testing.F) {
	seeds := []string{
		`context.Response.StatusCode == 429 || context.Response.StatusCode == 503`,
		`context.Variables.GetValueOrDefault<string>("a", "b").Split(',')[0]`,
		`$"{context.Api.Name}-{(1 > 0 ? "a" : "b")}"`,
		`@"verbatim ""q"""`,
		`var x = 1; if (x > 0) { x = 2; } else if (x < 0) return 0; return x;`,
		`new System.Random().Next(1,100) <= {{w}}`,
		`(string)context.Variables["a"] ?? "d"`,
		`context.Request.Headers.FirstOrDefault(h => h.Key == "a")`,
		`String.Format("{0,-5}|", 'c')`,
		`/* c */ 1 // x`,
		`'\u0041'.ToString()`,
		// Interpreter constructs.
		`JObject.Parse("{\"a\":[1,2]}")["a"].Select(x => (int)x * 2).Sum()`,
		`foreach (var p in "a=1&b=2".Split('&')) { var kv = p.Split('='); if (kv[0] == "b") return kv[1]; } return "";`,
		`try { return int.Parse("x"); } catch (FormatException e) { return e.Message.Length; } finally { }`,
		`int F(int n) => n * 2; for (int i = 0; i < 3; i++) { } return F(new[] {1}.First());`,
		`new JObject { ["a"] = new { b = 1 }.b, ["c"] = new JArray(1, "x") }.ToString(Formatting.None)`,
		`((IResponse)context.Variables["r"])?.Body.As<JObject>()?["x"]?.ToString() ?? "none"`,
		`Convert.ToBase64String(new HMACSHA256(Encoding.UTF8.GetBytes("k")).ComputeHash(new byte[] { 1, 2 }))`,
		`$"{DateTimeOffset.UtcNow.ToUnixTimeSeconds():D12,5}" is string s && s.Length > 0`,
		`switch (context.Request.Method) { case "GET": case "HEAD": return 1; default: return 2; }`,
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, src string, block bool) {
		code, err := Translate(src, block)
		if err != nil {
			var ue *UnsupportedError
			var pe *Error
			if !errors.As(err, &ue) && !errors.As(err, &pe) {
				t.Fatalf("Translate(%q) returned an unclassified error %T: %v", src, err, err)
			}
			if ue == nil {
				return
			}
			// Unsupported by the translator: Compile falls back to the
			// interpreter, whose results must be classified too.
			p, err := Compile(src, block, apim.Position{Line: 1, Col: 1})
			if err != nil {
				if !errors.As(err, &ue) && !errors.As(err, &pe) {
					t.Fatalf("Compile(%q) returned an unclassified error %T: %v", src, err, err)
				}
				return
			}
			if _, err := p.Run(&Context{Now: fuzzNow}); err != nil {
				var re *RuntimeError
				if !errors.As(err, &re) || errors.Is(err, errInternal) {
					t.Fatalf("Run(%q) returned an unclassified error %T: %v", src, err, err)
				}
			}
			return
		}
		// What translates must compile and run without panicking.
		p, err := Compile(src, block, apim.Position{Line: 1, Col: 1})
		if err != nil {
			t.Fatalf("Translate ok (%s) but Compile failed: %v", code, err)
		}
		_, _ = p.Run(&Context{Now: fuzzNow})
	})
}

func fuzzNow() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }
