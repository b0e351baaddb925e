package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apimlab/apimlab/apim"
)

// posOf returns the 1-based line and byte column of the first occurrence
// of needle in src, computed independently of the parser.
func posOf(t *testing.T, src, needle string) (int, int) {
	t.Helper()
	i := strings.Index(src, needle)
	if i < 0 {
		t.Fatalf("fixture does not contain %q", needle)
	}
	line := strings.Count(src[:i], "\n") + 1
	col := i - strings.LastIndex(src[:i], "\n")
	return line, col
}

func mustParseFile(t *testing.T, path string) (*Document, string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseFile(path)
	if err != nil {
		t.Fatalf("ParseFile(%s): %v", path, err)
	}
	return d, string(data)
}

// find returns the n-th (0-based) element named name in document order.
func find(t *testing.T, d *Document, name string, n int) *Element {
	t.Helper()
	var found *Element
	d.Walk(func(e *Element) bool {
		if e.Name == name {
			if n == 0 && found == nil {
				found = e
			}
			n--
		}
		return true
	})
	if found == nil {
		t.Fatalf("no element <%s> #%d", name, n)
	}
	return found
}

func TestParseTolerantExpressions(t *testing.T) {
	d, src := mustParseFile(t, "testdata/tolerant.xml")
	if d.Escaped == 0 {
		t.Errorf("Escaped = 0, want > 0 for raw expressions")
	}
	tests := []struct {
		name    string
		elem    string
		n       int
		attr    string // "" for the element text
		wantSrc string
		block   bool
		at      string // text at the expression's '@' in the file
	}{
		{"nested quotes", "when", 0, "condition", `"West US".Equals(context.Deployment.Region, StringComparison.OrdinalIgnoreCase)`, false, `@("West US"`},
		{"and-and and less-than", "when", 1, "condition", `context.Request.Headers.ContainsKey("a") && context.Variables.GetValueOrDefault<int>("n", 0) < 3`, false, `@(context.Request.Headers.ContainsKey("a")`},
		{"verbatim and char literals", "set-variable", 0, "value", `@"C:\temp\""quoted""" + ')' + '"'`, false, `@(@"C:`},
		{"block with braces in strings", "value", 0, "", `{ if (1 < 2 && "}" != "{") { return $"x{("y")}"; } return "z"; }`[1:60], true, `@{ if`},
		{"generic in text", "set-body", 0, "", `context.Variables.GetValueOrDefault<string>("body")`, false, `@(context.Variables.GetValueOrDefault<string>("body"))`},
		{"cdata", "value", 1, "", `context.Request.Url.Query.GetValueOrDefault("q", "<none>")`, false, `@(context.Request.Url.Query`},
		{"escaped entities", "set-variable", 1, "value", `context.Request.Method == "GET" && 1 < 2`, false, `@(context.Request.Method == &quot;`},
		{"retry condition", "retry", 0, "condition", `context.Response.StatusCode >= 500`, false, `@(context.Response.StatusCode >= 500)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := find(t, d, tt.elem, tt.n)
			var x *Expr
			if tt.attr != "" {
				a := e.Attr(tt.attr)
				if a == nil {
					t.Fatalf("%s has no attribute %s", e, tt.attr)
				}
				x = a.Expr
			} else {
				x = e.TextExpr
			}
			if x == nil {
				t.Fatalf("%s: no expression found", e)
			}
			want := tt.wantSrc
			if tt.block {
				want = ` if (1 < 2 && "}" != "{") { return $"x{("y")}"; } return "z"; `
			}
			if x.Src != want {
				t.Errorf("Src = %q, want %q", x.Src, want)
			}
			if x.Block != tt.block {
				t.Errorf("Block = %v, want %v", x.Block, tt.block)
			}
			line, col := posOf(t, src, tt.at)
			if x.Pos.Line != line || x.Pos.Col != col {
				t.Errorf("Pos = %d:%d, want %d:%d", x.Pos.Line, x.Pos.Col, line, col)
			}
		})
	}
}

func TestParsePositions(t *testing.T) {
	d, src := mustParseFile(t, "testdata/tolerant.xml")
	tests := []struct {
		elem string
		n    int
		attr string
		at   string
	}{
		{"policies", 0, "", "<policies>"},
		{"when", 1, "", `<when condition="@(context.Request`},
		{"when", 1, "condition", `condition="@(context.Request`},
		{"set-variable", 0, "value", `value="@(@"C:`},
		{"set-header", 0, "exists-action", `exists-action="override">` + "\n            <value>@{"},
		{"retry", 0, "count", `count="{retry_count}"`},
		{"retry", 0, "condition", `condition="@(context.Response.StatusCode >= 500)"`},
		{"forward-request", 0, "timeout", `timeout="60"`},
		{"set-variable", 2, "value", `value="{{plain-value}}"`},
	}
	for _, tt := range tests {
		t.Run(tt.elem+"/"+tt.attr, func(t *testing.T) {
			e := find(t, d, tt.elem, tt.n)
			pos := e.Pos
			if tt.attr != "" {
				a := e.Attr(tt.attr)
				if a == nil {
					t.Fatalf("no attribute %s", tt.attr)
				}
				pos = a.Pos
				line, col := posOf(t, src, tt.at)
				if a.ValuePos.Line != line || a.ValuePos.Col != col+len(tt.attr)+2 {
					t.Errorf("ValuePos = %d:%d, want %d:%d", a.ValuePos.Line, a.ValuePos.Col, line, col+len(tt.attr)+2)
				}
			}
			line, col := posOf(t, src, tt.at)
			if pos.Line != line || pos.Col != col {
				t.Errorf("Pos = %d:%d, want %d:%d", pos.Line, pos.Col, line, col)
			}
			if pos.File != "testdata/tolerant.xml" {
				t.Errorf("File = %q", pos.File)
			}
			if !strings.HasPrefix(pos.Path, "/policies") {
				t.Errorf("Path = %q, want an element path", pos.Path)
			}
		})
	}
	if got := find(t, d, "when", 1).Pos.Path; got != "/policies/inbound/choose/when[2]" {
		t.Errorf("when[2] path = %q", got)
	}
}

func TestParseStructure(t *testing.T) {
	d, _ := mustParseFile(t, "testdata/tolerant.xml")
	if d.Root.Name != "policies" || d.IsFragment() {
		t.Fatalf("root = %s", d.Root.Name)
	}
	for _, s := range Sections() {
		if d.Section(s) == nil {
			t.Errorf("section %s missing", s)
		}
	}
	if got := find(t, d, "forward-request", 0).Section; got != Backend {
		t.Errorf("forward-request section = %q", got)
	}
	if got := find(t, d, "set-backend-service", 0).Section; got != Inbound {
		t.Errorf("set-backend-service section = %q", got)
	}
	// Every element has its etree node, with the same name and attributes.
	n := 0
	d.Walk(func(e *Element) bool {
		n++
		if e.Node == nil || e.Node.Tag != e.Name {
			t.Errorf("%s: etree node %v", e, e.Node)
		}
		for _, a := range e.Attrs {
			if e.Node != nil && e.Node.SelectAttrValue(a.Name, "\x00") != a.Value {
				t.Errorf("%s: etree attr %s differs", e, a.Name)
			}
		}
		return true
	})
	if n != 21 {
		t.Errorf("elements = %d, want 21", n)
	}
	// The etree document serialises to XML that parses to the same tree.
	out, err := d.Tree.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Parse(&apim.PolicyDoc{XML: out})
	if err != nil {
		t.Fatalf("etree output does not parse: %v\n%s", err, out)
	}
	if d2.Escaped != 0 {
		t.Errorf("etree output needed %d escapes; want well-formed XML", d2.Escaped)
	}
	if got, want := d2.Section(Inbound).Children[1].Children[1].Attr("condition").Value, find(t, d, "when", 1).Attr("condition").Value; got != want {
		t.Errorf("round-trip condition = %q, want %q", got, want)
	}
	if got := find(t, d, "value", 0).Parent.Name; got != "set-header" {
		t.Errorf("value parent = %s", got)
	}
}

func TestParseIgnoreComments(t *testing.T) {
	d, src := mustParseFile(t, "testdata/tolerant.xml")
	sh := find(t, d, "set-header", 0)
	if len(sh.Ignore) != 1 {
		t.Fatalf("set-header Ignore = %+v", sh.Ignore)
	}
	ig := sh.Ignore[0]
	if strings.Join(ig.IDs, ",") != "APIM401,APIM402" || ig.Reason != "fronted by a trusted proxy" {
		t.Errorf("ignore = %+v", ig)
	}
	line, col := posOf(t, src, "<!-- apimlab-ignore APIM401")
	if ig.Pos.Line != line || ig.Pos.Col != col {
		t.Errorf("ignore pos = %s, want %d:%d", ig.Pos, line, col)
	}
	if !find(t, d, "value", 0).Ignored("apim401") {
		t.Errorf("child of an ignored element is not ignored")
	}
	if find(t, d, "set-body", 0).Ignored("APIM401") {
		t.Errorf("next sibling must not inherit the directive")
	}
	// A directive with no element after it applies to the enclosing element.
	oe := d.Section(OnError)
	if len(oe.Ignore) != 1 || oe.Ignore[0].IDs[0] != "APIM450" || oe.Ignore[0].Reason != "" {
		t.Errorf("on-error Ignore = %+v", oe.Ignore)
	}
	if len(d.Comments) != 2 {
		t.Errorf("comments = %d, want 2", len(d.Comments))
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		name string
		xml  string
		line int
		col  int
		msg  string
	}{
		{"mismatched close", "<policies>\n  <inbound>\n  </outbound>\n</policies>", 3, 3, "does not match <inbound>"},
		{"unclosed", "<policies>\n  <inbound>\n</policies>", 3, 1, "does not match"},
		{"never closed", "<policies>\n  <inbound>", 2, 3, "never closed"},
		{"bad attribute", "<policies>\n  <inbound a=b/>\n</policies>", 2, 15, "malformed"},
		{"duplicate attribute", "<policies>\n  <set-header name=\"a\" name=\"b\"/>\n</policies>", 2, 3, "twice"},
		{"duplicate among many attributes", "<policies>\n  <x a=\"1\" b=\"1\" c=\"1\" d=\"1\" e=\"1\" f=\"1\" g=\"1\" h=\"1\" i=\"1\" c=\"2\"/>\n</policies>", 2, 3, "attribute \"c\" twice"},
		{"two roots", "<policies/>\n<policies/>", 2, 1, "second root"},
		{"empty", "  \n", 1, 1, "empty policy"},
		{"text outside", "<policies/>\nhello", 1, 12, "text outside"},
		{"unbalanced expression stays literal", "<policies>\n <inbound>\n  <when condition=\"@(\"a\" \" />\n </inbound>\n</policies>", 3, 25, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(&apim.PolicyDoc{XML: tt.xml, Pos: apim.Position{File: "p.xml", Line: 1, Col: 1}})
			var ae *apim.Error
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *apim.Error", err)
			}
			if ae.Code != CodeMalformed {
				t.Errorf("code = %s", ae.Code)
			}
			if ae.Pos.File != "p.xml" || ae.Pos.Line != tt.line || ae.Pos.Col != tt.col {
				t.Errorf("pos = %s, want p.xml:%d:%d (%v)", ae.Pos, tt.line, tt.col, err)
			}
			if !strings.Contains(ae.Msg, tt.msg) {
				t.Errorf("msg = %q, want it to contain %q", ae.Msg, tt.msg)
			}
		})
	}
}

