package policyexpr

import (
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// TestBodyConsume follows Learn, "Set body": "By default when you access
// the message body using context.Request.Body or context.Response.Body, the
// original message body is lost ... To preserve the body content, set the
// preserveContent parameter to true". A read without preserveContent: true
// calls Consume once; with it, Consume is not called. Both engines
// (translated and interpreted) are covered.
func TestBodyConsume(t *testing.T) {
	for _, tc := range []struct {
		src         string
		block       bool
		interpreted bool // the engine the expression is expected to run on
		want        any
		consumed    bool
	}{
		{`context.Request.Body.As<string>()`, false, false, `{"n":1}`, true},
		{`context.Request.Body.As<string>(false)`, false, false, `{"n":1}`, true},
		{`context.Request.Body.As<string>(preserveContent: false)`, false, false, `{"n":1}`, true},
		{`context.Request.Body.As<string>(true)`, false, false, `{"n":1}`, false},
		{`context.Request.Body.As<string>(preserveContent: true)`, false, false, `{"n":1}`, false},
		{`context.Request.Body.As<string>(preserveContent: context.Variables.ContainsKey("keep"))`, false, false, `{"n":1}`, true},
		{`(string)context.Request.Body.As<JObject>()["n"]`, false, true, "1", true},
		{`(string)context.Request.Body.As<JObject>(preserveContent: true)["n"]`, false, true, "1", false},
		{`var b = context.Request.Body.As<JObject>(true); return b.Count.ToString();`, true, true, "1", false},
		{`context.Request.Body.AsFormUrlEncodedContent().Count`, false, true, 1, true},
		{`context.Response.Body.As<string>()`, false, false, `{"n":1}`, true},
		{`(string)context.Response.Body.As<JObject>(preserveContent: true)["n"]`, false, true, "1", false},
	} {
		t.Run(tc.src, func(t *testing.T) {
			p, err := Compile(tc.src, tc.block, apim.Position{File: "t.xml", Line: 1, Col: 1})
			if err != nil {
				t.Fatal(err)
			}
			if p.Interpreted() != tc.interpreted {
				t.Fatalf("Interpreted() = %v, want %v", p.Interpreted(), tc.interpreted)
			}
			c := testContext()
			n := 0
			body := func() (string, error) { return `{"n":1}`, nil }
			c.Request.Body, c.Response.Body = body, body
			c.Request.Consume = func() { n++ }
			c.Response.Consume = func() { n++ }
			got, err := p.Run(c)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("= %#v, want %#v", got, tc.want)
			}
			if want := map[bool]int{true: 1, false: 0}[tc.consumed]; n != want {
				t.Errorf("Consume called %d times, want %d", n, want)
			}
		})
	}
}
