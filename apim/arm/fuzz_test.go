package arm

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim/jsontree"
)

// exprSeeds collects every expression string of the fixture templates.
func exprSeeds(f *testing.F) []string {
	files, _ := filepath.Glob("testdata/*.json")
	var out []string
	var walk func(v *jsontree.Value)
	walk = func(v *jsontree.Value) {
		switch v.Kind {
		case jsontree.String:
			if isExpression(v.Str) {
				out = append(out, v.Str)
			}
		case jsontree.Array:
			for _, e := range v.Elems() {
				walk(e)
			}
		case jsontree.Object:
			for _, m := range v.Members() {
				walk(m.Value)
			}
		}
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if root, err := jsontree.Parse(file, data); err == nil {
			walk(root)
		}
	}
	return out
}

func FuzzParseExpr(f *testing.F) {
	for _, s := range exprSeeds(f) {
		f.Add(s)
	}
	f.Add("[concat('a' 'b')]")
	f.Add("[x()[0]")
	f.Add("['it''s'].a[1]")
	arena := new(exprArena) // shared by every input, as a resolver's
	f.Fuzz(func(t *testing.T, s string) {
		x, err := ParseExpr(s)
		// The arena gives the same tree, or the same error.
		xa, erra := parseExpr(s, arena)
		if !reflect.DeepEqual(x, xa) || !reflect.DeepEqual(err, erra) {
			t.Fatalf("parseExpr(%q) with an arena = %v, %v; without = %v, %v", s, xa, erra, x, err)
		}
		if len(arena.stack) != 0 {
			t.Fatalf("parseExpr(%q) left %d arguments on the arena's stack", s, len(arena.stack))
		}
		if err != nil {
			if se, ok := err.(*SyntaxError); !ok || se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("ParseExpr(%q): bad error %v", s, err)
			}
			return
		}
		// The canonical form parses to itself.
		text := x.String()
		y, err := ParseExpr(text)
		if err != nil {
			t.Fatalf("ParseExpr(%q) = %s, which does not parse: %v", s, text, err)
		}
		if y.String() != text {
			t.Fatalf("round trip of %q: %s != %s", s, y.String(), text)
		}
		// Evaluation never panics.
		root, _ := jsontree.Parse("f.json", []byte(evalTemplate))
		r := newResolver("f.json")
		e := &env{s: r.newScope(root, nil, "")}
		if v := e.eval(x); v == nil {
			t.Fatalf("eval(%q) = nil", s)
		}
	})
}

func FuzzResolve(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := jsontree.Parse("f.json", data)
		if err != nil {
			return
		}
		res := Resolve("f.json", root, nil)
		for _, is := range res.Issues {
			if strings.Contains(is.Msg, "internal error") {
				t.Fatalf("Resolve panicked: %s", is.Msg)
			}
		}
		for _, r := range res.Resources {
			if r.Node == nil {
				t.Fatalf("resource %q has no node", r.Name)
			}
		}
	})
}