func TestParseOffsetAndEmbedded(t *testing.T) {
	xml := "<policies>\n  <inbound>\n    <set-header name=\"x\" />\n  </inbound>\n</policies>"
	// A policy starting at line 10 col 5 of a larger file.
	d, err := Parse(&apim.PolicyDoc{XML: xml, Pos: apim.Position{File: "f.xml", Line: 10, Col: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if p := d.Root.Pos; p.Line != 10 || p.Col != 5 {
		t.Errorf("root pos = %s, want f.xml:10:5", p)
	}
	if p := find(t, d, "set-header", 0).Attr("name").Pos; p.Line != 12 || p.Col != 17 {
		t.Errorf("name pos = %s, want f.xml:12:17", p)
	}
	// Embedded in JSON: the JSON string's position plus a policy path.
	jpos := apim.Position{File: "t.json", Line: 40, Col: 18, Path: "$.resources[3].properties.value"}
	d, err = Parse(&apim.PolicyDoc{XML: xml, Pos: jpos, Embedded: true})
	if err != nil {
		t.Fatal(err)
	}
	p := find(t, d, "set-header", 0).Attr("name").Pos
	if p.File != "t.json" || p.Line != 40 || p.Col != 18 || p.Path != jpos.Path+"/policy:3:17" {
		t.Errorf("embedded pos = %+v", p)
	}
	_, err = Parse(&apim.PolicyDoc{XML: "<policies>\n<a></b>", Pos: jpos, Embedded: true})
	var ae *apim.Error
	if !errors.As(err, &ae) || ae.Pos.Path != jpos.Path+"/policy:2:4" || ae.Pos.Line != 40 {
		t.Errorf("embedded error = %+v", err)
	}
}

func TestParseCRLFAndEntities(t *testing.T) {
	xml := "<policies>\r\n<inbound>\r\n<set-variable name=\"v\" value=\"a&amp;b {{nv}}\" />\r\n<set-body>x &lt; y\r\n{{other}}</set-body>\r\n</inbound>\r\n</policies>"
	d, err := Parse(&apim.PolicyDoc{XML: xml, Pos: apim.Position{File: "c.xml", Line: 1, Col: 1}})
	if err != nil {
		t.Fatal(err)
	}
	refs := d.NamedValueRefs()
	if len(refs) != 2 {
		t.Fatalf("refs = %+v", refs)
	}
	if r := refs[0]; r.Name != "nv" || r.Pos.Line != 3 || r.Pos.Col != 39 || r.Attr == nil {
		t.Errorf("attr ref = %+v at %s", r.Ref, r.Pos)
	}
	if r := refs[1]; r.Name != "other" || r.Pos.Line != 5 || r.Pos.Col != 1 || r.Attr != nil {
		t.Errorf("text ref = %+v at %s", r.Ref, r.Pos)
	}
	if got := find(t, d, "set-body", 0).Text; got != "x < y\n{{other}}" {
		t.Errorf("text = %q", got)
	}
}

// corpusDir is the shared corpus of real APIM configurations.
const corpusDir = "../../../shared/corpus"

func corpusFiles(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("corpus not available:", err)
	}
	var files []string
	err := filepath.WalkDir(corpusDir, func(p string, de os.DirEntry, err error) error {
		if err == nil && !de.IsDir() && strings.HasSuffix(p, ".xml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestParseCorpusAll(t *testing.T) {
	files := corpusFiles(t)
	if len(files) < 15 {
		t.Errorf("corpus has %d XML files, want >= 15", len(files))
	}
	for _, f := range files {
		d, err := ParseFile(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		// Every element name of the corpus is in the catalogue.
		d.Walk(func(e *Element) bool {
			if _, ok := Lookup(e.Name); !ok {
				t.Errorf("%s: <%s> not in the catalogue", e.Pos, e.Name)
			}
			return true
		})
	}
}

func TestParseCorpusFacts(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("corpus not available:", err)
	}
	tests := []struct {
		file      string
		elements  int
		exprs     int // attribute + text expressions
		escaped   bool
		elem      string
		n         int
		attr      string
		line, col int
	}{
		{"ai-gateway/labs/backend-pool-load-balancing/policy.xml", 16, 2, false, "retry", 0, "condition", 8, 63},
		{"ai-gateway/labs/session-awareness/policy.xml", 19, 4, false, "set-backend-service", 0, "backend-id", 8, 30},
		{"policy-snippets/examples/Route requests to regional backend instances.xml", 16, 2, true, "when", 1, "condition", 16, 19},
		{"policy-snippets/examples/Replay request on error.policy.xml", 28, 7, true, "send-request", 0, "timeout", 38, 84},
		{"policy-snippets/examples/Route requests based on size.policy.xml", 15, 2, true, "when", 0, "condition", 14, 14},
		{"policy-snippets/examples/Random load balancer simpler.policy.xml", 11, 1, false, "set-backend-service", 0, "base-url", 8, 38},
		{"apiops/SampleArtifacts/policy fragments/policyFragment1/policy.xml", 6, 1, false, "set-header", 1, "name", 6, 14},
		{"apim-samples/samples/load-balancing/apim-policies/aca-backend-pool-load-balancing.xml", 11, 1, false, "retry", 0, "count", 11, 16},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			d, _ := mustParseFile(t, filepath.Join(corpusDir, tt.file))
			n, exprs := 0, 0
			d.Walk(func(e *Element) bool {
				n++
				exprs += len(e.Exprs)
				for _, a := range e.Attrs {
					if a.Expr != nil {
						exprs++
					}
				}
				return true
			})
			if n != tt.elements || exprs != tt.exprs {
				t.Errorf("elements, exprs = %d, %d; want %d, %d", n, exprs, tt.elements, tt.exprs)
			}
			if (d.Escaped > 0) != tt.escaped {
				t.Errorf("Escaped = %d, want escaped=%v", d.Escaped, tt.escaped)
			}
			a := find(t, d, tt.elem, tt.n).Attr(tt.attr)
			if a == nil || a.Pos.Line != tt.line || a.Pos.Col != tt.col {
				t.Errorf("%s@%s at %v, want %d:%d", tt.elem, tt.attr, a, tt.line, tt.col)
			}
		})
	}
	t.Run("placeholders", func(t *testing.T) {
		d, _ := mustParseFile(t, filepath.Join(corpusDir, tests[len(tests)-1].file))
		_, err := find(t, d, "retry", 0).Attr("count").Int()
		if !errors.Is(err, ErrPlaceholder) || !strings.Contains(err.Error(), "deploy-time placeholder") {
			t.Errorf("count.Int() err = %v", err)
		}
		if k := find(t, d, "set-backend-service", 0).Attr("backend-id").Kind(); k != Placeholder {
			t.Errorf("backend-id kind = %v", k)
		}
		if v, err := find(t, d, "forward-request", 0).IntAttr("timeout", 300); v != 60 || err != nil {
			t.Errorf("timeout = %d, %v", v, err)
		}
	})
	t.Run("replay text expression in generic call", func(t *testing.T) {
		d, _ := mustParseFile(t, filepath.Join(corpusDir, "policy-snippets/examples/Replay request on error.policy.xml"))
		u := find(t, d, "set-url", 0)
		if u.TextExpr == nil || u.TextExpr.Src != `context.Variables.GetValueOrDefault<string>("replay-url")` {
			t.Errorf("set-url expr = %+v", u.TextExpr)
		}
		if u.TextExpr.Pos.Line != 39 || u.TextExpr.Pos.Col != 30 {
			t.Errorf("set-url expr pos = %s", u.TextExpr.Pos)
		}
		if len(u.Children) != 0 {
			t.Errorf("<string> inside an expression became an element")
		}
	})
}

// TestParseTextAroundChildren checks an element's text when comments and
// children split it: blank runs at the ends are trimmed, the ones inside
// are kept, and TextPos and the expressions point into the source.
func TestParseTextAroundChildren(t *testing.T) {
	src := "<policies><inbound>\n  <set-body>\n  <!-- c -->  a <!-- d --> @(1)  \n</set-body>\n  <value>\n\t<![CDATA[ x ]]> {{nv}} </value>\n</inbound></policies>"
	d, err := Parse(&apim.PolicyDoc{XML: src, Pos: apim.Position{File: "p.xml", Line: 1, Col: 1}})
	if err != nil {
		t.Fatal(err)
	}
	in := d.Section(Inbound)
	body, value := in.Child("set-body"), in.Child("value")
	if in.Text != "" || in.TextPos.IsValid() || len(in.Exprs) != 0 {
		t.Errorf("<inbound> text = %q at %s with %d expressions, want none", in.Text, in.TextPos, len(in.Exprs))
	}
	if got, want := body.Text, "a  @(1)"; got != want {
		t.Errorf("<set-body> text = %q, want %q", got, want)
	}
	if got, want := body.TextPos.String(), "p.xml:3:15"; got != want {
		t.Errorf("<set-body> text at %s, want %s", got, want)
	}
	if len(body.Exprs) != 1 || body.Exprs[0].Raw != "@(1)" || body.Exprs[0].Pos.String() != "p.xml:3:28" {
		t.Errorf("<set-body> expressions = %v, want @(1) at p.xml:3:28", body.Exprs)
	}
	if got, want := value.Text, "x  {{nv}}"; got != want {
		t.Errorf("<value> text = %q, want %q", got, want)
	}
	refs := d.NamedValueRefs()
	if len(refs) != 1 || refs[0].Pos.String() != "p.xml:6:18" {
		t.Errorf("named value refs = %v, want {{nv}} at p.xml:6:18", refs)
	}
}
