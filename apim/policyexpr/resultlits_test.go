package policyexpr

import (
	"slices"
	"testing"
)

// TestResultLiterals: the literals in result positions, by hand; a
// literal compared against, built up or inside a lambda is not a result.
func TestResultLiterals(t *testing.T) {
	tests := []struct {
		src   string
		block bool
		want  []string
		ok    bool
	}{
		{src: `"orders"`, want: []string{"orders"}, ok: true},
		{src: ` ( "orders" ) `, want: []string{"orders"}, ok: true},
		{src: `(string)"orders"`, want: []string{"orders"}, ok: true},
		{src: `cond ? "a" : "b"`, want: []string{"a", "b"}, ok: true},
		{src: `x == "eu" ? "eu-pool" : "us-pool"`, want: []string{"eu-pool", "us-pool"}, ok: true},
		{src: `a ? b ? "x" : "y" : "z"`, want: []string{"x", "y", "z"}, ok: true},
		{src: `a ? "x" : b ? "y" : "z"`, want: []string{"x", "y", "z"}, ok: true},
		{src: `a ? "x" : context.Variables["b"]`, want: []string{"x"}, ok: false},
		{src: `context.Variables.GetValueOrDefault("backend", "orders")`, want: []string{"orders"}, ok: true},
		{src: `context.Variables.GetValueOrDefault<string>("backend", "orders")`, want: []string{"orders"}, ok: true},
		{src: `context.Request.Headers.GetValueOrDefault("X-B")`, ok: false},
		// Named arguments may come in any order: the second one is not
		// necessarily the default.
		{src: `context.Variables.GetValueOrDefault<string>(defaultValue: "x", variableName: "b")`, ok: false},
		{src: `(string)context.Variables["b"] ?? "fallback"`, want: []string{"fallback"}, ok: false},
		{src: `@"verbatim ""q"""`, want: []string{`verbatim "q"`}, ok: true},
		{src: `"esc\"aped"`, want: []string{`esc"aped`}, ok: true},
		{src: `$"{region}-pool"`, ok: false},
		{src: `$"{(a ? "x" : "y")}-pool"`, ok: false},
		{src: `"a" + "b"`, ok: false},
		{src: `x?.Length > 0 ? "a" : "b"`, want: []string{"a", "b"}, ok: true},
		{src: `(int?)x == null ? "a" : "b"`, want: []string{"a", "b"}, ok: true},
		{src: `"unterminated`, ok: false},
		{src: `/* comment */ "a" // trailing`, want: []string{"a"}, ok: true},
		{src: `cond ? "a"`, ok: false},
		{src: `if (x) { return "a"; } return "b";`, block: true, want: []string{"a", "b"}, ok: true},
		{src: `var s = "not-a-result"; return s == "q" ? "a" : "b";`, block: true, want: []string{"a", "b"}, ok: true},
		{src: `return context.Variables["x"];`, block: true, ok: false},
		{src: `var x = "only a local";`, block: true, ok: false},
		{src: `return f(() => { return "z"; });`, block: true, ok: false},
		{src: `string F() { return "local"; } return "a";`, block: true, want: []string{"a"}, ok: true},
		{src: `switch (x) { case 1: return "one"; default: return "other"; }`, block: true, want: []string{"one", "other"}, ok: true},
		{src: `foreach (var h in hs) { if (h == "a") { return "found"; } } return null;`, block: true, want: []string{"found"}, ok: false},
	}
	for _, tt := range tests {
		got, ok := ResultLiterals(tt.src, tt.block)
		if !slices.Equal(got, tt.want) || ok != tt.ok {
			t.Errorf("ResultLiterals(%q, %v) = %q, %v; want %q, %v", tt.src, tt.block, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzResultLiterals: any input, no panic.
func FuzzResultLiterals(f *testing.F) {
	for _, s := range []string{`a ? "x" : "y"`, `$"{a ?? "b"}"`, `@"x""y"`, `GetValueOrDefault<string>("a","b")`, `((((`, `?:??`} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, src string, block bool) {
		ResultLiterals(src, block) // must not panic
	})
}
