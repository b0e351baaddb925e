package linttest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
	"github.com/apimlab/apimlab/lint"
)

func TestParseWant(t *testing.T) {
	ws, err := ParseWant("x.txtar", []byte("# comment\n\nbackends.json:4:28 APIM003 url .* not absolute\napis/p.xml:7 APIM401 no backend\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 2 {
		t.Fatalf("got %d expectations", len(ws))
	}
	if w := ws[0]; w.File != "backends.json" || w.Line != 4 || w.Col != 28 || w.Rule != "APIM003" || w.Re.String() != "url .* not absolute" {
		t.Errorf("first = %+v", w)
	}
	if w := ws[1]; w.File != "apis/p.xml" || w.Line != 7 || w.Col != 0 {
		t.Errorf("second = %+v", w)
	}
	for _, bad := range []string{"backends.json APIM003 x", "b.json:1:2 APM003 x", "b.json:1:2 APIM003 (unclosed"} {
		if _, err := ParseWant("x.txtar", []byte(bad)); err == nil {
			t.Errorf("ParseWant(%q) succeeded", bad)
		}
	}
}

func TestParseXMLWants(t *testing.T) {
	xml := `<policies>
	<inbound>
		<!-- want "APIM401: names no backend" "APIM402: hard-coded \"url\"" -->
		<!-- an ordinary comment in between -->
		<set-backend-service
			backend-id="nope" />
	</inbound>
</policies>`
	ws, err := ParseXMLWants("p.xml", []byte(xml))
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 2 {
		t.Fatalf("got %d expectations, want 2", len(ws))
	}
	for _, w := range ws {
		if w.File != "p.xml" || w.Line != 5 || w.Col != 0 {
			t.Errorf("expectation %s: want p.xml:5", w)
		}
	}
	if !ws[1].Re.MatchString(`hard-coded "url"`) {
		t.Errorf("escaped quote not unescaped: %s", ws[1].Re)
	}
	if _, err := ParseXMLWants("p.xml", []byte(`<a><!-- want "APIM001: x" --></a>`)); err == nil {
		t.Error("want comment with no element after it accepted")
	}
	if _, err := ParseXMLWants("p.xml", []byte(`<a><!-- want nothing --><b/></a>`)); err == nil {
		t.Error("want comment without expectation accepted")
	}
}

func TestCompare(t *testing.T) {
	want := func(file string, line, col int, rule, re string) Expectation {
		return Expectation{File: file, Line: line, Col: col, Rule: rule, Re: regexp.MustCompile(re)}
	}
	find := func(file string, line, col int, rule, msg string) lint.Finding {
		return lint.Finding{Rule: rule, Message: msg, Pos: apim.Position{File: file, Line: line, Col: col}}
	}
	got := []lint.Finding{
		find("a.json", 3, 5, "APIM001", "chain validation is off"),
		find("a.json", 3, 5, "APIM001", "name validation is off"),
		find("a.json", 9, 1, "APIM001", "surprise"),
	}
	wants := []Expectation{
		want("a.json", 3, 5, "APIM001", "name"),
		want("a.json", 3, 0, "APIM001", "chain"),
		want("a.json", 4, 1, "APIM001", "missing"),
	}
	msgs := Compare(got, wants)
	if len(msgs) != 2 {
		t.Fatalf("messages = %q, want one unexpected and one missing", msgs)
	}
	if !strings.Contains(msgs[0], "unexpected finding a.json:9:1 APIM001: surprise") {
		t.Errorf("msgs[0] = %q", msgs[0])
	}
	if !strings.Contains(msgs[1], "missing finding a.json:4:1 APIM001") {
		t.Errorf("msgs[1] = %q", msgs[1])
	}
	if msgs := Compare(nil, nil); len(msgs) != 0 {
		t.Errorf("empty compare: %q", msgs)
	}
}
