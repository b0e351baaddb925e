package policyexpr

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// dotnetCase is one expression with the result .NET would produce: a value,
// a runtime exception (wantErr) or a load-time error (wantCompile, one of
// ErrSyntax, ErrType or ErrUnsupported).
type dotnetCase struct {
	src         string
	block       bool
	want        any
	wantErr     error
	wantCompile error
}

// runDotnetCases compiles and runs each case against testContext.
func runDotnetCases(t *testing.T, tests []dotnetCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := Compile(tt.src, tt.block, apim.Position{File: "n.xml", Line: 1, Col: 1})
			if tt.wantCompile != nil {
				if !errors.Is(err, tt.wantCompile) {
					t.Fatalf("Compile err = %v, want %v", err, tt.wantCompile)
				}
				return
			}
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := p.Run(testContext())
			if tt.wantErr != nil {
				if !errors.Is(err, ErrRuntime) || !errors.Is(err, tt.wantErr) {
					t.Fatalf("Run = %#v, %v; want %v (translated: %s)", got, err, tt.wantErr, p.Translated())
				}
				return
			}
			if err != nil {
				t.Fatalf("Run (%s): %v", p.Translated(), err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v (translated: %s)", got, tt.want, p.Translated())
			}
		})
	}
}

// TestDotnetArithmetic: C# integer arithmetic (ECMA-334 §12.10).
func TestDotnetArithmetic(t *testing.T) {
	runDotnetCases(t, []dotnetCase{
		// Integer division truncates toward zero; the remainder has the sign
		// of the dividend (x % y == x - (x / y) * y).
		{src: `-7 / 2`, want: -3},
		{src: `7 / -2`, want: -3},
		{src: `-7 % 2`, want: -1},
		{src: `7 % -2`, want: 1},
		{src: `-7 % -2`, want: -1},
		{src: `7.0 / 2`, want: 3.5},
		{src: `1 / 2 * 2.0`, want: 0.0},
		{src: `1 / (context.Response.StatusCode - 503)`, wantErr: errDivide},
		{src: `1 % (context.Response.StatusCode - 503)`, wantErr: errDivide},
		// double division by zero is not an exception: it yields ∞ or NaN.
		{src: `(1.0 / (context.Response.StatusCode - 503)).ToString()`, want: "∞"},
		// Unchecked int arithmetic wraps at 32 bits at run time (§12.8.20).
		{src: `context.Response.StatusCode * 10000000`, want: int(int32(503 * 10000000 % (1 << 32)))},
		{src: `int.MaxValue + context.Response.StatusCode - 502`, want: math.MinInt32},
		{src: `-int.MinValue + context.Response.StatusCode - 503`, want: math.MinInt32},
		// Diverges: a constant expression that overflows is compile error
		// CS0220 in C#; the emulator does not fold constants and wraps.
		{src: `int.MaxValue + 1`, want: math.MinInt32},
		{src: `2147483647 * 2`, want: -2},
		{src: `int.MinValue % (context.Response.StatusCode - 504)`, wantErr: errOverflow},
		{src: `int.MinValue / -2`, want: 1 << 30},
		// int.MinValue / -1 throws OverflowException even unchecked.
		{src: `int.MinValue / (context.Response.StatusCode - 504)`, wantErr: errOverflow},
		{src: `1 + 2 * 3`, want: 7},
		{src: `10 - 2 - 3`, want: 5},
		{src: `(10 - 2) * 3 % 5`, want: 4},
		{src: `Math.Abs(-3)`, want: 3},
		// Every integer is modelled as Int32: long limits and literals
		// beyond Int32 are rejected rather than silently truncated.
		// Int64 runs on the interpreter: Int64.MaxValue is 2^63-1
		// (https://learn.microsoft.com/dotnet/api/system.int64.maxvalue).
		{src: `long.MaxValue`, want: int64(math.MaxInt64)},
		{src: `System.Int64.MinValue`, want: int64(math.MinInt64)},
		{src: `short.MaxValue`, wantCompile: ErrUnsupported},
		{src: `System.Int32.MaxValue`, want: math.MaxInt32},
		// A literal beyond Int32 is a long in C# (C# spec §6.4.5.3).
		{src: `3000000000`, want: int64(3000000000)},
		{src: `3000000000 + 1`, want: int64(3000000001)},
		{src: `-2147483648`, want: math.MinInt32},
		{src: `-2147483648 - context.Response.StatusCode + 502`, want: math.MaxInt32},
	})
}

