package liquid

import (
	"encoding/json"
	"testing"
)

// FuzzRender renders a template using every supported filter against
// arbitrary JSON bodies (the client's or the backend's): it must return
// an output or an error, never panic (Template.Render recovers one as a
// backstop; the fuzz checks the filters do not need it).
func FuzzRender(f *testing.F) {
	for _, s := range []string{`{"a":"x","n":3,"arr":[1,null,"b",{"k":1}]}`, `null`, `[]`, `{"a":null,"n":"7","arr":{}}`, `{"a":1e308,"n":-0.5,"arr":[[]]}`} {
		f.Add(s)
	}
	eng := NewEngine(nil)
	var src string
	for _, n := range FilterNames() {
		src += `{{ body.a | ` + n + ` }}{{ body.arr | ` + n + `: body.n }}{{ body.n | ` + n + `: body.a, body.arr }}`
	}
	tpl, err := eng.e.ParseString(src)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var v any
		if json.Unmarshal([]byte(body), &v) != nil {
			return
		}
		// osteele/liquid's own Render, not Template.Render, which would
		// hide a panic as an error.
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("panic on body %s: %v", body, r)
			}
		}()
		_, _ = tpl.Render(map[string]any{"body": v})
	})
}
