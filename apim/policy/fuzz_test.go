package policy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// FuzzParse checks that no input makes the parser (or what runs on its
// output) panic, and that every position it reports is inside the text.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	for _, s := range []string{
		`<policies><inbound><when condition="@("a" && b < 3)"/></inbound></policies>`,
		`<a b="@{ $@"{x["y"]}" }">@(</a>`,
		`<a>@{ '\'' /* } */ // }` + "\n" + `}</a>`,
		"<a>\r\n&#x41;{{n}}&amp;</a>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, xml string) {
		doc := &apim.PolicyDoc{XML: xml, Pos: apim.Position{File: "fuzz.xml", Line: 1, Col: 1}}
		d, err := Parse(doc)
		if err != nil {
			return
		}
		lines := 1
		for i := 0; i < len(xml); i++ {
			if xml[i] == '\n' {
				lines++
			}
		}
		check := func(p apim.Position) {
			if p.Line < 1 || p.Line > lines || p.Col < 1 {
				t.Fatalf("position %s outside the %d-line input", p, lines)
			}
		}
		d.Walk(func(e *Element) bool {
			check(e.Pos)
			for _, a := range e.Attrs {
				check(a.Pos)
				if a.Expr != nil {
					check(a.Expr.Pos)
				}
			}
			for _, x := range e.Exprs {
				check(x.Pos)
			}
			return true
		})
		for _, r := range d.NamedValueRefs() {
			check(r.Pos)
		}
		_, _ = Merge(func(string) (*Document, bool) { return d, true }, d, d)
		_ = Substitute(d, func(n string) (string, bool) { return "@(" + n + ")", true })
	})
}