// TestDotnetStrings: System.String members and operators.
func TestDotnetStrings(t *testing.T) {
	runDotnetCases(t, []dotnetCase{
		// == on strings is ordinal (String.op_Equality).
		{src: `"a" == "A"`, want: false},
		{src: `"abc" == "ab" + "c"`, want: true},
		// < and > are not defined on string (CS0019).
		{src: `"a" < "b"`, wantCompile: ErrType},
		{src: `"a" >= "b"`, wantCompile: ErrType},
		// String.Equals overloads and StringComparison values.
		{src: `"a".Equals("A")`, want: false},
		{src: `"a".Equals("A", StringComparison.OrdinalIgnoreCase)`, want: true},
		{src: `"a".Equals("A", StringComparison.InvariantCultureIgnoreCase)`, want: true},
		{src: `"a".Equals("A", StringComparison.CurrentCultureIgnoreCase)`, want: true},
		{src: `"a".Equals("A", StringComparison.Ordinal)`, want: false},
		{src: `"a".Equals("A", StringComparison.InvariantCulture)`, want: false},
		{src: `string.Equals("x", "X", StringComparison.OrdinalIgnoreCase)`, want: true},
		{src: `String.Equals("x", "x")`, want: true},
		{src: `string.Equals(null, null)`, want: true},
		{src: `"a".Equals("A", true)`, wantCompile: ErrType},
		// Contains(string) is ordinal; StartsWith/EndsWith(string) default to
		// the current culture (identical for ASCII); the char overloads are
		// ordinal.
		{src: `"Hello".Contains("ell")`, want: true},
		{src: `"Hello".Contains("ELL")`, want: false},
		{src: `"Hello".Contains("ELL", StringComparison.OrdinalIgnoreCase)`, want: true},
		{src: `"Hello".Contains('e')`, want: true},
		{src: `"Hello".StartsWith("he")`, want: false},
		{src: `"Hello".StartsWith("he", StringComparison.OrdinalIgnoreCase)`, want: true},
		{src: `"Hello".EndsWith('o')`, want: true},
		{src: `"Hello".EndsWith("LO", StringComparison.CurrentCultureIgnoreCase)`, want: true},
		{src: `"Hello".StartsWith("")`, want: true},
		// ToLower/ToUpper (invariant culture on the gateway).
		{src: `"ÄbC".ToLower()`, want: "äbc"},
		{src: `"straße".ToUpperInvariant()`, want: "STRAßE"},
		{src: `"MiXeD".ToLowerInvariant()`, want: "mixed"},
		// Split with char, string, arrays and options.
		{src: `"a,,b".Split(',').Length`, want: 3},
		{src: `"a,,b".Split(',', StringSplitOptions.RemoveEmptyEntries).Length`, want: 2},
		{src: `"a, b, c".Split(", ")[2]`, want: "c"},
		{src: `"a;b,c".Split(';', ',')[2]`, want: "c"},
		{src: `"a;b,c".Split(new[] { ';', ',' })[1]`, want: "b"},
		{src: `"a;b,,c".Split(new char[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries)[2]`, want: "c"},
		{src: `"a--b----c".Split(new string[] { "--" }, StringSplitOptions.None).Length`, want: 4},
		{src: `"a--b----c".Split(new[] { "--" }, StringSplitOptions.RemoveEmptyEntries).Length`, want: 3},
		{src: `"".Split(',').Length`, want: 1},
		{src: `"".Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries).Length`, want: 0},
		{src: `" a  b ".Split().Length`, want: 5},
		{src: `"a b".Split(' ')[1]`, want: "b"},
		// Substring out of range throws ArgumentOutOfRangeException.
		{src: `"abc".Substring(3)`, want: ""},
		{src: `"abc".Substring(4)`, wantErr: errArgRange},
		{src: `"abc".Substring(-1)`, wantErr: errArgRange},
		{src: `"abc".Substring(2, 2)`, wantErr: errArgRange},
		{src: `"abc".Substring(1, -1)`, wantErr: errArgRange},
		{src: `"abc"[3]`, wantErr: errIndexRange},
		// IndexOf: -1 when absent, 0 for the empty string.
		{src: `"abc".IndexOf("z")`, want: -1},
		{src: `"abc".IndexOf('c')`, want: 2},
		{src: `"abc".IndexOf("")`, want: 0},
		{src: `"abcabc".LastIndexOf("bc")`, want: 4},
		{src: `"ABC".IndexOf("b", StringComparison.OrdinalIgnoreCase)`, want: 1},
		// Concatenation: ToString() of each operand, left to right.
		{src: `"a" + 1`, want: "a1"},
		{src: `1 + 2 + "a"`, want: "3a"},
		{src: `"a" + 1 + 2`, want: "a12"},
		{src: `"a" + (1 + 2)`, want: "a3"},
		{src: `"a" + 1.5`, want: "a1.5"},
		{src: `"a" + true`, want: "aTrue"},
		{src: `"a" + null`, want: "a"},
		{src: `"a" + 'b'`, want: "ab"},
		{src: `'a' + "b"`, want: "ab"},
		{src: `"v" + 0.1`, want: "v0.1"},
		{src: `"" + 0.0001`, want: "0.0001"},
		// double.ToString() switches to E notation below 1E-04 ("G" rule:
		// fixed-point only when the exponent is > -5 and < 15).
		{src: `"" + 0.00001`, want: "1E-05"},
		{src: `"" + 1e15`, want: "1E+15"},
		{src: `"" + 123456789012345.0`, want: "123456789012345"},
		{src: `true.ToString()`, want: "True"},
		{src: `false.ToString()`, want: "False"},
		{src: `(1 == 1).ToString()`, want: "True"},
		{src: `$"{1 < 2}"`, want: "True"},
		{src: `(5).ToString()`, want: "5"},
		{src: `string.Concat("a", 1, true)`, want: "a1True"},
		{src: `string.Join(",", 1, 2)`, want: "1,2"},
		{src: `String.Format("{0}-{1}", 1, false)`, want: "1-False"},
	})
}

// TestDotnetParsing: int.Parse and Convert (NumberStyles.Integer allows
// leading/trailing white space and a leading sign, nothing else).
func TestDotnetParsing(t *testing.T) {
	runDotnetCases(t, []dotnetCase{
		{src: `int.Parse(" 42 ")`, want: 42},
		{src: `int.Parse("+1")`, want: 1},
		{src: `int.Parse("-0")`, want: 0},
		{src: `int.Parse("1e3")`, wantErr: errFormat},
		{src: `int.Parse("1.0")`, wantErr: errFormat},
		{src: `int.Parse("1,000")`, wantErr: errFormat},
		{src: `int.Parse("0x10")`, wantErr: errFormat},
		{src: `int.Parse("")`, wantErr: errFormat},
		{src: `int.Parse("4 2")`, wantErr: errFormat},
		{src: `int.Parse("--1")`, wantErr: errFormat},
		{src: `int.Parse("2147483648")`, wantErr: errOverflow},
		{src: `int.Parse("-2147483648")`, want: math.MinInt32},
		// Number parsing trims only ASCII white space (U+0009–U+000D, U+0020);
		// a no-break space is a FormatException.
		{src: "int.Parse(\"\u00a042\")", wantErr: errFormat},
		{src: `int.Parse("\t42\n")`, want: 42},
		// double.Parse: NumberStyles.Float | AllowThousands.
		{src: `double.Parse("1e3")`, want: 1000.0},
		{src: `double.Parse(" -1.5 ")`, want: -1.5},
		{src: `double.Parse("1,000.5")`, want: 1000.5},
		{src: `double.Parse(".5")`, want: 0.5},
		{src: `double.Parse("0x10")`, wantErr: errFormat},
		{src: `double.Parse("inf")`, wantErr: errFormat},
		{src: `double.Parse("1_000")`, wantErr: errFormat},
		{src: `bool.Parse(" TRUE ")`, want: true},
		{src: `bool.Parse("1")`, wantErr: errFormat},
		// Convert.ToInt32(object): null → 0, "" → FormatException, bool → 0/1,
		// double → banker's rounding, char → its UTF-16 code.
		{src: `Convert.ToInt32(null)`, want: 0},
		// Diverges: .NET returns 0 for a null string, but null strings are
		// modelled as "" (docs/semantics.md), which is a FormatException.
		{src: `Convert.ToInt32((string)null)`, wantErr: errFormat},
		{src: `Convert.ToInt32("")`, wantErr: errFormat},
		{src: `Convert.ToInt32(true)`, want: 1},
		{src: `Convert.ToInt32(false)`, want: 0},
		{src: `Convert.ToInt32(2.5)`, want: 2},
		{src: `Convert.ToInt32(3.5)`, want: 4},
		{src: `Convert.ToInt32(" 7 ")`, want: 7},
		{src: `Convert.ToInt32("2.5")`, wantErr: errFormat},
		{src: `Convert.ToInt32('A')`, want: 65},
		{src: `Convert.ToInt32(context.Variables["n"])`, want: 7},
		{src: `Convert.ToInt32(context.Variables["d"])`, want: 2},
		{src: `Convert.ToBoolean("False")`, want: false},
		{src: `Convert.ToString(true)`, want: "True"},
		{src: `(int)2.9`, want: 2},
		{src: `(int)-2.9`, want: -2},
	})
}

// TestDotnetSyntax: precedence, ternaries, null-coalescing and literals.
func TestDotnetSyntax(t *testing.T) {
	runDotnetCases(t, []dotnetCase{
		// && binds tighter than ||; & tighter than ^ tighter than |.
		{src: `true || false && false`, want: true},
		{src: `(true || false) && false`, want: false},
		{src: `true | true ^ true`, want: true},
		{src: `false & true | true`, want: true},
		{src: `!(1 > 2)`, want: true},
		{src: `!1 > 2`, wantCompile: ErrType},
		{src: `!true == false`, want: true},
		{src: `1 < 2 == true`, want: true},
		{src: `1 + 1 == 2 && "a" != "b"`, want: true},
		// ?: is right-associative.
		{src: `false ? "a" : true ? "b" : "c"`, want: "b"},
		{src: `true ? false ? 1 : 2 : 3`, want: 2},
		// Mixed branch types: int and double unify to double; int and string
		// have no conversion (CS0173); null unifies with a reference type.
		{src: `true ? 1 : 2.5`, want: 1.0},
		{src: `true ? 1 : "a"`, wantCompile: ErrType},
		{src: `true ? "a" : null`, want: "a"},
		{src: `true ? 1 : null`, wantCompile: ErrType},
		{src: `(true ? 1 : 2.5).ToString()`, want: "1"},
		// ?? is right-associative and binds tighter than ?:.
		{src: `(string)null ?? "d"`, want: "d"},
		{src: `context.Variables.GetValueOrDefault("missing") ?? "d"`, want: "d"},
		{src: `context.Variables.GetValueOrDefault("missing") ?? null ?? "z"`, want: "z"},
		{src: `1 ?? 2`, wantCompile: ErrType},
		// Verbatim and interpolated strings.
		{src: `@"a""b"`, want: `a"b`},
		{src: `@"c:\temp\n"`, want: `c:\temp\n`},
		{src: `$"{{x}}"`, want: "{x}"},
		{src: `$"{{{1 + 1}}}"`, want: "{2}"},
		{src: `$@"{{""{context.Api.Id}""}}"`, want: `{"echo"}`},
		{src: `@$"{1}\n"`, want: `1\n`},
		{src: `$"{(true ? "x" : "y")}"`, want: "x"},
		{src: `$"{"in"}"`, want: "in"},
		{src: `$"a}b"`, wantCompile: ErrSyntax},
		// Char literals and escapes.
		{src: `'a'`, want: "a"},
		{src: `'\''`, want: "'"},
		{src: `'\\'`, want: `\`},
		{src: `'\u0041'`, want: "A"},
		{src: `'\x41'`, want: "A"},
		{src: `'\0'.ToString().Length`, want: 1},
		{src: `"\t\"\x41\u00e9\U0001F600"`, want: "\t\"Aé😀"},
		{src: `"abc"[1] == 'b'`, want: true},
		{src: `'ab'`, wantCompile: ErrSyntax},
		{src: `"\q"`, wantCompile: ErrSyntax},
	})
}

// TestDotnetContext: dictionaries of the APIM context.
func TestDotnetContext(t *testing.T) {
	runDotnetCases(t, []dotnetCase{
		{src: `context.Request.Headers.GetValueOrDefault("Missing", "d")`, want: "d"},
		{src: `context.Request.Headers.GetValueOrDefault("content-TYPE", "d")`, want: "application/json"},
		{src: `context.Request.Headers.GetValueOrDefault("Accept", "")`, want: "text/plain,application/json"},
		{src: `context.Request.Headers.ContainsKey("ACCEPT")`, want: true},
		{src: `context.Variables.GetValueOrDefault<int>("s")`, wantErr: errInvalidCast},
		{src: `context.Variables.GetValueOrDefault<string>("n")`, wantErr: errInvalidCast},
		{src: `context.Variables.GetValueOrDefault<double>("n")`, wantErr: errInvalidCast},
		{src: `context.Variables.GetValueOrDefault<int>("missing")`, want: 0},
		{src: `context.Variables.GetValueOrDefault<int>("missing", 5)`, want: 5},
		{src: `context.Variables.GetValueOrDefault<int>("n") + 1`, want: 8},
		{src: `(string)context.Variables["n"]`, wantErr: errInvalidCast},
		{src: `context.Variables["n"].ToString()`, want: "7"},
		{src: `context.Variables["b"].ToString()`, want: "True"},
		// DateTime formatting (invariant culture).
		{src: `DateTime.UtcNow.ToString("o")`, want: "2024-03-05T14:07:09.1234567Z"},
		{src: `DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ")`, want: "2024-03-05T14:07:09.123Z"},
		{src: `DateTime.UtcNow.ToString("s")`, want: "2024-03-05T14:07:09"},
		{src: `DateTime.UtcNow.ToString("u")`, want: "2024-03-05 14:07:09Z"},
		{src: `DateTime.UtcNow.ToString("r")`, want: "Tue, 05 Mar 2024 14:07:09 GMT"},
		{src: `DateTime.UtcNow.ToString("ddd, dd MMM yyyy hh:mm tt")`, want: "Tue, 05 Mar 2024 02:07 PM"},
		{src: `DateTime.UtcNow.ToString("yyyyMMdd")`, want: "20240305"},
		{src: `DateTime.UtcNow.ToString("M")`, want: "March 05"},
		{src: `DateTime.UtcNow.ToString("Y")`, want: "2024 March"},
		{src: `DateTime.UtcNow.ToString("%d")`, want: "5"},
		{src: `DateTime.UtcNow.ToString("x")`, wantErr: errFormat},
		// Guid formats: D (default), N, B, P.
		{src: `context.RequestId.ToString()`, want: "0f8fad5b-d9cb-469f-a165-70867728950e"},
		{src: `context.RequestId.ToString("N")`, want: "0f8fad5bd9cb469fa16570867728950e"},
		{src: `context.RequestId.ToString("B")`, want: "{0f8fad5b-d9cb-469f-a165-70867728950e}"},
		{src: `context.RequestId.ToString("P")`, want: "(0f8fad5b-d9cb-469f-a165-70867728950e)"},
		{src: `Guid.NewGuid().ToString("N").Length`, want: 32},
	})
}

// TestDotnetBlocks: @{ } statement blocks.
func TestDotnetBlocks(t *testing.T) {
	runDotnetCases(t, []dotnetCase{
		{src: `if (context.Request.Method == "POST") { return "early"; } return "late";`, block: true, want: "early"},
		{src: `if (context.Request.Method == "GET") return 1; else if (true) { return 2; } return 3;`, block: true, want: 2},
		{src: `var x = 1; if (x == 1) { x = 5; } return x;`, block: true, want: 5},
		{src: `{ var x = 1; } { var x = 2; return x; }`, block: true, want: 2},
		// Shadowing an enclosing local is CS0136; redeclaring is CS0128.
		{src: `var x = 1; { var x = 2; } return x;`, block: true, wantCompile: ErrType},
		{src: `var x = 1; var x = 2; return x;`, block: true, wantCompile: ErrType},
		{src: `var context = 1; return context;`, block: true, wantCompile: ErrType},
		// A path without return is CS0161.
		{src: `var x = 1;`, block: true, wantCompile: ErrType},
		{src: `if (true) { return 1; }`, block: true, wantCompile: ErrType},
		{src: `if (context.Api.Id == "echo") { return "a"; } else { return "b"; }`, block: true, want: "a"},
		{src: `return y;`, block: true, wantCompile: ErrType},
		{src: `int n = "x"; return n;`, block: true, wantCompile: ErrType},
	})
}

// TestDotnetStress: long and deeply nested input, and non-ASCII text (.NET
// strings count UTF-16 code units).
func TestDotnetStress(t *testing.T) {
	long := strings.Repeat("1 + ", 3000) + "1"
	deep := strings.Repeat("(", 90) + "1" + strings.Repeat(")", 90)
	cat := strings.Repeat(`"ab" + `, 2000) + `""`
	tern := strings.Repeat("false ? 0 : ", 40) + "7"
	tests := []dotnetCase{
		{src: long, want: 3001},
		{src: deep, want: 1},
		{src: "(" + cat + ").Length", want: 4000},
		{src: tern, want: 7},
		{src: `"héllo".Length`, want: 5},
		{src: `"😀".Length`, want: 2},
		{src: `"😀a".Substring(2)`, want: "a"},
		{src: `"日本語".IndexOf("語")`, want: 2},
		{src: `"é".ToUpper()`, want: "É"},
		{src: `"x😀".IndexOf("😀")`, want: 1},
		{src: `$"{"ü"}{1}"`, want: "ü1"},
		{src: `var 名前 = "a"; return 名前 + "ö";`, block: true, want: "aö"},
	}
	runDotnetCases(t, tests)
	// Nesting far beyond any real policy must fail cleanly, not overflow
	// the stack.
	for _, src := range []string{strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000), strings.Repeat("!", 100000) + "true", strings.Repeat("-", 100000) + "1"} {
		if _, err := Compile(src, false, apim.Position{Line: 1, Col: 1}); err == nil {
			continue
		} else if !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrType) {
			t.Errorf("deep nesting: err = %v", err)
		}
	}
}
